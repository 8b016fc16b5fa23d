"""The checker finds each kind of defect Asterisk would only reveal at load time or mid-call.

Each case renders the sound default configuration, breaks one thing in the text, and expects the
checker to name it; the unbroken configuration yields no problem at all.
"""

from __future__ import annotations

import pytest

from asterisk_conf.check import check, split_args, word_pattern_wildcards
from asterisk_conf.confparse import ConfigSyntaxError, parse_text
from asterisk_conf.render import render
from core import dialplan
from core.settings import Settings


def mutated(settings: Settings, file: str, old: str, new: str, count: int = 1) -> list[str]:
    files = render(settings)
    assert old in files[file], f"{old!r} not in {file}"
    files[file] = files[file].replace(old, new, count)
    return [str(p) for p in check(files, settings)]


def test_the_rendered_configuration_has_no_problem(settings: Settings) -> None:
    assert check(render(settings), settings) == []


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # Dialplan structure.
        ("extensions.conf", "?route)", "?routing)", "missing label 'routing'"),
        (
            "extensions.conf",
            f"include => {dialplan.CTX_EMERGENCY}",
            "include => hotline-emergancy",
            "includes missing context 'hotline-emergancy'",
        ),
        (
            "extensions.conf",
            f"Goto({dialplan.CTX_QUEUE},s,1)",
            "Goto(hotline-queues,s,1)",
            "missing context 'hotline-queues'",
        ),
        (
            "extensions.conf",
            f"Goto({dialplan.CTX_QUEUE},s,1)",
            f"Goto({dialplan.CTX_QUEUE},t,1)",
            "missing extension 't'",
        ),
        ("extensions.conf", f"[{dialplan.CTX_SURVEY}]", "[hotline-poll]", f"context '{dialplan.CTX_SURVEY}'"),
        ("extensions.conf", "exten => whisper,", "exten => whispers,", "lacks extension 'whisper'"),
        (
            "extensions.conf",
            "Set(DID_QUEUE=q-enterprise)",
            "Set(DID_QUEUE=q-business)",
            "queue 'q-business' is used in the dialplan but not defined",
        ),
        ("extensions.conf", "?q-watch:", "?q-watchlist:", "queue 'q-watchlist'"),
        (
            "extensions.conf",
            "Dial(PJSIP/${EXTEN}@world",
            "Dial(PJSIP/${EXTEN}@wrold",
            "undefined PJSIP endpoint 'wrold'",
        ),
        ("extensions.conf", "${HOTLINE_TARGET}", "${HOTLINE_TARGETS}", "HOTLINE_TARGETS} is not a variable"),
        (
            "extensions.conf",
            "AGI(agi://127.0.0.1:4573/ivr)",
            "AGI(agi://127.0.0.1:4574/ivr)",
            "is not 127.0.0.1:4573",
        ),
        ("extensions.conf", "agi://127.0.0.1:4573/survey", "agi://127.0.0.1:4573/poll", "script 'poll'"),
        ("extensions.conf", "n,Answer()", "n,Answr()", "application Answr"),
        ("extensions.conf", "${FILTER(", "${FILTR(", "function FILTR()"),
        # 22 reads N/X/Z as wildcards in any case: `_conf-.` does not match conf-T1.
        ("extensions.conf", "exten => listen,", "exten => _conf-.,", "'_conf-.'"),
        # Queues.
        ("queues.conf", "timeout = 15", "timeout = 20", "timeout = '20', expected 15"),
        ("queues.conf", "ringinuse = no", "ringinuse = yes", "ringinuse = 'yes'"),
        ("queues.conf", "autopause = no", "autopause = yes", "autopause = 'yes'"),
        ("queues.conf", "wrapuptime = 10", "wrapuptime = 0", "wrapuptime"),
        ("queues.conf", "servicelevel = 15", "servicelevel = 60", "servicelevel"),
        ("queues.conf", "[q-dialect]", "[q-dialects]", "queue 'q-dialect' of the settings is not defined"),
        (
            "queues.conf",
            "setinterfacevar = yes",
            "eventwhencalled = yes",
            "eventwhencalled: not an Asterisk 22",
        ),
        (
            "queues.conf",
            "setinterfacevar = yes",
            "eventmemberstatus = yes",
            "eventmemberstatus: not an Asterisk 22",
        ),
        # AMI least privilege.
        (
            "manager.conf",
            "write = system,call,agent,reporting,originate",
            "write = system,call,reporting,originate",
            "do not authorise QueueAdd",
        ),
        (
            "manager.conf",
            "write = system,call,agent,reporting,originate",
            "write = call,agent,reporting,originate",
            "do not authorise MixMonitor",
        ),
        (
            "manager.conf",
            "read = system,call,agent,cdr,dialplan",
            "read = system,call,agent,cdr",
            "do not deliver VarSet",
        ),
        ("manager.conf", "read = system,call,agent,cdr,dialplan", "read = all", "never 'all'"),
        (
            "manager.conf",
            "write = system,call,agent,reporting,originate",
            "write = system,call,agent,reporting,originate,command",
            "least privilege",
        ),
        ("manager.conf", "secret = hotline-dev-secret", "secret = other", "secret differs"),
        # Modules: every application the dialplan runs is loaded, and nothing autoloads.
        ("modules.conf", "require = app_queue.so", "noload = app_queue.so", "app_queue is not loaded"),
        (
            "modules.conf",
            "load = func_dialplan.so",
            "noload = func_dialplan.so",
            "func_dialplan is not loaded",
        ),
        ("modules.conf", "autoload = no", "autoload = yes", "autoload must be no"),
        # pjsip references.
        ("pjsip.conf", "aors = 1002", "aors = 1020", "refers to missing aor '1020'"),
        ("pjsip.conf", "auth = 1003-auth", "auth = 1003-secret", "missing auth '1003-secret'"),
        ("pjsip.conf", "context = from-seats", "context = from-phones", "context 'from-phones' is not in"),
        (
            "pjsip.conf",
            "rtp_symmetric = yes",
            "rtp_symetric = yes",
            "rtp_symetric: not an Asterisk 22 endpoint",
        ),
        ("pjsip.conf", "type = identify", "type = identity", "no known type ('identity')"),
        # Logging.
        ("logger.conf", "queue_log = yes", "queue_log = no", "queue_log must be on"),
        (
            "logger.conf",
            "console => notice,warning,error",
            "console => notice,warnings",
            "unknown log levels",
        ),
        ("musiconhold.conf", "sort = random", "shuffle = yes", "shuffle: not an Asterisk 22 class option"),
    ],
)
def test_each_defect_is_reported(settings: Settings, file: str, old: str, new: str, expected: str) -> None:
    problems = mutated(settings, file, old, new)
    assert any(expected in p for p in problems), problems


def test_a_syntax_error_is_a_problem_not_a_crash(settings: Settings) -> None:
    problems = mutated(settings, "rtp.conf", "[general]", "[general")
    assert any("rtp.conf" in p and "Missing" in p for p in problems), problems


def test_the_pyst2_shim_reads_text_and_rejects_options_outside_sections() -> None:
    parsed = parse_text("x.conf", "; c\n[a]\nk = v ; note\nexten => 1,1,NoOp(x)\n[b]\n")
    assert [(s.name, [(i.name, i.value) for i in s.items]) for s in parsed] == [
        ("a", [("k", "v"), ("exten", "1,1,NoOp(x)")]),
        ("b", []),
    ]
    with pytest.raises(ConfigSyntaxError, match="outside any"):
        parse_text("x.conf", "k = v\n[a]\n")
    with pytest.raises(ConfigSyntaxError, match=r"x\.conf:2"):
        parse_text("x.conf", "[a]\nnot an option\n")


@pytest.mark.parametrize(
    ("exten", "wild"),
    [
        ("_conf-.", ["n"]),
        ("_bridge-.", []),
        ("_Xfer.", ["X"]),
        ("_zone-1.", ["z", "n"]),
        ("_1XXXXXXXXXX", []),
        ("_0XXXXXXXXX.", []),
        ("_[2-8]XXXXXXX", []),
        ("_X.", []),
        ("listen", []),
    ],
)
def test_word_patterns_with_wildcard_letters_are_found(exten: str, wild: list[str]) -> None:
    assert word_pattern_wildcards(exten) == wild


def test_split_args_respects_nesting() -> None:
    assert split_args('${IF($["${A}" = "x"]?a:b)},2,,x') == ['${IF($["${A}" = "x"]?a:b)}', "2", "", "x"]
