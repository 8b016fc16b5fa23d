"""The AGI wire format, checked against every line of the recorded captures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr.agi import AgiProtocolError, parse_environment, parse_reply, quote


def _recv_lines(captures: Path) -> tuple[list[str], list[str]]:
    envs: list[str] = []
    replies: list[str] = []
    for path in sorted(captures.glob("*/agi-*.jsonl")):
        entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        envs.append(entries[0]["raw"])
        replies += [ln for e in entries[1:] if e["dir"] == "recv" for ln in e["raw"].splitlines()]
    return envs, replies


def test_every_captured_reply_parses(captures: Path) -> None:
    envs, replies = _recv_lines(captures)
    assert len(envs) >= 20 and replies
    for line in replies:
        if line == "HANGUP":
            continue
        reply = parse_reply(line)
        assert reply.code in (200, 511), line


def test_every_captured_environment_parses(captures: Path) -> None:
    envs, _ = _recv_lines(captures)
    for block in envs:
        env = parse_environment(block)
        assert env.script in ("ivr", "survey")
        assert env.uniqueid and env.channel.startswith("PJSIP/")


@pytest.mark.parametrize(
    ("line", "code", "result", "data", "extra"),
    [
        ("200 result=1 (13800000001)", 200, "1", "13800000001", {}),
        ("200 result=0 endpos=3404", 200, "0", None, {"endpos": "3404"}),
        ("200 result=4216 (timeout) endpos=62327", 200, "4216", "timeout", {"endpos": "62327"}),
        ("200 result=-1 (hangup) endpos=20480", 200, "-1", "hangup", {"endpos": "20480"}),
        ("200 result= (timeout)", 200, "", "timeout", {}),
        ("200 result=1 (a (nested) value) endpos=1", 200, "1", "a (nested) value", {"endpos": "1"}),
        ("511 Command Not Permitted on a dead channel or intercept routine", 511, "", None, {}),
        ("510 Invalid or unknown command", 510, "", None, {}),
    ],
)
def test_parse_reply(line: str, code: int, result: str, data: str | None, extra: dict[str, str]) -> None:
    reply = parse_reply(line)
    assert (reply.code, reply.result, reply.data, dict(reply.extra)) == (
        code,
        result,
        data if code == 200 else reply.data,
        extra,
    )
    if code != 200:
        assert reply.data == line[4:]


@pytest.mark.parametrize("line", ["hello", "", "20 result=1", "200 nothing", "abc result=1"])
def test_malformed_replies_are_refused(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_reply(line)


def test_environment_without_script_is_refused() -> None:
    with pytest.raises(AgiProtocolError):
        parse_environment("agi_channel: PJSIP/x\nnot a line\n")


def test_environment_details() -> None:
    env = parse_environment(
        "agi_network_script: ivr?lang=zh\nagi_request: agi://h/ivr?lang=zh\nagi_callerid: unknown\n"
        "agi_dnid: 12315\nagi_arg_1: a\nagi_arg_2: b c\ngarbage line\n"
    )
    assert env.script == "ivr"
    assert env.callerid == ""
    assert env.dnid == "12315"
    assert env.arguments == ["a", "b c"]
    assert parse_environment("agi_request: agi://10.0.0.5:4573/hotline/survey\n").script == "survey"


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("q-general", "q-general"),
        ("", '""'),
        ("a b", '"a b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("紧急", "紧急"),
    ],
)
def test_quote(raw: str, quoted: str) -> None:
    assert quote(raw) == quoted
