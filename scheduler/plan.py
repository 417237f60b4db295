"""The plan job: offer each live post to eligible volunteers at a good moment for them."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import member_zone
from bot.preferences import Preferences, preferences, wants_topics
from bot.services.quiet_hours import next_allowed
from storage.models import Delivery, Member, Post, Workspace
from storage.upsert import insert_ignore_rows

WEEK = timedelta(days=7)
NEVER = datetime.max.replace(tzinfo=UTC)


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
    """When this member may get one more nudge, or None if their weekly cap is reached.

    `taken` holds the times of their other nudges (sent, or due when not yet sent)."""
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


def _priority(post: Post, offered: Counter[int]) -> tuple[datetime, int, datetime, int]:
    """Soonest expiry first, then the post offered to the fewest so far (rotation)."""
    return (post.expires_at or NEVER, offered[post.id], post.publish_at, post.id)


async def plan_workspace(session: AsyncSession, workspace: Workspace, charter_version: str,
                         now: datetime) -> int:
    """Give each eligible volunteer with no nudge pending their next one, if one is due."""
    await session.execute(
        update(Post).where(Post.workspace_id == workspace.id, Post.status == "scheduled",
                           Post.publish_at <= now).values(status="active"))
    posts = (await session.scalars(select(Post).where(
        Post.workspace_id == workspace.id, Post.status == "active",
        or_(Post.expires_at.is_(None), Post.expires_at > now),
    ))).all()
    if not posts:
        return 0
    members = (await session.scalars(eligible_members(workspace.id, charter_version, now))).all()
    if not members:
        return 0
    seen: set[tuple[int, int]] = set()
    pending: set[int] = set()
    offered: Counter[int] = Counter()
    taken: dict[int, list[datetime]] = defaultdict(list)
    for post_id, member_id, status, due_at, sent_at in (await session.execute(
        select(Delivery.post_id, Delivery.member_id, Delivery.status, Delivery.due_at,
               Delivery.sent_at)
        .where(Delivery.member_id.in_([m.id for m in members]))
    )).all():
        seen.add((post_id, member_id))
        offered[post_id] += 1
        if status in ("planned", "sending"):
            pending.add(member_id)
        if status not in ("cancelled", "failed"):
            taken[member_id].append(sent_at or due_at)
    rows = []
    for member in members:
        if member.id in pending:
            continue
        prefs = preferences(member.prefs, workspace.weekly_cap)
        candidates = sorted(
            (post for post in posts
             if (post.id, member.id) not in seen
             and (not post.audience or member.team_id in post.audience)
             and wants_topics(prefs, list(post.topics))),
            key=lambda post: _priority(post, offered),
        )
        for post in candidates:
            due = due_time(now, member, workspace, prefs, taken[member.id], post.expires_at)
            if due is not None:
                offered[post.id] += 1
                rows.append({"post_id": post.id, "member_id": member.id, "status": "planned",
                             "due_at": due, "attempts": 0, "message_ref": {},
                             "suggestions": [], "created_at": now})
                break
    return await insert_ignore_rows(session, Delivery, rows)


async def plan(session: AsyncSession, charter_version: str, now: datetime) -> int:
    """Create the deliveries that are due to exist; returns how many were created."""
    created = 0
    for workspace in (await session.scalars(
            select(Workspace).where(Workspace.paused.is_(False)))).all():
        created += await plan_workspace(session, workspace, charter_version, now)
        await session.commit()
    return created
