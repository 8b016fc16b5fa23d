"""Issue 14, the caller's context and the call clocks, in a real headless Chromium against the real
app, real Redis, SQLite and the AMI role fed by the softswitch double (answered_call capture):

- the call timer and the hold button's 保持中 mm:ss count from the server's answer and hold times
  (the browser's clock is pinned with Playwright's clock, so the shown time is exact), and a
  reload shows the same time;
- the repeat-caller counts include today's tickets, the history rows open a read-only pane
  (Enter opens, Escape closes, focus back on the row), the latest ticket's name and address are
  offered and taken with one click (an audited detail read), and the desk's ticket search finds
  by number and by phone;
- axe-core without serious or critical violations; screenshots at 1366×768 and 1920×1080.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import httpx
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis
from sqlmodel import select

from callflow import store
from callflow.views import CallView
from tests.e2e.stack import CALLER, WAIT_MS, Stack, open_page, shot, sign_in
from tests.e2e.test_e2e_desk_keyboard import SIZES, axe_violations
from tickets.models import AuditLog

SEAT = "1001"


async def live_call(redis: Redis, stack: Stack) -> CallView:
    """The call on seat 1001 as the server keeps it (Redis), the source of the desk's clocks."""
    prefix = stack.harness.settings.redis_prefix
    seat = await store.seat_state(redis, prefix, SEAT)
    assert seat is not None and seat.linkedid is not None
    call = await store.call_state(redis, prefix, seat.linkedid)
    assert call is not None
    return call


async def pin_clock(page: Page, at: datetime) -> None:
    """The browser's `Date.now()` answers `at` from now on (its timers keep running)."""
    await page.clock.set_fixed_time(at)


async def call_connected(stack: Stack, browser: Browser) -> Page:
    server = stack.harness.server
    await asyncio.wait_for(server.held.wait(), 20)
    _ctx, desk = await open_page(browser, f"{stack.base}/desk", "seat1001")
    await expect(desk.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    await sign_in(desk, server)
    server.hold_before("AgentComplete")
    server.resume()
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    await expect(desk.locator("#caller-history")).not_to_have_text("查询中…", timeout=WAIT_MS)
    return desk


async def test_the_call_timer_and_the_hold_clock_follow_the_servers_times(
    web: Stack,
    browser: Browser,
    redis: Redis,
) -> None:
    desk = await call_connected(web, browser)
    call = await live_call(redis, web)
    assert call.answered_at is not None
    answered = call.answered_at
    timer = desk.locator("#call-timer")
    # The timer counts from the answer the server recorded, not from when the frame arrived.
    await expect(timer).to_be_visible()
    assert datetime.fromisoformat(str(await timer.get_attribute("data-since"))) == answered
    await pin_clock(desk, answered + timedelta(seconds=65))
    await expect(timer).to_have_text("通话 01:05")
    await expect(desk.locator("#hold-elapsed")).to_be_hidden()

    # On hold: the button resumes and says since when the citizen hears the music.
    await desk.click("#btn-hold")
    await expect(desk.locator("#call-state")).to_have_text("保持中", timeout=WAIT_MS)
    call = await live_call(redis, web)
    assert call.holds and call.holds[-1].end is None
    hold_start = call.holds[-1].start
    await pin_clock(desk, hold_start + timedelta(seconds=12))
    await expect(desk.locator("#btn-hold")).to_have_text("恢复 保持中 00:12")
    talked = int((hold_start + timedelta(seconds=12) - answered).total_seconds())
    await expect(timer).to_have_text(f"通话 {talked // 60:02d}:{talked % 60:02d}")
    await desk.set_viewport_size(SIZES["1366"])
    await shot(desk, "30-desk-on-hold-timer-1366")
    assert await axe_violations(desk) == []

    # A reload takes the times from the snapshot: the same clocks, the hold still counted.
    await desk.reload()
    await expect(desk.locator("body")).to_have_attribute("data-ready", "1", timeout=WAIT_MS)
    await expect(desk.locator("#call-state")).to_have_text("保持中", timeout=WAIT_MS)
    await expect(desk.locator("#btn-hold")).to_have_text("恢复 保持中 00:12")
    await expect(timer).to_have_text(f"通话 {talked // 60:02d}:{talked % 60:02d}")
    await pin_clock(desk, hold_start + timedelta(seconds=75))
    await expect(desk.locator("#hold-elapsed")).to_have_text("保持中 01:15")

    # Resumed: the hold clock goes, the call timer goes on from the answer.
    await desk.click("#btn-hold")
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    await expect(desk.locator("#btn-hold")).to_have_text("保持")
    await expect(desk.locator("#hold-elapsed")).to_be_hidden()
    await pin_clock(desk, answered + timedelta(minutes=61, seconds=2))
    await expect(timer).to_have_text("通话 1:01:02")
    await desk.set_viewport_size(SIZES["1920"])
    await shot(desk, "31-desk-talking-timer-1920")

    # The call ends: the timer stands still.
    web.harness.server.resume()
    await expect(desk.locator("#call-state")).to_have_text("已结束", timeout=WAIT_MS)
    await pin_clock(desk, answered + timedelta(minutes=70))
    await expect(timer).to_have_text("通话 1:01:02")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(web.harness.run_to_end(), 20)


async def earlier_tickets(base: str) -> list[str]:
    """Three phone tickets of the caller this morning, taken by another seat (no call records)."""
    made = []
    async with httpx.AsyncClient(base_url=base) as http:
        login = await http.post("/api/auth/login", json={"username": "seat1002", "password": "demo12345"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for name, address, content in (
            ("李女士", "和平路3号", "和平路3号门前井盖缺失，夜间行人容易踩空。"),
            ("李女士", "和平路3号", "再次反映和平路3号井盖缺失，至今无人处理。"),
            ("张先生", "幸福路12号", "幸福路12号楼下餐馆油烟直排，窗户不能开。"),
        ):
            r = await http.post(
                "/api/tickets",
                json={
                    "channel": "phone",
                    "type": "投诉",
                    "content": content,
                    "citizen_name": name,
                    "citizen_phone": CALLER,
                    "citizen_address": address,
                },
                headers=headers,
            )
            assert r.status_code == 201, r.text
            made.append(str(r.json()["ticket_no"]))
    return made


async def test_the_callers_context_history_pane_offer_and_search(
    web: Stack,
    browser: Browser,
) -> None:
    first, second, latest = await earlier_tickets(web.base)
    desk = await call_connected(web, browser)
    await desk.set_viewport_size(SIZES["1366"])

    # Today's three tickets are three calls: the counts and the repeat-caller flag say so.
    await expect(desk.locator("#flag-counts")).to_have_text("24小时 3 次 · 30天 3 次")
    await expect(desk.locator("#flag-repeat")).to_have_text("重复来电")
    rows = desk.locator("#history-table tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_have_attribute("data-ticket", latest)
    # The narrow column keeps each ticket number on one line (the issue: three lines).
    await shot(desk, "35-desk-history-1366")
    one_line = await desk.locator("#history-table .no").evaluate_all(
        "spans => spans.map((s) => s.getBoundingClientRect().height"
        " < 2 * parseFloat(getComputedStyle(s).fontSize) && s.scrollWidth <= s.clientWidth)"
    )
    assert one_line == [True, True, True]
    assert await desk.locator("#history-table").evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")

    # The latest ticket's name and address are offered, not filled.
    offer = desk.locator("#btn-reuse")
    await expect(offer).to_have_text("沿用上次：张先生，幸福路12号")
    await expect(desk.locator("#f-name")).to_have_value("")
    await expect(desk.locator("#f-address")).to_have_value("")
    await offer.click()
    await expect(desk.locator("#f-name")).to_have_value("张先生")
    await expect(desk.locator("#f-address")).to_have_value("幸福路12号")
    await expect(desk.locator("#f-name")).to_be_focused()
    # Reading them was a detail read of that ticket, in the audit log under the seat's name.
    reads = await web.db.run(
        lambda s: s.exec(
            select(AuditLog).where(AuditLog.actor == "seat1001", AuditLog.action == "read_ticket")
        ).all()
    )
    assert [(r.subject, "citizen_name" in r.fields, "citizen_address" in r.fields) for r in reads] == [
        (latest, True, True)
    ]

    # A history row opens its ticket read-only by keyboard; Escape closes; focus is back on the row.
    row = desk.locator(f'#history-table tr[data-ticket="{second}"]')
    await row.focus()
    await desk.keyboard.press("Enter")
    pane = desk.locator("#ticket-pane")
    await expect(pane).to_be_visible(timeout=WAIT_MS)
    await expect(desk.locator("#pane-title")).to_be_focused()
    await expect(desk.locator("#pane-title")).to_have_text(f"工单 {second}（只读）")
    await expect(pane).to_contain_text("再次反映和平路3号井盖缺失")
    await expect(pane).to_contain_text("李女士")
    await expect(pane.locator("input, textarea, select")).to_have_count(0)
    await shot(desk, "32-desk-history-pane-1366")
    assert await axe_violations(desk) == []
    await desk.keyboard.press("Escape")
    await expect(pane).to_be_hidden()
    await expect(row).to_be_focused()
    # The call goes on while the seat reads: the form kept what it had.
    await expect(desk.locator("#f-name")).to_have_value("张先生")

    # The desk's search: a number opens the ticket, a phone lists the caller's tickets.
    await desk.fill("#ticket-q", first)
    await desk.press("#ticket-q", "Enter")
    await expect(desk.locator("#pane-title")).to_have_text(f"工单 {first}（只读）", timeout=WAIT_MS)
    await expect(pane).to_contain_text("和平路3号门前井盖缺失")
    await desk.keyboard.press("Escape")
    await expect(desk.locator("#ticket-q")).to_be_focused()
    await desk.fill("#ticket-q", "12345-20991231-999999")
    await desk.press("#ticket-q", "Enter")
    await expect(desk.locator("#toast")).to_have_text("未找到工单 12345-20991231-999999", timeout=WAIT_MS)
    await expect(pane).to_be_hidden()
    await desk.fill("#ticket-q", CALLER)
    await desk.press("#ticket-q", "Enter")
    found = desk.locator("#search-table tbody tr")
    await expect(found).to_have_count(3, timeout=WAIT_MS)
    await found.nth(2).focus()
    await desk.keyboard.press("Enter")
    await expect(desk.locator("#pane-title")).to_have_text(f"工单 {first}（只读）", timeout=WAIT_MS)
    await desk.set_viewport_size(SIZES["1920"])
    await shot(desk, "33-desk-search-pane-1920")
    assert await axe_violations(desk) == []
    await desk.click("#pane-close")
    await expect(pane).to_be_hidden()
    await expect(found.nth(2)).to_be_focused()
    await desk.fill("#ticket-q", "张先生")
    await desk.press("#ticket-q", "Enter")
    await expect(desk.locator("#search-results")).to_have_text(
        "请输入完整工单号（如 12345-20261202-000001）或来电号码"
    )
    await shot(desk, "34-desk-context-1920")

    web.harness.server.resume()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(web.harness.run_to_end(), 20)
