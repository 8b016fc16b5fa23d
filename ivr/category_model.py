"""The category model at run time: TF-IDF character n-grams → linear scores → calibrated softmax.

`ivr.training` fits it with scikit-learn (TfidfVectorizer(analyzer="char") + LinearSVC, calibrated
by temperature scaling on cross-validated scores) and exports the fitted numbers to an .npz that
`numpy.load(allow_pickle=False)` reads: arrays of numbers and of ≤ 3-character strings, no code.
This module recomputes scikit-learn's prediction from them, so scikit-learn is needed to train,
never to answer a call. tests/unit/ivr/test_ivr_category_model.py checks both give the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

FORMAT = "hotline-char-linear-1"
MODEL_RESOURCE = "category_linear.npz"
ARRAYS = ("format", "classes", "ngram_range", "vocabulary", "idf", "coef", "intercept", "beta")

# TfidfVectorizer(analyzer="char") collapses every whitespace run to one space before cutting.
_WHITE = re.compile(r"\s\s+")

Floats = npt.NDArray[np.float64]


def normalise(text: str) -> str:
    """The preprocessing the model is trained with (its `preprocessor=`): lowercase, one space."""
    return _WHITE.sub(" ", text.lower())


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `_char_ngrams` on an already normalised text."""
    out: list[str] = []
    size = len(text)
    for n in range(low, min(high, size) + 1):
        out.extend(text[i : i + n] for i in range(size - n + 1))
    return out


@dataclass(frozen=True, slots=True, eq=False)
class CategoryModel:
    classes: tuple[str, ...]
    ngram_range: tuple[int, int]
    vocabulary: Mapping[str, int]  # n-gram → column
    idf: Floats  # (n_features,)
    coef: Floats  # (n_classes, n_features)
    intercept: Floats  # (n_classes,)
    beta: float  # inverse temperature of the calibration: softmax(beta * scores)

    def __post_init__(self) -> None:
        n_classes, n_features = len(self.classes), len(self.vocabulary)
        if self.coef.shape != (n_classes, n_features) or self.idf.shape != (n_features,):
            raise ValueError("model arrays do not match its classes and vocabulary")
        if self.intercept.shape != (n_classes,) or not 1 <= self.ngram_range[0] <= self.ngram_range[1]:
            raise ValueError("model intercept or n-gram range is malformed")

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], Floats]:
        """Columns and values of the L2-normalised sublinear TF-IDF row of `text`."""
        counts = Counter(
            col
            for gram in char_ngrams(normalise(text), *self.ngram_range)
            if (col := self.vocabulary.get(gram)) is not None
        )
        cols = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[cols]
        norm = float(np.sqrt(values @ values))
        return cols, values / norm if norm > 0.0 else values

    def scores(self, text: str) -> Floats:
        """LinearSVC's `decision_function`: one margin per class."""
        cols, values = self.features(text)
        return self.coef[:, cols] @ values + self.intercept

    def probabilities(self, text: str) -> Floats:
        """The calibrated probability of each class (sums to 1)."""
        z = self.beta * self.scores(text)
        e = np.exp(z - z.max())
        p: Floats = e / e.sum()
        return p

    def predict(self, text: str) -> tuple[str, float]:
        """The best class and its calibrated probability (0..1)."""
        p = self.probabilities(text)
        best = int(p.argmax())
        return self.classes[best], float(p[best])

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """What `save` writes; float32 halves the file and moves probabilities by < 1e-5."""
        grams = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "format": np.array(FORMAT),
            "classes": np.array(self.classes),
            "ngram_range": np.array(self.ngram_range, dtype=np.int64),
            "vocabulary": np.array(grams),
            "idf": self.idf.astype(np.float32),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "beta": np.array(self.beta, dtype=np.float64),
        }

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **self.arrays())

    @classmethod
    def load(cls, source: Path | IO[bytes]) -> CategoryModel:
        """Reads an .npz written by `save`; object arrays (pickles) are refused by numpy itself."""
        try:
            with np.load(source, allow_pickle=False) as npz:
                missing = [name for name in ARRAYS if name not in npz.files]
                if missing or str(npz["format"]) != FORMAT:
                    raise ValueError(f"not a hotline category model (format {FORMAT})")
                grams = [str(g) for g in npz["vocabulary"]]
                low, high = (int(v) for v in npz["ngram_range"])
                return cls(
                    classes=tuple(str(c) for c in npz["classes"]),
                    ngram_range=(low, high),
                    vocabulary={g: i for i, g in enumerate(grams)},
                    idf=npz["idf"].astype(np.float64),
                    coef=npz["coef"].astype(np.float64),
                    intercept=npz["intercept"].astype(np.float64),
                    beta=float(npz["beta"]),
                )
        except (OSError, KeyError, EOFError) as exc:
            raise ValueError(f"unreadable category model: {exc}") from exc


def load_shipped_model() -> CategoryModel:
    with resources.files("ivr").joinpath("data", MODEL_RESOURCE).open("rb") as fh:
        return CategoryModel.load(fh)
