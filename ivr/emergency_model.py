"""The trained part of emergency detection: TF-IDF features and a multinomial logistic regression.

Features are the character 1-3-grams of the normalised transcript plus what the rules found
(a live or vetoed keyword or frame per service, question and report forms). The weights are
learnt by `python -m ivr.emergency_training` (scikit-learn, a training-only dependency) on
ivr/data/emergency_train.tsv and shipped as JSON (ivr/data/emergency_model.json): at run time
they are evaluated with numpy, and no pickle is ever loaded.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ivr.emergency_lexicon import ANIMALS, GRIEVANCE, HYPOTHETICAL, NOW, PAST, RESOLVED
from ivr.emergency_match import Hit
from ivr.emergency_scope import Veto

MODEL_PATH = Path(__file__).resolve().parent / "data" / "emergency_model.json"
LABELS = ("none", "fire", "police", "medical", "traffic")
NGRAMS = (1, 2, 3)

_QUESTION = re.compile(
    r"(吗|呢|么)$|怎么|如何|哪里|哪个|哪儿|多少|什么|能不能|可不可以|是不是|有没有|要不要|咋|啥|多久|几点|谁"
)
_ASK = re.compile(r"想问|请问|咨询|问一下|问问|了解|打听|申请|办理|怎么办理|查询")
_URGENT = re.compile(r"快(来|点|救)|救命|赶紧|马上|求求|帮帮|来人")
NOW_REACH = 8
ANIMAL_REACH = 4
_PROGRESSIVE = re.compile(r"在(偷|抢|打|砍|撬|砸|追|跟|烧|冒|漏|翻|闹|抽|流|吐|喊|撞)")
# A thing, not a person, was hit: 站牌被撞坏了, 围栏被车撞倒了, 石墩子被车撞碎了.
_DAMAGED = re.compile(
    r"(牌|栏|桶|杆|墙|灯|树|柱|门|设施|减速带|井盖|车位|保险杠|后视镜|花盆|玻璃|墩|棚|闸|桩|坛|台阶|漆)(子)?"
    r"(被|让|给)?.{0,5}(撞|刮|剐|砸|蹭|压|轧|碾)(坏|歪|倒|断|裂|碎|塌|弯|掉|瘪|了)"
    r"|(撞|刮|剐|压)(碎|塌|弯|坏)了"
)
# An animal is the one in danger (有只猫被车压了, 狗被困在下水道): not a call for 110/119/122.
_ANIMAL = re.compile(r"(猫|狗|鸟|猴|羊|牛|猪|鸡|鸭|鹅|宠物)(被|让|给|卡|困|掉|撞|下不来)")
# The caller addresses an emergency service: 喂是消防吗, 我要报警, 快叫救护车.
_CALLS_SERVICE = re.compile(
    r"(消防|110|119|120|122|急救中心|派出所|警察)(吗|么|啊|嘛)|我要报(警|火警|案)|(快|赶紧|马上)(叫|派|来)(救护车|消防车|警察|人)"
)
# ... and which one: a caller who asks for the fire brigade is reporting a fire.
_CALLS = (
    ("fire", re.compile(r"消防(吗|么|啊|嘛|车|队)|119|报火警|火警")),
    ("police", re.compile(r"110|报警|警察(吗|么|啊|嘛|快)|派出所(吗|么|啊|嘛)|(叫|派|来)警察")),
    ("medical", re.compile(r"120|救护车|急救(中心|车)")),
    ("traffic", re.compile(r"122|交警(吗|么|啊|嘛|快)|(叫|派|来)交警")),
)
# Cues whose meaning depends on what was found: a question about a live crash is a procedure
# (车祸现场怎么拍照), a question about a live fire rarely is; the model weighs each pair.
_PAIRED = (
    "question", "ask", "report", "resolved", "grievance", "past", "hypothetical", "now", "urgent", "claim",
    "howto", "elapsed", "animal", "damaged",
)
# Money and procedure talk: what follows an event, rarely what a caller in danger says.
_CLAIM = re.compile(r"赔|理赔|费用|多少钱|报销|保险|定损|私了|打官司|判了|立案")
_HOWTO = re.compile(r"方法|流程|步骤|手续|材料|怎么办理|怎么申请|常识|技巧|注意事项|培训|课程")
# Time since the event, said after it: 被车撞了已经过去半年了.
_ELAPSED = re.compile(
    r"(过去|已经)(了)?(快|好|有)?(半年|一年|两年|几年|几个月|一个月|好几个月|好久|很久|好几天|一周|一个星期)"
    r"|(半年|一年|几个月|好几年|好几个月)(了|多了|前|以前)"
)
_REPORT = re.compile(r"投诉|反映|举报|建议|表扬|曝光|不满|态度")


def tokens(text: str, evidence: Sequence[tuple[Hit, Veto | None]]) -> list[str]:
    """The model's features of normalised `text` and the rule evidence found on it."""
    out = [f"c:{text[i : i + n]}" for n in NGRAMS for i in range(len(text) - n + 1)]
    live = False
    for hit, why in evidence:
        if why is None:
            live = True
            out.append(f"{hit.source}:{hit.service}")
            if _near_now(text, hit):
                out.append(f"now:{hit.service}")
            if hit.frame:
                out.append(f"frame:{hit.frame}")
            if any(a in text[max(0, hit.start - ANIMAL_REACH) : hit.start] for a in ANIMALS):
                out.append(f"animal:{hit.service}")
        else:
            out.append(f"vetoed:{hit.service}")
            out.append(f"veto:{why}")
    out.append("live" if live else "no-live")
    cues: list[str] = []
    for name, present in (
        ("question", _QUESTION.search(text) is not None),
        ("ask", _ASK.search(text) is not None),
        ("report", _REPORT.search(text) is not None),
        ("resolved", any(w in text for w in RESOLVED)),
        ("grievance", any(w in text for w in GRIEVANCE)),
        ("now", any(w in text for w in NOW)),
        ("urgent", _URGENT.search(text) is not None),
        ("calls-service", _CALLS_SERVICE.search(text) is not None),
        ("damaged", _DAMAGED.search(text) is not None),
        ("past", any(w in text for w in PAST)),
        ("hypothetical", any(w in text for w in HYPOTHETICAL)),
        ("claim", _CLAIM.search(text) is not None),
        ("howto", _HOWTO.search(text) is not None),
        ("elapsed", _ELAPSED.search(text) is not None),
        ("animal", _ANIMAL.search(text) is not None),
    ):
        if present:
            cues.append(name)
    out.extend(f"cue:{name}" for name in cues)
    services = sorted({hit.service for hit, why in evidence if why is None})
    out.extend(f"{name}&{service}" for name in cues if name in _PAIRED for service in services)
    out.extend(f"calls:{service}" for service, rx in _CALLS if rx.search(text) is not None)
    return out


def _near_now(text: str, hit: Hit) -> bool:
    """A NOW marker just before the hit or 还在/正在 just after it: 刚刚被抢了, 他还在打."""
    before = text[max(0, hit.start - NOW_REACH) : hit.start]
    after = text[hit.end : hit.end + NOW_REACH]
    if (
        any(w in before for w in NOW)
        or "还在" in after
        or "正在" in after
        or _URGENT.search(after) is not None
    ):
        return True
    return _PROGRESSIVE.search(text, max(0, hit.start - 2), hit.end) is not None


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Sublinear TF-IDF, L2-normalised, times one weight row per label, softmax."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]  # (features, labels)
    intercept: npt.NDArray[np.float64]  # (labels,)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        """From the content of the model file (`ivr.emergency_training.fit`)."""
        features: list[str] = list(data["features"])
        labels = tuple(str(label) for label in data["labels"])
        weights = np.asarray(data["weights"], dtype=np.float64).reshape(len(features), len(labels))
        idf = np.asarray(data["idf"], dtype=np.float64)
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        if idf.shape != (len(features),) or intercept.shape != (len(labels),):
            raise ValueError(
                "emergency model: idf, weights and intercept do not match the features and labels"
            )
        return cls(labels, {f: i for i, f in enumerate(features)}, idf, weights, intercept)

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        counts = Counter(f for f in features if f in self.vocabulary)
        scores = self.intercept.copy()
        if counts:
            index = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.intp, count=len(counts))
            tf = np.fromiter(
                (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
            )
            values = tf * self.idf[index]
            values /= float(np.sqrt(values @ values))
            scores = scores + values @ self.weights[index]
        exp = np.exp(scores - scores.max())
        probs = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
