"""What a team is called in a sentence ("Data", not "team-data") and which language it reads."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.preferences import languages_of, preferences
from bot.texts import LOCALES
from storage.models import Member, Team, Workspace

_SEPARATORS = re.compile(r"[-_.\s]+")
# Words that say "team" and nothing about which one, dropped at either end of a channel name.
_TEAM_WORDS = {"team", "teams", "equipe", "équipe", "equipes", "équipes", "eq", "squad",
               "squads", "dept", "dpt"}
# Channel names are lower-case on Slack: these are written as people write them.
_ACRONYMS = {"rh", "hr", "it", "si", "dsi", "drh", "daf", "ux", "ui", "qa", "bi", "ml", "ai",
             "ia", "seo", "crm", "erp", "cse", "hq", "b2b", "b2c", "api", "saas", "emea", "apac",
             "r&d", "rd", "pr", "uk", "usa"}


def clean_channel_name(name: str) -> str:
    """'team-data' -> 'Data', '#equipe-produit' -> 'Produit', 'data-platform' -> 'Data platform',
    'equipe-rh' -> 'RH'. A word written with capitals ('DevOps') keeps them."""
    words = [word for word in _SEPARATORS.split(name.strip().lstrip("#")) if word]
    while len(words) > 1 and words[0].lower() in _TEAM_WORDS:
        words.pop(0)
    while len(words) > 1 and words[-1].lower() in _TEAM_WORDS:
        words.pop()
    shown = [word.upper() if word.lower() in _ACRONYMS else word for word in words]
    if shown and shown[0].islower():
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


def team_display(team: Team) -> str:
    """The name an admin gave the team, else its channel's name cleaned."""
    return team.display_name or clean_channel_name(team.name)


async def team_language(session: AsyncSession, team: Team, workspace: Workspace) -> str:
    """The team's chosen language, else the one most of its volunteers post in (a bilingual
    person counts for both), else the workspace's."""
    if team.locale in LOCALES:
        return team.locale
    counts: Counter[str] = Counter()
    for locale, prefs in (await session.execute(
        select(Member.locale, Member.prefs).where(
            Member.team_id == team.id, Member.status == "active"))).all():
        chosen = preferences(prefs or {}, workspace.weekly_cap)
        counts.update(languages_of(chosen, locale, workspace.locale))
    if not counts:
        return workspace.locale
    best = max(counts.values())
    # A tie goes to the workspace's language, then to the first of ours.
    tied = [lang for lang in (workspace.locale, *LOCALES) if counts[lang] == best]
    return tied[0]

