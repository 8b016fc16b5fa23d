"""Units (with duty phones) and the category tree, as the desk and the portal show them."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tickets.models import Category, Unit


class UnitView(BaseModel):
    code: str
    name: str
    tier: int
    kind: str
    parent_code: str | None
    duty_phone: str


class CategoryNode(BaseModel):
    code: str
    name: str
    default_unit_code: str | None
    children: list[CategoryNode]


def units(session: Session, tier: int | None = None) -> list[UnitView]:
    stmt = select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.tier), col(Unit.code))
    if tier is not None:
        stmt = stmt.where(Unit.tier == tier)
    return [UnitView.model_validate(u, from_attributes=True) for u in session.exec(stmt).all()]


def category_tree(session: Session) -> list[CategoryNode]:
    rows = session.exec(select(Category).order_by(col(Category.code))).all()
    nodes = {
        c.code: CategoryNode(code=c.code, name=c.name, default_unit_code=c.default_unit_code, children=[])
        for c in rows
    }
    roots: list[CategoryNode] = []
    for c in rows:
        parent = nodes.get(c.parent_code) if c.parent_code else None
        (parent.children if parent is not None else roots).append(nodes[c.code])
    return roots
