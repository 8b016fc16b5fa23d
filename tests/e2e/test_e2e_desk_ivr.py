"""The seat's screen pop in a real headless Chromium shows the IVR's result in words and
pre-selects the form from it: the answered_call capture with the VarSets of the current IVR
(category env.noise, type 投诉, priority 10, unit dept-env) injected before the queue join."""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import Browser, expect

from core import dialplan
from tests.contract.test_callflow_ivr_variables import varset
from tests.e2e.stack import CALLER, WAIT_MS, Stack, shot, signed_in_desk

IVR = (
    (dialplan.VAR_CATEGORY, "env.noise"),
    (dialplan.VAR_PRIORITY, "10"),
    (dialplan.VAR_TICKET_TYPE, "投诉"),
    (dialplan.VAR_UNIT, "dept-env"),
)


async def test_screen_pop_names_the_ivr_result_and_prefills_the_form(
    web: Stack,
    browser: Browser,
) -> None:
    server = web.harness.server
    desk = await signed_in_desk(web, browser)

    # The IVR part of the call runs; its variables land before the citizen joins the queue.
    server.hold_before("QueueCallerJoin")
    server.resume()
    await asyncio.wait_for(server.held.wait(), 20)
    for variable, value in IVR:
        await server.inject(varset(variable, value))
    server.hold_before("AgentComplete")
    server.resume()

    await expect(desk.locator("#caller-number")).to_have_text(CALLER, timeout=WAIT_MS)
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    info = desk.locator("#ivr-info")
    await expect(info).to_contain_text("环境保护 / 噪声污染", timeout=WAIT_MS)
    await expect(info).not_to_contain_text("env.noise")
    await expect(info).to_contain_text("投诉")
    await expect(info).to_contain_text("紧急（优先接听）")
    await expect(info).to_contain_text("市生态环境局")
    await expect(desk.locator("#f-category")).to_have_value("env.noise")
    await expect(desk.locator("#f-type")).to_have_value("投诉")
    await expect(desk.locator("#f-urgency")).to_have_value("紧急")
    await expect(desk.locator("#f-lead")).to_have_value("dept-env")
    # The IVR's suggestion is shown with its confidence: it names a category only at or above the
    # threshold (HOTLINE_IVR_CATEGORY_MIN_CONFIDENCE, 0.5).
    suggestion = desk.locator("#suggest-ivr")
    await expect(suggestion).to_contain_text("环境保护 / 噪声污染 → 市生态环境局")
    await expect(suggestion).to_contain_text("置信度 ≥ 50%")
    await shot(desk, "10-desk-ivr-prefilled")

    server.resume()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(web.harness.run_to_end(), 20)


async def test_captured_marker_is_not_shown_as_a_bare_code(
    web: Stack,
    browser: Browser,
) -> None:
    """The recording's IVR set HOTLINE_CATEGORY=complaint, which no tree holds."""
    server = web.harness.server
    desk = await signed_in_desk(web, browser)
    server.hold_before("AgentComplete")
    server.resume()
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    info = desk.locator("#ivr-info")
    # Issue 14: no program code on the desk. This assertion used to expect "未识别的分类（complaint）",
    # which showed the seat the raw English marker; the desk now says it in Chinese only.
    await expect(info).to_contain_text("未识别的分类", timeout=WAIT_MS)
    await expect(info).not_to_contain_text("complaint")
    await expect(info).not_to_contain_text("紧急（优先接听）")
    await expect(desk.locator("#f-category")).to_have_value("")
    await expect(desk.locator("#f-urgency")).to_have_value("一般")
    server.resume()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(web.harness.run_to_end(), 20)
