"""A city whose fire line is its own 96119 (settings.emergency_numbers), in a real headless
Chromium: the desk's 紧急转接 list is the deployment's, the IVR's hint names the local number,
and the seat's transfer goes through the command validation to an AMI Redirect at 96119."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from playwright.async_api import Browser, Dialog, expect

from core import dialplan
from core.settings import Settings
from tests.contract.test_callflow_ivr_variables import varset
from tests.e2e.stack import WAIT_MS, Stack, shot, signed_in_desk

LOCAL = {"fire": "96119", "police": "110", "medical": "120", "traffic": "122"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"emergency_numbers": LOCAL})


async def test_the_seat_transfers_to_the_citys_own_fire_line(
    web: Stack,
    browser: Browser,
) -> None:
    server = web.harness.server
    desk = await signed_in_desk(web, browser)

    server.hold_before("QueueCallerJoin")
    server.resume()
    await asyncio.wait_for(server.held.wait(), 20)
    await server.inject(varset(dialplan.VAR_ACTION, "emergency"))
    await server.inject(varset(dialplan.VAR_TARGET, "96119"))
    server.hold_before("AgentComplete")
    server.resume()
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    await expect(desk.locator("#ivr-info")).to_contain_text("建议转 96119", timeout=WAIT_MS)

    options = desk.locator("#emergency-target option")
    assert await options.evaluate_all("os => os.map(o => [o.value, o.textContent])") == [
        ["110", "110 报警"],
        ["120", "120 急救"],
        ["122", "122 交通事故"],
        ["96119", "96119 火警"],
    ]
    await desk.select_option("#emergency-target", "96119")
    await desk.select_option("#emergency-mode", "blind")
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    desk.once("dialog", accept)
    await desk.click("#btn-emergency")
    await expect(desk.locator("#toast")).to_have_text("已转接96119", timeout=WAIT_MS)
    assert asked == ["确认将来电紧急转接至 96119？"]
    redirects = [a for a in server.actions if a.get("Action") == "Redirect"]
    assert [(a["Context"], a["Exten"]) for a in redirects] == [(dialplan.CTX_EMERGENCY, "96119")]
    await shot(desk, "11-desk-local-emergency")

    server.resume()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(web.harness.run_to_end(), 20)
