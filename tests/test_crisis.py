"""Crisis mode: nudges held at once, open cards on hold and back, the volunteers' brief,
the end; volunteers' reports reaching the admins. On the console and, for the cards, Slack."""

from __future__ import annotations

from datetime import timedelta

from adapters.console.render import card_to_text
from adapters.console.transport import Message
from bot.cards import Card
from bot.ports import SendError
from scheduler.outbox import LEASE, claim
from scheduler.runner import Jobs
from storage.models import AuditLog, Delivery, Workspace
from tests.adapters.slack import conftest as on_slack
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, NEWS, join, texts_of
from tests.conftest import ADMIN, enlist
from tests.fakes import install_flaky
from tests.helpers import (
    assert_reads,
    delivery_of,
    last_text,
    latest_post,
    nudged,
    one,
    queue,
    rows,
    says,
    speak,
    titled,
)

slack, side = on_slack.slack, on_slack.side  # the mock Slack fixtures, for the Slack tests
BRIEF = "A fire broke out at the Lyon warehouse last night; nobody was hurt."
STATEMENT = "https://acme.example/press/lyon-warehouse"
START_CRISIS = f'/voix crisis "{BRIEF}" --link {STATEMENT}'
REPORTED = "https://www.linkedin.com/posts/someone-lyon-fire-123"


def proactive(console, user: str) -> list[Message]:
    return [message for message in console.dm(user) if message.proactive]


def card_of(console, user: str) -> Message:
    """The nudge in `user`'s DM: the first message sent on the bot's own (the brief follows)."""
    return proactive(console, user)[0]


def nudge_keys(messenger) -> list[str]:
    return [key for key in messenger.sent_keys if key.startswith("delivery-")]


async def workspace(rt) -> Workspace:
    return await one(rt, Workspace)


async def actions(rt) -> list[tuple[str, dict]]:
    return [(row.action, row.detail) for row in await rows(rt, AuditLog)
            if row.action.startswith(("crisis", "report"))]


# Nothing is sent once the crisis is committed


async def test_no_nudge_goes_after_the_crisis_neither_planned_nor_claimed_ones(
        console, rt, jobs, messenger, clock):
    for user in ("alice", "bob", "chloe"):
        await enlist(console, user)
    await queue(console, titled())
    assert await jobs.plan() == 3  # three nudges due now
    async with rt.sessions() as session:  # a worker took one and stopped before its call
        [taken] = await claim(session, clock.now(), "another-worker", 1)

    await console.say(ADMIN, START_CRISIS)
    assert_reads(console, rt, ADMIN, "crisis.started", cards=0, volunteers=3)
    for _ in range(3):
        await jobs.tick()
        clock.advance(LEASE + timedelta(minutes=1))  # the other worker's lease runs out

    assert nudge_keys(messenger) == []
    statuses = {d.id: d.status for d in await rows(rt, Delivery)}
    assert statuses.pop(taken) == "sending"  # its claim stays out of the queue, unsent
    assert set(statuses.values()) == {"planned"}
    # ...and each volunteer got the brief instead, once.
    for user in ("alice", "bob", "chloe"):
        [brief] = proactive(console, user)
        assert BRIEF in card_to_text(brief.body)

    await console.say(ADMIN, "/voix crisis end")
    assert_reads(console, rt, ADMIN, "crisis.ended", resumes=True)
    await jobs.tick()
    assert sorted(nudge_keys(messenger)) == sorted(f"delivery-{i}" for i in (*statuses, taken))


# Open cards on hold, then back


async def test_an_open_card_goes_on_hold_and_comes_back_in_place(console, rt, jobs, messenger):
    _, delivery = await nudged(console, jobs, rt, "alice")
    card = card_of(console, "alice")
    assert card.body.buttons()

    await console.say(ADMIN, START_CRISIS)
    assert_reads(console, rt, ADMIN, "crisis.started", cards=1, volunteers=1)
    assert await jobs.cards() == {"updated": 1, "done": 2, "sent": 1}

    held = card_of(console, "alice").body
    assert isinstance(held, Card) and not held.buttons()
    assert says(rt, "crisis.held") in card_to_text(held)
    brief = console.last("alice")
    assert isinstance(brief, Card)
    text = card_to_text(brief)
    assert BRIEF in text and says(rt, "crisis.brief_ask") in text
    assert "Camille" in text or ADMIN in text  # whom to ask: the admins, by name
    assert [b.url for b in brief.buttons()] == [STATEMENT]
    assert await jobs.cards() == {}  # nothing left to do: nothing is sent twice

    await console.say(ADMIN, "/voix crisis end")
    assert await jobs.cards() == {"updated": 1, "done": 2, "sent": 1}
    back = card_of(console, "alice").body
    assert isinstance(back, Card) and back.buttons()
    assert card_to_text(back) == card_to_text(card.body)
    assert says(rt, "crisis.end_note") in last_text(console, "alice")
    assert (await delivery_of(rt, "alice")).id == delivery.id
    assert [a for a, _ in await actions(rt)] == ["crisis.start", "crisis.end"]


async def test_a_card_withdrawn_during_the_crisis_comes_back_as_withdrawn(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, START_CRISIS)
    await jobs.cards()
    await console.say(ADMIN, f"/voix cancel {post.id}")
    await console.say(ADMIN, "/voix crisis end")
    await jobs.cards()
    shown = card_of(console, "alice").body
    assert isinstance(shown, Card) and not shown.buttons()
    assert says(rt, "nudge.stale") in card_to_text(shown)


async def test_the_brief_reaches_active_volunteers_only(console, rt, jobs, messenger):
    for user in ("alice", "bob", "dave"):
        await enlist(console, user)
    await console.say("bob", "stop")
    await console.say("dave", "pause 2w")  # paused themselves: still a volunteer, told too
    await console.say("eve", "hello")  # met the bot, never volunteered
    await console.say(ADMIN, START_CRISIS)
    await jobs.cards()
    assert len(proactive(console, "alice")) == 1
    assert len(proactive(console, "dave")) == 1
    assert proactive(console, "bob") == [] and proactive(console, "eve") == []


async def test_the_passes_survive_a_restart_and_go_on_where_they_stopped(console, rt, jobs,
                                                                         messenger):
    for user in ("alice", "bob", "chloe"):
        await enlist(console, user)
    await console.say(ADMIN, START_CRISIS)
    first = Jobs(rt)
    # The first brief goes, the platform fails on the second, then the process dies.
    install_flaky(rt, messenger, [None, SendError("transient", "timeout")])
    assert await first.cards() == {"done": 1, "sent": 1}  # no open card; one brief
    await first.close()
    told = [u for u in ("alice", "bob", "chloe") if proactive(console, u)]
    assert told == ["alice"]

    rt.messengers[messenger.platform] = messenger
    again = Jobs(rt)  # a new process
    await again.cards()
    await again.close()
    for user in ("alice", "bob", "chloe"):
        assert len(proactive(console, user)) == 1, user
    assert (await workspace(rt)).crisis_news == ""


# Starting twice, ending none, an admin's own pause


async def test_a_second_start_and_an_end_without_a_crisis_are_answered_plainly(console, rt):
    await console.say(ADMIN, "/voix crisis end")
    assert_reads(console, rt, ADMIN, "crisis.no_crisis")
    await console.say(ADMIN, START_CRISIS)
    await console.say(ADMIN, '/voix crisis "Something else"')
    assert_reads(console, rt, ADMIN, "crisis.already", since="30 November")
    assert (await workspace(rt)).crisis_brief == BRIEF
    assert [a for a, _ in await actions(rt)] == ["crisis.start"]


async def test_bad_crisis_commands_change_nothing(console, rt):
    for typed in ("/voix crisis", '/voix crisis ""', '/voix crisis "unclosed',
                  f'/voix crisis "{"x" * 1001}"'):
        await console.say(ADMIN, typed)
        assert (await workspace(rt)).crisis_since is None, typed
    await console.say(ADMIN, '/voix crisis "Fire" --link javascript:alert(1)')
    assert_reads(console, rt, ADMIN, "crisis.bad_link", url="javascript:alert(1)")
    await enlist(console, "alice")
    await console.say("alice", '/voix crisis "Not mine to say"')
    assert (await workspace(rt)).crisis_since is None


async def test_ending_a_crisis_keeps_a_pause_an_admin_made_before(console, rt, jobs):
    await console.say(ADMIN, "/voix pause")
    await console.say(ADMIN, START_CRISIS)
    await console.say(ADMIN, "/voix crisis end")
    assert_reads(console, rt, ADMIN, "crisis.ended", resumes=False)
    assert (await workspace(rt)).paused is True


async def test_during_a_crisis_resume_is_refused_and_a_pause_outlives_it(console, rt, jobs):
    await console.say(ADMIN, START_CRISIS)
    await console.say(ADMIN, "/voix resume")
    assert_reads(console, rt, ADMIN, "crisis.resume_refused")
    assert (await workspace(rt)).paused is True
    await console.say(ADMIN, "/voix pause")  # wanted for its own sake: it stays after
    await console.say(ADMIN, "/voix crisis end")
    assert_reads(console, rt, ADMIN, "crisis.ended", resumes=False)
    assert (await workspace(rt)).paused is True


# Reports


async def test_a_report_reaches_every_admin_at_once_and_the_reporter_is_thanked(console, rt,
                                                                                messenger):
    await console.say(ADMIN, "/voix admins add bob")
    await enlist(console, "bob")
    await enlist(console, "alice")
    await console.say("alice", f"report {REPORTED} It names our Lyon team")
    assert_reads(console, rt, "alice", "crisis.report_thanks")
    for admin in (ADMIN, "bob"):
        [card] = [m.body for m in proactive(console, admin)]
        assert isinstance(card, Card)
        text = card_to_text(card)
        assert REPORTED in text and "It names our Lyon team" in text and "Alice" in text
        assert [b.url for b in card.buttons()] == [REPORTED]
    assert await actions(rt) == [("report", {"url": REPORTED, "note": "It names our Lyon team"})]


async def test_a_bad_report_is_refused_and_reaches_nobody(console, rt, messenger):
    await enlist(console, "alice")
    await console.say("alice", "report")
    assert_reads(console, rt, "alice", "crisis.report_usage")
    await console.say("alice", "report ftp://files.example/x")
    assert_reads(console, rt, "alice", "crisis.report_bad_url", url="ftp://files.example/x")
    await console.say("eve", f"report {REPORTED}")  # not a volunteer
    assert_reads(console, rt, "eve", "volunteer.not_in")
    assert proactive(console, ADMIN) == [] and await actions(rt) == []


async def test_reports_are_capped_per_day(console, rt, messenger):
    await console.say(ADMIN, "/voix help")  # the admin has written to the bot: their DM is known
    await enlist(console, "alice")
    for i in range(10):
        await console.say("alice", f"report {REPORTED}{i}")
    await console.say("alice", f"report {REPORTED}")
    assert_reads(console, rt, "alice", "crisis.report_too_many", count=10)
    assert len(proactive(console, ADMIN)) == 10


# French


async def test_in_french(console, rt, jobs, messenger):
    speak(console, ADMIN, "fr")
    await nudged(console, jobs, rt, "amelie", locale="fr", args=titled("fr"))
    await console.say(ADMIN, f'/voix crise "{BRIEF}"')
    assert_reads(console, rt, ADMIN, "crisis.started", "fr", cards=1, volunteers=1)
    assert "1 carte en attente est suspendue, et 1 volontaire reçoit" in last_text(console, ADMIN)
    await jobs.cards()
    brief = card_to_text(console.last("amelie"))
    assert says(rt, "crisis.brief_ask", "fr") in brief
    assert says(rt, "crisis.brief_title", "fr") in brief
    await console.say(ADMIN, '/voix crise "Encore"')
    assert_reads(console, rt, ADMIN, "crisis.already", "fr", since="30 novembre")
    await console.say("amelie", f"signaler {REPORTED} Inquiétant")
    assert_reads(console, rt, "amelie", "crisis.report_thanks", "fr")
    await console.say(ADMIN, "/voix crise fin")
    assert_reads(console, rt, ADMIN, "crisis.ended", "fr", resumes=True)
    await jobs.cards()
    assert says(rt, "crisis.end_note", "fr") in card_to_text(console.last("amelie"))


def test_french_texts_use_french_typography(rt):
    said = says(rt, "crisis.no_crisis", "fr")
    assert "\u00a0:" in said and " :" not in said


# Slack: chat.update at the platform's pace


async def test_on_slack_the_card_is_put_on_hold_by_chat_update_even_after_a_429(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" --points "200 jobs"')
    await side.quiet(0.05)
    await jobs.tick()
    post = await latest_post(rt)
    delivery = await one(rt, Delivery, Delivery.post_id == post.id)
    ts = delivery.message_ref["message_id"]
    await side.ask(ADMIN_ID, f'crisis "{BRIEF}" --link {STATEMENT}')
    updates = side.mock.count("chat.update")
    posts = side.mock.count("chat.postMessage")

    side.mock.fail_next("chat.update", status=429, retry_after=1)
    assert await jobs.cards() == {}  # refused: nothing else is tried before the pause ends
    assert side.mock.count("chat.update") == updates + 1
    assert await jobs.cards() == {"updated": 1, "done": 2, "sent": 1}

    update = side.mock.calls_to("chat.update")[-1]
    assert update.valid and update.params["ts"] == ts
    assert says(rt, "crisis.held", "en") in texts_of(update)
    assert "nudge.pick" not in texts_of(update)
    [brief] = side.mock.calls_to("chat.postMessage")[posts:]
    assert brief.params["channel"] == ALICE and STATEMENT in texts_of(brief)
    assert side.mock.problems() == []


async def test_report_on_slack_reaches_the_admin_dm(side, rt):
    await join(side)
    await side.ask(ADMIN_ID, "stats")  # the admin has written to the bot: their DM is known
    before = side.mock.count("chat.postMessage")
    await side.dm(ALICE, f"report {REPORTED}")
    await side.settle(lambda: side.mock.count("chat.postMessage") >= before + 2)
    sent = side.mock.calls_to("chat.postMessage")[before:]
    assert any(call.params["channel"] == ADMIN_ID and REPORTED in texts_of(call)
               for call in sent)
