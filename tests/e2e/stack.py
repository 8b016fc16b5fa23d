"""The web stack of the browser tests: the app, the AMI role on the softswitch double, the
ticket writer, and the page helpers every desk/wallboard/portal test uses (fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.conftest import REPO
from tests.contract.callflow_harness import CallflowHarness
from tests.doubles.ami_server import AmiReplayServer
from tickets.db import Database

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CALLER = "13800000001"  # the citizen of the answered_call capture
UNIT = "u-water"
WAIT_MS = 20_000


@dataclass
class Stack:
    base: str
    harness: CallflowHarness
    db: Database


async def open_page(browser: Browser, url: str, username: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    await page.fill("#login-form input[name=username]", username)
    await page.fill("#login-form input[name=password]", "demo12345")
    await page.click("#login-form button")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=WAIT_MS)
    assert errors == [], errors
    return context, page


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def pick(page: Page, combobox: str, query: str, label: str) -> None:
    """Takes the entry `label` of a desk picker (an ARIA combobox) found by typing `query`."""
    await page.fill(combobox, query)
    await expect(page.locator(f"{combobox}-list [role=option].active")).to_contain_text(label)
    await page.press(combobox, "Enter")
    await expect(page.locator(combobox)).to_have_value(label)


def member_event(event: str, paused: str = "0") -> bytes:
    """A queue-membership event of seat 1001 in q-general, as Asterisk 22 writes it (answered_call)."""
    fields = {
        "Event": event,
        "Privilege": "agent,all",
        "Queue": "q-general",
        "MemberName": "坐席1001",
        "Interface": "PJSIP/1001",
        "StateInterface": "PJSIP/1001",
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": "0",
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": "1795326409",
        "InCall": "0",
        "Status": "1",
        "Paused": paused,
        "PausedReason": "",
        "Ringinuse": "0",
        "Wrapuptime": "0",
    }
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


async def sign_in(desk: Page, server: AmiReplayServer) -> None:
    """Seat 1001 signs in to its queue from the desk (QueueAdd through the command bus).

    The recording starts with 1001 already in q-general, so the desk shows it signed in and keeps
    签入 disabled (issue 14: a button is enabled only when it can act); the seat signs out and in
    again, and the switch answers each action with the membership event Asterisk sends."""
    await expect(desk.locator("#seat-state")).to_have_text("示闲", timeout=WAIT_MS)
    await expect(desk.locator("#btn-login")).to_be_disabled()
    await desk.click("#btn-logout")
    await expect(desk.locator("#toast")).to_have_text("已签出", timeout=WAIT_MS)
    assert any(
        a.get("Action") == "QueueRemove" and a.get("Interface") == "PJSIP/1001" for a in server.actions
    )
    await server.inject(member_event("QueueMemberRemoved"))
    await expect(desk.locator("#seat-state")).to_have_text("未签入", timeout=WAIT_MS)
    await expect(desk.locator("#btn-logout")).to_be_disabled()
    await desk.click("#btn-login")
    await expect(desk.locator("#toast")).to_have_text("已签入", timeout=WAIT_MS)
    assert any(a.get("Action") == "QueueAdd" and a.get("Interface") == "PJSIP/1001" for a in server.actions)
    await server.inject(member_event("QueueMemberAdded"))
    await expect(desk.locator("#seat-state")).to_have_text("示闲", timeout=WAIT_MS)
    await expect(desk.locator("#btn-login")).to_be_disabled()


async def signed_in_desk(web: Stack, browser: Browser) -> Page:
    """Seat 1001's desk, live and signed in to its queue, once the held capture is ready."""
    server = web.harness.server
    await asyncio.wait_for(server.held.wait(), 20)
    _ctx, desk = await open_page(browser, f"{web.base}/desk", "seat1001")
    await expect(desk.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    await sign_in(desk, server)
    return desk
