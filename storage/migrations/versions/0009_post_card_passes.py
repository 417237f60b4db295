"""a post's delivered cards to bring in line after an edit, a cancellation or its expiry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("cards_pass", sa.String(length=40), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("cards_after", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("cards_after")
        batch.drop_column("cards_pass")
