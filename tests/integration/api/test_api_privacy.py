"""Issue 11 over HTTP, on SQLite and PostgreSQL: unmasking with a reason, 404 out of scope on every
ticket route, hidden callers in lists and the phone search, the public disclosure page."""

from __future__ import annotations

from typing import Any

from agent_desk.app import create_app
from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.tickets import pii

HIDDEN = "(已隐去)"


async def complaint(api: Api, lead: str = "dept-urban", **over: Any) -> str:
    body = {"channel": "phone", **pii.intake(complained_unit_code="d-dongcheng"), **over}
    r = await api.post("seat1001", "/api/tickets", body)
    assert r.status_code == 201, r.text
    no: str = r.json()["ticket_no"]
    r = await api.post(
        "seat1001",
        f"/api/tickets/{no}/dispatch",
        {"lead_unit_code": lead, "assist_unit_codes": ["s-dc-hepingli"], "note": pii.NOTE},
    )
    assert r.status_code == 200, r.text
    return no


async def test_unmask_needs_a_reason_and_an_allowed_role_and_is_audited(api: Api) -> None:
    no = await complaint(api)
    masked = (await api.get("auditor", f"/api/tickets/{no}")).json()
    assert (masked["citizen_name"], masked["citizen_phone"]) == ("王**", "139****5678")
    assert pii.found(str(masked), pii.VALUES) == []
    # Refused roles: 403 with the reason in Chinese, and nothing written to the audit log.
    for user in ("seat1001", "admin", "unit-dept-urban", "unit-d-dongcheng", "unit-s-dc-hepingli"):
        r = await api.post(user, f"/api/tickets/{no}/unmask", {"reason": "想看看"})
        assert (r.status_code, r.json()) == (403, {"detail": "无权查看未脱敏信息", "code": "forbidden"}), user
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "查" * 201}):
        assert (await api.post("auditor", f"/api/tickets/{no}/unmask", bad)).status_code == 422, bad
    assert [r["action"] for r in (await api.get("auditor", "/api/audit")).json()] == []
    r = await api.post("auditor", f"/api/tickets/{no}/unmask", {"reason": "核查投诉办理情况"})
    assert r.status_code == 200, r.text
    full = r.json()
    assert (full["citizen_name"], full["citizen_phone"], full["content"]) == (
        pii.NAME,
        pii.MOBILE,
        pii.CONTENT,
    )
    r = await api.post("supervisor", f"/api/tickets/{no}/unmask", {"reason": "督办需要联系来电人"})
    assert r.status_code == 200
    log = (await api.get("admin", "/api/audit", params={"subject": no})).json()
    assert [(e["actor"], e["action"], e["note"]) for e in log] == [
        ("supervisor", "unmask", "督办需要联系来电人"),
        ("auditor", "unmask", "核查投诉办理情况"),
    ]
    assert "citizen_phone" in log[0]["fields"] and "id_number" in log[0]["fields"]
    missing = await api.post("auditor", "/api/tickets/12345-20990101-000001/unmask", {"reason": "核查"})
    assert missing.status_code == 404


GHOST = "12345-20990101-000001"
# A valid body for every POST route under /api/tickets/{ticket_no}: a new route must add its own
# here (the test fails on a KeyError), so that it is checked with a body that passes validation.
BODIES: dict[str, dict[str, object]] = {
    "dispatch": {"lead_unit_code": "dept-urban"},
    "close-at-intake": {"answer": "已按知识库答复"},
    "refuse": {"reason_code": "litigation"},
    "sign": {},
    "first-contact": {},
    "reply": {"text": "已处理完毕", "responsible_person": "李四", "head_signoff": "王五"},
    "extension": {"days": 2, "reason": "需要协调"},
    "return": {"reason": "非本单位职责"},
    "assist-note": {"note": "配合"},
    "review": {"approve": True},
    "extension/decision": {"approve": True},
    "return/decision": {"approve": True},
    "supervise": {"note": "请加快"},
    "leader-instruction": {"leader": "副市长", "instruction": "限期解决"},
    "callback": {"satisfaction": "satisfied", "resolved": True},
    "reopen": {},
    "merge": {"into_ticket_no": GHOST},
    "close": {},
    "archive": {},
    "unmask": {"reason": "核查"},
}


async def test_out_of_scope_answers_404_like_a_missing_ticket_on_every_ticket_route(
    api: Api, api_settings: Settings
) -> None:
    """Every route with a {ticket_no}, taken from the app's OpenAPI so that a new one is covered."""
    no = await complaint(api)
    paths = create_app(api_settings).openapi()["paths"]
    routes = [
        (method.upper(), path)
        for path, ops in sorted(paths.items())
        if "{ticket_no}" in path
        for method in ops
    ]
    assert len(routes) == 2 + len(BODIES)  # detail, events, and the POST routes above
    prefix = "/api/tickets/{ticket_no}"
    for method, path in routes:
        body = BODIES[path.removeprefix(prefix + "/")] if method == "POST" else None
        for user in ("unit-dept-env", "unit-s-dc-jianguo", "unit-d-dongcheng"):  # none is assigned
            outside = await api.call(user, method, path.replace("{ticket_no}", no), json=body)
            absent = await api.call(user, method, path.replace("{ticket_no}", GHOST), json=body)
            # The same status and body as a ticket that does not exist (only the number differs).
            expected = (404, {"detail": f"工单不存在:{no}", "code": "not_found"})
            if path.endswith("/unmask"):  # a unit may never unmask: refused before any lookup
                expected = (403, {"detail": "无权查看未脱敏信息", "code": "forbidden"})
            assert (outside.status_code, outside.json()) == expected, (user, method, path)
            assert absent.status_code == expected[0], (user, method, path)
            if expected[0] == 404:
                assert absent.json() == {"detail": f"工单不存在:{GHOST}", "code": "not_found"}
    # Nothing happened to the ticket: still dispatched, the history as it was.
    events = (await api.get("supervisor", f"/api/tickets/{no}/events")).json()
    assert [e["action"] for e in events] == ["register", "dispatch"]


async def test_hidden_caller_in_lists_detail_and_phone_search_over_http(api: Api) -> None:
    hidden = await complaint(api, lead="d-dongcheng")
    help_no = (
        await api.post("seat1001", "/api/tickets", {"channel": "web", **pii.intake(type="求助")})
    ).json()["ticket_no"]
    await api.post("seat1001", f"/api/tickets/{help_no}/dispatch", {"lead_unit_code": "d-dongcheng"})
    for user in ("unit-d-dongcheng", "unit-s-dc-hepingli"):
        rows = {t["ticket_no"]: t for t in (await api.get(user, "/api/tickets")).json()}
        assert (rows[hidden]["citizen_name"], rows[hidden]["citizen_phone"]) == (HIDDEN, HIDDEN), user
        detail = (await api.get(user, f"/api/tickets/{hidden}")).json()
        events = (await api.get(user, f"/api/tickets/{hidden}/events")).json()
        assert detail["identity_hidden"] and detail["citizen_address"] == HIDDEN
        assert pii.found(str(detail) + str(events), pii.VALUES + pii.HINTS) == [], user
    portal = (await api.get("unit-d-dongcheng", "/api/web/portal/tickets")).json()
    assert {p["ticket_no"]: p["citizen_phone"] for p in portal}[hidden] == HIDDEN
    # The phone search cannot confirm a suspected complainant to the unit complained about.
    found = await api.get("unit-d-dongcheng", "/api/tickets", params={"phone": pii.MOBILE})
    assert [t["ticket_no"] for t in found.json()] == [help_no]
    assert (await api.get("unit-s-dc-hepingli", "/api/tickets", params={"phone": pii.MOBILE})).json() == []
    seat = await api.get("seat1001", "/api/tickets", params={"phone": pii.MOBILE})
    assert {t["ticket_no"] for t in seat.json()} == {hidden, help_no}
    assert (await api.get("admin", "/api/tickets", params={"phone": pii.MOBILE})).status_code == 403
    # The audit log names the number searched for, masked.
    log = (await api.get("auditor", "/api/audit")).json()
    assert {e["subject"] for e in log if e["action"] == "search_by_phone"} == {"139****5678"}


async def test_public_disclosure_shows_no_full_personal_data(api: Api) -> None:
    r = await api.post(
        "seat1001", "/api/tickets", {"channel": "web", **pii.intake(type="求助"), "consent_disclosure": True}
    )
    no = r.json()["ticket_no"]
    await api.post("seat1001", f"/api/tickets/{no}/dispatch", {"lead_unit_code": "dept-urban"})
    reply = {"text": pii.REPLY, "responsible_person": "李四", "head_signoff": "王五"}
    for step, body in [("sign", {}), ("first-contact", {"note": pii.NOTE}), ("reply", reply)]:
        assert (await api.post("unit-dept-urban", f"/api/tickets/{no}/{step}", body)).status_code == 200
    await api.post("supervisor", f"/api/tickets/{no}/review", {"approve": True})
    await api.post("seat1001", f"/api/tickets/{no}/callback", {"satisfaction": "satisfied", "resolved": True})
    (item,) = (await api.get(None, "/api/public/disclosures")).json()
    assert (item["ticket_no"], item["citizen"], item["handler"]) == (no, "王**", "李**")
    assert pii.found(str(item), pii.VALUES) == []
    assert item["title"] == "王**投诉:抄表员态度恶劣"
