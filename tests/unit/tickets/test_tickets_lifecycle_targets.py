"""The transition table decides where every action leads (`lifecycle.next_status`)."""

from __future__ import annotations

import pytest

from tickets.errors import UnlistedTransition
from tickets.lifecycle import TABLE, Action, next_status
from tickets.vocab import Status


def test_an_action_with_one_target_leads_there_from_every_source() -> None:
    for action, rule in TABLE.items():
        if len(rule.targets) != 1:
            continue
        (target,) = rule.targets
        for source in rule.sources:
            assert next_status(action, source) is target, (action, source)


def test_an_action_without_targets_keeps_the_status() -> None:
    keeping = [a for a, r in TABLE.items() if not r.targets]
    assert set(keeping) == {
        Action.ASK_EXTENSION,
        Action.DECIDE_EXTENSION,
        Action.SUPERVISE,
        Action.LEADER_INSTRUCTION,
        Action.ASSIST_NOTE,
    }
    for action in keeping:
        for source in TABLE[action].sources:
            assert next_status(action, source) is source
            assert next_status(action, source, source) is source


def test_an_action_with_several_targets_takes_the_named_one() -> None:
    assert next_status(Action.CALLBACK, Status.APPROVED, Status.DISPATCHED) is Status.DISPATCHED
    assert next_status(Action.CALLBACK, Status.APPROVED, Status.CLOSED) is Status.CLOSED
    assert next_status(Action.DECIDE_RETURN, Status.RETURN_REQUESTED, Status.SIGNED) is Status.SIGNED
    with pytest.raises(UnlistedTransition, match="name it"):
        next_status(Action.CALLBACK, Status.APPROVED)


@pytest.mark.parametrize("action", list(Action))
def test_a_status_the_table_does_not_list_is_refused(action: Action) -> None:
    rule = TABLE[action]
    source = sorted(rule.sources)[0]
    allowed = rule.targets or {source}
    for status in set(Status) - allowed:
        with pytest.raises(UnlistedTransition):
            next_status(action, source, status)


@pytest.mark.parametrize("action", list(Action))
def test_a_source_the_table_does_not_list_is_refused(action: Action) -> None:
    for current in set(Status) - TABLE[action].sources:
        with pytest.raises(UnlistedTransition):
            next_status(action, current)
