"""A volunteer's figures over calendar months of their own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Click, Share


@dataclass(frozen=True)
class Month:
    """One month of one volunteer: what they shared, the human clicks their links drew in it,
    and how much of the texts they wrote themselves (median edit ratio; None: no share)."""

    first: date  # its first day
    shares: int
    clicks: int
    own_words: float | None


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year,
                                                                        first.month - 1, 1)


def next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year,
                                                                        first.month + 1, 1)


def _instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


async def month(session: AsyncSession, member_id: int, first: date, tz: ZoneInfo) -> Month:
    start, end = _instant(first, tz), _instant(next_month(first), tz)
    ratios = list((await session.scalars(select(Share.edit_ratio).where(
        Share.member_id == member_id, Share.created_at >= start,
        Share.created_at < end))).all())
    clicks = await session.scalar(
        select(func.count(Click.id)).join(Share, Share.id == Click.share_id).where(
            Share.member_id == member_id, Click.is_bot.is_(False), Click.at >= start,
            Click.at < end)) or 0
    return Month(first, len(ratios), clicks, median(ratios) if ratios else None)


async def this_and_last(session: AsyncSession, member_id: int, now: datetime,
                        tz: ZoneInfo) -> tuple[Month, Month]:
    """The month running in the member's zone, and the one before it."""
    first = month_start(now.astimezone(tz).date())
    return (await month(session, member_id, first, tz),
            await month(session, member_id, previous_month(first), tz))
