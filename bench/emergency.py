"""Emergency detection benchmark: precision/recall per service on the held-out corpus, latency.

    python -m bench emergency [--corpus FILE] [--repeat 3] [--errors]

The corpus defaults to the current blind set (`ivr.emergency_training.HELDOUT`), written by
someone who saw neither the detector nor the training corpus, and never trained or tuned on.
Latency is one `detect()` call per utterance, timed with
perf_counter (wall) and thread_time (the CPU the call itself used: on a loaded machine the wall
time also counts the time other processes held the core) over every utterance `--repeat` times,
after the scoring pass has warmed up jieba and pypinyin.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from core.settings import Settings
from ivr.emergency import EmergencyDetector
from ivr.emergency_eval import evaluate
from ivr.emergency_training import HELDOUT, load_corpus


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench emergency", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=HELDOUT)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--errors", action="store_true", help="print every misclassified utterance")
    args = p.parse_args(argv)
    settings = Settings()
    detector = EmergencyDetector(settings.emergency_numbers, settings.emergency_joint_routing)
    rows = load_corpus(args.corpus)
    result = evaluate(detector, rows)
    print(f"{args.corpus.name}: {len(rows)} utterances, {sum(r[0] != 'none' for r in rows)} emergencies")
    for score in result.scores.values():
        labelled = score.true_positives + score.false_negatives
        print(
            f"  {score.service:8s} n={labelled:3d}  precision {score.precision:.3f}"
            f"  recall {score.recall:.3f}  (fp {score.false_positives}, fn {score.false_negatives})"
        )
    if result.joint_rows:
        print(
            f"  joint routing: {result.joint_right}/{result.joint_rows} multi-service cases got every number"
        )
    labels = ("none", *result.scores)
    print("  confusion (label \\ detected) " + " ".join(f"{got:>7s}" for got in labels))
    for label in labels:
        counts = " ".join(f"{result.confusion[(label, got)]:7d}" for got in labels)
        print(f"    {label:26s} {counts}")
    if args.errors:
        for error in result.errors:
            print("  error", error)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(max(1, args.repeat)):
        for _label, _also, text in rows:
            started, started_cpu = time.perf_counter(), time.thread_time()
            detector.detect(text)
            cpu.append((time.thread_time() - started_cpu) * 1000.0)
            wall.append((time.perf_counter() - started) * 1000.0)
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(f"latency over {len(wall)} calls (load {load:.1f} per core):")
    print(f"  wall  p50 {_quantile(wall, 0.5):.2f} ms  p99 {_quantile(wall, 0.99):.2f} ms")
    print(f"  cpu   p50 {_quantile(cpu, 0.5):.2f} ms  p99 {_quantile(cpu, 0.99):.2f} ms")
    return 0
