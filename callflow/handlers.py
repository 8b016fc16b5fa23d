"""The handler table (Wazo style): which AMI event changes which part of the live state.

Only these events are asked for (event filters); everything else is skipped unparsed.
"""

from __future__ import annotations

from collections.abc import Callable

from callflow import calls, queues, rings, transfers
from callflow.ami.dispatcher import Dispatcher
from callflow.ami.protocol import Message
from callflow.live import LiveState

StateHandler = Callable[[LiveState, Message], None]

TABLE: tuple[tuple[str, StateHandler], ...] = (
    ("Newchannel", calls.on_newchannel),
    ("VarSet", calls.on_varset),
    ("DialBegin", calls.on_dial_begin),
    ("DialEnd", calls.on_dial_end),
    ("BridgeEnter", calls.on_bridge_enter),
    ("Hangup", calls.on_hangup),
    ("OriginateResponse", transfers.on_originate_response),
    ("QueueMemberAdded", queues.on_member_added),
    ("QueueMemberRemoved", queues.on_member_removed),
    ("QueueMemberPause", queues.on_member_changed),
    ("QueueMemberStatus", queues.on_member_changed),
    ("QueueCallerJoin", queues.on_caller_join),
    ("QueueCallerLeave", queues.on_caller_leave),
    ("QueueCallerAbandon", queues.on_caller_abandon),
    ("AgentCalled", queues.on_agent_called),
    ("AgentConnect", queues.on_agent_connect),
    ("AgentComplete", queues.on_agent_complete),
    ("AgentRingNoAnswer", rings.on_ring_no_answer),
)


def _bind(handler: StateHandler, state: LiveState) -> Callable[[Message], None]:
    def bound(message: Message) -> None:
        handler(state, message)

    bound.__qualname__ = handler.__qualname__
    return bound


def build_dispatcher(state: LiveState) -> Dispatcher:
    dispatcher = Dispatcher()
    for event, handler in TABLE:
        only_if = calls.VARIABLE_NEEDLES if event == "VarSet" else ()
        dispatcher.on(event, _bind(handler, state), only_if=only_if)
    return dispatcher


def event_filters(dispatcher: Dispatcher) -> list[str]:
    """Regex whitelist filters for the Filter action: our events, and only our VarSets."""
    patterns = [f"Event: {name}" for name in dispatcher.event_names if name != "VarSet"]
    patterns.append("Variable: (HOTLINE_|MIXMONITOR_FILENAME|AGISTATUS)")
    return patterns
