"""The charter of good conduct: its version and its text per locale, read from charter.md.

The text may hold a `{disclosure}` mark: the sentence saying how volunteers show that they
work here, worded on what the workspace configured (its disclosure hashtag, or none). That
sentence is not part of the version that consents refer to. What a volunteer accepts is to
be open about where they work; the hashtag is only the current way of saying it, and admins
change it (`/voix set hashtag`) without the commitment changing. Making every volunteer
accept again, and stopping their posts until they do, because comms renamed a hashtag would
be friction for nothing. A change of commitment is a new charter.md and a new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "charter.md"
_VERSION = re.compile(r"^version:\s*(\S+)\s*$", re.MULTILINE)
_SECTION = re.compile(r"^## (\w\w)\s*$", re.MULTILINE)
_DISCLOSURE = re.compile(r"([ \t]*)\{disclosure\}")
_DATED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Charter:
    version: str
    texts: dict[str, str]

    @property
    def day(self) -> date | None:
        """The day its version names ("2026-11-1"), None for a version that is no date:
        people read that day, consents keep the version as it is written."""
        found = _DATED.match(self.version)
        try:
            return date(*map(int, found.groups())) if found else None
        except ValueError:
            return None

    def text(self, locale: str, disclosure: str = "") -> str:
        """The text in `locale` (else English, else any), `disclosure` in place of its mark."""
        text = self.texts.get(locale) or self.texts.get("en") or next(iter(self.texts.values()))
        return _DISCLOSURE.sub(lambda mark: mark.group(1) + disclosure if disclosure else "", text)


def parse_charter(source: str) -> Charter:
    """Read `version: X` and the `## en` / `## fr` sections."""
    found = _VERSION.search(source)
    if not found:
        raise ValueError("charter has no 'version:' line")
    parts = _SECTION.split(source)
    texts = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if not texts:
        raise ValueError("charter has no '## <locale>' section")
    return Charter(version=found.group(1), texts=texts)


def load_charter(path: Path | str | None = None) -> Charter:
    return parse_charter(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))
