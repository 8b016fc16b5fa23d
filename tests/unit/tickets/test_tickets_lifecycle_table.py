from __future__ import annotations

import pytest

from tickets.errors import Forbidden, TransitionRefused
from tickets.lifecycle import LABELS, TABLE, Action, allowed_actions, check
from tickets.vocab import Role, Status


def test_every_action_has_a_rule_and_a_label() -> None:
    assert set(TABLE) == set(Action) == set(LABELS)


def test_terminal_states_allow_nothing_but_archive_and_reopen() -> None:
    assert allowed_actions(Status.ARCHIVED, Role.SUPERVISOR) == []
    assert set(allowed_actions(Status.CLOSED, Role.SUPERVISOR)) == {Action.REOPEN, Action.ARCHIVE}
    assert allowed_actions(Status.CLOSED, Role.SEAT) == []


def test_auditors_and_admins_never_change_tickets() -> None:
    for status in Status:
        assert allowed_actions(status, Role.AUDITOR) == []
        assert allowed_actions(status, Role.ADMIN) == []


def test_refusals_carry_a_chinese_reason() -> None:
    with pytest.raises(Forbidden, match="签收"):
        check(Action.SIGN, Status.DISPATCHED, Role.SEAT)
    with pytest.raises(TransitionRefused, match="待审核"):
        check(Action.SIGN, Status.REPLIED, Role.UNIT_HANDLER)
