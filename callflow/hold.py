"""Hold / resume (保持 / 恢复) of a seat's call, as the live state sees it.

Hold is an AMI Redirect of the citizen to `dialplan.CTX_HOLD` (music on hold) with the seat as
ExtraChannel to `dialplan.CTX_HOLD_SEAT` (silence); resume is the AMI Bridge of the two channels.
Checked on Asterisk 22.10.1: channel names and uniqueids survive both, and the Redirect ends
app_queue's part of the call (queue_log COMPLETECALLER) although AgentComplete may come late or
not at all ("No caller event string, bailing"). So the seat stays on the call until its own
channel hangs up, whatever app_queue reports, and the hold periods stay on the one call record.

A leg left alone during a hold is looked after here: a citizen whose seat hung up goes back to
the queue (DESIGN.md: a citizen is never dropped), a seat whose citizen hung up is hung up.
"""

from __future__ import annotations

from datetime import datetime

from callflow.ami import actions
from callflow.live import Call, LiveState, SendAction
from core import dialplan
from core.contracts import HoldPeriod


def start(state: LiveState, call: Call, seat: str) -> None:
    """Marked before the Redirect is sent: its events may arrive before its response."""
    call.holds.append(HoldPeriod(start=state.now(), seat=seat))
    call.state = "held"
    call.held_leg = True
    state.touch_call(call)
    _announce(state, call, seat)


def undo(state: LiveState, call: Call, seat: str) -> None:
    """The Redirect was refused: the call never left its bridge."""
    if call.held:
        call.holds.pop()
        call.state = "talking"
        call.held_leg = any(h.seat == seat and _this_leg(call, h.start) for h in call.holds)
        state.touch_call(call)
        _announce(state, call, seat)


def end(state: LiveState, call: Call, seat: str | None) -> None:
    if not call.held:
        return
    call.holds[-1] = call.holds[-1].model_copy(update={"end": state.now()})
    call.state = "talking"
    state.touch_call(call)
    if seat:
        _announce(state, call, seat)


def _announce(state: LiveState, call: Call, seat: str) -> None:
    state.delta(
        f"desk:{seat}",
        "hold",
        {
            "linkedid": call.linkedid,
            "held": call.held,
            "since": call.holds[-1].start.isoformat() if call.held else None,
        },
    )


def _this_leg(call: Call, at: datetime) -> bool:
    return call.answered_at is not None and at >= call.answered_at


def held_s(call: Call, until: datetime) -> float:
    """Seconds the citizen spent on hold with the current seat, an open hold up to `until`."""
    return sum(
        max(0.0, ((h.end or until) - h.start).total_seconds()) for h in call.holds if _this_leg(call, h.start)
    )


def talk_s(call: Call, until: datetime) -> float | None:
    """Talk time of the current seat on a call it held: answer to `until`, less the holds."""
    if call.answered_at is None:
        return None
    return max(0.0, (until - call.answered_at).total_seconds() - held_s(call, until))


def closed(call: Call, until: datetime) -> list[HoldPeriod]:
    """The call's holds for its record: one still open ends with the call."""
    return [h if h.end is not None else h.model_copy(update={"end": until}) for h in call.holds]


def citizen_left(state: LiveState, call: Call) -> None:
    """The citizen hung up on a held leg. During the hold the seat waits in silence for nobody,
    so it is hung up; after resume Asterisk hangs it up itself (the dialplan goes on to Hangup)."""
    if not call.held_leg:
        return
    _leg_over(state, call, "caller")
    if call.held and call.seat_channel:
        state.effect(SendAction(actions.hangup(call.seat_channel), "citizen hung up on hold"))


def seat_left(state: LiveState, call: Call) -> None:
    """The seat's channel of a held leg hung up (after resume, or during the hold)."""
    _leg_over(state, call, "agent")
    if call.held:
        # DESIGN.md: a citizen is never dropped; the hold ends and the call waits for the next seat.
        end(state, call, None)
        call.state = "queued"
        state.effect(
            SendAction(
                actions.redirect(call.channel, dialplan.CTX_QUEUE, dialplan.EXT_START), "seat hung up on hold"
            )
        )
    call.seat_channel = None
    call.held_leg = False
    state.touch_call(call)


def _leg_over(state: LiveState, call: Call, reason: str) -> None:
    """The talk of a held leg ends: figures, talk time, and the seat's desk (no AgentComplete)."""
    now = state.now()
    first = next((h for h in call.holds if _this_leg(call, h.start)), None)
    if not call.queue_done and call.queue and call.answered_at is not None and first is not None:
        # app_queue ended its part at the first hold (queue_log COMPLETECALLER) but AgentComplete
        # never told us its talk time: count what queue_log counts.
        talk = int((first.start - call.answered_at).total_seconds())
        state.qstats(call.queue).talk_total_s += talk
        state.qstats(call.queue).talk_count += 1
        if call.seat:
            state.sstats(call.seat).talk_total_s += talk
        call.queue_done = True
    call.talk_s = talk_s(call, now)
    if call.seat:
        state.delta(
            f"desk:{call.seat}",
            "hangup",
            {"linkedid": call.linkedid, "reason": reason, "talk_s": call.talk_s},
        )
