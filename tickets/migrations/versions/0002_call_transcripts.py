"""call transcripts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transcript", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("transcript_status", AutoString(length=20), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_call_links_transcript_status"), ["transcript_status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("call_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_links_transcript_status"))
        batch_op.drop_column("transcript_status")
        batch_op.drop_column("transcript")
