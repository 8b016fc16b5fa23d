"""The versioned JSON protocol spoken on `/ws`: every frame is `{"op": str, "data": object}`.

Client → server: `auth` {token}, `subscribe` {topic, epoch?, seq?}, `unsubscribe` {topic},
`ping` {t?}, `pong` {}, `command` {id, name, args}.
Server → client: `hello` {version, epoch, user, heartbeat_s}, `snapshot` {topic, epoch, seq, state},
`delta` {topic, seq, op, data}, `resumed` {topic, epoch, seq}, `ping` {}, `pong` {t?},
`result` {id, ok, data | error}, `resync` {topic} (deltas were lost: subscribe again).
Deltas are state upserts, so applying one that a snapshot already reflects is harmless; that is
what lets a subscription start listening before it reads the snapshot and never miss a change.
"""

from __future__ import annotations

import json
import struct
from enum import IntEnum
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

M = TypeVar("M", bound=BaseModel)

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MAX_FRAME_CHARS = 64 * 1024
# ASGI scope extension of agent_desk.ws.fastpath:
# {"write": (frame_bytes, buffer_limit) -> bool, "abort": () -> None}.
RAW_WRITE_EXTENSION = "hotline.ws.raw"


class CloseCode(IntEnum):
    # Auth, permission and protocol errors (DESIGN.md: close codes 4001–4004).
    AUTH_REQUIRED = 4001  # no token arrived in time, or what arrived is not a token (malformed)
    AUTH_FAILED = 4002  # the token is invalid, revoked or expired
    FORBIDDEN = 4003  # the role or unit does not allow this topic or command
    PROTOCOL_ERROR = 4004  # not JSON, unknown op, bad fields, unsupported version
    HEARTBEAT_TIMEOUT = 4005  # nothing heard from the client for two heartbeats
    SLOW_CLIENT = 1013  # "try again later": the client fell behind; it reconnects and resyncs
    GOING_AWAY = 1001  # the server is shutting down


class ProtocolError(Exception):
    """The peer sent something this protocol version does not allow."""


class AuthMessage(BaseModel):
    token: str = Field(min_length=1, max_length=4096)


class SubscribeMessage(BaseModel):
    topic: str = Field(min_length=1, max_length=100)
    epoch: str | None = Field(default=None, max_length=64)
    seq: int | None = Field(default=None, ge=0)


class UnsubscribeMessage(BaseModel):
    topic: str = Field(min_length=1, max_length=100)


class CommandMessage(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)


CLIENT_OPS = frozenset({"auth", "subscribe", "unsubscribe", "ping", "pong", "command"})


class ClientFrame(BaseModel):
    op: str
    data: dict[str, Any] = Field(default_factory=dict)


def decode_client(raw: str | bytes) -> ClientFrame:
    """Parses one client frame; raises ProtocolError with a reason a log can show."""
    if len(raw) > MAX_FRAME_CHARS:
        raise ProtocolError(f"frame too large ({len(raw)} > {MAX_FRAME_CHARS})")
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"frame is not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ProtocolError("frame is not a JSON object")
    try:
        frame = ClientFrame.model_validate(obj)
    except ValidationError as exc:
        raise ProtocolError(
            f"frame needs 'op' (string) and 'data' (object): {exc.errors()[0]['msg']}"
        ) from exc
    if frame.op not in CLIENT_OPS:
        raise ProtocolError(f"unknown op {frame.op!r}")
    return frame


def parse_data(model: type[M], frame: ClientFrame) -> M:
    try:
        return model.model_validate(frame.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "data"
        raise ProtocolError(f"{frame.op}: {where}: {first['msg']}") from exc


def encode(op: str, data: Any) -> str:
    """One server frame; ensure_ascii=False keeps Chinese text readable and the frame short."""
    return json.dumps({"op": op, "data": data}, ensure_ascii=False, separators=(",", ":"), default=str)


def parse_version(raw: str | None) -> int:
    if raw is None or raw == "":
        return PROTOCOL_VERSION
    try:
        version = int(raw)
    except ValueError as exc:
        raise ProtocolError(f"version {raw!r} is not a number") from exc
    if version not in SUPPORTED_VERSIONS:
        raise ProtocolError(f"unsupported protocol version {version}")
    return version


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked, uncompressed server text frame (RFC 6455 §5.2)."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload
