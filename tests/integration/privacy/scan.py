"""Reads one answer (a REST body or the frames of a websocket topic) the way a viewer would, and
lists what it shows that the table (`expectations`) forbids that viewer."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.integration.privacy.expectations import Level, expected
from tests.integration.privacy.people import PEOPLE, TICKET_KINDS, Kind, normalised

# (what was checked, number of route × viewer × datum cases), printed by conftest at the end.
REPORT: list[tuple[str, int]] = []


@dataclass(frozen=True)
class Leak:
    where: str  # route or topic
    viewer: str
    citizen: str
    kind: Kind
    form: str  # "full" or "hint"
    found: str
    excerpt: str

    def line(self) -> str:
        return (
            f"{self.where} | {self.viewer} | {self.citizen}.{self.kind.value} | {self.form} "
            f"{self.found!r} in …{self.excerpt}…"
        )


def kinds_of(citizen: str) -> tuple[Kind, ...]:
    # Only the recorded call has audio.
    return (*TICKET_KINDS, Kind.VOICE) if citizen == "call" else TICKET_KINDS


def case_count() -> int:
    """The (citizen, kind) pairs one answer is checked for, per viewer."""
    return sum(len(kinds_of(c)) for c in PEOPLE)


def readable(body: bytes, content_type: str) -> str:
    """JSON re-dumped without escapes (a \\u5f20 must not hide 张), text as text, audio as bytes."""
    if "json" in content_type:
        try:
            return json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    if content_type.startswith("text/") or "json" in content_type:
        return body.decode("utf-8", errors="replace")
    return body.decode("latin-1")


def _excerpt(text: str, needle: str) -> str:
    at = text.find(needle)
    return text[max(0, at - 40) : at + len(needle) + 40].replace("\n", " ") if at >= 0 else ""


def leaks(
    text: str,
    where: str,
    viewer: str,
    surface: str,
    *,
    sent_phone_of: frozenset[str] = frozenset(),
    reveals: dict[str, tuple[str, ...]] | None = None,
) -> list[Leak]:
    flat = normalised(text)
    found: list[Leak] = []
    for citizen, person in PEOPLE.items():
        for kind in kinds_of(citizen):
            level = expected(viewer, citizen, kind, surface)
            if level is Level.FULL:
                continue
            full, hints = person.forms(kind)
            if kind is Kind.MOBILE and citizen in sent_phone_of:
                full, hints = (), ()  # the caller's own query echoed back tells it nothing new
            if kind is Kind.MOBILE and reveals:
                full = (*full, *reveals.get(citizen, ()))
            for form in full:
                needle = normalised(form)
                if needle in flat:
                    # Quoted from the answer as it is where the form appears there unspaced.
                    excerpt = _excerpt(text, form) if form in text else _excerpt(flat, needle)
                    found.append(Leak(where, viewer, citizen, kind, "full", form, excerpt))
            if level is Level.NOTHING:
                for hint in hints:
                    m = hint.search(text)
                    if m:
                        found.append(
                            Leak(where, viewer, citizen, kind, "hint", m.group(), _excerpt(text, m.group()))
                        )
    return found


def shown_in_full(text: str) -> set[tuple[str, Kind]]:
    """Which (citizen, kind) appear in full: the matrix checks its fixtures reach the views."""
    flat = normalised(text)
    return {
        (citizen, kind)
        for citizen, person in PEOPLE.items()
        for kind in kinds_of(citizen)
        if any(normalised(f) in flat for f in person.forms(kind)[0])
    }
