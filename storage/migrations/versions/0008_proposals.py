"""Pages proposed by employees, and the team whose channel reviews them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("reviews", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(),
                  sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("warning", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("decided_by", sa.Integer(),
                  sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_proposals_workspace_status", "proposals", ["workspace_id", "status"])
    op.create_index("ix_proposals_member_created", "proposals", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_proposals_member_created", "proposals")
    op.drop_index("ix_proposals_workspace_status", "proposals")
    op.drop_table("proposals")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("reviews")
