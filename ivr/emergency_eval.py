"""Precision and recall per service of an `EmergencyDetector` on a labelled corpus file.

Shared by `python -m bench emergency` and the tests. An utterance counts for a service when
the detector names it as the primary service: a wrong service is a miss for the labelled one
and a false alarm for the named one; a utility outage counts as "none".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ivr.emergency import EmergencyDetector
from ivr.emergency_lexicon import SERVICES

Row = tuple[str, tuple[str, ...], str]  # primary label, further services, text


@dataclass(frozen=True, slots=True)
class Score:
    service: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    scores: dict[str, Score]
    errors: list[str]  # "label→got: text"
    joint_right: int  # multi-service rows whose further services were all found
    joint_rows: int
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, got) → rows


def label_of(detector: EmergencyDetector, text: str) -> str:
    d = detector.detect(text)
    return str(d.service) if d is not None and d.kind == "emergency" else "none"


def evaluate(detector: EmergencyDetector, rows: Sequence[Row]) -> Evaluation:
    tp: dict[str, int] = dict.fromkeys(SERVICES, 0)
    fp: dict[str, int] = dict.fromkeys(SERVICES, 0)
    fn: dict[str, int] = dict.fromkeys(SERVICES, 0)
    errors: list[str] = []
    joint_right = joint_rows = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for label, also, text in rows:
        d = detector.detect(text)
        got = str(d.service) if d is not None and d.kind == "emergency" else "none"
        confusion[(label, got)] += 1
        if got == label and label != "none":
            tp[label] += 1
        elif got != label:
            errors.append(f"{label}→{got}: {text}")
            if got != "none":
                fp[got] += 1
            if label != "none":
                fn[label] += 1
        if also:
            joint_rows += 1
            joint_right += d is not None and set(also) <= set(d.also)
    scores: dict[str, Score] = {s: Score(s, tp[s], fp[s], fn[s]) for s in SERVICES}
    return Evaluation(scores, errors, joint_right, joint_rows, confusion)


def merge(parts: Sequence[Evaluation]) -> Evaluation:
    """One evaluation of several disjoint parts (the folds of a cross-validation)."""
    scores: dict[str, Score] = {
        s: Score(
            s,
            sum(p.scores[s].true_positives for p in parts),
            sum(p.scores[s].false_positives for p in parts),
            sum(p.scores[s].false_negatives for p in parts),
        )
        for s in SERVICES
    }
    errors = [e for p in parts for e in p.errors]
    confusion: Counter[tuple[str, str]] = Counter()
    for p in parts:
        confusion.update(p.confusion)
    return Evaluation(
        scores, errors, sum(p.joint_right for p in parts), sum(p.joint_rows for p in parts), confusion
    )
