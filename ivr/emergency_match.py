"""Keyword hits on a normalised transcript, exact or through fuzzy pinyin.

ASR output has no punctuation and confuses homophones (着火 → 着伙, 泄漏 → 泄露), so a keyword
also matches through toneless pinyin with the usual fuzzy pairs (zh/z, ch/c, sh/s, n/l,
-ng/-n), provided at least one character is identical (which keeps 期货 from matching 起火) and
the heard word is not itself a common word (大人 is not 打人).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jieba
from pypinyin import Style, lazy_pinyin

from ivr.emergency_lexicon import (
    COMMON_WORD_FREQ,
    EXACT_ONLY,
    GENERIC,
    KEYWORDS,
    PAST_INFIX,
    SERVICES,
    Service,
)

_KEEP = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]")
_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"), ("ong", "on"))


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence at [start, end) of the normalised text."""

    service: Service
    start: int
    end: int
    keyword: str  # the lexicon word, or "<frame name>"
    heard: str  # the characters that matched (differs from keyword on a homophone)
    via_pinyin: bool
    source: Literal["keyword", "generic", "frame"]
    frame: str = ""


def normalise(text: str) -> str:
    """Han characters, digits and letters only: spaces and punctuation, which ASR engines emit
    or not at will, must not change what is detected."""
    return "".join(_KEEP.findall(text)).lower()


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


def spoken(text: str) -> list[str]:
    """How the text is read, one fuzzy syllable per character, in context (和 in 车和 is he,
    not the rare huo), so a common character's rare reading cannot fake a homophone."""
    out: list[str] = []
    for run in _HAN_RUN.findall(text):
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
    """How each keyword character is read in the keyword and on its own (着 of 着火: zhao, zhe),
    the readings `spoken` gives a transcript. Not every reading a dictionary lists: a rare one
    (味 as mei) made 燃气没 (the gas is out, a utility matter) a homophone of 燃气味 (a gas
    smell, a fire emergency)."""
    alone = [spoken(ch)[0] for ch in word]
    return tuple(frozenset(pair) for pair in zip(spoken(word), alone, strict=True))


def _common_word(word: str) -> bool:
    jieba.dt.check_initialized()
    return int(jieba.dt.FREQ.get(word) or 0) >= COMMON_WORD_FREQ


_Entry = tuple[Service, str, tuple[frozenset[str], ...], bool]


class KeywordMatcher:
    """Every occurrence of a keyword of `ivr.emergency_lexicon`, with its position."""

    def __init__(self) -> None:
        self._table: list[_Entry] = [
            (service, word, _keyword_readings(word), False)
            for service in SERVICES
            for word in KEYWORDS[service]
        ]
        self._table += [("police", word, _keyword_readings(word), True) for word in GENERIC]
        self._by_first: dict[str, list[_Entry]] = {}
        for entry in self._table:
            _service, word, readings, _generic = entry
            if len(word) < 2 or word in EXACT_ONLY:
                continue
            for first in readings[0]:
                self._by_first.setdefault(first, []).append(entry)

    def hits(self, text: str) -> Iterator[Hit]:
        """`text` is normalised (see `normalise`)."""
        for service, word, _readings, generic in self._table:
            pos = text.find(word)
            while pos >= 0:
                yield Hit(
                    service, pos, pos + len(word), word, word, False, "generic" if generic else "keyword"
                )
                pos = text.find(word, pos + 1)
        # Homophones: candidates indexed by the reading of their first character.
        readings_of = spoken(text)
        for i, first in enumerate(readings_of):
            for service, word, readings, generic in self._by_first.get(first, ()):
                n = len(word)
                window = text[i : i + n]
                if len(window) < n or window == word:
                    continue
                if sum(1 for a, b in zip(window, word, strict=True) if a == b) < (
                    1 if n == 2 else (n + 1) // 2
                ):
                    continue
                if not all(readings_of[i + j] in readings[j] for j in range(1, n)):
                    continue
                if _common_word(window) or PAST_INFIX in window:
                    continue
                yield Hit(service, i, i + n, word, window, True, "generic" if generic else "keyword")
