"""The private impact cards: a month against the one before, a milestone reached."""

from __future__ import annotations

from collections.abc import Callable

from babel.dates import format_date

from bot.cards import Block, Card, Footnote, Heading, Table, Text
from bot.impact.figures import Month
from bot.texts import Texts, number, percent

Say = Callable[..., str]


def month_name(month: Month, locale: str) -> str:
    """"November", « novembre »: the month standing alone, as its language writes it."""
    return format_date(month.first, "LLLL", locale=locale)


def months_table(say: Say, locale: str, months: tuple[Month, Month],
                 columns: tuple[str, str]) -> Table:
    """Shares, clicks and own words of a month beside the month before: their own only."""
    def ratio(month: Month) -> str:
        return "–" if month.own_words is None else percent(month.own_words, locale)

    return Table(("", *columns), (
        (say("impact.shares"), *(number(month.shares, locale) for month in months)),
        (say("impact.clicks"), *(number(month.clicks, locale) for month in months)),
        (say("impact.own_words"), *(ratio(month) for month in months)),
    ))


def monthly_card(texts: Texts, locale: str, month: Month, before: Month) -> Card:
    """Last month's note: what they shared, the clicks, their own words, beside the month
    before (never beside colleagues)."""
    def say(key: str, **values: object) -> str:
        return texts.say(locale, key, **values)

    name = month_name(month, locale)
    title = say("impact.monthly_title", month=name)
    # As column titles the months take a capital, even in French.
    columns = (name[:1].upper() + name[1:], month_name(before, locale).capitalize())
    blocks: list[Block] = [
        Heading(title), Text(say("impact.monthly_intro", month=name)),
        months_table(say, locale, (month, before), columns),
        Text(say("impact.monthly_thanks", shares=month.shares, before=before.shares)),
        Footnote(say("impact.footer")),
    ]
    return Card(summary=title, blocks=tuple(blocks))


def milestone_card(texts: Texts, locale: str, names: list[str]) -> Card:
    """One or more milestones reached since the last note (the newest is the heading)."""
    def say(key: str, **values: object) -> str:
        return texts.say(locale, key, **values)

    title = say("impact.milestone_title", name=names[-1])
    blocks: list[Block] = [Heading(title)]
    blocks.extend(Text(say("impact.milestone", name=name)) for name in names)
    blocks.append(Footnote(say("impact.footer")))
    return Card(summary=title, blocks=tuple(blocks))
