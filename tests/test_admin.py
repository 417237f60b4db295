"""`/voix` admin commands by camille (admin via settings): rights, audit, posts, pause, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card, Figures, Table
from bot.clicks import follow
from storage.models import AuditLog, DigestRun, Post, Share, Team, Workspace
from tests.conftest import ADMIN, START, enlist
from tests.helpers import (
    NEWS_URL,
    assert_reads,
    count,
    crafted_form,
    delivery_of,
    last_text,
    latest_post,
    member,
    nudge_message,
    one,
    queue,
    rows,
    says,
    snapshot,
    speak,
)

JOBS_URL = "https://example.com/jobs/data-engineer"
ADMIN_COMMANDS = ["queue https://example.com/x", "queue", "list", "cancel {post}", "stats",
                  "stats {post}", "pause", "resume", "admins add eve", "admins remove bob",
                  "digest now"]


def figures(card: Card) -> list[tuple[str, str]]:
    """The headline figures of a card: (value, label) each."""
    return [(fact.value, fact.label) for block in card.blocks if isinstance(block, Figures)
            for fact in block.figures]


async def is_paused(rt) -> bool:
    return (await one(rt, Workspace)).paused


# Only admins


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_every_admin_command_is_refused_to_others_and_changes_nothing(console, rt,
                                                                            messenger, command):
    await enlist(console, "dave", team="sales")
    await queue(console, NEWS_URL)
    await console.say(ADMIN, "/voix admins add bob")
    if command == "resume":
        await console.say(ADMIN, "/voix pause")
    post = await latest_post(rt)
    before = await snapshot(rt)

    await console.say("dave", "/voix " + command.format(post=post.id))
    assert_reads(console, rt, "dave", "errors.not_admin")
    assert "Only Porte-Voix admins" in last_text(console, "dave")
    assert await snapshot(rt) == before
    assert "dave" not in console.forms
    assert "#sales" not in messenger.conversations


async def test_the_queue_form_submitted_by_someone_else_is_refused(console, rt):
    await console.say("dave", "hello")
    crafted_form(console, "dave", "admin.queue", url=JOBS_URL, title="Sneaky")
    await console.submit("dave")
    assert_reads(console, rt, "dave", "errors.not_admin")
    assert await count(rt, Post) == 0


async def test_every_admin_action_is_audited(console, rt):
    await enlist(console, "alice", team="sales")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    post = await latest_post(rt)
    for command in ("list", "stats", f"cancel {post.id}", "pause", "resume", "admins add bob",
                    "admins remove bob", "digest now"):
        await console.say(ADMIN, "/voix " + command)
    camille = await member(rt, ADMIN)
    entries = await rows(rt, AuditLog)
    assert [entry.action for entry in entries] == [
        "queue", "list", "stats", "cancel", "pause", "resume", "admins.add", "admins.remove",
        "digest.now"]
    assert {entry.actor_id for entry in entries} == {camille.id}
    assert entries[0].detail["post_id"] == post.id


# Queueing, listing, cancelling


@pytest.mark.parametrize(("timezone", "publish", "expires"), [
    ("Europe/Paris", datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
     datetime(2026, 12, 9, 17, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 12, 2, 14, 30, tzinfo=UTC),
     datetime(2026, 12, 9, 23, tzinfo=UTC)),
])
async def test_queue_with_every_option(console, rt, timezone, publish, expires):
    speak(console, ADMIN, "en", timezone)
    await console.join_channel("alice", "sales")
    await queue(console, f'{JOBS_URL}?ref=1 --title "Data engineer wanted" '
                         '--summary "Join our data team." '
                         '--points "Remote friendly; Lyon or Paris" '
                         '--hashtags hiring,data --topics Hiring,Data --teams Sales '
                         '--at 2026-12-02T09:30 --expires 2026-12-09T18:00')
    post = await one(rt, Post)
    team = await one(rt, Team)
    assert (post.url, post.title, post.summary) == (
        f"{JOBS_URL}?ref=1", "Data engineer wanted", "Join our data team.")
    assert post.key_points == ["Remote friendly", "Lyon or Paris"]
    assert (post.hashtags, post.topics) == (["hiring", "data"], ["hiring", "data"])
    assert post.audience == [team.id]
    assert (post.status, post.publish_at, post.expires_at) == ("scheduled", publish, expires)
    assert post.author_id == (await member(rt, ADMIN)).id
    text = last_text(console, ADMIN)
    assert says(rt, "admin.queued", id=post.id, title="Data engineer wanted") in text
    assert "Publication: Wednesday 2 December at 09:30" in text  # in the admin's zone


async def test_queue_without_arguments_opens_a_form_that_queues(console, rt):
    await console.say(ADMIN, "/voix queue")
    form = console.forms[ADMIN]
    assert (form.form_id, form.title) == ("admin.queue", says(rt, "admin.queue_form_title"))
    await console.submit(ADMIN, url=NEWS_URL, title="New office in Lyon",
                         points="200 jobs\nopening in May", topics="Offices", kind="news")
    post = await one(rt, Post)
    assert (post.url, post.title, post.status, post.publish_at) == (
        NEWS_URL, "New office in Lyon", "active", START)
    assert (post.key_points, post.topics) == (["200 jobs", "opening in May"], ["offices"])
    assert (post.language, post.kind) == ("en", "news")
    assert says(rt, "admin.queued", id=post.id, title=post.title) in last_text(console, ADMIN)


async def test_a_missing_title_comes_from_the_url(console, rt):
    await queue(console, "https://example.com/blog/2026/our_new-Rooftop+garden.html")
    assert (await one(rt, Post)).title == "Our new Rooftop garden"


async def test_list_shows_scheduled_and_active_posts_only(console, rt):
    await console.say(ADMIN, "/voix list")
    assert_reads(console, rt, ADMIN, "admin.list_empty")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await queue(console, f'{JOBS_URL} --title "Engineer" --at 2026-12-05T10:00')
    await queue(console, 'https://example.com/old --title "Withdrawn one"')
    await console.say(ADMIN, f"/voix cancel {(await latest_post(rt)).id}")
    await console.say(ADMIN, "/voix list")
    text = last_text(console, ADMIN)
    for title, status, at, kind in (
            ("Lyon", "active", "Monday 30 November at 10:00", "news"),
            ("Engineer", "scheduled", "Saturday 5 December at 10:00", "job offer")):
        status = says(rt, "admin.status_name", status=status)
        assert says(rt, "admin.list_line", kind=kind, languages="English", status=status,
                    when=f"from {at}") in text
        assert f"#{(await one(rt, Post, Post.title == title)).id} {title}" in text
    assert "Withdrawn one" not in text


async def test_cancel_withdraws_the_post_and_its_pending_nudges(console, jobs, rt, messenger):
    await enlist(console, "alice")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await jobs.tick()  # alice's nudge is sent
    await enlist(console, "bob")
    await jobs.plan()  # bob's is planned
    post = await latest_post(rt)
    await console.say(ADMIN, f"/voix cancel {post.id}")
    assert last_text(console, ADMIN) == says(rt, "admin.cancelled", id=post.id, title="Lyon",
                                              count=1) + " " + says(rt, "edit.withdrawn_cards",
                                                                    cards=1)  # alice's card
    assert (await one(rt, Post)).status == "cancelled"
    assert (await delivery_of(rt, "bob")).status == "cancelled"
    assert (await delivery_of(rt, "alice")).status == "sent"
    await jobs.tick()
    assert len(messenger.sent_keys) == 1
    await console.say(ADMIN, f"/voix cancel {post.id}")
    withdrawn = says(rt, "admin.status_name", status="cancelled")
    assert_reads(console, rt, ADMIN, "admin.already_closed", id=post.id, status=withdrawn)


async def test_stats_shows_the_funnel_of_each_post(console, jobs, rt):
    await enlist(console, "alice")
    await enlist(console, "bob")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await jobs.tick()
    await console.click("alice", "Edit idea 1")
    await console.submit("alice")
    token = (await one(rt, Share)).link_token
    for agent in ("Mozilla/5.0", "Mozilla/5.0 (Mac)", "Slackbot-LinkExpanding 1.0"):
        await follow(rt, token, agent)
    await queue(console, f'{JOBS_URL} --title "Engineer"')
    first, second = await rows(rt, Post)

    await console.say(ADMIN, f"/voix stats {first.id}")
    card = console.last(ADMIN)
    assert card.summary == f"#{first.id} Lyon"
    assert figures(card) == [("2", "sent"), ("1", "responded"), ("1", "shared"),
                             ("2", "clicks")]  # the link preview bot is not counted
    assert "Shared by 50% of the volunteers who received it." in card_to_text(card)
    assert "Engineer" not in card_to_text(card)
    await console.say(ADMIN, "/voix stats")
    [table] = [block for block in console.last(ADMIN).blocks if isinstance(block, Table)]
    assert table.columns == ("Post", "Sent", "Shared", "Clicks")
    assert table.rows == ((f"#{second.id} Engineer", "0", "0", "0"),
                          (f"#{first.id} Lyon", "2", "1 (50%)", "2"))


# The workspace kill switch


async def test_pause_holds_every_nudge_even_planned_and_due_until_resume(console, jobs, rt, clock,
                                                                       messenger):
    await enlist(console, "alice")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await jobs.plan()
    assert (await delivery_of(rt, "alice")).due_at <= clock.now()
    await console.say(ADMIN, "/voix pause")
    assert_reads(console, rt, ADMIN, "admin.paused")
    assert await is_paused(rt)
    await jobs.send()
    for _ in range(3):
        clock.advance(timedelta(minutes=30))
        await jobs.tick()
    assert messenger.sent_keys == []
    await console.say(ADMIN, "/voix resume")
    assert_reads(console, rt, ADMIN, "admin.resumed")
    assert not await is_paused(rt)
    clock.advance(timedelta(minutes=20))
    await jobs.tick()
    assert len(messenger.sent_keys) == 1
    assert isinstance(nudge_message(console, "alice").body, Card)


# Admins


async def test_admins_add_and_remove_change_who_may_queue(console, rt):
    await queue(console, NEWS_URL, admin="bob")
    assert_reads(console, rt, "bob", "errors.not_admin")
    await console.say(ADMIN, "/voix admins add bob")
    assert_reads(console, rt, ADMIN, "admin.admin_added", user="bob", from_env=False)
    await queue(console, NEWS_URL, admin="bob")
    assert await count(rt, Post) == 1
    await console.say(ADMIN, "/voix admins remove bob")
    assert_reads(console, rt, ADMIN, "admin.admin_removed", user="bob", from_env=False)
    await queue(console, JOBS_URL, admin="bob")
    assert_reads(console, rt, "bob", "errors.not_admin")
    assert await count(rt, Post) == 1


async def test_removing_an_admin_named_in_the_settings_warns_it_will_not_last(console, rt):
    await console.say(ADMIN, "/voix admins add bob")
    await console.say("bob", f"/voix admins remove {ADMIN}")
    assert_reads(console, rt, "bob", "admin.admin_removed", user=ADMIN, from_env=True)
    assert "PORTEVOIX_ADMINS" in last_text(console, "bob")
    assert not (await member(rt, ADMIN)).is_admin


async def test_an_admin_cannot_remove_themselves(console, rt):
    await console.say(ADMIN, f"/voix admins remove {ADMIN}")
    assert_reads(console, rt, ADMIN, "admin.not_yourself")
    assert (await member(rt, ADMIN)).is_admin


async def test_admins_add_understands_a_slack_mention(console, rt):
    await console.say(ADMIN, "/voix admins add <@U123|bob>")
    assert_reads(console, rt, ADMIN, "admin.admin_added", user="U123", from_env=False)
    assert (await member(rt, "U123")).is_admin
    await console.say("U123", "/voix list")
    assert_reads(console, rt, "U123", "admin.list_empty")


# Digest and help


async def test_digest_now_without_any_team(console, rt):
    await console.say(ADMIN, "/voix digest now")
    assert_reads(console, rt, ADMIN, "admin.no_teams")
    assert await count(rt, DigestRun) == 0


async def test_digest_now_posts_to_each_team_channel(console, rt, messenger):
    await enlist(console, "alice", team="sales")
    await console.say(ADMIN, "/voix digest now")
    assert_reads(console, rt, ADMIN, "admin.digest_done", posted=1, total=1)
    [digest] = messenger.conversations["#sales"]
    assert isinstance(digest.body, Card)
    assert card_to_text(digest.body).startswith("== Sales: our week of sharing")
    assert [run.status for run in await rows(rt, DigestRun)] == ["posted"]


async def test_help_for_an_admin_lists_the_admin_commands(console, rt):
    for text in ("/voix help", "/voix"):
        await console.say(ADMIN, text)
        card = console.last(ADMIN)
        assert card.summary == says(rt, "help.admin_title")
        assert "/voix cancel <id>" in card_to_text(card)


async def test_help_for_anyone_else_is_the_volunteers(console, rt):
    await console.say("dave", "/voix help")
    card = console.last("dave")
    assert card.summary == says(rt, "help.title")
    assert "/voix cancel" not in card_to_text(card)
