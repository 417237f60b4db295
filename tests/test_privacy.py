"""A member's data under their control, through the console: the export field by field, its
one-time links (reused, expired, altered), forget me and its cancel, an admin's forget
(audited without naming anyone), the counts that still add up, and retention."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from bot.cards import Card
from bot.clicks import follow
from bot.handlers import privacy  # noqa: F401  (registered, as bot/handlers/__init__.py will)
from bot.privacy import links
from bot.stats import funnels, teams_week
from bot.web.listeners import make_app
from scheduler.maintenance import maintain
from storage.models import AuditLog, ConsentEvent, Delivery, Member, Share
from tests.conftest import ADMIN, START, enlist
from tests.fakes import share_nudge
from tests.helpers import assert_reads, count, last_text, member, one, queue, rows, titled

SECRET = "s" * 40


@pytest.fixture
async def client(rt) -> AsyncIterator[TestClient]:
    rt.settings = rt.settings.model_copy(update={"link_secret": SecretStr(SECRET)})
    async with TestClient(TestServer(make_app(rt))) as test_client:
        yield test_client


async def shared_once(console, jobs, rt, user: str = "alice") -> Share:
    await enlist(console, user, team="lyon")
    await queue(console, titled())
    await jobs.tick()
    share = await share_nudge(console, user, " My own words about Lyon.")
    assert await follow(rt, share.link_token, "Mozilla/5.0")
    assert await follow(rt, share.link_token, "LinkedInBot/1.0")
    return share


def link_urls(console, user: str) -> dict[str, str]:
    card = console.last(user)
    assert isinstance(card, Card)
    return {button.action_id.rsplit(".", 1)[1]: button.url or "" for button in card.buttons()}


async def fetch(client, url: str):
    return await client.get(url.removeprefix("https://pv.example"))


async def test_the_export_holds_everything_stored_about_the_person(console, jobs, rt, client):
    share = await shared_once(console, jobs, rt)
    await console.say(ADMIN, "/voix admins add alice")
    await console.say("alice", "my data")
    urls = link_urls(console, "alice")
    assert set(urls) == {"json", "csv"}

    response = await fetch(client, urls["json"])
    assert response.status == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="porte-voix-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(await response.read())
    alice = await member(rt, "alice")
    assert data["platform"] == "console"
    assert data["profile"]["external_id"] == "alice"
    assert data["profile"]["display_name"] == "Alice"
    assert data["profile"]["status"] == "active"
    assert data["profile"]["charter_version"] == rt.charter.version
    assert data["profile"]["is_admin"] is True
    assert data["preferences"] == alice.prefs
    assert [(c["kind"], c["charter_version"]) for c in data["consent_events"]] == [
        ("accepted", rt.charter.version)]
    [delivery] = data["deliveries"]
    assert delivery["post_title"] == "New office in Lyon" and delivery["status"] == "shared"
    assert delivery["suggestions"] and delivery["message_ref"]
    [exported] = data["shares"]
    assert exported["final_text"] == share.final_text
    assert exported["suggested_text"] == share.suggested_text
    assert exported["network"] == share.network and exported["edit_ratio"] == share.edit_ratio
    assert exported["link"] == f"https://pv.example/r/{share.link_token}"
    assert (exported["clicks"], exported["clicks_by_link_previews"]) == (1, 1)
    assert [(a["action"], a["detail"], a["by_you"]) for a in data["audit_log"]] == [
        ("admins.add", {"user": "alice"}, False)]

    response = await fetch(client, urls["csv"])
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert ["shares", "1", "final_text", share.final_text] in lines
    assert ["profile", "0", "display_name", "Alice"] in lines


async def test_a_link_works_once(console, rt, client):
    await enlist(console, "alice")
    await console.say("alice", "my data")
    url = link_urls(console, "alice")["json"]
    assert (await fetch(client, url)).status == 200
    again = await fetch(client, url)
    assert again.status == 410
    assert await again.text() == rt.texts.say("en", "privacy.link_used") + "\n"


async def test_a_link_expires_after_fifteen_minutes(console, rt, client, clock):
    await enlist(console, "alice", locale="fr")
    await console.say("alice", "mes données")
    urls = link_urls(console, "alice")
    clock.advance(timedelta(minutes=links.LINK_MINUTES) - timedelta(seconds=1))
    assert (await fetch(client, urls["csv"])).status == 200
    clock.advance(timedelta(seconds=1))
    expired = await fetch(client, urls["json"])
    assert expired.status == 410 and expired.headers["Content-Language"] == "fr"
    assert await expired.text() == rt.texts.say("fr", "privacy.link_expired", minutes=15) + "\n"


@pytest.mark.parametrize("change", ["signature", "payload", "other_secret"])
async def test_an_altered_link_is_refused(console, rt, client, change):
    await enlist(console, "alice")
    await console.say("alice", "my data")
    url = link_urls(console, "alice")["json"]
    token = url.rsplit("/", 1)[1]
    if change == "signature":  # not its last character, whose low bits base64 ignores
        token = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    elif change == "payload":
        token = "x" + token[1:]
    else:
        rt.settings = rt.settings.model_copy(update={"link_secret": SecretStr("t" * 40)})
    response = await client.get(f"/data/{token}")
    assert response.status == 404
    assert await response.text() == rt.texts.say("en", "privacy.link_invalid") + "\n"


async def test_without_a_secret_the_person_is_told_politely(console, rt):
    await enlist(console, "alice")
    await console.say("alice", "my data")
    assert_reads(console, rt, "alice", "privacy.no_secret")


async def test_forget_me_asks_first_and_cancel_keeps_everything(console, jobs, rt):
    await shared_once(console, jobs, rt)
    await console.say("alice", "oublie-moi")
    card = console.last("alice")
    assert isinstance(card, Card)
    assert [b.style for b in card.buttons()] == ["danger", None]
    await console.click("alice", 2)
    assert last_text(console, "alice") == rt.texts.say("en", "privacy.kept")
    assert (await member(rt, "alice")).display_name == "Alice"
    assert (await one(rt, Share)).final_text


async def test_forget_me_keeps_the_counts_and_a_later_message_is_a_new_member(
        console, jobs, rt):
    share = await shared_once(console, jobs, rt)
    await console.say("bob", "join")
    async with rt.sessions() as session:
        before_funnel = await funnels(session, [share.post_id])
        before_week = await teams_week(session, share_post_workspace := 1, START,
                                       START + timedelta(days=7))
    await console.say("alice", "forget me")
    await console.click("alice", "Erase my data")
    assert last_text(console, "alice") == rt.texts.say("en", "privacy.forgotten")

    async with rt.sessions() as session:
        assert await funnels(session, [share.post_id]) == before_funnel
        after_week = await teams_week(session, share_post_workspace, START,
                                      START + timedelta(days=7))
    assert [(w.shares, w.clicks, w.posts) for w in after_week.values()] == \
        [(w.shares, w.clicks, w.posts) for w in before_week.values()]
    assert await count(rt, ConsentEvent, ConsentEvent.member_id == share.member_id) == 0
    erased = await one(rt, Member, Member.id == share.member_id)
    assert erased.status == "erased" and erased.external_id.startswith("erased-")
    await console.say("alice", "join")
    again = await member(rt, "alice")
    assert again.id != erased.id and again.status == "new"


async def test_an_old_confirmation_does_not_erase_the_new_member(console, rt):
    await enlist(console, "alice")
    await console.say("alice", "forget me")
    old = [b for _, b in console.buttons("alice")][0]
    await console.click("alice", "Erase my data")
    await enlist(console, "alice")
    await console.press("alice", old.action_id, old.value)
    assert_reads(console, rt, "alice", "privacy.stale")
    assert (await member(rt, "alice")).status == "active"


async def test_an_admin_forgets_someone_and_the_audit_names_nobody(console, jobs, rt):
    share = await shared_once(console, jobs, rt)
    await console.say(ADMIN, "/voix forget <@alice|Alice>")
    assert_reads(console, rt, ADMIN, "privacy.admin_forgotten", user="alice")
    erased = await one(rt, Member, Member.id == share.member_id)
    assert erased.display_name == "" and erased.conversation == {}
    [entry] = await rows(rt, AuditLog, AuditLog.action == "forget")
    assert entry.detail == {}
    assert (await one(rt, Delivery)).status == "shared"


async def test_forget_refuses_unknown_people_and_bad_input(console, rt):
    await console.say(ADMIN, "/voix forget nobody")
    assert_reads(console, rt, ADMIN, "privacy.unknown_member", user="nobody")
    await console.say(ADMIN, "/voix forget")
    assert_reads(console, rt, ADMIN, "privacy.forget_usage")
    await enlist(console, "alice")
    await console.say("alice", "/voix forget camille")  # not an admin: only the help
    assert (await member(rt, ADMIN)).display_name
    assert await count(rt, AuditLog, AuditLog.action == "forget") == 0


async def test_retention_erases_stopped_members_and_lets_old_shares_go(console, jobs, rt,
                                                                        clock):
    await shared_once(console, jobs, rt)
    await enlist(console, "bob")
    await console.say("bob", "stop")
    clock.advance(timedelta(days=rt.settings.retention_stopped_days + 1))
    async with rt.sessions() as session:
        done = await maintain(session, clock.now(), rt.settings)
    assert done["members_erased"] == 1 and done["shares_purged"] == 0
    assert await count(rt, Member, Member.external_id == "bob") == 0
    assert (await member(rt, "alice")).status == "active"  # never stopped: kept

    clock.advance(timedelta(days=rt.settings.retention_days))
    async with rt.sessions() as session:
        done = await maintain(session, clock.now(), rt.settings)
    assert (done["shares_purged"], done["clicks_purged"]) == (1, 2)
    assert done["audit_purged"] >= 1
    [delivery] = await rows(rt, Delivery)
    assert delivery.status == "shared" and delivery.suggestions == []  # counted, no text
    assert await count(rt, AuditLog) == 0
    async with rt.sessions() as session:
        assert await session.scalar(select(Share.id)) is None
