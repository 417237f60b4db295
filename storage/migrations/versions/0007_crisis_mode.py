"""crisis mode per workspace: its brief, and the cards and notes still to bring in line

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("crisis_since", "crisis_brief", "crisis_link", "crisis_resumes", "crisis_cards",
            "crisis_cards_after", "crisis_news", "crisis_news_after")


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("crisis_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("crisis_brief", sa.Text(), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("crisis_link", sa.String(length=2000), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("crisis_resumes", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("crisis_cards", sa.String(length=8), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("crisis_cards_after", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("crisis_news", sa.String(length=8), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("crisis_news_after", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
