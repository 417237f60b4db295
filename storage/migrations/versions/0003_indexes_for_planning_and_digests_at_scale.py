"""indexes for planning and digests at scale

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:33:13.420034
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index("ix_clicks_share_at", ["share_id", "at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_clicks_share"))

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_members_workspace_status", ["workspace_id", "status", "id"], unique=False
        )

    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shares_member_created", ["member_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index("ix_shares_member_created")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_workspace_status")

    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clicks_share"), ["share_id"], unique=False)
        batch_op.drop_index("ix_clicks_share_at")
