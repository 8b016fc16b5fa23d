"""A `Level` applied to one field of one ticket (pure): the value, masked, or `(已隐去)`.

Free text is masked by content (`tickets.privacy_text`), knowing the citizen's own name, number and
address from the ticket, so 张先生 or the number read out with dashes is found too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tickets.models import Ticket
from tickets.policy.rules import Level
from tickets.privacy import mask_name, mask_phone
from tickets.privacy_text import HIDDEN, Kind, Masked, derive_title, mask_text_detailed


def name(level: Level, value: str | None) -> str | None:
    if not value:
        return value
    return {Level.FULL: value, Level.MASKED: mask_name(value), Level.HIDDEN: HIDDEN}[level]


def phone(level: Level, value: str | None) -> str | None:
    if not value:
        return value
    return {Level.FULL: value, Level.MASKED: mask_phone(value), Level.HIDDEN: HIDDEN}[level]


def address(level: Level, value: str | None) -> str | None:
    if not value:
        return value
    if level == Level.MASKED:
        # Cut to the street (the house and flat numbers go), as in free text.
        return mask_text_detailed(value, citizen_address=value, level="masked").text
    return value if level == Level.FULL else HIDDEN


@dataclass(frozen=True)
class Citizen:
    """What is known of the citizen, so that free text is searched for their own data too."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None


def citizen(ticket: Ticket) -> Citizen:
    return Citizen(ticket.citizen_name, ticket.citizen_phone, ticket.citizen_address)


def scan(who: Ticket | Citizen, text: str, level: Level) -> Masked:
    """`text` as `level` shows it, and the kinds of personal data it holds (also at FULL, for the
    audit log: a full read of text carrying personal data is a read of personal data)."""
    known = citizen(who) if isinstance(who, Ticket) else who
    masked = mask_text_detailed(
        text,
        citizen_name=known.name,
        citizen_phone=known.phone,
        citizen_address=known.address,
        level="hidden" if level == Level.HIDDEN else "masked",
    )
    return Masked(text, masked.kinds) if level == Level.FULL else masked


def text(who: Ticket | Citizen, value: str | None, level: Level) -> str | None:
    if value is None or level == Level.FULL:
        return value
    return scan(who, value, level).text


def place(ticket: Ticket, value: str | None, level: Level) -> str | None:
    """The location of the matter: the unit needs it at street level to act, even the unit
    complained about (issue 11), so the street stays at every level; house, building and flat
    numbers go by pattern below FULL, names and numbers as in any text."""
    if value is None or level == Level.FULL:
        return value
    street_only = Citizen(ticket.citizen_name, ticket.citizen_phone, None)
    return scan(street_only, value, level).text


def kinds(ticket: Ticket, values: list[str | None]) -> frozenset[Kind]:
    found: set[Kind] = set()
    for value in values:
        if value:
            found |= scan(ticket, value, Level.MASKED).kinds
    return frozenset(found)


# derive_title keeps the first sentence of the masked text; masks never add nor remove these marks.
_SENTENCE_END = re.compile(r"[。!！?？;；\n]")
# Far beyond what a 30-character title can draw from even if every character were a masked number.
_HEAD_CHARS = 300


def _head(content: str) -> str:
    """The part of the content a title is derived from: masking a long content whole costs ~20 ms
    (jieba), a list of 200 rows would take seconds; the first sentence gives the same title."""
    end = _SENTENCE_END.search(content, 0, _HEAD_CHARS)
    return content[: end.end()] if end else content[:_HEAD_CHARS]


def title(ticket: Ticket, level: Level) -> str:
    """Never the raw first characters of the content below FULL: derived from the masked content
    when the title was cut from it at intake (acceptance, ingest), else the seat's title masked."""
    if level == Level.FULL:
        return ticket.title
    if not ticket.title or (ticket.content or "").startswith(ticket.title):
        return derive_title(
            _head(ticket.content or ""),
            citizen_name=ticket.citizen_name,
            citizen_phone=ticket.citizen_phone,
            citizen_address=ticket.citizen_address,
            level="hidden" if level == Level.HIDDEN else "masked",
        )
    return text(ticket, ticket.title, level) or ""
