"""The softswitch settings group (`Settings.softswitch`, env `HOTLINE_SOFTSWITCH__*`).

Everything Asterisk needs that the backend does not already know: the seats' phones, the SIP
trunks, the routes to units' duty lines and to 110/119/120/122, network addresses and where
Asterisk keeps its files. The defaults are a development setup on one machine: seats
1001-1003 and the trunk `core.dialplan.TRUNK_ENDPOINT` on 127.0.0.1:5062, which is how the
recorded captures in ../shared/asterisk-captures were made.

Values end up inside Asterisk configuration files, so every field that is written verbatim is
constrained to characters that cannot start a comment, a section or a new line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from core import dialplan

# Safe in any position of an Asterisk .conf value: no `;` (comment), no brackets, quotes,
# commas (argument separators in the dialplan), whitespace or control characters.
SAFE_VALUE = r"^[A-Za-z0-9_.:@/+*#=!%^~-]+$"
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
Secret = Annotated[str, StringConstraints(pattern=SAFE_VALUE, min_length=4, max_length=128)]
Host = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$")]
Network = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f.:]+(/[0-9.]+)?$")]
AbsPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_./-]*$")]
Codec = Literal["ulaw", "alaw", "g722", "gsm"]

# Dev passwords: `hotline asterisk-config` refuses them in production mode.
DEV_SEAT_PASSWORD_PREFIX = "dev-seat-"
DEV_TRUNK_HOST = "127.0.0.1"


class Seat(BaseModel):
    """A seat's phone: a softphone or desk phone that registers, or a WebRTC phone in the browser."""

    extension: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,8}$")]
    password: Secret
    # Shown as the caller ID name on internal calls; Chinese is fine (UTF-8 in pjsip.conf).
    name: Annotated[str, StringConstraints(pattern=r'^[^;"\\\r\n<>\[\]]{0,40}$')] = ""
    webrtc: bool = False


def _default_codecs() -> list[Codec]:
    return ["ulaw", "alaw"]


class Trunk(BaseModel):
    """A SIP trunk: citizens arrive over it, units' duty lines and 110/119 are reached through it."""

    name: Name
    host: Host
    port: int = Field(default=5060, ge=1, le=65535)
    # Source addresses that identify the trunk's inbound requests; empty means `host`.
    match: list[Network] = Field(default_factory=list)
    username: Annotated[str, StringConstraints(pattern=SAFE_VALUE)] | None = None
    password: Secret | None = None
    registration: bool = False
    codecs: list[Codec] = Field(default_factory=_default_codecs, min_length=1)
    # Some carriers want the number in From; empty keeps Asterisk's default.
    from_user: Annotated[str, StringConstraints(pattern=SAFE_VALUE)] | None = None

    @model_validator(mode="after")
    def _auth_is_complete(self) -> Trunk:
        if self.registration and not (self.username and self.password):
            raise ValueError(f"trunk {self.name!r}: registration needs username and password")
        if bool(self.username) != bool(self.password):
            raise ValueError(f"trunk {self.name!r}: set both username and password, or neither")
        return self


class Route(BaseModel):
    """An outbound route: a trunk and the digits prefixed to the dialled number."""

    trunk: Name = dialplan.TRUNK_ENDPOINT
    prefix: Annotated[str, StringConstraints(pattern=r"^[0-9*#+]{0,10}$")] = ""


class EmergencyRouting(BaseModel):
    """DOMAIN.md §3: 110/119/120/122 are dialled at once; a busy or failed route tries the other."""

    primary: Route = Field(default_factory=Route)
    # The dev default retries the same trunk; production points this at a second carrier.
    alternative: Route | None = Field(default_factory=Route)
    ring_timeout_s: int = Field(default=60, ge=5, le=300)


class Directories(BaseModel):
    """asterisk.conf [directories]: where the rendered files are installed and Asterisk keeps state."""

    etc: AbsPath = "/etc/asterisk"
    modules: AbsPath = "/usr/lib/asterisk/modules"
    var_lib: AbsPath = "/var/lib/asterisk"
    data: AbsPath = "/var/lib/asterisk"
    spool: AbsPath = "/var/spool/asterisk"
    log: AbsPath = "/var/log/asterisk"
    run: AbsPath = "/var/run/asterisk"


def _dev_seats() -> list[Seat]:
    return [
        Seat(extension=ext, password=f"{DEV_SEAT_PASSWORD_PREFIX}{ext}", name=f"坐席{ext}")
        for ext in ("1001", "1002", "1003")
    ]


def _dev_trunks() -> list[Trunk]:
    return [Trunk(name=dialplan.TRUNK_ENDPOINT, host=DEV_TRUNK_HOST, port=5062)]


class SoftswitchSettings(BaseModel):
    seats: list[Seat] = Field(default_factory=_dev_seats)
    trunks: list[Trunk] = Field(default_factory=_dev_trunks, min_length=1)
    # Citizens (missed-call call-backs, surveys, seats' outbound calls) are dialled through this.
    citizen_route: Route = Field(default_factory=Route)
    # 004 §12: three-way calls reach the handling unit's duty line through this.
    unit_route: Route = Field(default_factory=Route)
    unit_ring_timeout_s: int = Field(default=30, ge=5, le=300)
    citizen_ring_timeout_s: int = Field(default=45, ge=5, le=300)
    emergency: EmergencyRouting = Field(default_factory=EmergencyRouting)
    # The number shown to citizens and units on calls the hotline places.
    outbound_caller_id: Digits = "12345"
    # A trunk may deliver numbers not in HOTLINE_DIDS (+86 forms, area-code forms): answer them in
    # the default queue rather than reject them (000 §1: every call answered).
    answer_unknown_dids: bool = True

    sip_bind: Host = "0.0.0.0"
    sip_port: int = Field(default=5060, ge=1, le=65535)
    sip_tcp: bool = False
    # Behind NAT (docker, cloud): the public address phones and trunks see, and the local networks.
    external_address: Host | None = None
    local_nets: list[Network] = Field(default_factory=list)
    rtp_start: int = Field(default=10000, ge=1024, le=65535)
    rtp_end: int = Field(default=10999, ge=1024, le=65535)
    stun_server: Host | None = None

    # WebRTC seats register over a websocket served by Asterisk's HTTP server. Browsers need
    # wss:// (TLS) except on localhost; without a certificate the transport is plain ws://.
    webrtc: bool = True
    http_bind: Host = "127.0.0.1"
    http_port: int = Field(default=8088, ge=1, le=65535)
    tls_port: int = Field(default=8089, ge=1, le=65535)
    tls_cert_file: AbsPath | None = None
    tls_key_file: AbsPath | None = None

    # manager.conf: where AMI listens and which source networks the backend's user may log in from.
    ami_bind: Host = "127.0.0.1"
    ami_permit: list[Network] = Field(default_factory=lambda: ["127.0.0.1/255.255.255.255"], min_length=1)
    # Where Asterisk reaches the FastAGI server; empty means HOTLINE_AGI_HOST.
    agi_address: Host | None = None
    # Optional local classic-AGI fail-safe (ivr/failsafe/) run when the FastAGI server is down.
    failsafe_agi: AbsPath | None = None

    moh_directory: AbsPath | None = None
    directories: Directories = Field(default_factory=Directories)
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")] = "zh"

    @field_validator(
        "external_address", "stun_server", "tls_cert_file", "tls_key_file", "agi_address", "failsafe_agi",
        "moh_directory", mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An environment variable set to "" (e.g. `${VAR:-}` in compose) means "not set".
        return None if value == "" else value

    @model_validator(mode="after")
    def _consistent(self) -> SoftswitchSettings:
        names = [t.name for t in self.trunks]
        if len(set(names)) != len(names):
            raise ValueError("softswitch trunks: names must be unique")
        exts = [s.extension for s in self.seats]
        if len(set(exts)) != len(exts):
            raise ValueError("softswitch seats: extensions must be unique")
        clash = set(exts) & set(names)
        if clash:
            raise ValueError(f"softswitch: {sorted(clash)} is both a seat and a trunk name")
        routes = [("citizen_route", self.citizen_route), ("unit_route", self.unit_route),
                  ("emergency.primary", self.emergency.primary)]
        if self.emergency.alternative is not None:
            routes.append(("emergency.alternative", self.emergency.alternative))
        for label, route in routes:
            if route.trunk not in names:
                raise ValueError(f"softswitch {label}: trunk {route.trunk!r} is not defined in trunks")
        if self.rtp_end <= self.rtp_start:
            raise ValueError("softswitch: rtp_end must be above rtp_start")
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("softswitch: set both tls_cert_file and tls_key_file, or neither")
        if any(s.webrtc for s in self.seats) and not self.webrtc:
            raise ValueError("softswitch: a seat uses WebRTC but webrtc is off")
        return self

    def trunk(self, name: str) -> Trunk:
        for t in self.trunks:
            if t.name == name:
                return t
        raise KeyError(name)
