"""The wallboard's wrap-up countdown, in a real headless Chromium against the real app, Redis and
AMI role (answered_call): after the call the seat shows 话后整理 with the seconds left of the
queue's wrap-up time (settings.calls.wrapup_s; app_queue reports the member's own as 0), counting
down, then 示闲 when the wrap-up is over."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, expect

from core.settings import Settings
from tests.e2e.stack import WAIT_MS, Stack, open_page, shot

WRAPUP_S = 6


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"calls": settings.calls.model_copy(update={"wrapup_s": WRAPUP_S})})


def seconds_left(text: str) -> int:
    match = re.fullmatch(r"剩余 (\d+)秒", text)
    assert match is not None, text
    return int(match.group(1))


async def test_the_wallboard_counts_the_wrapup_down_then_shows_ready(
    web: Stack,
    browser: Browser,
) -> None:
    server = web.harness.server
    await asyncio.wait_for(server.held.wait(), 20)
    _ctx, wall = await open_page(browser, f"{web.base}/wallboard", "supervisor")
    await expect(wall.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    server.hold_before("QueueMemberRemoved")  # the recording signs the seat out after the call
    server.resume()
    row = wall.locator('#seats tr[data-seat="1001"]')
    state = row.locator("td").nth(2)
    left = row.locator('[data-field="wrapup-left"]')
    await expect(state).to_have_text("话后整理", timeout=WAIT_MS)
    first = seconds_left(await left.inner_text())
    assert 0 < first <= WRAPUP_S
    await shot(wall, "10-wallboard-wrapup-countdown")
    # Counting down between deltas (the seat view is the same): fewer seconds left, still in wrap-up.
    fewer = "|".join(str(n) for n in range(first))
    await expect(left).to_have_text(re.compile(f"^剩余 ({fewer})秒$"), timeout=WAIT_MS)
    await expect(state).to_have_text("示闲", timeout=WAIT_MS)
    await expect(left).to_have_count(0)
