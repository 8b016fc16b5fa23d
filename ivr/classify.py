"""What a caller's sentence is about: not-accepted matter, ticket type, category, suggested unit.

- Not accepted (DOMAIN.md §3, 000 §6, 004 §8-10): keyword rules → the reason codes of
  `tickets.vocab.NOT_ACCEPTED_REASONS`. Emergencies are `ivr.emergency`'s job.
- Ticket type (DOMAIN.md §5: 咨询 求助 投诉 举报 意见建议 表扬): keyword rules; no labelled data
  exists for it, so it stays a rule set a seat corrects on the desk.
- Category: `ivr.category_model` (TF-IDF character 1-3-grams, a linear SVM, temperature-calibrated
  probabilities), trained by `ivr.training` on the 2020 泰迪杯 messages (7 top-level classes).
  Below `min_confidence` the IVR suggests no category and the seat picks one.
- Codes: `CATEGORIES` and `UTILITY_CATEGORIES` turn a class or an outage into the ticket
  engine's category and unit codes; nothing else in the IVR names a category or a unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.category_model import CategoryModel
from ivr.category_model import load_shipped_model as load_shipped_model
from tickets.vocab import TicketType

# The IVR's one mapping into the ticket engine's codes: what it sets on the channel
# (HOTLINE_CATEGORY, HOTLINE_UNIT) must be a category code of the tree and a unit code of the
# directory (tickets/demo.py seeds both), or the ticket writer drops it. Tests check every entry
# against the seeded tree, so a renamed category or unit fails a test instead of a call.
#
# The 7 top-level classes of the dataset → (category code, the category's usual lead unit).
CATEGORIES: Mapping[str, tuple[str, str]] = {
    "劳动和社会保障": ("labour", "dept-hrss"),
    "城乡建设": ("urban", "dept-housing"),
    "教育文体": ("edu", "dept-edu"),
    "商贸旅游": ("commerce", "dept-commerce"),
    "环境保护": ("env", "dept-env"),
    "卫生计生": ("health", "dept-health"),
    "交通运输": ("transport", "dept-transport"),
}

# 003 §10: a water, power, gas or heating outage → (category code, the utility that restores it).
# Keys are matched in order against what `ivr.emergency` heard (停水, 燃气停, 暖气不热, 停暖 ...):
# heating first, because 暖气 also contains 气.
UTILITY_CATEGORIES: Sequence[tuple[tuple[str, ...], tuple[str, str]]] = (
    (("暖气", "供暖", "供热", "暖"), ("urban.heating", "u-heat")),
    (("燃气", "煤气", "天然气", "气"), ("urban.gas", "u-gas")),
    (("自来水", "水"), ("urban.water", "u-water")),
    (("电",), ("urban.power", "u-power")),
)

# DOMAIN.md §3 reason codes; checked in this order (a petition at court is "litigation").
NOT_ACCEPTED_RULES: Sequence[tuple[str, tuple[str, ...]]] = (
    (
        "litigation",
        ("起诉", "诉讼", "仲裁", "行政复议", "已经立案", "法院判决", "正在打官司", "上诉", "信访", "上访"),
    ),
    ("special_organs", ("部队", "武警", "军队", "军人", "法院", "检察院", "人大代表", "人大常委")),
    (
        "civil_dispute",
        ("借钱不还", "欠钱不还", "离婚", "分家产", "遗产", "家庭矛盾", "夫妻吵架", "私人借贷", "彩礼"),
    ),
    ("secrets", ("国家秘密", "商业秘密", "别人的电话", "别人的住址", "查一下他的", "个人隐私")),
)

TYPE_RULES: Sequence[tuple[TicketType, tuple[str, ...]]] = (
    (TicketType.PRAISE, ("表扬", "感谢", "点赞", "谢谢你们", "锦旗")),
    (TicketType.REPORT, ("举报", "偷排", "违法", "违规", "非法", "黑诊所", "传销", "造假")),
    (
        TicketType.COMPLAINT,
        (
            "投诉",
            "太吵",
            "噪音",
            "扰民",
            "乱收费",
            "态度差",
            "态度很差",
            "不作为",
            "拖欠",
            "不退",
            "拒载",
            "不合理",
        ),
    ),
    (TicketType.SUGGESTION, ("建议", "希望能", "提个意见", "意见", "能不能在", "可不可以增加")),
    (
        TicketType.HELP,
        ("求助", "帮帮", "帮忙", "停水", "停电", "没水", "没电", "暖气", "困难", "救助", "坏了"),
    ),
    (
        TicketType.CONSULTATION,
        ("咨询", "请问", "想问", "怎么办", "如何", "在哪", "什么时候", "多少", "需要什么", "能不能", "怎么"),
    ),
)

_CJK = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True, slots=True)
class Classification:
    ticket_type: TicketType | None
    category: str | None  # category code of the ticket engine's tree, e.g. "env"
    category_label: str | None  # dataset label, e.g. "环境保护"
    confidence: float
    suggested_unit: str | None  # unit code of the directory, e.g. "dept-env"
    not_accepted: str | None  # tickets.vocab.NOT_ACCEPTED_REASONS key


def utility_category(heard: str) -> tuple[str, str] | None:
    """(category code, utility unit code) of an outage `ivr.emergency` detected, e.g. 停水."""
    for words, codes in UTILITY_CATEGORIES:
        if any(w in heard for w in words):
            return codes
    return None


def not_accepted_reason(text: str) -> str | None:
    for code, words in NOT_ACCEPTED_RULES:
        if any(w in text for w in words):
            return code
    return None


def ticket_type(text: str) -> TicketType | None:
    for kind, words in TYPE_RULES:
        if any(w in text for w in words):
            return kind
    return None


# Below this calibrated probability the IVR suggests no category (HOTLINE_IVR_CATEGORY_MIN_CONFIDENCE).
# On the held-out messages 0.5 keeps 97 % of them at 0.919 accuracy, 0.7 87 % at 0.934:
# `python -m ivr.training` prints the trade-off.
DEFAULT_MIN_CONFIDENCE = 0.5


class Classifier:
    """Text → `Classification`: a few hundred n-gram look-ups and a 7-row dot product, well under
    a millisecond on a phone sentence; the IVR still calls it on a worker thread (ivr.flows.intake)."""

    def __init__(self, model: CategoryModel, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        unknown = [c for c in model.classes if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"model classes without a category code: {unknown}")
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0..1, not {min_confidence}")
        self._model = model
        self._min_confidence = min_confidence

    @property
    def min_confidence(self) -> float:
        return self._min_confidence

    @classmethod
    def from_file(cls, path: Path, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Classifier:
        return cls(CategoryModel.load(path), min_confidence)

    def warm_up(self) -> None:
        """First call pays numpy's lazy imports; the IVR makes it before the first caller."""
        self.classify("我想咨询一下社保卡怎么补办")

    def classify(self, text: str) -> Classification:
        text = text.strip()
        if not _CJK.search(text):
            return Classification(None, None, None, 0.0, None, None)
        label, confidence = self._model.predict(text)
        code: str | None
        unit: str | None
        code, unit = CATEGORIES[label]
        shown: str | None = label
        if confidence < self._min_confidence:
            # A guess below this is worse than leaving the field to the seat.
            code = unit = shown = None
        return Classification(
            ticket_type=ticket_type(text),
            category=code,
            category_label=shown,
            confidence=confidence,
            suggested_unit=unit,
            not_accepted=not_accepted_reason(text),
        )
