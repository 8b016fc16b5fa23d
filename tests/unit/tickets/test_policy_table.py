"""The privacy table read as a table (issue 11): each audience's cells, and what makes the views
impossible to build or serve outside the policy."""

from __future__ import annotations

import ast
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import SQLModel

from tickets import policy
from tickets.models import Ticket
from tickets.policy import Access, Audience, Level, Relation, access, audience
from tickets.policy.build import DETAIL_COMPUTED, SUMMARY_COMPUTED
from tickets.vocab import Role

REPO = Path(__file__).resolve().parents[3]
F, M, H = Level.FULL, Level.MASKED, Level.HIDDEN

# audience: (visible, identity, identity in lists, text, titles in lists, phone search)
EXPECTED: dict[Audience, tuple[bool, Level, Level, Level, Level, bool]] = {
    Audience.CENTRE: (True, F, M, F, M, True),
    Audience.OVERSIGHT: (True, M, M, M, M, False),
    Audience.UNMASKED: (True, F, M, F, M, False),
    Audience.UNIT_LEAD: (True, F, M, F, M, True),
    Audience.UNIT_ASSIST: (True, M, M, M, M, False),
    Audience.UNIT_COMPLAINED: (True, H, H, H, H, False),
    Audience.UNIT_NONE: (False, H, H, H, H, False),
    Audience.PUBLIC: (True, M, M, M, M, False),
}


def _cells(rule: Access) -> tuple[bool, Level, Level, Level, Level, bool]:
    return (
        rule.visible,
        rule.identity,
        rule.identity_in_list,
        rule.text,
        rule.text_in_list,
        rule.phone_search,
    )


@pytest.mark.parametrize("who", list(Audience))
def test_each_audience_gets_its_row(who: Audience) -> None:
    assert _cells(policy.TABLE[who]) == EXPECTED[who]


@pytest.mark.parametrize(
    ("role", "rel", "unmasked", "who"),
    [
        (Role.SEAT, Relation.NONE, False, Audience.CENTRE),
        (Role.SUPERVISOR, Relation.NONE, False, Audience.CENTRE),
        (Role.SUPERVISOR, Relation.NONE, True, Audience.UNMASKED),
        (Role.SYSTEM, Relation.NONE, False, Audience.CENTRE),
        (Role.AUDITOR, Relation.NONE, False, Audience.OVERSIGHT),
        (Role.AUDITOR, Relation.NONE, True, Audience.UNMASKED),
        # The admin keeps the system, not the cases: never unmasked, even if asked.
        (Role.ADMIN, Relation.NONE, True, Audience.OVERSIGHT),
        (Role.UNIT_HANDLER, Relation.LEAD, False, Audience.UNIT_LEAD),
        (Role.UNIT_HANDLER, Relation.ASSIST, False, Audience.UNIT_ASSIST),
        (Role.UNIT_HANDLER, Relation.COMPLAINED, False, Audience.UNIT_COMPLAINED),
        # A unit is never unmasked: it could be the one complained about.
        (Role.UNIT_HANDLER, Relation.COMPLAINED, True, Audience.UNIT_COMPLAINED),
        (Role.UNIT_HANDLER, Relation.NONE, False, Audience.UNIT_NONE),
        (None, Relation.NONE, False, Audience.PUBLIC),
    ],
)
def test_roles_and_relations_pick_their_row(
    role: Role | None, rel: Relation, unmasked: bool, who: Audience
) -> None:
    assert audience(role, rel, unmasked=unmasked) == who
    assert access(role, rel, unmasked=unmasked) is policy.TABLE[who]


def test_only_supervisors_and_auditors_may_unmask() -> None:
    assert policy.UNMASK_ROLES == {Role.SUPERVISOR, Role.AUDITOR}


def test_every_view_field_is_a_column_or_decided_by_the_policy() -> None:
    columns = set(Ticket.model_fields)
    assert set(policy.TicketSummary.model_fields) - columns == SUMMARY_COMPUTED - columns
    assert set(policy.TicketDetail.model_fields) - columns == DETAIL_COMPUTED - columns
    # Every free-text and identity column a view shows is decided, never copied off the row.
    decided = {
        "title",
        "content",
        "location",
        "reply_text",
        "citizen_name",
        "citizen_phone",
        "citizen_address",
    }
    assert decided <= DETAIL_COMPUTED and {"title", "citizen_name", "citizen_phone"} <= SUMMARY_COMPUTED


def _view_classes() -> set[str]:
    return {
        name
        for name in dir(policy)
        if isinstance(getattr(policy, name), type)
        and issubclass(getattr(policy, name), policy.PolicyView)
        and getattr(policy, name) is not policy.PolicyView
    } | {"UnitDelta"}


def _builds(source: str, names: set[str]) -> list[tuple[int, str]]:
    """Calls in `source` that make one of the views: `X(...)`, `mod.X(...)`, `X.model_validate(...)`,
    `X.model_construct(...)`."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        target = func.value if isinstance(func, ast.Attribute) and func.attr.startswith("model_") else func
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name in names:
            out.append((node.lineno, name))
    return out


def test_only_the_policy_package_builds_the_views() -> None:
    """A view built anywhere in the project's code outside tickets/policy/ is one whose personal
    data the policy did not decide."""
    names = _view_classes()
    assert {"TicketSummary", "TicketDetail", "EventView", "PortalTicket", "DisclosureItem"} <= names
    offenders: list[str] = []
    for package in ("agent_desk", "tickets", "callflow", "core", "hotline", "ivr", "asterisk_conf"):
        for path in (REPO / package).rglob("*.py"):
            if not path.is_relative_to(REPO / "tickets" / "policy"):
                source = path.read_text(encoding="utf-8")
                offenders += [f"{path.relative_to(REPO)}:{n} {name}" for n, name in _builds(source, names)]
    assert offenders == []


def test_the_walker_sees_the_usual_spellings() -> None:
    source = (
        "a = TicketSummary(x=1)\n"
        "b = policy.TicketDetail.model_validate(row)\n"
        "c = views.EventView(**d)\n"
        "d = PortalTicket.model_construct()\n"
        "e = TicketSummary.model_fields\n"  # reading the class is fine
        "f = Other(TicketSummary)\n"
    )
    assert _builds(source, _view_classes()) == [
        (1, "TicketSummary"),
        (2, "TicketDetail"),
        (3, "EventView"),
        (4, "PortalTicket"),
    ]


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models in a response model, through list[...], X | None and nested fields."""
    seen: set[type] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            yield item
            stack.extend(f.annotation for f in item.model_fields.values())
        else:
            stack.extend(typing.get_args(item))


# Models that name a ticket but are not policy views, with what keeps them harmless: their fields.
NOT_VIEWS = {
    # The caller profile's open tickets (seats and the IVR): identifiers and state, no text, no person.
    "OpenTicketRef": {"ticket_no", "lead_unit_code", "status", "category"},
}


def test_no_route_answers_with_an_orm_table_and_every_ticket_view_is_the_policys() -> None:
    """Every route's response model, walked through lists, unions and nested fields: never an ORM
    table, and any model carrying a `ticket_no` is a `PolicyView` (or a listed harmless reference)."""
    from agent_desk.app import ROUTERS  # here, not at import: the app is heavier than the tickets

    checked = 0
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or route.response_model is None:
                continue
            for model in _models(route.response_model):
                checked += 1
                table = issubclass(model, SQLModel) and getattr(model, "__table__", None) is not None
                assert not table, (route.path, model)
                if "ticket_no" in model.model_fields and not issubclass(model, policy.PolicyView):
                    assert set(model.model_fields) == NOT_VIEWS.get(model.__name__), (route.path, model)
    assert checked > 30


def test_views_are_plain_pydantic_models_never_tables() -> None:
    for name in _view_classes() - {"UnitDelta"}:
        cls = getattr(policy, name)
        assert issubclass(cls, BaseModel) and not issubclass(cls, SQLModel), name
