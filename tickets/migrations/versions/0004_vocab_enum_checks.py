"""vocabulary columns become enum columns: a CHECK of the allowed values on each

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:30:00

The columns stay VARCHAR of the same length and keep their rows as they are; the database now
refuses a value outside `tickets.vocab`. The values are written out here, frozen: a later change
of an enum is a later migration. A database holding a value outside them is reported, not
silently "fixed".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

CHANNELS = ("phone", "sms", "web", "app", "wechat", "email", "provincial")
TYPES = ("咨询", "求助", "投诉", "举报", "意见建议", "表扬")
URGENCIES = ("一般", "紧急", "重大")
STATUSES = (
    "registered",
    "not_accepted",
    "dispatched",
    "signed",
    "contacted",
    "sent_back",
    "replied",
    "return_requested",
    "returned",
    "approved",
    "closed",
    "merged",
    "archived",
)
ROLES = ("seat", "supervisor", "unit_handler", "admin", "auditor", "system")
ASSIGNMENT_ROLES = ("lead", "assist")
KB_STATUSES = ("pending", "approved", "rejected")

# table -> column -> allowed values; the constraint is ck_<table>_<column> (tickets.models).
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {
        "channel": CHANNELS,
        "type": TYPES,
        "urgency": URGENCIES,
        "status": STATUSES,
        "status_before_return": STATUSES,
    },
    "users": {"role": ROLES},
    "assignments": {"role": ASSIGNMENT_ROLES},
    "ticket_events": {"role": ROLES, "from_status": STATUSES, "to_status": STATUSES},
    "audit_log": {"role": ROLES},
    "kb_articles": {"status": KB_STATUSES},
}


def _values(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _refuse_unknown_values() -> None:
    conn = op.get_bind()
    unknown: list[str] = []
    for table, columns in CHECKS.items():
        for column, values in columns.items():
            rows = conn.execute(
                sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} NOT IN ({_values(values)})")
            ).all()
            unknown += [f"{table}.{column} = {row[0]!r}" for row in rows]
    if unknown:
        raise RuntimeError("values outside tickets.vocab, fix them before migrating: " + "; ".join(unknown))


def upgrade() -> None:
    _refuse_unknown_values()
    for table, columns in CHECKS.items():
        # SQLite rebuilds the table (tickets.migrate turns foreign keys off meanwhile).
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(f"ck_{table}_{column}", f"{column} IN ({_values(values)})")


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
