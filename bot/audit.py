"""Writing admin actions to the audit log."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from storage.models import AuditLog


def audit(ctx: Context, action: str, **detail: Any) -> None:
    ctx.session.add(AuditLog(workspace_id=ctx.workspace.id, actor_id=ctx.member.id,
                             action=action, detail=detail, at=ctx.now))
