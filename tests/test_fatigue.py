"""Fewer nudges for the tired: three nudges left halve the cap and bring one question; a
month of silence brings one check-in; the answers work in place; nothing goes to whoever
stopped or paused, nor during a workspace pause."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from adapters.console.render import card_to_text
from bot.cards import Card
from bot.fatigue.rule import PAUSE
from bot.ports import SendError
from bot.services.dates import day_and_month
from scheduler.live import Live
from scheduler.runner import Jobs, simulate
from storage.models import Member
from tests.conftest import ADMIN, START, enlist
from tests.fakes import install_flaky, members_by_user, queue_post, user_deliveries
from tests.helpers import assert_reads, last_text, says

STEP = timedelta(hours=2)
PARIS = ZoneInfo("Europe/Paris")
# Nudges on Monday 30 Nov, Tuesday 1 Dec (the cap of 2 a week), Monday 7 Dec; the third is
# left for two days on Wednesday 9 Dec.
ASKED_BY = START + timedelta(days=9, hours=2)


def fatigue_keys(messenger, kind: str) -> list[str]:
    return [key for key in messenger.sent_keys if key.startswith(f"fatigue-{kind}-")]


async def member(rt, user: str) -> Member:
    return (await members_by_user(rt))[user]


async def busy_month(console, posts: int = 8) -> None:
    await enlist(console, "tired")
    for n in range(posts):
        await queue_post(console, f"post-{n}", "--topics news")


async def test_three_nudges_left_halve_the_cap_and_ask_once(console, jobs, rt, clock, messenger):
    await busy_month(console)

    await simulate(jobs, clock, ASKED_BY, STEP)

    tired = await member(rt, "tired")
    assert (tired.fatigue_cap, len(fatigue_keys(messenger, "question"))) == (1, 1)
    question = console.last("tired")
    assert isinstance(question, Card)
    assert says(rt, "fatigue.question", cap=1) in card_to_text(question)
    assert [button.label for button in question.buttons()] == [
        says(rt, f"fatigue.{answer}") for answer in ("keep", "fewer", "pause", "stop")]

    await simulate(jobs, clock, ASKED_BY + timedelta(days=14), STEP)

    assert len(fatigue_keys(messenger, "question")) == 1  # once, until they act again
    sent = sorted(d.sent_at for d in await user_deliveries(rt, "tired") if d.sent_at)
    later = [at for at in sent if at > ASKED_BY]
    assert later and all(b - a >= timedelta(days=7) for a, b in zip(later, later[1:], strict=False))


async def test_acting_on_nudges_never_brings_the_question(console, jobs, rt, clock, messenger):
    await busy_month(console)
    for _ in range(4):
        await simulate(jobs, clock, clock.now() + timedelta(days=3), STEP)
        for delivery in await user_deliveries(rt, "tired"):
            if delivery.status == "sent":
                await console.click("tired", says(rt, "nudge.skip"))

    assert fatigue_keys(messenger, "question") == []
    assert (await member(rt, "tired")).fatigue_cap is None


async def asked(console, jobs, rt, clock) -> None:
    await busy_month(console)
    await simulate(jobs, clock, ASKED_BY, STEP)
    assert (await member(rt, "tired")).fatigue_cap == 1


async def test_acting_on_a_nudge_again_ends_the_halving(console, jobs, rt, clock):
    await asked(console, jobs, rt, clock)
    await simulate(jobs, clock, ASKED_BY + timedelta(days=7), STEP)  # one more nudge came
    await console.click("tired", says(rt, "nudge.skip"))
    await jobs.fatigue()

    assert (await member(rt, "tired")).fatigue_cap is None


async def test_keep_restores_the_cap_in_place(console, jobs, rt, clock):
    await asked(console, jobs, rt, clock)
    before = len(console.dm("tired"))
    await console.click("tired", says(rt, "fatigue.keep"))

    assert len(console.dm("tired")) == before  # the question became its outcome
    assert_reads(console, rt, "tired", "fatigue.kept", cap=2)
    assert (await member(rt, "tired")).fatigue_cap is None


async def test_fewer_keeps_the_halved_cap_as_their_choice(console, jobs, rt, clock):
    await asked(console, jobs, rt, clock)
    await console.click("tired", says(rt, "fatigue.fewer"))

    assert_reads(console, rt, "tired", "fatigue.fewer_done", cap=1)
    tired = await member(rt, "tired")
    assert (tired.fatigue_cap, tired.prefs["weekly_cap"]) == (None, 1)


async def test_pause_a_month_holds_every_nudge_until_then(console, jobs, rt, clock, messenger):
    await asked(console, jobs, rt, clock)
    await console.click("tired", says(rt, "fatigue.pause"))

    tired = await member(rt, "tired")
    until = clock.now() + PAUSE
    assert tired.paused_until == until
    assert_reads(console, rt, "tired", "volunteer.paused",
                 until=day_and_month(until.astimezone(PARIS).date(), "en"))
    sent = len(messenger.sent_keys)
    await simulate(jobs, clock, until - timedelta(hours=1), timedelta(hours=6))
    assert len(messenger.sent_keys) == sent  # neither nudges nor a check-in


async def test_stop_is_the_real_stop(console, jobs, rt, clock, messenger):
    await asked(console, jobs, rt, clock)
    await console.click("tired", says(rt, "fatigue.stop"))

    assert (await member(rt, "tired")).status == "stopped"
    assert says(rt, "volunteer.stopped", cancelled=0)[:20] in last_text(console, "tired")
    sent = len(messenger.sent_keys)
    await simulate(jobs, clock, clock.now() + timedelta(days=40), timedelta(hours=6))
    assert len(messenger.sent_keys) == sent


async def test_a_month_of_silence_brings_one_check_in_per_silence(console, jobs, rt, clock,
                                                                  messenger):
    await busy_month(console, posts=2)  # two nudges: no streak of three
    await simulate(jobs, clock, START + timedelta(days=31), timedelta(hours=3))

    assert fatigue_keys(messenger, "question") == []
    assert len(fatigue_keys(messenger, "checkin")) == 1
    assert says(rt, "fatigue.checkin") in last_text(console, "tired")

    await simulate(jobs, clock, START + timedelta(days=62), timedelta(hours=6))
    assert len(fatigue_keys(messenger, "checkin")) == 1  # never two in one silence

    await console.click("tired", says(rt, "fatigue.keep"))  # they answered: a new silence
    await queue_post(console, "later")
    await simulate(jobs, clock, clock.now() + timedelta(days=31), timedelta(hours=6))
    assert len(fatigue_keys(messenger, "checkin")) == 2


async def test_nothing_is_asked_while_the_workspace_is_paused(console, jobs, rt, clock,
                                                             messenger):
    await busy_month(console)
    await simulate(jobs, clock, START + timedelta(days=8), STEP)
    await console.say(ADMIN, "/voix pause")
    await simulate(jobs, clock, START + timedelta(days=40), timedelta(hours=6))

    assert [key for key in messenger.sent_keys if key.startswith("fatigue-")] == []


async def test_a_paused_volunteer_gets_nothing(console, jobs, rt, clock, messenger):
    await busy_month(console)
    await simulate(jobs, clock, START + timedelta(days=8), STEP)
    await console.say("tired", "pause 3 weeks")
    await simulate(jobs, clock, START + timedelta(days=28), timedelta(hours=6))

    assert [key for key in messenger.sent_keys if key.startswith("fatigue-")] == []


async def test_two_replicas_at_once_ask_once(console, jobs, rt, clock, messenger):
    await busy_month(console)
    await simulate(jobs, clock, START + timedelta(days=9), STEP)
    clock.set(ASKED_BY)
    other = Jobs(rt)
    try:
        await asyncio.gather(jobs.fatigue(), other.fatigue(), jobs.fatigue())
    finally:
        await other.close()

    assert len(fatigue_keys(messenger, "question")) == 1


async def test_a_rate_limited_question_is_sent_at_the_next_run(console, jobs, rt, clock,
                                                               messenger):
    await busy_month(console)
    await simulate(jobs, clock, START + timedelta(days=9), STEP)
    flaky = install_flaky(rt, messenger, [SendError("rate_limited", retry_after=0.01)])
    clock.set(ASKED_BY)

    await jobs.fatigue()
    assert [k for k in flaky.calls if k.startswith("fatigue-")] and not \
        fatigue_keys(messenger, "question")
    await asyncio.sleep(0.02)
    await jobs.fatigue()

    assert len(fatigue_keys(messenger, "question")) == 1


async def test_the_question_is_in_the_volunteers_language(console, jobs, rt, clock):
    await enlist(console, "lasse", locale="fr")
    for n in range(4):
        await queue_post(console, f"post-{n}", "--lang fr")
    await simulate(jobs, clock, ASKED_BY, STEP)

    text = card_to_text(console.last("lasse"))
    assert says(rt, "fatigue.question", "fr", cap=1) in text
    assert says(rt, "fatigue.question", "fr", cap=1) != says(rt, "fatigue.question", cap=1)


async def test_serve_runs_the_rule_at_start(console, jobs, rt, clock, messenger):
    await busy_month(console)
    await simulate(jobs, clock, START + timedelta(days=9), STEP)
    clock.set(ASKED_BY)
    running = Live(jobs)
    running.start()
    try:
        for _ in range(100):
            if fatigue_keys(messenger, "question"):
                break
            await asyncio.sleep(0.05)
    finally:
        await running.close()

    assert len(fatigue_keys(messenger, "question")) == 1
