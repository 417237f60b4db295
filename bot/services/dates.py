"""Dates as people write them in each language (Babel), with French's "1er"."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date


def day_and_month(day: date, language: str, *, year: bool = False) -> str:
    """'7 December', '1er décembre', '12 March 2027' with `year`."""
    said = format_date(day, "d MMMM y" if year else "d MMMM", locale=language)
    if language == "fr" and day.day == 1:
        said = "1er" + said[1:]
    return said
