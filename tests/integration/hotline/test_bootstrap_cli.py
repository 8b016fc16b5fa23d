"""A production deployment from nothing, with the `hotline` command only: schema, the city's
directory, the first admin; then that admin logs in to the real app. Bad input exits 2 and
changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from agent_desk.app import create_app
from core.settings import Settings
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "directory.toml"


def hotline(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


async def test_first_admin_of_an_empty_deployment(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(tmp_path),
    }
    assert hotline(env, "db", "upgrade").returncode == 0

    # No directory yet: there is no centre to put the admin in.
    no_centre = hotline(
        env, "user", "add", "--username", "root1", "--role", "admin", stdin="first-admin-pw\n"
    )
    assert no_centre.returncode == 2 and "--unit" in no_centre.stderr

    loaded = hotline(env, "directory", "import", str(EXAMPLE))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "created 13, updated 0, unchanged 0"

    # A broken file: exit 2, the entry named, nothing changed.
    broken = tmp_path / "broken.json"
    exported = hotline(env, "directory", "export")
    doc = json.loads(exported.stdout)
    doc["units"][1]["parent_code"] = "nowhere"
    broken.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    refused = hotline(env, "directory", "import", str(broken))
    assert refused.returncode == 2 and "上级单位不存在" in refused.stderr
    (tmp_path / "garbage.toml").write_text("[[units]\nname=", encoding="utf-8")
    assert hotline(env, "directory", "import", str(tmp_path / "garbage.toml")).returncode == 2
    # export | import is a no-op.
    (tmp_path / "again.json").write_text(exported.stdout, encoding="utf-8")
    again = hotline(env, "directory", "import", str(tmp_path / "again.json"))
    assert again.stdout.strip() == "created 0, updated 0, unchanged 13"

    # The first admin, password from stdin (never on the command line).
    made = hotline(env, "user", "add", "--username", "root1", "--role", "admin", stdin="first-admin-pw\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout.split()[:3] == ["root1", "admin", "centre"]
    assert "first-admin-pw" not in made.stdout + made.stderr
    # A handler of the water company, password from the environment.
    handler_env = {**env, "HOTLINE_NEW_USER_PASSWORD": "water-handler-1"}
    made = hotline(
        handler_env, "user", "add", "--username", "water.wang", "--role", "unit_handler", "--unit", "u-water"
    )
    assert made.returncode == 0, made.stderr
    dup = hotline(
        handler_env, "user", "add", "--username", "water.wang", "--role", "unit_handler", "--unit", "u-water"
    )
    assert dup.returncode == 2 and "用户名已存在" in dup.stderr
    assert hotline(env, "user", "passwd", "--username", "root1", stdin="").returncode == 2  # no password
    # Guessable passwords are refused, in Chinese, and change nothing.
    weak = hotline(env, "user", "add", "--username", "root2", "--role", "admin", stdin="admin123\n")
    assert weak.returncode == 2 and "密码太弱" in weak.stderr
    mine = hotline(env, "user", "passwd", "--username", "root1", stdin="root1-root1\n")
    assert mine.returncode == 2 and "用户名" in mine.stderr

    app = create_app(settings.model_copy(update={"database_url": url}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            r = await client.post("/api/auth/login", json={"username": "root1", "password": "first-admin-pw"})
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            users = await client.get("/api/admin/users", headers=headers)
            assert [u["username"] for u in users.json()] == ["root1", "water.wang"]
            unit_list = await client.get("/api/units", headers=headers)
            assert "s-heping" in {u["code"] for u in unit_list.json()}
            audit = await client.get("/api/audit", headers=headers, params={"subject": "root1"})
            assert [e["action"] for e in audit.json()] == ["user_create"]
            assert audit.json()[0]["actor"].startswith("cli:")
    # A new password from the CLI works, the old one does not.
    assert hotline(env, "user", "passwd", "--username", "root1", stdin="second-admin-pw\n").returncode == 0
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            old = await client.post(
                "/api/auth/login", json={"username": "root1", "password": "first-admin-pw"}
            )
            new = await client.post(
                "/api/auth/login", json={"username": "root1", "password": "second-admin-pw"}
            )
            assert (old.status_code, new.status_code) == (401, 200)
