"""Emergency detection on a (possibly mis-recognised) transcript.

DOMAIN.md §3 / 000 §6: danger to life or property leaves the hotline at once: fire → 119,
crime and violence → 110, medical → 120, traffic accident → 122. Utility outages (停水 停电
燃气 供暖) are not 110 matters: 003 §10 makes them urgent tickets in the priority queue.

ASR output has no punctuation and confuses homophones (着火 → 着伙, 泄漏 → 泄露), so a keyword
also matches through toneless pinyin with the usual fuzzy pairs (zh/z, ch/c, sh/s, n/l,
-ng/-n), provided at least one character is identical (which keeps 期货 from matching 起火).
A hit is dropped when its clause says it is negated, hypothetical, preventive or in the past
("上个月着过火，现在想投诉物业" is a complaint).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jieba
from pypinyin import Style, lazy_pinyin, pinyin

Service = Literal["fire", "police", "medical", "traffic"]

# Ranked: a fire with injuries is 119's, a crash with injuries 122's, an assault with
# bleeding 110's (each dispatches the others).
_RANK: tuple[Service, ...] = ("fire", "traffic", "police", "medical")

KEYWORDS: Mapping[Service, tuple[str, ...]] = {
    "fire": (
        "着火",
        "失火",
        "起火",
        "火灾",
        "大火",
        "烧起来",
        "烧着了",
        "冒烟",
        "浓烟",
        "火苗",
        "爆炸",
        "炸了",
        "煤气泄漏",
        "燃气泄漏",
        "天然气泄漏",
        "煤气味",
        "燃气味",
        "液化气泄漏",
        "困在电梯",
        "被困",
        "困在屋里",
    ),
    "traffic": (
        "车祸",
        "撞车",
        "追尾",
        "被车撞",
        "撞人",
        "撞了人",
        "交通事故",
        "翻车",
        "肇事逃逸",
        "撞倒",
        "被撞",
        "连环相撞",
        "车撞",
    ),
    "police": (
        "抢劫",
        "打人",
        "被打",
        "打我",
        "杀人",
        "砍人",
        "持刀",
        "拿刀",
        "捅人",
        "绑架",
        "家暴",
        "强奸",
        "打架",
        "斗殴",
        "入室",
        "闯进",
        "撬门",
        "偷东西",
        "小偷",
        "抢包",
        "抢东西",
        "跟踪我",
        "非礼",
        "性骚扰",
        "要跳楼",
        "想跳楼",
        "跳河",
        "轻生",
        "拐卖",
        "拐走",
        "被人打",
        "打伤",
        "撬了",
        "孩子丢了",
        "孩子不见了",
        "砸车",
        "砸东西",
        "持枪",
        "劫持",
    ),
    "medical": (
        "晕倒",
        "昏倒",
        "昏迷",
        "休克",
        "抽搐",
        "心脏病",
        "心梗",
        "脑梗",
        "中风",
        "喘不上气",
        "呼吸困难",
        "没有呼吸",
        "没呼吸",
        "叫不醒",
        "不省人事",
        "大出血",
        "流血不止",
        "流了好多血",
        "中毒",
        "吃了农药",
        "喝了农药",
        "安眠药",
        "割腕",
        "急救",
        "救护车",
        "快不行了",
        "摔倒起不来",
        "骨折",
        "难产",
        "要生了",
        "烫伤",
        "触电",
        "溺水",
    ),
}

# Event shapes a word list misses: (service, pattern) on the punctuation-free clause.
PATTERNS: tuple[tuple[Service, str], ...] = (
    (
        "fire",
        r"冒.{0,2}烟.{0,6}火|火光|自燃|漏气|烧.{0,2}着|(冒|着|起|放|失)火|火.{0,3}(很大|好大|很旺|旺|着了)|"
        r"(着|烧|燃)起来|(燃气|天然气|煤气|液化气).{0,6}(漏|泄|破|味)|(变压器|锅炉|气罐|煤气罐|电瓶).{0,3}爆",
    ),
    (
        "traffic",
        r"(两|几)车相撞|相撞|刮倒|(车|车子).{0,3}翻了|撞.{0,2}(护栏|电线杆|树)|把.{0,4}撞了|"
        r"车.{0,8}撞(了|到|上|倒|伤|死|飞)|撞(了|到|上|倒|伤|死|飞).{0,6}车",
    ),
    (
        "police",
        r"抢.{0,3}(手机|钱|包|项链)|被.{0,6}打(了|伤|破)|打砸|撬.{0,2}(门|锁|车)|"
        r"骗.{0,6}转账|被.{0,4}(陌生人|人)带走|追着.{0,3}(打|砍)|拿着.{0,3}(刀|棍|棒)|拿.{0,2}(刀|枪)|"
        r"砸(门|窗|车|店)|围着.{0,2}打|要(杀|砍|弄死|打死)|有人(在)?(偷|抢|打|砸|撬|闹事)",
    ),
    (
        "medical",
        r"倒在.{0,6}(了|地)|倒下了|抽风|站不起来|摔下来|吃错药|卡住.{0,2}喉咙|"
        r"喘不过气|叫不答应|没反应|昏过去|血压很高|吐血|说不出话|动不了|半边身子|胸口(痛|疼)|满头大汗|"
        r"(呼吸|气)(不上来|上不来)|一直在抽|吐白沫|(手|脚|人|腿).{0,2}(夹|压|卡)住了|(夹|压|卡)住了.{0,2}(手|脚|人|腿)|"
        r"(头|手|腿|身上|脸).{0,2}流血|大量出血|吃了.{0,4}(一整瓶|整瓶|一瓶|很多|好多).{0,2}药|"
        r"(发烧|高烧|烧到).{0,3}(四十|40|39|三十九)|从.{0,4}(楼|架子|高处).{0,3}(摔|掉)|"
        r"(人|他|她|老人|孩子|爸|妈|爷爷|奶奶).{0,4}不动了",
    ),
)

# Keywords whose homophones are everyday words (大火/大货): exact match only.
EXACT_ONLY = frozenset(
    {
        "大火",
        "炸了",
        "被打",
        "打我",
        "撞人",
        "被撞",
        "车撞",
        "小偷",
        "入室",
        "中毒",
        "家暴",
        "溺水",
        "强奸",
        "中风",
        "轻生",
        "跳河",
        "心梗",
        "脑梗",
    }
)
# A "homophone" that is itself a common word (大人 for 打人) is what was said, not an ASR slip.
COMMON_WORD_FREQ = 1000

# Said without a service: 110 dispatches the others.
GENERIC = ("救命", "快来人")

NEGATIONS = (
    "没有",
    "没",
    "不是",
    "并非",
    "并没",
    "未",
    "无",
    "不会",
    "别",
    "防止",
    "预防",
    "避免",
    "以防",
    "怕",
    "打不",
    "点不",
)
HYPOTHETICAL = ("如果", "万一", "假如", "要是", "假设", "一旦")
PAST = (
    "上个月",
    "上月",
    "上周",
    "上星期",
    "去年",
    "前年",
    "以前",
    "之前",
    "曾经",
    "那时候",
    "年前",
    "前几天",
    "前段时间",
    "上次",
    "当时",
    "昨天",
    "前天",
    "已经处理",
    "已经解决",
    "已经灭",
    "已经扑灭",
    "早就",
    "过去",
    "经常",
    "总是",
    "老是",
)
# Clauses about the topic rather than an event: prevention, insurance, news, drills...
NOT_AN_EVENT = (
    "隐患",
    "演练",
    "知识",
    "保险",
    "宣传",
    "培训",
    "检查",
    "电影",
    "电视剧",
    "新闻",
    "游戏",
    "小说",
    "理赔",
    "赔偿",
    "补偿",
    "罚款",
    "处罚",
    "驾照",
    "报名",
    "考试",
    "课程",
    "讲座",
    "通道",
    "咨询",
    "想问",
    "请问",
    "问问",
    "问一下",
    "报销",
    "医保",
    "收费",
    "标准",
    "表扬",
    "鉴定",
    "投诉",
    "反映",
    "建议",
)
# The past tense marker inside a keyword: 着过火, 撞过车.
_PAST_INFIX = "过"

UTILITY_SUBJECTS = ("水", "电", "自来水", "燃气", "天然气", "煤气", "暖气", "供暖", "供热")
UTILITY_PROBLEMS = ("停", "没", "断", "不热", "不通", "中断", "故障", "坏了", "爆了", "爆裂", "跳闸", "不来")
UTILITY_PHRASES = (
    "停水",
    "停电",
    "断水",
    "断电",
    "没水",
    "没电",
    "停气",
    "断气了",
    "没有燃气",
    "燃气停",
    "暖气不热",
    "没有暖气",
    "停暖",
    "供暖不足",
    "暖气不通",
    "水管爆",
    "水管破裂",
    "没热水",
    "一滴水都没",
    "暖气片冰凉",
    "暖气冰凉",
    "水管道破",
    "供水管道",
    "没气了",
)

_CLAUSE_SPLIT = re.compile(r"[，。！？；：,.!?;:、\s]+|但是|可是|不过|现在|目前|然后|所以|因为")
_KEEP = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")


@dataclass(frozen=True, slots=True)
class Detection:
    kind: Literal["emergency", "utility"]
    service: Service | None
    target: str | None  # the emergency number from settings.emergency_numbers
    keyword: str
    heard: str  # the characters that matched (differs from keyword on a homophone)
    via_pinyin: bool


_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"), ("ong", "on"))


def _fuzzy(syllable: str) -> str:
    s = syllable.replace("ü", "v")
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[2:]
            break
    if s.startswith("n"):
        s = "l" + s[1:]
    for a, b in _FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]")


def _spoken(clause: str) -> list[str]:
    """How the clause is read, one fuzzy syllable per character, in context (和 in 车和 is he,
    not the rare huo), so a common character's rare reading cannot fake a homophone."""
    out: list[str] = []
    for run in _HAN_RUN.findall(clause):
        if "\u4e00" <= run[0] <= "\u9fff":
            syllables = lazy_pinyin(run, style=Style.NORMAL)
            if len(syllables) != len(run):
                syllables = [lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in run]
            out.extend(_fuzzy(x) for x in syllables)
        else:
            out.append(run.lower())
    return out


@lru_cache(maxsize=1024)
def _keyword_readings(word: str) -> tuple[frozenset[str], ...]:
    """Every fuzzy reading of each keyword character (着 of 着火: zhe, zhao, zhuo)."""
    return tuple(
        frozenset(_fuzzy(r) for r in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]) for ch in word
    )


def _clean(text: str) -> str:
    return "".join(_KEEP.findall(text))


def clauses(text: str) -> list[str]:
    return [c for c in (_clean(part) for part in _CLAUSE_SPLIT.split(text)) if c]


class EmergencyDetector:
    def __init__(self, numbers: Mapping[str, str]) -> None:
        missing = [s for s in _RANK if s not in numbers]
        if missing:
            raise ValueError(f"emergency_numbers lacks {', '.join(missing)}")
        self._numbers = dict(numbers)
        self._table: list[tuple[Service, str, tuple[frozenset[str], ...]]] = [
            (service, word, _keyword_readings(word)) for service in _RANK for word in KEYWORDS[service]
        ]
        self._table += [("police", word, _keyword_readings(word)) for word in GENERIC]
        self._patterns = [(service, re.compile(rx)) for service, rx in PATTERNS]
        self._by_first: dict[str, list[tuple[Service, str, tuple[frozenset[str], ...]]]] = {}
        for service, word, readings in self._table:
            if len(word) < 2 or word in EXACT_ONLY:
                continue
            for first in readings[0]:
                self._by_first.setdefault(first, []).append((service, word, readings))

    def detect(self, text: str) -> Detection | None:
        """The most serious current emergency in `text`, else a utility outage, else None."""
        found: list[Detection] = []
        utility: Detection | None = None
        for clause in clauses(text):
            if _any_in(clause, PAST) or _any_in(clause, HYPOTHETICAL):
                continue
            hit = self._emergency_in(clause)
            if hit is not None:
                found.append(hit)
            elif utility is None:
                utility = _utility_in(clause)
        if found:
            return min(found, key=_rank)
        return utility

    def _emergency_in(self, clause: str) -> Detection | None:
        if _any_in(clause, NOT_AN_EVENT):
            return None
        best: Detection | None = None
        for hit in self._keyword_hits(clause):
            if best is None or _better(hit, best):
                best = hit
        for service, rx in self._patterns:
            m = rx.search(clause)
            if m is None or _negated(clause, m.start()):
                continue
            hit = Detection(
                "emergency", service, self._numbers[service], f"<{service} pattern>", m.group(0), False
            )
            if best is None or _better(hit, best):
                best = hit
        return best

    def _keyword_hits(self, clause: str) -> Iterable[Detection]:
        for service, word, _readings in self._table:
            pos = clause.find(word)
            while pos >= 0:
                if not _negated(clause, pos):
                    yield Detection("emergency", service, self._numbers[service], word, word, False)
                    break
                pos = clause.find(word, pos + 1)
        # Homophones: candidates indexed by the reading of their first character.
        spoken = _spoken(clause)
        for i, first in enumerate(spoken):
            for service, word, readings in self._by_first.get(first, ()):
                n = len(word)
                window = clause[i : i + n]
                if len(window) < n or window == word:
                    continue
                if sum(1 for a, b in zip(window, word, strict=True) if a == b) < (
                    1 if n == 2 else (n + 1) // 2
                ):
                    continue
                if not all(spoken[i + j] in readings[j] for j in range(1, n)):
                    continue
                if _common_word(window) or _negated(clause, i) or _past_infix(window):
                    continue
                yield Detection("emergency", service, self._numbers[service], word, window, True)


def _rank(d: Detection) -> int:
    if d.keyword in GENERIC or d.service is None:
        return len(_RANK)
    return _RANK.index(d.service)


def _better(a: Detection, b: Detection) -> bool:
    ra, rb = _rank(a), _rank(b)
    return ra < rb or (ra == rb and b.via_pinyin and not a.via_pinyin)


def _common_word(word: str) -> bool:
    jieba.dt.check_initialized()
    return int(jieba.dt.FREQ.get(word) or 0) >= COMMON_WORD_FREQ


def _negated(clause: str, start: int) -> bool:
    before = clause[max(0, start - 4) : start]
    return any(neg in before for neg in NEGATIONS)


def _past_infix(heard: str) -> bool:
    return _PAST_INFIX in heard


def _any_in(clause: str, words: Iterable[str]) -> bool:
    return any(w in clause for w in words)


def _utility_in(clause: str) -> Detection | None:
    for phrase in UTILITY_PHRASES:
        if phrase in clause:
            return Detection("utility", None, None, phrase, phrase, False)
    for subject in UTILITY_SUBJECTS[2:]:  # 水/电 alone are too common to pair freely
        if subject in clause:
            for problem in UTILITY_PROBLEMS:
                if problem in clause:
                    return Detection("utility", None, None, subject, subject + problem, False)
    return None
