"""The renderer: every file Asterisk 22 needs, parsed back with pyst2, consistent with the settings."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from asterisk_conf.check import check, loaded_modules, queue_names_in_dialplan
from asterisk_conf.confparse import Section, parse_text
from asterisk_conf.render import FILES, RenderError, render, render_to_dir
from core import dialplan
from core.settings import QueueDef, Settings
from core.softswitch import SoftswitchSettings
from hotline import cli


def sections(files: dict[str, str], name: str) -> list[Section]:
    return parse_text(name, files[name])


def section(files: dict[str, str], name: str, title: str, type_: str | None = None) -> Section:
    found = [
        s for s in sections(files, name) if s.name == title and (type_ is None or s.get("type") == type_)
    ]
    assert len(found) == 1, f"[{title}] in {name}: {len(found)} sections"
    return found[0]


def dialplan_lines(files: dict[str, str], context: str, exten: str) -> list[str]:
    """The `exten`/`same` values of one extension, in order."""
    ctx = section(files, "extensions.conf", context)
    out: list[str] = []
    current = None
    for item in ctx.items:
        if item.name == "exten":
            current = item.value.split(",", 1)[0]
        if current == exten and item.name in ("exten", "same"):
            out.append(item.value)
    return out


def test_default_configuration_is_complete_and_passes_every_check(settings: Settings) -> None:
    files = render(settings)
    assert set(files) == set(FILES)
    for name, text in files.items():
        assert parse_text(name, text) or name in (
            "acl.conf",
            "udptl.conf",
            "pjproject.conf",
            "stasis.conf",
            "queuerules.conf",
        )
    assert check(files, settings) == []


def test_queue_timeout_is_the_three_ring_limit_and_follows_the_settings() -> None:
    s = Settings(calls={"ring_cadence_s": 5, "max_rings": 4, "wrapup_s": 7, "service_level_s": 20})
    files = render(s)
    for q in s.queues:
        sec = section(files, "queues.conf", q.name)
        assert sec.get("timeout") == "20"  # 004 §11: rings x cadence
        assert sec.get("wrapuptime") == "7"
        assert sec.get("servicelevel") == "20"
        assert sec.get("ringinuse") == "no"
        assert sec.get("autopause") == "no"
    assert check(files, s) == []


def test_every_did_is_a_literal_extension_with_its_own_fallback_queue(settings: Settings) -> None:
    files = render(settings)
    for did, queue in settings.dids.items():
        lines = dialplan_lines(files, dialplan.CTX_INBOUND, did)
        assert lines[0].startswith(f"{did},1,NoOp(")
        assert "n,Answer()" in lines[1]
        assert f"n,Set(DID_QUEUE={queue})" in lines
        agi = lines.index(f"n,AGI(agi://{settings.agi_host}:{settings.agi_port}/{dialplan.AGI_INTAKE})")
        # DESIGN.md: AGISTATUS other than SUCCESS goes straight to the queue, never a hangup.
        after = lines[agi + 1 :]
        assert after[0] == 'n,GotoIf($["${AGISTATUS}" = "HANGUP"]?hangup)'
        assert any(line.startswith("n,MixMonitor(") for line in after[:2])
        assert 'n,GotoIf($["${AGISTATUS}" = "SUCCESS"]?route)' in after
        fallback = after.index('n,GotoIf($["${AGISTATUS}" = "SUCCESS"]?route)') + 1
        assert after[fallback] == f"n,Set({dialplan.VAR_QUEUE}=${{DID_QUEUE}})"
        assert after[fallback + 1] == "n,Goto(join)"


def test_queue_names_in_the_dialplan_are_exactly_the_defined_queues(settings: Settings) -> None:
    files = render(settings)
    from asterisk_conf.check import _dialplan  # the parsed dialplan, as the checker sees it

    plan = _dialplan(parse_text("extensions.conf", files["extensions.conf"]), [])
    used = set(queue_names_in_dialplan(plan))
    assert used == {q.name for q in settings.queues}


def test_overflow_moves_to_the_configured_queue_after_the_wait_limit() -> None:
    s = Settings(calls={"overflow_after_s": 90})
    files = render(s)
    lines = dialplan_lines(files, dialplan.CTX_QUEUE, dialplan.EXT_START)
    for q in s.queues:
        branch = f"{q.overflow_to}:${{OVERFLOW_TO}}"
        rule = f'n,Set(OVERFLOW_TO=${{IF($["${{HOTLINE_QUEUE}}" = "{q.name}"]?{branch})}})'
        assert (rule in lines) == (q.overflow_to is not None)
    assert 'n,Queue(${HOTLINE_QUEUE},,,,${IF($["${OVERFLOW_TO}" = ""]?:90)})' in lines
    assert "n(overflow),Set(HOTLINE_QUEUE=${OVERFLOW_TO})" in lines


def test_emergency_dials_the_primary_route_then_the_alternative_then_a_seat() -> None:
    s = Settings(
        emergency_numbers={
            "fire": "119",
            "police": "110",
            "medical": "120",
            "traffic": "122",
            "sea": "12395",
        },
        softswitch={
            "trunks": [
                {"name": dialplan.TRUNK_ENDPOINT, "host": "10.0.0.1"},
                {"name": "carrier2", "host": "10.0.0.2"},
            ],
            "emergency": {
                "primary": {"trunk": dialplan.TRUNK_ENDPOINT},
                "alternative": {"trunk": "carrier2", "prefix": "9"},
            },
        },
    )
    files = render(s)
    for number in ("110", "119", "120", "122", "12395"):
        lines = dialplan_lines(files, dialplan.CTX_EMERGENCY, number)
        dials = [line for line in lines if "Dial(" in line]
        assert dials == [
            f"n,Dial(PJSIP/${{EXTEN}}@{dialplan.TRUNK_ENDPOINT},60)",
            "n(failed),Dial(PJSIP/9${EXTEN}@carrier2,60)",
        ]
        for status in ("BUSY", "CHANUNAVAIL", "CONGESTION"):
            assert all(f'"${{DIALSTATUS}}" = "{status}"' in line for line in lines if "DIALSTATUS" in line)
        assert lines[-1] == f"n,Goto({dialplan.CTX_QUEUE},{dialplan.EXT_START},1)"
        assert f"n(seat),Set({dialplan.VAR_QUEUE}={s.priority_queue})" in lines
    assert check(files, s) == []


def test_without_an_alternative_route_a_failed_emergency_call_goes_to_a_seat() -> None:
    s = Settings(softswitch={"emergency": {"alternative": None}})
    files = render(s)
    lines = dialplan_lines(files, dialplan.CTX_EMERGENCY, "110")
    assert sum("Dial(" in line for line in lines) == 1
    assert f"n(failed),Set({dialplan.VAR_QUEUE}={s.priority_queue})" in lines
    assert check(files, s) == []


def test_the_failsafe_agi_is_an_optional_step_after_fastagi() -> None:
    plain = render(Settings())
    assert "failsafe" not in plain["extensions.conf"]
    s = Settings(softswitch={"failsafe_agi": "/opt/hotline/ivr/failsafe/failsafe.py"})
    lines = dialplan_lines(render(s), dialplan.CTX_INBOUND, "12345")
    first = lines.index(f"n,AGI(agi://127.0.0.1:4573/{dialplan.AGI_INTAKE})")
    # ivr/failsafe/hotline_failsafe_agi.py takes the default queue, then did=queue pairs.
    pairs = ",".join(f"{d}={q}" for d, q in sorted(s.dids.items()))
    failsafe = lines.index(f"n,AGI(/opt/hotline/ivr/failsafe/failsafe.py,{s.default_queue},{pairs})")
    assert first < failsafe < lines.index("n,Set(HOTLINE_QUEUE=${DID_QUEUE})")
    assert check(render(s), s) == []


def test_spy_modes_use_the_chanspy_options_of_the_brief(settings: Settings) -> None:
    files = render(settings)
    expected = {"listen": "q", "whisper": "qw", "barge": "qB"}
    assert set(expected) == set(dialplan.SPY_MODES)
    for mode, options in expected.items():
        assert f"n,ChanSpy(${{{dialplan.VAR_SPY_TARGET}}},{options})" in dialplan_lines(
            files, dialplan.CTX_SPY, mode
        )


def test_recordings_go_to_the_asterisk_recordings_dir() -> None:
    s = Settings(asterisk_recordings_dir="/data/monitor/")
    text = render(s)["extensions.conf"]
    assert "MixMonitor(/data/monitor/${STRFTIME(${EPOCH},Asia/Shanghai,%Y/%m/%d)}/${UNIQUEID}.wav,b)" in text


def test_ami_user_comes_from_the_settings() -> None:
    s = Settings(
        ami_user="callflow",
        ami_secret="s3cret-for-ami",
        ami_port=15038,
        softswitch={"ami_bind": "0.0.0.0", "ami_permit": ["172.18.0.0/255.255.0.0"]},
    )
    files = render(s)
    general = section(files, "manager.conf", "general")
    assert (general.get("port"), general.get("bindaddr")) == ("15038", "0.0.0.0")
    user = section(files, "manager.conf", "callflow")
    assert user.get("secret") == "s3cret-for-ami"
    assert user.all("permit") == ["172.18.0.0/255.255.0.0"]
    assert user.get("read") == "system,call,agent,cdr,dialplan"
    assert user.get("write") == "system,call,agent,reporting,originate"
    assert check(files, s) == []


def test_seats_register_and_webrtc_seats_get_a_websocket_transport() -> None:
    s = Settings(
        softswitch={
            "seats": [
                {"extension": "2001", "password": "pw-2001-long", "name": "坐席2001"},
                {"extension": "2002", "password": "pw-2002-long", "webrtc": True},
            ],
            "tls_cert_file": "/etc/asterisk/keys/hotline.crt",
            "tls_key_file": "/etc/asterisk/keys/hotline.key",
        }
    )
    files = render(s)
    assert section(files, "pjsip.conf", "2001", "endpoint").get("webrtc") is None
    assert section(files, "pjsip.conf", "2001", "endpoint").get("callerid") == '"坐席2001" <2001>'
    assert section(files, "pjsip.conf", "2002", "endpoint").get("webrtc") == "yes"
    assert section(files, "pjsip.conf", "2002-auth", "auth").get("password") == "pw-2002-long"
    assert section(files, "pjsip.conf", "2002", "aor").get("max_contacts") == "1"
    assert section(files, "pjsip.conf", "transport-wss", "transport").get("protocol") == "wss"
    http = section(files, "http.conf", "general")
    assert (http.get("tlsenable"), http.get("tlsbindaddr")) == ("yes", "127.0.0.1:8089")
    modules = loaded_modules(sections(files, "modules.conf"))
    assert {"res_http_websocket", "res_pjsip_transport_websocket", "res_srtp"} <= modules
    assert dialplan_lines(files, dialplan.CTX_SEATS, "2002")[0].startswith(
        "2002,1,Dial(PJSIP/2002,"
    )
    assert check(files, s) == []


def test_webrtc_off_loads_no_websocket_modules() -> None:
    s = Settings(softswitch={"webrtc": False})
    files = render(s)
    modules = loaded_modules(sections(files, "modules.conf"))
    assert not {"res_http_websocket", "res_pjsip_transport_websocket", "res_srtp"} & modules
    assert section(files, "http.conf", "general").get("enabled") == "no"
    assert not [x for x in sections(files, "pjsip.conf") if x.name.startswith("transport-ws")]
    assert check(files, s) == []


def test_a_registering_trunk_gets_auth_registration_and_their_modules() -> None:
    s = Settings(
        softswitch={
            "trunks": [
                {
                    "name": dialplan.TRUNK_ENDPOINT,
                    "host": "sip.carrier.example",
                    "port": 5060,
                    "username": "hotline",
                    "password": "carrier-pass",
                    "registration": True,
                    "match": ["203.0.113.0/255.255.255.0"],
                    "codecs": ["alaw", "g722"],
                }
            ]
        }
    )
    files = render(s)
    endpoint = section(files, "pjsip.conf", dialplan.TRUNK_ENDPOINT, "endpoint")
    assert endpoint.get("outbound_auth") == f"{dialplan.TRUNK_ENDPOINT}-auth"
    assert endpoint.get("allow") == "alaw,g722"
    reg = section(files, "pjsip.conf", f"{dialplan.TRUNK_ENDPOINT}-reg", "registration")
    assert reg.get("server_uri") == "sip:sip.carrier.example:5060"
    assert section(files, "pjsip.conf", dialplan.TRUNK_ENDPOINT, "identify").all("match") == [
        "203.0.113.0/255.255.255.0"
    ]
    modules = loaded_modules(sections(files, "modules.conf"))
    assert {
        "res_pjsip_outbound_registration",
        "res_pjsip_outbound_authenticator_digest",
        "codec_g722",
        "codec_resample",
    } <= modules
    assert check(files, s) == []


def test_the_dev_trunk_is_matched_by_address_and_port_so_local_phones_are_not_the_trunk() -> None:
    files = render(Settings())
    identify = section(files, "pjsip.conf", dialplan.TRUNK_ENDPOINT, "identify")
    assert identify.all("match") == ["127.0.0.1:5062"]


def test_unknown_dids_are_answered_in_the_default_queue_unless_disabled() -> None:
    on = render(Settings())
    assert dialplan_lines(on, dialplan.CTX_INBOUND, "_X.")
    off = render(Settings(softswitch={"answer_unknown_dids": False}))
    assert dialplan_lines(off, dialplan.CTX_INBOUND, "_X.") == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"agi_host": "0.0.0.0"}, "HOTLINE_SOFTSWITCH__AGI_ADDRESS"),
        ({"queues": [*Settings().queues, QueueDef(name="q;x", title="x")]}, "queue name"),
        ({"queues": [*Settings().queues, QueueDef(name="q-x", title="[x]")]}, "title"),
        ({"dids": {"12345;": "q-general"}}, "DID"),
        ({"emergency_numbers": {"fire": "1 19"}}, "emergency number"),
        ({"ami_secret": "has space"}, "AMI secret"),
        ({"ami_user": "bad user"}, "AMI user"),
        (
            {
                "mode": "production",
                "ami_secret": "a-real-ami-secret",
                "token_secret": "a-real-token-secret-of-32-characters",
            },
            "development passwords",
        ),
        ({"softswitch": {"seats": [{"extension": "12345", "password": "long-password"}]}}, "collide"),
    ],
)
def test_unsafe_or_unusable_settings_are_refused_with_a_clear_error(
    overrides: dict[str, object], message: str
) -> None:
    s = Settings(**overrides)  # type: ignore[arg-type]
    with pytest.raises(RenderError, match=message):
        render(s)


def test_agi_address_overrides_a_wildcard_listen_address() -> None:
    s = Settings(agi_host="0.0.0.0", softswitch={"agi_address": "hotline-agi"})
    assert "AGI(agi://hotline-agi:4573/ivr)" in render(s)["extensions.conf"]


@pytest.mark.parametrize(
    "softswitch",
    [
        {"seats": [{"extension": "1001", "password": "semi;colon"}]},
        {"seats": [{"extension": "10a1", "password": "long-password"}]},
        {"trunks": [{"name": "world", "host": "bad host"}]},
        {"trunks": [{"name": "world", "host": "h", "username": "u"}]},
        {"citizen_route": {"trunk": "nowhere"}},
        {"webrtc": False, "seats": [{"extension": "1001", "password": "long-password", "webrtc": True}]},
        {"tls_cert_file": "/etc/cert.pem"},
        {"rtp_start": 20000, "rtp_end": 10000},
    ],
)
def test_softswitch_settings_reject_bad_values(softswitch: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SoftswitchSettings.model_validate(softswitch)


def test_softswitch_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SOFTSWITCH__SIP_PORT", "5070")
    monkeypatch.setenv("HOTLINE_SOFTSWITCH__SEATS", '[{"extension": "3001", "password": "from-env-pw"}]')
    s = Settings()
    assert s.softswitch.sip_port == 5070
    assert [seat.extension for seat in s.softswitch.seats] == ["3001"]
    files = render(s)
    assert section(files, "pjsip.conf", "transport-udp").get("bind") == "0.0.0.0:5070"


def test_render_to_dir_writes_private_files_and_the_cli_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "etc"
    written = render_to_dir(Settings(), out)
    assert sorted(p.name for p in written) == sorted(FILES)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert cli.main(["asterisk-config", "--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == sorted(FILES)
    assert (tmp_path / "cli" / "extensions.conf").read_text(encoding="utf-8") == render(Settings())[
        "extensions.conf"
    ]
