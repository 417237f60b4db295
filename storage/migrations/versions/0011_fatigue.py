"""fewer nudges for the tired: a weekly cap halved on its own, the question, the check-in;
consents by member, read with each batch

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("fatigue_cap", "fatigue_asked_at", "fatigue_answered_at", "checkin_at")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("fatigue_cap", sa.Integer(), nullable=True))
        for name in COLUMNS[1:]:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_consent_events_member_at", "consent_events", ["member_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_consent_events_member_at", table_name="consent_events")
    with op.batch_alter_table("members") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
