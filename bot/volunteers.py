"""A volunteer's state changes: opting in, stopping, pausing, shared by handlers and jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentEvent, Delivery, Member

PENDING = ("planned", "sending")


def is_volunteer(member: Member, charter_version: str) -> bool:
    return member.status == "active" and member.charter_version == charter_version


def record_consent(
    session: AsyncSession, member: Member, kind: str, now: datetime, version: str | None = None
) -> None:
    session.add(ConsentEvent(member_id=member.id, kind=kind, charter_version=version, at=now))


async def forget_unsent(session: AsyncSession, member_id: int) -> None:
    """Drop a member's cancelled, never-sent deliveries so that live posts are offered again
    (they were cancelled by a stop or an outdated charter, which the member has undone)."""
    await session.execute(delete(Delivery).where(
        Delivery.member_id == member_id, Delivery.status == "cancelled",
        Delivery.sent_at.is_(None)))


async def cancel_pending(session: AsyncSession, *, member_id: int | None = None,
                         post_id: int | None = None) -> int:
    """Cancel every delivery not yet sent for a member or a post."""
    query = update(Delivery).where(Delivery.status.in_(PENDING))
    if member_id is not None:
        query = query.where(Delivery.member_id == member_id)
    if post_id is not None:
        query = query.where(Delivery.post_id == post_id)
    result = await session.execute(query.values(status="cancelled", claimed_by=None))
    return result.rowcount or 0  # type: ignore[attr-defined]


async def resume_pending(session: AsyncSession, member_id: int, paused_until: datetime,
                         now: datetime) -> None:
    """A volunteer ended their pause early: the nudge it held back (due when it was to
    end) is due now."""
    await session.execute(update(Delivery).where(
        Delivery.member_id == member_id, Delivery.status == "planned",
        Delivery.due_at == paused_until).values(due_at=now))
