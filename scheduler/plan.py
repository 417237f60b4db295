"""The plan job: offer each live post to eligible volunteers at a good moment for them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import member_zone
from bot.preferences import Preferences, preferences, wants_topics
from bot.services.quiet_hours import next_allowed
from storage.models import Delivery, Member, Post, Workspace
from storage.upsert import insert_ignore_rows

WEEK = timedelta(days=7)
LIVE = ("scheduled", "active")


def eligible_members(workspace_id: int, charter_version: str, now: datetime):  # type: ignore[no-untyped-def]
    """Volunteers who may receive a nudge now: opted in, current charter, not paused."""
    return select(Member).where(
        Member.workspace_id == workspace_id,
        Member.status == "active",
        Member.charter_version == charter_version,
        or_(Member.paused_until.is_(None), Member.paused_until <= now),
    )


def due_time(earliest: datetime, member: Member, workspace: Workspace, prefs: Preferences,
             taken: list[datetime], expires_at: datetime | None) -> datetime | None:
    """When this member may get one more nudge, or None if their weekly cap is reached."""
    gap = timedelta(hours=workspace.min_gap_hours)
    if taken:
        earliest = max(earliest, max(taken) + gap)
    start, end = prefs.quiet
    due = next_allowed(earliest, member_zone(member, workspace), start, end, prefs.weekends)
    if sum(1 for t in taken if due - WEEK < t <= due) >= prefs.weekly_cap:
        return None
    if expires_at is not None and due >= expires_at:
        return None
    return due


async def plan_workspace(session: AsyncSession, workspace: Workspace, charter_version: str,
                         now: datetime) -> int:
    await session.execute(
        update(Post).where(Post.workspace_id == workspace.id, Post.status == "scheduled",
                           Post.publish_at <= now).values(status="active"))
    posts = (await session.scalars(select(Post).where(
        Post.workspace_id == workspace.id, Post.status == "active",
        or_(Post.expires_at.is_(None), Post.expires_at > now),
    ).order_by(Post.publish_at, Post.id))).all()
    if not posts:
        return 0
    members = (await session.scalars(eligible_members(workspace.id, charter_version, now))).all()
    if not members:
        return 0
    member_ids = [m.id for m in members]
    offered: set[tuple[int, int]] = set()
    taken: dict[int, list[datetime]] = defaultdict(list)
    for post_id, member_id, status, due_at in (await session.execute(
        select(Delivery.post_id, Delivery.member_id, Delivery.status, Delivery.due_at)
        .where(Delivery.member_id.in_(member_ids))
    )).all():
        offered.add((post_id, member_id))
        if status not in ("cancelled", "failed") and due_at > now - 2 * WEEK:
            taken[member_id].append(due_at)
    rows = []
    for post in posts:
        for member in members:
            if (post.id, member.id) in offered:
                continue
            if post.audience and member.team_id not in post.audience:
                continue
            prefs = preferences(member.prefs, workspace.weekly_cap)
            if not wants_topics(prefs, list(post.topics)):
                continue
            due = due_time(max(now, post.publish_at), member, workspace, prefs,
                           taken[member.id], post.expires_at)
            if due is None:
                continue
            taken[member.id].append(due)
            rows.append({"post_id": post.id, "member_id": member.id, "status": "planned",
                         "due_at": due, "attempts": 0, "message_ref": {}, "suggestions": [],
                         "created_at": now})
    return await insert_ignore_rows(session, Delivery, rows)


async def plan(session: AsyncSession, charter_version: str, now: datetime) -> int:
    """Create the deliveries that are due to exist; returns how many were created."""
    created = 0
    for workspace in (await session.scalars(
            select(Workspace).where(Workspace.paused.is_(False)))).all():
        created += await plan_workspace(session, workspace, charter_version, now)
        await session.commit()
    return created
