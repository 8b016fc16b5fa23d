"""What a caller's sentence is about: not-accepted matter, ticket type, category, suggested unit.

- Not accepted (DOMAIN.md §3, 000 §6, 004 §8-10): keyword rules → the reason codes of
  `tickets.vocab.NOT_ACCEPTED_REASONS`. Emergencies are `ivr.emergency`'s job.
- Ticket type (DOMAIN.md §5: 咨询 求助 投诉 举报 意见建议 表扬): keyword rules; no labelled data
  exists for it, so it stays a rule set a seat corrects on the desk.
- Category: multinomial naive Bayes over jieba tokens and character bigrams, trained by
  `ivr.training` on the 2020 泰迪杯 messages (7 top-level classes). The shipped weights
  (`ivr/data/category_nb.json`) hold per-feature log-probabilities only, no message text.
- Codes: `CATEGORIES` and `UTILITY_CATEGORIES` turn a class or an outage into the ticket
  engine's category and unit codes; nothing else in the IVR names a category or a unit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jieba

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
_TOKEN = re.compile(r"^[\u4e00-\u9fffA-Za-z]+$")
MODEL_RESOURCE = "category_nb.json"


def features(text: str) -> list[str]:
    """jieba words (w:) plus CJK character bigrams (b:); bigrams survive ASR word-split errors."""
    out = [f"w:{tok}" for tok in jieba.lcut(text, HMM=False) if _TOKEN.match(tok)]
    for run in _CJK.findall(text):
        out.extend(f"b:{run[i : i + 2]}" for i in range(len(run) - 1))
    return out


@dataclass(frozen=True, slots=True)
class NaiveBayes:
    classes: tuple[str, ...]
    log_prior: tuple[float, ...]
    log_likelihood: Mapping[str, tuple[float, ...]]

    def scores(self, feats: Iterable[str]) -> list[float]:
        s = list(self.log_prior)
        for f in feats:
            row = self.log_likelihood.get(f)
            if row is None:
                continue  # unseen features carry no evidence
            for i, v in enumerate(row):
                s[i] += v
        return s

    def predict(self, text: str) -> tuple[str, float]:
        """The best class and its posterior probability (0..1)."""
        s = self.scores(features(text))
        top = max(s)
        exp = [math.exp(v - top) for v in s]
        best = max(range(len(s)), key=s.__getitem__)
        return self.classes[best], exp[best] / sum(exp)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "hotline-nb-1",
                "classes": list(self.classes),
                "log_prior": [round(v, 4) for v in self.log_prior],
                "log_likelihood": {
                    f: [round(v, 3) for v in row] for f, row in sorted(self.log_likelihood.items())
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> NaiveBayes:
        data = json.loads(raw)
        if data.get("format") != "hotline-nb-1":
            raise ValueError("not a hotline naive Bayes model (format hotline-nb-1)")
        classes = tuple(str(c) for c in data["classes"])
        rows = {str(f): tuple(float(v) for v in row) for f, row in data["log_likelihood"].items()}
        if any(len(row) != len(classes) for row in rows.values()):
            raise ValueError("model rows do not match its classes")
        return cls(classes, tuple(float(v) for v in data["log_prior"]), rows)


def train(
    samples: Iterable[tuple[str, str]], *, min_df: int = 3, max_features: int = 6000, alpha: float = 0.5
) -> NaiveBayes:
    """Multinomial NB; the vocabulary keeps the `max_features` most frequent features seen in
    at least `min_df` documents, so nothing rare (a name, a place) ends up in the weights."""
    docs: list[tuple[str, list[str]]] = [(label, features(text)) for label, text in samples]
    if not docs:
        raise ValueError("no training samples")
    df: dict[str, int] = {}
    for _label, feats in docs:
        for f in set(feats):
            df[f] = df.get(f, 0) + 1
    vocab = sorted((f for f, n in df.items() if n >= min_df), key=lambda f: (-df[f], f))[:max_features]
    index = {f: i for i, f in enumerate(vocab)}
    classes = tuple(sorted({label for label, _ in docs}))
    counts = [[0.0] * len(vocab) for _ in classes]
    totals = [0.0] * len(classes)
    n_docs = [0] * len(classes)
    for label, feats in docs:
        c = classes.index(label)
        n_docs[c] += 1
        for f in feats:
            i = index.get(f)
            if i is not None:
                counts[c][i] += 1
                totals[c] += 1
    log_prior = tuple(math.log(n / len(docs)) for n in n_docs)
    denom = [totals[c] + alpha * len(vocab) for c in range(len(classes))]
    rows = {
        f: tuple(math.log((counts[c][i] + alpha) / denom[c]) for c in range(len(classes)))
        for f, i in index.items()
    }
    return NaiveBayes(classes, log_prior, rows)


def load_shipped_model() -> NaiveBayes:
    raw = resources.files("ivr").joinpath("data", MODEL_RESOURCE).read_text(encoding="utf-8")
    return NaiveBayes.from_json(raw)


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


class Classifier:
    """Text → `Classification`. CPU-light, but jieba's first call loads its dictionary (~1 s),
    so `warm_up` runs once at start-up on a thread."""

    def __init__(self, model: NaiveBayes, min_confidence: float = 0.5) -> None:
        unknown = [c for c in model.classes if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"model classes without a category code: {unknown}")
        self._model = model
        self._min_confidence = min_confidence

    @classmethod
    def from_file(cls, path: Path) -> Classifier:
        return cls(NaiveBayes.from_json(path.read_text(encoding="utf-8")))

    def warm_up(self) -> None:
        jieba.initialize()
        self.classify("我想咨询一下社保卡怎么补办")

    def classify(self, text: str) -> Classification:
        text = text.strip()
        if not _CJK.search(text):
            return Classification(None, None, None, 0.0, None, None)
        label, confidence = self._model.predict(text)
        code, unit = CATEGORIES[label]
        if confidence < self._min_confidence:
            # A guess below this is worse than leaving the field to the seat.
            code, unit, label = "", "", ""
        return Classification(
            ticket_type=ticket_type(text),
            category=code or None,
            category_label=label or None,
            confidence=confidence,
            suggested_unit=unit or None,
            not_accepted=not_accepted_reason(text),
        )
