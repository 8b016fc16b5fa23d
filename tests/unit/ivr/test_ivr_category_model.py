"""The category model's numpy prediction is scikit-learn's, and the shipped .npz is data only."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from ivr.category_model import (
    FORMAT,
    MODEL_RESOURCE,
    CategoryModel,
    char_ngrams,
    load_shipped_model,
    normalise,
)
from ivr.classify import CATEGORIES

# Made-up sentences, three topics, enough of each for the calibration's 5 folds.
SUBJECTS = ("我家", "我们小区", "楼下", "隔壁", "单位", "学校旁边", "村里", "街道")
TOPICS = {
    "noise": ("工地晚上施工噪音太大", "广场舞音响太吵", "酒吧半夜放音乐扰民"),
    "school": ("孩子上学报名要交赞助费", "学校补课收费不合理", "幼儿园入学名额不够"),
    "bus": ("公交车好久才来一趟", "公交司机开车太猛", "公交站牌被拆了没人管"),
}
SAMPLES = [
    (label, f"{who}{what}，请尽快处理。")
    for label, phrases in TOPICS.items()
    for who in SUBJECTS
    for what in phrases
]
PROBES = [
    "楼下酒吧太吵了",
    "幼儿园收费太贵",
    "公交车一直不来",
    "ABC  Def\t\t市民",  # case and whitespace runs, as TfidfVectorizer normalises them
    "完全无关的一句话",
    "嗯",
    "",
]


def test_char_ngrams_cut_like_scikit_learn() -> None:
    assert char_ngrams("abcd", 1, 3) == ["a", "b", "c", "d", "ab", "bc", "cd", "abc", "bcd"]
    assert char_ngrams("ab", 1, 3) == ["a", "b", "ab"]
    assert normalise("A  B\t\tc d") == "a b c d"


def test_numpy_prediction_equals_scikit_learn() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is a training dependency (pip install -e '.[train]')")
    from ivr.training import export, fit_pipeline

    pipeline = fit_pipeline(SAMPLES)
    model = export(pipeline)
    assert model.classes == ("bus", "noise", "school")
    expected = pipeline.predict_proba(PROBES)
    got = np.array([model.probabilities(text) for text in PROBES])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        [model.scores(text) for text in PROBES],
        pipeline[-1].calibrated_classifiers_[0].estimator.decision_function(pipeline[0].transform(PROBES)),
        rtol=0,
        atol=1e-9,
    )
    assert [model.predict(t)[0] for t in PROBES] == list(pipeline.predict(PROBES))
    assert model.predict("楼下酒吧太吵了")[0] == "noise"


def test_saved_model_loads_back_within_float32(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is a training dependency (pip install -e '.[train]')")
    from ivr.training import export, fit_pipeline

    model = export(fit_pipeline(SAMPLES))
    model.save(tmp_path / "m.npz")
    loaded = CategoryModel.load(tmp_path / "m.npz")
    assert loaded.classes == model.classes and dict(loaded.vocabulary) == dict(model.vocabulary)
    for text in PROBES:
        np.testing.assert_allclose(loaded.probabilities(text), model.probabilities(text), atol=1e-5)


def test_shipped_model_loads_and_predicts() -> None:
    model = load_shipped_model()
    assert set(model.classes) == set(CATEGORIES)
    label, p = model.predict("我想咨询一下社保卡丢了怎么补办")
    assert label == "劳动和社会保障" and 0.5 < p <= 1.0
    probs = model.probabilities("公交车司机拒载还骂人")
    assert probs.shape == (len(model.classes),) and abs(float(probs.sum()) - 1.0) < 1e-9
    assert model.classes[int(probs.argmax())] == "交通运输"


def test_shipped_file_is_small_and_holds_no_message_text() -> None:
    raw = resources.files("ivr").joinpath("data", MODEL_RESOURCE).read_bytes()
    assert len(raw) < 1_500_000
    model = load_shipped_model()
    # ≤ 3-character n-grams seen in ≥ 3 messages (ivr.training.MIN_DF): nothing that spells a message.
    assert max(len(g) for g in model.vocabulary) <= 3
    assert model.ngram_range == (1, 3)


def _npz(**arrays: object) -> io.BytesIO:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    buf.seek(0)
    return buf


def test_a_pickle_in_the_file_is_refused() -> None:
    good = load_shipped_model().arrays()
    evil = {**good, "vocabulary": np.array([{"__reduce__": "os.system"}], dtype=object)}
    with pytest.raises(ValueError, match=r"pickle|category model"):
        CategoryModel.load(_npz(**evil))


def test_other_or_malformed_files_are_refused() -> None:
    good = load_shipped_model().arrays()
    with pytest.raises(ValueError, match=FORMAT):
        CategoryModel.load(_npz(**{**good, "format": np.array("other")}))
    with pytest.raises(ValueError, match=FORMAT):
        CategoryModel.load(_npz(**{k: v for k, v in good.items() if k != "beta"}))
    with pytest.raises(ValueError, match="do not match"):
        CategoryModel.load(_npz(**{**good, "coef": good["coef"][:, :10]}))
    with pytest.raises(ValueError, match=r"unreadable|category model|pickle"):
        CategoryModel.load(io.BytesIO(b"not a zip file"))
