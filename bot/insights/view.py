"""The "what works" card of `/voix stats`: per topic and kind, sorted by share rate."""

from __future__ import annotations

from bot.cards import Block, Card, Footnote, Heading, Table, Text
from bot.context import Context
from bot.insights.works import Works
from bot.texts import number, percent


def _sorted(found: list[Works]) -> list[Works]:
    """Best share rate first; what reached nobody yet last."""
    return sorted(found, key=lambda w: (w.share_rate is None, -(w.share_rate or 0), w.name))


def _row(ctx: Context, name: str, works: Works) -> tuple[str, ...]:
    none = ctx.say("insights.no_figure")

    def pct(value: float | None) -> str:
        return none if value is None else percent(value, ctx.locale)

    per_share = works.clicks_per_share
    return (name, pct(works.share_rate),
            none if per_share is None else number(round(per_share, 1), ctx.locale),
            pct(works.edit_ratio))


def _table(ctx: Context, first: str, rows: list[tuple[str, Works]]) -> Table:
    columns = (ctx.say(f"insights.column_{first}"), *(ctx.say(f"insights.column_{name}") for name
               in ("share_rate", "clicks_per_share", "edit_ratio")))
    return Table(columns, tuple(_row(ctx, name, works) for name, works in rows))


def works_card(ctx: Context, topics: list[Works], kinds: list[Works]) -> Card:
    title = ctx.say("insights.works_title")
    if not any(w.delivered for w in kinds):
        return Card(summary=title, blocks=(Heading(title), Text(ctx.say("insights.works_empty"))))
    by_topic: tuple[Block, ...] = (
        _table(ctx, "topic", [(w.name, w) for w in _sorted(topics)]),) if topics \
        else (Text(ctx.say("insights.no_topics")),)
    return Card(summary=title, blocks=(
        Heading(title),
        Text(ctx.say("insights.by_topic")), *by_topic,
        Text(ctx.say("insights.by_kind")),
        _table(ctx, "kind", [(ctx.say("admin.kind_name", code=w.name), w)
                             for w in _sorted(kinds)]),
        Footnote(ctx.say("insights.reading_aid"))))
