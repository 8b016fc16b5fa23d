"""docker/: the compose file and Dockerfiles, checked without Docker (it does not run here).

The compose file is parsed as YAML with Compose's variable interpolation applied, its backend
environment is turned into real `Settings`, and the configuration those settings render must
pass the checker and agree with the ports, volumes and names the compose file declares.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from asterisk_conf.check import check
from asterisk_conf.modules import modules_for
from asterisk_conf.render import render
from core.settings import Settings

REPO = Path(__file__).resolve().parents[3]
DOCKER = REPO / "docker"
ENV = {
    "POSTGRES_PASSWORD": "pg-password-long",
    "HOTLINE_AMI_SECRET": "ami-secret-long-enough",
    "HOTLINE_TOKEN_SECRET": "token-secret-long-enough-for-hs256-keys",
    "HOTLINE_SOFTSWITCH__SEATS": '[{"extension":"1001","password":"seat-1001-pass","name":"坐席1001"},'
    '{"extension":"1002","password":"seat-1002-pass","webrtc":true}]',
    "HOTLINE_SOFTSWITCH__TRUNKS": '[{"name":"world","host":"203.0.113.10","port":5060}]',
    "VOSK_MODEL_ZIP_SHA256": "0" * 64,
}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` on every string of the document."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match[1], match[2], match[3]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return _VAR.sub(one, value)


def load_compose(env: dict[str, str]) -> dict[str, Any]:
    raw = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    return {k: v for k, v in interpolate(raw, env).items() if not k.startswith("x-")}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(ENV)


@pytest.fixture(scope="module")
def backend_env(compose: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = compose["services"]["web"]["environment"]
    return env


@pytest.fixture
def stack_settings(backend_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in backend_env.items():
        monkeypatch.setenv(key, str(value))
    return Settings()


def test_services_of_the_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "postgres",
        "redis",
        "migrate",
        "asterisk-config",
        "asterisk",
        "web",
        "agi",
        "ami",
        "worker",
    }


def test_missing_secrets_stop_compose_with_a_message() -> None:
    env = {k: v for k, v in ENV.items() if k != "HOTLINE_AMI_SECRET"}
    with pytest.raises(KeyError, match="HOTLINE_AMI_SECRET"):
        load_compose(env)


def test_roles_and_jobs_run_from_one_backend_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {
        services[name]["image"] for name in ("web", "agi", "ami", "worker", "migrate", "asterisk-config")
    }
    assert images == {"hotline12345/backend:latest"}
    for role in ("web", "agi", "ami", "worker"):
        assert services[role]["command"] == ["serve", "--role", role]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["asterisk-config"]["command"][:2] == ["asterisk-config", "--out"]


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, (name, target)
            condition = rule["condition"]
            assert condition in ("service_healthy", "service_completed_successfully"), (name, target)
            if condition == "service_healthy":
                assert "healthcheck" in services[target], (
                    f"{name} waits for {target}, which has no healthcheck"
                )
            else:
                assert services[target].get("restart") == "no", f"{target} is a one-shot job"
    for role in ("web", "agi", "ami", "worker"):
        deps = services[role]["depends_on"]
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert (
        services["asterisk"]["depends_on"]["asterisk-config"]["condition"] == "service_completed_successfully"
    )
    # The call path never waits on the backend (DESIGN.md): Asterisk does not depend on any role.
    assert not {"web", "agi", "ami", "worker"} & set(services["asterisk"]["depends_on"])


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """volume name -> mount path (named volumes only)."""
    out: dict[str, str] = {}
    for spec in service.get("volumes", []):
        source, target = spec.split(":")[:2]
        out[source] = target
    return out


def test_volumes_hold_the_database_recordings_prompts_and_rendered_config(
    compose: dict[str, Any], backend_env: dict[str, str]
) -> None:
    services, declared = compose["services"], set(compose["volumes"])
    for name, service in services.items():
        assert set(_mounts(service)) <= declared, name
    assert _mounts(services["postgres"])["pgdata"] == "/var/lib/postgresql/data"
    assert _mounts(services["redis"])["redisdata"] == "/data"
    recordings = backend_env["HOTLINE_RECORDINGS_DIR"]
    assert backend_env["HOTLINE_ASTERISK_RECORDINGS_DIR"] == recordings
    for name in ("asterisk", "web", "agi"):
        assert _mounts(services[name])["recordings"] == recordings, name
    prompts = backend_env["HOTLINE_PROMPTS_DIR"]
    assert _mounts(services["agi"])["prompts"] == prompts
    assert _mounts(services["asterisk"])["prompts"] == prompts
    out = services["asterisk-config"]["command"][-1]
    assert _mounts(services["asterisk-config"])["asterisk-etc"] == out == "/etc/asterisk"
    assert _mounts(services["asterisk"])["asterisk-etc"] == "/etc/asterisk"
    assert _mounts(services["asterisk"])["astdb"] == backend_env["HOTLINE_SOFTSWITCH__DIRECTORIES__VAR_LIB"]


def _known(model: type[BaseModel], path: list[str]) -> bool:
    if not path:
        return True
    field = model.model_fields.get(path[0].lower())
    if field is None:
        return False
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _known(annotation, path[1:])
    return len(path) == 1


def test_every_environment_variable_is_a_setting(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key in service.get("environment", {}):
            if key.startswith("HOTLINE_"):
                assert _known(Settings, key[len("HOTLINE_") :].split("__")), (
                    f"{name}: {key} is not in Settings"
                )


def test_the_stack_settings_render_a_sound_configuration(stack_settings: Settings) -> None:
    assert stack_settings.mode == "production"
    assert check(render(stack_settings), stack_settings) == []


def _published(service: dict[str, Any]) -> set[tuple[int, str]]:
    ports: set[tuple[int, str]] = set()
    for spec in service.get("ports", []):
        mapping, _, proto = spec.partition("/")
        host, container = mapping.rsplit(":", 1)[0].split(":")[-1], mapping.rsplit(":", 1)[1]
        first, _, last = container.partition("-")
        assert host == container, f"{spec}: publish on the same port numbers (SDP and Contact carry them)"
        for port in range(int(first), int(last or first) + 1):
            ports.add((port, proto or "tcp"))
    return ports


def test_published_ports_match_the_settings(compose: dict[str, Any], stack_settings: Settings) -> None:
    sw = stack_settings.softswitch
    asterisk = _published(compose["services"]["asterisk"])
    assert (sw.sip_port, "udp") in asterisk
    assert (sw.http_port, "tcp") in asterisk
    rtp = {port for port, proto in asterisk if proto == "udp" and port != sw.sip_port}
    assert rtp == set(range(sw.rtp_start, sw.rtp_end + 1))
    assert (stack_settings.ami_port, "tcp") not in asterisk  # AMI stays inside the stack network
    assert _published(compose["services"]["web"]) == {(stack_settings.http_port, "tcp")}
    for role in ("agi", "ami", "worker"):
        assert not _published(compose["services"][role])


def test_backend_and_asterisk_find_each_other_by_service_name(
    compose: dict[str, Any], stack_settings: Settings
) -> None:
    services = compose["services"]
    assert stack_settings.ami_host in services
    assert stack_settings.softswitch.agi_address in services
    assert stack_settings.softswitch.agi_address == "agi"
    subnet = ipaddress.ip_network(compose["networks"]["hotline"]["ipam"]["config"][0]["subnet"])
    permitted = [ipaddress.ip_network(p) for p in stack_settings.softswitch.ami_permit]
    assert any(subnet.subnet_of(p) for p in permitted)
    assert str(stack_settings.softswitch.failsafe_agi) in (DOCKER / "asterisk" / "Dockerfile").read_text()


def _copies(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p for p in parts[1:-1] if not p.startswith("--")]
    return sources


@pytest.mark.parametrize("image", ["asterisk", "backend"])
def test_every_copied_file_exists_in_the_build_context(compose: dict[str, Any], image: str) -> None:
    service = compose["services"]["asterisk" if image == "asterisk" else "web"]
    context = (DOCKER / service["build"]["context"]).resolve()
    dockerfile = context / service["build"]["dockerfile"]
    assert dockerfile == DOCKER / image / "Dockerfile"
    sources = _copies(dockerfile)
    assert sources
    for source in sources:
        assert (context / source).exists(), f"{dockerfile.name}: COPY {source}"


def test_the_backend_image_installs_every_package_and_builds_prompts_and_model() -> None:
    text = (DOCKER / "backend" / "Dockerfile").read_text(encoding="utf-8")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(_copies(DOCKER / "backend" / "Dockerfile"))
    assert "hotline prompts" in text
    assert "vosk-model-small-cn-0.22" in text
    assert "sha256sum -c -" in text and "VOSK_MODEL_ZIP_SHA256" in text


def test_the_asterisk_image_is_22_from_the_release_tarball_with_the_rendered_modules(
    stack_settings: Settings,
) -> None:
    text = (DOCKER / "asterisk" / "Dockerfile").read_text(encoding="utf-8")
    version = re.search(r"ARG ASTERISK_VERSION=(\S+)", text)
    assert version and version[1].startswith("22.")
    assert "downloads.asterisk.org/pub/telephony/asterisk/releases" in text
    assert 'sha256sum -c "asterisk-${ASTERISK_VERSION}.sha256"' in text
    enabled = set(re.findall(r"--enable (\S+)", text))
    # Whatever modules.conf loads must have been built (webrtc, registration, g722 included).
    wide = stack_settings.model_copy(deep=True)
    wide.softswitch.trunks[0].registration = True
    wide.softswitch.trunks[0].username, wide.softswitch.trunks[0].password = "u", "trunk-pass"
    wide.softswitch.trunks[0].codecs = ["ulaw", "alaw", "g722", "gsm"]
    missing = {m.name for m in modules_for(wide)} - enabled
    assert missing == set()


@pytest.mark.parametrize("script", ["asterisk/entrypoint.sh", "backend/entrypoint.sh"])
def test_entrypoints_are_executable_shell_scripts(script: str) -> None:
    path = DOCKER / script
    assert path.stat().st_mode & 0o111
    assert path.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    shell = shutil.which("sh")
    assert shell is not None
    subprocess.run([shell, "-n", str(path)], check=True)
