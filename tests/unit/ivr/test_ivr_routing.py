"""Routing decisions from profiles, detections and DTMF built in the test."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.contracts import CallerProfile, OpenTicketRef
from core.settings import MenuOption, Settings
from ivr.classify import Classification
from ivr.emergency import EmergencyDetector
from ivr.routing import PRIORITY_NORMAL, PRIORITY_URGENT, decide
from tickets.vocab import TicketType

DETECT = EmergencyDetector({"fire": "119", "police": "110", "medical": "120", "traffic": "122"})


def _settings() -> Settings:
    return Settings()


def test_default_call_goes_to_the_did_queue() -> None:
    s = _settings()
    d = decide(s, did="12345")
    assert (d.action, d.queue, d.priority, d.prompt) == ("queue", "q-general", PRIORITY_NORMAL, None)
    # DOMAIN.md §1: merged department hotlines keep their skill queues.
    assert decide(s, did="12315").queue == "q-enterprise"
    assert decide(s, did="12319").queue == "q-priority"
    assert decide(s, did="99999").queue == s.default_queue


def test_emergency_wins_over_everything() -> None:
    s = _settings()
    profile = CallerProfile(phone="13800000001", watch_listed=True, watch_reason="反复骚扰")
    d = decide(s, did="12315", profile=profile, detection=DETECT.detect("着火了"), digit="3")
    assert (d.action, d.target, d.emergency_service, d.category, d.priority, d.prompt) == (
        "emergency",
        "119",
        "fire",
        None,
        PRIORITY_URGENT,
        "emergency-fire",
    )


def test_watch_listed_caller_is_warned_and_routed() -> None:
    s = _settings()
    profile = CallerProfile(phone="13800000001", watch_listed=True, watch_reason="反复骚扰")
    d = decide(s, did="12345", profile=profile)
    assert (d.action, d.queue, d.prompt) == ("watch", s.watch_queue, "watch-warning")
    d = decide(s, did="12345", profile=profile, detection=DETECT.detect("停水了"))
    assert (d.action, d.queue, d.priority) == ("watch", s.watch_queue, PRIORITY_URGENT)


def test_utility_outage_is_urgent_in_the_priority_queue() -> None:
    s = _settings()
    d = decide(s, did="12345", detection=DETECT.detect("我们小区停电了"))
    assert (d.action, d.queue, d.priority, d.category, d.suggested_unit, d.prompt) == (
        "queue",
        s.priority_queue,
        PRIORITY_URGENT,
        "urban.power",
        "u-power",
        "utility",
    )


def test_each_outage_names_its_category_and_utility() -> None:
    s = _settings()
    said = {
        "家里停水了": ("urban.water", "u-water"),
        "燃气停了做不了饭": ("urban.gas", "u-gas"),
        "暖气不热屋里好冷": ("urban.heating", "u-heat"),
        "小区停暖三天了": ("urban.heating", "u-heat"),
        "楼里断电了": ("urban.power", "u-power"),
    }
    for text, codes in said.items():
        d = decide(s, did="12345", detection=DETECT.detect(text))
        assert (d.category, d.suggested_unit, d.priority) == (*codes, PRIORITY_URGENT), text
    # The menu's utilities key says which queue, not which utility: the seat picks the category.
    d = decide(s, did="12345", digit="2")
    assert (d.queue, d.priority, d.category, d.suggested_unit) == (
        s.priority_queue,
        PRIORITY_URGENT,
        None,
        None,
    )


def test_open_ticket_becomes_the_seats_hint() -> None:
    s = _settings()
    profile = CallerProfile(
        phone="13800000001",
        open_tickets=[
            OpenTicketRef(
                ticket_no="T-20261120-0003", lead_unit_code="U-ZJ", status="dispatched", category="cs"
            )
        ],
        repeat_caller=True,
    )
    d = decide(s, did="12345", profile=profile)
    # U-ZJ has no seat group of its own: the dialled number's queue, with the ticket as the hint.
    assert (d.ticket_hint, d.category, d.suggested_unit, d.queue) == (
        "T-20261120-0003",
        "cs",
        "U-ZJ",
        "q-general",
    )
    cls = Classification(TicketType.COMPLAINT, "env", "环境保护", 0.9, "dept-env", None)
    d = decide(s, did="12345", profile=profile, classification=cls)
    # What the caller says now wins over the open ticket's category and unit.
    assert (d.category, d.suggested_unit) == ("env", "dept-env")


def _open(no: str, unit: str | None, category: str | None = None) -> OpenTicketRef:
    return OpenTicketRef(ticket_no=no, lead_unit_code=unit, status="dispatched", category=category)


def test_open_ticket_goes_to_its_lead_units_seat_group() -> None:
    s = _settings()
    assert s.unit_queues["u-water"] == s.priority_queue
    assert s.unit_queues["dept-market"] == "q-enterprise"
    water = CallerProfile(phone="13800000001", open_tickets=[_open("A-1", "u-water", "urban.water")])
    d = decide(s, did="12345", profile=water)
    assert (d.action, d.queue, d.priority, d.ticket_hint, d.category, d.suggested_unit) == (
        "queue",
        "q-priority",
        PRIORITY_NORMAL,  # a follow-up is not itself an outage
        "A-1",
        "urban.water",
        "u-water",
    )
    # The most recent open ticket whose unit has a seat group decides (and becomes the hint).
    mixed = CallerProfile(
        phone="13800000001",
        open_tickets=[
            _open("B-2", None),
            _open("B-1", "dept-env"),
            _open("B-0", "dept-market", "market.food"),
        ],
    )
    d = decide(s, did="12345", profile=mixed)
    assert (d.queue, d.ticket_hint, d.category) == ("q-enterprise", "B-0", "market.food")
    # No mapping configured: the dialled number's queue.
    assert decide(s.model_copy(update={"unit_queues": {}}), did="12345", profile=water).queue == "q-general"


def test_emergency_watch_outage_and_menu_come_before_the_open_ticket() -> None:
    s = _settings()
    market = [_open("M-1", "dept-market", "market.food")]
    profile = CallerProfile(phone="13800000001", open_tickets=market)
    assert decide(s, did="12345", profile=profile, detection=DETECT.detect("着火了")).action == "emergency"
    watched = profile.model_copy(update={"watch_listed": True})
    assert decide(s, did="12345", profile=watched).queue == s.watch_queue
    d = decide(s, did="12345", profile=profile, detection=DETECT.detect("停水了"))
    assert (d.queue, d.category, d.suggested_unit) == (s.priority_queue, "urban.water", "u-water")
    # The caller's own menu choice this time beats the history; an unknown digit does not.
    assert decide(s, did="12345", profile=profile, digit="1").queue == s.default_queue
    assert decide(s, did="12345", profile=profile, digit="9").queue == "q-enterprise"


def test_menu_digits() -> None:
    s = _settings()
    assert decide(s, did="12315", digit="1").queue == s.default_queue
    d = decide(s, did="12345", digit="2")
    assert (d.queue, d.priority) == (s.priority_queue, PRIORITY_URGENT)
    assert decide(s, did="12345", digit="3").queue == "q-enterprise"
    assert decide(s, did="12315", digit="9").queue == "q-enterprise"
    assert decide(s, did="12345", digit=None).queue == "q-general"


def test_classification_reaches_the_desk() -> None:
    s = _settings()
    cls = Classification(TicketType.COMPLAINT, "env", "环境保护", 0.9, "dept-env", None)
    d = decide(s, did="12345", classification=cls)
    assert (d.category, d.ticket_type, d.suggested_unit) == ("env", "投诉", "dept-env")
    refused = Classification(TicketType.CONSULTATION, "urban", "城乡建设", 0.8, "dept-housing", "litigation")
    d = decide(s, did="12345", classification=refused)
    # DOMAIN.md §3: a seat still answers and records the refusal with its reason.
    assert (d.action, d.queue, d.category, d.not_accepted_reason, d.suggested_unit) == (
        "queue",
        "q-general",
        None,
        "litigation",
        None,
    )


def _city_menu() -> Settings:
    return Settings(
        ivr_dtmf_menu=True,
        ivr_menu=[
            MenuOption(digit="1", label="政务咨询", queue="q-general"),
            MenuOption(digit="0", label="方言服务", queue="q-dialect"),
            MenuOption(digit="5", label="停水停电", queue="q-priority", urgent=True),
        ],
    )


def test_a_city_sets_its_own_menu() -> None:
    s = _city_menu()
    assert decide(s, did="12345", digit="0").queue == "q-dialect"
    d = decide(s, did="12345", digit="5")
    assert (d.queue, d.priority, d.ticket_type) == ("q-priority", PRIORITY_URGENT, "求助")
    # A key this city does not offer (2 is the default menu's utilities key) is no choice at all.
    assert (decide(s, did="12345", digit="2").queue, decide(s, did="12345", digit="2").priority) == (
        "q-general",
        PRIORITY_NORMAL,
    )
    # A chosen key beats the open ticket's unit queue; no key leaves it in charge.
    water = CallerProfile(phone="13800000001", open_tickets=[_open("W-1", "u-water", "urban.water")])
    assert decide(s, did="12345", profile=water, digit="0").queue == "q-dialect"
    assert decide(s, did="12345", profile=water).queue == s.unit_queues["u-water"]


def test_menu_settings_are_checked_at_start() -> None:
    with pytest.raises(ValidationError, match="digit twice"):
        Settings(
            ivr_menu=[
                MenuOption(digit="1", label="政务咨询", queue="q-general"),
                MenuOption(digit="1", label="企业诉求", queue="q-enterprise"),
            ]
        )
    with pytest.raises(ValidationError, match="not defined in HOTLINE_QUEUES"):
        Settings(ivr_dtmf_menu=True, ivr_menu=[MenuOption(digit="1", label="政务咨询", queue="q-nowhere")])
    # With the menu off, a menu naming a queue the city removed does not stop the service.
    assert not Settings(ivr_menu=[MenuOption(digit="1", label="政务咨询", queue="q-nowhere")]).ivr_dtmf_menu
    with pytest.raises(ValidationError):
        MenuOption(digit="12", label="政务咨询", queue="q-general")


def test_menu_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_IVR_DTMF_MENU", "true")
    monkeypatch.setenv("HOTLINE_IVR_MENU", '[{"digit": "9", "label": "营商环境", "queue": "q-enterprise"}]')
    s = Settings()
    assert [(o.digit, o.queue, o.urgent) for o in s.ivr_menu] == [("9", "q-enterprise", False)]
    assert decide(s, did="12345", digit="9").queue == "q-enterprise"


def test_a_refused_matter_takes_nothing_from_the_open_ticket_and_an_outage_replaces_it() -> None:
    s = _settings()
    refused = Classification(TicketType.CONSULTATION, "urban", "城乡建设", 0.8, "dept-housing", "litigation")
    water = CallerProfile(phone="13800000001", open_tickets=[_open("A-1", "u-water", "urban.water")])
    d = decide(s, did="12345", profile=water, classification=refused)
    # DOMAIN.md §3: the refusal is the matter; the open ticket is only the seat's hint.
    assert (d.ticket_hint, d.category, d.suggested_unit, d.not_accepted_reason) == (
        "A-1",
        None,
        None,
        "litigation",
    )
    # 003 §10: an outage heard in the same call is the matter instead.
    d = decide(s, did="12345", classification=refused, detection=DETECT.detect("我们小区停电了"))
    assert (d.category, d.suggested_unit, d.not_accepted_reason) == ("urban.power", "u-power", None)
    assert d.emergency_service is None
