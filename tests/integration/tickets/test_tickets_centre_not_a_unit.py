"""The centre hands tickets out and never holds one: it cannot be a lead or assisting unit."""

from __future__ import annotations

import pytest

from tests.integration.tickets.helpers import SEAT, SUPERVISOR, T0, URBAN, Journey
from tickets.actions import acceptance, decisions, unit_work
from tickets.errors import InvalidInput
from tickets.schemas import DispatchInput, ReturnDecision, ReturnRequest


@pytest.mark.parametrize(
    "data",
    [
        DispatchInput(lead_unit_code="centre"),
        DispatchInput(lead_unit_code="dept-urban", assist_unit_codes=["dept-env", "centre"]),
    ],
)
def test_dispatch_to_the_centre_is_refused(journey: Journey, data: DispatchInput) -> None:
    no = journey.create()
    with journey.db.session() as s, pytest.raises(InvalidInput, match="热线中心不能作为主办或协办单位"):
        acceptance.dispatch(s, SEAT, no, data, journey.ctx(T0))
    assert journey.status(no) == "registered"


def test_redispatch_to_the_centre_after_a_return_is_refused(journey: Journey) -> None:
    no = journey.dispatched()
    with journey.db.session() as s:
        unit_work.ask_return(s, URBAN, no, ReturnRequest(reason="不属于本单位职责"), journey.ctx(T0))
    for decision in (
        ReturnDecision(approve=True, new_lead_unit_code="centre"),
        ReturnDecision(approve=True, new_lead_unit_code="dept-env", assist_unit_codes=["centre"]),
    ):
        with journey.db.session() as s, pytest.raises(InvalidInput, match="热线中心"):
            decisions.decide_return(s, SUPERVISOR, no, decision, journey.ctx(T0))
        assert journey.status(no) == "return_requested"
