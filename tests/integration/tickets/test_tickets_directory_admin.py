"""Loading a city's directory (tickets.directory_admin) on SQLite and PostgreSQL: whole-document
checks, all-or-nothing, idempotent re-import, export round trip, and units that may not leave."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from core.settings import Settings
from tests.conftest import REPO
from tests.integration.tickets.helpers import isolated_url, seeded
from tickets.actors import Actor
from tickets.db import Database
from tickets.directory import category_tree, units
from tickets.directory_admin import DirectoryDocument, export_directory, import_directory
from tickets.errors import InvalidInput
from tickets.migrate import upgrade
from tickets.models import AuditLog, Category, Unit
from tickets.vocab import Role

ADMIN = Actor(username="admin", role=Role.ADMIN)
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
EXAMPLE = REPO / "examples" / "directory.toml"


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def empty_db(db_url: str) -> Iterator[Database]:
    with isolated_url(db_url) as url:
        upgrade(url)
        db = Database(url, pool_size=2)
        try:
            yield db
        finally:
            db.dispose()


def load(db: Database, data: dict[str, Any]) -> tuple[int, int, int]:
    with db.session() as s:
        summary = import_directory(s, DirectoryDocument.model_validate(data), ADMIN, NOW)
    return summary.created, summary.updated, summary.unchanged


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            int(s.exec(select(func.count()).select_from(Unit)).one()),
            int(s.exec(select(func.count()).select_from(Category)).one()),
        )


def test_the_example_city_loads_once_and_reloads_as_a_no_op(empty_db: Database) -> None:
    assert load(empty_db, example()) == (13, 0, 0)
    assert load(empty_db, example()) == (0, 0, 13)
    with empty_db.session() as s:
        street = s.get(Unit, "s-heping")
        assert street is not None and (street.tier, street.parent_code) == (3, "d-dongcheng")
        # What the desk reads: the directory with duty phones and the category tree.
        assert {u.code for u in units(s)} >= {"centre", "u-water", "s-heping"}
        tree = {n.code: n for n in category_tree(s)}
        assert {c.code for c in tree["urban"].children} == {"urban.streetlight", "urban.water"}
        imports = s.exec(select(AuditLog).where(AuditLog.action == "directory_import")).all()
        assert len(imports) == 1  # the no-op re-import logged nothing

    changed = example()
    changed["units"][1]["duty_phone"] = "0999-61000009"
    assert load(empty_db, changed) == (0, 1, 12)


def test_children_may_come_before_their_parents(empty_db: Database) -> None:
    data = example()
    data["units"].reverse()
    data["categories"].reverse()
    assert load(empty_db, data) == (13, 0, 0)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["units"][2].update(parent_code="nowhere"), "units[2] (code=s-heping): 上级单位不存在"),
        (lambda d: d["units"][2].update(parent_code="s-heping"), "级别须高于本单位"),
        (lambda d: d["units"][0].update(parent_code="d-dongcheng"), "一级单位(热线中心)没有上级单位"),
        (lambda d: d["units"][3].update(kind="bureau"), "units[3] (code=dept-urban): 类型须为"),
        (lambda d: d["units"][3].update(duty_phone="call me"), "值班电话格式不正确"),
        (lambda d: d["units"][4].update(code="dept-urban"), "units (code=dept-urban): 代码重复"),
        (lambda d: d["units"][3].update(code="Dept Urban"), "单位代码须为"),
        (lambda d: d["categories"][1].update(default_unit_code="nowhere"), "默认承办单位不存在"),
        (lambda d: d["categories"][1].update(parent_code="nowhere"), "上级分类不存在"),
        (lambda d: d["categories"][0].update(parent_code="urban.water"), "分类上下级形成循环"),
    ],
)
def test_one_bad_entry_refuses_the_whole_document(empty_db: Database, break_it: Any, message: str) -> None:
    data = example()
    break_it(data)
    with pytest.raises(InvalidInput) as refused:
        load(empty_db, data)
    assert message in refused.value.reason
    assert counts(empty_db) == (0, 0)


def test_a_unit_still_in_use_cannot_leave(settings: Settings, db_url: str) -> None:
    with isolated_url(db_url) as url:
        seeded(settings, url)  # the demo city: dept-urban has a handler and default categories
        db = Database(url, pool_size=2)
        try:
            with db.session() as s:
                doc = export_directory(s)
            before = doc.model_dump()
            # The demo directory exports and re-imports as a no-op.
            assert load(db, before)[0:2] == (0, 0)
            leaving = doc.model_copy(deep=True)
            for unit in leaving.units:
                if unit.code == "dept-urban":
                    unit.active = False
            with pytest.raises(InvalidInput) as refused:
                load(db, leaving.model_dump())
            reason = refused.value.reason
            assert "units[" in reason and "默认承办单位" in reason and "在用账号 unit-dept-urban" in reason
            with db.session() as s:
                urban = s.get(Unit, "dept-urban")
                assert urban is not None and urban.active
        finally:
            db.dispose()
