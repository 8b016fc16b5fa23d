"""Typed builders for the AMI actions call control sends (Asterisk 22 manager actions).

Names of contexts, extensions and channel variables come from `core.dialplan`, the module the
dialplan renderer uses too, so the backend and Asterisk cannot disagree.
"""

from __future__ import annotations

from core.softswitch import Route

Action = dict[str, str | list[str]]

HOTLINE_CALLER_ID = '"12345" <12345>'


def caller_id(number: str) -> str:
    return f'"{number}" <{number}>'


def seat_interface(ext: str) -> str:
    return f"PJSIP/{ext}"


def seat_member_name(ext: str) -> str:
    return f"坐席{ext}"


def route_dial(route: Route, number: str) -> str:
    """The PJSIP dial string of a number through an outbound route of the softswitch settings
    (the same form the dialplan renderer writes for the routes it dials)."""
    return f"PJSIP/{route.prefix}{number}@{route.trunk}"


def _vars(values: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in values.items()]


def login_events_on() -> Action:
    return {"Action": "Events", "EventMask": "on"}


def event_filter(pattern: str) -> Action:
    # Legacy regex whitelist filters: understood by every Asterisk since 10, including 22.
    return {"Action": "Filter", "Operation": "Add", "Filter": pattern}


def ping() -> Action:
    return {"Action": "Ping"}


def queue_status() -> Action:
    return {"Action": "QueueStatus"}


def core_show_channels() -> Action:
    return {"Action": "CoreShowChannels"}


def queue_add(queue: str, ext: str, *, paused: bool = False, penalty: int = 0) -> Action:
    return {
        "Action": "QueueAdd",
        "Queue": queue,
        "Interface": seat_interface(ext),
        "MemberName": seat_member_name(ext),
        "StateInterface": seat_interface(ext),
        "Paused": "true" if paused else "false",
        "Penalty": str(penalty),
    }


def queue_remove(queue: str, ext: str) -> Action:
    return {"Action": "QueueRemove", "Queue": queue, "Interface": seat_interface(ext)}


def queue_pause(ext: str, paused: bool, reason: str = "", queue: str | None = None) -> Action:
    """Without `queue` Asterisk pauses the member in every queue it belongs to."""
    action: Action = {
        "Action": "QueuePause",
        "Interface": seat_interface(ext),
        "Paused": "true" if paused else "false",
    }
    if queue:
        action["Queue"] = queue
    if reason:
        action["Reason"] = reason
    return action


def setvar(channel: str, variable: str, value: str) -> Action:
    return {"Action": "Setvar", "Channel": channel, "Variable": variable, "Value": value}


def redirect(
    channel: str,
    context: str,
    exten: str,
    extra_channel: str | None = None,
    *,
    extra_context: str | None = None,
) -> Action:
    """Both channels leave their bridge together; `extra_context` sends the second elsewhere."""
    action: Action = {
        "Action": "Redirect",
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": "1",
    }
    if extra_channel:
        action.update(
            {
                "ExtraChannel": extra_channel,
                "ExtraContext": extra_context or context,
                "ExtraExten": exten,
                "ExtraPriority": "1",
            }
        )
    return action


def bridge(channel1: str, channel2: str) -> Action:
    """AMI Bridge: "Bridge two channels already in the PBX" (no courtesy tone)."""
    return {"Action": "Bridge", "Channel1": channel1, "Channel2": channel2, "Tone": "no"}


def originate(
    channel: str,
    context: str,
    exten: str,
    variables: dict[str, str],
    *,
    caller_id: str = HOTLINE_CALLER_ID,
    timeout_ms: int = 30_000,
) -> Action:
    # Async: the outcome (answered / busy / no answer) arrives later as OriginateResponse.
    return {
        "Action": "Originate",
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "CallerID": caller_id,
        "Async": "true",
        "Timeout": str(timeout_ms),
        "Variable": _vars(variables),
    }


def hangup(channel: str) -> Action:
    return {"Action": "Hangup", "Channel": channel}


# OriginateResponse `Reason` values are Asterisk control frames (AST_CONTROL_*).
ORIGINATE_ANSWERED = 4
ORIGINATE_BUSY = 5
ORIGINATE_RINGING = 3  # still ringing when the originate timed out: no answer
