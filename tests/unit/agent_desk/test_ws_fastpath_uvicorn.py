"""agent_desk/ws/fastpath.py subclasses a private uvicorn protocol: these tests say loudly which
private name changed when uvicorn moves on, before a wallboard silently falls back or breaks.

pyproject.toml pins uvicorn to the minor version these checks were written against; raising the
pin means running these tests (and tests/integration/ws with the `fastpath` parameter) first.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import tomllib
from importlib.metadata import version
from typing import Any

import pytest
from packaging.requirements import Requirement
from uvicorn.config import Config
from uvicorn.server import ServerState

from agent_desk.ws.fastpath import FanoutWebSocketProtocol
from agent_desk.ws.protocol import RAW_WRITE_EXTENSION
from tests.conftest import REPO

MODULE = "uvicorn.protocols.websockets.websockets_sansio_impl"
CLASS = "WebSocketsSansIOProtocol"
# Instance attributes fastpath reads, set by the base class's __init__.
INIT_ATTRIBUTES = ("transport", "handshake_initiated", "close_sent")
UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: hotline.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def test_the_installed_uvicorn_is_inside_the_pinned_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [Requirement(d) for d in project["project"]["dependencies"] if d.startswith("uvicorn")]
    assert pin.specifier.filter([version("uvicorn")]), (
        f"uvicorn {version('uvicorn')} is installed but pyproject.toml pins {pin}: "
        "agent_desk/ws/fastpath.py was checked against the pinned minor version only"
    )
    assert any(s.operator == "<" for s in pin.specifier), f"{pin}: fastpath needs an upper bound on uvicorn"


def _base() -> type[Any]:
    try:
        module = importlib.import_module(MODULE)
    except ImportError as exc:
        pytest.fail(f"uvicorn no longer has the private module {MODULE} that fastpath subclasses: {exc}")
    base = getattr(module, CLASS, None)
    assert isinstance(base, type), f"{MODULE} no longer defines the class {CLASS} that fastpath subclasses"
    return base


def test_the_private_base_class_is_the_one_fastpath_extends() -> None:
    base = _base()
    assert FanoutWebSocketProtocol.__mro__[1] is base, f"fastpath must subclass {MODULE}.{CLASS} directly"
    assert issubclass(base, asyncio.Protocol), f"{CLASS} is no longer an asyncio.Protocol"


def test_handle_connect_keeps_its_signature_and_builds_the_scope() -> None:
    handle_connect = getattr(_base(), "handle_connect", None)
    assert callable(handle_connect), f"{CLASS}.handle_connect, which fastpath overrides, is gone"
    params = list(inspect.signature(handle_connect).parameters)
    assert params == ["self", "event"], f"{CLASS}.handle_connect takes {params} now, fastpath passes (event)"
    source = inspect.getsource(handle_connect)
    assert "self.scope" in source and '"extensions"' in source, (
        f"{CLASS}.handle_connect no longer builds self.scope with 'extensions': the raw-write extension "
        "would never reach the app"
    )
    assert "create_task(self.run_asgi())" in source, (
        f"{CLASS}.handle_connect no longer only schedules the ASGI task: the extension set after it "
        "may arrive too late"
    )


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closing = False
        self.aborted = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.aborted = self.closing = True

    def get_write_buffer_size(self) -> int:
        return 0


async def test_a_real_handshake_offers_the_raw_write_extension() -> None:
    seen: list[dict[str, Any]] = []
    accepted = asyncio.Event()
    done = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)
        await receive()
        await send({"type": "websocket.accept"})
        accepted.set()
        await done.wait()  # the session stays open while the frames are written

    config = Config(app=app, ws="websockets-sansio", lifespan="off", log_level="warning")
    protocol = FanoutWebSocketProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    for name in INIT_ATTRIBUTES:
        assert hasattr(protocol, name), f"{CLASS}.__init__ no longer sets {name!r}, which fastpath reads"
    transport = _Transport()
    protocol.connection_made(transport)
    protocol.data_received(UPGRADE)
    await asyncio.wait_for(accepted.wait(), 5)
    (scope,) = seen
    raw = scope["extensions"].get(RAW_WRITE_EXTENSION)
    assert raw is not None, "the ASGI scope did not carry the fastpath extension after a handshake"
    assert transport.written[0].startswith(b"HTTP/1.1 101"), transport.written[0][:40]
    assert raw["write"](b"\x81\x02hi", 1 << 20) is True
    assert transport.written[-1] == b"\x81\x02hi"
    raw["abort"]()
    assert transport.aborted
    assert raw["write"](b"\x81\x02hi", 1 << 20) is False  # a closing socket takes no more frames
    done.set()
    protocol.connection_lost(None)
    await asyncio.sleep(0)
