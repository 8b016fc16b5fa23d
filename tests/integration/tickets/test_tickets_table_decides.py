"""The transition table, not the action, decides the status every action leaves.

Derived from `tickets.lifecycle.TABLE` on purpose (test_tickets_transitions writes the expected
statuses out by hand): whatever the table says, the actions follow, and the skeleton refuses a
status the table does not list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.integration.tickets.helpers import SEAT, SUPERVISOR, T0, URBAN, Journey
from tests.integration.tickets.test_tickets_transitions import (
    INVISIBLE_TO_UNIT,
    STATES,
    _do,
    attempt,
    make_state,
)
from tickets import queries
from tickets.actions import closing, decisions, unit_work
from tickets.actions.run import Outcome, Step, run_action
from tickets.actors import Actor
from tickets.errors import UnlistedTransition
from tickets.lifecycle import TABLE, Action
from tickets.models import TicketEvent
from tickets.schemas import CallbackInput, ExtensionRequest, Note, ReturnDecision, ReturnRequest
from tickets.vocab import Role, Satisfaction, Status


def _actor(action: Action) -> Actor:
    roles = TABLE[action].roles
    if Role.SUPERVISOR in roles:
        return SUPERVISOR
    if Role.SEAT in roles:
        return SEAT
    return URBAN


def _status_and_last_event(j: Journey, no: str) -> tuple[Status, Status | None, int]:
    with j.db.session() as s:
        ticket = queries.load(s, no)
        last = s.exec(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id).desc())
        ).first()
        assert last is not None
        assert last.id is not None
        return ticket.status, last.to_status, last.id


@pytest.mark.parametrize("action", list(Action))
def test_every_action_leaves_the_status_the_table_names(journey: Journey, action: Action) -> None:
    rule = TABLE[action]
    actor = _actor(action)
    sources = [s for s in STATES if s in rule.sources]
    if actor is URBAN:
        sources = [s for s in sources if s not in INVISIBLE_TO_UNIT]
    assert sources, action
    for source in sources:
        no = make_state(journey, source)
        if action is Action.DECIDE_EXTENSION:
            _do(
                journey,
                lambda s, no=no: unit_work.ask_extension(
                    s,
                    URBAN,
                    no,
                    ExtensionRequest(days=2, reason="需要协调"),
                    journey.ctx(T0 + timedelta(hours=1)),
                ),
            )
        _status, _to, before_event = _status_and_last_event(journey, no)
        attempt(journey, action.value, actor, no)
        status, to_status, last_event = _status_and_last_event(journey, no)
        assert isinstance(status, Status)
        if rule.targets:
            assert status in rule.targets, (action, source, status)
            if len(rule.targets) == 1:
                assert {status} == rule.targets
        else:
            assert status == source, (action, source)
        assert last_event > before_event
        assert to_status == status, "the action's event records the status it left"


def test_the_other_outcomes_of_multi_target_actions_are_listed_too(journey: Journey) -> None:
    # Return refused: back where the unit was; approved without a new unit: to the centre.
    for source in ("dispatched", "signed"):
        no = make_state(journey, source)
        _do(
            journey,
            lambda s, no=no: unit_work.ask_return(
                s, URBAN, no, ReturnRequest(reason="非本单位"), journey.ctx(T0)
            ),
        )
        _do(
            journey,
            lambda s, no=no: decisions.decide_return(
                s, SUPERVISOR, no, ReturnDecision(approve=False), journey.ctx(T0)
            ),
        )
        assert journey.status(no) == source
        assert Status(source) in TABLE[Action.DECIDE_RETURN].targets
    returned = make_state(journey, "returned")
    assert journey.status(returned) in TABLE[Action.DECIDE_RETURN].targets
    # The first dissatisfied callback reopens: DISPATCHED, the callback's other target.
    no = journey.approved()
    _do(
        journey,
        lambda s: closing.callback(
            s,
            SEAT,
            no,
            CallbackInput(satisfaction=Satisfaction.DISSATISFIED, resolved=False),
            journey.ctx(T0 + timedelta(hours=2)),
        ),
    )
    assert journey.status(no) == Status.DISPATCHED
    assert Status.DISPATCHED in TABLE[Action.CALLBACK].targets


def test_setting_a_status_the_table_does_not_list_raises_and_changes_nothing(journey: Journey) -> None:
    no = journey.dispatched()
    ctx = journey.ctx(T0 + timedelta(minutes=5))

    def close_instead(step: Step) -> Outcome:
        step.ticket.signed_at = ctx.now
        return Outcome(status=Status.CLOSED)  # 签收 leads to SIGNED only

    def move_while_keeping(_step: Step) -> Outcome:
        return Outcome(status=Status.CLOSED, note="督办")  # 督办 keeps the status

    with pytest.raises(UnlistedTransition), journey.db.session() as s:
        run_action(s, URBAN, no, Action.SIGN, ctx, close_instead)
    with pytest.raises(UnlistedTransition), journey.db.session() as s:
        run_action(s, SUPERVISOR, no, Action.SUPERVISE, ctx, move_while_keeping)
    with journey.db.session() as s:
        ticket = queries.load(s, no)
        assert ticket.status == Status.DISPATCHED and ticket.signed_at is None
        actions = s.exec(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)).all()
        assert actions == ["register", "dispatch"]
    # The same body with the listed status goes through.
    with journey.db.session() as s:
        run_action(s, URBAN, no, Action.SIGN, ctx, lambda _step: Outcome(note=Note().note))
    assert journey.status(no) == Status.SIGNED
