"""Trains the emergency model: `python -m ivr.emergency_training [--cv]`.

Reads ivr/data/emergency_train.tsv and emergency_train_extra.tsv (never the held-out file),
fits scikit-learn's sublinear TF-IDF and a class-balanced multinomial logistic regression on the
features of `ivr.emergency_model.tokens`, and writes ivr/data/emergency_model.json: labels, feature names,
idf, weights and intercepts, rounded, so that `LinearModel` scores with numpy alone.
scikit-learn is needed here only (the `train` extra), never at run time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ivr.emergency_model import LABELS, MODEL_PATH, LinearModel

DATA = Path(__file__).resolve().parent / "data"
TRAIN = DATA / "emergency_train.tsv"
# Training only and outside the train/held-out split: the project's first labelled list.
TRAIN_EXTRA = DATA / "emergency_train_extra.tsv"
HELDOUT = DATA / "emergency_heldout.tsv"
# Chosen by 5-fold cross-validation on the training part (`--cv`).
C = 20.0
MIN_DF = 2
DECIMALS = 6


def load_corpus(path: Path) -> list[tuple[str, tuple[str, ...], str]]:
    """(primary label, further services, text) per line of a `label[+service]<TAB>text[<TAB>note]` file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, rest = line.partition("\t")
        text = rest.split("\t", 1)[0]  # further columns (a note) are not part of the text
        primary, *also = label.split("+")
        if not sep or not text.strip() or primary not in LABELS or any(a not in LABELS[1:] for a in also):
            raise ValueError(f"{path.name}:{number}: not 'label<TAB>text' with a known label: {line!r}")
        rows.append((primary, tuple(also), text))
    return rows


def training_rows() -> list[tuple[str, tuple[str, ...], str]]:
    return load_corpus(TRAIN) + load_corpus(TRAIN_EXTRA)


def _features(texts: Sequence[str]) -> list[list[str]]:
    from ivr.emergency import EmergencyDetector
    from ivr.emergency_lexicon import SERVICES

    detector = EmergencyDetector({s: s for s in SERVICES}, model=_NO_MODEL)
    return [detector.features(t) for t in texts]


def fit(texts: Sequence[str], labels: Sequence[str], c: float = C) -> dict[str, Any]:
    """The model file's content for these training rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=MIN_DF)
    x = vectorizer.fit_transform(_features(texts))
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=10000)
    model.fit(x, list(labels))
    order = [list(model.classes_).index(label) for label in LABELS]
    names = vectorizer.get_feature_names_out()
    return {
        "labels": list(LABELS),
        "features": [str(n) for n in names],
        "idf": [round(float(v), DECIMALS) for v in vectorizer.idf_],
        "weights": [[round(float(model.coef_[k, j]), DECIMALS) for k in order] for j in range(len(names))],
        "intercept": [round(float(model.intercept_[k]), DECIMALS) for k in order],
    }


def cross_validate(rows: Sequence[tuple[str, tuple[str, ...], str]], c: float, folds: int = 5) -> float:
    """Mean per-fold accuracy of the primary label (folds by position, stratified by sorting)."""
    from ivr.emergency import EmergencyDetector
    from ivr.emergency_lexicon import SERVICES

    ordered = sorted(rows, key=lambda r: r[0])
    correct = 0
    for k in range(folds):
        train = [r for i, r in enumerate(ordered) if i % folds != k]
        test = [r for i, r in enumerate(ordered) if i % folds == k]
        model = LinearModel.from_dict(fit([t for _, _, t in train], [lab for lab, _, _ in train], c))
        detector = EmergencyDetector({s: s for s in SERVICES}, model=model)
        for label, _also, text in test:
            d = detector.detect(text)
            got = d.service if d is not None and d.kind == "emergency" else "none"
            correct += got == label
    return correct / len(rows)


def _identity(features: list[str]) -> list[str]:
    return features


# The features do not depend on the weights: an empty model builds the detector that makes them.
_NO_MODEL = LinearModel.from_dict(
    {"labels": LABELS, "features": [], "idf": [], "weights": [], "intercept": [0.0] * 5}
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cv", action="store_true", help="print 5-fold accuracy for a few C and stop")
    args = parser.parse_args(argv)
    rows = training_rows()
    if args.cv:
        for c in (1.0, 3.0, 10.0, 20.0, 50.0, 100.0):
            print(f"C={c:g}: 5-fold accuracy {cross_validate(rows, c):.3f}")
        return 0
    content = fit([t for _, _, t in rows], [label for label, _, _ in rows])
    MODEL_PATH.write_text(
        json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    print(f"{MODEL_PATH}: {len(content['features'])} features from {len(rows)} utterances")
    return 0


if __name__ == "__main__":
    sys.exit(main())
