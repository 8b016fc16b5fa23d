"""Trains and evaluates the category model on the 2020 泰迪杯 message-board data.

The data set stays outside the repository (../shared/datasets/teddy2020c); only the weights
are shipped. The split is a hash of the message, so it is stable across runs and machines:
1 message in 5 is held out and never seen by `train`. The 495-message CSV contributes a
second held-out set: its messages that are not in the TSV.

    python -m ivr.training ../shared/datasets/teddy2020c [--out ivr/data/category_nb.json]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.classify import CATEGORIES, NaiveBayes, train

TSV = "messages_7class.tsv"
CSV = "teddy2020c_messages_labeled.csv"
HELD_OUT_ONE_IN = 5

Sample = tuple[str, str]  # (label, text)


def is_held_out(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return digest[0] % HELD_OUT_ONE_IN == 0


def load_tsv(dataset: Path) -> list[Sample]:
    samples: list[Sample] = []
    with (dataset / TSV).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            label, sep, text = line.rstrip("\n").partition("\t")
            if not sep or label not in CATEGORIES:
                raise ValueError(f"{TSV}:{n}: expected '<one of the 7 labels>\\t<text>'")
            samples.append((label, text))
    return samples


def load_csv_extra(dataset: Path, seen: Iterable[str]) -> list[Sample]:
    """CSV messages whose text is not in the TSV (the TSV holds title+text)."""
    seen_texts = list(seen)
    out: list[Sample] = []
    with (dataset / CSV).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = (row.get("label") or "").strip()
            if label not in CATEGORIES:
                continue
            detail = (row.get("detail") or "").strip()
            title = (row.get("topic") or "").strip()
            probe = detail[:40]
            if probe and any(probe in t for t in seen_texts):
                continue
            out.append((label, title + detail))
    return out


def split(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    train_set = [s for s in samples if not is_held_out(s[1])]
    test_set = [s for s in samples if is_held_out(s[1])]
    return train_set, test_set


def train_from(dataset: Path) -> NaiveBayes:
    train_set, _ = split(load_tsv(dataset))
    return train(train_set)


@dataclass(frozen=True, slots=True)
class Report:
    total: int
    correct: int
    per_class: dict[str, tuple[int, int]]  # label → (correct, total)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def lines(self) -> list[str]:
        out = [f"accuracy {self.accuracy:.3f} ({self.correct}/{self.total})"]
        for label, (ok, n) in sorted(self.per_class.items()):
            out.append(f"  {label:<8} {ok / n if n else 0.0:.3f} ({ok}/{n})")
        return out


def evaluate(model: NaiveBayes, samples: Iterable[Sample]) -> Report:
    per: dict[str, list[int]] = {}
    total = correct = 0
    for label, text in samples:
        got, _ = model.predict(text)
        cell = per.setdefault(label, [0, 0])
        cell[1] += 1
        total += 1
        if got == label:
            cell[0] += 1
            correct += 1
    return Report(total, correct, {k: (v[0], v[1]) for k, v in per.items()})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ivr.training", description=__doc__.splitlines()[0])
    p.add_argument("dataset", type=Path, help="the teddy2020c directory")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "category_nb.json")
    args = p.parse_args(argv)
    samples = load_tsv(args.dataset)
    train_set, test_set = split(samples)
    model = train(train_set)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"trained on {len(train_set)} messages, {len(model.log_likelihood)} features → {args.out}")
    print("held-out TSV split:")
    print("\n".join(evaluate(model, test_set).lines()))
    extra = load_csv_extra(args.dataset, (t for _, t in samples))
    print(f"held-out CSV messages not in the TSV ({len(extra)}):")
    print("\n".join(evaluate(model, extra).lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
