"""Against a real Asterisk 22: skipped unless HOTLINE_TEST_ASTERISK_AMI=user:secret@host:port is set."""

from __future__ import annotations

import asyncio
import os

import pytest

from callflow.ami import actions
from callflow.ami.client import AmiClient
from callflow.ami.protocol import Message
from callflow.handlers import build_dispatcher, event_filters
from callflow.live import LiveState
from callflow.resync import apply_channels, apply_queue_status
from core.settings import Settings

AMI = os.environ.get("HOTLINE_TEST_ASTERISK_AMI", "")

pytestmark = [
    pytest.mark.live_asterisk,
    pytest.mark.skipif(not AMI, reason="HOTLINE_TEST_ASTERISK_AMI (user:secret@host:port) is not set"),
]


async def test_login_filters_and_resync_on_a_real_asterisk(settings: Settings) -> None:
    credentials, _, address = AMI.rpartition("@")
    user, _, secret = credentials.partition(":")
    host, _, port = address.rpartition(":")
    events: list[bytes] = []
    client = AmiClient(host, int(port), user, secret, on_events=lambda blocks, _t: events.extend(blocks))
    await client.connect()
    reader = asyncio.create_task(client.read_loop())
    try:
        await client.login()
        state = LiveState(settings)
        for pattern in event_filters(build_dispatcher(state)):
            assert (await client.action(actions.event_filter(pattern))).response == "Success"
        assert (await client.action(actions.login_events_on())).response == "Success"
        seen: list[str] = []

        def on_status(response: Message, items: list[Message]) -> None:
            seen.append("QueueStatus")
            apply_queue_status(state, response, items)

        await client.list_action(actions.queue_status(), on_complete=on_status)
        await client.list_action(
            actions.core_show_channels(), on_complete=lambda r, items: apply_channels(state, r, items)
        )
        assert seen == ["QueueStatus"]
        pong = await client.action(actions.ping())
        assert pong.response == "Success" and pong.get("Ping") == "Pong"
        unknown = await client.action({"Action": "NoSuchAction"})
        assert unknown.response == "Error"
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await client.close()
