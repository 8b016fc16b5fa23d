"""The AMI wire format: CRLF-separated `Key: Value` lines, a blank line ends a message.

The parser must survive anything on the wire: many messages in one read, a message split across
reads (even inside a UTF-8 character), unknown events, lines without a colon, non-UTF-8 bytes and
a peer that never sends the terminating blank line. It never raises on input; what it cannot read
it counts and skips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TERMINATOR = b"\r\n\r\n"
# A message bigger than this without a terminator is garbage (the largest real events are a few kB).
MAX_MESSAGE_BYTES = 1 << 20


class Message:
    """One AMI message: an event (`name` set) or a response (`response` set)."""

    __slots__ = ("fields", "name", "response")

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        self.name: str | None = fields.get("Event")
        self.response: str | None = None if self.name is not None else fields.get("Response")

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    def int(self, key: str, default: int = 0) -> int:
        """An integer field; a missing or malformed one gives `default` (Asterisk sends '' at times)."""
        raw = self.fields.get(key)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            try:
                return int(float(raw))
            except ValueError:
                return default

    @property
    def action_id(self) -> str | None:
        return self.fields.get("ActionID")

    def __repr__(self) -> str:
        kind = f"Event={self.name}" if self.name else f"Response={self.response}"
        return f"<Message {kind} {len(self.fields)} fields>"


def parse_block(block: bytes) -> Message | None:
    """Parses one message (without its terminator); None when it is neither an event nor a response."""
    text = block.decode("utf-8", errors="replace")
    fields: dict[str, str] = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue  # a stray line (banner fragment, garbage): keep the rest of the message
        key = key.strip()
        if key:
            # Asterisk writes `Key: Value`; tolerate a missing space after the colon.
            fields[key] = value[1:] if value.startswith(" ") else value
    if "Event" not in fields and "Response" not in fields:
        return None
    return Message(fields)


def event_name(block: bytes) -> bytes | None:
    """The event name of a raw message without parsing the rest (the fast path skips most events)."""
    if block.startswith(b"Event: "):
        end = block.find(b"\r\n")
        return block[7:] if end < 0 else block[7:end]
    return None


class AmiParser:
    """Incremental splitter: feed it bytes, get complete raw messages back."""

    def __init__(self) -> None:
        self._buffer = b""
        self.malformed = 0
        self.overflows = 0

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer + data if self._buffer else data
        blocks = buffer.split(TERMINATOR)
        rest = blocks.pop()
        if len(rest) > MAX_MESSAGE_BYTES:
            self.overflows += 1
            rest = b""
        self._buffer = rest
        # Leading CRLFs (a peer sending an extra blank line) would otherwise hide the first key.
        return [b.lstrip(b"\r\n") for b in blocks if b.strip(b"\r\n")]

    def feed_messages(self, data: bytes) -> list[Message]:
        out: list[Message] = []
        for block in self.feed(data):
            message = parse_block(block)
            if message is None:
                self.malformed += 1
            else:
                out.append(message)
        return out

    @property
    def pending_bytes(self) -> int:
        return len(self._buffer)


def _clean(value: str) -> str:
    # A CR or LF inside a value would let a caller-supplied string inject AMI headers.
    return value.replace("\r", " ").replace("\n", " ")


def encode_action(action: Mapping[str, str | Iterable[str]]) -> bytes:
    """Encodes an action; a list value (e.g. several `Variable`s) becomes repeated headers."""
    lines: list[str] = []
    for key, value in action.items():
        if isinstance(value, str):
            lines.append(f"{key}: {_clean(value)}")
        else:
            lines.extend(f"{key}: {_clean(v)}" for v in value)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
