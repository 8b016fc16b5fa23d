"""Whether a hit describes something happening now: the veto is local.

ASR text has no punctuation, so "the clause" is the whole utterance and a clause-wide veto
drops 我想反映一下楼下着火了 for its 反映. Here a marker governs only the hit it reaches:
a negation the few characters before it (没有着火), a past or hypothetical marker the stretch
up to the hit unless something said between brings it back to now (上次着火没人管现在又着火了),
and an aftermath or topic word right after it (火灾以后, 车祸的伤残鉴定, 急救证).
"""

from __future__ import annotations

import re
from typing import Literal

from ivr.emergency_lexicon import (
    HEARSAY,
    HYPOTHETICAL,
    NEGATION_REACH,
    NEGATIONS,
    NOT_HYPOTHETICAL,
    NOT_NEGATIONS,
    NOW,
    PAST,
    PAST_INFIX,
    SCOPE_REACH,
    TOPIC_AFTER,
    TOPIC_AFTER_REACH,
)
from ivr.emergency_match import Hit

Veto = Literal["negated", "past", "hypothetical", "hearsay", "topic", "object"]

# What was run into is a thing or an animal, not a person (站牌被车撞坏了, 有只狗被车撞了): damage
# to report, not a crash for 122. Car parts are left out: 后视镜被刮掉了 can be a collision.
_OBJECT_HIT = re.compile(
    r"(牌|栏|杆|桶|墙|灯|玻璃|柱|墩|棚|闸|桩|坛|台阶|井盖|大门|设施|减速带|花盆|猫|狗|鸟|鸡|鸭|鹅|羊|牛|猪)(子)?"
    r"(被|让|给)(.{0,4}车)?(撞|刮|剐|压|蹭|碾|轧)"
)


def _last_before(text: str, words: tuple[str, ...], end: int, reach: int) -> int:
    """End position of the last of `words` ending at or before `end` and within `reach`, else -1."""
    best = -1
    lo = max(0, end - reach)
    for word in words:
        pos = text.rfind(word, lo, end)
        if pos >= 0:
            best = max(best, pos + len(word))
    return best


def _opened(text: str, hit: Hit, words: tuple[str, ...]) -> bool:
    """A scope of `words` reaches `hit` unless a NOW marker stands between. A frame can begin
    with its agent (老公去年被人打): a marker inside it, before its last character, counts too."""
    until = hit.end - 1 if hit.source == "frame" else hit.start
    opened = _last_before(text, words, until, SCOPE_REACH)
    if opened < 0:
        return False
    return not any(text.find(now, opened, until) >= 0 for now in NOW)


def veto(text: str, hit: Hit) -> Veto | None:
    """Why `hit` (on normalised `text`) is not a current event, or None when it is."""
    before = text[max(0, hit.start - NEGATION_REACH - 1) : hit.start]
    for word in NOT_NEGATIONS:
        before = before.replace(word, "_" * len(word))
    if any(neg in before[-NEGATION_REACH:] for neg in NEGATIONS):
        return "negated"
    if hit.source != "frame" and PAST_INFIX in hit.heard:
        return "past"
    if text.startswith(PAST_INFIX, hit.end) and hit.source == "keyword":
        return "past"  # 着火过, 撞车过
    if _opened(text, hit, PAST):
        return "past"
    unmarked = text
    for word in NOT_HYPOTHETICAL:
        unmarked = unmarked.replace(word, "_" * len(word))
    if _opened(unmarked, hit, HYPOTHETICAL):
        return "hypothetical"
    if _opened(text, hit, HEARSAY):
        return "hearsay"
    if hit.service == "traffic" and any(
        m.start() < hit.end and hit.start < m.end() for m in _OBJECT_HIT.finditer(text)
    ):
        return "object"
    after = text[hit.end : hit.end + TOPIC_AFTER_REACH + 6]
    if after.startswith("了"):
        after = after[1:]
    de = after.find("的", 0, TOPIC_AFTER_REACH + 1)
    if any(after.startswith(word) or (de >= 0 and after.startswith(word, de + 1)) for word in TOPIC_AFTER):
        return "topic"
    return None
