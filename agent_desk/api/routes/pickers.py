"""The desk's searchable pickers (issue 14): categories and units with their pinyin, and the
category classifier's suggestion for what the seat has typed, with its confidence.

The seat finds an entry by its characters, its full pinyin or its initials (`gs` or `gongshui` →
供水). Pinyin is spelled here, once per request, with pypinyin (the same library the knowledge
base and the emergency matcher use), so the page ships no dictionary of its own.
"""

from __future__ import annotations

import asyncio
import functools

from fastapi import APIRouter
from pydantic import BaseModel, Field
from pypinyin import Style, lazy_pinyin
from sqlmodel import Session

from agent_desk.api.deps import ActorDep, DbDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS
from ivr.classify import Classifier, load_shipped_model, utility_category
from tickets import directory

router = APIRouter(prefix="/api/pickers", tags=["units"], responses=AUTH_ERRORS)

# How the desk names a unit's kind (tickets.demo and the admin page store these codes).
UNIT_KINDS: dict[str, str] = {
    "centre": "热线中心",
    "district": "区政府",
    "department": "市直部门",
    "utility": "公用事业单位",
    "street": "街道办事处",
}


class PickerEntry(BaseModel):
    code: str
    name: str
    # What the seat may type beside the characters: lower-case pinyin syllables separated by
    # spaces (the page matches from a syllable's start, so `gs` is not found inside "zhengshen")
    # and the initials.
    pinyin: str
    initials: str


class CategoryEntry(PickerEntry):
    parent_code: str | None
    path: str  # "城乡建设 / 供水"
    default_unit_code: str | None


class UnitEntry(PickerEntry):
    tier: int
    kind: str
    kind_label: str
    duty_phone: str


class Pickers(BaseModel):
    categories: list[CategoryEntry]
    units: list[UnitEntry]
    # The IVR suggests a category only at or above this calibrated probability (ivr.classify).
    ivr_min_confidence: float


class SuggestInput(BaseModel):
    text: str = Field(min_length=1, max_length=20000)


class Suggestion(BaseModel):
    """The classifier's reading of the content: a suggestion the seat confirms, never a dispatch."""

    category_code: str | None
    unit_code: str | None
    confidence: float  # calibrated probability of the category; 1.0 for an outage keyword
    source: str  # "model" or "keyword" (停水, 停电 …: the IVR's utility rule)
    ticket_type: str | None


def spellings(name: str) -> tuple[str, str]:
    """Pinyin syllables and initials of `name`: `("gong shui", "gs")`. pypinyin's phrase dictionary
    picks the reading in context (路灯 → lu deng); the rare readings of every polyphone would
    make most short initials match everything."""
    # Characters without pinyin (digits, Latin) count one syllable each: "12345" → 1 2 3 4 5.
    spelled = lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: " ".join(s.lower()))
    syllables = [part for chunk in spelled for part in chunk.split()]
    return " ".join(syllables), "".join(s[0] for s in syllables)


def _entries(session: Session) -> tuple[list[CategoryEntry], list[UnitEntry]]:
    categories: list[CategoryEntry] = []

    def walk(nodes: list[directory.CategoryNode], parent: directory.CategoryNode | None) -> None:
        for node in nodes:
            full, firsts = spellings(node.name)
            categories.append(
                CategoryEntry(
                    code=node.code,
                    name=node.name,
                    pinyin=full,
                    initials=firsts,
                    parent_code=parent.code if parent else None,
                    path=f"{parent.name} / {node.name}" if parent else node.name,
                    default_unit_code=node.default_unit_code,
                )
            )
            walk(node.children, node)

    walk(directory.category_tree(session), None)
    units = []
    for unit in directory.units(session):
        full, firsts = spellings(unit.name)
        units.append(
            UnitEntry(
                **unit.model_dump(exclude={"parent_code"}),
                pinyin=full,
                initials=firsts,
                kind_label=UNIT_KINDS.get(unit.kind, "其他单位"),
            )
        )
    return categories, units


@router.get("", response_model=Pickers, summary="坐席选择器:分类与单位(含拼音、首字母)")
async def pickers(_actor: ActorDep, db: DbDep, settings: SettingsDep) -> Pickers:
    categories, units = await db.run(_entries)
    threshold = settings.ivr_category_min_confidence
    return Pickers(categories=categories, units=units, ivr_min_confidence=threshold)


@functools.cache
def _classifier() -> Classifier:
    # Threshold 0: the desk shows every guess with its confidence and lets the seat judge.
    return Classifier(load_shipped_model(), 0.0)


def suggest(text: str) -> Suggestion:
    """The IVR's rules on the seat's text: an outage keyword first, then the category model."""
    result = _classifier().classify(text)
    kind = result.ticket_type.value if result.ticket_type else None
    outage = utility_category(text)
    if outage is not None:
        code, unit = outage
        return Suggestion(
            category_code=code, unit_code=unit, confidence=1.0, source="keyword", ticket_type=kind
        )
    return Suggestion(
        category_code=result.category,
        unit_code=result.suggested_unit,
        confidence=round(result.confidence, 3),
        source="model",
        ticket_type=kind,
    )


@router.post("/suggest", response_model=Suggestion, summary="按诉求内容建议分类与承办单位(含置信度)")
async def suggestion(_actor: ActorDep, body: SuggestInput) -> Suggestion:
    # The first call loads the model (a few hundred ms): off the event loop.
    return await asyncio.to_thread(suggest, body.text)
