"""The privacy matrix (issue 11): every read route of the OpenAPI document and every websocket topic
kind of `agent_desk.ws.access.TOPIC_KINDS`, as every viewer of `expectations.VIEWERS`, checked for
every citizen's every datum against the one table `expectations.TABLE`.

Each database gets one app and one set of fixtures (module scope); every answer is read whole, and
all leaks are listed at once rather than stopping at the first. The number of route × viewer ×
datum cases is printed (README: "Privacy matrix").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest
from fastapi import APIRouter
from sqlalchemy import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from agent_desk.app import ROUTERS, create_app
from agent_desk.ws.access import TOPIC_KINDS, WALLBOARD
from core.settings import Settings
from tests.integration.privacy import routes
from tests.integration.privacy.expectations import (
    ASSIST_UNIT,
    COMPLAINED_UNIT,
    LEAD_UNIT,
    LIVE_SEAT,
    SUB_UNIT,
    TABLE,
    UNRELATED_UNIT,
    VIEWERS,
    Level,
    expected,
)
from tests.integration.privacy.people import PEOPLE, Kind
from tests.integration.privacy.scan import REPORT, Leak, case_count, kinds_of, leaks, readable, shown_in_full
from tests.integration.privacy.scenario import Fixtures, World, live_deltas, publish_raw, sentinel_channels
from tickets.privacy import mask_phone

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

SENTINEL = "privacy-matrix-sentinel"
FRAME_WAIT_S = 20.0  # a hang guard, not an assertion: every awaited frame is one the server sends

# What fills the variable part of a topic name (TOPIC_KINDS): a new kind fails until it has a filler.
TOPIC_FILLERS: dict[str | None, list[str]] = {
    None: [""],
    "extension": [LIVE_SEAT, "1002"],
    "unit_code": [LEAD_UNIT, ASSIST_UNIT, COMPLAINED_UNIT, SUB_UNIT, UNRELATED_UNIT],
}


def _topics() -> list[str]:
    missing = [f"{kind!r} ({param})" for kind, param in TOPIC_KINDS.items() if param not in TOPIC_FILLERS]
    assert not missing, f"the privacy matrix cannot fill topic kinds {missing}: add them to TOPIC_FILLERS"
    return [kind + value for kind, param in TOPIC_KINDS.items() for value in TOPIC_FILLERS[param]]


def _report(request: pytest.FixtureRequest, line: str, cases: int) -> None:
    """Shown in pytest's closing summary (conftest.pytest_terminal_summary) and the JUnit XML."""
    request.node.user_properties.append(("privacy_matrix_cases", cases))
    REPORT.append((line, cases))


def _fail_on(found: list[Leak], what: str) -> None:
    """One line per (route, viewer): which data leaked and how, with one excerpt."""
    if not found:
        return
    grouped: dict[tuple[str, str], list[Leak]] = {}
    for leak in found:
        grouped.setdefault((leak.where, leak.viewer), []).append(leak)
    lines = []
    for (where, viewer), group in sorted(grouped.items()):
        data = sorted({f"{g.citizen}.{g.kind.value}({g.form})" for g in group})
        lines.append(f"{where} | {viewer} | {' '.join(data)} | e.g. …{group[0].excerpt}…")
    pytest.fail(
        f"{len(found)} privacy leaks on {what}, {len(lines)} route × viewer pairs:\n" + "\n".join(lines)
    )


def _backend(world: World) -> str:
    return make_url(world.settings.database_url).get_backend_name()


def _markers(world: World) -> dict[str, tuple[str, ...]]:
    """What shows that an answer is about a citizen: the ticket number, or the caller's number."""
    out: dict[str, tuple[str, ...]] = {c: (no,) for c, no in world.fx.tickets.items()}
    caller = PEOPLE["call"].mobile
    out["call"] = (caller, mask_phone(caller) or caller)
    return out


def _allowed_somewhere(citizen: str, kind: Kind, surface: str) -> bool:
    return any(expected(v.key, citizen, kind, surface) is Level.FULL for v in VIEWERS)


def test_every_read_route_and_topic_kind_has_a_filler() -> None:
    """A GET route or topic kind added later fails here until the matrix can call it."""
    openapi = create_app(Settings()).openapi()
    assert routes.unfilled(openapi) == []
    paths = [path for path, _ in routes.get_routes(openapi)]
    # The routes the issue names, so a rename cannot silently drop them from the matrix.
    for path in (
        "/api/tickets",
        "/api/tickets/{ticket_no}",
        "/api/tickets/{ticket_no}/events",
        "/api/calls/{linkedid}/transcript",
        "/api/public/disclosures",
        "/api/web/portal/tickets",
        "/api/supervision/board",
        "/api/callback-tasks",
        "/api/kpi/units.csv",
        "/api/audit",
    ):
        assert path in paths
    assert set(_topics()) >= {WALLBOARD, f"seat:{LIVE_SEAT}", f"unit:{COMPLAINED_UNIT}"}


def test_a_new_read_route_the_matrix_cannot_fill_fails_loudly() -> None:
    extra = APIRouter()

    @extra.get("/api/new/{mystery_id}")
    async def new_route(mystery_id: str, hint: str | None = None) -> dict[str, str]:
        return {"id": mystery_id, "hint": hint or ""}

    openapi = create_app(Settings(), routers=[*ROUTERS, extra]).openapi()
    assert routes.unfilled(openapi) == [
        "GET /api/new/{mystery_id}: path parameter 'mystery_id'",
        "GET /api/new/{mystery_id}: query parameter 'hint'",
    ]
    with pytest.raises(routes.UnfilledParameter, match="mystery_id"):
        routes.calls(openapi, Fixtures())


@MODULE_LOOP
async def test_rest_routes_show_each_viewer_only_what_the_table_allows(
    world: World, request: pytest.FixtureRequest
) -> None:
    found: list[Leak] = []
    seen: set[tuple[str, Kind]] = set()
    reached: set[tuple[str, str]] = set()
    planned = routes.calls(world.openapi, world.fx)
    cases = 0
    for call in planned:
        for viewer in VIEWERS:
            r = await world.api.request(viewer.username, "GET", call.path, params=call.query)
            assert r.status_code < 500, (call.label, viewer.key, r.status_code, r.text)
            text = readable(r.content, r.headers.get("content-type", ""))
            found += leaks(
                text, call.label, viewer.key, "rest", sent_phone_of=call.sent_phone_of, reveals=call.reveals
            )
            if r.status_code == 200:
                seen |= shown_in_full(text)
                reached |= {
                    (viewer.key, c) for c, marks in _markers(world).items() if any(m in text for m in marks)
                }
            cases += case_count()
    # The answers of the fixtures' own writes, and an unmask request by every viewer on every ticket.
    by_user = {v.username: v.key for v in VIEWERS}
    answers = list(world.api.answers)
    for no in world.fx.tickets.values():
        for viewer in VIEWERS:
            r = await world.api.request(
                viewer.username, "POST", f"/api/tickets/{no}/unmask", json={"reason": "核查投诉办理情况"}
            )
            assert r.status_code < 500, (no, viewer.key, r.status_code, r.text)
            answers.append(
                (viewer.username, f"POST /api/tickets/{no}/unmask", r.content, r.headers["content-type"])
            )
    for user, label, body, content_type in answers:
        surface = "unmask" if label.endswith("/unmask") else "rest"
        found += leaks(readable(body, content_type), label, by_user[user], surface)
        cases += case_count()
    _report(
        request,
        f"privacy matrix [{_backend(world)}] REST: {len(planned)} calls of "
        f"{len(routes.get_routes(world.openapi))} GET routes × {len(VIEWERS)} viewers, and "
        f"{len(answers)} write answers, × {case_count()} data = {cases} cases",
        cases,
    )
    _fail_on(found, "REST routes")
    # The fixtures reach the views: whatever some viewer may see in full, someone does see.
    unseen = [
        f"{c}.{k.value}"
        for c in PEOPLE
        for k in kinds_of(c)
        if _allowed_somewhere(c, k, "rest") and (c, k) not in seen
    ]
    assert unseen == [], f"no route showed these data to any viewer allowed them: {unseen}"
    # Every viewer the table lets see a citizen (masked or in full) is shown that citizen somewhere:
    # otherwise its row would be checked against answers that never carry the citizen at all.
    unreached = [
        f"{v.key}→{c}"
        for v in VIEWERS
        for c in PEOPLE
        if TABLE[v.key][c] is not Level.NOTHING and (v.key, c) not in reached
    ]
    assert unreached == [], f"these viewers were never shown the citizen the table lets them see: {unreached}"


async def _recv(ws: ClientConnection) -> dict[str, Any] | None:
    try:
        raw = await asyncio.wait_for(ws.recv(), FRAME_WAIT_S)
    except ConnectionClosed:
        return None
    frame: dict[str, Any] = json.loads(raw)
    return frame


async def _open(world: World, username: str | None, topic: str) -> tuple[ClientConnection | None, list[str]]:
    """Subscribes; the connection stays open only when the subscription was accepted."""
    if username is None:
        ws = await connect(world.ws_url)
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": topic}}))
        frame = await _recv(ws)
        assert frame is None and ws.close_code == 4001, (topic, frame, ws.close_code)
        return None, []
    token = await world.api.token(username)
    ws = await connect(f"{world.ws_url}?token={token}")
    hello = await _recv(ws)
    assert hello is not None and hello["op"] == "hello", hello
    await ws.send(json.dumps({"op": "subscribe", "data": {"topic": topic}}))
    frames: list[str] = [json.dumps(hello, ensure_ascii=False)]
    while True:
        frame = await _recv(ws)
        if frame is None:
            assert ws.close_code == 4003, (username, topic, ws.close_code)
            return None, frames
        frames.append(json.dumps(frame, ensure_ascii=False))
        if frame["op"] == "snapshot":
            return ws, frames


async def _drain(ws: ClientConnection, topic: str, frames: list[str]) -> None:
    while True:
        frame = await _recv(ws)
        assert frame is not None, f"{topic}: closed before the sentinel ({ws.close_code})"
        frames.append(json.dumps(frame, ensure_ascii=False))
        if frame["op"] == "delta" and frame["data"]["op"] == SENTINEL:
            return


async def _trigger(world: World, topics: Iterable[str]) -> None:
    """What changes while the viewers watch: the AMI role's deltas of the live call, and REST
    actions whose unit deltas reach the units' topics; then one sentinel per topic."""
    for name, op, data in live_deltas(world.settings, world.fx):
        await publish_raw(world.redis, name, op, data)
    for key in ("hidden", "open"):
        no = world.fx.tickets[key]
        note = PEOPLE[key].text("live supervision note")
        await world.api.post("supervisor", f"/api/tickets/{no}/supervise", {"note": note})
    for name in sentinel_channels(world.settings, list(topics)):
        await publish_raw(world.redis, name, SENTINEL, "{}")


@MODULE_LOOP
async def test_websocket_topics_show_each_viewer_only_what_the_table_allows(
    world: World, request: pytest.FixtureRequest
) -> None:
    topics = _topics()
    opened: list[tuple[str, str, ClientConnection, list[str]]] = []
    refused: list[tuple[str, str, list[str]]] = []
    for viewer in VIEWERS:
        for topic in topics:
            ws, frames = await _open(world, viewer.username, topic)
            if ws is None:
                refused.append((viewer.key, topic, frames))
            else:
                opened.append((viewer.key, topic, ws, frames))
    try:
        await _trigger(world, topics)
        for _viewer, topic, ws, frames in opened:
            await _drain(ws, topic, frames)
    finally:
        for *_, ws, _frames in opened:
            await ws.close()
    found: list[Leak] = []
    cases = 0
    for key, topic, frames in [*((v, t, f) for v, t, _, f in opened), *refused]:
        surface = "wallboard" if topic == WALLBOARD else "ws"
        found += leaks("\n".join(frames), f"ws {topic}", key, surface)
        cases += case_count()
    _report(
        request,
        f"privacy matrix [{_backend(world)}] websocket: {len(topics)} topics × "
        f"{len(VIEWERS)} viewers × {case_count()} data = {cases} cases ({len(opened)} subscriptions allowed)",
        cases,
    )
    _fail_on(found, "websocket topics")
    by = {(v, t): "\n".join(f) for v, t, _, f in opened}
    caller = PEOPLE["call"]
    # The wall screen shows the caller masked (138****5678) to everyone who may watch it ...
    shown = mask_phone(caller.mobile) or ""
    assert shown in by[("supervisor", WALLBOARD)] and shown in by[("admin", WALLBOARD)]
    # ... the seat's own desk shows its caller's number; the units' topics got their deltas.
    assert caller.mobile in by[("seat", f"seat:{LIVE_SEAT}")]
    assert ("seat_other", f"seat:{LIVE_SEAT}") not in by
    assert ("admin", f"seat:{LIVE_SEAT}") not in by
    for unit_viewer, code in (("unit_lead", LEAD_UNIT), ("unit_complained", COMPLAINED_UNIT)):
        assert world.fx.tickets["hidden"] in by[(unit_viewer, f"unit:{code}")]
