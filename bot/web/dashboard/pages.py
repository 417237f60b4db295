"""The dashboard's pages: overview, posts and one post, volunteers and one volunteer, what
works, settings; each table sortable and downloadable as CSV (tables.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.cards import Card, Facts, Footnote, Form
from bot.context import Context
from bot.events import MessageRef
from bot.handlers.admin_settings import settings_card
from bot.insights.works import Works, by_kind, by_topic
from bot.ports import Upload
from bot.stats import funnels
from bot.texts import normalize_locale
from bot.voice.teamname import team_display
from bot.web.dashboard import figures
from bot.web.dashboard.access import HEADERS, ROOT, Viewer, viewing
from bot.web.dashboard.chart import CSP as CHART_CSP
from bot.web.dashboard.chart import weekly
from bot.web.dashboard.keys import PAGES
from bot.web.dashboard.render import Words, respond
from bot.web.dashboard.tables import Column, Table, arrange, as_csv
from bot.web.keys import RUNTIME
from storage.members import teams_by_name
from storage.models import Team

Page = Callable[[web.Request, Viewer, Words], Awaitable[web.StreamResponse]]


def page(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """`handler` for a signed-in admin only; anyone else reads how to sign in (401)."""
    async def serve(request: web.Request) -> web.StreamResponse:
        rt = request.app[RUNTIME]
        async with viewing(rt, request) as viewer:
            if viewer is None:
                return message(request, "no_session", 401)
            words = Words(rt, viewer.locale, viewer.workspace.timezone)
            return await handler(request, viewer, words)
    return serve


def message(request: web.Request, key: str, status: int, locale: str | None = None,
            viewer: Viewer | None = None, **values: int) -> web.Response:
    """A page with one sentence: a refusal, a page not found, signed out."""
    rt = request.app[RUNTIME]
    if locale is None:
        locale = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    words = Words(rt, normalize_locale(locale, rt.settings.default_locale),
                  rt.settings.default_timezone)
    titles = {"link_invalid": "refused_title", "link_expired": "refused_title",
              "link_used": "refused_title", "signed_out": "signed_out_title",
              "no_session": "session_title", "bad_form": "session_title"}
    return respond(request.app[PAGES], "message.html", words, status, viewer=viewer,
                   heading=words(titles.get(key, "not_found_title")),
                   text=words(key, **values), path=request.path_qs)


def not_found(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    return message(request, "not_found", 404, words.locale, viewer)


def _headings(words: Words, table: Table) -> dict[str, str]:
    return {column.key: words(f"col_{column.key}") for column in table.columns}


def show(request: web.Request, viewer: Viewer, words: Words, template: str,
         tables: Sequence[Table], **values: Any) -> web.Response:
    """The page, or the table the query names as CSV (`?t=<name>&format=csv`)."""
    if request.query.get("format") == "csv":
        for table in tables:
            if table.name == request.query.get("t"):
                return web.Response(body=as_csv(table, _headings(words, table)), headers={
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": f'attachment; filename="porte-voix-{table.name}.csv"',
                    **HEADERS})
        return not_found(request, viewer, words)
    return respond(request.app[PAGES], template, words, viewer=viewer, path=request.path,
                   query=request.query, tables={table.name: table for table in tables},
                   headings={table.name: _headings(words, table) for table in tables},
                   **values)


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


@page
async def overview(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    found = await figures.overview(viewer.session, viewer.workspace.id,
                                   request.app[RUNTIME].clock.now(), viewer.workspace.timezone)
    weeks = arrange("weeks", (Column("week", words.date), Column("shares", words.num, True),
                              Column("clicks", words.num, True)),
                    [{"week": w.start, "shares": w.shares, "clicks": w.clicks}
                     for w in found.weeks], request.query, "week", False)
    funnel = found.funnel
    steps = [("delivered", funnel.delivered), ("opened", funnel.opened),
             ("shared", funnel.shared), ("clicks", funnel.clicks)]
    # Each step as a share of the one before, but clicks: a share draws many.
    return show(request, viewer, words, "overview.html", [weeks], figures=found, steps=[
        (name, count, figures.rate(count, steps[i - 1][1]) if 0 < i < 3 else None)
        for i, (name, count) in enumerate(steps)],
        per_share=round(funnel.clicks / funnel.shared, 1) if funnel.shared else None)


@page
async def chart(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    weeks = (await figures.weeks(viewer.session, viewer.workspace.id,
                                 request.app[RUNTIME].clock.now(), viewer.workspace.timezone)
             ).weeks
    svg = weekly([words.short_date(w.start) for w in weeks], [w.shares for w in weeks],
                 [w.clicks for w in weeks], (words("shares"), words("clicks")), words.locale,
                 request.query.get("size", "wide"))
    return web.Response(body=svg, content_type="image/svg+xml",
                        headers={**HEADERS, "Content-Security-Policy": CHART_CSP})


def _posts_columns(words: Words) -> tuple[Column, ...]:
    return (Column("title", link="href"), Column("kind", words.kind),
            Column("status", words.status), Column("published", words.date),
            Column("delivered", words.num, True), Column("opened", words.num, True),
            Column("shared", words.num, True), Column("share_rate", words.pct, True),
            Column("clicks", words.num, True))


@page
async def posts(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    rows = await figures.posts(viewer.session, viewer.workspace.id)
    for row in rows:
        row["href"] = f"{ROOT}posts/{row['id']}"
    table = arrange("posts", _posts_columns(words), rows, request.query, "published")
    return show(request, viewer, words, "posts.html", [table])


def _funnel_columns(words: Words, name: str) -> tuple[Column, ...]:
    numbers = (("delivered", words.num), ("opened", words.num), ("shared", words.num),
               ("share_rate", words.pct), ("clicks", words.num))
    return (Column(name), *(Column(key, shown, True) for key, shown in numbers))


@page
async def post(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    post_id = _int(request.match_info["post_id"])
    found = await figures.post_of(viewer.session, viewer.workspace.id, post_id) \
        if post_id is not None else None
    if found is None:
        return not_found(request, viewer, words)
    teams = await figures.by_team(viewer.session, viewer.workspace.id, found.id)
    for row in teams:
        row["team"] = row.pop("name") or words("no_team")
    networks = await figures.by_network(viewer.session, found.id)
    for row in networks:
        row["network"] = words.network(row.pop("name"))
    texts = await figures.texts(viewer.session, found.id)
    for row in texts:
        row["volunteer"] = row["name"] or words("former_volunteer")
        row["href"] = f"{ROOT}volunteers/{row['member_id']}" if row["member_id"] else ""
    counted = (await funnels(viewer.session, [found.id]))[found.id]

    def erased(text: str) -> str:
        return text or words("text_erased")

    return show(request, viewer, words, "post.html", [
        arrange("teams", _funnel_columns(words, "team"), teams, request.query, "delivered"),
        arrange("networks", (Column("network"), Column("shared", words.num, True),
                             Column("clicks", words.num, True)),
                networks, request.query, "shared"),
        arrange("texts", (Column("volunteer", link="href"), Column("network", words.network),
                          Column("at", words.date), Column("suggested", erased),
                          Column("final", erased),
                          Column("edit_ratio", words.pct, True),
                          Column("clicks", words.num, True)),
                texts, request.query, "at", False),
    ], post=found, funnel=counted)


@page
async def volunteers(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    rows = await figures.volunteers(viewer.session, viewer.workspace.id)
    for row in rows:
        row["href"] = f"{ROOT}volunteers/{row['id']}"
    table = arrange("volunteers", (
        Column("name", link="href"), Column("team"),
        Column("status", lambda code: words("member_status", status=code)),
        Column("since", words.date), Column("delivered", words.num, True),
        Column("shares", words.num, True), Column("share_rate", words.pct, True),
        Column("clicks", words.num, True), Column("edit_ratio", words.pct, True),
        Column("last_share", words.date, True)), rows, request.query, "shares")
    return show(request, viewer, words, "volunteers.html", [table])


@page
async def volunteer(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    member_id = _int(request.match_info["member_id"])
    person = await figures.volunteer_of(viewer.session, viewer.workspace.id, member_id) \
        if member_id is not None else None
    if person is None:
        return not_found(request, viewer, words)
    rows = await figures.shares_of(viewer.session, person.id)
    for row in rows:
        row["href"] = f"{ROOT}posts/{row['post_id']}"
    table = arrange("shares", (
        Column("title", link="href"), Column("network", words.network), Column("at", words.date),
        Column("final"), Column("edit_ratio", words.pct, True),
        Column("clicks", words.num, True)), rows, request.query, "at")
    team = await viewer.session.get(Team, person.team_id) if person.team_id else None
    return show(request, viewer, words, "volunteer.html", [table], person=person,
                team=team_display(team) if team else "")


def _works_table(words: Words, name: str, key: str, found: list[Works],
                 query: Any, show_name: Callable[[str], str]) -> Table:
    rows = [{key: show_name(w.name), "posts": w.posts, "delivered": w.delivered,
             "shares": w.shares, "share_rate": w.share_rate, "clicks": w.clicks,
             "clicks_per_share": w.clicks_per_share, "edit_ratio": w.edit_ratio}
            for w in found]
    return arrange(name, (
        Column(key), Column("posts", words.num, True), Column("delivered", words.num, True),
        Column("shares", words.num, True), Column("share_rate", words.pct, True),
        Column("clicks", words.num, True),
        Column("clicks_per_share", lambda v: words.num(None if v is None else round(v, 1)),
               True),
        Column("edit_ratio", words.pct, True)), rows, query, "share_rate")


@page
async def works(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    topics = await by_topic(viewer.session, viewer.workspace.id)
    kinds = await by_kind(viewer.session, viewer.workspace.id)
    return show(request, viewer, words, "works.html", [
        _works_table(words, "topics", "topic", topics, request.query,
                     lambda name: name if name not in ("", "None") else words("no_topic")),
        _works_table(words, "kinds", "kind", kinds, request.query, words.kind)])


class Unanswered:
    """A page is no conversation: the cards a page borrows never answer anyone."""

    async def reply(self, message: Card | str) -> MessageRef | None:
        raise RuntimeError("a dashboard page cannot reply")

    async def update(self, ref: MessageRef, card: Card) -> None:
        raise RuntimeError("a dashboard page cannot update a message")

    async def open_form(self, form: Form) -> None:
        raise RuntimeError("a dashboard page cannot open a form")

    async def refuse(self, form: Form) -> bool:
        return False

    async def upload(self, files: list[Upload], comment: str) -> bool:
        return False


@dataclass
class PageContext(Context):
    """The context of a handler's card built for a page, in the page's language."""

    chosen: str = "en"

    @property
    def locale(self) -> str:
        return self.chosen


@page
async def settings(request: web.Request, viewer: Viewer, words: Words) -> web.Response:
    ctx = PageContext(request.app[RUNTIME], viewer.session, viewer.workspace, viewer.member,
                      Unanswered(), chosen=words.locale)
    card = await settings_card(ctx)  # the same facts as /voix settings
    facts = next(block for block in card.blocks if isinstance(block, Facts))
    how = next(block.text for block in card.blocks if isinstance(block, Footnote))
    shown = arrange("settings", (Column("setting"), Column("value")),
                    [{"setting": f.label, "value": f.value} for f in facts.facts],
                    request.query, "", False)
    teams = await teams_by_name(viewer.session, viewer.workspace.id)
    rows = [{"team": team_display(team), "channel": "#" + team.name.lstrip("#"),
             "reviews": words("yes") if team.reviews else words("no")}
            for team in teams.values()]
    return show(request, viewer, words, "settings.html", [
        Table("settings", shown.columns, shown.rows, "", False),
        arrange("channels", (Column("channel"), Column("team"), Column("reviews")), rows,
                request.query, "channel", False)], how=how)
