"""Loading a city's unit directory and category tree (DOMAIN.md §7) from one document.

A production deployment starts with an empty directory (the demo seed is for development); the
administrator loads the city's units, with the duty phones three-way calls dial, and its category
tree, with the unit each category usually goes to, with `hotline directory import FILE`. The
document is checked as a whole and applied all-or-nothing; importing it again changes nothing, so
the file can live in the city's configuration repository and be re-applied after every edit.
Rows are upserted, never deleted: tickets keep referring to them (a unit leaves with
`active = false`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import InvalidInput
from tickets.models import Assignment, AuditLog, Category, Unit, User

UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
CATEGORY_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
PHONE = re.compile(r"^[0-9+][0-9-]{2,39}$")
KINDS = ("centre", "district", "department", "utility", "street")
MAX_ERRORS_SHOWN = 20


class UnitEntry(BaseModel):
    code: str
    name: str = Field(min_length=1, max_length=120)
    tier: int = Field(ge=1, le=3)
    kind: str
    parent_code: str | None = None
    duty_phone: str = Field(max_length=40)
    active: bool = True


class CategoryEntry(BaseModel):
    code: str
    name: str = Field(min_length=1, max_length=60)
    parent_code: str | None = None
    default_unit_code: str | None = None


class DirectoryDocument(BaseModel):
    units: list[UnitEntry] = Field(default_factory=list)
    categories: list[CategoryEntry] = Field(default_factory=list)


class ImportSummary(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def export_directory(session: Session) -> DirectoryDocument:
    """The current directory in the import shape (export → import changes nothing)."""
    units = session.exec(select(Unit).order_by(col(Unit.tier), col(Unit.code))).all()
    categories = session.exec(select(Category).order_by(col(Category.code))).all()
    return DirectoryDocument(
        units=[
            UnitEntry(
                code=u.code,
                name=u.name,
                tier=u.tier,
                kind=u.kind,
                parent_code=u.parent_code,
                duty_phone=u.duty_phone,
                active=u.active,
            )
            for u in units
        ],
        categories=[
            CategoryEntry(
                code=c.code, name=c.name, parent_code=c.parent_code, default_unit_code=c.default_unit_code
            )
            for c in categories
        ],
    )


def import_directory(session: Session, doc: DirectoryDocument, actor: Actor, now: datetime) -> ImportSummary:
    units = _check(session, doc)
    summary = ImportSummary()
    # Parents before children: tier order for units, depth order for categories.
    for unit_entry in sorted(doc.units, key=lambda u: u.tier):
        _upsert_unit(session, unit_entry, summary)
    session.flush()
    by_code = {c.code: c for c in doc.categories}
    for entry in sorted(doc.categories, key=lambda c: _depth(c, by_code, session)):
        _upsert_category(session, entry, summary)
    if summary.created or summary.updated:
        session.add(
            AuditLog(
                at=now,
                actor=actor.username,
                role=actor.role,
                action="directory_import",
                subject="directory",
                note=f"新增 {summary.created},修改 {summary.updated},未变 {summary.unchanged};单位 {units}",
            )
        )
    session.flush()
    return summary


def _check(session: Session, doc: DirectoryDocument) -> int:
    """Every error of the document at once, naming the entry; returns the number of units."""
    errors: list[str] = []
    db_units = {u.code: u for u in session.exec(select(Unit)).all()}
    db_categories = {c.code: c for c in session.exec(select(Category)).all()}
    doc_units = {u.code: u for u in doc.units}
    doc_categories = {c.code: c for c in doc.categories}
    errors += _duplicates("units", (u.code for u in doc.units))
    errors += _duplicates("categories", (c.code for c in doc.categories))

    def unit_after(code: str) -> tuple[int, bool] | None:
        if code in doc_units:
            return doc_units[code].tier, doc_units[code].active
        if code in db_units:
            return db_units[code].tier, db_units[code].active
        return None

    for i, u in enumerate(doc.units):
        where = f"units[{i}] (code={u.code})"
        if not UNIT_CODE.match(u.code):
            errors.append(f"{where}: 单位代码须为 2-40 个小写字母、数字或 -")
        if u.kind not in KINDS:
            errors.append(f"{where}: 类型须为 {'/'.join(KINDS)} 之一")
        if not PHONE.match(u.duty_phone):
            errors.append(f"{where}: 值班电话格式不正确:{u.duty_phone!r}")
        if u.tier == 1:
            if u.parent_code is not None:
                errors.append(f"{where}: 一级单位(热线中心)没有上级单位")
        elif u.parent_code is None:
            errors.append(f"{where}: {u.tier} 级单位须有上级单位")
        else:
            parent = unit_after(u.parent_code)
            if parent is None:
                errors.append(f"{where}: 上级单位不存在:{u.parent_code}")
            elif parent[0] >= u.tier:
                errors.append(f"{where}: 上级单位 {u.parent_code} 的级别须高于本单位")
            elif u.active and not parent[1]:
                errors.append(f"{where}: 上级单位 {u.parent_code} 已停用")

    for i, c in enumerate(doc.categories):
        where = f"categories[{i}] (code={c.code})"
        if not CATEGORY_CODE.match(c.code):
            errors.append(f"{where}: 分类代码须为小写字母、数字或 . _ -")
        known = c.parent_code in doc_categories or c.parent_code in db_categories
        if c.parent_code is not None and not known:
            errors.append(f"{where}: 上级分类不存在:{c.parent_code}")
        if c.default_unit_code is not None:
            unit = unit_after(c.default_unit_code)
            if unit is None:
                errors.append(f"{where}: 默认承办单位不存在:{c.default_unit_code}")
            elif not unit[1]:
                errors.append(f"{where}: 默认承办单位已停用:{c.default_unit_code}")
    defaults = {code: c.default_unit_code for code, c in db_categories.items()}
    defaults.update({c.code: c.default_unit_code for c in doc.categories})
    for i, u in enumerate(doc.units):
        if u.active or u.code not in db_units or not db_units[u.code].active:
            continue
        # A unit leaves only once nothing depends on it: the administrator moves those first.
        where = f"units[{i}] (code={u.code})"
        uses = sorted(code for code, unit in defaults.items() if unit == u.code)
        if uses:
            errors.append(f"{where}: 仍是分类 {', '.join(uses[:5])} 的默认承办单位,不能停用")
        users = session.exec(
            select(User.username).where(User.unit_code == u.code, col(User.active).is_(True))
        ).all()
        if users:
            errors.append(f"{where}: 仍有在用账号 {', '.join(sorted(users)[:5])},不能停用")
        open_work = session.exec(
            select(Assignment.id).where(Assignment.unit_code == u.code, col(Assignment.active).is_(True))
        ).first()
        if open_work is not None:
            errors.append(f"{where}: 仍有在办工单,请先改派,不能停用")
    parents = {code: c.parent_code for code, c in db_categories.items()}
    parents.update({c.code: c.parent_code for c in doc.categories})
    for code in doc_categories:
        seen = {code}
        up = parents.get(code)
        while up is not None:
            if up in seen:
                errors.append(f"categories (code={code}): 分类上下级形成循环")
                break
            seen.add(up)
            up = parents.get(up)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n……另有 {len(errors) - len(shown)} 处错误" if len(errors) > len(shown) else ""
        raise InvalidInput("目录未导入(未做任何修改):\n" + "\n".join(shown) + more)
    return len(doc.units)


def _duplicates(kind: str, codes: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for code in codes:
        if code in seen:
            out.append(f"{kind} (code={code}): 代码重复")
        seen.add(code)
    return out


def _depth(entry: CategoryEntry, by_code: dict[str, CategoryEntry], session: Session) -> int:
    depth, parent = 0, entry.parent_code
    while parent is not None and depth < 50:  # _check refused cycles
        depth += 1
        nxt = by_code.get(parent)
        if nxt is not None:
            parent = nxt.parent_code
        else:
            row = session.get(Category, parent)
            parent = row.parent_code if row is not None else None
    return depth


def _upsert_unit(session: Session, e: UnitEntry, summary: ImportSummary) -> None:
    _upsert(session, Unit, e.model_dump(), summary)


def _upsert_category(session: Session, e: CategoryEntry, summary: ImportSummary) -> None:
    _upsert(session, Category, e.model_dump(), summary)
    session.flush()  # a child in the same document finds its parent row


def _upsert(
    session: Session, model: type[Unit] | type[Category], values: dict[str, object], summary: ImportSummary
) -> None:
    """Creates the row, changes the fields that differ, or counts it unchanged (no write)."""
    row = session.get(model, values["code"])
    if row is None:
        session.add(model.model_validate(values))
        summary.created += 1
    elif any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        session.add(row)
        summary.updated += 1
    else:
        summary.unchanged += 1
