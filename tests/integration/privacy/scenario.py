"""The matrix's fixtures, made as the centre makes them: through the REST API of a running app, the
call hand-off (`tickets.ingest`) and the live state in Redis that the AMI role would write.

Every free-text field gets the whole of its citizen's personal data: content, title, location,
citizen address, history notes (dispatch, sign, contact, return, extension, decisions, supervision,
leader instruction), assist notes, replies, review and callback notes, the watch list's reason, the
call's transcript and its IVR transcript, the live call's caller name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlmodel import select

from agent_desk.ws.access import SEAT_PREFIX, UNIT_PREFIX
from callflow.notifier import channel
from callflow.store import Keys, local_day
from callflow.views import CallView, QueueView, RingMissView, SeatView, WaitingCaller
from core.contracts import CallRecord, IvrResult
from core.settings import Settings
from tests.integration.privacy.expectations import (
    ASSIST_UNIT,
    COMPLAINED_UNIT,
    LEAD_UNIT,
    LIVE_SEAT,
    SUB_UNIT,
)
from tests.integration.privacy.people import PEOPLE, Person
from tickets.db import Database
from tickets.ingest import ingest_record
from tickets.models import CallLink
from tickets.unit_events import unit_channel
from tickets.vocab import Channel, Satisfaction, TicketType

PASSWORD = "demo12345"


@dataclass
class Fixtures:
    tickets: dict[str, str] = field(default_factory=dict)  # citizen key → ticket_no
    linkedid: str = ""  # the recorded, transcribed call of the "call" citizen
    live_linkedid: str = ""  # the same citizen's call in progress on LIVE_SEAT
    callback_task: int | None = None


class Client:
    """Logs in once per user; every request names who sends it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}
        # (user, "POST path", answer body) of every write: action answers are views too.
        self.answers: list[tuple[str | None, str, bytes, str]] = []

    async def token(self, user: str) -> str:
        if user not in self.tokens:
            r = await self.http.post("/api/auth/login", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, (user, r.text)
            self.tokens[user] = r.json()["access_token"]
        return self.tokens[user]

    async def request(self, user: str | None, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token(user)}"} if user else {}
        return await self.http.request(method, path, headers=headers, **kw)

    async def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.request(user, "POST", path, json=body)
        assert r.status_code in (200, 201), (user, path, r.status_code, r.text)
        self.answers.append((user, f"POST {path}", r.content, r.headers.get("content-type", "")))
        data: dict[str, Any] = r.json()
        return data


@dataclass
class World:
    settings: Settings
    redis: Redis
    api: Client
    fx: Fixtures
    base_url: str
    openapi: dict[str, Any]

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/ws"


def _handler(unit: str) -> str:
    return f"unit-{unit}"


async def _intake(api: Client, p: Person, ticket_type: str, **extra: Any) -> str:
    body = {
        "channel": Channel.PHONE.value,
        "type": ticket_type,
        "category_code": "urban.streetlight",
        "title": p.short_text(),
        "content": p.text("content"),
        "location": p.short_text(),
        "citizen_name": p.name,
        "citizen_phone": p.mobile,
        "citizen_address": p.address,
        **extra,
    }
    return str((await api.post("seat1001", "/api/tickets", body))["ticket_no"])


async def _work(api: Client, p: Person, no: str, assists: list[str]) -> None:
    """Dispatch to the lead unit and `assists`, then every step that writes free text, up to a reply
    waiting for review: the units keep their active assignments."""
    lead = _handler(LEAD_UNIT)
    t = f"/api/tickets/{no}"
    await api.post(
        "seat1001",
        f"{t}/dispatch",
        {"lead_unit_code": LEAD_UNIT, "assist_unit_codes": assists, "note": p.text("dispatch note")},
    )
    await api.post(lead, f"{t}/sign", {"note": p.text("sign note")})
    await api.post(lead, f"{t}/return", {"reason": p.text("return reason")})
    await api.post(
        "supervisor", f"{t}/return/decision", {"approve": False, "note": p.text("return decision")}
    )
    await api.post(lead, f"{t}/first-contact", {"note": p.text("first contact note")})
    await api.post(lead, f"{t}/extension", {"days": 2, "reason": p.text("extension reason")})
    await api.post(
        "supervisor", f"{t}/extension/decision", {"approve": True, "note": p.text("extension decision")}
    )
    if ASSIST_UNIT in assists:
        await api.post(_handler(ASSIST_UNIT), f"{t}/assist-note", {"note": p.text("assist note")})
    for unit in (COMPLAINED_UNIT, SUB_UNIT):
        if unit in assists:
            # Their own answers are views of the ticket too (hidden from them on the complaint).
            await api.post(_handler(unit), f"{t}/assist-note", {"note": "已核实现场情况,配合处理"})
    await api.post("supervisor", f"{t}/supervise", {"note": p.text("supervision note")})
    await api.post(
        "supervisor", f"{t}/leader-instruction", {"leader": "市领导", "instruction": p.text("instruction")}
    )
    await api.post(
        lead,
        f"{t}/reply",
        {"text": p.text("reply"), "responsible_person": "承办科室负责人", "head_signoff": "单位负责人"},
    )


async def _closed(api: Client, p: Person) -> str:
    no = await _intake(api, p, TicketType.HELP.value, consent_disclosure=True)
    lead = _handler(LEAD_UNIT)
    t = f"/api/tickets/{no}"
    await api.post(
        "seat1001", f"{t}/dispatch", {"lead_unit_code": LEAD_UNIT, "note": p.text("dispatch note")}
    )
    await api.post(lead, f"{t}/sign", {"note": p.text("sign note")})
    await api.post(lead, f"{t}/first-contact", {"note": p.text("first contact note")})
    await api.post(
        lead,
        f"{t}/reply",
        {"text": p.text("reply"), "responsible_person": "承办科室负责人", "head_signoff": "单位负责人"},
    )
    await api.post("supervisor", f"{t}/review", {"approve": True, "note": p.text("review note")})
    await api.post(
        "seat1001",
        f"{t}/callback",
        {"satisfaction": Satisfaction.SATISFIED.value, "resolved": True, "note": p.text("callback note")},
    )
    return no


# The recording's bytes: a WAV header, then the caller's voice as the matrix recognises it.
def _wav(p: Person) -> bytes:
    return b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28) + p.voice.encode()


async def _calls(settings: Settings, p: Person, fx: Fixtures) -> None:
    """The answered, recorded and transcribed call, and a later call the citizen abandoned."""
    now = datetime.now(UTC)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    (settings.recordings_dir / "privacy.1.wav").write_bytes(_wav(p))
    fx.linkedid = "1795326409.1"
    answered = CallRecord(
        linkedid=fx.linkedid,
        caller=p.mobile,
        caller_name=p.name,
        channel="PJSIP/world-00000001",
        started_at=now - timedelta(minutes=9),
        ended_at=now - timedelta(minutes=5),
        outcome="answered",
        queue="q-general",
        seat=LIVE_SEAT,
        recording_path=f"{settings.asterisk_recordings_dir}/privacy.1.wav",
        ivr=IvrResult(transcript=p.text("ivr transcript")),
    )
    abandoned = [
        CallRecord(
            linkedid=f"1795326409.{n}",
            caller=p.mobile,
            caller_name=p.name,
            channel=f"PJSIP/world-0000000{n}",
            started_at=now - timedelta(minutes=4),
            ended_at=now - timedelta(minutes=3),
            outcome="abandoned",
            queue="q-general",
        )
        for n in (2, 6)
    ]
    db = Database(settings.database_url, pool_size=1)

    def work(session: Any) -> None:
        for record in (answered, *abandoned):
            ingest_record(session, record, settings, now)
        link = session.exec(select(CallLink).where(CallLink.linkedid == fx.linkedid)).one()
        # What recordings.transcribe.PostCallTranscriber stores after the call.
        link.transcript, link.transcript_status = p.text("call transcript"), "done"
        session.add(link)

    try:
        await db.run(work)
    finally:
        db.dispose()


def live_views(p: Person, linkedid: str) -> tuple[CallView, SeatView, QueueView, RingMissView]:
    """The citizen's call in progress on LIVE_SEAT as the AMI role writes it (callflow.store)."""
    now = datetime.now(UTC)
    call = CallView(
        linkedid=linkedid,
        caller=p.mobile,
        caller_name=p.name,
        channel="PJSIP/world-00000003",
        started_at=now - timedelta(seconds=40),
        queue="q-general",
        answered_at=now - timedelta(seconds=20),
        seat=LIVE_SEAT,
        state="talking",
        seat_channel=f"PJSIP/{LIVE_SEAT}-00000004",
        ivr=IvrResult(queue="q-general", transcript=p.text("live ivr transcript"), dtmf=p.mobile),
    )
    seat = SeatView(
        ext=LIVE_SEAT, name="话务员1001", state="talking", since=now, linkedid=linkedid, caller=p.mobile
    )
    queue = QueueView(
        name="q-general",
        title="综合",
        members=[LIVE_SEAT],
        waiting=[WaitingCaller(linkedid="1795326409.5", caller=p.mobile, joined_at=now)],
    )
    miss = RingMissView(
        seat="1002", queue="q-general", linkedid=linkedid, caller=p.mobile, ring_ms=15000, at=now, paused=True
    )
    return call, seat, queue, miss


async def _live(settings: Settings, redis: Redis, p: Person, fx: Fixtures) -> None:
    fx.live_linkedid = "1795326409.3"
    call, seat, queue, miss = live_views(p, fx.live_linkedid)
    k = Keys(settings.redis_prefix)
    await redis.hset(k.calls, fx.live_linkedid, call.model_dump_json())
    await redis.hset(k.seats, LIVE_SEAT, seat.model_dump_json())
    await redis.hset(k.queues, queue.name, queue.model_dump_json())
    await redis.rpush(k.misses(local_day(settings.timezone)), miss.model_dump_json())
    await redis.set(k.epoch, "1")


async def build(settings: Settings, redis: Redis, api: Client) -> Fixtures:
    fx = Fixtures()
    hidden = PEOPLE["hidden"]
    # A 投诉 against 东城区 (DOMAIN.md §9), which assists together with its street office.
    no = await _intake(api, hidden, TicketType.COMPLAINT.value, complained_unit_code=COMPLAINED_UNIT)
    await _work(api, hidden, no, [ASSIST_UNIT, COMPLAINED_UNIT, SUB_UNIT])
    fx.tickets["hidden"] = no
    opened = PEOPLE["open"]
    no = await _intake(api, opened, TicketType.HELP.value)
    await _work(api, opened, no, [ASSIST_UNIT, COMPLAINED_UNIT, SUB_UNIT])
    fx.tickets["open"] = no
    fx.tickets["closed"] = await _closed(api, PEOPLE["closed"])
    caller = PEOPLE["call"]
    await _calls(settings, caller, fx)
    # One missed call called back with a note (the other stays open): both lists carry the caller.
    r = await api.request("seat1001", "GET", "/api/callback-tasks")
    assert r.status_code == 200, r.text
    fx.callback_task = int(r.json()[0]["id"])
    await api.post(
        "seat1001", f"/api/callback-tasks/{fx.callback_task}/done", {"note": caller.text("callback")}
    )
    await api.post(
        "supervisor", "/api/watchlist", {"phone": caller.mobile, "reason": caller.text("watch")[:200]}
    )
    await _live(settings, redis, caller, fx)
    return fx


def live_deltas(settings: Settings, fx: Fixtures) -> list[tuple[str, str, str]]:
    """(channel, op, JSON data) the AMI role publishes while the call goes on (callflow.notifier)."""
    call, seat, queue, miss = live_views(PEOPLE["call"], fx.live_linkedid)
    prefix = settings.redis_prefix
    out: list[tuple[str, str, str]] = []
    for target in ("wallboard", f"desk:{LIVE_SEAT}"):
        out.append((channel(prefix, target), "call", call.model_dump_json()))
        out.append((channel(prefix, target), "seat", seat.model_dump_json()))
    out.append((channel(prefix, "wallboard"), "queue", queue.model_dump_json()))
    out.append((channel(prefix, "wallboard"), "ring_miss", miss.model_dump_json()))
    # The notifier's alerts name the caller too (callflow.notifier: watch list, emergency, long wait).
    watch = {
        "kind": "watch_caller",
        "linkedid": fx.live_linkedid,
        "caller": PEOPLE["call"].mobile,
        "queue": "q-watch",
    }
    out.append((channel(prefix, "wallboard"), "alert", json.dumps(watch)))
    return out


async def publish_raw(redis: Redis, name: str, op: str, data_json: str) -> None:
    await redis.publish(name, f'{{"op":{json.dumps(op)},"data":{data_json}}}')


def sentinel_channels(settings: Settings, topics: list[str]) -> list[str]:
    """The Redis channel of each hub topic (agent_desk.ws.wiring.route_notifier, inverted)."""
    prefix = settings.redis_prefix
    out = []
    for topic in topics:
        if topic.startswith(UNIT_PREFIX):
            out.append(unit_channel(prefix, topic[len(UNIT_PREFIX) :]))
        elif topic.startswith(SEAT_PREFIX):
            out.append(channel(prefix, "desk:" + topic[len(SEAT_PREFIX) :]))
        else:
            out.append(channel(prefix, topic))
    return out
