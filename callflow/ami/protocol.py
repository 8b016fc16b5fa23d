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
    """One AMI message: an event (`name` set) or a response (`response` set).

    Fields are looked up in the text on demand: handlers read a handful of the 20-40 fields an
    event carries, and building the whole dict for every event was the parser's main cost.
    """

    __slots__ = ("_fields", "_found", "_text", "name", "response")

    def __init__(self, fields: dict[str, str] | None = None, *, text: str | None = None) -> None:
        self._fields = fields
        # What was looked up already: handlers read the same few keys again (a quarter of the
        # lookups of a replayed busy hour are repeats, Uniqueid above all), each a scan of the text.
        self._found: dict[str, str | None] = {}
        # Leading CRLF so that every key, the first included, is found as "\r\nKey: ".
        self._text = text if text is not None else ""
        self.name: str | None = self.get("Event") or None
        self.response: str | None = None if self.name is not None else (self.get("Response") or None)

    @property
    def fields(self) -> dict[str, str]:
        if self._fields is None:
            self._fields = _parse_fields(self._text)
        return self._fields

    def has(self, key: str) -> bool:
        if self._fields is not None:
            return key in self._fields
        return self._find(key) is not None

    def get(self, key: str, default: str = "") -> str:
        if self._fields is not None:
            return self._fields.get(key, default)
        found = self._find(key)
        return default if found is None else found

    def _find(self, key: str) -> str | None:
        found = self._found
        if key in found:
            return found[key]
        value = found[key] = self._search(key)
        return value

    def _search(self, key: str) -> str | None:
        text = self._text
        i = text.find(f"\r\n{key}: ")
        if i >= 0:
            i += len(key) + 4
        else:
            i = text.find(f"\r\n{key}:")  # tolerate a missing space after the colon
            if i < 0:
                return None
            i += len(key) + 3
        j = text.find("\r\n", i)
        return text[i:] if j < 0 else text[i:j]

    def int(self, key: str, default: int = 0) -> int:
        """An integer field; a missing or malformed one gives `default` (Asterisk sends '' at times)."""
        raw = self.get(key)
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
        return self.get("ActionID") or None

    def __repr__(self) -> str:
        kind = f"Event={self.name}" if self.name else f"Response={self.response}"
        return f"<Message {kind}>"


def _parse_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                continue  # a stray line (banner fragment, garbage): keep the rest of the message
        key = key.strip()
        if key and key not in fields:
            fields[key] = value
    return fields


def parse_block(block: bytes) -> Message | None:
    """One message (without its terminator); None when it is neither an event nor a response."""
    message = Message(text="\r\n" + block.decode("utf-8", errors="replace"))
    if message.name is None and message.response is None:
        return None
    return message


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
