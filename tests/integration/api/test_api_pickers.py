"""/api/pickers: the desk's category and unit pickers carry the pinyin and initials a seat types
(`gs` / `gongshui` → 供水), and /api/pickers/suggest gives the classifier's reading with its
confidence (issue 14)."""

from __future__ import annotations

from agent_desk.api.routes.pickers import spellings
from tests.integration.api.client import Api


def test_spellings_are_full_pinyin_and_initials_in_context() -> None:
    assert spellings("供水") == ("gong shui", "gs")
    # The phrase dictionary reads 长安 as chang'an, not zhang'an.
    assert spellings("长安街道") == ("chang an jie dao", "cajd")
    assert spellings("12345中心") == ("1 2 3 4 5 zhong xin", "12345zx")


async def test_pickers_list_categories_and_units_with_their_spellings(api: Api) -> None:
    r = await api.get("seat1001", "/api/pickers")
    assert r.status_code == 200, r.text
    body = r.json()
    water = next(c for c in body["categories"] if c["code"] == "urban.water")
    assert (water["name"], water["path"], water["pinyin"], water["initials"]) == (
        "供水",
        "城乡建设 / 供水",
        "gong shui",
        "gs",
    )
    assert (water["parent_code"], water["default_unit_code"]) == ("urban", "u-water")
    top = next(c for c in body["categories"] if c["code"] == "urban")
    assert (top["parent_code"], top["path"]) == (None, "城乡建设")
    unit = next(u for u in body["units"] if u["code"] == "u-water")
    assert (unit["name"], unit["initials"], unit["kind_label"], unit["tier"]) == (
        "示范市自来水公司",
        "sfszlsgs",
        "公用事业单位",
        2,
    )
    centre = next(u for u in body["units"] if u["code"] == "centre")
    assert centre["kind_label"] == "热线中心"
    assert body["ivr_min_confidence"] == 0.5


async def test_pickers_need_a_login(api: Api) -> None:
    assert (await api.get(None, "/api/pickers")).status_code == 401
    assert (await api.post(None, "/api/pickers/suggest", {"text": "停水"})).status_code == 401


async def test_suggestion_names_category_unit_and_confidence(api: Api) -> None:
    # An outage keyword is the IVR's utility rule: the water company, for certain.
    r = await api.post("seat1001", "/api/pickers/suggest", {"text": "幸福小区从早上开始停水了"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "category_code": "urban.water",
        "unit_code": "u-water",
        "confidence": 1.0,
        "source": "keyword",
        "ticket_type": "求助",  # 停水 is a request for help (ivr.classify TYPE_RULES)
    }
    # Otherwise the category model, with its calibrated probability.
    noise = (
        await api.post("seat1001", "/api/pickers/suggest", {"text": "楼下广场舞噪音太大，投诉一下"})
    ).json()
    assert noise["source"] == "model"
    assert noise["ticket_type"] == "投诉"
    assert 0.0 < noise["confidence"] < 1.0
    assert noise["category_code"] is not None and noise["unit_code"] is not None
    assert (await api.post("seat1001", "/api/pickers/suggest", {"text": ""})).status_code == 422
