"""Renders the Asterisk 22 configuration from the project's settings (`hotline asterisk-config`).

One source for everything the backend and Asterisk must agree on: AMI user and port, FastAGI
address, queue names and their ring limit, DIDs, emergency numbers, the dialplan names of
`core.dialplan`. `render` is pure (settings in, file texts out); `render_to_dir` writes them.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from asterisk_conf import ami
from asterisk_conf.modules import modules_for
from core import dialplan
from core.settings import DEV_AMI_SECRET, QueueDef, Settings
from core.softswitch import DEV_SEAT_PASSWORD_PREFIX, SAFE_VALUE, Route

FILES = (
    "asterisk.conf", "modules.conf", "logger.conf", "pjsip.conf", "rtp.conf", "http.conf",
    "extensions.conf", "queues.conf", "manager.conf", "confbridge.conf", "musiconhold.conf",
    "cdr.conf", "cdr_manager.conf", "cel.conf", "features.conf", "indications.conf", "ccss.conf",
    "acl.conf", "udptl.conf", "pjproject.conf", "stasis.conf", "queuerules.conf",
)

# Queue names appear inside dialplan expressions and as section names: keep them plain.
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_DID = re.compile(r"^\+?[0-9]{3,20}$")
_EMERGENCY = re.compile(r"^[0-9]{3,6}$")
_AMI_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_SAFE = re.compile(SAFE_VALUE)


class RenderError(ValueError):
    """The settings cannot be turned into a safe, loadable configuration."""


@dataclass(frozen=True)
class QueueView:
    name: str
    title: str
    weight: int
    overflow_to: str | None


def render(settings: Settings) -> dict[str, str]:
    """File name -> text of every configuration file Asterisk 22 needs."""
    context = _context(settings)
    env = _environment()
    return {name: env.get_template(f"{name}.j2").render(**context) for name in FILES}


def render_to_dir(settings: Settings, out: Path) -> list[Path]:
    """Writes the files atomically into `out` (created if missing); returns the paths written."""
    files = render(settings)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in files.items():
        target = out / name
        # manager.conf and pjsip.conf hold secrets: never readable by other users, even briefly.
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("asterisk_conf", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(settings: Settings) -> dict[str, object]:
    _validate(settings)
    sw = settings.softswitch
    agi_host = sw.agi_address or settings.agi_host
    queues = [_queue_view(q) for q in settings.queues]
    emergency_numbers = sorted(settings.emergency_targets())
    tls = bool(sw.tls_cert_file)
    return {
        "s": settings,
        "sw": sw,
        "dp": dialplan,
        "calls": settings.calls,
        "queues": queues,
        "overflowing": [q for q in queues if q.overflow_to],
        "dids": sorted(settings.dids.items()),
        "emergency_numbers": emergency_numbers,
        "agi_base": f"agi://{_url_host(agi_host)}:{settings.agi_port}",
        "ami_read": ",".join(ami.read_classes()),
        "ami_write": ",".join(ami.write_classes()),
        "modules": modules_for(settings),
        "record_file": _record_file(settings),
        "websocket_protocol": "wss" if tls else "ws",
        "dial": _dial,
    }


def _queue_view(q: QueueDef) -> QueueView:
    return QueueView(name=q.name, title=q.title, weight=q.weight, overflow_to=q.overflow_to)


def _dial(route: Route, number: str) -> str:
    """The PJSIP dial string of a number through a route (`number` may be a dialplan expression)."""
    return f"PJSIP/{route.prefix}{number}@{route.trunk}"


def _record_file(settings: Settings) -> str:
    # One directory per local day keeps the monitor directory listable; recordings/ reads this path
    # back from MIXMONITOR_FILENAME, so the layout is free to change.
    root = settings.asterisk_recordings_dir.rstrip("/")
    return f"{root}/${{STRFTIME(${{EPOCH}},{settings.timezone},%Y/%m/%d)}}/${{UNIQUEID}}.wav"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _validate(settings: Settings) -> None:
    sw = settings.softswitch
    for q in settings.queues:
        if not _QUEUE_NAME.match(q.name):
            raise RenderError(f"queue name {q.name!r}: use letters, digits, '-' and '_' only")
        if any(ch in q.title for ch in ";\r\n[]"):
            raise RenderError(f"queue {q.name!r}: its title must not contain ';', brackets or line breaks")
    for did in settings.dids:
        if not _DID.match(did):
            raise RenderError(f"DID {did!r}: digits only (optionally a leading '+')")
    for kind, number in settings.emergency_numbers.items():
        if not _EMERGENCY.match(number):
            raise RenderError(f"emergency number {kind}={number!r}: 3 to 6 digits")
    seat_exts = {seat.extension for seat in sw.seats}
    clash = seat_exts & (set(settings.dids) | set(settings.emergency_numbers.values()))
    if clash:
        raise RenderError(f"seat extensions {sorted(clash)} collide with a DID or an emergency number")
    if not _AMI_USER.match(settings.ami_user):
        raise RenderError(f"AMI user {settings.ami_user!r}: letters, digits, '.', '-' and '_' only")
    if not _SAFE.match(settings.ami_secret):
        raise RenderError("AMI secret: no spaces, ';', quotes, brackets or commas")
    agi_host = sw.agi_address or settings.agi_host
    if _is_wildcard(agi_host):
        raise RenderError(
            f"FastAGI listens on {agi_host}, which Asterisk cannot dial: set HOTLINE_SOFTSWITCH__AGI_ADDRESS"
        )
    if not (0 < settings.calls.ring_timeout_s <= 600):
        raise RenderError("calls.ring_cadence_s * calls.max_rings must be between 1 and 600 seconds")
    if settings.mode == "production":
        weak = [s.extension for s in sw.seats if s.password.startswith(DEV_SEAT_PASSWORD_PREFIX)]
        if weak:
            raise RenderError(f"production mode: seats {weak} still have development passwords")
        if settings.ami_secret == DEV_AMI_SECRET:
            raise RenderError("production mode: HOTLINE_AMI_SECRET is the development secret")


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
