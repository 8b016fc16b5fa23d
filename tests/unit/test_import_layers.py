"""The package import graph points only down (issue 10): `core/` is the ground, `hotline/` the roof.

Built from the source with `ast`, so an import added anywhere (also inside a function) is seen.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    "core",
    "hotline",
    "callflow",
    "ivr",
    "tickets",
    "agent_desk",
    "recordings",
    "asterisk_conf",
    "bench",
)


def imported_packages(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def package_graph(root: Path = REPO) -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the files that import it."""
    graph: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in PACKAGES}
    for name in PACKAGES:
        for path in sorted((root / name).rglob("*.py")):
            for target in imported_packages(path.read_text(encoding="utf-8")) - {name}:
                graph[name][target].append(str(path.relative_to(root)))
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Every elementary cycle's node list, found by depth-first search from each package."""
    found: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in graph[node]:
            if nxt == start:
                key = tuple(sorted(path))
                if key not in seen:
                    seen.add(key)
                    found.append([*path, start])
            elif nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in PACKAGES:
        walk(start, start, [start])
    return found


def test_no_package_import_loop() -> None:
    loops = cycles(package_graph())
    assert loops == [], f"package import loops: {loops}"


def test_nothing_imports_the_roof() -> None:
    graph = package_graph()
    offenders = {name: graph[name]["hotline"] for name in PACKAGES if "hotline" in graph[name]}
    assert offenders == {}, f"hotline/ is the command and the composition of roles: {offenders}"


def test_the_ground_imports_nothing_of_the_project() -> None:
    assert dict(package_graph()["core"]) == {}


def test_the_checker_sees_a_loop_and_an_import_of_the_roof(tmp_path: Path) -> None:
    # The checks above must be able to fail: a planted loop and a planted roof import are found.
    for name in PACKAGES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "tickets" / "a.py").write_text("from callflow import b\n")
    (tmp_path / "callflow" / "b.py").write_text("def f():\n    import tickets.a\n")
    (tmp_path / "ivr" / "c.py").write_text("import hotline.cli\n")
    graph = package_graph(tmp_path)
    assert [sorted(set(loop)) for loop in cycles(graph)] == [["callflow", "tickets"]]
    assert graph["ivr"]["hotline"] == ["ivr/c.py"]


@pytest.mark.parametrize(
    "source", ["import os\n", "from . import x\n", "from __future__ import annotations\n"]
)
def test_outside_and_relative_imports_are_not_project_edges(source: str) -> None:
    assert imported_packages(source) == set()
