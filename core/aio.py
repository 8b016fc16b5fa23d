"""Small asyncio helpers shared by every long-running loop."""

from __future__ import annotations

import asyncio


def honour_cancel() -> None:
    """Re-raises a cancellation that a library swallowed.

    redis-py 8.1 can turn a cancellation that lands inside a command into a connection error (or
    swallow it), so a `while True` loop that retries on RedisError would never end and shutdown
    would hang; every such loop calls this after catching the error.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
