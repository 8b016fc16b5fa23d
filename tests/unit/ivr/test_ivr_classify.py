"""The category model on held-out 泰迪杯 messages (read from ../shared, never copied), and the rules."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from ivr.classify import (
    CATEGORIES,
    Classifier,
    NaiveBayes,
    load_shipped_model,
    not_accepted_reason,
    ticket_type,
)
from ivr.training import evaluate, load_csv_extra, load_tsv, split, train_from
from tickets.vocab import NOT_ACCEPTED_REASONS, TicketType


@pytest.fixture(scope="module")
def dataset(shared: Path) -> Path:
    return shared / "datasets" / "teddy2020c"


@pytest.fixture(scope="module")
def model() -> NaiveBayes:
    return load_shipped_model()


def test_shipped_model_is_exactly_what_the_training_split_gives(dataset: Path, model: NaiveBayes) -> None:
    # Reproducible, and proof that the held-out messages never reached the shipped weights.
    retrained = NaiveBayes.from_json(train_from(dataset).to_json())
    assert retrained == model


def test_shipped_weights_hold_no_message_text(model: NaiveBayes) -> None:
    raw = resources.files("ivr").joinpath("data", "category_nb.json").read_text(encoding="utf-8")
    assert set(json.loads(raw)) == {"format", "classes", "log_prior", "log_likelihood"}
    assert all(f.startswith(("w:", "b:")) for f in model.log_likelihood)
    assert max(len(f) for f in model.log_likelihood) <= 2 + 8  # single tokens, no sentences
    assert len(raw) < 600_000


def test_held_out_accuracy_per_class(dataset: Path, model: NaiveBayes) -> None:
    samples = load_tsv(dataset)
    train_set, test_set = split(samples)
    assert not {t for _, t in train_set} & {t for _, t in test_set}
    report = evaluate(model, test_set)
    extra = evaluate(model, load_csv_extra(dataset, (t for _, t in samples)))
    print("\nheld-out TSV split:\n" + "\n".join(report.lines()))
    print("held-out CSV messages not in the TSV:\n" + "\n".join(extra.lines()))
    assert set(report.per_class) == set(CATEGORIES)
    assert report.total >= 300 and report.accuracy >= 0.75
    assert extra.total >= 300 and extra.accuracy >= 0.70
    assert all(ok / n >= 0.45 for ok, n in report.per_class.values())


def test_classifier_on_phone_sentences(model: NaiveBayes) -> None:
    c = Classifier(model)
    got = c.classify("我想咨询一下社保卡丢了怎么补办")
    assert got.category == "labour" and got.suggested_unit == "dept-hrss"
    assert got.ticket_type == TicketType.CONSULTATION
    got = c.classify("工厂偷排废水污染河道我要举报")
    assert (got.category, got.suggested_unit, got.ticket_type) == ("env", "dept-env", TicketType.REPORT)
    empty = c.classify("   ")
    assert empty.category is None and empty.ticket_type is None and empty.confidence == 0.0


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


def test_corrupt_model_is_refused() -> None:
    with pytest.raises(ValueError, match="hotline-nb-1"):
        NaiveBayes.from_json('{"format": "other"}')
    bad = NaiveBayes(("城乡建设", "其他"), (0.0, 0.0), {})
    with pytest.raises(ValueError, match="category code"):
        Classifier(bad)
