"""Client frames are validated strictly; every refusal says why."""

from __future__ import annotations

import json

import pytest

from agent_desk.ws.protocol import (
    MAX_FRAME_CHARS,
    CommandMessage,
    ProtocolError,
    SubscribeMessage,
    decode_client,
    encode,
    parse_data,
    parse_version,
)


def test_a_valid_frame() -> None:
    frame = decode_client('{"op": "subscribe", "data": {"topic": "wallboard", "seq": 3, "epoch": "e"}}')
    msg = parse_data(SubscribeMessage, frame)
    assert (msg.topic, msg.seq, msg.epoch) == ("wallboard", 3, "e")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("nope", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"data": {}}', "needs 'op'"),
        ('{"op": "x", "data": []}', "needs 'op'"),
        ('{"op": "shout", "data": {}}', "unknown op"),
        ("x" * (MAX_FRAME_CHARS + 1), "too large"),
    ],
)
def test_bad_frames_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_client(raw)


def test_bad_fields_name_the_field() -> None:
    frame = decode_client(json.dumps({"op": "subscribe", "data": {"topic": "wallboard", "seq": -1}}))
    with pytest.raises(ProtocolError, match="subscribe: seq"):
        parse_data(SubscribeMessage, frame)
    frame = decode_client(json.dumps({"op": "command", "data": {"id": "1"}}))
    with pytest.raises(ProtocolError, match="command: name"):
        parse_data(CommandMessage, frame)


def test_versions() -> None:
    assert parse_version(None) == 1
    assert parse_version("1") == 1
    for bad in ("2", "x"):
        with pytest.raises(ProtocolError):
            parse_version(bad)


def test_encode_keeps_chinese_readable() -> None:
    assert encode("pong", {"t": "坐席"}) == '{"op":"pong","data":{"t":"坐席"}}'
