"""What a volunteer sees of their recognition (`me`, App Home) and what a team sees of
challenges and badges in its digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.cards import Block, Footnote, Point, Text
from bot.recognition.badges import Recognition
from bot.recognition.challenges import Progress
from bot.services.dates import day_and_month
from storage.models import Challenge

Say = Callable[..., str]


def badge_names(say: Say, badges: list[str]) -> list[str]:
    return [say("recognition.badge", name=name) for name in badges]


def last_day(challenge: Challenge, tz: ZoneInfo, locale: str) -> str:
    """The challenge's last day as people write it: it ends as that day closes."""
    last = challenge.ends_at - timedelta(microseconds=1)
    return day_and_month(last.astimezone(tz).date(), locale)


def challenge_points(say: Say, locale: str, tz: ZoneInfo,
                     progresses: list[Progress]) -> list[Block]:
    """Each running challenge: its team total, per team, and thanks to those who chose it."""
    blocks: list[Block] = []
    for found in progresses:
        challenge = found.challenge
        blocks.append(Point(challenge.title, say(
            "recognition.challenge_progress", total=found.total, goal=challenge.goal,
            until=last_day(challenge, tz, locale), teams=found.teams)))
        if found.thanks:
            blocks.append(Footnote(say("recognition.challenge_thanks", names=found.thanks)))
    return blocks


def recognition_blocks(say: Say, locale: str, tz: ZoneInfo, mine: Recognition,
                       progresses: list[Progress]) -> list[Block]:
    """Badges and streak (theirs only), then the team challenges running."""
    blocks: list[Block] = []
    if mine.earned:
        blocks.append(Text(say("recognition.badges", names=badge_names(say, list(mine.earned)))))
    if mine.streak:
        blocks.append(Text(say("recognition.streak", months=mine.streak)))
    if progresses:
        blocks.append(Text(say("recognition.challenges_title")))
        blocks.extend(challenge_points(say, locale, tz, progresses))
    return blocks
