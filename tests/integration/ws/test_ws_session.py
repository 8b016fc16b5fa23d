"""The websocket session over a real uvicorn and a real Redis pub/sub."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from agent_desk.ws.access import Principal
from agent_desk.ws.protocol import CloseCode
from agent_desk.ws.session import SessionConfig
from tests.integration.ws.conftest import Harness, close_code, recv, recv_op, wait_until


async def test_token_in_query_gets_hello_snapshot_then_deltas(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        hello = await recv_op(ws, "hello")
        assert hello["data"]["user"]["role"] == "supervisor"
        assert hello["data"]["epoch"] == harness.hub.epoch
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
        snap = await recv_op(ws, "snapshot")
        assert snap["data"]["topic"] == "wallboard"
        assert snap["data"]["state"]["for"] == "supervisor"
        assert snap["data"]["seq"] == 0
        await harness.publish("wallboard", "queue", {"name": "q-general", "waiting": 2})
        delta = await recv_op(ws, "delta")
        assert delta["data"] == {
            "topic": "wallboard",
            "seq": 1,
            "op": "queue",
            "data": {"name": "q-general", "waiting": 2},
        }


async def test_token_as_first_frame(harness: Harness) -> None:
    async with connect(harness.ws_url()) as ws:
        await ws.send(json.dumps({"op": "auth", "data": {"token": "tok-1001"}}))
        hello = await recv_op(ws, "hello")
        assert hello["data"]["user"]["extension"] == "1001"


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"op": "subscribe", "data": {"topic": "wallboard"}}, CloseCode.AUTH_REQUIRED),
        ({"op": "auth", "data": {"token": "nope"}}, CloseCode.AUTH_FAILED),
        ({"op": "auth", "data": {}}, CloseCode.PROTOCOL_ERROR),
    ],
)
async def test_bad_first_frame_closes_with_its_code(
    harness: Harness, first: dict[str, object], code: int
) -> None:
    async with connect(harness.ws_url()) as ws:
        await ws.send(json.dumps(first))
        assert await close_code(ws) == code


async def test_unknown_token_in_query_is_refused(harness: Harness) -> None:
    async with connect(harness.ws_url(token="stolen")) as ws:
        assert await close_code(ws) == CloseCode.AUTH_FAILED


@pytest.mark.parametrize("session_config", [SessionConfig(auth_timeout_s=0.2)])
async def test_silence_instead_of_a_token_closes_4001(harness: Harness) -> None:
    async with connect(harness.ws_url()) as ws:
        assert await close_code(ws) == CloseCode.AUTH_REQUIRED


async def test_unsupported_version_is_a_protocol_error(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup", version="9")) as ws:
        assert await close_code(ws) == CloseCode.PROTOCOL_ERROR


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1,2]", '{"op": 5}', '{"op": "dance", "data": {}}', '{"op": "subscribe", "data": {}}'],
)
async def test_malformed_frames_close_4004(harness: Harness, raw: str) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        await ws.send(raw)
        assert await close_code(ws) == CloseCode.PROTOCOL_ERROR


@pytest.mark.parametrize(
    ("token", "topic", "allowed"),
    [
        ("tok-1001", "seat:1001", True),
        ("tok-1001", "seat:1002", False),
        ("tok-1001", "wallboard", False),
        ("tok-unit", "wallboard", False),
        ("tok-unit", "seat:1001", False),
        ("tok-sup", "seat:1002", True),
    ],
)
async def test_topic_permissions(harness: Harness, token: str, topic: str, allowed: bool) -> None:
    async with connect(harness.ws_url(token=token)) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": topic}}))
        if allowed:
            assert (await recv_op(ws, "snapshot"))["data"]["topic"] == topic
        else:
            assert await close_code(ws) == CloseCode.FORBIDDEN
            assert topic not in harness.snapshots


async def test_permission_is_checked_on_every_message(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-1001")) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "ping", "data": {"t": 1}}))
        assert (await recv_op(ws, "pong"))["data"] == {"t": 1}
        del harness.tokens["tok-1001"]  # revoked while connected
        await ws.send(json.dumps({"op": "ping", "data": {"t": 2}}))
        assert await close_code(ws) == CloseCode.AUTH_FAILED


async def test_a_role_that_changed_loses_the_topics_it_may_no_longer_watch(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "seat:1002"}}))
        await recv_op(ws, "snapshot")
        # The account became an admin's (no token revoked): a seat's desk is no longer its to watch.
        harness.tokens["tok-sup"] = Principal(username="supervisor", role="admin")
        await ws.send(json.dumps({"op": "ping", "data": {"t": 3}}))
        assert await close_code(ws) == CloseCode.FORBIDDEN


async def test_commands_run_for_the_own_seat_only(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-1001")) as ws:
        await recv_op(ws, "hello")
        cmd = {"id": "a1", "name": "ready", "args": {"seat": "1001"}}
        await ws.send(json.dumps({"op": "command", "data": cmd}))
        assert (await recv_op(ws, "result"))["data"] == {
            "id": "a1",
            "ok": True,
            "data": {"done": "ready"},
        }
        cmd = {"id": "a2", "name": "hangup", "args": {"seat": "1001", "fail": True}}
        await ws.send(json.dumps({"op": "command", "data": cmd}))
        assert (await recv_op(ws, "result"))["data"] == {"id": "a2", "ok": False, "error": "分机忙"}
        cmd = {"id": "a3", "name": "ready", "args": {"seat": "1002"}}
        await ws.send(json.dumps({"op": "command", "data": cmd}))
        assert await close_code(ws) == CloseCode.FORBIDDEN
    assert [c[1] for c in harness.commands] == ["ready", "hangup"]


async def test_spy_is_for_supervisors(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        cmd = {"id": "s1", "name": "spy", "args": {"seat": "1001", "mode": "listen"}}
        await ws.send(json.dumps({"op": "command", "data": cmd}))
        assert (await recv_op(ws, "result"))["data"]["ok"] is True
    async with connect(harness.ws_url(token="tok-1002")) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "command", "data": cmd}))
        assert await close_code(ws) == CloseCode.FORBIDDEN


async def _subscribe(ws: object, topic: str, **resume: object) -> None:
    await ws.send(json.dumps({"op": "subscribe", "data": {"topic": topic, **resume}}))  # type: ignore[attr-defined]


async def test_reconnect_replays_what_was_missed(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        await _subscribe(ws, "wallboard")
        await recv_op(ws, "snapshot")
        await harness.publish("wallboard", "seat", {"ext": "1001", "state": "ready"})
        last = (await recv_op(ws, "delta"))["data"]["seq"]
    for state in ("ringing", "talking", "wrapup"):
        await harness.publish("wallboard", "seat", {"ext": "1001", "state": state})
    await wait_until(lambda: harness.hub.seq("wallboard") == last + 3, "three deltas published")
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        await _subscribe(ws, "wallboard", epoch=harness.hub.epoch, seq=last)
        got = [await recv(ws) for _ in range(4)]
    assert [f["op"] for f in got] == ["delta", "delta", "delta", "resumed"]
    assert [f["data"]["data"]["state"] for f in got[:3]] == ["ringing", "talking", "wrapup"]
    assert got[3]["data"]["seq"] == last + 3
    assert harness.snapshots == ["wallboard"]  # the reconnect needed no snapshot


@pytest.mark.parametrize("replay_size", [2])
async def test_reconnect_too_far_behind_or_from_another_epoch_gets_a_snapshot(harness: Harness) -> None:
    for i in range(5):
        await harness.publish("wallboard", "tick", {"i": i})
    await wait_until(lambda: harness.hub.seq("wallboard") == 5, "five deltas published")
    for resume in ({"epoch": harness.hub.epoch, "seq": 1}, {"epoch": "other-process", "seq": 5}):
        async with connect(harness.ws_url(token="tok-sup")) as ws:
            await recv_op(ws, "hello")
            await _subscribe(ws, "wallboard", **resume)
            snap = await recv(ws)
            assert snap["op"] == "snapshot"
            assert snap["data"]["seq"] == 5
    assert harness.snapshots == ["wallboard", "wallboard"]


@pytest.mark.parametrize("session_config", [SessionConfig(heartbeat_s=0.2)])
async def test_heartbeat_keeps_a_live_client_and_drops_a_silent_one(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        for _ in range(4):  # four beats answered: 0.8 s, well past the 0.4 s silence limit
            assert (await recv(ws))["op"] == "ping"
            await ws.send(json.dumps({"op": "pong", "data": {}}))
        await ws.send(json.dumps({"op": "ping", "data": {"t": "still here"}}))
        assert (await recv_op(ws, "pong"))["data"] == {"t": "still here"}
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        assert await close_code(ws) == CloseCode.HEARTBEAT_TIMEOUT
