"""Team challenges, and the impact notes (monthly summaries, milestones) sent to volunteers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(),
                  sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("goal", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(),
                  sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_challenges_workspace_ends", "challenges", ["workspace_id", "ends_at"])
    op.create_table(
        "impact_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("member_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("impact_notes")
    op.drop_index("ix_challenges_workspace_ends", "challenges")
    op.drop_table("challenges")
