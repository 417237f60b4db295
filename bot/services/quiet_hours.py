"""When a nudge may reach someone: outside their quiet hours and weekends, in their zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_time(moment: datetime, tz: ZoneInfo, start: time, end: time, weekends: bool) -> bool:
    local = moment.astimezone(tz)
    if not weekends and local.weekday() >= 5:
        return True
    now = local.time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def next_allowed(
    moment: datetime, tz: ZoneInfo, start: time, end: time, weekends: bool
) -> datetime:
    """The first instant at or after `moment` outside quiet hours (and weekends if excluded)."""
    candidate = moment
    for _ in range(10):
        if not in_quiet_time(candidate, tz, start, end, weekends):
            return candidate
        local = candidate.astimezone(tz)
        if not weekends and local.weekday() >= 5:
            days = 7 - local.weekday()
            day = (local + timedelta(days=days)).date()
        elif start < end or local.time() < end:
            day = local.date()
        else:
            day = local.date() + timedelta(days=1)
        # Wall-clock arithmetic in the member's zone keeps DST days right.
        candidate = datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
    return candidate
