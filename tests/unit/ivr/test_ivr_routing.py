"""Routing decisions from profiles, detections and DTMF built in the test."""

from __future__ import annotations

from hotline.settings import Settings
from ivr.classify import Classification
from ivr.emergency import EmergencyDetector
from ivr.routing import PRIORITY_NORMAL, PRIORITY_URGENT, decide
from tickets.contracts import CallerProfile, OpenTicketRef
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
    assert (d.action, d.target, d.category, d.priority, d.prompt) == (
        "emergency",
        "119",
        "emergency_fire",
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
    assert (d.action, d.queue, d.priority, d.category, d.prompt) == (
        "queue",
        s.priority_queue,
        PRIORITY_URGENT,
        "utility_outage",
        "utility",
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
    assert (d.ticket_hint, d.category, d.queue) == ("T-20261120-0003", "cs", "q-general")
    cls = Classification(TicketType.COMPLAINT, "environment", "环境保护", 0.9, "生态环境局", None)
    assert decide(s, did="12345", profile=profile, classification=cls).category == "environment"


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
    cls = Classification(TicketType.COMPLAINT, "environment", "环境保护", 0.9, "生态环境局", None)
    d = decide(s, did="12345", classification=cls)
    assert (d.category, d.ticket_type, d.suggested_unit) == ("environment", "投诉", "生态环境局")
    refused = Classification(
        TicketType.CONSULTATION, "urban_rural_construction", "城乡建设", 0.8, "住建局", "litigation"
    )
    d = decide(s, did="12345", classification=refused)
    # DOMAIN.md §3: a seat still answers and records the refusal with its reason.
    assert (d.action, d.queue, d.category, d.suggested_unit) == (
        "queue",
        "q-general",
        "not_accepted_litigation",
        None,
    )
