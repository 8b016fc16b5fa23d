"""`python -m bench` names the extra to install when a compared-against library is missing."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from importlib.machinery import ModuleSpec

import pytest

from bench.__main__ import main
from tests.conftest import REPO

real_find_spec = importlib.util.find_spec


def without_panoramisk(name: str, package: str | None = None) -> ModuleSpec | None:
    return None if name.split(".")[0] == "panoramisk" else real_find_spec(name, package)


@pytest.mark.parametrize(
    "argv",
    [["ami"], ["agi", "--servers", "ours,panoramisk", "--sessions", "100"]],
)
def test_a_missing_bench_library_is_named_with_its_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", without_panoramisk)
    monkeypatch.setattr(sys, "argv", ["python -m bench", *argv])
    assert main() == 2
    err = capsys.readouterr().err
    assert f"python -m bench {argv[0]} needs panoramisk" in err
    assert "pip install -e '.[bench]'" in err


def test_the_hotline_itself_does_not_depend_on_the_bench_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [d.split(">")[0].split("[")[0] for d in project["dependencies"]]
    assert "panoramisk" not in runtime
    assert [d.split(">")[0] for d in project["optional-dependencies"]["bench"]] == ["panoramisk"]
