"""One registry of desk commands: the models of callflow.commands. Who may send each, the
executor's handlers and the pages' wire names are all checked against it."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from pydantic import BaseModel

from agent_desk.ws.access import COMMAND_SENDERS, Sender, command_sender
from callflow import executor as executor_module
from callflow.commands import COMMAND_TYPES, COMMANDS_BY_NAME, Spy, command_name
from callflow.executor import CommandExecutor
from callflow.live import LiveState
from core.settings import Settings
from tests.conftest import REPO

JS = REPO / "agent_desk" / "web" / "static" / "js"
_ENTRY = re.compile(r'^\s*([A-Z_]+):\s*"([a-z_]+)",\s*$', re.MULTILINE)


def js_commands() -> dict[str, str]:
    text = (JS / "commands.js").read_text(encoding="utf-8")
    body = text[text.index("Object.freeze({") : text.index("});")]
    return dict(_ENTRY.findall(body))


def test_the_registry_is_the_union_of_command_models() -> None:
    assert len(COMMAND_TYPES) == len(COMMANDS_BY_NAME) == 14
    assert {command_name(cls): cls for cls in COMMAND_TYPES} == dict(COMMANDS_BY_NAME)


def test_the_pages_wire_names_are_the_registry() -> None:
    names = js_commands()
    assert sorted(names.values()) == sorted(COMMANDS_BY_NAME), "commands.js and callflow.commands disagree"
    assert all(key == value.upper() for key, value in names.items())


@pytest.mark.parametrize("page", sorted(p.name for p in JS.glob("*.js") if p.name != "commands.js"))
def test_pages_send_commands_only_by_their_registry_name(page: str) -> None:
    text = (JS / page).read_text(encoding="utf-8")
    assert not re.search(r"""\.command\(\s*["'`]""", text), f"{page}: a command name written as a literal"
    used = set(re.findall(r"\bCOMMANDS\.([A-Z_]+)", text))
    assert used <= set(js_commands()), f"{page}: unknown {sorted(used - set(js_commands()))}"
    if used:
        assert 'import { COMMANDS } from "./commands.js";' in text


def test_every_command_has_one_sender_and_only_spying_is_the_supervisors() -> None:
    assert set(COMMAND_SENDERS) == set(COMMAND_TYPES)
    assert {cls for cls, sender in COMMAND_SENDERS.items() if sender is Sender.SUPERVISOR} == {Spy}
    assert command_sender("spy") is Sender.SUPERVISOR and command_sender("ready") is Sender.OWN_LINE
    assert command_sender("teleport") is None


def test_the_executor_has_a_handler_for_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    state = LiveState(Settings())
    CommandExecutor(cast(Any, None), state)  # complete: builds

    class Teleport(BaseModel):
        pass

    monkeypatch.setattr(executor_module, "COMMAND_TYPES", (*COMMAND_TYPES, Teleport))
    with pytest.raises(TypeError, match="no handler for Teleport"):
        CommandExecutor(cast(Any, None), state)
