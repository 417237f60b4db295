"""What a post's text says plainly: the date and place of an event, the role a job offer is for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er)?"
_YEAR = r"(?P<year>20\d\d)"
_DATES = (  # the order matters: the first pattern that matches gives the date
    re.compile(rf"\b{_YEAR}-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(rf"\b(?P<day>[0-3]?\d)/(?P<month>[0-3]?\d)/{_YEAR}\b"),
    re.compile(rf"\b{_DAY}\.?\s+(?P<name>{_MONTH})\.?(?:,?\s+{_YEAR})?\b", re.IGNORECASE),
    re.compile(rf"\b(?P<name>{_MONTH})\.?\s+{_DAY}\b(?:,?\s+{_YEAR})?", re.IGNORECASE),
)

# A place is a capitalised name after a preposition: "in Lyon", "à Saint-Étienne",
# "au Palais des Congrès". Month, day and language names are not places.
_NAME = r"[A-ZÀ-Ý][\w'’-]*"
_PLACE = rf"{_NAME}(?:[ \t]+(?:(?:de|des|du|la|le|of|the|d')[ \t]+)?{_NAME}){{0,3}}"
_PREPOSITIONS = {"en": ("in", "at"), "fr": ("à", "au", "aux")}
_NOT_PLACES = {
    *(name.capitalize() for name in MONTHS),
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche",
    "English", "French", "Anglais", "Français", "The", "Our", "This", "Q1", "Q2", "Q3", "Q4",
}

# The role a job offer is for starts after a hiring phrase and ends before a place,
# a preposition or punctuation.
_HIRING = {
    "en": r"(?:we(?:'re|’re| are)\s+hiring|hiring|now hiring|we(?:'re|’re| are)\s+looking\s+for|"
          r"looking\s+for|join\s+us\s+as|open\s+(?:position|role)|job\s+opening|vacancy)"
          r"\s*(?:[:\-–—]\s*|for\s+)?",
    "fr": r"(?:nous\s+recrutons|on\s+recrute|recrute|recrutement|nous\s+cherchons|"
          r"on\s+cherche|rejoignez-nous\s+en\s+tant\s+que|poste\s+de|offre\s+d'emploi|"
          r"offre\s+d’emploi)\s*(?::\s*)?",
}
_LEADING = {
    "en": r"(?:(?:a|an|our|new|next|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+)*",
    "fr": r"(?:(?:un·e|un\(e\)|un\.e|un-e|une|un|des|notre|nos|futur·e|futur|future|prochain·e|"
          r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|\d+)\s+)*",
}
_ROLE_END = {
    "en": r"(?=\s+(?:in|at|to|who|for|with|on|from)\b|\s+[-–—]\s|[.,;:!?()\n]|$)",
    "fr": r"(?=\s+(?:à|au|aux|en|pour|qui|chez|sur|dans|avec|dès)\b|\s+[-–—]\s|[.,;:!?()\n]|$)",
}
MAX_JOB = 60  # longer is a sentence caught by mistake, not a role


@dataclass(frozen=True)
class Facts:
    date: date | None = None
    place: str = ""
    job: str = ""


def find_facts(text: str, language: str, today: date) -> Facts:
    """The date (the next one on or after `today` when no year is written), the place and,
    for a job offer, the role offered; each empty when the text does not say it."""
    return Facts(find_date(text, today), find_place(text, language), find_job(text, language))


def dates_written(text: str) -> Iterator[tuple[tuple[int, int, int | None], tuple[int, int]]]:
    """Each date the text writes: (day, month, year or None when not written), and where.
    Patterns are tried in order; a later one never reads a date inside an earlier one's."""
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for found in pattern.finditer(text):
            start, end = found.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            fields = found.groupdict()
            name = fields.get("name")
            month = MONTHS[name.lower()] if name else int(fields["month"])
            day, year = int(fields["day"]), fields.get("year")
            if month > 12 >= day and not name:  # 03/25/2027 is written the American way
                day, month = month, day
            if 1 <= day <= 31 and 1 <= month <= 12:
                taken.append((start, end))
                yield (day, month, int(year) if year else None), (start, end)


def _parts(text: str) -> tuple[int, int, int | None] | None:
    """Day, month and year (None when not written) of the first date in the text."""
    return next((parts for parts, _ in dates_written(text)), None)


def mentions_date(text: str) -> bool:
    return _parts(text) is not None


def find_date(text: str, today: date) -> date | None:
    parts = _parts(text)
    if parts is None:
        return None
    day, month, year = parts
    for candidate in ([year] if year else range(today.year, today.year + 5)):
        try:
            found = date(candidate, month, day)
        except ValueError:  # 31 April, or 29 February out of a leap year
            continue
        if year or found >= today:
            return found
    return None


def find_place(text: str, language: str) -> str:
    prepositions = _PREPOSITIONS.get(language, _PREPOSITIONS["en"])
    for preposition in prepositions:  # "in Lyon" is a better clue than "at Acme"
        for found in re.finditer(rf"(?<!\w){preposition}\s+({_PLACE})", text):
            place = found.group(1)
            if place.split()[0] not in _NOT_PLACES:
                return place
    return ""


def find_job(text: str, language: str) -> str:
    lang = language if language in _HIRING else "en"
    pattern = rf"{_HIRING[lang]}{_LEADING[lang]}(?P<role>[^\n]+?){_ROLE_END[lang]}"
    found = re.search(pattern, text, re.IGNORECASE)
    if not found:
        return ""
    role = found.group("role").strip(" '\"«»“”")
    return role if 0 < len(role) <= MAX_JOB else ""
