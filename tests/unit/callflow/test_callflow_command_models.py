"""Desk commands are typed and validated before anything reaches Asterisk."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from callflow.commands import (
    CommandReply,
    EmergencyTransfer,
    HangupChannel,
    SeatLogin,
    command_adapter,
    parse_command,
)
from callflow.queuelog import from_queue_log


def test_commands_parse_by_type() -> None:
    cmd = command_adapter.validate_python({"type": "seat_login", "seat": "1001", "queues": ["q-general"]})
    assert isinstance(cmd, SeatLogin) and cmd.queues == ["q-general"] and cmd.paused is False
    cmd = command_adapter.validate_python(
        {"type": "emergency", "seat": "1001", "linkedid": "1.2", "target": "119", "reason": "着火"}
    )
    assert isinstance(cmd, EmergencyTransfer) and cmd.mode == "blind"


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "seat_login", "seat": "10 01"},
        {"type": "ready", "seat": "PJSIP/1001"},
        {"type": "not_ready", "seat": "1001", "reason": ""},
        {"type": "emergency", "seat": "1001", "linkedid": "1.2", "target": "999", "reason": "x"},
        {"type": "threeway", "seat": "1001", "linkedid": "1.2", "number": "2001\r\nAction: Hangup"},
        {"type": "spy", "supervisor": "1003", "seat": "1001", "mode": "record"},
        {"type": "survey_callback", "ticket_no": "T-1", "phone": "abc"},
        {"type": "launch_missiles"},
    ],
)
def test_bad_commands_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        command_adapter.validate_python(bad)


def test_hangup_channel_name_cannot_inject_headers() -> None:
    assert HangupChannel(channel="PJSIP/1001-00000009").channel == "PJSIP/1001-00000009"
    with pytest.raises(ValidationError):
        HangupChannel(channel="PJSIP/1001\r\nAction: Originate")


def test_reply_helpers() -> None:
    assert CommandReply.success("已签入", queues=["q"]).model_dump() == {
        "ok": True,
        "code": "ok",
        "message": "已签入",
        "data": {"queues": ["q"]},
    }
    fail = CommandReply.fail("timeout", "呼叫控制服务未响应")
    assert not fail.ok and fail.code == "timeout"


def test_queue_log_figures() -> None:
    lines = [
        "1|MANAGER|q|坐席1001|ADDMEMBER|",
        "2|c1|q|NONE|ENTERQUEUE||139|1",
        "3|c1|q|坐席1002|RINGNOANSWER|15000",
        "20|c1|q|坐席1001|CONNECT|18|c1b|3",
        "30|c1|q|坐席1001|COMPLETECALLER|18|10|1",
        "31|c2|q|NONE|ENTERQUEUE||138|1",
        "40|c2|q|NONE|ABANDON|1|1|25",
        "garbage line",
    ]
    f = from_queue_log(lines)["q"]
    assert (f.offered, f.answered, f.abandoned, f.answered_within_sl) == (2, 1, 1, 0)
    assert (f.talk_total_s, f.longest_wait_s, f.rings_missed, f.rings_answered_in_time) == (10, 25, 1, 1)
    assert f.misses_by_member == {"1002": 1} and f.answered_by_member == {"1001": 1}


LOCAL = frozenset({"96119", "110", "120", "122", "12395"})  # a city's own fire line and sea rescue


def test_emergency_targets_are_the_deployments_numbers() -> None:
    data = {"type": "emergency", "seat": "1001", "linkedid": "1.2", "target": "96119", "reason": "着火"}
    cmd = parse_command(data, LOCAL)
    assert isinstance(cmd, EmergencyTransfer) and cmd.target == "96119"
    assert parse_command({**data, "target": "12395"}, LOCAL).model_dump()["target"] == "12395"
    # 119 is not this deployment's fire line, and the defaults do not know 96119.
    with pytest.raises(ValidationError, match="119 不是本地紧急号码"):
        parse_command({**data, "target": "119"}, LOCAL)
    with pytest.raises(ValidationError):
        command_adapter.validate_python(data)
    with pytest.raises(ValidationError):
        parse_command(data, frozenset())
