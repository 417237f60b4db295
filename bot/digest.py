"""The weekly digest of a team: its figures, its card and posting it exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import (
    Actions,
    Block,
    Button,
    Card,
    Fact,
    Figures,
    Footnote,
    Heading,
    LinkPreview,
    Table,
    Text,
)
from bot.ports import SendError
from bot.recognition.digest import digest_blocks
from bot.refs import conversation_from_json, message_to_json
from bot.runtime import Runtime
from bot.services.dates import day_and_month
from bot.services.timeparse import zone
from bot.stats import HISTORY_WEEKS, TeamWeek, in_order, team_week
from bot.texts import number
from bot.voice.teamname import team_display, team_language
from storage.models import DigestRun, Team, Workspace
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)
MAX_POSTS_LISTED = 8
MIN_SHARERS_FOR_MEDIAN = 3  # below this, a median is one person's figure
CHANGE = 0.25  # a week a quarter above or below its average reads as more or less than usual


def first_day(start: datetime, tz_name: str, locale: str) -> str:
    """The day the digest's week began, as the team writes it ("7 December")."""
    return day_and_month(start.astimezone(zone(tz_name)).date(), locale)


def reading(figure: int, usual: float) -> str:
    """"more", "less" or "usual": a week's figure against the weeks before's average. Some
    against none is a change; otherwise a difference of less than one is none."""
    if figure == usual or (figure and abs(figure - usual) < 1) \
            or abs(figure - usual) <= CHANGE * usual:
        return "usual"
    return "more" if figure > usual else "less"


def story(say: Callable[..., str], week: TeamWeek, tz_name: str, locale: str) -> list[Block]:
    """The week against the ones before it (up to four: fewer in a team's first weeks): a
    sentence on its shares, then a table of the weeks, their average last."""
    weeks = len(week.history)
    if not weeks:
        return [Text(say("digest.first_week"))]
    average = [round(sum(getattr(earlier, figure) for earlier in week.history) / weeks, 1)
               for figure in ("shares", "clicks", "sharers")]

    def row(label: str, *figures: float) -> tuple[str, ...]:
        return (label, *(number(figure, locale) for figure in figures))

    rows = [row(first_day(earlier.start, tz_name, locale), earlier.shares, earlier.clicks,
                earlier.sharers) for earlier in week.history]
    rows.append(row(say("digest.this_week"), week.shares, week.clicks, week.sharers))
    rows.append(row(say("digest.average", weeks=weeks, all_weeks=HISTORY_WEEKS), *average))
    columns = ("week_column", "shares_column", "clicks_column", "sharers_column")
    trend = Text(say("digest.trend", reading=reading(week.shares, average[0]),
                     shares=week.shares, usual=average[0], weeks=weeks,
                     all_weeks=HISTORY_WEEKS))
    table = Table(tuple(say(f"digest.{column}") for column in columns), tuple(rows))
    # No share this week or before: "a steady week of none" would say nothing.
    return [trend, table] if week.shares or average[0] else [table]


def digest_card(rt: Runtime, locale: str, team: Team, week: TeamWeek, start: datetime,
                tz_name: str, recognition: tuple[Block, ...] = ()) -> Card:
    def say(key: str, **values: object) -> str:
        return rt.texts.say(locale, key, **values)

    title = say("digest.title", team=team_display(team))
    blocks: list[Block] = [
        Heading(title),
        Footnote(say("digest.period", day=first_day(start, tz_name, locale))),
        Figures((
            Fact(say("digest.shares", count=week.shares), str(week.shares)),
            Fact(say("digest.clicks", count=week.clicks), str(week.clicks)),
            Fact(say("digest.new_volunteers", count=week.new_volunteers),
                 str(week.new_volunteers)),
        )),
    ]
    blocks += story(say, week, tz_name, locale)
    if week.authenticity is not None and week.sharers >= MIN_SHARERS_FOR_MEDIAN:
        blocks.append(Text(say("digest.own_words", ratio=week.authenticity)))
    if "ai" in week.sources:  # where AI drafts are on: how they fare beside the others
        blocks.append(Text(say("common.by_source", sources=in_order(week.sources))))
    if week.posts:
        blocks.append(Text(say("digest.post_list")))
        blocks.extend(LinkPreview(url, titles.get(locale) or next(iter(titles.values())),
                                  say("digest.post_shares", count=shares))
                      for titles, url, shares in week.posts[:MAX_POSTS_LISTED])
    blocks.append(Text(say("digest.thanks", names=week.thanks, shares=week.shares,
                           sharers=week.sharers)))
    if week.proposers:
        blocks.append(Text(say("digest.proposers", names=week.proposers)))
    blocks.extend(recognition)  # badges chosen to be shown, team challenges
    blocks.append(Actions((Button(say("digest.join"), "help.join", style="primary"),)))
    blocks.append(Footnote(say("digest.footer")))
    return Card(summary=title, blocks=tuple(blocks))


async def post_digest(rt: Runtime, session: AsyncSession, team: Team, start: datetime,
                      end: datetime, trigger: str) -> str:
    """Claim the (team, period) run, then post it. Returns posted, empty, failed or done-before.

    The run row is committed before posting: a crash after that never posts twice (a
    digest may then be missing, never doubled). A run that failed to send is retried.
    """
    workspace = await session.get(Workspace, team.workspace_id)
    target = conversation_from_json(team.channel)
    if workspace is None or target is None:
        return "failed"
    claimed = await session.execute(
        insert_ignore(session, DigestRun).values(
            team_id=team.id, period_start=start, period_end=end, trigger=trigger,
            status="posting", message_ref={}, created_at=rt.clock.now())
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        # A run that failed to post (platform down) may be taken again; any other may not.
        retried = await session.execute(update(DigestRun).where(
            DigestRun.team_id == team.id, DigestRun.period_start == start,
            DigestRun.status == "failed").values(status="posting"))
        if not retried.rowcount:  # type: ignore[attr-defined]
            await session.commit()
            return "done-before"
    await session.commit()
    run_id = await session.scalar(select(DigestRun.id).where(
        DigestRun.team_id == team.id, DigestRun.period_start == start))
    tz_name = team.timezone or workspace.timezone
    week = await team_week(session, workspace.id, team.id, start, end, tz_name)
    status, ref = "empty", {}
    if not week.empty or trigger == "manual":
        locale = await team_language(session, team, workspace)
        shown = await digest_blocks(rt.texts, session, locale, team, workspace, start, end)
        card = digest_card(rt, locale, team, week, start, tz_name, tuple(shown))
        try:
            sent = await rt.messenger(workspace.platform).send(target, card, key=f"digest-{run_id}")
            status, ref = "posted", message_to_json(sent)
        except (SendError, LookupError) as error:
            log.warning("digest %s for team %s not posted: %s", run_id, team.id, error)
            status = "failed"
    await session.execute(update(DigestRun).where(DigestRun.id == run_id)
                          .values(status=status, message_ref=ref))
    await session.commit()
    return status
