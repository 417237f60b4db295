"""Reading the dates and durations people type: '2w', '2 weeks', « 2 semaines », '3d',
'2026-12-01', ISO times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A unit is its letter or its word, in English or French: the first letter tells which.
_DURATION = re.compile(r"^(\d{1,3})\s*(h|d|j|w|s|m|hours?|heures?|days?|jours?|weeks?|"
                       r"semaines?|months?|mois)$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "j": timedelta(days=1),
          "w": timedelta(weeks=1), "s": timedelta(weeks=1), "m": timedelta(days=30)}
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


class BadTime(ValueError):
    """The text is not a date, time or duration we understand."""


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """'2w', '2 weeks', '10d' (j, s, « 2 semaines » in French) after `now`, or a date/ISO
    time, past or future."""
    text = text.strip()
    found = _DURATION.match(text)
    if found:
        amount = int(found.group(1))
        if amount == 0:
            raise BadTime(text)
        return now + amount * _UNITS[found.group(2)[0].lower()]
    return parse_moment(text, tz)


def parse_until(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """Like parse_when, for the end of something that starts now: it must be in the future."""
    moment = parse_when(text, now, tz)
    if moment <= now:
        raise BadTime(text)
    return moment


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """An ISO date or date-time; naive values are read in `tz`; a bare date means 00:00."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadTime(text) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def parse_clock(text: str) -> time:
    """'19:00' or '7h30' -> time."""
    found = _CLOCK.match(text.strip())
    if not found:
        raise BadTime(text)
    return time(int(found.group(1)), int(found.group(2)))
