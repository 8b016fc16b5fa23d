"""Executes desk commands as AMI actions against the live state (the AMI role side of the bus)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel

from callflow import commands as c
from callflow import hold, transfers
from callflow.ami import actions
from callflow.ami.client import AmiClient, AmiError
from callflow.ami.protocol import Message
from callflow.commands import COMMAND_TYPES, Command, CommandReply
from callflow.live import Call, LiveState
from core import dialplan
from core.softswitch import Route

log = logging.getLogger(__name__)

WRAPUP_REASON = "话后整理"
SPY_LABELS = {"listen": "监听", "whisper": "耳语", "barge": "强插"}


def _ok(reply: Message) -> bool:
    return reply.response == "Success"


Handler = Callable[[Any], Awaitable[CommandReply]]


class CommandExecutor:
    def __init__(self, ami: AmiClient, state: LiveState, wake: asyncio.Event | None = None) -> None:
        self._ami = ami
        self._state = state
        self._wake = wake
        self._timers: dict[str, asyncio.TimerHandle] = {}
        # The handler of a command is the method `_on_<its wire name>` (callflow.commands registry);
        # a type without one is a startup error, not a request that fails later.
        found = {cls: self._handler_of(cls) for cls in COMMAND_TYPES}
        missing = [cls.__name__ for cls, handler in found.items() if handler is None]
        if missing:
            raise TypeError(f"executor: no handler for {', '.join(missing)}")
        self._handlers: dict[type[Any], Handler] = {cls: h for cls, h in found.items() if h is not None}

    def _handler_of(self, cls: type[BaseModel]) -> Handler | None:
        wire = cls.model_fields.get("type")  # a model without a wire name has no handler either
        handler: Handler | None = None if wire is None else getattr(self, f"_on_{wire.default}", None)
        return handler

    async def __call__(self, command: Command) -> CommandReply:
        try:
            reply = await self._dispatch(command)
        except AmiError as exc:
            return CommandReply.fail("ami_error", "呼叫控制暂时不可用，请稍后重试", error=str(exc))
        if self._wake is not None:
            self._wake.set()  # state may have changed (ticket attached, transfer registered)
        return reply

    async def _send(self, action: Mapping[str, str | list[str]], action_id: str | None = None) -> Message:
        return await self._ami.action(action, action_id=action_id)

    async def _dispatch(self, command: Command) -> CommandReply:
        return await self._handlers[type(command)](command)

    # ---- seats ----------------------------------------------------------------------------------
    async def _on_seat_login(self, cmd: c.SeatLogin) -> CommandReply:
        queues = cmd.queues or [self._state.settings.default_queue]
        unknown = [q for q in queues if q not in self._state.queues]
        if unknown:
            return CommandReply.fail("invalid", f"未知队列：{'、'.join(unknown)}")
        failed: list[str] = []
        for queue in queues:
            reply = await self._send(actions.queue_add(queue, cmd.seat, paused=cmd.paused))
            # "Already there" is what the seat wanted anyway.
            if not _ok(reply) and "Already" not in reply.get("Message"):
                failed.append(f"{queue}: {reply.get('Message')}")
        if failed:
            return CommandReply.fail("ami_error", "部分队列签入失败", failed=failed)
        return CommandReply.success("已签入", queues=queues)

    async def _on_seat_logout(self, cmd: c.SeatLogout) -> CommandReply:
        seat = self._state.seats.get(cmd.seat)
        queues = cmd.queues or (sorted(seat.memberships) if seat else []) or list(self._state.queues)
        for queue in queues:
            reply = await self._send(actions.queue_remove(queue, cmd.seat))
            if not _ok(reply) and "Not there" not in reply.get("Message"):
                return CommandReply.fail("ami_error", f"签出失败：{reply.get('Message')}")
        self._cancel_timer(cmd.seat)
        return CommandReply.success("已签出", queues=queues)

    async def _on_ready(self, cmd: c.SetReady) -> CommandReply:
        return await self._pause(cmd.seat, False, "")

    async def _on_not_ready(self, cmd: c.SetNotReady) -> CommandReply:
        return await self._pause(cmd.seat, True, cmd.reason)

    async def _pause(self, ext: str, paused: bool, reason: str) -> CommandReply:
        seat = self._state.seats.get(ext)
        if seat is None or not seat.memberships:
            return CommandReply.fail("conflict", "坐席未签入任何队列")
        if not paused:
            self._cancel_timer(ext)
        reply = await self._send(actions.queue_pause(ext, paused, reason))
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"状态切换失败：{reply.get('Message')}")
        return CommandReply.success("示忙" if paused else "示闲", reason=reason)

    async def _on_wrapup(self, cmd: c.Wrapup) -> CommandReply:
        seconds = cmd.seconds or self._state.settings.calls.wrapup_s
        reply = await self._pause(cmd.seat, True, WRAPUP_REASON)
        if not reply.ok:
            return reply
        self._cancel_timer(cmd.seat)
        loop = asyncio.get_running_loop()
        self._timers[cmd.seat] = loop.call_later(seconds, self._end_wrapup, cmd.seat)
        return CommandReply.success("话后整理中", seconds=seconds)

    def _end_wrapup(self, ext: str) -> None:
        self._timers.pop(ext, None)
        seat = self._state.seats.get(ext)
        # Only if the seat is still in wrap-up: a seat that chose another reason meanwhile stays.
        if seat is None or self._state.seat_reason(seat) != WRAPUP_REASON:
            return
        task = asyncio.get_running_loop().create_task(self._unpause_after_wrapup(ext))
        task.add_done_callback(_log_failure)

    async def _unpause_after_wrapup(self, ext: str) -> None:
        await self._send(actions.queue_pause(ext, False))

    def _cancel_timer(self, ext: str) -> None:
        timer = self._timers.pop(ext, None)
        if timer is not None:
            timer.cancel()

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    # ---- calls ----------------------------------------------------------------------------------
    def _call(self, linkedid: str) -> Call | None:
        return self._state.calls.get(linkedid)

    async def _on_attach_ticket(self, cmd: c.AttachTicket) -> CommandReply:
        call = self._call(cmd.linkedid)
        if call is None:
            return CommandReply.fail("not_found", "通话已结束或不存在")
        call.ticket_no = cmd.ticket_no
        self._state.touch_call(call)
        # Also on the channel, so the CDR and the dialplan see the ticket number.
        await self._send(actions.setvar(call.channel, dialplan.VAR_TICKET, cmd.ticket_no))
        return CommandReply.success("工单已关联", linkedid=call.linkedid, ticket_no=cmd.ticket_no)

    def _talking_call(self, seat: str, linkedid: str) -> Call | CommandReply:
        call = self._call(linkedid)
        if call is None:
            return CommandReply.fail("not_found", "通话已结束或不存在")
        if call.seat != seat or call.seat_channel is None:
            return CommandReply.fail("conflict", "该通话不在本坐席上")
        if call.held:
            # The legs sit in the hold contexts, not in a bridge: resume first, then transfer.
            return CommandReply.fail("conflict", "通话保持中，请先恢复通话")
        return call

    async def _bridge(self, call: Call) -> CommandReply | str:
        """Moves citizen + seat into the call's three-way ConfBridge; returns the conference name."""
        conf = call.conference or transfers.conference_name(call.linkedid)
        if call.conference is None:
            assert call.seat_channel is not None
            for channel in (call.channel, call.seat_channel):
                await self._send(actions.setvar(channel, dialplan.VAR_CONF, conf))
            reply = await self._send(
                actions.redirect(call.channel, dialplan.CTX_THREEWAY, dialplan.EXT_START, call.seat_channel)
            )
            if not _ok(reply):
                return CommandReply.fail("ami_error", f"转入三方会议失败：{reply.get('Message')}")
            self._state.conferences[conf] = call.linkedid
        return conf

    async def _originate_into(
        self, call: Call, number: str, conf: str, index: int, route: Route, ring_timeout_s: int
    ) -> CommandReply | None:
        action_id = self._ami.new_action_id()
        self._state.originates[action_id] = (call.linkedid, index)
        reply = await self._send(
            actions.originate(
                actions.route_dial(route, number),
                dialplan.CTX_THREEWAY,
                dialplan.EXT_START,
                {dialplan.VAR_CONF: conf},
                caller_id=actions.caller_id(self._state.settings.softswitch.outbound_caller_id),
                timeout_ms=ring_timeout_s * 1000,
            ),
            action_id=action_id,
        )
        if not _ok(reply):
            self._state.originates.pop(action_id, None)
            transfers.set_outcome(self._state, call, index, "failed")
            return CommandReply.fail("ami_error", f"外呼失败：{reply.get('Message')}")
        return None

    async def _on_threeway(self, cmd: c.ThreeWay) -> CommandReply:
        found = self._talking_call(cmd.seat, cmd.linkedid)
        if isinstance(found, CommandReply):
            return found
        conf = await self._bridge(found)
        if isinstance(conf, CommandReply):
            return conf
        index = transfers.add_transfer(self._state, found, "threeway", cmd.number, cmd.seat, cmd.unit_code)
        sw = self._state.settings.softswitch
        failed = await self._originate_into(
            found, cmd.number, conf, index, sw.unit_route, sw.unit_ring_timeout_s
        )
        return failed or CommandReply.success("正在呼叫单位值班电话", conference=conf, number=cmd.number)

    async def _on_emergency(self, cmd: c.EmergencyTransfer) -> CommandReply:
        # A model built in code is checked against the default numbers only: this deployment decides.
        if cmd.target not in self._state.settings.emergency_targets():
            return CommandReply.fail("invalid", f"{cmd.target} 不是本地配置的紧急号码")
        found = self._talking_call(cmd.seat, cmd.linkedid)
        if isinstance(found, CommandReply):
            return found
        call = found
        if cmd.mode == "blind":
            reply = await self._send(actions.redirect(call.channel, dialplan.CTX_EMERGENCY, cmd.target))
            if not _ok(reply):
                return CommandReply.fail("ami_error", f"紧急转接失败：{reply.get('Message')}")
            transfers.blind_sent(self._state, call, cmd.target, cmd.reason, cmd.seat)
            return CommandReply.success(f"已转接{cmd.target}", target=cmd.target)
        conf = await self._bridge(call)
        if isinstance(conf, CommandReply):
            return conf
        index = transfers.add_transfer(self._state, call, "emergency_threeway", cmd.target, cmd.seat)
        transfers.add_referral(self._state, call, cmd.target, cmd.reason, cmd.seat)
        route = self._state.settings.softswitch.emergency
        failed = await self._originate_into(
            call, cmd.target, conf, index, route.primary, route.ring_timeout_s
        )
        return failed or CommandReply.success(f"正在三方转接{cmd.target}", conference=conf, target=cmd.target)

    def _seat_call(self, seat: str, linkedid: str) -> Call | CommandReply:
        """The call `linkedid` while `seat` is on it (its channel is still up)."""
        call = self._call(linkedid)
        if call is None or call.seat != seat or call.seat_channel is None:
            return CommandReply.fail("not_found", "本坐席当前没有该通话")
        return call

    async def _on_hold(self, cmd: c.Hold) -> CommandReply:
        found = self._seat_call(cmd.seat, cmd.linkedid)
        if isinstance(found, CommandReply):
            return found
        call = found
        if call.held:
            return CommandReply.fail("conflict", "通话已在保持中")
        if call.conference is not None:
            return CommandReply.fail("conflict", "三方通话中不能保持")
        assert call.seat_channel is not None
        hold.start(self._state, call, cmd.seat)
        try:
            reply = await self._send(
                actions.redirect(
                    call.channel,
                    dialplan.CTX_HOLD,
                    dialplan.EXT_START,
                    call.seat_channel,
                    extra_context=dialplan.CTX_HOLD_SEAT,
                )
            )
        except AmiError:
            hold.undo(self._state, call, cmd.seat)
            raise
        if not _ok(reply):
            hold.undo(self._state, call, cmd.seat)
            return CommandReply.fail("ami_error", f"保持失败：{reply.get('Message')}")
        return CommandReply.success("已保持，市民正在听等待音乐", linkedid=call.linkedid)

    async def _on_resume(self, cmd: c.Resume) -> CommandReply:
        found = self._seat_call(cmd.seat, cmd.linkedid)
        if isinstance(found, CommandReply):
            return found
        call = found
        if not call.held:
            return CommandReply.fail("conflict", "通话未在保持中")
        assert call.seat_channel is not None
        reply = await self._send(actions.bridge(call.channel, call.seat_channel))
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"恢复通话失败：{reply.get('Message')}")
        hold.end(self._state, call, cmd.seat)
        return CommandReply.success("已恢复通话", linkedid=call.linkedid)

    async def _on_spy(self, cmd: c.Spy) -> CommandReply:
        seat = self._state.seats.get(cmd.seat)
        if seat is None or seat.talking is None:
            return CommandReply.fail("conflict", "该坐席当前不在通话中")
        reply = await self._send(
            actions.originate(
                actions.seat_interface(cmd.supervisor),
                dialplan.CTX_SPY,
                cmd.mode,
                {dialplan.VAR_SPY_TARGET: actions.seat_interface(cmd.seat)},
                caller_id=f'"{SPY_LABELS[cmd.mode]}" <{cmd.seat}>',
            )
        )
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"监控呼叫失败：{reply.get('Message')}")
        return CommandReply.success("正在呼叫班长话机", mode=cmd.mode, seat=cmd.seat)

    async def _on_survey_callback(self, cmd: c.SurveyCallback) -> CommandReply:
        sw = self._state.settings.softswitch
        reply = await self._send(
            actions.originate(
                actions.route_dial(sw.citizen_route, cmd.phone),
                dialplan.CTX_SURVEY,
                dialplan.EXT_START,
                {dialplan.VAR_TICKET: cmd.ticket_no},
                caller_id=f'"12345回访" <{sw.outbound_caller_id}>',
                timeout_ms=sw.citizen_ring_timeout_s * 1000,
            )
        )
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"回访外呼失败：{reply.get('Message')}")
        return CommandReply.success("回访外呼已发起", ticket_no=cmd.ticket_no)

    async def _on_missed_callback(self, cmd: c.MissedCallback) -> CommandReply:
        # The seat's phone rings first (showing the citizen's number); the dialplan then dials out.
        reply = await self._send(
            actions.originate(
                actions.seat_interface(cmd.seat),
                dialplan.CTX_CALLBACK,
                dialplan.EXT_START,
                {dialplan.VAR_DIAL: cmd.phone, dialplan.VAR_SEAT: cmd.seat},
                caller_id=f'"漏接回拨" <{cmd.phone}>',
            )
        )
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"回拨失败：{reply.get('Message')}")
        return CommandReply.success("正在回拨", phone=cmd.phone)

    async def _on_hangup(self, cmd: c.HangupChannel) -> CommandReply:
        if cmd.channel not in self._state.channel_names:
            return CommandReply.fail("not_found", "通道不存在或已挂断")
        reply = await self._send(actions.hangup(cmd.channel))
        if not _ok(reply):
            return CommandReply.fail("ami_error", f"挂断失败：{reply.get('Message')}")
        return CommandReply.success("已挂断", channel=cmd.channel)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("executor: wrap-up end failed: %r", task.exception())
