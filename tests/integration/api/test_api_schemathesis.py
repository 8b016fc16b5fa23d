"""Property-based testing of the whole REST API with Schemathesis, against the real app served by
uvicorn on a loopback port.

Every operation of the OpenAPI description gets generated requests (valid and invalid ones), each
sent once anonymously and once as each role (seat, supervisor, unit handler, auditor, admin), and
every response must be: no server error, a documented status code, a documented content type and
a body valid against the documented schema (the error contract included).

Bounded for CI: `MAX_EXAMPLES` generated cases per operation, derandomized (the same cases every
run) and no example database, on a freshly seeded SQLite database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, assume, settings
from redis import Redis
from schemathesis import checks

from agent_desk.app import create_app
from core.settings import Settings
from tests.conftest import REDIS_URL
from tests.integration.tickets.helpers import isolated_url
from tickets.migrate import seed_demo, upgrade

# SQLite by default; HOTLINE_TEST_SCHEMATHESIS_DB=postgres runs the same cases on PostgreSQL.
ON_POSTGRES = os.environ.get("HOTLINE_TEST_SCHEMATHESIS_DB") == "postgres"
MAX_EXAMPLES = 6
ROLES = {
    "seat": "seat1001",
    "supervisor": "supervisor",
    "handler": "unit-dept-urban",
    "auditor": "auditor",
    "admin": "admin",
}
# Generated account changes must not lock the test's own users out of the later cases.
PROTECTED_USERS = frozenset(ROLES.values())
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
CASES: Counter[str] = Counter()


class LiveApi:
    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self.base_url = base_url
        self.headers: dict[str, dict[str, str]] = {
            "anonymous": {},
            **{role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()},
        }
        self.session = requests.Session()


def _serve(settings_: Settings) -> Iterator[str]:
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so (40 ms per reply otherwise).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings_), loop="asyncio", lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(600):  # startup runs the migrations: up to a minute on a busy machine
            if server.started or not thread.is_alive():
                break
            time.sleep(0.1)
        if not server.started:
            pytest.fail("uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LiveApi]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    with contextlib.ExitStack() as stack:
        url = f"sqlite:///{tmp / 'hotline.db'}"
        if ON_POSTGRES:
            url = stack.enter_context(isolated_url(request.getfixturevalue("postgres_database")))
        yield from _live(tmp, prefix, url)


def _live(tmp: Path, prefix: str, url: str) -> Iterator[LiveApi]:
    app_settings = Settings(
        data_dir=tmp,
        database_url=url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        recordings_dir=tmp / "recordings",
        prompts_dir=tmp / "prompts",
    )
    upgrade(app_settings.database_url)
    seed_demo(app_settings)
    try:
        for base_url in _serve(app_settings):
            tokens = {}
            for role, user in ROLES.items():
                r = requests.post(
                    f"{base_url}/api/auth/login", json={"username": user, "password": "demo12345"}, timeout=30
                )
                assert r.status_code == 200, r.text
                tokens[role] = r.json()["access_token"]
            yield LiveApi(base_url, tokens)
    finally:
        redis = Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(match=f"{prefix}*", count=500):
            redis.delete(key)
        redis.close()


# The description the app serves at /openapi.json (building the app opens nothing: the lifespan
# does). Schemathesis generates valid and invalid cases (its default modes: positive, negative).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(case: schemathesis.Case, live_api: LiveApi) -> None:
    assume((case.path_parameters or {}).get("username") not in PROTECTED_USERS)
    CASES[case.operation.label] += 1
    for role, headers in live_api.headers.items():
        response = case.call(
            base_url=live_api.base_url, session=live_api.session, headers=headers, timeout=30
        )
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:
            raise AssertionError(f"as {role}: {exc}") from exc


def test_the_property_run_covered_every_operation() -> None:
    operations = {op.ok().label for op in schema.get_all_operations()}
    if not CASES:
        pytest.skip("runs after test_every_operation_as_every_role")
    assert set(CASES) == operations
    cases = sum(CASES.values())
    print(f"\nschemathesis: {len(operations)} operations, {cases} cases x {len(ROLES) + 1} roles")
