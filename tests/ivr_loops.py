"""The event loops the FastAGI server is tested on.

`hotline serve` runs on uvloop (hotline/cli.py) while pytest-asyncio's default is the stock
asyncio loop; the server's tests run on both, because `ivr/server.py` talks to the transport
directly and uvloop's transports are a different implementation of the same interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import uvloop

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

BOTH_LOOPS: Mapping[str, LoopFactory] = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
DEFAULT_LOOP: Mapping[str, LoopFactory] = {"asyncio": asyncio.new_event_loop}
# The test modules that drive ivr/server.py over TCP.
SERVER_TEST_MODULES = frozenset({"test_ivr_replay.py", "test_ivr_server_faults.py"})


def loops_for(module: str) -> Mapping[str, LoopFactory]:
    return BOTH_LOOPS if module in SERVER_TEST_MODULES else DEFAULT_LOOP
