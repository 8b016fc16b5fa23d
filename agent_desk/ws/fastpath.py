"""A uvicorn websocket protocol that lets the hub write ready-made frames straight to the socket.

Through ASGI every frame to every client is re-framed by the websockets library and passes the
middleware stack: about 10 µs each, too slow for a wallboard update to 1,000 screens at 50 per
second on one core. A server frame is never masked (RFC 6455 §5.1), so the bytes of one delta
are the same for every client: the hub builds them once and this protocol puts them on each
transport directly. It is offered to the app as the ASGI scope extension `hotline.ws.raw`;
sessions without it (another server, tests) fall back to plain ASGI sends.
Run uvicorn with `ws=FanoutWebSocketProtocol` to enable it.

The base class is private to uvicorn, so pyproject.toml pins uvicorn's minor version and
tests/unit/agent_desk/test_ws_fastpath_uvicorn.py names the private module, class, method
signature and attributes used here when a new uvicorn changes one of them.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from agent_desk.ws.protocol import RAW_WRITE_EXTENSION


class FanoutWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        # The ASGI task was only scheduled by super(): it sees this extension when it starts.
        if scope is not None and self.handshake_initiated:
            scope["extensions"][RAW_WRITE_EXTENSION] = {"write": self.write_frame, "abort": self.abort}

    def write_frame(self, frame: bytes, buffer_limit: int) -> bool:
        """Writes a prepared frame; False when the socket is closing or `buffer_limit` bytes behind.

        A frame sent this way is a complete uncompressed message, which permessage-deflate allows
        (RFC 7692 §6) and which leaves the compressor of ASGI-sent frames untouched.
        """
        transport = self.transport
        if self.close_sent or transport.is_closing() or transport.get_write_buffer_size() > buffer_limit:
            return False
        transport.write(frame)
        return True

    def abort(self) -> None:
        """Drops the connection without flushing: a client that stopped reading would otherwise
        keep its socket (and server shutdown) waiting forever."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()
