"""The last word on a claimed nudge: may it still go now, must it wait, or is it off?

The same rules are applied twice: when a delivery is claimed (from its loaded rows), and
again immediately before its platform call, after any limiter wait, from one fresh query
for all the sends about to go (`standings`). So a stop, a pause, a withdrawn post or a
charter change committed before that query is never overtaken by a send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.preferences import preferences
from bot.services.quiet_hours import in_quiet_time, next_allowed
from bot.services.timeparse import zone
from storage.models import Delivery, Member, Post, Workspace

CANCEL = "cancel"  # the nudge is off: the volunteer left, the post was withdrawn or expired
HOLD = "hold"  # the workspace is paused: back to the queue until it resumes


@dataclass(frozen=True)
class Standing:
    """What decides whether one delivery may be sent, as stored now."""

    delivery_status: str
    claimed_by: str | None
    member_status: str
    charter_version: str | None
    paused_until: datetime | None
    prefs: dict[str, Any]
    timezone: str | None
    post_status: str
    expires_at: datetime | None
    workspace_paused: bool
    weekly_cap: int
    workspace_timezone: str

    @classmethod
    def of(cls, delivery: Delivery, member: Member, post: Post,
           workspace: Workspace) -> Standing:
        return cls(delivery.status, delivery.claimed_by, member.status, member.charter_version,
                   member.paused_until, member.prefs, member.timezone, post.status,
                   post.expires_at, workspace.paused, workspace.weekly_cap, workspace.timezone)


_COLUMNS = (Delivery.status, Delivery.claimed_by, Member.status, Member.charter_version,
            Member.paused_until, Member.prefs, Member.timezone, Post.status, Post.expires_at,
            Workspace.paused, Workspace.weekly_cap, Workspace.timezone)


async def standings(conn: AsyncConnection, ids: list[int]) -> dict[int, Standing]:
    """The standing of each delivery in `ids` (absent: the row is gone), in one query."""
    rows = (await conn.execute(
        select(Delivery.id, *_COLUMNS)
        .join(Member, Member.id == Delivery.member_id)
        .join(Post, Post.id == Delivery.post_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(Delivery.id.in_(ids)))).all()
    return {row[0]: Standing(*row[1:]) for row in rows}


def verdict(standing: Standing, charter_version: str, now: datetime) -> str | datetime | None:
    """CANCEL, HOLD, a later time to try again (member paused, quiet hours), or None when
    the nudge may go now."""
    if standing.member_status != "active" or standing.charter_version != charter_version:
        return CANCEL
    if standing.post_status != "active" or (standing.expires_at is not None
                                            and standing.expires_at <= now):
        return CANCEL
    if standing.workspace_paused:
        return HOLD
    if standing.paused_until is not None and standing.paused_until > now:
        # Back when the volunteer's pause ends, exactly: their "resume" finds it there.
        return standing.paused_until
    prefs = preferences(standing.prefs, standing.weekly_cap)
    start, end = prefs.quiet
    tz = zone(standing.timezone, standing.workspace_timezone)
    if in_quiet_time(now, tz, start, end, prefs.weekends):
        return next_allowed(now, tz, start, end, prefs.weekends)
    return None
