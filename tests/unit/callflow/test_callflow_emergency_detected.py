"""A citizen's call re-routed to an emergency line by anyone (another AMI client's Redirect, our
own command) leaves a transfer, a referral and an alert, recognised from the events themselves
and rebuilt at resync (DOMAIN.md §3). Streams are captured messages with only values changed."""

from __future__ import annotations

from pathlib import Path

from callflow import transfers
from callflow.ami.protocol import AmiParser, Message
from callflow.live import Call, LiveState
from callflow.resync import apply_channels
from core.settings import Settings
from core.softswitch import SoftswitchSettings
from tests.unit.callflow.streams import captured, citizen_dial, feed, referrals, talking_call


def to_110(raw: str) -> str:
    return raw.replace("DialString: 119@world", "DialString: 110@world")


def alerts(state: LiveState, kind: str) -> list[dict[str, object]]:
    return [d for _t, op, d in state.drain().deltas if op == "alert" and d["kind"] == kind]


def test_a_redirect_by_another_client_is_recorded_from_its_dial(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    state.drain()
    begin, end = citizen_dial(captures, call, "ANSWER")
    feed(state, to_110(begin))
    assert [(t.kind, t.target, t.outcome, t.seat) for t in call.transfers] == [
        ("emergency_blind", "110", "pending", "1001")
    ]
    assert [(a["target"], a["source"], a["linkedid"]) for a in alerts(state, "emergency")] == [
        ("110", "events", call.linkedid)
    ]
    feed(state, end)
    assert call.transfers[0].outcome == "answered"
    (ref,) = referrals(state)
    assert (ref.target, ref.source, ref.seat, ref.reason, ref.outcome) == (
        "110",
        "seat",
        "1001",
        transfers.DETECTED_REASON,
        "answered",
    )


def test_our_own_redirect_seen_first_is_one_transfer(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    begin, end = citizen_dial(captures, call, "ANSWER")
    feed(state, to_110(begin))  # the Dial began before the Redirect's reply was handled
    transfers.blind_sent(state, call, "110", "市民报警", "1001")
    feed(state, end)
    assert [(t.target, t.outcome) for t in call.transfers] == [("110", "answered")]
    (ref,) = referrals(state)
    assert (ref.reason, ref.outcome) == ("市民报警", "answered")


def test_a_dial_to_another_number_is_no_emergency(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    begin, end = citizen_dial(captures, call, "ANSWER")
    feed(state, begin.replace("DialString: 119@world", "DialString: 2001@world"))
    feed(state, end)
    assert call.transfers == [] and referrals(state) == []


def test_busy_primary_then_answered_alternative(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    begin, end = citizen_dial(captures, call, "BUSY")
    feed(state, to_110(begin))
    feed(state, end)
    assert call.transfers[0].outcome == "busy"
    feed(state, to_110(begin))
    feed(state, end.replace("DialStatus: BUSY", "DialStatus: ANSWER"))
    assert [(t.target, t.outcome) for t in call.transfers] == [("110", "answered")]
    assert [r.outcome for r in referrals(state)] == ["busy", "answered"]


def _channels(captures: Path, call: Call, bridge: bool) -> list[Message]:
    """resync_queries' CoreShowChannel list, its talking citizen moved onto `call` and into the
    emergency context dialling 110, and its waiting citizen made the trunk leg it dials."""
    items = []
    for raw in captured(captures, "resync_queries", "CoreShowChannel"):
        if "Channel: PJSIP/world-00000011" in raw:
            raw = raw.replace("PJSIP/world-00000011", call.channel).replace("1795326627.19", call.uniqueid)
            raw = raw.replace("Context: from-trunk", "Context: hotline-emergency")
            raw = raw.replace("Exten: 12345", "Exten: 110")
            raw = raw.replace("Application: Queue", "Application: Dial")
            raw = raw.replace("ApplicationData: q-general,t,,,300", "ApplicationData: PJSIP/110@world,60")
            if not bridge:
                raw = raw.replace("BridgeId: 800e151a-8acd-4d4d-9c2d-e7f0647a8438", "BridgeId: ")
        elif "Channel: PJSIP/world-00000013" in raw:
            raw = raw.replace("PJSIP/world-00000013", "PJSIP/world-000000ff")
            raw = raw.replace("Uniqueid: 1795326628.21", "Uniqueid: 1795326409.99")
            raw = raw.replace("Linkedid: 1795326628.21", f"Linkedid: {call.linkedid}")
        else:
            continue
        items.extend(AmiParser().feed_messages(raw.encode()))
    assert len(items) == 2
    return items


def test_resync_rebuilds_an_answered_emergency_dial(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    apply_channels(state, Message(), _channels(captures, call, bridge=True))
    assert [(t.kind, t.target, t.outcome) for t in call.transfers] == [("emergency_blind", "110", "answered")]
    assert [(r.target, r.outcome) for r in referrals(state)] == [("110", "answered")]


def test_resync_rebuilds_a_pending_emergency_dial_settled_by_its_dial_end(
    captures: Path, settings: Settings
) -> None:
    state, call = talking_call(captures, settings)
    apply_channels(state, Message(), _channels(captures, call, bridge=False))
    assert [(t.target, t.outcome) for t in call.transfers] == [("110", "pending")]
    (_begin, end) = citizen_dial(captures, call, "NOANSWER")
    feed(state, end.replace("DestUniqueid: 1795326509.7", "DestUniqueid: 1795326409.99"))
    assert [(t.target, t.outcome) for t in call.transfers] == [("110", "no_answer")]
    assert [(r.target, r.outcome) for r in referrals(state)] == [("110", "no_answer")]


def test_dial_strings_are_read_through_the_routes_of_the_settings(settings: Settings) -> None:
    softswitch = SoftswitchSettings.model_validate(
        {
            "trunks": [{"name": "cn-unicom", "host": "10.0.0.1"}, {"name": "cn-telecom", "host": "10.0.0.2"}],
            "unit_route": {"trunk": "cn-unicom", "prefix": "9"},
            "citizen_route": {"trunk": "cn-unicom"},
            "emergency": {
                "primary": {"trunk": "cn-unicom", "prefix": "9"},
                "alternative": {"trunk": "cn-telecom"},
            },
        }
    )
    state = LiveState(settings.model_copy(update={"softswitch": softswitch}))
    assert transfers.emergency_dialed(state, "9119@cn-unicom") == "119"
    assert transfers.emergency_dialed(state, "PJSIP/110@cn-telecom") == "110"
    assert transfers.emergency_dialed(state, "119@cn-unicom") is None  # not what the route dials
    assert transfers.emergency_dialed(state, "92001@cn-unicom") is None
    assert transfers.dialed_number(state, "92001@cn-unicom") == "2001"
    assert state.is_trunk("PJSIP/cn-telecom-0000000a") and not state.is_trunk("PJSIP/world-0000000a")
    assert state.seat_of_channel("PJSIP/cn-unicom-00000001") is None
