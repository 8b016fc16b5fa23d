"""The category model on held-out 泰迪杯 messages (../shared/datasets, never copied), and the rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ivr.category_model import CategoryModel
from ivr.classify import (
    CATEGORIES,
    Classifier,
    load_shipped_model,
    not_accepted_reason,
    ticket_type,
)
from ivr.training import evaluate, load_csv_extra, load_tsv, split
from tickets import demo
from tickets.vocab import NOT_ACCEPTED_REASONS, TicketType

SKLEARN = "scikit-learn is a training dependency (pip install -e '.[train]')"


@pytest.fixture(scope="module")
def dataset(teddy_dataset: Path) -> Path:
    return teddy_dataset


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return load_shipped_model()


def test_split_is_stratified_disjoint_and_stable(dataset: Path) -> None:
    samples = load_tsv(dataset)
    train_set, test_set = split(samples)
    assert not {t for _, t in train_set} & {t for _, t in test_set}
    assert len(train_set) + len(test_set) == len(samples) == len({t for _, t in samples})
    for label in CATEGORIES:
        n = sum(lb == label for lb, _ in samples)
        assert sum(lb == label for lb, _ in test_set) == round(n * 0.2)
    assert split(list(reversed(samples)))[1] == list(reversed(test_set))


@pytest.mark.slow
def test_shipped_model_is_what_the_training_split_gives(dataset: Path, model: CategoryModel) -> None:
    # Reproducible, and proof that the held-out messages never reached the shipped weights.
    pytest.importorskip("sklearn", reason=SKLEARN)
    from ivr.training import export, fit_pipeline

    samples = load_tsv(dataset)
    train_set, test_set = split(samples)
    pipeline = fit_pipeline(train_set)
    retrained = export(pipeline)
    assert retrained.classes == model.classes
    assert dict(retrained.vocabulary) == dict(model.vocabulary)
    assert abs(retrained.beta - model.beta) < 1e-4
    np.testing.assert_allclose(retrained.coef, model.coef, atol=1e-5)
    texts = [t for _, t in test_set[:60]] + ["我想咨询一下社保卡丢了怎么补办", "工厂偷排废水污染河道我要举报"]
    got = np.array([model.probabilities(t) for t in texts])
    np.testing.assert_allclose(got, pipeline.predict_proba(texts), atol=1e-4)


def test_held_out_accuracy_per_class(dataset: Path, model: CategoryModel) -> None:
    samples = load_tsv(dataset)
    _train_set, test_set = split(samples)
    report = evaluate(model, test_set)
    extra = evaluate(model, load_csv_extra(dataset, (t for _, t in samples)))
    print("\nheld-out TSV split:\n" + "\n".join(report.lines()))
    print("held-out CSV messages not in the TSV:\n" + "\n".join(extra.lines()))
    per_class = report.per_class()
    assert set(per_class) == set(CATEGORIES)
    assert report.total >= 360 and report.accuracy >= 0.90
    assert extra.total >= 390 and extra.accuracy >= 0.83
    assert all(s.f1 >= 0.85 for s in per_class.values()), per_class
    # Calibrated: what it is surer of is right more often, so a higher threshold trades coverage
    # for accuracy, and at the default it still suggests a category for almost every message.
    coverage, accuracy = report.answered(0.5)
    strict_coverage, strict_accuracy = report.answered(0.7)
    assert coverage >= 0.95 and accuracy > report.accuracy
    assert strict_coverage < coverage and strict_accuracy > accuracy


def test_classifier_on_phone_sentences(model: CategoryModel) -> None:
    c = Classifier(model)
    got = c.classify("我想咨询一下社保卡丢了怎么补办")
    assert got.category == "labour" and got.suggested_unit == "dept-hrss"
    assert got.category_label == "劳动和社会保障" and got.confidence >= c.min_confidence
    assert got.ticket_type == TicketType.CONSULTATION
    got = c.classify("工厂偷排废水污染河道我要举报")
    assert (got.category, got.suggested_unit, got.ticket_type) == ("env", "dept-env", TicketType.REPORT)
    empty = c.classify("   ")
    assert empty.category is None and empty.ticket_type is None and empty.confidence == 0.0


def test_labels_are_the_top_level_names_of_the_tree() -> None:
    # `category_label` (and `hotline classify`'s) is shown as the category's name: the seeded
    # tree must call each top-level category what the data set calls its class.
    names = {code: name for code, name, _unit, _children in demo.CATEGORIES}
    assert {label: names.get(code) for label, (code, _unit) in CATEGORIES.items()} == {
        label: label for label in CATEGORIES
    }


def test_below_the_threshold_no_category_is_suggested(model: CategoryModel) -> None:
    text = "我想问一下这个事情"
    label, p = model.predict(text)
    assert p < 0.99
    sure = Classifier(model, min_confidence=0.0).classify(text)
    assert (sure.category_label, sure.confidence) == (label, p)
    unsure = Classifier(model, min_confidence=min(1.0, p + 0.005)).classify(text)
    assert (unsure.category, unsure.category_label, unsure.suggested_unit) == (None, None, None)
    assert unsure.confidence == p  # still reported: the seat sees how close it was
    assert unsure.ticket_type == TicketType.CONSULTATION  # the rules do not abstain
    with pytest.raises(ValueError, match="min_confidence"):
        Classifier(model, min_confidence=1.5)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我想表扬一下社区的王书记", TicketType.PRAISE),
        ("我要举报有人违规建房", TicketType.REPORT),
        ("楼下广场舞太吵了", TicketType.COMPLAINT),
        ("建议在路口加一个红绿灯", TicketType.SUGGESTION),
        ("我们小区停水了请帮忙", TicketType.HELP),
        ("请问公积金怎么提取", TicketType.CONSULTATION),
        ("喂", None),
    ],
)
def test_ticket_type_rules(text: str, kind: TicketType | None) -> None:
    assert ticket_type(text) == kind


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("这个案子法院已经立案了我想问问进度", "litigation"),
        ("我们已经申请仲裁了", "litigation"),
        ("我想反映部队营区的事情", "special_organs"),
        ("亲戚借钱不还怎么办", "civil_dispute"),
        ("帮我查一下他的住址", "secrets"),
        ("小区路灯坏了", None),
    ],
)
def test_not_accepted_rules(text: str, reason: str | None) -> None:
    got = not_accepted_reason(text)
    assert got == reason
    assert got is None or got in NOT_ACCEPTED_REASONS


def test_a_model_with_unknown_classes_is_refused() -> None:
    bad = CategoryModel(
        classes=("城乡建设", "其他"),
        ngram_range=(1, 3),
        vocabulary={"路": 0},
        idf=np.ones(1),
        coef=np.zeros((2, 1)),
        intercept=np.zeros(2),
        beta=1.0,
    )
    with pytest.raises(ValueError, match="category code"):
        Classifier(bad)
