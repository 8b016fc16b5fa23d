"""The AMI parser and dispatcher survive anything on the wire."""

from __future__ import annotations

import pytest

from callflow.ami.dispatcher import Dispatcher
from callflow.ami.protocol import MAX_MESSAGE_BYTES, AmiParser, Message, encode_action, parse_block

JOIN = (
    "Event: QueueCallerJoin\r\nChannel: PJSIP/world-00000000\r\nCallerIDNum: 13800000001\r\n"
    "CallerIDName: 市民\r\nUniqueid: 1795326409.0\r\nQueue: q-general\r\nPosition: 1\r\n\r\n"
).encode()
LEAVE = b"Event: QueueCallerLeave\r\nQueue: q-general\r\nUniqueid: 1795326409.0\r\n\r\n"
RESPONSE = b"Response: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n"


def test_many_messages_in_one_read() -> None:
    messages = AmiParser().feed_messages(JOIN + LEAVE + RESPONSE)
    assert [m.name or m.response for m in messages] == ["QueueCallerJoin", "QueueCallerLeave", "Success"]
    assert messages[0].get("CallerIDName") == "市民"
    assert messages[2].action_id == "a-1"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_message_split_across_reads_even_inside_utf8(size: int) -> None:
    parser = AmiParser()
    data = JOIN + LEAVE
    out: list[Message] = []
    for i in range(0, len(data), size):
        out.extend(parser.feed_messages(data[i : i + size]))
    assert [m.name for m in out] == ["QueueCallerJoin", "QueueCallerLeave"]
    assert out[0].get("CallerIDName") == "市民"
    assert parser.pending_bytes == 0


def test_non_utf8_bytes_are_replaced_not_fatal() -> None:
    raw = b"Event: Newchannel\r\nCallerIDName: \xff\xfe\xe5\r\nUniqueid: 1.2\r\n\r\n"
    (message,) = AmiParser().feed_messages(raw)
    assert message.name == "Newchannel" and message.get("Uniqueid") == "1.2"
    assert "\ufffd" in message.get("CallerIDName")


def test_garbage_and_stray_lines() -> None:
    parser = AmiParser()
    data = (
        b"complete garbage\r\nno colon here\r\n\r\n"
        + b"\r\n\r\n"
        + b"Event: X\r\nbroken line\r\nKey:v\r\n\r\n"
    )
    messages = parser.feed_messages(data)
    assert parser.malformed == 1
    (message,) = messages
    assert message.name == "X" and message.get("Key") == "v"  # a missing space after the colon is tolerated


def test_banner_prefix_does_not_hide_the_first_message() -> None:
    (message,) = AmiParser().feed_messages(b"Asterisk Call Manager/11.0.0\r\n" + RESPONSE)
    assert message.response == "Success"


def test_truncated_message_waits_and_overflow_is_dropped() -> None:
    parser = AmiParser()
    assert parser.feed_messages(JOIN[:40]) == []
    assert parser.pending_bytes == 40
    assert [m.name for m in parser.feed_messages(JOIN[40:])] == ["QueueCallerJoin"]
    # A peer that never terminates a message cannot grow the buffer without bound.
    parser.feed(b"Event: Flood\r\nData: " + b"x" * (MAX_MESSAGE_BYTES + 10))
    assert parser.overflows == 1 and parser.pending_bytes == 0
    assert [m.name for m in parser.feed_messages(LEAVE)] == ["QueueCallerLeave"]


def test_missing_and_malformed_fields() -> None:
    message = parse_block(b"Event: AgentConnect\r\nHoldTime: \r\nRingTime: 2.0\r\nTalkTime: abc")
    assert message is not None
    assert message.int("HoldTime", 7) == 7
    assert message.int("RingTime") == 2
    assert message.int("TalkTime") == 0
    assert message.int("Missing", -1) == -1
    assert message.get("Missing") == ""


def test_encode_action_repeats_lists_and_blocks_header_injection() -> None:
    raw = encode_action(
        {"Action": "Originate", "Variable": ["A=1", "B=2"], "CallerID": "x\r\nAction: Hangup"}
    )
    assert raw.endswith(b"\r\n\r\n")
    lines = raw.decode().split("\r\n")
    assert lines.count("Variable: A=1") == 1 and lines.count("Variable: B=2") == 1
    assert "Action: Hangup" not in lines


def test_dispatcher_survives_a_raising_handler() -> None:
    dispatcher = Dispatcher()
    seen: list[str] = []

    def boom(message: Message) -> None:
        raise RuntimeError("handler bug")

    dispatcher.on("QueueCallerJoin", boom)
    dispatcher.on("QueueCallerJoin", lambda m: seen.append(m.get("Queue")))
    dispatcher.on("QueueCallerLeave", lambda m: seen.append(m.name or ""))
    for block in AmiParser().feed(JOIN + LEAVE + b"Event: RTCPSent\r\nX: y\r\n\r\n"):
        dispatcher.dispatch_raw(block)
    assert seen == ["q-general", "QueueCallerLeave"]
    assert dispatcher.stats.handler_errors == 1
    assert dispatcher.stats.skipped == 1  # unknown event, skipped without parsing
    assert dispatcher.stats.dispatched == 2


def test_dispatcher_prefilters_varset_on_raw_bytes() -> None:
    dispatcher = Dispatcher()
    got: list[str] = []
    dispatcher.on("VarSet", lambda m: got.append(m.get("Variable")), only_if=(b"Variable: HOTLINE_",))
    dispatcher.dispatch_raw(b"Event: VarSet\r\nVariable: RTPAUDIOQOS\r\nValue: x")
    dispatcher.dispatch_raw(b"Event: VarSet\r\nVariable: HOTLINE_QUEUE\r\nValue: q-general")
    assert got == ["HOTLINE_QUEUE"]
    assert dispatcher.variable_filters() == (b"Variable: HOTLINE_",)
