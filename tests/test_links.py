"""Tracked links: /r/<token> counts a click and redirects to the post's own URL.

/r/<token> buffers its clicks and writes them in batches: the tests read them after
`written_clicks`, which flushes the app's buffer as its background writer would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from bot.clicks import ClickCounter
from bot.web.keys import CLICKS
from bot.web.listeners import make_app
from storage.models import Click, Share
from tests.conftest import ADMIN, enlist
from tests.fakes import share_nudge
from tests.helpers import rows

POST_URL = "https://example.com/news/new-office-in-lyon"
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0 Safari/537.36")


@pytest.fixture
async def client(rt) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(rt))) as test_client:
        yield test_client


async def shared_link(console, jobs, url: str = POST_URL) -> Share:
    """A volunteer receives a post on `url` and shares it: their share, with its token."""
    await enlist(console, "alice")
    await console.say(ADMIN, f"/voix queue {url} --title \"New office in Lyon\"")
    await jobs.tick()
    return await share_nudge(console, "alice")


def counter(client: TestClient) -> ClickCounter:
    return client.server.app[CLICKS]


async def written_clicks(client: TestClient, rt) -> list[Click]:
    await counter(client).flush()
    return await rows(rt, Click)


async def visit(client: TestClient, token: str, user_agent: str = BROWSER):
    return await client.get(f"/r/{token}", headers={"User-Agent": user_agent},
                            allow_redirects=False)


def split_location(location: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


async def test_a_click_redirects_to_the_post_with_utm_tags(console, jobs, rt, client):
    share = await shared_link(console, jobs)

    response = await visit(client, share.link_token)

    assert response.status == 302
    base, query = split_location(response.headers["Location"])
    assert base == POST_URL
    assert query["utm_source"] == [share.network] and share.network == "linkedin"
    assert query["utm_medium"] == ["employee_advocacy"]
    assert query["utm_campaign"] == [f"post-{share.post_id}"]
    [click] = await written_clicks(client, rt)
    assert click.share_id == share.id and click.is_bot is False


async def test_no_ip_address_is_stored(rt):
    async with rt.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("clicks")])
    assert {"share_id", "at", "is_bot"} <= set(columns)
    assert not [name for name in columns
                if any(part in name.lower() for part in ("ip", "addr", "forwarded", "host"))]


@pytest.mark.parametrize("user_agent", [
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "",
])
async def test_link_previews_are_redirected_but_flagged(console, jobs, rt, client, user_agent):
    share = await shared_link(console, jobs)

    response = await visit(client, share.link_token, user_agent)

    assert response.status == 302
    assert split_location(response.headers["Location"])[0] == POST_URL
    [click] = await written_clicks(client, rt)
    assert click.is_bot is True


@pytest.mark.parametrize("token", ["unknownToken", "x" * 40])
async def test_unknown_or_oversized_tokens_are_not_found(console, jobs, rt, client, token):
    await shared_link(console, jobs)

    response = await visit(client, token)

    assert response.status == 404
    assert "Location" not in response.headers
    assert await response.text() == "This link is unknown or has been removed.\n"
    assert await written_clicks(client, rt) == []


async def test_a_dead_link_is_explained_in_the_visitors_language(client):
    response = await client.get("/r/gone", headers={"Accept-Language": "fr-CA,fr;q=0.9,en"})

    assert response.status == 404
    assert await response.text() == "Ce lien est inconnu ou a été supprimé.\n"


async def test_the_redirect_keeps_the_post_query_but_not_foreign_utm_tags(
        console, jobs, client):
    share = await shared_link(console, jobs, "https://example.com/jobs?utm_source=evil&x=1")

    response = await visit(client, share.link_token)

    base, query = split_location(response.headers["Location"])
    assert base == "https://example.com/jobs"
    assert query["x"] == ["1"]
    assert query["utm_source"] == ["linkedin"]


async def until_written(rt, count: int) -> list[Click]:
    """The clicks once `count` are in the database (the deadline only bounds a failure)."""
    async with asyncio.timeout(60):
        while len(clicks := await rows(rt, Click)) < count:
            await asyncio.sleep(0.01)
    return clicks


async def test_a_click_is_written_in_the_background_at_once(console, jobs, rt, client):
    share = await shared_link(console, jobs)

    await visit(client, share.link_token)

    assert len(await until_written(rt, 1)) == 1  # no flush asked for


async def test_clicks_are_written_in_batches_and_a_clean_shutdown_writes_the_rest(
        console, jobs, rt):
    share = await shared_link(console, jobs)
    app = make_app(rt)
    app[CLICKS] = ClickCounter(rt, linger=60, batch=4)  # only a full batch is written early
    async with TestClient(TestServer(app)) as test_client:
        for _ in range(3):
            assert (await visit(test_client, share.link_token)).status == 302
        await asyncio.sleep(0.05)
        assert await rows(rt, Click) == [] and app[CLICKS].pending == 3

        await visit(test_client, share.link_token)
        assert len(await until_written(rt, 4)) == 4

        await visit(test_client, share.link_token)
        assert app[CLICKS].pending == 1  # waiting for its batch...

    assert len(await rows(rt, Click)) == 5  # ...and written when the server stopped


async def test_a_known_link_is_looked_up_once(console, jobs, rt, client):
    share = await shared_link(console, jobs)
    queries: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        queries.append(statement)

    sa.event.listen(rt.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for _ in range(5):
            assert (await visit(client, share.link_token)).status == 302
    finally:
        sa.event.remove(rt.engine.sync_engine, "before_cursor_execute", seen)
    assert len([q for q in queries if "link_token" in q]) == 1
    assert len(await written_clicks(client, rt)) == 5


async def test_a_share_removed_while_its_clicks_wait_loses_only_those(console, jobs, rt,
                                                                      client):
    share = await shared_link(console, jobs)
    await enlist(console, "bob")
    await jobs.tick()
    other = await share_nudge(console, "bob")
    await visit(client, share.link_token)
    await visit(client, other.link_token)
    async with rt.sessions() as session:
        await session.execute(sa.delete(Share).where(Share.id == share.id))
        await session.commit()

    [click] = await written_clicks(client, rt)

    assert click.share_id == other.id
