"""The command bus from the web desk (another process) to the AMI role, over Redis.

A client LPUSHes an envelope ``{"id", "command", "reply_to", "deadline"}`` on ``<p>cmd:requests``
and BLPOPs ``<p>cmd:reply:<id>``; the AMI role holding the lease BRPOPs requests, executes them
(`callflow.executor`) and LPUSHes a `CommandReply`. A request nobody took before its deadline is
withdrawn by the client and never executed late; a request taken after its deadline is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator
from redis.asyncio import Redis
from redis.exceptions import RedisError

from callflow.store import Keys
from core.aio import honour_cancel
from core.contracts import EmergencyNumber
from core.settings import DEFAULT_EMERGENCY_NUMBERS

log = logging.getLogger(__name__)

Ext = Annotated[str, Field(pattern=r"^[0-9]{2,8}$")]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{3,20}$")]
ChannelName = Annotated[str, Field(pattern=r"^[A-Za-z]+/[A-Za-z0-9@._;\-]+$", max_length=120)]

REPLY_TTL_S = 60
# Validation context key: the deployment's emergency numbers (`parse_command`). Without it a
# command is checked against the settings' defaults, which is what a model built in code gets.
EMERGENCY_CONTEXT = "emergency_numbers"


class SeatLogin(BaseModel):
    """Log a seat into queues (QueueAdd, MemberName 坐席<ext>, StateInterface PJSIP/<ext>)."""

    type: Literal["seat_login"] = "seat_login"
    seat: Ext
    queues: list[str] = Field(default_factory=list)  # empty: the default queue
    paused: bool = False


class SeatLogout(BaseModel):
    type: Literal["seat_logout"] = "seat_logout"
    seat: Ext
    queues: list[str] = Field(default_factory=list)  # empty: every queue the seat is in


class SetReady(BaseModel):
    type: Literal["ready"] = "ready"
    seat: Ext


class SetNotReady(BaseModel):
    type: Literal["not_ready"] = "not_ready"
    seat: Ext
    reason: str = Field(min_length=1, max_length=40)


class Wrapup(BaseModel):
    """Not ready with reason 话后整理 for `seconds` (default settings.calls.wrapup_s), then ready."""

    type: Literal["wrapup"] = "wrapup"
    seat: Ext
    seconds: int | None = Field(default=None, ge=1, le=3600)


class AttachTicket(BaseModel):
    """Links the live call to the ticket the seat created, so the call record carries it."""

    type: Literal["attach_ticket"] = "attach_ticket"
    linkedid: str = Field(min_length=1, max_length=64)
    ticket_no: str = Field(min_length=1, max_length=64)


class ThreeWay(BaseModel):
    """三方通话: citizen + seat + a unit's duty line in one bridge (DOMAIN.md §4)."""

    type: Literal["threeway"] = "threeway"
    seat: Ext
    linkedid: str = Field(min_length=1, max_length=64)
    number: Phone
    unit_code: str | None = None


class EmergencyTransfer(BaseModel):
    """DOMAIN.md §3: re-route to an emergency number of settings.emergency_numbers (119 火警 …);
    `threeway` keeps the seat on the line."""

    type: Literal["emergency"] = "emergency"
    seat: Ext
    linkedid: str = Field(min_length=1, max_length=64)
    target: EmergencyNumber
    mode: Literal["blind", "threeway"] = "blind"
    reason: str = Field(min_length=1, max_length=200)

    @field_validator("target")
    @classmethod
    def _a_number_of_the_deployment(cls, target: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, Mapping) else {}
        numbers: Collection[str] = context.get(EMERGENCY_CONTEXT, DEFAULT_EMERGENCY_NUMBERS.values())
        if target not in numbers:
            raise ValueError(f"{target} 不是本地紧急号码（{'/'.join(sorted(numbers))}）")
        return target


class Hold(BaseModel):
    """保持: the citizen hears music on hold, the seat's line goes quiet (callflow.hold)."""

    type: Literal["hold"] = "hold"
    seat: Ext
    linkedid: str = Field(min_length=1, max_length=64)


class Resume(BaseModel):
    """恢复: the held citizen and the seat talk again (AMI Bridge of the two channels)."""

    type: Literal["resume"] = "resume"
    seat: Ext
    linkedid: str = Field(min_length=1, max_length=64)


class Spy(BaseModel):
    """A supervisor's phone listens to / whispers to / barges into a seat (ChanSpy)."""

    type: Literal["spy"] = "spy"
    supervisor: Ext
    seat: Ext
    mode: Literal["listen", "whisper", "barge"]


class SurveyCallback(BaseModel):
    """回访: call the citizen into the survey IVR for a ticket (000 §25)."""

    type: Literal["survey_callback"] = "survey_callback"
    ticket_no: str = Field(min_length=1, max_length=64)
    phone: Phone


class MissedCallback(BaseModel):
    """漏接回拨: ring the seat first, then dial the citizen who abandoned."""

    type: Literal["missed_callback"] = "missed_callback"
    seat: Ext
    phone: Phone


class HangupChannel(BaseModel):
    type: Literal["hangup"] = "hangup"
    channel: ChannelName


Command = Annotated[
    SeatLogin
    | SeatLogout
    | SetReady
    | SetNotReady
    | Wrapup
    | AttachTicket
    | ThreeWay
    | EmergencyTransfer
    | Hold
    | Resume
    | Spy
    | SurveyCallback
    | MissedCallback
    | HangupChannel,
    Field(discriminator="type"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)

# The registry of commands: the union above is the one list; everything that needs the names (the
# desk's access table, the executor's handler table, desk.js's wire ops) is checked against it.
COMMAND_TYPES: tuple[type[BaseModel], ...] = get_args(get_args(Command)[0])
COMMANDS_BY_NAME: Mapping[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls for cls in COMMAND_TYPES
}


def command_name(cls: type[BaseModel]) -> str:
    name: str = cls.model_fields["type"].default
    return name


def parse_command(data: object, emergency_numbers: Collection[str]) -> Command:
    """The one parse of a command, with the deployment's emergency numbers (settings.emergency_targets())."""
    return command_adapter.validate_python(data, context={EMERGENCY_CONTEXT: frozenset(emergency_numbers)})


ReplyCode = Literal["ok", "invalid", "not_found", "conflict", "ami_error", "timeout", "expired"]


class CommandReply(BaseModel):
    ok: bool
    code: ReplyCode
    message: str  # shown to the seat: Chinese
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def success(cls, message: str = "已完成", **data: Any) -> CommandReply:
        return cls(ok=True, code="ok", message=message, data=data)

    @classmethod
    def fail(cls, code: ReplyCode, message: str, **data: Any) -> CommandReply:
        return cls(ok=False, code=code, message=message, data=data)


class CommandClient:
    """Used by the web desk: `await CommandClient(redis, prefix).send(SetReady(seat="1001"))`."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)

    async def send(self, command: Command, timeout_s: float = 5.0) -> CommandReply:
        command_id = uuid.uuid4().hex
        reply_key = self._keys.reply(command_id)
        envelope = json.dumps(
            {
                "id": command_id,
                "command": command.model_dump(mode="json"),
                "reply_to": reply_key,
                "deadline": time.time() + timeout_s,
            },
            ensure_ascii=False,
        )
        try:
            await self._redis.lpush(self._keys.commands, envelope)
            got = await self._redis.blpop([reply_key], timeout=timeout_s)
        except (RedisError, OSError) as exc:
            return CommandReply.fail("ami_error", "呼叫控制服务暂时不可用，请稍后重试", error=str(exc))
        if got is None:
            try:
                withdrawn = await self._redis.lrem(self._keys.commands, 1, envelope)
            except (RedisError, OSError):
                withdrawn = 0
            if withdrawn:
                return CommandReply.fail("timeout", "呼叫控制服务未响应，请稍后重试")
            return CommandReply.fail("timeout", "呼叫控制处理超时，请查看通话状态后再试")
        return CommandReply.model_validate_json(got[1])


Executor = Callable[[Command], Awaitable[CommandReply]]


class CommandServer:
    """Runs in the AMI role while it is connected: takes requests, executes, replies."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        execute: Executor,
        *,
        emergency_numbers: Collection[str],
        block_s: float = 1.0,
    ) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._execute = execute
        self._emergency = frozenset(emergency_numbers)
        self.block_s = block_s
        self.handled = 0
        self._stopping = False

    def stop(self) -> None:
        """Ends `run` after the current BRPOP returns (at most `block_s`).

        Cancelling redis-py in the middle of a blocking command can leave the task stuck, so the
        loop is asked to stop instead.
        """
        self._stopping = True

    async def run(self) -> None:
        while not self._stopping:
            try:
                got = await self._redis.brpop([self._keys.commands], timeout=self.block_s)
                honour_cancel()
            except (RedisError, OSError) as exc:
                honour_cancel()
                log.warning("commands: Redis unavailable (%s)", exc)
                await asyncio.sleep(self.block_s)
                continue
            if got is not None:
                await self.handle(got[1])

    async def handle(self, raw: bytes | str) -> None:
        try:
            envelope = json.loads(raw)
            reply_to = str(envelope["reply_to"])
            deadline = float(envelope.get("deadline", 0))
        except (ValueError, KeyError, TypeError):
            log.error("commands: dropping unreadable request %r", raw[:200])
            return
        if not reply_to.startswith(self._keys.reply("")):
            log.error("commands: dropping request with a foreign reply key %r", reply_to)
            return
        if deadline and time.time() > deadline:
            # The client has given up; doing it now would surprise the seat.
            log.warning("commands: request %s expired before it was taken", envelope.get("id"))
            return
        try:
            command = parse_command(envelope.get("command"), self._emergency)
        except ValidationError as exc:
            # No context: a custom validator's context holds the exception itself, which is no JSON.
            errors = exc.errors(include_url=False, include_context=False)
            await self._reply(reply_to, CommandReply.fail("invalid", "指令格式错误", errors=errors))
            return
        try:
            reply = await self._execute(command)
        except Exception as exc:
            log.exception("commands: %s failed", command.type)
            reply = CommandReply.fail("ami_error", "呼叫控制执行失败", error=str(exc))
        self.handled += 1
        await self._reply(reply_to, reply)

    async def _reply(self, key: str, reply: CommandReply) -> None:
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.lpush(key, reply.model_dump_json())
            pipe.expire(key, REPLY_TTL_S)
            await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("commands: could not reply (%s)", exc)
