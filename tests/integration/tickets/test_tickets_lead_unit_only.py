"""会办 (004 §12(四)): an assisting unit sees the ticket and adds its notes; signing, contacting,
replying and asking for an extension or a return stay with the lead unit (lifecycle unit_action)."""

from __future__ import annotations

import pytest

from tests.integration.tickets.helpers import ENV, SEAT, T0, URBAN, Journey
from tickets.actions import acceptance, unit_work
from tickets.errors import Forbidden
from tickets.schemas import DispatchInput, ExtensionRequest, Note, ReplyInput, ReturnRequest

LEAD_ONLY = r"^只有主办单位可以执行此操作$"


def _dispatched_with_assist(journey: Journey) -> str:
    no = journey.create()
    with journey.db.session() as s:
        acceptance.dispatch(
            s,
            SEAT,
            no,
            DispatchInput(lead_unit_code="dept-urban", assist_unit_codes=["dept-env"]),
            journey.ctx(T0),
        )
    return no


def test_an_assisting_unit_cannot_take_the_lead_units_steps(journey: Journey) -> None:
    no = _dispatched_with_assist(journey)
    ctx = journey.ctx(T0)
    with journey.db.session() as s, pytest.raises(Forbidden, match=LEAD_ONLY):
        unit_work.sign(s, ENV, no, Note(), ctx)
    with journey.db.session() as s, pytest.raises(Forbidden, match=LEAD_ONLY):
        unit_work.ask_return(s, ENV, no, ReturnRequest(reason="非本单位职责"), ctx)
    with journey.db.session() as s:
        unit_work.sign(s, URBAN, no, Note(), ctx)
    with journey.db.session() as s, pytest.raises(Forbidden, match=LEAD_ONLY):
        unit_work.first_contact(s, ENV, no, Note(note="已电话联系"), ctx)
    with journey.db.session() as s, pytest.raises(Forbidden, match=LEAD_ONLY):
        unit_work.ask_extension(s, ENV, no, ExtensionRequest(days=3, reason="需要协调"), ctx)
    with journey.db.session() as s:
        unit_work.first_contact(s, URBAN, no, Note(note="已电话联系"), ctx)
    reply = ReplyInput(text="已现场处理完毕", responsible_person="王五", head_signoff="赵六")
    with journey.db.session() as s, pytest.raises(Forbidden, match=LEAD_ONLY):
        unit_work.reply(s, ENV, no, reply, ctx)
    # Each refusal changed nothing: the lead unit's own steps went through from the states before.
    assert journey.status(no) == "contacted"


def test_an_assisting_unit_adds_its_notes(journey: Journey) -> None:
    no = _dispatched_with_assist(journey)
    with journey.db.session() as s:
        unit_work.assist_note(s, ENV, no, Note(note="已配合现场查看"), journey.ctx(T0))
    assert journey.status(no) == "dispatched"
