"""A volunteer's preferences with their defaults, read from the member's JSON column, and the
languages they post in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import time
from typing import Any

from bot.services.timeparse import BadTime, parse_clock
from bot.texts import LOCALES, normalize_locale
from storage.models import Member, Workspace

NETWORKS = ("linkedin", "x")
MAX_WEEKLY_CAP = 7
MAX_ROLE = 100
MAX_ABOUT = 200


@dataclass(frozen=True)
class Preferences:
    weekly_cap: int
    quiet_start: str = "19:00"
    quiet_end: str = "09:00"
    weekends: bool = False
    topics: list[str] = field(default_factory=list)
    less_wanted: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=lambda: list(NETWORKS))
    language: str | None = None
    in_digest: bool = False
    # The languages they post in; empty: the language they read (languages_of).
    languages: list[str] = field(default_factory=list)
    # "My role", over the platform's job title; one sentence about their work.
    role: str = ""
    about: str = ""
    # Drafts by the workspace's AI model, when it has one; their past texts shown to it
    # as examples of their style only if they say so.
    ai_drafts: bool = True
    ai_examples: bool = False
    # A private note once a month and at milestones (bot/impact/): what their shares did.
    impact_notes: bool = True

    @property
    def quiet(self) -> tuple[time, time]:
        try:
            return parse_clock(self.quiet_start), parse_clock(self.quiet_end)
        except BadTime:
            return time(19, 0), time(9, 0)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def preferences(prefs: dict[str, Any], default_cap: int) -> Preferences:
    """Stored prefs over defaults; unknown keys are ignored."""
    known = {k: v for k, v in prefs.items() if k in Preferences.__dataclass_fields__}
    known.setdefault("weekly_cap", default_cap)
    return Preferences(**known)


def wants_topics(prefs: Preferences, topics: list[str]) -> bool:
    """A post with no topic suits everyone; otherwise it needs a wanted, not unwanted, topic."""
    if not topics:
        return True
    wanted = {t.lower() for t in topics}
    if prefs.topics and not wanted & {t.lower() for t in prefs.topics}:
        return False
    return not wanted <= {t.lower() for t in prefs.less_wanted}


def languages_of(prefs: Preferences, platform_locale: str | None,
                 workspace_locale: str) -> list[str]:
    """The languages a volunteer posts in: those they chose, else the one they read (their
    chosen card language, else their platform's, else the workspace's)."""
    chosen = [lang for lang in prefs.languages if lang in LOCALES]
    return chosen or [normalize_locale(prefs.language or platform_locale, workspace_locale)]


def posting_languages(member: Member, workspace: Workspace) -> list[str]:
    return languages_of(preferences(member.prefs, workspace.weekly_cap), member.locale,
                        workspace.locale)
