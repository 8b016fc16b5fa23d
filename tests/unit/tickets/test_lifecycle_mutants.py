"""The life cycle (DOMAIN.md §6) by state AND role, checked over every action × status × role.

SPEC is DOMAIN.md §6 written out independently of `tickets.lifecycle.TABLE`: who may do what, from
which states, to which states. The tests drive the public functions (`check`, `allowed_actions`,
`next_status`), so a wrong entry in the table shows as a wrong answer, not as a different table.
"""

from __future__ import annotations

import pytest

from tickets import lifecycle
from tickets.errors import Forbidden, TransitionRefused, UnlistedTransition
from tickets.lifecycle import (
    INITIAL_STATUS,
    LABELS,
    STATUS_LABELS,
    TABLE,
    Action,
    Rule,
    allowed_actions,
    check,
    next_status,
)
from tickets.vocab import Role, Status

S = Status
A = Action
SEAT, SUP, UNIT, SYSTEM = Role.SEAT, Role.SUPERVISOR, Role.UNIT_HANDLER, Role.SYSTEM
# A unit is working on it (its completion clock runs).
WORKING = {S.DISPATCHED, S.SIGNED, S.CONTACTED, S.SENT_BACK, S.RETURN_REQUESTED}

# action: (roles, sources, targets; empty targets: the action records something and keeps the state)
SPEC: dict[Action, tuple[set[Role], set[Status], set[Status]]] = {
    # 受理 → 派单 (also 改派 after an approved 退单), 直接办结, 不予受理 (DOMAIN.md §3): the centre's desk.
    A.DISPATCH: ({SEAT, SUP}, {S.REGISTERED, S.RETURNED}, {S.DISPATCHED}),
    A.CLOSE_AT_INTAKE: ({SEAT, SUP}, {S.REGISTERED}, {S.CLOSED}),
    A.REFUSE: ({SEAT, SUP}, {S.REGISTERED}, {S.NOT_ACCEPTED}),
    # The unit: 签收 → 首次联系 → 答复 (again after 退回, within the same deadline).
    A.SIGN: ({UNIT}, {S.DISPATCHED}, {S.SIGNED}),
    A.FIRST_CONTACT: ({UNIT}, {S.SIGNED}, {S.CONTACTED}),
    A.REPLY: ({UNIT}, {S.CONTACTED, S.SENT_BACK}, {S.REPLIED}),
    # 审核 by the centre: pass, or back to the unit (003 §11).
    A.APPROVE: ({SUP}, {S.REPLIED}, {S.APPROVED}),
    A.SEND_BACK: ({SUP}, {S.REPLIED}, {S.SENT_BACK}),
    # 延期: asked by the unit while it works, decided by the centre; the state stays.
    A.ASK_EXTENSION: ({UNIT}, {S.SIGNED, S.CONTACTED, S.SENT_BACK}, set()),
    A.DECIDE_EXTENSION: ({SUP}, {S.SIGNED, S.CONTACTED, S.SENT_BACK}, set()),
    # 退单: asked before the work starts; approved → back to the centre or straight to a new unit,
    # refused → where the unit was.
    A.ASK_RETURN: ({UNIT}, {S.DISPATCHED, S.SIGNED}, {S.RETURN_REQUESTED}),
    A.DECIDE_RETURN: ({SUP}, {S.RETURN_REQUESTED}, {S.RETURNED, S.DISPATCHED, S.SIGNED}),
    # 督办 (000 §23) by the centre and its scheduler, 领导批示 (000 §20), 会办 notes (004 §12(四)).
    A.SUPERVISE: ({SUP, SYSTEM}, WORKING | {S.REPLIED, S.APPROVED}, set()),
    A.LEADER_INSTRUCTION: ({SUP}, WORKING | {S.REGISTERED, S.RETURNED, S.REPLIED, S.APPROVED}, set()),
    A.ASSIST_NOTE: ({UNIT}, WORKING, set()),
    # 回访 → 办结, or 重办 on the first dissatisfied callback (003 §11(五)).
    A.CALLBACK: ({SEAT, SUP, SYSTEM}, {S.APPROVED}, {S.CLOSED, S.DISPATCHED}),
    A.REOPEN: ({SUP}, {S.CLOSED}, {S.DISPATCHED}),
    A.MERGE: ({SEAT, SUP}, WORKING | {S.REGISTERED, S.RETURNED}, {S.MERGED}),
    A.CLOSE: ({SUP}, {S.APPROVED}, {S.CLOSED}),
    A.ARCHIVE: ({SUP, SYSTEM}, {S.CLOSED, S.NOT_ACCEPTED, S.MERGED}, {S.ARCHIVED}),
}


@pytest.mark.parametrize("action", list(Action))
def test_check_allows_exactly_what_the_life_cycle_allows(action: Action) -> None:
    roles, sources, _ = SPEC[action]
    for status in Status:
        for role in Role:
            if role not in roles:
                # The role may never do it: 403, whatever the state.
                with pytest.raises(Forbidden):
                    check(action, status, role)
            elif status not in sources:
                # The role may, the state does not allow it now: 409.
                with pytest.raises(TransitionRefused):
                    check(action, status, role)
            else:
                assert check(action, status, role) is TABLE[action]
            assert (action in allowed_actions(status, role)) == (role in roles and status in sources)


@pytest.mark.parametrize("action", list(Action))
def test_each_action_leads_where_the_life_cycle_says(action: Action) -> None:
    _, sources, targets = SPEC[action]
    for current in Status:
        if current not in sources:
            with pytest.raises(UnlistedTransition):
                next_status(action, current)
            continue
        if not targets:
            assert next_status(action, current) == current
            assert next_status(action, current, current) == current
            for other in set(Status) - {current}:
                with pytest.raises(UnlistedTransition):
                    next_status(action, current, other)
        elif len(targets) == 1:
            (only,) = targets
            assert next_status(action, current) == only
            assert next_status(action, current, only) == only
        else:
            with pytest.raises(UnlistedTransition):
                next_status(action, current)  # an outcome with several endings must name its own
        for choice in Status:
            if targets and choice not in targets:
                with pytest.raises(UnlistedTransition):
                    next_status(action, current, choice)
            elif choice in targets:
                assert next_status(action, current, choice) == choice


def test_only_the_lead_unit_acts_an_assisting_unit_only_adds_its_notes() -> None:
    # 004 §12(四) 会办: the assisting units contribute opinions; signing, contacting, replying and
    # asking for an extension or a return stay with the lead unit.
    lead_only = {a for a, rule in TABLE.items() if rule.unit_action}
    assert lead_only == {A.SIGN, A.FIRST_CONTACT, A.REPLY, A.ASK_EXTENSION, A.ASK_RETURN}
    assert not TABLE[A.ASSIST_NOTE].unit_action


def test_every_ticket_starts_registered_and_nothing_leads_back_there() -> None:
    assert INITIAL_STATUS == S.REGISTERED
    assert all(S.REGISTERED not in rule.targets for rule in TABLE.values())


def test_a_forbidden_role_is_told_who_may() -> None:
    with pytest.raises(Forbidden) as refused:
        check(A.DISPATCH, S.REGISTERED, UNIT)
    assert str(refused.value) == "角色 unit_handler 无权执行“派单”(允许:seat、supervisor)"


def test_a_refused_state_is_named_in_words() -> None:
    with pytest.raises(TransitionRefused) as refused:
        check(A.APPROVE, S.SENT_BACK, SUP)
    assert str(refused.value) == "工单当前状态为“审核退回”,不能执行“审核通过”"
    # A status the labels do not know (an old row) is named as stored.
    with pytest.raises(TransitionRefused, match="“legacy”"):
        check(A.APPROVE, "legacy", SUP)


def test_the_desk_shows_the_words_of_the_life_cycle() -> None:
    assert LABELS == {
        A.DISPATCH: "派单",
        A.CLOSE_AT_INTAKE: "直接办结",
        A.REFUSE: "不予受理",
        A.SIGN: "签收",
        A.FIRST_CONTACT: "首次联系",
        A.REPLY: "答复",
        A.APPROVE: "审核通过",
        A.SEND_BACK: "审核退回",
        A.ASK_EXTENSION: "申请延期",
        A.DECIDE_EXTENSION: "审批延期",
        A.ASK_RETURN: "申请退单",
        A.DECIDE_RETURN: "审批退单",
        A.SUPERVISE: "督办",
        A.LEADER_INSTRUCTION: "领导批示",
        A.ASSIST_NOTE: "协办意见",
        A.CALLBACK: "回访",
        A.REOPEN: "重办",
        A.MERGE: "并单",
        A.CLOSE: "办结",
        A.ARCHIVE: "归档",
    }
    assert STATUS_LABELS == {
        S.REGISTERED: "已受理",
        S.NOT_ACCEPTED: "不予受理",
        S.DISPATCHED: "待签收",
        S.SIGNED: "已签收",
        S.CONTACTED: "已联系",
        S.SENT_BACK: "审核退回",
        S.REPLIED: "待审核",
        S.RETURN_REQUESTED: "退单申请中",
        S.RETURNED: "已退单待改派",
        S.APPROVED: "待回访",
        S.CLOSED: "已办结",
        S.MERGED: "已并单",
        S.ARCHIVED: "已归档",
    }


def test_a_rule_is_built_frozen_and_is_no_unit_action_unless_said() -> None:
    # TABLE is built once at import: what its builder makes is what every check reads.
    rule = lifecycle._r({S.REPLIED}, {SUP}, {S.APPROVED})
    assert rule == Rule(frozenset({S.REPLIED}), frozenset({SUP}), frozenset({S.APPROVED}), False)
    assert all(isinstance(part, frozenset) for part in (rule.sources, rule.roles, rule.targets))
    assert lifecycle._r({S.SIGNED}, {UNIT}, set(), unit_action=True).unit_action


def test_an_unlisted_transition_names_the_action_and_the_statuses() -> None:
    # A bug, never a user error: the message must say where to look.
    with pytest.raises(UnlistedTransition, match=r"^approve: not allowed from sent_back$"):
        next_status(A.APPROVE, S.SENT_BACK)
    with pytest.raises(UnlistedTransition, match=r"^supervise keeps the status, cannot set closed$"):
        next_status(A.SUPERVISE, S.SIGNED, S.CLOSED)
    with pytest.raises(UnlistedTransition, match=r"^callback leads to one of closed, dispatched: name it$"):
        next_status(A.CALLBACK, S.APPROVED)
    with pytest.raises(UnlistedTransition, match=r"^approve cannot lead to closed$"):
        next_status(A.APPROVE, S.REPLIED, S.CLOSED)
