"""Every read route of the app, from its OpenAPI document, with its parameters filled from the
fixtures: a GET route added later is called by the matrix without anyone listing it, and one whose
parameters the matrix cannot fill fails `calls()` loudly until a filler is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

from tests.integration.privacy.people import PEOPLE
from tests.integration.privacy.scenario import Fixtures


@dataclass(frozen=True)
class Call:
    """One request of the matrix."""

    template: str  # the OpenAPI path, e.g. /api/tickets/{ticket_no}
    path: str
    query: dict[str, str]
    # Citizens whose mobile number the caller put in the request itself: not a leak when echoed.
    sent_phone_of: frozenset[str] = frozenset()
    # Extra full forms of a citizen's mobile number: a phone search that answers with the citizen's
    # ticket confirms the number to whoever searched (issue 11: "phone search never returns a
    # ticket that hides its caller from the searcher").
    reveals: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        q = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"GET {self.path}" + (f"?{q}" if q else "")


# A filler gives (value, citizen key or None) pairs for one parameter; None means "leave it out".
Filler = Callable[[Fixtures], list[tuple[str | None, str | None]]]


def _tickets(fx: Fixtures) -> list[tuple[str | None, str | None]]:
    return [(no, key) for key, no in fx.tickets.items()]


def _phones(fx: Fixtures) -> list[tuple[str | None, str | None]]:
    return [(p.mobile, p.key) for p in PEOPLE.values()]


def _period(start: bool) -> Filler:
    now = datetime.now(UTC)
    value = (now - timedelta(days=30) if start else now + timedelta(days=1)).isoformat()
    return lambda _fx: [(value, None)]


def _const(*values: str | None) -> Filler:
    return lambda _fx: [(v, None) for v in values]


DEFAULT = _const(None)

# Path parameters, by name: every value is called.
PATH: dict[str, Filler] = {
    "ticket_no": _tickets,
    "linkedid": lambda fx: [(fx.linkedid, "call"), (fx.live_linkedid, "call")],
    "phone": _phones,
}
# Query parameters, by name: required ones get a value; optional ones are left out (DEFAULT) unless
# they are a probe worth calling with each value (a phone search, a subject search).
QUERY: dict[str, Filler] = {
    "phone": lambda fx: [(None, None), *_phones(fx)],
    "subject": lambda fx: [(None, None), *_phones(fx), *_tickets(fx)],
    "q": _const("路灯", "停水"),
    "start": _period(True),
    "end": _period(False),
    "limit": _const(None, "500"),
    "done": _const(None, "true"),
    **dict.fromkeys(
        (
            "status",
            "channel",
            "type",
            "unit_code",
            "category_code",
            "created_from",
            "created_to",
            "overdue",
            "offset",
            "soon_hours",
            "kind",
            "tier",
            "actor",
            "year",
        ),
        DEFAULT,
    ),
}
# Probes of one route that stand for a search by a citizen's phone number.
PHONE_SEARCHES = {("/api/tickets", "phone"), ("/api/callers/{phone}/profile", "phone")}


class UnfilledParameter(AssertionError):
    pass


def get_routes(openapi: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(path, parameters) of every GET operation that answers with a body."""
    out = []
    for path, ops in openapi["paths"].items():
        op = ops.get("get")
        if op is None:
            continue
        out.append((path, list(op.get("parameters", []))))
    return sorted(out)


def unfilled(openapi: dict[str, Any]) -> list[str]:
    """Parameters of GET routes that no filler knows: each one is a route the matrix cannot call."""
    missing = []
    for path, params in get_routes(openapi):
        for p in params:
            table = PATH if p["in"] == "path" else QUERY if p["in"] == "query" else None
            if table is None or p["name"] not in table:
                missing.append(f"GET {path}: {p['in']} parameter {p['name']!r}")
    return missing


def calls(openapi: dict[str, Any], fx: Fixtures) -> list[Call]:
    missing = unfilled(openapi)
    if missing:
        raise UnfilledParameter(
            "the privacy matrix cannot fill these parameters; add a filler in "
            "tests/integration/privacy/routes.py:\n" + "\n".join(missing)
        )
    out: list[Call] = []
    for template, params in get_routes(openapi):
        choices = []
        for p in params:
            filler = (PATH if p["in"] == "path" else QUERY)[p["name"]]
            values = filler(fx)
            if p.get("required"):
                values = [v for v in values if v[0] is not None]
            # Optional probes: the plain call, then one per value (not every combination of them).
            choices.append([(p, v) for v in values])
        out.extend(_combine(template, choices, fx))
    return out


def _combine(
    template: str, choices: list[list[tuple[dict[str, Any], tuple[str | None, str | None]]]], fx: Fixtures
) -> list[Call]:
    required = [c for c in choices if c and c[0][0].get("required")]
    optional = [c for c in choices if c and not c[0][0].get("required")]
    out = []
    for combo in product(*required):
        base: dict[str, str] = {}
        path = template
        owners: list[tuple[str, str, str | None]] = []
        for p, (value, owner) in combo:
            assert value is not None
            if p["in"] == "path":
                path = path.replace("{" + p["name"] + "}", value)
            else:
                base[p["name"]] = value
            owners.append((p["name"], value, owner))
        variants: list[tuple[dict[str, str], list[tuple[str, str, str | None]]]] = [(base, owners)]
        for opt in optional:
            for p, (value, owner) in opt:
                if value is not None:
                    variants.append(({**base, p["name"]: value}, [*owners, (p["name"], value, owner)]))
        for query, who in variants:
            sent = frozenset(o for _, v, o in who if o is not None and v == PEOPLE[o].mobile)
            reveals: dict[str, tuple[str, ...]] = {}
            for name, _, owner in who:
                if owner is not None and (template, name) in PHONE_SEARCHES and owner in fx.tickets:
                    reveals[owner] = (fx.tickets[owner],)
            out.append(Call(template, path, query, sent, reveals))
    return out
