"""Deployment settings: one `Settings` object, built once and passed in (never a module global).

Every field can be set from the environment with the prefix ``HOTLINE_`` (``HOTLINE_DATABASE_URL``,
``HOTLINE_AMI_HOST``...). Nested rule groups use a double underscore:
``HOTLINE_RULES__COMPLAINT_COMPLETE_WORKING_DAYS=5``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.softswitch import SoftswitchSettings

DEV_AMI_SECRET = "hotline-dev-secret"
DEV_TOKEN_SECRET = "hotline-dev-token-secret-change-me"
TOKEN_KEY_MIN_CHARS = 32


class TicketRules(BaseModel):
    """Deadline defaults of DOMAIN.md §5; every city changes some of them."""

    # 000 §17: a consultation the knowledge base cannot answer is answered within 1 hour.
    consultation_answer_hours: int = 1
    # 001 三(三)2: urgent dispatch within 15 min, major emergency within 5 min.
    urgent_dispatch_minutes: int = 15
    major_dispatch_minutes: int = 5
    # 003 §11(三), 000 §19(一): the unit contacts the citizen within 1 working day.
    first_contact_working_days: int = 1
    # 000 §19(二): help requests in 2 working days, complaints/reports/suggestions in 7.
    help_complete_working_days: int = 2
    complaint_complete_working_days: int = 7
    consultation_complete_working_days: int = 2
    # 001 四(二): an urgent ticket is completed within 1 day, extendable to 2.
    urgent_complete_days: int = 1
    urgent_complete_max_days: int = 2
    # 001 四(五): a unit returns a ticket outside its remit within 1 working day.
    return_window_working_days: int = 1
    # 000 §21: an extension is asked at least 1 working day before the deadline.
    extension_notice_working_days: int = 1
    # 000 §25: callback within 24 h after the unit's reply is approved.
    callback_hours: int = 24
    # 001 三(三)3: provincial transfers are handled in 1-2 days.
    provincial_complete_days: int = 2
    # 000 §23: supervision reminder when this fraction of the time is used up.
    supervision_warn_fraction: float = 0.8


class CallRules(BaseModel):
    """The three-ring rule of DOMAIN.md §2 and queue behaviour."""

    # 004 §11: answer within three rings; Chinese cadence is 1 s on / 4 s off.
    ring_cadence_s: int = 5
    max_rings: int = 3
    # How many three-ring misses before the seat is paused (1 = at the first miss).
    misses_before_pause: int = 1
    pause_reason_ring_miss: str = "未在三声内应答"
    wrapup_s: int = 10
    service_level_s: int = 15
    # Overflow: a caller waiting longer than this in one queue moves to the overflow queue.
    overflow_after_s: int = 120

    @property
    def ring_timeout_s(self) -> int:
        return self.ring_cadence_s * self.max_rings


class QueueDef(BaseModel):
    name: str
    title: str
    weight: int = 0
    overflow_to: str | None = None


class MenuOption(BaseModel):
    """One key of the optional DTMF menu (HOTLINE_IVR_MENU, used when HOTLINE_IVR_DTMF_MENU is on)."""

    digit: str = Field(pattern=r"^[0-9]$")
    # What the caller hears before "请按<digit>"; the menu prompt is generated from these.
    label: str = Field(min_length=2, max_length=20)
    queue: str
    # 003 §10: a key for water, power, gas and heating outages is answered first, as urgent.
    urgent: bool = False


def default_menu() -> list[MenuOption]:
    return [
        MenuOption(digit="1", label="政务咨询", queue="q-general"),
        MenuOption(digit="2", label="水电气暖紧急问题", queue="q-priority", urgent=True),
        MenuOption(digit="3", label="企业诉求", queue="q-enterprise"),
    ]


def _default_queues() -> list[QueueDef]:
    return [
        QueueDef(name="q-general", title="综合服务", overflow_to="q-backup"),
        QueueDef(name="q-enterprise", title="营商环境", overflow_to="q-general"),
        # 003 §10: water, power, gas and heating outages are answered first.
        QueueDef(name="q-priority", title="紧急民生诉求", weight=10, overflow_to="q-general"),
        QueueDef(name="q-dialect", title="方言及外语", overflow_to="q-general"),
        QueueDef(name="q-watch", title="重点关注来电"),
        QueueDef(name="q-backup", title="溢出备用"),
    ]


def _default_dids() -> dict[str, str]:
    # DOMAIN.md §1: merged department hotlines keep their numbers and land in a skill queue.
    return {
        "12345": "q-general",
        "12315": "q-enterprise",  # market supervision
        "12333": "q-general",  # human resources and social security
        "12319": "q-priority",  # urban utilities
        "12369": "q-general",  # environment
    }


def _default_unit_queues() -> dict[str, str]:
    # DOMAIN.md §1: a caller with an open ticket reaches the seat group that knows its lead unit.
    # Utilities are the priority queue's matters (003 §10), market supervision is 12315's queue.
    return {
        "u-water": "q-priority",
        "u-power": "q-priority",
        "u-gas": "q-priority",
        "u-heat": "q-priority",
        "dept-market": "q-enterprise",
    }


# DOMAIN.md §3 (000 §6): life or property in danger leaves the hotline at once, to these services.
# The one table of them: callflow validates seats' transfers and classifies bridges with it, the
# renderer writes one emergency extension per number, the IVR routes to it, the pages list it.
DEFAULT_EMERGENCY_NUMBERS: Mapping[str, str] = MappingProxyType(
    {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}
)
# What a seat reads for each service (user-facing, Chinese); a deployment's own service without
# a label is shown by its number alone.
DEFAULT_EMERGENCY_LABELS: Mapping[str, str] = MappingProxyType(
    {"fire": "火警", "police": "报警", "medical": "急救", "traffic": "交通事故"}
)


def _default_emergency() -> dict[str, str]:
    return dict(DEFAULT_EMERGENCY_NUMBERS)


def _default_emergency_labels() -> dict[str, str]:
    return dict(DEFAULT_EMERGENCY_LABELS)


def default_emergency_joint_routing() -> dict[str, list[str]]:
    """A case that needs two services, "<primary>+<other>" → the services called, primary first:
    a crash with injuries goes to 122 and to 120 (DOMAIN.md §3), likewise a fire or an assault."""
    return {
        "traffic+medical": ["traffic", "medical"],
        "fire+medical": ["fire", "medical"],
        "police+medical": ["police", "medical"],
    }


class EmergencyLine(BaseModel):
    """One emergency service of the deployment, as the pages and the desk's API show it."""

    service: str  # fire | police | medical | traffic, or a deployment's own (e.g. sea rescue)
    number: str
    label: str  # Chinese, e.g. 火警


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    mode: Literal["dev", "production"] = "dev"
    city: str = "示范市"
    data_dir: Path = Path("var")

    database_url: str = "sqlite:///var/hotline.db"
    db_pool_size: int = 10
    # How long a request waits for the database (connecting, a pooled connection, an SQLite write
    # lock) before it is answered 503: a clear "try again" beats a request hanging on an outage.
    db_timeout_s: float = Field(default=5.0, gt=0, le=60)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Every Redis key starts with this, so several deployments (or test runs) share one server.
    redis_prefix: str = "hotline:"
    # The web role's Redis client gives up connecting after this (then 503, or the fallbacks).
    redis_timeout_s: float = Field(default=5.0, gt=0, le=60)

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # Request bodies above this are refused with 413 before they are parsed (agent_desk/api/guard.py).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_command_timeout_s: float = 5.0

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "hotline"
    ami_secret: str = DEV_AMI_SECRET
    ami_ping_interval_s: float = 10.0
    ami_reconnect_max_s: float = 30.0

    timezone: str = "Asia/Shanghai"
    # The desk's tokens (agent_desk/api/tokens.py, HS256): signed with `token_secret` under the key
    # id `token_key_id`. To rotate: move the current id and secret into `token_previous_keys`
    # (HOTLINE_TOKEN_PREVIOUS_KEYS='{"k1": "..."}', still accepted for verification), set a new id
    # and secret; drop the old key a shift (12 h) later, which ends the tokens it signed.
    token_secret: str = DEV_TOKEN_SECRET
    token_key_id: str = Field(default="k1", pattern=r"^[A-Za-z0-9._-]{1,40}$")
    token_previous_keys: dict[str, str] = Field(default_factory=dict)
    # The tokens' `aud`: a token of another deployment sharing the secret by mistake is refused.
    token_audience: str = Field(default="hotline12345-desk", min_length=1, max_length=100)

    recordings_dir: Path = Path("var/recordings")
    asterisk_recordings_dir: str = "/var/spool/asterisk/monitor"
    # Call recordings are evidence for complaints and reviews; how long a city keeps them is its own rule.
    recording_retention_days: int = 365

    vosk_model_path: Path | None = None
    vosk_model_sha256: str | None = None
    vosk_workers: int = 2

    ivr_dtmf_menu: bool = False
    ivr_menu: list[MenuOption] = Field(default_factory=default_menu)
    ivr_speech_capture: bool = True
    ivr_record_max_s: int = 15
    # Below this calibrated probability the IVR suggests no category and the seat picks (ivr.classify).
    ivr_category_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    prompts_dir: Path = Path("var/prompts")
    # Longest knowledge-base answer a proposal may carry (characters); tickets.kb caps the ceiling.
    kb_answer_max_chars: int = Field(default=20_000, ge=100, le=100_000)

    rules: TicketRules = Field(default_factory=TicketRules)
    calls: CallRules = Field(default_factory=CallRules)
    queues: list[QueueDef] = Field(default_factory=_default_queues)
    dids: dict[str, str] = Field(default_factory=_default_dids)
    # Unit code (tickets directory) → queue: where a caller whose open ticket that unit leads goes.
    unit_queues: dict[str, str] = Field(default_factory=_default_unit_queues)
    # Service → number (HOTLINE_EMERGENCY_NUMBERS='{"fire": "119", ...}'): the single source.
    emergency_numbers: dict[str, str] = Field(default_factory=_default_emergency)
    emergency_labels: dict[str, str] = Field(default_factory=_default_emergency_labels)
    # ivr.emergency: which further numbers a multi-service case carries (Detection.also_targets).
    emergency_joint_routing: dict[str, list[str]] = Field(default_factory=default_emergency_joint_routing)
    default_queue: str = "q-general"
    priority_queue: str = "q-priority"
    watch_queue: str = "q-watch"
    # Seats' phones, trunks, routes and addresses of the Asterisk side (core/softswitch.py).
    softswitch: SoftswitchSettings = Field(default_factory=SoftswitchSettings)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.token_key_id in self.token_previous_keys:
            raise ValueError(f"HOTLINE_TOKEN_PREVIOUS_KEYS lists the current key id {self.token_key_id!r}")
        if self.mode == "production":
            weak = [
                name
                for name, value, dev, least in (
                    ("HOTLINE_AMI_SECRET", self.ami_secret, DEV_AMI_SECRET, 12),
                    # RFC 7518 §3.2: an HS256 key has at least 256 bits.
                    ("HOTLINE_TOKEN_SECRET", self.token_secret, DEV_TOKEN_SECRET, TOKEN_KEY_MIN_CHARS),
                    *(
                        (f"HOTLINE_TOKEN_PREVIOUS_KEYS[{kid}]", key, DEV_TOKEN_SECRET, TOKEN_KEY_MIN_CHARS)
                        for kid, key in self.token_previous_keys.items()
                    ),
                )
                if value == dev or len(value) < least
            ]
            if weak:
                raise ValueError(
                    "production mode needs real secrets; set "
                    + ", ".join(weak)
                    + f" (AMI at least 12 characters, token keys at least {TOKEN_KEY_MIN_CHARS})"
                )
        names = {q.name for q in self.queues}
        used = [
            self.default_queue,
            self.priority_queue,
            self.watch_queue,
            *self.dids.values(),
            *self.unit_queues.values(),
        ]
        for queue in used:
            if queue not in names:
                raise ValueError(f"queue {queue!r} is used but not defined in HOTLINE_QUEUES")
        digits = [o.digit for o in self.ivr_menu]
        if len(set(digits)) != len(digits):
            raise ValueError(f"HOTLINE_IVR_MENU gives a digit twice: {digits}")
        if self.ivr_dtmf_menu:
            if not self.ivr_menu:
                raise ValueError("HOTLINE_IVR_DTMF_MENU is on but HOTLINE_IVR_MENU has no option")
            for option in self.ivr_menu:
                if option.queue not in names:
                    raise ValueError(
                        f"HOTLINE_IVR_MENU key {option.digit} goes to {option.queue!r}, "
                        "which is not defined in HOTLINE_QUEUES"
                    )
        for q in self.queues:
            if q.overflow_to is not None and q.overflow_to not in names:
                raise ValueError(f"queue {q.name!r} overflows to undefined queue {q.overflow_to!r}")
        return self

    def emergency_targets(self) -> frozenset[str]:
        """The numbers a seat may re-route a citizen to, and that make a bridged leg an emergency."""
        return frozenset(self.emergency_numbers.values())

    def emergency_lines(self) -> list[EmergencyLine]:
        """Every emergency service with its number and label, in number order."""
        return sorted(
            (
                EmergencyLine(service=service, number=number, label=self.emergency_labels.get(service, ""))
                for service, number in self.emergency_numbers.items()
            ),
            key=lambda line: (line.number, line.service),
        )

    def queue(self, name: str) -> QueueDef:
        for q in self.queues:
            if q.name == name:
                return q
        raise KeyError(name)
