"""The AMI wire format (Asterisk 22 manager protocol: `Key: Value` lines ending in CRLF, a blank
line ending a message) at the edges mutation testing found unchecked."""

from __future__ import annotations

import pytest

from callflow.ami.protocol import (
    MAX_MESSAGE_BYTES,
    AmiParser,
    Message,
    encode_action,
    event_name,
    parse_block,
)

AGENT_CALLED = (
    b"Event: AgentCalled\r\nPrivilege: agent,all\r\nChannel: PJSIP/world-00000002\r\n"
    b"Queue: q-general\r\nInterface: PJSIP/1001\r\nMemberName: seat1001\r\n"
    b"Uniqueid: 1795326409.2\r\nLinkedid: 1795326409.2"
)


def test_a_message_built_from_fields_reads_like_a_parsed_one() -> None:
    parsed = parse_block(AGENT_CALLED)
    assert parsed is not None
    built = Message(dict(parsed.fields))
    assert built.name == parsed.name == "AgentCalled"
    assert built.response is None and parsed.response is None
    for key in ("Queue", "Interface", "Linkedid"):
        assert built.get(key) == parsed.get(key)
        assert built.has(key) and parsed.has(key)
    assert not built.has("Missing") and not parsed.has("Missing")
    assert built.get("Missing", "d") == parsed.get("Missing", "d") == "d"
    response = Message({"Response": "Error", "ActionID": "a-9", "Message": "Permission denied"})
    assert response.name is None and response.response == "Error" and response.action_id == "a-9"


def test_every_field_is_found_on_demand_as_in_the_full_parse() -> None:
    message = parse_block(AGENT_CALLED)
    assert message is not None
    fields = message.fields
    assert list(fields) == [
        "Event",
        "Privilege",
        "Channel",
        "Queue",
        "Interface",
        "MemberName",
        "Uniqueid",
        "Linkedid",
    ]
    assert fields["Linkedid"] == "1795326409.2"  # the last line has no CRLF after it
    fresh = parse_block(AGENT_CALLED)
    assert fresh is not None
    for key, value in fields.items():
        assert fresh.get(key) == value


def test_a_key_is_never_found_inside_another_key_or_a_value() -> None:
    message = parse_block(b"Event: VarSet\r\nChannelStateDesc: Up\r\nValue: Channel: fake\r\nActionID: 7")
    assert message is not None
    assert not message.has("Channel") and message.get("Channel") == ""
    assert not message.has("ID") and message.get("StateDesc") == ""
    assert message.get("Value") == "Channel: fake"  # a colon inside a value stays in the value
    assert message.fields["Value"] == "Channel: fake"


def test_present_but_empty_fields_exist() -> None:
    message = parse_block(b"Event: Newexten\r\nAppData: \r\nExten:")
    assert message is not None
    assert message.has("AppData") and message.get("AppData", "d") == ""
    assert message.has("Exten") and message.get("Exten", "d") == ""
    assert message.fields["AppData"] == "" and message.fields["Exten"] == ""


def test_the_full_parse_keeps_the_first_of_a_repeated_key_and_trims_keys() -> None:
    message = parse_block(b"Event: X\r\nVariable: A=1\r\nVariable: B=2\r\n Padded :v\r\n: nokey\r\njunk")
    assert message is not None
    assert message.get("Variable") == "A=1"
    fields = message.fields
    assert fields["Variable"] == "A=1"
    assert fields["Padded"] == "v"
    assert "" not in fields and "junk" not in fields
    assert set(fields) == {"Event", "Variable", "Padded"}


def test_a_missing_space_after_the_colon_is_read_from_the_right_place() -> None:
    message = parse_block(b"Event:Hangup\r\nCause:16\r\nCause-txt:Normal Clearing")
    assert message is not None
    assert message.name == "Hangup"
    assert message.get("Cause") == "16" and message.int("Cause") == 16
    assert message.get("Cause-txt") == "Normal Clearing"


def test_integer_fields() -> None:
    message = parse_block(b"Event: X\r\nA: -5\r\nB: 2.9\r\nC: 1e3\r\nD: 12abc\r\nE: 0")
    assert message is not None
    assert message.int("A") == -5
    assert message.int("B") == 2  # seconds with a fraction count the whole seconds
    assert message.int("C") == 1000
    assert message.int("D", 4) == 4
    assert message.int("E", 4) == 0  # a real zero is not "missing"


def test_a_block_that_is_neither_event_nor_response_is_refused() -> None:
    assert parse_block(b"Message: hello\r\nActionID: 1") is None
    assert parse_block(b"Event: \r\nResponse: ") is None
    only_response = parse_block(b"Event: \r\nResponse: Success")
    assert only_response is not None and only_response.name is None and only_response.response == "Success"


def test_repr_names_the_event_or_the_response() -> None:
    event = parse_block(b"Event: Hangup\r\nCause: 16")
    response = parse_block(b"Response: Success\r\nActionID: 1")
    assert repr(event) == "<Message Event=Hangup>"
    assert repr(response) == "<Message Response=Success>"


def test_event_name_reads_only_the_first_line() -> None:
    assert event_name(b"Event: VarSet\r\nVariable: X") == b"VarSet"
    assert event_name(b"Event: FullyBooted") == b"FullyBooted"
    assert event_name(b"Response: Success\r\nEvent: X") is None
    assert event_name(b"Privilege: all\r\nEvent: X") is None


def test_the_buffer_limit_is_the_limit() -> None:
    parser = AmiParser()
    parser.feed(b"x" * MAX_MESSAGE_BYTES)
    assert parser.overflows == 0 and parser.pending_bytes == MAX_MESSAGE_BYTES
    parser = AmiParser()
    parser.feed(b"x" * (MAX_MESSAGE_BYTES + 1))
    assert parser.overflows == 1 and parser.pending_bytes == 0
    assert MAX_MESSAGE_BYTES == 1 << 20


def test_blank_lines_between_messages_are_skipped_not_counted() -> None:
    parser = AmiParser()
    out = parser.feed(b"\r\n\r\nEvent: A\r\n\r\n\r\n\r\n\r\nEvent: B\r\n\r\n")
    assert out == [b"Event: A", b"Event: B"]
    messages = parser.feed_messages(b"\r\n\r\n\r\nEvent: C\r\nK: v\r\n\r\n")
    assert [m.name for m in messages] == ["C"] and parser.malformed == 0


def test_feeding_nothing_keeps_what_is_pending() -> None:
    parser = AmiParser()
    assert parser.feed(b"Event: A\r\nK: v") == []
    assert parser.feed(b"") == []
    assert parser.pending_bytes == len(b"Event: A\r\nK: v")
    assert parser.feed(b"\r\n\r\n") == [b"Event: A\r\nK: v"]


def test_an_action_is_exactly_lines_then_a_blank_line() -> None:
    raw = encode_action({"Action": "QueuePause", "Interface": "PJSIP/1003", "Paused": "true", "Variable": []})
    assert raw == b"Action: QueuePause\r\nInterface: PJSIP/1003\r\nPaused: true\r\n\r\n"
    injected = encode_action({"Action": "Setvar", "Value": "a\nAction: Hangup", "Other": ["b\rc"]})
    assert injected == b"Action: Setvar\r\nValue: a Action: Hangup\r\nOther: b c\r\n\r\n"
    assert encode_action({"CallerID": "市民"}) == "CallerID: 市民\r\n\r\n".encode()


@pytest.mark.parametrize("value", ["", "x"])
def test_an_empty_string_value_is_one_header_not_a_list(value: str) -> None:
    assert encode_action({"Action": value}) == f"Action: {value}\r\n\r\n".encode()


def test_a_value_with_colons_after_a_missing_space_is_kept_whole() -> None:
    message = parse_block(b"Event: X\r\nTime:12:30:05\r\nVariable:A=1\r\nVariable:B=2")
    assert message is not None
    assert message.get("Time") == "12:30:05"
    assert message.get("Variable") == "A=1"  # the first of a repeated key, as in the full parse
    assert message.fields["Time"] == "12:30:05" and message.fields["Variable"] == "A=1"


def test_an_empty_message_reads_as_nothing() -> None:
    message = Message()
    assert (message.name, message.response, message.action_id) == (None, None, None)
    assert message.get("Event") == "" and not message.has("Event") and message.fields == {}
    assert AmiParser().pending_bytes == 0


def test_a_message_is_an_event_or_a_response_never_both() -> None:
    message = parse_block(b"Event: OriginateResponse\r\nResponse: Failure\r\nActionID: o-1")
    assert message is not None
    assert (message.name, message.response) == ("OriginateResponse", None)
    assert message.get("Response") == "Failure"  # still readable as a field


def test_damaged_blocks_are_counted_every_time_not_read() -> None:
    parser = AmiParser()
    # Only CR/LF between messages is an extra blank line; anything else before the first header
    # is damage the parser does not guess at.
    data = b"XEvent: A\r\n\r\n \tEvent: B\r\n\r\n  \r\n\r\nXX\r\n\r\nEvent: C\r\n\r\n"
    assert [m.name for m in parser.feed_messages(data)] == ["C"]
    assert parser.malformed == 4
    parser.feed(b"x" * (MAX_MESSAGE_BYTES + 1))
    parser.feed(b"y" * (MAX_MESSAGE_BYTES + 1))
    assert parser.overflows == 2
