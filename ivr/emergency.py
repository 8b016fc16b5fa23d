"""Emergency detection on a (possibly mis-recognised) transcript: lexicon, frames and a model.

DOMAIN.md §3 / 000 §6: danger to life or property leaves the hotline at once: fire → 119,
crime and violence → 110, medical → 120, traffic accident → 122. Utility outages (停水 停电
燃气 供暖) are not 110 matters: 003 §10 makes them urgent tickets in the priority queue.

The transcript is normalised (no spaces, no punctuation: ASR engines differ in both). Keywords
(`ivr.emergency_match`, also through fuzzy pinyin) and event frames (`ivr.emergency_frames`)
find evidence with its position; `ivr.emergency_scope` vetoes each piece locally (negated,
past, hypothetical, the topic of a question); a logistic regression trained on a labelled
corpus (`ivr.emergency_model`) weighs the n-grams and the evidence and names the service.
Which numbers a case with several services goes to is configuration
(`Settings.emergency_joint_routing`): by default a crash with injuries goes to 122, and 120 too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.settings import default_emergency_joint_routing
from ivr.emergency_frames import INJURY_FRAMES, FrameMatcher
from ivr.emergency_lexicon import (
    SERVICES,
    UTILITY_PHRASES,
    UTILITY_PROBLEMS,
    UTILITY_SUBJECTS,
    Service,
)
from ivr.emergency_match import Hit, KeywordMatcher, normalise
from ivr.emergency_model import LinearModel, tokens
from ivr.emergency_scope import Veto, veto

__all__ = [
    "UTILITY_PHRASES",
    "UTILITY_SUBJECTS",
    "Detection",
    "EmergencyDetector",
    "Service",
]

Evidence = list[tuple[Hit, Veto | None]]
# The model's probability of a service a live keyword names, from which that keyword wins over
# the model's "none" (chosen by cross-validation on the training part).
KEYWORD_TRUST = 0.4


@dataclass(frozen=True, slots=True)
class Detection:
    kind: Literal["emergency", "utility"]
    service: Service | None  # the primary service
    target: str | None  # its number, from settings.emergency_numbers
    keyword: str  # the lexicon word or "<frame>" that carried it, "<model>" when only n-grams did
    heard: str  # the characters that matched (differs from keyword on a homophone)
    via_pinyin: bool
    also: tuple[Service, ...] = ()  # further services the case needs (joint routing)
    also_targets: tuple[str, ...] = ()
    confidence: float = 1.0  # the model's probability of `service` (or of "none" for a utility)

    @property
    def services(self) -> tuple[Service, ...]:
        return (self.service, *self.also) if self.service is not None else ()

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target, *self.also_targets) if self.target is not None else ()


def _service(name: str) -> Service:
    for s in SERVICES:
        if s == name:
            return s
    raise ValueError(f"unknown emergency service {name!r}: one of {', '.join(SERVICES)}")


def _checked_routing(
    routing: Mapping[str, Sequence[str]],
) -> dict[tuple[Service, Service], tuple[Service, ...]]:
    out: dict[tuple[Service, Service], tuple[Service, ...]] = {}
    for key, services in routing.items():
        primary, sep, other = key.partition("+")
        if not sep:
            raise ValueError(f"emergency joint routing key {key!r} is not '<primary>+<other>'")
        pair = (_service(primary), _service(other))
        called = tuple(_service(s) for s in services)
        if not called or called[0] != pair[0] or len(set(called)) != len(called):
            raise ValueError(f"emergency joint routing {key!r} must call {primary} first, each service once")
        out[pair] = called
    return out


class EmergencyDetector:
    def __init__(
        self,
        numbers: Mapping[str, str],
        joint_routing: Mapping[str, Sequence[str]] | None = None,
        model: LinearModel | None = None,
    ) -> None:
        missing = [s for s in SERVICES if s not in numbers]
        if missing:
            raise ValueError(f"emergency_numbers lacks {', '.join(missing)}")
        self._numbers = dict(numbers)
        self._joint = _checked_routing(
            default_emergency_joint_routing() if joint_routing is None else joint_routing
        )
        self._keywords = KeywordMatcher()
        self._frames = FrameMatcher()
        self._model = model if model is not None else LinearModel.load()

    def evidence(self, text: str) -> Evidence:
        """Every keyword and frame hit on normalised `text`, with its local veto (None: live)."""
        hits = [*self._keywords.hits(text), *self._frames.hits(text)]
        return [(hit, veto(text, hit)) for hit in hits]

    def features(self, text: str) -> list[str]:
        """The model's features of a raw transcript (training uses the same)."""
        norm = normalise(text)
        return tokens(norm, self.evidence(norm))

    def detect(self, text: str) -> Detection | None:
        """The current emergency in `text`, else a utility outage, else None."""
        norm = normalise(text)
        evidence = self.evidence(norm)
        probs = self._model.probabilities(tokens(norm, evidence))
        label = max(probs, key=lambda k: probs[k])
        if label == "none":
            # A live keyword is trusted unless the model is quite sure the utterance is no event.
            said = [h.service for h, why in evidence if why is None and h.source != "frame"]
            if said:
                likeliest = max(said, key=lambda s: probs[s])
                if probs[likeliest] >= KEYWORD_TRUST:
                    label = likeliest
        if label != "none":
            return self._emergency(_service(label), probs[label], evidence)
        return _utility_in(norm, probs["none"])

    def _emergency(self, service: Service, confidence: float, evidence: Evidence) -> Detection:
        live = [hit for hit, why in evidence if why is None]
        mine = [h for h in live if h.service == service]
        best = min(mine, key=_strength) if mine else None
        called: tuple[Service, ...] = (service,)
        for other in SERVICES:
            if other != service and (service, other) in self._joint and _needs(other, live):
                called = tuple(dict.fromkeys((*called, *self._joint[(service, other)][1:])))
        also = called[1:]
        return Detection(
            "emergency",
            service,
            self._numbers[service],
            best.keyword if best is not None else "<model>",
            best.heard if best is not None else "",
            best.via_pinyin if best is not None else False,
            also,
            tuple(self._numbers[s] for s in also),
            confidence,
        )


def _strength(hit: Hit) -> tuple[int, int]:
    """An exact keyword names the case better than a homophone, a homophone better than a frame."""
    order = 2 if hit.source == "frame" else (1 if hit.via_pinyin else 0)
    return (order, hit.start)


def _needs(other: Service, live: list[Hit]) -> bool:
    if other == "medical":
        # Someone is hurt: a live medical keyword, an injury frame.
        return any(
            h.service == "medical" and (h.source == "keyword" or h.frame in INJURY_FRAMES) for h in live
        )
    return any(h.service == other and h.source == "keyword" for h in live)


def _utility_in(text: str, confidence: float) -> Detection | None:
    for phrase in UTILITY_PHRASES:
        if _current_at(text, phrase) is not None:
            return Detection("utility", None, None, phrase, phrase, False, confidence=confidence)
    for subject in UTILITY_SUBJECTS[2:]:  # 水/电 alone are too common to pair freely
        pos = _current_at(text, subject)
        if pos is None:
            continue
        for problem in UTILITY_PROBLEMS:
            if text.find(problem, pos) >= 0:
                return Detection(
                    "utility", None, None, subject, subject + problem, False, confidence=confidence
                )
    return None


def _current_at(text: str, word: str) -> int | None:
    """Where `word` first stands for a current matter: "昨天停水了今天又停水" is today's outage."""
    pos = text.find(word)
    while pos >= 0:
        if _current(text, pos, word):
            return pos
        pos = text.find(word, pos + 1)
    return None


def _current(text: str, pos: int, word: str) -> bool:
    why = veto(text, Hit("fire", pos, pos + len(word), word, word, False, "keyword"))
    return why not in ("past", "hypothetical")
