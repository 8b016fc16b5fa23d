"""intake requests: idempotent 受理 (Idempotency-Key per account, one ticket per call)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import tickets.sqltypes

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", AutoString(length=60), nullable=False),
        sa.Column("idem_key", AutoString(length=200), nullable=True),
        sa.Column("linkedid", AutoString(length=64), nullable=True),
        sa.Column("fingerprint", AutoString(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", tickets.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor", "idem_key", name="uq_intake_requests_actor_key"),
        sa.UniqueConstraint("linkedid", name="uq_intake_requests_linkedid"),
    )
    with op.batch_alter_table("intake_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_requests_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_requests_ticket_id"))
    op.drop_table("intake_requests")
