"""The fail-safe script as Asterisk runs it: a process speaking AGI on stdin/stdout, with only
the standard library and pyst2 importable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import asterisk
import six

import ivr.failsafe.hotline_failsafe_agi as failsafe
from tests.contract.ivr.asterisk_double import environment

SCRIPT = Path(failsafe.__file__)


def _run(tmp_path: Path, args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    # A path holding nothing but pyst2 (and its `six`); -S keeps site-packages away.
    libs = tmp_path / "libs"
    libs.mkdir(exist_ok=True)
    if not (libs / "asterisk").exists():
        (libs / "asterisk").symlink_to(Path(asterisk.__file__).parent)
        (libs / "six.py").symlink_to(Path(six.__file__))
    boot = (
        f"import sys, runpy; sys.path.insert(0, {str(libs)!r}); sys.argv = [{str(SCRIPT)!r}, *{args!r}]; "
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-S", "-c", boot],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )


def test_imports_only_stdlib_and_pyst2() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names - set(sys.stdlib_module_names) == {"asterisk"}


UNSET = "200 result=0\n"


def test_sets_the_did_queue(tmp_path: Path) -> None:
    stdin = environment(dnid="12315") + UNSET * 2 + "200 result=1\n" * 2
    done = _run(tmp_path, ["q-general", "12315=q-enterprise"], stdin)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        'GET VARIABLE "HOTLINE_ACTION"',
        'GET VARIABLE "HOTLINE_QUEUE"',
        'SET VARIABLE "HOTLINE_QUEUE" "q-enterprise"',
        'SET VARIABLE "HOTLINE_ACTION" "queue"',
    ]


def test_keeps_what_the_fastagi_session_decided(tmp_path: Path) -> None:
    # An emergency re-route set before the FastAGI session failed is never overwritten.
    done = _run(tmp_path, ["q-general"], environment() + "200 result=1 (emergency)\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['GET VARIABLE "HOTLINE_ACTION"']
    # A queue already chosen stays; only the action is completed.
    done = _run(tmp_path, ["q-general"], environment() + UNSET + "200 result=1 (q-priority)\n200 result=1\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == 'SET VARIABLE "HOTLINE_ACTION" "queue"'
    assert not any(line.startswith('SET VARIABLE "HOTLINE_QUEUE"') for line in done.stdout.splitlines())


def test_garbage_from_asterisk_ends_quietly(tmp_path: Path) -> None:
    done = _run(tmp_path, [], environment())  # stdin ends: no reply at all
    assert done.returncode == 1
    assert "hotline fail-safe AGI" in done.stderr and "Traceback" not in done.stderr


def test_unknown_did_gets_the_default_queue(tmp_path: Path) -> None:
    done = _run(tmp_path, ["q-backup"], environment(dnid="12399") + UNSET * 2 + "200 result=1\n" * 2)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2] == 'SET VARIABLE "HOTLINE_QUEUE" "q-backup"'


def test_dead_channel_ends_quietly(tmp_path: Path) -> None:
    done = _run(
        tmp_path, [], environment() + "511 Command Not Permitted on a dead channel or intercept routine\n"
    )
    assert done.returncode == 1
    assert "hotline fail-safe AGI" in done.stderr


def test_argument_parsing() -> None:
    assert failsafe.parse_args([]) == ("q-general", {})
    assert failsafe.parse_args([" ", "12315=q-e", "bad", "=x", "1="]) == ("q-general", {"12315": "q-e"})
    env = {"agi_dnid": "unknown", "agi_extension": "12315"}
    assert failsafe.choose_queue(env, "q-general", {"12315": "q-e"}) == "q-e"
