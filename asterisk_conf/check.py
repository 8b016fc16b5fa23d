"""Structural checks of a rendered configuration, read back with pyst2's parser.

What Asterisk would only reveal at load time or, worse, in the middle of a call: a Goto into a
missing context or label, a Dial to an undefined endpoint, a queue the dialplan joins but
queues.conf lacks, an AMI user that cannot send what the backend sends, an option Asterisk 22
does not know, a `_` pattern whose letters are wildcards, an application whose module is not
loaded. `check` returns every problem found; an empty list means the configuration is sound.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from asterisk_conf import ami
from asterisk_conf.confparse import ConfigSyntaxError, Section, parse_text
from asterisk_conf.options import LOG_LEVELS, PJSIP, TABLES
from core import dialplan
from core.settings import Settings

# Dialplan applications and functions -> the module providing them ("" = the PBX core).
APPLICATIONS: Mapping[str, str] = {
    "Answer": "",
    "Goto": "",
    "GotoIf": "",
    "Hangup": "",
    "NoOp": "",
    "Set": "",
    "Wait": "",
    "AGI": "res_agi",
    "ChanSpy": "app_chanspy",
    "ConfBridge": "app_confbridge",
    "Dial": "app_dial",
    "MixMonitor": "app_mixmonitor",
    "MusicOnHold": "res_musiconhold",  # the held citizen (hold / resume)
    "Queue": "app_queue",
}
FUNCTIONS: Mapping[str, str] = {
    "IF": "func_logic",
    "FILTER": "func_strings",
    "STRFTIME": "func_strings",
    "DIALPLAN_EXISTS": "func_dialplan",
    "CALLERID": "func_callerid",
}
# Variables the dialplan reads that Asterisk or the dialplan itself sets.
_ASTERISK_VARIABLES = frozenset(
    {
        "EXTEN",
        "UNIQUEID",
        "EPOCH",
        "AGISTATUS",
        "DIALSTATUS",
        "QUEUESTATUS",
        "MIXMONITOR_FILENAME",
    }
)
_QUEUE_VARIABLES = ("DID_QUEUE", "OVERFLOW_TO", dialplan.VAR_QUEUE)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Step:
    """One dialplan priority: `exten => ext,prio(label),App(args)`."""

    context: str
    exten: str
    label: str | None
    app: str
    args: str
    line: int


@dataclass
class Dialplan:
    contexts: dict[str, dict[str, list[Step]]] = field(default_factory=dict)
    includes: list[tuple[str, str, int]] = field(default_factory=list)

    def steps(self) -> Iterator[Step]:
        for extens in self.contexts.values():
            for steps in extens.values():
                yield from steps


def check(files: Mapping[str, str], settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    parsed: dict[str, list[Section]] = {}
    for name, text in files.items():
        try:
            parsed[name] = parse_text(name, text)
        except ConfigSyntaxError as exc:
            problems.append(Problem(name, exc.line, str(exc)))
    problems += _known_options(parsed)
    plan = _dialplan(parsed.get("extensions.conf", []), problems)
    problems += _check_dialplan(plan, parsed, settings)
    problems += _check_queues(parsed.get("queues.conf", []), settings)
    problems += _check_manager(parsed.get("manager.conf", []), settings)
    problems += _check_modules(parsed.get("modules.conf", []), plan)
    problems += _check_pjsip(parsed.get("pjsip.conf", []), plan)
    problems += _check_logger(parsed.get("logger.conf", []))
    return problems


# ---- options known to Asterisk 22


def section_kind(file: str, section: Section) -> str | None:
    """Which table of `options.TABLES[file]` applies to a section (None: unknown kind)."""
    if file == "pjsip.conf":
        return section.get("type")
    if file == "confbridge.conf":
        return "general" if section.name == "general" else section.get("type")
    if file == "extensions.conf":
        return section.name if section.name in ("general", "globals") else "context"
    if file == "queues.conf":
        return "general" if section.name == "general" else "queue"
    if file == "manager.conf":
        return "general" if section.name == "general" else "user"
    if file == "musiconhold.conf":
        return "general" if section.name == "general" else "class"
    if file == "indications.conf":
        return "general" if section.name == "general" else "zone"
    return section.name


def _known_options(parsed: Mapping[str, list[Section]]) -> list[Problem]:
    problems: list[Problem] = []
    for file, sections in parsed.items():
        tables = TABLES.get(file)
        if tables is None:
            problems.append(Problem(file, 0, "no table of Asterisk 22 options for this file"))
            continue
        for section in sections:
            kind = section_kind(file, section)
            if kind is None or kind not in tables:
                problems.append(
                    Problem(file, section.line, f"[{section.name}]: unknown section kind {kind!r}")
                )
                continue
            known = tables[kind]
            if known is None:
                continue
            for item in section.items:
                if item.name not in known:
                    problems.append(
                        Problem(
                            file, item.line, f"[{section.name}] {item.name}: not an Asterisk 22 {kind} option"
                        )
                    )
    return problems


# ---- extensions.conf

_STEP = re.compile(
    r"^(?P<exten>[^,]+),(?P<prio>[^,(]+)(?:\((?P<label>[^)]*)\))?,(?P<app>\w+)(?:\((?P<args>.*)\))?$"
)


def _dialplan(sections: list[Section], problems: list[Problem]) -> Dialplan:
    plan = Dialplan()
    for section in sections:
        if section.name in ("general", "globals"):
            continue
        extens: dict[str, list[Step]] = plan.contexts.setdefault(section.name, {})
        current: str | None = None
        for item in section.items:
            if item.name == "include":
                plan.includes.append((section.name, item.value, item.line))
                continue
            if item.name not in ("exten", "same"):
                continue
            value = item.value if item.name == "exten" else f"{current},{item.value}"
            match = _STEP.match(value)
            if match is None or (item.name == "same" and current is None):
                problems.append(
                    Problem("extensions.conf", item.line, f"cannot read dialplan line {item.value!r}")
                )
                continue
            exten, prio = match["exten"].strip(), match["prio"].strip()
            steps = extens.setdefault(exten, [])
            if item.name == "exten":
                current = exten
                if prio != "1" or steps:
                    problems.append(
                        Problem("extensions.conf", item.line, f"{exten}: must start once, at priority 1")
                    )
            elif prio != "n":
                problems.append(
                    Problem("extensions.conf", item.line, f"{exten}: `same` lines use priority n")
                )
            steps.append(
                Step(section.name, exten, match["label"], match["app"], match["args"] or "", item.line)
            )
    return plan


def split_args(text: str, sep: str = ",") -> list[str]:
    """Splits at `sep` outside ${...}, $[...] and (...)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _split_condition(args: str) -> tuple[str, list[str]]:
    """`cond?true:false` -> (cond, [true, false])."""
    head = split_args(args, "?")
    if len(head) < 2:
        return args, []
    return "?".join(head[:-1]), [t for t in split_args(head[-1], ":") if t]


def _goto_targets(step: Step) -> list[str]:
    if step.app == "Goto":
        return [step.args]
    if step.app == "GotoIf":
        return _split_condition(step.args)[1]
    return []


def _literal(text: str) -> bool:
    return "$" not in text


def _check_dialplan(plan: Dialplan, parsed: Mapping[str, list[Section]], settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    f = "extensions.conf"

    def problem(line: int, message: str) -> None:
        problems.append(Problem(f, line, message))

    for context, target, line in plan.includes:
        if target not in plan.contexts:
            problem(line, f"[{context}] includes missing context {target!r}")

    for step in plan.steps():
        for target in _goto_targets(step):
            parts = [p.strip() for p in split_args(target)]
            if len(parts) == 1:
                context, exten, prio = step.context, step.exten, parts[0]
            elif len(parts) == 2:
                context, (exten, prio) = step.context, parts
            else:
                context, exten, prio = parts[0], parts[1], parts[2]
            if not _literal(context):
                continue
            if context not in plan.contexts:
                problem(step.line, f"{step.app} to missing context {context!r}")
                continue
            if not _literal(exten):
                continue
            if exten not in plan.contexts[context]:
                problem(step.line, f"{step.app} to missing extension {exten!r} in [{context}]")
                continue
            target_labels = {s.label for s in plan.contexts[context][exten] if s.label}
            target_count = len(plan.contexts[context][exten])
            if prio.isdigit():
                if not 1 <= int(prio) <= target_count:
                    problem(step.line, f"{step.app} to missing priority {prio} of {exten}@{context}")
            elif prio not in target_labels:
                problem(step.line, f"{step.app} to missing label {prio!r} in {exten}@{context}")
        if step.label and step.label.isdigit():
            problem(step.line, f"label {step.label!r} looks like a priority")
        if step.app not in APPLICATIONS:
            problem(step.line, f"application {step.app} is not in the known table (asterisk_conf/check.py)")
        for func in re.findall(r"\$\{([A-Z_]+)\(", step.args):
            if func not in FUNCTIONS:
                problem(step.line, f"function {func}() is not in the known table (asterisk_conf/check.py)")
        for var in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", step.args):
            if var.startswith("HOTLINE_") and var not in _shared_variables():
                problem(step.line, f"${{{var}}} is not a variable of core/dialplan.py")

        if step.app == "Dial":
            problems.extend(_check_dial(step, plan, parsed))
        if step.app == "AGI":
            problems.extend(_check_agi(step, settings))

    problems += _check_patterns(plan)
    problems += _check_shared_names(plan, settings)
    problems += _check_dialplan_queues(plan, parsed)
    return problems


def _shared_variables() -> frozenset[str]:
    return frozenset(getattr(dialplan, n) for n in dir(dialplan) if n.startswith("VAR_"))


def _endpoints(parsed: Mapping[str, list[Section]]) -> set[str]:
    return {s.name for s in parsed.get("pjsip.conf", []) if s.get("type") == "endpoint"}


def _check_dial(step: Step, plan: Dialplan, parsed: Mapping[str, list[Section]]) -> list[Problem]:
    problems: list[Problem] = []
    target = split_args(step.args)[0]
    for leg in target.split("&"):
        tech, _, rest = leg.partition("/")
        if tech == "PJSIP":
            endpoint = rest.rsplit("@", 1)[1] if "@" in rest else rest
            if _literal(endpoint) and endpoint not in _endpoints(parsed):
                problems.append(
                    Problem("extensions.conf", step.line, f"Dial to undefined PJSIP endpoint {endpoint!r}")
                )
        elif tech == "Local":
            context = rest.split("@", 1)[1].split("/")[0] if "@" in rest else ""
            if _literal(context) and context not in plan.contexts:
                problems.append(Problem("extensions.conf", step.line, f"Dial to missing context {context!r}"))
        else:
            problems.append(
                Problem("extensions.conf", step.line, f"Dial with unexpected technology {tech!r}")
            )
    return problems


def _check_agi(step: Step, settings: Settings) -> list[Problem]:
    url = split_args(step.args)[0]
    if not url.startswith("agi://"):
        if settings.softswitch.failsafe_agi and url == settings.softswitch.failsafe_agi:
            # ivr/failsafe/hotline_failsafe_agi.py: <default queue>[,<did>=<queue>...]
            args = split_args(step.args)[1:]
            if not args or args[0] != settings.default_queue:
                return [
                    Problem("extensions.conf", step.line, "the fail-safe AGI needs the default queue first")
                ]
            return []
        return [Problem("extensions.conf", step.line, f"AGI {url!r} is neither FastAGI nor the fail-safe")]
    host_port, _, script = url[len("agi://") :].partition("/")
    host = settings.softswitch.agi_address or settings.agi_host
    expected = f"{f'[{host}]' if ':' in host else host}:{settings.agi_port}"
    problems = []
    if host_port != expected:
        problems.append(
            Problem("extensions.conf", step.line, f"FastAGI address {host_port} is not {expected}")
        )
    if script not in (dialplan.AGI_INTAKE, dialplan.AGI_SURVEY):
        problems.append(Problem("extensions.conf", step.line, f"FastAGI script {script!r} is not served"))
    return problems


def word_pattern_wildcards(exten: str) -> list[str]:
    """Letters N/X/Z (any case) in a `_` pattern that is a word, i.e. meant literally.

    A numeric pattern (`_1XXXXXXXXXX`, `_0XXXXXXXXX.`) uses them on purpose; a word such as
    `_conf-.` does not, yet Asterisk 22 reads its `n` as [2-9].
    """
    if not exten.startswith("_"):
        return []
    body = re.sub(r"\[[^\]]*\]", "", exten[1:])
    if re.fullmatch(r"[0-9NXZ.!*#+-]*", body):
        return []
    return [ch for ch in body if ch in "nxzNXZ"]


def _check_patterns(plan: Dialplan) -> list[Problem]:
    problems = []
    for context, extens in plan.contexts.items():
        for exten, steps in extens.items():
            wild = word_pattern_wildcards(exten)
            if wild:
                problems.append(
                    Problem(
                        "extensions.conf",
                        steps[0].line,
                        f"pattern {exten!r} in [{context}]: {''.join(wild)} are wildcards, not letters",
                    )
                )
    return problems


def _check_shared_names(plan: Dialplan, settings: Settings) -> list[Problem]:
    problems = []
    required: dict[str, set[str]] = {
        dialplan.CTX_INBOUND: set(settings.dids),
        dialplan.CTX_SEATS: {s.extension for s in settings.softswitch.seats},
        dialplan.CTX_QUEUE: {dialplan.EXT_START},
        dialplan.CTX_EMERGENCY: set(settings.emergency_targets()),
        dialplan.CTX_THREEWAY: {dialplan.EXT_START},
        dialplan.CTX_SURVEY: {dialplan.EXT_START},
        dialplan.CTX_CALLBACK: {dialplan.EXT_START},
        dialplan.CTX_SPY: set(dialplan.SPY_MODES),
        dialplan.CTX_SEAT_LINE: {dialplan.EXT_START},
    }
    for context, extens in required.items():
        if context not in plan.contexts:
            problems.append(
                Problem("extensions.conf", 0, f"context {context!r} of core/dialplan.py is missing")
            )
            continue
        for exten in sorted(extens - set(plan.contexts[context])):
            problems.append(Problem("extensions.conf", 0, f"[{context}] lacks extension {exten!r}"))
    return problems


def queue_names_in_dialplan(plan: Dialplan) -> dict[str, int]:
    """Every literal queue name the dialplan joins, assigns or compares with, and its line."""
    names: dict[str, int] = {}
    for step in plan.steps():
        if step.app == "Queue":
            first = split_args(step.args)[0]
            if _literal(first):
                names.setdefault(first, step.line)
        if step.app == "Set":
            var, _, value = step.args.partition("=")
            if var.lstrip("_") in _QUEUE_VARIABLES:
                for literal in _literals(value):
                    names.setdefault(literal, step.line)
        for var in _QUEUE_VARIABLES:
            for name in re.findall(r'"\$\{' + var + r'\}" = "([^"$]+)"', step.args):
                names.setdefault(name, step.line)
    return names


def _literals(value: str) -> list[str]:
    """The literal outcomes of a value: itself, or the branches of ${IF(cond?a:b)}."""
    match = re.fullmatch(r"\$\{IF\((.*)\)\}", value)
    if match is None:
        return [value] if value and _literal(value) else []
    _, branches = _split_condition(match[1])
    return [b for branch in branches for b in _literals(branch)]


def _check_dialplan_queues(plan: Dialplan, parsed: Mapping[str, list[Section]]) -> list[Problem]:
    defined = {s.name for s in parsed.get("queues.conf", []) if s.name != "general"}
    return [
        Problem(
            "extensions.conf", line, f"queue {name!r} is used in the dialplan but not defined in queues.conf"
        )
        for name, line in sorted(queue_names_in_dialplan(plan).items())
        if name not in defined
    ]


# ---- queues.conf


def _check_queues(sections: list[Section], settings: Settings) -> list[Problem]:
    problems = []
    queues = {s.name: s for s in sections if s.name != "general"}
    calls = settings.calls
    expected = {
        # 004 §11: a seat rings for three rings, then the call moves on.
        "timeout": str(calls.ring_timeout_s),
        "ringinuse": "no",
        # The backend applies the three-ring rule (pause with reason); app_queue must not.
        "autopause": "no",
        "wrapuptime": str(calls.wrapup_s),
        "servicelevel": str(calls.service_level_s),
    }
    for q in settings.queues:
        section = queues.get(q.name)
        if section is None:
            problems.append(Problem("queues.conf", 0, f"queue {q.name!r} of the settings is not defined"))
            continue
        for option, value in expected.items():
            if section.get(option) != value:
                problems.append(
                    Problem(
                        "queues.conf",
                        section.line,
                        f"[{q.name}] {option} = {section.get(option)!r}, expected {value}",
                    )
                )
        if section.get("weight") != str(q.weight):
            problems.append(Problem("queues.conf", section.line, f"[{q.name}] weight is not {q.weight}"))
    return problems


# ---- manager.conf


def _classes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def _check_manager(sections: list[Section], settings: Settings) -> list[Problem]:
    f = "manager.conf"
    general = next((s for s in sections if s.name == "general"), None)
    users = [s for s in sections if s.name != "general"]
    problems = []
    if general is None or general.get("enabled") != "yes" or general.get("port") != str(settings.ami_port):
        problems.append(Problem(f, 0, f"AMI must be enabled on port {settings.ami_port}"))
    if [u.name for u in users] != [settings.ami_user]:
        problems.append(
            Problem(
                f, 0, f"exactly one user, {settings.ami_user!r}, expected; found {[u.name for u in users]}"
            )
        )
        return problems
    user = users[0]
    if user.get("secret") != settings.ami_secret:
        problems.append(Problem(f, user.line, "secret differs from HOTLINE_AMI_SECRET"))
    read, write = _classes(user.get("read")), _classes(user.get("write"))
    for label, granted in (("read", read), ("write", write)):
        unknown = [c for c in granted if c not in ami.CLASSES]
        if unknown or not granted:
            problems.append(Problem(f, user.line, f"{label} = {granted}: use named classes, never 'all'"))
    for action in ami.BACKEND_ACTIONS:
        if not ami.authorised(action, write):
            problems.append(Problem(f, user.line, f"write classes {write} do not authorise {action}"))
    for event in ami.BACKEND_EVENTS:
        if not ami.receives(event, read):
            problems.append(Problem(f, user.line, f"read classes {read} do not deliver {event}"))
    if set(write) - set(ami.write_classes()) or set(read) - set(ami.read_classes()):
        problems.append(Problem(f, user.line, "more classes than the backend needs (least privilege)"))
    if not user.all("deny") or not user.all("permit"):
        problems.append(Problem(f, user.line, "the AMI user must be limited to permitted networks"))
    return problems


# ---- modules.conf


def loaded_modules(sections: list[Section]) -> set[str]:
    modules: set[str] = set()
    for section in sections:
        for item in section.items:
            if item.name in ("load", "require", "preload", "preload-require"):
                modules.add(item.value.split()[0].removesuffix(".so"))
    return modules


def _check_modules(sections: list[Section], plan: Dialplan) -> list[Problem]:
    f = "modules.conf"
    section = next((s for s in sections if s.name == "modules"), None)
    if section is None:
        return [Problem(f, 0, "no [modules] section")]
    problems = []
    if section.get("autoload") != "no":
        problems.append(Problem(f, section.line, "autoload must be no: load only what is used"))
    loaded = loaded_modules(sections)
    for step in plan.steps():
        needed = [APPLICATIONS.get(step.app, "")]
        needed += [FUNCTIONS.get(fn, "") for fn in re.findall(r"\$\{([A-Z_]+)\(", step.args)]
        for module in needed:
            if module and module not in loaded:
                problems.append(
                    Problem(f, 0, f"{module} is not loaded but extensions.conf:{step.line} uses it")
                )
    return sorted(set(problems), key=lambda p: p.message)


# ---- pjsip.conf


def _check_pjsip(sections: list[Section], plan: Dialplan) -> list[Problem]:
    f = "pjsip.conf"
    by_type: dict[str, set[str]] = {}
    for s in sections:
        by_type.setdefault(s.get("type") or "", set()).add(s.name)
    problems = []
    for s in sections:
        kind = s.get("type")
        if kind not in PJSIP:
            problems.append(Problem(f, s.line, f"[{s.name}] has no known type ({kind!r})"))
            continue
        refs: list[tuple[str, str]] = []
        if kind == "endpoint":
            refs += [("aor", a.strip()) for v in s.all("aors") for a in v.split(",")]
            refs += [("auth", v) for v in s.all("auth") + s.all("outbound_auth")]
            context = s.get("context")
            if context is not None and context not in plan.contexts:
                problems.append(
                    Problem(f, s.line, f"[{s.name}] context {context!r} is not in extensions.conf")
                )
        if kind in ("identify", "registration"):
            refs += [("endpoint", v) for v in s.all("endpoint")]
        if kind == "registration":
            refs += [("auth", v) for v in s.all("outbound_auth")]
        for ref_type, name in refs:
            if name not in by_type.get(ref_type, set()):
                problems.append(Problem(f, s.line, f"[{s.name}] refers to missing {ref_type} {name!r}"))
    return problems


# ---- logger.conf


def _check_logger(sections: list[Section]) -> list[Problem]:
    f = "logger.conf"
    problems = []
    general = next((s for s in sections if s.name == "general"), None)
    if general is None or general.get("queue_log") != "yes":
        problems.append(Problem(f, 0, "queue_log must be on: statistics are reconciled against it"))
    for s in sections:
        if s.name != "logfiles":
            continue
        for item in s.items:
            levels = [lv.strip() for lv in item.value.split(",")]
            unknown = [lv for lv in levels if lv not in LOG_LEVELS and lv != "*"]
            if unknown:
                problems.append(Problem(f, item.line, f"{item.name}: unknown log levels {unknown}"))
    return problems
