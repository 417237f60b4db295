"""post languages and kinds, team display names, suggestion origins

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False,
                                   server_default="en"))
        batch.add_column(sa.Column("versions", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                   server_default="news"))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("slot", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("draft", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.create_index("ix_deliveries_post_slot", ["post_id", "slot"])
    with op.batch_alter_table("shares") as batch:
        batch.add_column(sa.Column("similarity", sa.Float(), nullable=True))
        batch.add_column(sa.Column("originality", sa.String(length=16), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("angle", sa.String(length=32), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("shares") as batch:
        for column in ("source", "angle", "originality", "similarity"):
            batch.drop_column(column)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_post_slot")
        batch.drop_column("draft")
        batch.drop_column("slot")
        batch.drop_column("language")
    with op.batch_alter_table("posts") as batch:
        for column in ("kind", "versions", "language"):
            batch.drop_column(column)
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("display_name")
