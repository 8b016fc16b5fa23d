"""The whole web side in a real headless Chromium, against the real app, real Redis, a real
SQLite database and the real AMI role fed by the softswitch test double (answered_call capture).

A seat logs in and signs in to its queue, a call from the softswitch pops its screen, the seat
fills and dispatches the ticket while talking; the unit handler signs and replies in the portal;
the supervisor's wallboard follows the seat and the queue figures live. Screenshots go to
test-artifacts/e2e/ (gitignored).
"""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlmodel import select

from tests.e2e.stack import CALLER, UNIT, WAIT_MS, Stack, open_page, pick, shot, sign_in
from tickets.models import CallLink

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_call_pops_the_desk_and_the_ticket_reaches_the_unit(web: Stack, browser: Browser) -> None:
    base, harness, db = web.base, web.harness, web.db
    server = harness.server
    await asyncio.wait_for(server.held.wait(), 20)

    # The supervisor watches from the start.
    _sup_ctx, wall = await open_page(browser, f"{base}/wallboard", "supervisor")
    await expect(wall.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    await expect(wall.locator('#seats tr[data-seat="1001"]')).to_be_visible(timeout=WAIT_MS)

    # The seat logs in and signs in to its queue (QueueAdd through the command bus).
    _seat_ctx, desk = await open_page(browser, f"{base}/desk", "seat1001")
    await expect(desk.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    await sign_in(desk, server)
    await shot(desk, "01-desk-signed-in")

    # The citizen calls; the call is held while the seat talks (before AgentComplete).
    server.hold_before("AgentComplete")
    server.resume()
    await expect(desk.locator("#caller-number")).to_have_text(CALLER, timeout=WAIT_MS)
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    await expect(desk.locator("#f-phone")).to_have_value(CALLER)
    await expect(desk.locator("#caller-history")).not_to_have_text("查询中…", timeout=WAIT_MS)
    await expect(wall.locator('#seats tr[data-seat="1001"] .state')).to_have_text("通话中", timeout=WAIT_MS)
    await shot(desk, "02-desk-screen-pop")
    await shot(wall, "03-wallboard-talking")

    # The seat writes the record while talking and dispatches it.
    await desk.select_option("#f-type", "求助")
    await desk.fill("#f-title", "小区停水")
    await desk.fill("#f-content", "幸福小区3号楼从早上开始停水，至今未恢复，请尽快处理。")
    await desk.fill("#f-address", "幸福小区3号楼")
    await pick(desk, "#f-category-input", "供水", "城乡建设 / 供水")
    await expect(desk.locator("#f-category")).to_have_value("urban.water")
    await expect(desk.locator("#f-lead")).to_have_value(UNIT)  # the category's usual unit is proposed
    await desk.click("#btn-dispatch")
    # The confirmation names the unit the ticket goes to (issue 14).
    await expect(desk.locator("#ask-dispatch #confirm-lead")).to_have_text("示范市自来水公司")
    await desk.click('#ask-dispatch button[data-choice="0"]')
    await expect(desk.locator("#ticket-result")).to_contain_text("待签收", timeout=WAIT_MS)
    ticket_no = (await desk.locator("#ticket-result").inner_text()).split(" · ")[0]
    await shot(desk, "04-desk-dispatched")

    # The call record carries the ticket (AttachTicket on the live call).
    for _ in range(200):
        if any(a.get("Action") == "Setvar" and a.get("Value") == ticket_no for a in server.actions):
            break
        await asyncio.sleep(0.05)
    assert any(a.get("Action") == "Setvar" and a.get("Value") == ticket_no for a in server.actions)

    # 保持 / 恢复: the citizen hears music on hold (Redirect), then the two talk again (Bridge).
    await desk.click("#btn-hold")
    await expect(desk.locator("#call-state")).to_have_text("保持中", timeout=WAIT_MS)
    # The hold button resumes and shows how long the citizen has been waiting (issue 14).
    await expect(desk.locator("#btn-hold")).to_have_text(re.compile(r"^恢复 保持中 \d{2}:\d{2}$"))
    assert [a.get("Context") for a in server.actions if a.get("Action") == "Redirect"] == ["hotline-hold"]
    await shot(desk, "04b-desk-on-hold")
    await desk.click("#btn-hold")
    await expect(desk.locator("#call-state")).to_have_text("通话中", timeout=WAIT_MS)
    await expect(desk.locator("#btn-hold")).to_have_text("保持")
    bridged = [a for a in server.actions if a.get("Action") == "Bridge"]
    assert [(a.get("Channel1"), a.get("Channel2")) for a in bridged] == [
        ("PJSIP/world-00000000", "PJSIP/1001-00000001")
    ]

    # The call ends; the wallboard's queue figures follow.
    server.resume()
    await expect(desk.locator("#call-state")).to_have_text("已结束", timeout=WAIT_MS)
    queue_card = wall.locator('.queue-card[data-queue="q-general"]')
    await expect(queue_card.locator(".metrics div").nth(1).locator("b")).to_have_text("1", timeout=WAIT_MS)
    await expect(wall.locator('#seats tr[data-seat="1001"] td').nth(5)).to_have_text("1", timeout=WAIT_MS)

    # Once the worker stored the call record, a fresh wallboard (snapshot on connect) draws it.
    for _ in range(400):
        if await db.run(lambda s: s.exec(select(CallLink)).first()) is not None:
            break
        await asyncio.sleep(0.05)
    await wall.reload()
    await expect(wall.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    await expect(queue_card.locator(".metrics div").nth(1).locator("b")).to_have_text("1", timeout=WAIT_MS)
    await expect(wall.locator("#chart-hours svg rect title", has_text="接通 1")).to_have_count(
        1, timeout=WAIT_MS
    )
    await expect(wall.locator("#chart-categories svg")).to_contain_text("供水", timeout=WAIT_MS)
    await shot(wall, "05-wallboard-after-call")

    # The unit handler signs, contacts the citizen and replies.
    _unit_ctx, portal = await open_page(browser, f"{base}/portal", f"unit-{UNIT}")
    row = portal.locator(f'#tickets tr[data-ticket="{ticket_no}"]')
    await expect(row).to_be_visible(timeout=WAIT_MS)
    await expect(row.locator(".days-left")).to_contain_text("工作日")
    await row.click()
    await portal.click("#form-sign button")
    await expect(portal.locator("#detail-status")).to_have_text("已签收", timeout=WAIT_MS)
    await portal.fill("#form-contact input[name=note]", "已电话联系市民，说明抢修安排")
    await portal.click("#form-contact button")
    await expect(portal.locator("#form-reply")).to_be_visible(timeout=WAIT_MS)
    await portal.fill("#form-reply textarea[name=text]", "经核查为管网抢修导致停水，已于当日恢复供水。")
    await portal.fill("#form-reply input[name=person]", "张工")
    await portal.fill("#form-reply input[name=head]", "李主任")
    await portal.click("#form-reply button")
    await expect(portal.locator("#detail-status")).to_have_text("待审核", timeout=WAIT_MS)
    await expect(row.locator(".status")).to_have_text("待审核", timeout=WAIT_MS)
    await shot(portal, "06-portal-replied")

    # The centre sends the reply back through the REST API: the open portal shows it live over
    # its `unit:<code>` topic (no reload), with a notice.
    await expect(portal.locator("body")).to_have_attribute("data-live", "1", timeout=WAIT_MS)
    async with httpx.AsyncClient(base_url=base) as http:
        login = await http.post("/api/auth/login", json={"username": "supervisor", "password": "demo12345"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        r = await http.post(
            f"/api/tickets/{ticket_no}/review",
            json={"approve": False, "note": "请补充恢复时间"},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    await expect(portal.locator("#toast")).to_have_text(
        f"工单已退回，请重新办理：{ticket_no}", timeout=WAIT_MS
    )
    await expect(row.locator(".status")).to_have_text("审核退回", timeout=WAIT_MS)
    await expect(portal.locator("#detail-status")).to_have_text("审核退回", timeout=WAIT_MS)
    await shot(portal, "07-portal-sent-back-live")

    with contextlib.suppress(Exception):
        await asyncio.wait_for(harness.run_to_end(), 20)


async def test_portal_keeps_a_draft_reply_when_a_live_delta_redraws_the_ticket(
    web: Stack, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=web.base) as http:

        async def token(username: str) -> dict[str, str]:
            r = await http.post("/api/auth/login", json={"username": username, "password": "demo12345"})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        async def post(headers: dict[str, str], path: str, body: dict[str, object]) -> dict[str, object]:
            r = await http.post(path, json=body, headers=headers)
            assert r.status_code in (200, 201), r.text
            return dict(r.json())

        seat, supervisor = await token("seat1001"), await token("supervisor")
        unit = await token(f"unit-{UNIT}")
        created = await post(
            seat,
            "/api/tickets",
            {"channel": "web", "type": "求助", "content": "和平里小区停水两天,请尽快恢复供水"},
        )
        no = str(created["ticket_no"])
        await post(seat, f"/api/tickets/{no}/dispatch", {"lead_unit_code": UNIT})

        _ctx, portal = await open_page(browser, f"{web.base}/portal", f"unit-{UNIT}")
        await expect(portal.locator("body")).to_have_attribute("data-live", "1", timeout=WAIT_MS)
        await portal.locator(f'#tickets tr[data-ticket="{no}"]').click()
        await expect(portal.locator("#form-sign")).to_be_visible(timeout=WAIT_MS)
        # Signing and contacting from another desk of the unit: the open page redraws live.
        await post(unit, f"/api/tickets/{no}/sign", {"note": ""})
        await post(unit, f"/api/tickets/{no}/first-contact", {"note": "已电话联系"})
        await expect(portal.locator("#form-reply")).to_be_visible(timeout=WAIT_MS)

        draft = "经核查为管网抢修导致停水"
        await portal.fill("#form-reply input[name=person]", "张工")
        await portal.fill("#form-reply textarea[name=text]", draft)
        # The centre supervises the ticket while the handler is typing its reply.
        await post(supervisor, f"/api/tickets/{no}/supervise", {"note": "请加快办理"})
        await expect(portal.locator("#toast")).to_have_text(f"工单被督办：{no}", timeout=WAIT_MS)
        await expect(portal.locator("#detail table tr", has_text="督办")).to_have_count(1, timeout=WAIT_MS)
        # Redrawn with the new history, and the draft and the cursor are where the handler left them.
        await expect(portal.locator("#form-reply textarea[name=text]")).to_have_value(draft)
        await expect(portal.locator("#form-reply input[name=person]")).to_have_value("张工")
        await expect(portal.locator("#form-reply textarea[name=text]")).to_be_focused()
        await portal.keyboard.type("，已恢复供水。")
        reply_text = portal.locator("#form-reply textarea[name=text]")
        await expect(reply_text).to_have_value(f"{draft}，已恢复供水。")


async def test_public_page_searches_the_knowledge_base(web: Stack, browser: Browser) -> None:
    base = web.base
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{base}/public")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=WAIT_MS)
    await page.fill("#kb-q", "停水")
    await page.click("#kb-form button")
    await expect(page.locator("#kb-results li").first).to_contain_text("停水", timeout=WAIT_MS)
    await shot(page, "07-public-kb")
    await page.goto(f"{base}/")
    tiles = page.locator("nav.tiles a")
    await expect(tiles).to_have_count(5)
    hrefs = await tiles.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["/desk", "/wallboard", "/portal", "/public", "/admin"]


async def test_seat_answers_from_the_knowledge_base_and_refuses_out_of_remit(
    web: Stack, browser: Browser
) -> None:
    _ctx, desk = await open_page(browser, f"{web.base}/desk", "seat1002")
    # 000 §17 / DOMAIN.md §4.1: a consultation answered on the spot from the knowledge base.
    await desk.fill("#kb-q", "停水")
    await desk.click("#kb-form button")
    await expect(desk.locator("#kb-results li").first).to_contain_text("停水", timeout=WAIT_MS)
    await desk.locator("#kb-results .use-answer").first.click()
    await expect(desk.locator("#f-answer")).not_to_have_value("")
    await expect(desk.locator("#f-type")).to_have_value("咨询")
    await desk.click("#btn-close-intake")
    await expect(desk.locator("#ticket-result")).to_contain_text("已办结", timeout=WAIT_MS)
    await shot(desk, "08-desk-closed-at-intake")
    # DOMAIN.md §3: a matter in litigation is refused with its reason code, and still recorded.
    await desk.click("#btn-new")
    await desk.fill("#f-content", "我和邻居的官司法院已经立案了，想让热线帮忙催一下。")
    await desk.select_option("#f-refuse-reason", "litigation")
    await desk.click("#btn-refuse")
    await expect(desk.locator("#ticket-result")).to_contain_text("不予受理", timeout=WAIT_MS)


@pytest.mark.parametrize("capture_name", ["ring_no_answer"])
async def test_wallboard_raises_the_three_ring_alert(web: Stack, browser: Browser) -> None:
    server = web.harness.server
    await asyncio.wait_for(server.held.wait(), 20)
    _ctx, wall = await open_page(browser, f"{web.base}/wallboard", "supervisor")
    await expect(wall.locator("#live-status")).to_have_text("实时连接正常", timeout=WAIT_MS)
    server.resume()  # 004 §11: seat 1001 lets it ring 15 s, the call goes to 1002
    alert = wall.locator("#alerts li.three_ring_miss")
    await expect(alert.first).to_contain_text("坐席 1001 三声未接", timeout=WAIT_MS)
    row = wall.locator('#seats tr[data-seat="1001"]')
    await expect(row.locator("td").nth(6)).to_have_text("1", timeout=WAIT_MS)
    await shot(wall, "09-wallboard-three-ring-alert")
