"""KB, KPIs, directory, watch list, caller profile, call-back tasks, board and OpenAPI over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core.contracts import CallRecord
from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.api.test_api_tickets import REPLY, new_ticket
from tickets.db import Database
from tickets.ingest import ingest_record


async def test_kb_search_propose_approve_and_public(api: Api) -> None:
    hits = (await api.get("seat1001", "/api/kb/search", params={"q": "路灯"})).json()
    assert hits[0]["question"] == "路灯不亮找谁报修?"
    public = (await api.get(None, "/api/public/kb/search", params={"q": "没气泄露"})).json()
    assert public[0] == {"question": "闻到煤气泄漏怎么办?", "answer": public[0]["answer"], "category": "燃气"}
    assert (await api.get(None, "/api/kb/search", params={"q": "路灯"})).status_code == 401
    r = await api.post(
        "unit-dept-urban",
        "/api/kb/articles",
        {"question": "井盖丢失怎么上报?", "answer": "拨打12345或城管热线。", "keywords": "井盖"},
    )
    assert (r.status_code, r.json()["status"], r.json()["unit_code"]) == (201, "pending", "dept-urban")
    article = r.json()["id"]
    assert (
        await api.post("auditor", "/api/kb/articles", {"question": "问题问题", "answer": "答案答案"})
    ).status_code == 403
    assert (await api.get("seat1001", "/api/kb/articles/pending")).status_code == 403
    pending = (await api.get("supervisor", "/api/kb/articles/pending")).json()
    assert [p["id"] for p in pending] == [article]
    assert (
        await api.post("unit-dept-urban", f"/api/kb/articles/{article}/review", {"approve": True})
    ).status_code == 403
    r = await api.post("supervisor", f"/api/kb/articles/{article}/review", {"approve": True})
    assert r.json()["status"] == "approved"
    assert (await api.get(None, "/api/public/kb/search", params={"q": "井盖"})).json()[0][
        "question"
    ] == "井盖丢失怎么上报?"


async def test_kpi_json_csv_and_scope(api: Api) -> None:
    no = await new_ticket(api)
    await api.post("seat1001", f"/api/tickets/{no}/dispatch", {"lead_unit_code": "dept-urban"})
    for step, body in [("sign", {}), ("first-contact", {}), ("reply", REPLY)]:
        await api.post("unit-dept-urban", f"/api/tickets/{no}/{step}", body)
    now = datetime.now(UTC)
    period = {"start": (now - timedelta(days=1)).isoformat(), "end": (now + timedelta(days=1)).isoformat()}
    rows = (await api.get("supervisor", "/api/kpi/units", params=period)).json()
    assert [(r["unit_code"], r["assigned"], r["response_rate"], r["on_time_rate"]) for r in rows] == [
        ("dept-urban", 1, 1.0, 1.0)
    ]
    mine = (await api.get("unit-dept-urban", "/api/kpi/units", params=period)).json()
    assert [r["unit_code"] for r in mine] == ["dept-urban"]
    r = await api.get("unit-dept-urban", "/api/kpi/units", params={**period, "unit_code": "dept-env"})
    assert r.status_code == 403
    assert (await api.get("seat1001", "/api/kpi/units", params=period)).status_code == 403
    csv = await api.get("supervisor", "/api/kpi/units.csv", params=period)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[1].startswith("dept-urban,市城市管理局,1,1,1.0,1,1.0")
    centre = (await api.get("supervisor", "/api/kpi/centre", params=period)).json()
    assert (centre["accepted"], centre["dispatched"], centre["direct_close_rate"]) == (1, 1, 0.0)
    assert (await api.get("unit-dept-urban", "/api/kpi/centre", params=period)).status_code == 403
    bad = await api.get(
        "supervisor", "/api/kpi/units", params={"start": period["end"], "end": period["start"]}
    )
    assert bad.status_code == 422


async def test_directory(api: Api) -> None:
    units = (await api.get("unit-dept-env", "/api/units")).json()
    centre = next(u for u in units if u["code"] == "centre")
    assert (centre["tier"], centre["duty_phone"]) == (1, "0999-12345000")
    streets = (await api.get("seat1001", "/api/units", params={"tier": 3})).json()
    assert streets and all(u["parent_code"].startswith("d-") for u in streets)
    tree = (await api.get("seat1001", "/api/categories")).json()
    urban = next(c for c in tree if c["name"] == "城乡建设")
    assert "路灯照明" in [c["name"] for c in urban["children"]]


async def test_watch_list_and_caller_profile(api: Api) -> None:
    body = {"phone": "13600000000", "reason": "多次无理来电辱骂话务员"}
    assert (await api.post("seat1001", "/api/watchlist", body)).status_code == 403
    assert (await api.post("supervisor", "/api/watchlist", body)).status_code == 201
    assert [w["phone"] for w in (await api.get("supervisor", "/api/watchlist")).json()] == ["13600000000"]
    profile = (await api.get("seat1001", "/api/callers/13600000000/profile")).json()
    assert (profile["watch_listed"], profile["watch_reason"]) == (True, "多次无理来电辱骂话务员")
    assert (await api.get("unit-dept-urban", "/api/callers/13600000000/profile")).status_code == 403
    assert (await api.call("supervisor", "DELETE", "/api/watchlist/13600000000")).status_code == 200
    assert (await api.call("supervisor", "DELETE", "/api/watchlist/13600000000")).status_code == 404
    assert (await api.get("seat1001", "/api/callers/13600000000/profile")).json()["watch_listed"] is False


async def test_missed_call_tasks(api: Api, api_settings: Settings) -> None:
    db = Database(api_settings.database_url, pool_size=1)
    now = datetime.now(UTC)
    record = CallRecord(
        linkedid="m.1",
        caller="13500000000",
        channel="PJSIP/world-9",
        started_at=now,
        ended_at=now,
        outcome="abandoned",
        queue="q-general",
        wait_s=40,
    )

    def work(s: Session) -> None:
        ingest_record(s, record, api_settings, now)

    try:
        await db.run(work)
    finally:
        db.dispose()
    tasks = (await api.get("seat1001", "/api/callback-tasks", params={"kind": "missed_call"})).json()
    assert [(t["phone"], t["kind"], t["ticket_no"]) for t in tasks] == [("13500000000", "missed_call", None)]
    r = await api.post("seat1001", f"/api/callback-tasks/{tasks[0]['id']}/done", {"note": "已回拨"})
    assert (r.status_code, r.json()["done"]) == (200, True)
    assert (await api.post("seat1001", f"/api/callback-tasks/{tasks[0]['id']}/done", {})).status_code == 409
    assert (await api.get("seat1001", "/api/callback-tasks", params={"kind": "missed_call"})).json() == []


async def test_supervision_board(api: Api) -> None:
    no = await new_ticket(api, urgency="紧急")
    await api.post("seat1001", f"/api/tickets/{no}/dispatch", {"lead_unit_code": "u-water"})
    board = (await api.get("supervisor", "/api/supervision/board", params={"soon_hours": 48})).json()
    assert [(b["unit_code"], [i["ticket_no"] for i in b["due_soon"]]) for b in board] == [("u-water", [no])]
    assert (await api.get("unit-u-water", "/api/supervision/board")).status_code == 403


async def test_openapi_is_complete(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert len(operations) >= 40
    assert all(op.get("tags") and op.get("summary") for op in operations)
    assert "/api/tickets/{ticket_no}/extension/decision" in spec["paths"]


async def test_calendar_overrides_change_new_deadlines(api: Api) -> None:
    days = [{"day": "2027-01-01", "workday": False, "note": "元旦"}, {"day": "2027-01-04", "workday": True}]
    assert (await api.call("supervisor", "PUT", "/api/calendar/overrides", json=days)).status_code == 403
    r = await api.call("admin", "PUT", "/api/calendar/overrides", json=days)
    assert r.status_code == 200
    listed = (await api.get("supervisor", "/api/calendar/overrides", params={"year": 2027})).json()
    assert [(d["day"], d["workday"]) for d in listed] == [("2027-01-01", False), ("2027-01-04", True)]
    assert (await api.call("admin", "DELETE", "/api/calendar/overrides/2027-01-04")).status_code == 204
    assert (await api.call("admin", "DELETE", "/api/calendar/overrides/2027-01-04")).status_code == 404


async def test_openapi_documents_the_errors(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    dispatch = spec["paths"]["/api/tickets/{ticket_no}/dispatch"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(dispatch["responses"])
    assert "ErrorBody" in spec["components"]["schemas"]
