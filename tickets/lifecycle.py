"""Allowed transitions by state AND role (DOMAIN.md §6): one table, checked before any change.

`check` raises `Forbidden` (HTTP 403) when the role may never do the action and
`TransitionRefused` (HTTP 409) when the ticket's state does not allow it now; the action skeleton
(`tickets.actions.run.run_action`) calls it before touching anything, so a refused action changes
nothing. The table also decides where an action leads: `next_status` is the only way an action
obtains the status it sets, and it refuses a status the table does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tickets.errors import Forbidden, TransitionRefused, UnlistedTransition
from tickets.vocab import Role, Status


class Action(StrEnum):
    DISPATCH = "dispatch"  # 派单 / 改派
    CLOSE_AT_INTAKE = "close_at_intake"  # 直接办结
    REFUSE = "refuse"  # 不予受理
    SIGN = "sign"  # 签收
    FIRST_CONTACT = "first_contact"  # 首次联系
    REPLY = "reply"  # 答复
    APPROVE = "approve"  # 审核通过
    SEND_BACK = "send_back"  # 审核退回
    ASK_EXTENSION = "ask_extension"  # 延期申请
    DECIDE_EXTENSION = "decide_extension"  # 延期审批
    ASK_RETURN = "ask_return"  # 退单申请
    DECIDE_RETURN = "decide_return"  # 退单审批 (+ 改派)
    SUPERVISE = "supervise"  # 督办
    LEADER_INSTRUCTION = "leader_instruction"  # 领导批示
    ASSIST_NOTE = "assist_note"  # 会办: an assisting unit's contribution
    CALLBACK = "callback"  # 回访
    REOPEN = "reopen"  # 重办
    MERGE = "merge"  # 并单
    CLOSE = "close"  # 办结
    ARCHIVE = "archive"  # 归档


LABELS: dict[Action, str] = {
    Action.DISPATCH: "派单",
    Action.CLOSE_AT_INTAKE: "直接办结",
    Action.REFUSE: "不予受理",
    Action.SIGN: "签收",
    Action.FIRST_CONTACT: "首次联系",
    Action.REPLY: "答复",
    Action.APPROVE: "审核通过",
    Action.SEND_BACK: "审核退回",
    Action.ASK_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期",
    Action.ASK_RETURN: "申请退单",
    Action.DECIDE_RETURN: "审批退单",
    Action.SUPERVISE: "督办",
    Action.LEADER_INSTRUCTION: "领导批示",
    Action.ASSIST_NOTE: "协办意见",
    Action.CALLBACK: "回访",
    Action.REOPEN: "重办",
    Action.MERGE: "并单",
    Action.CLOSE: "办结",
    Action.ARCHIVE: "归档",
}

STATUS_LABELS: dict[str, str] = {
    Status.REGISTERED: "已受理",
    Status.NOT_ACCEPTED: "不予受理",
    Status.DISPATCHED: "待签收",
    Status.SIGNED: "已签收",
    Status.CONTACTED: "已联系",
    Status.SENT_BACK: "审核退回",
    Status.REPLIED: "待审核",
    Status.RETURN_REQUESTED: "退单申请中",
    Status.RETURNED: "已退单待改派",
    Status.APPROVED: "待回访",
    Status.CLOSED: "已办结",
    Status.MERGED: "已并单",
    Status.ARCHIVED: "已归档",
}


# 受理: every ticket starts here, whatever the channel (no action leads into it).
INITIAL_STATUS = Status.REGISTERED


@dataclass(frozen=True)
class Rule:
    sources: frozenset[Status]
    roles: frozenset[Role]
    # Possible next states; empty: the action records something and keeps the state.
    targets: frozenset[Status]
    # Unit actions: the actor must be a handler of the ticket's (lead) unit.
    unit_action: bool = False


def _r(sources: set[Status], roles: set[Role], targets: set[Status], unit_action: bool = False) -> Rule:
    return Rule(frozenset(sources), frozenset(roles), frozenset(targets), unit_action)


S = Status
CENTRE_INTAKE = {Role.SEAT, Role.SUPERVISOR}
SUPERVISOR = {Role.SUPERVISOR}
UNIT = {Role.UNIT_HANDLER}
WORKING = {S.DISPATCHED, S.SIGNED, S.CONTACTED, S.SENT_BACK, S.RETURN_REQUESTED}

TABLE: dict[Action, Rule] = {
    Action.DISPATCH: _r({S.REGISTERED, S.RETURNED}, CENTRE_INTAKE, {S.DISPATCHED}),
    Action.CLOSE_AT_INTAKE: _r({S.REGISTERED}, CENTRE_INTAKE, {S.CLOSED}),
    Action.REFUSE: _r({S.REGISTERED}, CENTRE_INTAKE, {S.NOT_ACCEPTED}),
    Action.SIGN: _r({S.DISPATCHED}, UNIT, {S.SIGNED}, unit_action=True),
    Action.FIRST_CONTACT: _r({S.SIGNED}, UNIT, {S.CONTACTED}, unit_action=True),
    Action.REPLY: _r({S.CONTACTED, S.SENT_BACK}, UNIT, {S.REPLIED}, unit_action=True),
    Action.APPROVE: _r({S.REPLIED}, SUPERVISOR, {S.APPROVED}),
    # 003 §11: a reply that is not specific or complete goes back within the same deadline.
    Action.SEND_BACK: _r({S.REPLIED}, SUPERVISOR, {S.SENT_BACK}),
    Action.ASK_EXTENSION: _r({S.SIGNED, S.CONTACTED, S.SENT_BACK}, UNIT, set(), unit_action=True),
    Action.DECIDE_EXTENSION: _r({S.SIGNED, S.CONTACTED, S.SENT_BACK}, SUPERVISOR, set()),
    Action.ASK_RETURN: _r({S.DISPATCHED, S.SIGNED}, UNIT, {S.RETURN_REQUESTED}, unit_action=True),
    # Approved: back to the centre (RETURNED) or straight to a new unit (DISPATCHED);
    # refused: back where the unit was.
    Action.DECIDE_RETURN: _r({S.RETURN_REQUESTED}, SUPERVISOR, {S.RETURNED, S.DISPATCHED, S.SIGNED}),
    Action.SUPERVISE: _r(WORKING | {S.REPLIED, S.APPROVED}, SUPERVISOR | {Role.SYSTEM}, set()),
    Action.LEADER_INSTRUCTION: _r(
        {S.REGISTERED, S.RETURNED, S.REPLIED, S.APPROVED} | WORKING, SUPERVISOR, set()
    ),
    Action.ASSIST_NOTE: _r(WORKING, UNIT, set()),
    # 003 §11(五): the first dissatisfied callback reopens the ticket (重办).
    Action.CALLBACK: _r({S.APPROVED}, CENTRE_INTAKE | {Role.SYSTEM}, {S.CLOSED, S.DISPATCHED}),
    Action.REOPEN: _r({S.CLOSED}, SUPERVISOR, {S.DISPATCHED}),
    Action.MERGE: _r({S.REGISTERED, S.RETURNED} | WORKING, CENTRE_INTAKE, {S.MERGED}),
    Action.CLOSE: _r({S.APPROVED}, SUPERVISOR, {S.CLOSED}),
    Action.ARCHIVE: _r({S.CLOSED, S.NOT_ACCEPTED, S.MERGED}, SUPERVISOR | {Role.SYSTEM}, {S.ARCHIVED}),
}


def check(action: Action, status: str, role: Role) -> Rule:
    """Raises unless `role` may do `action` on a ticket in `status`."""
    rule = TABLE[action]
    if role not in rule.roles:
        allowed = "、".join(sorted(r.value for r in rule.roles))
        raise Forbidden(f"角色 {role.value} 无权执行“{LABELS[action]}”(允许:{allowed})")
    if status not in rule.sources:
        label = STATUS_LABELS.get(status, status)
        raise TransitionRefused(f"工单当前状态为“{label}”,不能执行“{LABELS[action]}”")
    return rule


def allowed_actions(status: str, role: Role) -> list[Action]:
    """What the UI offers: actions this role may take on a ticket in this state."""
    return [a for a, r in TABLE.items() if role in r.roles and status in r.sources]


def next_status(action: Action, current: Status, choice: Status | None = None) -> Status:
    """The status `action` leaves a ticket in that is now in `current`, as the table says.

    An action with one target needs no `choice`; one with several (a callback closes or reopens)
    names the one its outcome picked; one without targets keeps `current`. Anything else, or a
    `current` the action may not start from, raises `UnlistedTransition`: a bug, never a user error.
    """
    rule = TABLE[action]
    if current not in rule.sources:
        raise UnlistedTransition(f"{action.value}: not allowed from {current}")
    if not rule.targets:
        if choice is not None and choice != current:
            raise UnlistedTransition(f"{action.value} keeps the status, cannot set {choice}")
        return current
    if choice is None:
        if len(rule.targets) != 1:
            targets = ", ".join(sorted(rule.targets))
            raise UnlistedTransition(f"{action.value} leads to one of {targets}: name it")
        (only,) = rule.targets
        return only
    if choice not in rule.targets:
        raise UnlistedTransition(f"{action.value} cannot lead to {choice}")
    return choice
