"""The admins' dashboard over HTTP: the one-time sign-in link from `/voix dashboard`, the
session cookie and its refusals, CSRF on every POST, the figures against the database, CSV
exports (and their formula guard), sorting, French, and what erasure leaves of a person."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from http.cookies import SimpleCookie

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.cards import Card
from bot.clicks import follow
from bot.stats import funnels
from bot.web.dashboard.access import COOKIE, LINK_MINUTES, SESSION_HOURS
from bot.web.listeners import make_app
from storage.models import AuditLog, Post, Share
from tests.conftest import ADMIN, enlist
from tests.fakes import share_nudge
from tests.helpers import assert_reads, count, member, one, queue, rows, titled

SECRET = "d" * 40
HOST = "https://pv.example"


@pytest.fixture
async def client(rt) -> AsyncIterator[TestClient]:
    rt.settings = rt.settings.model_copy(update={"link_secret": SecretStr(SECRET)})
    async with TestClient(TestServer(make_app(rt))) as test_client:
        yield test_client


async def link(console, who: str = ADMIN, command: str = "/voix dashboard") -> str:
    """The sign-in link of the card `/voix dashboard` answers, as a path on the test server."""
    await console.say(who, command)
    card = console.last(who)
    assert isinstance(card, Card), card
    [button] = card.buttons()
    assert button.url and button.url.startswith(f"{HOST}/dashboard/login/")
    return button.url.removeprefix(HOST)


async def signed_in(client: TestClient, console, who: str = ADMIN) -> None:
    response = await client.get(await link(console, who), allow_redirects=False)
    assert response.status == 303, await response.text()
    keep(client, response.cookies[COOKIE].value)


def keep(client: TestClient, value: str) -> None:
    """The session cookie in the client's jar: it is Secure (the public URL is https), which
    a jar would send only over https, and the test server speaks http."""
    client.session.cookie_jar.update_cookies({COOKIE: value})


async def text_of(response) -> str:
    return unescape(await response.text())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def table_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def campaign(console, jobs, rt) -> Share:
    """Alice (team lyon) shares the post with her own words; Bob skips it; two clicks on
    Alice's link, one of them a link-preview bot's."""
    await enlist(console, "alice", team="lyon")
    await enlist(console, "bob", team="paris")
    await queue(console, titled(options="--topics offices --kind news"))
    await jobs.tick()
    share = await share_nudge(console, "alice", " My own words about Lyon.")
    await console.click("bob", "Skip")
    assert await follow(rt, share.link_token, "Mozilla/5.0")
    assert await follow(rt, share.link_token, "LinkedInBot/1.0")
    return share


async def test_the_link_signs_in_once_and_leaves_the_address_bar(console, rt, client):
    path = await link(console)
    response = await client.get(path, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/dashboard/"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = SimpleCookie(response.headers["Set-Cookie"])[COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/dashboard/"
    assert int(cookie["max-age"]) == SESSION_HOURS * 3600
    keep(client, cookie.value)

    page = await client.get("/dashboard/")
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert rt.texts.say("en", "dashboard.nav_overview") in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html

    again = await client.get(path, allow_redirects=False)
    assert again.status == 410
    assert rt.texts.say("en", "dashboard.link_used") in await text_of(again)
    assert [entry.action for entry in await rows(rt, AuditLog)] == [
        "dashboard", "dashboard.signin"]


async def test_an_expired_link_is_refused_in_the_admins_language(console, rt, client, clock):
    await console.say(ADMIN, "/voix admins add dora")
    await enlist(console, "dora", locale="fr")
    path = await link(console, "dora", "/voix tableau")
    clock.advance(timedelta(minutes=LINK_MINUTES))
    expired = await client.get(path, allow_redirects=False)
    assert expired.status == 410 and expired.headers["Content-Language"] == "fr"
    html = await text_of(expired)
    assert rt.texts.say("fr", "dashboard.link_expired", minutes=LINK_MINUTES) in html
    assert '<html lang="fr">' in html


@pytest.mark.parametrize("change", ["signature", "payload", "export_link"])
async def test_an_altered_link_is_refused(console, rt, client, change):
    path = await link(console)
    token = path.rsplit("/", 1)[1]
    if change == "signature":
        token = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    elif change == "payload":
        token = "x" + token[1:]
    else:  # a genuine link to a member's export is no sign-in link
        await console.say(ADMIN, "my data")
        export = [b.url for b in console.last(ADMIN).buttons()][0]
        token = export.rsplit("/", 1)[1]
    response = await client.get(f"/dashboard/login/{token}", allow_redirects=False)
    assert response.status == 404
    assert rt.texts.say("en", "dashboard.link_invalid") in await text_of(response)
    assert COOKIE not in response.cookies


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(st.characters(categories=("L", "N"), include_characters="-_~=+"),
                     min_size=1, max_size=600),
       query=st.dictionaries(st.sampled_from(["t", "sort", "dir", "format"]),
                             st.text(max_size=30), max_size=4))
async def test_any_token_or_query_gets_a_page_never_a_500(console, rt, client, token, query):
    response = await client.get("/dashboard/login/x", params={"q": token})
    assert response.status == 404
    response = await client.get(f"/dashboard/login/{token}", allow_redirects=False)
    assert response.status in (404, 410), response.status
    for path in ("/dashboard/posts", "/dashboard/volunteers/1", "/dashboard/"):
        assert (await client.get(path, params=query)).status == 401


async def test_without_a_session_nothing_is_shown(console, rt, client):
    await campaign_posts(console)
    for path in ("/dashboard/", "/dashboard/posts", "/dashboard/posts/1",
                 "/dashboard/chart.svg", "/dashboard/posts?format=csv&t=posts"):
        response = await client.get(path)
        assert response.status == 401
        assert rt.texts.say("en", "dashboard.no_session") in await text_of(response)
        assert "New office" not in await text_of(response)
    keep(client, "forged.value")
    assert (await client.get("/dashboard/")).status == 401


async def campaign_posts(console) -> None:
    await queue(console, titled())


async def test_the_cookie_is_secure_only_behind_https(console, rt, client):
    rt.settings = rt.settings.model_copy(update={"public_url": "http://localhost:8080"})
    await console.say(ADMIN, "/voix dashboard")
    plain = console.last(ADMIN).buttons()[0].url.removeprefix("http://localhost:8080")
    response = await client.get(plain, allow_redirects=False)
    assert not SimpleCookie(response.headers["Set-Cookie"])[COOKIE]["secure"]
    await console.say(ADMIN, "/voix dashboard")
    proxied = console.last(ADMIN).buttons()[0].url.removeprefix("http://localhost:8080")
    response = await client.get(proxied, allow_redirects=False,
                                headers={"X-Forwarded-Proto": "https"})
    assert SimpleCookie(response.headers["Set-Cookie"])[COOKIE]["secure"]


async def test_a_session_ends_when_its_admin_is_no_longer_one(console, rt, client):
    await console.say(ADMIN, "/voix admins add dora")
    await enlist(console, "dora")
    await signed_in(client, console, "dora")
    assert (await client.get("/dashboard/posts")).status == 200
    await console.say(ADMIN, "/voix admins remove dora")
    refused = await client.get("/dashboard/posts")
    assert refused.status == 401
    assert (await member(rt, "dora")).is_admin is False


async def test_a_stopped_admin_has_no_dashboard(console, rt, client):
    await console.say(ADMIN, "/voix admins add dora")
    await enlist(console, "dora")
    path = await link(console, "dora")
    await console.say("dora", "stop")
    assert (await client.get(path, allow_redirects=False)).status == 404


async def test_a_volunteer_gets_no_link(console, rt, client):
    await enlist(console, "alice")
    await console.say("alice", "/voix dashboard")
    last = console.last("alice")
    assert not (isinstance(last, Card) and any(b.url for b in last.buttons()))
    assert await count(rt, AuditLog, AuditLog.action.like("dashboard%")) == 0


async def test_without_a_secret_the_admin_is_told_politely(console, rt):
    await console.say(ADMIN, "/voix dashboard")
    assert_reads(console, rt, ADMIN, "dashboard.no_secret")


async def test_posts_need_the_csrf_token_and_sign_out_ends_the_session(console, rt, client):
    await signed_in(client, console)
    html = await text_of(await client.get("/dashboard/"))
    token = csrf_of(html)
    stolen = client.session.cookie_jar.filter_cookies(client.make_url("/dashboard/"))[COOKIE]

    refused = await client.post("/dashboard/signout", data={"csrf": "guess"})
    assert refused.status == 403
    assert (await client.get("/dashboard/")).status == 200
    assert (await client.post("/dashboard/language", data={"lang": "fr"})).status == 403

    out = await client.post("/dashboard/signout", data={"csrf": token})
    assert out.status == 200
    assert rt.texts.say("en", "dashboard.signed_out") in await text_of(out)
    assert (await client.get("/dashboard/")).status == 401
    keep(client, stolen.value)  # a copy kept
    assert (await client.get("/dashboard/")).status == 401


async def test_the_language_switch_keeps_the_page_and_the_session(console, rt, client):
    await signed_in(client, console)
    html = await text_of(await client.get("/dashboard/posts"))
    switched = await client.post("/dashboard/language", allow_redirects=False, data={
        "csrf": csrf_of(html), "lang": "fr", "next": "/dashboard/posts"})
    assert switched.status == 303 and switched.headers["Location"] == "/dashboard/posts"
    keep(client, switched.cookies[COOKIE].value)
    page = await client.get("/dashboard/posts")
    assert page.headers["Content-Language"] == "fr"
    french = await page.text()
    assert rt.texts.say("fr", "dashboard.posts_means") in french
    assert "Télécharger en CSV" in french
    away = await client.post("/dashboard/language", allow_redirects=False, data={
        "csrf": csrf_of(french), "lang": "en", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/dashboard/"


async def test_the_overview_counts_what_the_database_holds(console, jobs, rt, client):
    await campaign(console, jobs, rt)
    await signed_in(client, console)
    html = await text_of(await client.get("/dashboard/"))
    assert re.search(r'id="active">2<', html)
    assert re.search(r'id="participation">50%<', html)
    assert re.search(r'id="shares">1<', html) and re.search(r'id="clicks">1<', html)
    steps = dict(re.findall(r'id="funnel-(\w+)"><span class="step">[^<]+</span> '
                            r'<strong>(\d+)</strong>', html))
    assert steps == {"delivered": "2", "opened": "2", "shared": "1", "clicks": "1"}
    assert rt.texts.say("en", "dashboard.funnel_means") in html

    weeks = await client.get("/dashboard/?t=weeks&format=csv")
    lines = table_of(await weeks.read())
    assert lines[0] == ["Week of", "Shares", "Clicks"] and len(lines) == 13
    assert lines[-1][1:] == ["1", "1"]


async def test_no_page_loads_anything_from_elsewhere(console, jobs, rt, client):
    share = await campaign(console, jobs, rt)
    await signed_in(client, console)
    alice = await member(rt, "alice")
    for path in ("/dashboard/", "/dashboard/posts", f"/dashboard/posts/{share.post_id}",
                 "/dashboard/volunteers", f"/dashboard/volunteers/{alice.id}",
                 "/dashboard/works", "/dashboard/settings"):
        response = await client.get(path)
        assert response.status == 200, path
        html = await response.text()
        assert "<script" not in html
        assert not re.search(r'(src|href|action)="(https?:)?//', html.replace(
            f'href="{(await one(rt, Post)).url}"', "")), path
        linked = re.findall(r'<link rel="\w+" href="([^"]+)"', html)
        assert linked == ["/dashboard/static/icon.svg", "/dashboard/static/dashboard.css"]
    svg = await client.get("/dashboard/chart.svg")
    assert svg.content_type == "image/svg+xml"
    body = (await svg.read()).decode()
    assert "<svg" in body and not re.search(r'(src|href)="(https?:)?//', body)
    assert (await client.get("/dashboard/static/dashboard.css")).status == 200


async def test_the_posts_table_and_its_csv_match_the_funnels(console, jobs, rt, client):
    share = await campaign(console, jobs, rt)
    await queue(console, 'https://example.com/jobs --title "=HYPERLINK(\\"x\\") job" '
                         '--lang en --kind job')
    await signed_in(client, console)
    response = await client.get("/dashboard/posts?t=posts&sort=title&dir=asc&format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="porte-voix-posts.csv"'
    lines = table_of(await response.read())
    assert lines[0] == ["Title", "Kind", "Status", "Published", "Delivered", "Opened",
                        "Shared", "Share rate", "Clicks"]
    posts = await rows(rt, Post)
    async with rt.sessions() as session:
        counted = await funnels(session, [post.id for post in posts])
    lyon = counted[share.post_id]
    by_title = {line[0]: line for line in lines[1:]}
    assert by_title["New office in Lyon"][4:] == [
        str(lyon.delivered), str(lyon.interacted), str(lyon.shared), "0.5", str(lyon.clicks)]
    assert "'=HYPERLINK(\"x\") job" in by_title  # a formula no spreadsheet runs
    assert [line[0] for line in lines[1:]] == sorted(by_title, key=str.casefold)

    html = await (await client.get("/dashboard/posts?t=posts&sort=clicks&dir=desc")).text()
    assert 'aria-sort="descending"' in html
    assert html.index("New office in Lyon") < html.index("HYPERLINK")
    assert "=HYPERLINK(&#34;x&#34;) job" in html  # escaped, never raw HTML


async def test_a_post_page_shows_its_funnel_by_team_and_network_and_the_texts(
        console, jobs, rt, client):
    share = await campaign(console, jobs, rt)
    await signed_in(client, console)
    page = await client.get(f"/dashboard/posts/{share.post_id}")
    html = await text_of(page)
    assert share.final_text in html and share.suggested_text in html
    assert "Alice" in html
    teams = table_of(await (await client.get(
        f"/dashboard/posts/{share.post_id}?t=teams&format=csv")).read())
    assert sorted(teams[1:]) == [["Lyon", "1", "1", "1", "1", "1"],
                                 ["Paris", "1", "1", "0", "0", "0"]]
    networks = table_of(await (await client.get(
        f"/dashboard/posts/{share.post_id}?t=networks&format=csv")).read())
    assert networks[1:] == [["LinkedIn" if share.network == "linkedin" else "X", "1", "1"]]
    texts = table_of(await (await client.get(
        f"/dashboard/posts/{share.post_id}?t=texts&format=csv")).read())
    assert texts[1][0] == "Alice" and texts[1][4] == share.final_text
    assert float(texts[1][5]) == pytest.approx(share.edit_ratio, abs=1e-4)
    for missing in ("999999", "abc", "-1", "1" * 30):
        assert (await client.get(f"/dashboard/posts/{missing}")).status == 404
    assert (await client.get(f"/dashboard/posts/{share.post_id}?t=none&format=csv")
            ).status == 404


async def test_forget_me_leaves_no_name_no_text_and_no_page(console, jobs, rt, client):
    share = await campaign(console, jobs, rt)
    alice = await member(rt, "alice")
    await signed_in(client, console)
    assert (await client.get(f"/dashboard/volunteers/{alice.id}")).status == 200
    await console.say("alice", "forget me")
    await console.click("alice", "Erase my data")

    gone = await client.get(f"/dashboard/volunteers/{alice.id}")
    assert gone.status == 404
    assert rt.texts.say("en", "dashboard.not_found") in await text_of(gone)
    volunteers = await (await client.get("/dashboard/volunteers?t=volunteers&format=csv")).read()
    assert [line[0] for line in table_of(volunteers)[1:]] == ["Bob"]
    html = await text_of(await client.get(f"/dashboard/posts/{share.post_id}"))
    assert "Alice" not in html and share.final_text not in html
    assert rt.texts.say("en", "dashboard.former_volunteer") in html
    assert rt.texts.say("en", "dashboard.text_erased") in html
    texts = table_of(await (await client.get(
        f"/dashboard/posts/{share.post_id}?t=texts&format=csv")).read())
    assert texts[1][3:5] == ["", ""]  # what remains: the network, the day, the figures
    overview = await text_of(await client.get("/dashboard/"))
    assert re.search(r'id="shares">1<', overview)  # the counts still add up


async def test_stopped_volunteers_are_left_out(console, jobs, rt, client):
    await campaign(console, jobs, rt)
    await console.say("bob", "stop")
    await signed_in(client, console)
    bob = await member(rt, "bob")
    assert (await client.get(f"/dashboard/volunteers/{bob.id}")).status == 404
    html = await text_of(await client.get("/dashboard/volunteers"))
    assert "Alice" in html and "Bob" not in html


async def test_what_works_and_settings_pages(console, jobs, rt, client):
    await campaign(console, jobs, rt)
    await console.say(ADMIN, "/voix set hashtag #IWorkAtAcme")
    await signed_in(client, console)
    topics = table_of(await (await client.get("/dashboard/works?t=topics&format=csv")).read())
    assert topics[0][:3] == ["Topic", "Posts", "Delivered"]
    assert topics[1][:5] == ["offices", "1", "2", "1", "0.5"]
    kinds = await text_of(await client.get("/dashboard/works"))
    assert rt.texts.say("en", "admin.kind_name", code="news") in kinds
    settings_page = await text_of(await client.get("/dashboard/settings"))
    assert "#IWorkAtAcme" in settings_page and "#lyon" in settings_page
    assert rt.texts.say("en", "settings.label_hashtag") in settings_page
