"""Least-privilege AMI classes for the backend's manager user.

Asterisk 22 authorises an action when the user's write classes share at least one class with
the action's own (manager.c: `writeperm & authority`, or the action needs none), and sends an
event only to users whose read classes include the event's class. The tables below are the
classes Asterisk 22.10 registers each action and documents each event with
(`ast_manager_register_xml*` in main/manager.c, apps/app_queue.c, apps/app_mixmonitor.c,
apps/app_confbridge.c; `managerEventInstance class=` in the event documentation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations

# Every class name manager.conf understands (manager.c `perms[]`), in Asterisk's own order.
CLASSES: tuple[str, ...] = (
    "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
    "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message",
)

# Action -> the classes any one of which authorises it (empty: no class needed).
ACTION_CLASSES: Mapping[str, frozenset[str]] = {
    "Login": frozenset(),
    "Logoff": frozenset(),
    "Challenge": frozenset(),
    "Events": frozenset(),
    "Ping": frozenset(),
    "Filter": frozenset({"system"}),
    "QueueStatus": frozenset(),
    "QueueSummary": frozenset(),
    "QueueAdd": frozenset({"agent"}),
    "QueueRemove": frozenset({"agent"}),
    "QueuePause": frozenset({"agent"}),
    "QueuePenalty": frozenset({"agent"}),
    "QueueLog": frozenset({"agent"}),
    "CoreShowChannels": frozenset({"system", "reporting"}),
    "CoreStatus": frozenset({"system", "reporting"}),
    "Status": frozenset({"system", "call", "reporting"}),
    "Redirect": frozenset({"call"}),
    # main/features.c; `manager show command Bridge` on 22.10.1: Privilege call,all.
    "Bridge": frozenset({"call"}),
    "Originate": frozenset({"originate"}),
    "Hangup": frozenset({"system", "call"}),
    "Setvar": frozenset({"call"}),
    "Getvar": frozenset({"call", "reporting"}),
    "MixMonitor": frozenset({"system"}),
    "StopMixMonitor": frozenset({"system", "call"}),
    "MixMonitorMute": frozenset({"system", "call"}),
    "ConfbridgeList": frozenset({"reporting"}),
    "ConfbridgeListRooms": frozenset({"reporting"}),
    "ConfbridgeKick": frozenset({"call"}),
    "PJSIPShowContacts": frozenset({"system"}),
}

# What call control (callflow/) sends: the brief of issue 5 and callflow/ami/actions.py.
BACKEND_ACTIONS: tuple[str, ...] = (
    "Login", "Events", "Filter", "Ping", "QueueStatus", "QueueSummary", "CoreShowChannels", "Status",
    "QueueAdd", "QueueRemove", "QueuePause", "Redirect", "Bridge", "Originate", "Hangup", "Setvar", "Getvar",
    "MixMonitor", "StopMixMonitor", "ConfbridgeList", "ConfbridgeKick",
)

# Event -> its class, for the events the backend consumes (the captures' event names).
EVENT_CLASSES: Mapping[str, str] = {
    "FullyBooted": "system",
    "Reload": "system",
    "Shutdown": "system",
    "Newchannel": "call",
    "Newstate": "call",
    "Hangup": "call",
    "HangupRequest": "call",
    "SoftHangupRequest": "call",
    "NewCallerid": "call",
    "NewConnectedLine": "call",
    "DialBegin": "call",
    "DialEnd": "call",
    "BridgeCreate": "call",
    "BridgeEnter": "call",
    "BridgeLeave": "call",
    "BridgeDestroy": "call",
    "OriginateResponse": "call",
    "MixMonitorStart": "call",
    "MixMonitorStop": "call",
    "ChanSpyStart": "call",
    "ChanSpyStop": "call",
    "ConfbridgeStart": "call",
    "ConfbridgeJoin": "call",
    "ConfbridgeLeave": "call",
    "ConfbridgeEnd": "call",
    "DeviceStateChange": "call",
    "MusicOnHoldStart": "call",
    "MusicOnHoldStop": "call",
    "AgentCalled": "agent",
    "AgentConnect": "agent",
    "AgentComplete": "agent",
    "AgentRingNoAnswer": "agent",
    "AgentDump": "agent",
    "QueueCallerJoin": "agent",
    "QueueCallerLeave": "agent",
    "QueueCallerAbandon": "agent",
    "QueueMemberAdded": "agent",
    "QueueMemberRemoved": "agent",
    "QueueMemberPause": "agent",
    "QueueMemberStatus": "agent",
    "VarSet": "dialplan",
    "Newexten": "dialplan",
    "Cdr": "cdr",
    # Noise the backend does not need: listed so the test can show they stay out.
    "RTCPSent": "reporting",
    "RTCPReceived": "reporting",
    "AGIExecStart": "agi",
    "AGIExecEnd": "agi",
    "DTMFBegin": "dtmf",
    "DTMFEnd": "dtmf",
    "SuccessfulAuth": "security",
}

# What the backend listens to: queue and seat state, calls, IVR results (VarSet of HOTLINE_*,
# AGISTATUS, MIXMONITOR_FILENAME), CDRs to reconcile records, and Asterisk restarts.
BACKEND_EVENTS: tuple[str, ...] = (
    "FullyBooted", "Reload", "Shutdown",
    "Newchannel", "Newstate", "Hangup", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave",
    "OriginateResponse", "MixMonitorStart", "MixMonitorStop", "ChanSpyStart", "ChanSpyStop",
    "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeEnd", "DeviceStateChange",
    "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "AgentDump",
    "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
    "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus",
    "VarSet", "Newexten", "Cdr",
)


class UnknownAction(KeyError):
    """An action whose class this module does not know: look it up before granting anything."""


def write_classes(actions: Iterable[str] = BACKEND_ACTIONS) -> tuple[str, ...]:
    """The smallest set of write classes that authorises every action (ties: Asterisk's order)."""
    needs: list[frozenset[str]] = []
    for action in actions:
        if action not in ACTION_CLASSES:
            raise UnknownAction(action)
        if ACTION_CLASSES[action]:
            needs.append(ACTION_CLASSES[action])
    candidates = sorted({c for need in needs for c in need}, key=CLASSES.index)
    for size in range(len(candidates) + 1):
        for chosen in combinations(candidates, size):
            if all(need & set(chosen) for need in needs):
                return tuple(chosen)
    raise AssertionError("unreachable: all candidate classes together cover every action")


def read_classes(events: Iterable[str] = BACKEND_EVENTS) -> tuple[str, ...]:
    """Exactly the classes of the events the backend consumes."""
    wanted: set[str] = set()
    for event in events:
        if event not in EVENT_CLASSES:
            raise KeyError(f"event {event!r} has no known class")
        wanted.add(EVENT_CLASSES[event])
    return tuple(c for c in CLASSES if c in wanted)


def authorised(action: str, granted: Iterable[str]) -> bool:
    """Whether a user with these write classes may send the action (Asterisk 22's rule)."""
    needed = ACTION_CLASSES[action]
    return not needed or bool(needed & set(granted))


def receives(event: str, granted: Iterable[str]) -> bool:
    return EVENT_CLASSES[event] in set(granted)
