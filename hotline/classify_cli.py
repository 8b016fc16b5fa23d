"""`hotline classify`: what the IVR would make of a caller's sentence, one sentence a line.

Reads standard input line by line and writes one JSON object a line, in the same order, so the
output lines up with the input (`paste` works): an empty line gives an object of nulls, a line
that is not UTF-8 an object of nulls with an `error` (and a note on standard error, exit 1 at
the end) and the next lines go on. Emergencies come from `ivr.emergency.EmergencyDetector`, the
category from the shipped model through `ivr.classify.Classifier`, as on a call.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import BinaryIO

from core.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "classify",
        help="one sentence per line on stdin → JSON per line (emergency, target, category, confidence)",
    )
    p.add_argument(
        "--min-confidence",
        type=float,
        help="suggest no category below this probability (default: HOTLINE_IVR_CATEGORY_MIN_CONFIDENCE)",
    )


def _nulls() -> dict[str, object]:
    return {
        "emergency": None,
        "target": None,
        "category_code": None,
        "category_label": None,
        "confidence": None,
    }


def run(args: argparse.Namespace, settings: Settings, stdin: BinaryIO | None = None) -> int:
    from ivr.classify import Classifier, load_shipped_model
    from ivr.emergency import EmergencyDetector

    threshold = settings.ivr_category_min_confidence if args.min_confidence is None else args.min_confidence
    try:
        classifier = Classifier(load_shipped_model(), threshold)
    except ValueError as exc:
        print(f"hotline classify: {exc}", file=sys.stderr)
        return 2
    detector = EmergencyDetector(settings.emergency_numbers)
    source = stdin if stdin is not None else sys.stdin.buffer
    # Bytes, not the locale's text encoding: the output is UTF-8 JSON whatever LANG says.
    out = sys.stdout.buffer
    status = 0
    for n, raw in enumerate(source, 1):
        row = _nulls()
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            row["error"] = f"line {n} is not UTF-8 (byte 0x{bad} at offset {exc.start})"
            print(f"hotline classify: {row['error']}", file=sys.stderr)
            status = 1
            text = ""
        if text:
            detection = detector.detect(text)
            if detection is not None and detection.kind == "emergency" and detection.service is not None:
                row["emergency"] = detection.service
                row["target"] = settings.emergency_numbers.get(detection.service)
            got = classifier.classify(text)
            row["category_code"] = got.category
            row["category_label"] = got.category_label
            row["confidence"] = round(got.confidence, 4)
        out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
    return status
