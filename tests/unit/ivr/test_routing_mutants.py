"""Routing precedence (ivr.routing docstring; DOMAIN.md §1, §3, §10; 003 §10) at the branches
mutation testing found unchecked. Detections are built by hand: the rule is routing's, not the
detector's."""

from __future__ import annotations

from core.contracts import CallerProfile, OpenTicketRef
from core.settings import MenuOption, QueueDef, Settings
from ivr.classify import Classification
from ivr.emergency import Detection
from ivr.routing import PRIORITY_NORMAL, PRIORITY_URGENT, decide, menu_option, unit_queue
from tickets.vocab import TicketType

FIRE = Detection("emergency", "fire", "119", "着火", "着火", False)
POWER_CUT = Detection("utility", None, None, "停电", "停电", False)
# A utility word the outage table cannot place: urgent, but no category or utility is named.
VAGUE_OUTAGE = Detection("utility", None, None, "故障", "故障", False)
COMPLAINT = Classification(TicketType.COMPLAINT, "env", "环境保护", 0.9, "dept-env", None)
REFUSED = Classification(TicketType.CONSULTATION, "urban", "城乡建设", 0.8, "dept-housing", "litigation")


def _open(no: str, unit: str | None, category: str | None = None) -> OpenTicketRef:
    return OpenTicketRef(ticket_no=no, lead_unit_code=unit, status="dispatched", category=category)


def _profile(*tickets: OpenTicketRef, watched: bool = False) -> CallerProfile:
    return CallerProfile(phone="13800000001", open_tickets=list(tickets), watch_listed=watched)


def test_menu_option_needs_a_key_the_menu_offers() -> None:
    s = Settings()
    assert menu_option(s, None) is None
    assert menu_option(s, "") is None
    assert menu_option(s, "9") is None
    option = menu_option(s, "3")
    assert option is not None and option.queue == "q-enterprise"


def test_unit_queue_takes_the_most_recent_ticket_with_a_seat_group() -> None:
    s = Settings()
    assert unit_queue(s, None) is None
    assert unit_queue(s, _profile()) is None
    assert unit_queue(s, _profile(_open("A", None), _open("B", "dept-env"))) is None
    water, market = _open("W", "u-water"), _open("M", "dept-market")
    assert unit_queue(s, _profile(_open("A", None), water, market)) == (water, "q-priority")
    assert unit_queue(s, _profile(market, water)) == (market, "q-enterprise")


def test_an_emergency_without_a_service_is_not_routed_out() -> None:
    s = Settings()
    unsure = Detection("emergency", None, None, "<model>", "", False)
    d = decide(s, did="12345", detection=unsure)
    assert (d.action, d.queue, d.priority, d.target) == ("queue", "q-general", PRIORITY_NORMAL, None)


def test_an_emergency_keeps_the_open_ticket_as_the_hint() -> None:
    s = Settings()
    d = decide(s, did="12345", profile=_profile(_open("T-9", "u-water", "urban.water")), detection=FIRE)
    assert (d.action, d.target, d.emergency_service, d.ticket_hint, d.prompt) == (
        "emergency",
        "119",
        "fire",
        "T-9",
        "emergency-fire",
    )
    assert (d.category, d.suggested_unit, d.ticket_type) == (None, None, None)


def test_an_outage_heard_replaces_what_else_was_said() -> None:
    s = Settings()
    d = decide(s, did="12345", detection=POWER_CUT, classification=REFUSED)
    # 003 §10: the outage is the matter now; a refusal guessed from the words no longer applies.
    assert (d.category, d.suggested_unit, d.not_accepted_reason) == ("urban.power", "u-power", None)
    assert (d.ticket_type, d.prompt, d.action) == ("咨询", "utility", "queue")


def test_an_outage_the_table_cannot_place_is_urgent_without_a_category() -> None:
    s = Settings()
    d = decide(s, did="12345", detection=VAGUE_OUTAGE, classification=COMPLAINT)
    assert (d.queue, d.priority, d.category, d.suggested_unit, d.ticket_type) == (
        s.priority_queue,
        PRIORITY_URGENT,
        "env",
        "dept-env",
        "投诉",
    )


def test_a_watch_listed_caller_keeps_everything_the_seat_needs() -> None:
    s = Settings()
    watched = _profile(_open("T-5", "dept-env", "env"), watched=True)
    d = decide(s, did="12345", profile=watched, classification=REFUSED)
    assert (d.action, d.queue, d.priority, d.prompt) == (
        "watch",
        s.watch_queue,
        PRIORITY_NORMAL,
        "watch-warning",
    )
    assert (d.ticket_hint, d.not_accepted_reason, d.ticket_type, d.category, d.suggested_unit) == (
        "T-5",
        "litigation",
        "咨询",
        None,
        None,
    )
    d = decide(s, did="12345", profile=watched, classification=COMPLAINT)
    assert (d.category, d.suggested_unit, d.ticket_type, d.target) == ("env", "dept-env", "投诉", None)
    # The urgent menu key makes a watched caller's call urgent too.
    d = decide(s, did="12345", profile=watched, digit="2")
    assert (d.action, d.priority) == ("watch", PRIORITY_URGENT)


def test_an_urgent_call_carries_the_hint_and_the_refusal() -> None:
    s = Settings()
    d = decide(s, did="12315", profile=_profile(_open("T-7", None, "cs")), classification=REFUSED, digit="2")
    assert (d.queue, d.priority, d.ticket_hint, d.not_accepted_reason, d.ticket_type, d.prompt) == (
        "q-priority",
        PRIORITY_URGENT,
        "T-7",
        "litigation",
        "咨询",
        "utility",
    )
    assert (d.category, d.suggested_unit, d.emergency_service) == (None, None, None)
    # Nothing said about the kind of matter: an outage is a help request (求助).
    d = decide(s, did="12345", detection=POWER_CUT)
    assert d.ticket_type == "求助"


def test_a_refused_matter_does_not_take_the_open_tickets_category() -> None:
    s = Settings()
    d = decide(
        s, did="12345", profile=_profile(_open("T-3", "u-water", "urban.water")), classification=REFUSED
    )
    # DOMAIN.md §3: the refusal stands; the hint is still the open ticket, its seat group the queue.
    assert (d.category, d.suggested_unit, d.not_accepted_reason, d.ticket_hint, d.queue) == (
        None,
        None,
        "litigation",
        "T-3",
        "q-priority",
    )


def test_a_classification_without_a_unit_takes_the_open_tickets_unit() -> None:
    s = Settings()
    no_unit = Classification(None, None, None, 0.3, None, None)
    d = decide(s, did="12345", profile=_profile(_open("T-4", "dept-env", "env")), classification=no_unit)
    assert (d.category, d.suggested_unit, d.ticket_type, d.not_accepted_reason) == (
        "env",
        "dept-env",
        None,
        None,
    )


def test_the_hint_is_the_ticket_that_chose_the_queue() -> None:
    s = Settings()
    profile = _profile(_open("T-new", "dept-env", "env"), _open("T-old", "dept-market", "market.food"))
    d = decide(s, did="12345", profile=profile)
    assert (d.queue, d.ticket_hint, d.category, d.suggested_unit) == (
        "q-enterprise",
        "T-old",
        "market.food",
        "dept-market",
    )
    # With no seat group for any of them, the most recent open ticket is the hint.
    d = decide(s.model_copy(update={"unit_queues": {}}), did="12345", profile=profile)
    assert (d.queue, d.ticket_hint, d.category) == ("q-general", "T-new", "env")


def test_a_caller_without_an_open_ticket_brings_no_hint() -> None:
    s = Settings()
    for d in (
        decide(s, did="12345"),
        decide(s, did="12345", profile=_profile()),
        decide(s, did="12345", detection=FIRE),
        decide(s, did="12345", detection=POWER_CUT),
        decide(s, did="12345", profile=_profile(watched=True)),
    ):
        assert d.ticket_hint is None


def test_an_urgent_key_of_the_citys_own_menu_goes_to_the_queue_it_names() -> None:
    # A city whose utilities key reaches its own utility desk, not the general priority queue.
    s = Settings(
        queues=[*Settings().queues, QueueDef(name="q-utility", title="水电气暖")],
        ivr_dtmf_menu=True,
        ivr_menu=[
            MenuOption(digit="1", label="政务咨询", queue="q-general"),
            MenuOption(digit="2", label="水电气暖", queue="q-utility", urgent=True),
        ],
    )
    d = decide(s, did="12345", digit="2")
    assert (d.queue, d.priority, d.prompt) == ("q-utility", PRIORITY_URGENT, "utility")
    # An outage heard in speech still goes to the priority queue.
    assert decide(s, did="12345", detection=POWER_CUT).queue == s.priority_queue


def test_an_emergency_keeps_a_queue_for_when_every_route_out_fails() -> None:
    # The dialplan joins ${HOTLINE_QUEUE} when the emergency routes all fail: a seat still answers.
    s = Settings()
    assert decide(s, did="12315", detection=FIRE).queue == "q-enterprise"
    assert decide(s, did="12345", detection=FIRE).queue == "q-general"
