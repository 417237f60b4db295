"""The weekly digest as a team sees it in its channel: once, on time, in its language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import update

from adapters.console.render import card_to_text
from adapters.console.transport import ConsoleMessenger
from bot.cards import Actions, Card, Figures
from bot.clicks import follow
from bot.ports import SendError
from bot.runtime import open_runtime
from scheduler.runner import Jobs
from storage.models import Delivery, DigestRun, Share, Team
from tests.conftest import ADMIN, START, enlist
from tests.fakes import install_flaky, queue_post, set_prefs, share_nudge, user_deliveries
from tests.helpers import one, rows

TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 10:00 in Paris, the team's second week
SLOT = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
PERIOD_START = SLOT - timedelta(days=7)
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"


def digest_cards(messenger: ConsoleMessenger, channel: str = "#sales") -> list[Card]:
    return [m.body for m in messenger.conversations.get(channel, [])
            if isinstance(m.body, Card)]


def figures(card: Card) -> dict[str, str]:
    """The headline figures, by their label: {"shares": "2", "new volunteer": "1"}."""
    return {fact.label: fact.value for block in card.blocks if isinstance(block, Figures)
            for fact in block.figures}


async def set_team(rt, name: str, **values: object) -> None:
    async with rt.sessions() as session:
        await session.execute(update(Team).where(Team.name == name).values(**values))
        await session.commit()


async def sales_run(rt) -> DigestRun:
    team = await one(rt, Team, Team.name == "#sales")
    return await one(rt, DigestRun, DigestRun.team_id == team.id)


async def busy_week(console, jobs, clock) -> list[Share]:
    """#sales since Monday 30 Nov; in its second week: two posts, two shares, a new
    volunteer, two clicks by people and two by link-preview bots."""
    for user in ("alice", "bob", "carol"):
        await enlist(console, user, team="#sales")
    await enlist(console, "oscar", team="#ops")
    await set_prefs(console, "alice", in_digest="true")
    clock.set(TUESDAY)
    await queue_post(console, "new-office")
    await queue_post(console, "hiring-day")
    await jobs.plan()
    await jobs.send()
    shares = [await share_nudge(console, "alice", " Proud of the Lyon team!"),
              await share_nudge(console, "bob", " Have a look, it is a great place to work.")]
    await enlist(console, "dave", team="#sales")
    for user_agent in (BROWSER, BROWSER, "LinkedInBot/1.0"):
        await follow(console.bot.rt, shares[0].link_token, user_agent)
    await follow(console.bot.rt, shares[1].link_token, "Slackbot-LinkExpanding 1.0")
    return shares


async def test_the_team_gets_one_digest_with_its_figures(console, jobs, rt, clock, messenger):
    await busy_week(console, jobs, clock)
    clock.set(SLOT)

    outcomes = await jobs.digest()

    [card] = digest_cards(messenger)
    [ops_card] = digest_cards(messenger, "#ops")
    assert outcomes == {"posted": 2}
    assert figures(ops_card) == {"shares": "0", "clicks": "0", "new volunteers": "0"}
    assert "Alice" not in card_to_text(ops_card)
    assert figures(card) == {"shares": "2", "clicks": "2", "new volunteer": "1"}
    text = card_to_text(card)
    assert "Sales: our week of sharing" in text and "The week from 7 December" in text
    assert "[News new-office] https://example.com/new-office" in text
    assert "[News hiring-day] https://example.com/hiring-day" in text
    assert "1 share from the team" in text
    assert "their own" not in text  # two people shared: a median would be one of them
    [join] = [b for block in card.blocks if isinstance(block, Actions) for b in block.buttons]
    assert (join.label, join.action_id, join.style) == ("Join in", "help.join", "primary")
    assert "Alice" in text  # asked to be thanked by name
    assert "Bob" not in text  # did not
    run = await sales_run(rt)
    assert run.status == "posted"
    assert (run.period_start, run.period_end) == (PERIOD_START, SLOT)


async def test_no_second_digest_after_a_restart(console, jobs, rt, clock, messenger, settings):
    await busy_week(console, jobs, clock)
    clock.set(SLOT)
    await jobs.digest()
    clock.advance(timedelta(minutes=10))
    await jobs.digest()

    restarted = await open_runtime(settings, clock, migrate=False)
    try:
        fresh = ConsoleMessenger()
        restarted.messengers[fresh.platform] = fresh
        clock.advance(timedelta(minutes=10))
        await Jobs(restarted).digest()
    finally:
        await restarted.close()

    assert len(digest_cards(messenger)) == len(digest_cards(messenger, "#ops")) == 1
    assert fresh.sent_keys == []
    runs = await rows(rt, DigestRun)
    assert sorted((r.team_id, r.period_start, r.status) for r in runs) == sorted(
        (team.id, PERIOD_START, "posted") for team in await rows(rt, Team))


async def test_the_digest_speaks_the_team_language(console, jobs, rt, clock, messenger):
    await busy_week(console, jobs, clock)
    await set_team(rt, "#sales", locale="fr")
    clock.set(SLOT)

    await jobs.digest()

    [card] = digest_cards(messenger)
    text = card_to_text(card)
    assert "notre semaine de partages" in text
    assert figures(card)["partages"] == "2"
    assert "Merci à Alice" in text and "La semaine du 7 décembre" in text
    assert "Shares" not in text


async def test_the_slot_is_monday_nine_in_the_team_time_zone(console, jobs, rt, clock,
                                                             messenger):
    await busy_week(console, jobs, clock)
    await set_team(rt, "#sales", timezone="America/Montreal")

    clock.set(SLOT)  # 09:00 in Paris is 03:00 in Montreal
    await jobs.digest()
    assert digest_cards(messenger) == []
    clock.set(datetime(2026, 12, 14, 14, 0, tzinfo=UTC))  # 09:00 in Montreal
    await jobs.digest()

    assert len(digest_cards(messenger)) == 1


async def test_a_quiet_week_posts_nothing(console, jobs, rt, clock, messenger):
    await enlist(console, "alice", team="#sales")
    clock.set(SLOT)

    assert await jobs.digest() == {"empty": 1}

    assert digest_cards(messenger) == []
    assert (await one(rt, DigestRun)).status == "empty"


async def test_a_digest_that_failed_to_send_is_posted_on_the_next_run(
        console, jobs, rt, clock, messenger):
    await busy_week(console, jobs, clock)
    flaky = install_flaky(rt, messenger, [SendError("transient", "503")])
    clock.set(SLOT)

    await jobs.digest()
    failed = await sales_run(rt)
    assert failed.status == "failed"
    assert digest_cards(messenger) == []

    clock.advance(timedelta(minutes=10))
    await jobs.digest()
    clock.advance(timedelta(minutes=10))
    await jobs.digest()

    assert len(digest_cards(messenger)) == len(digest_cards(messenger, "#ops")) == 1
    assert len(flaky.calls) == 3  # #sales failed, #ops posted, #sales posted
    assert (await sales_run(rt)).status == "posted"


async def test_a_new_team_gets_a_digest_of_its_first_week(console, jobs, rt, clock, messenger):
    await enlist(console, "alice", team="#sales")  # #sales exists from Monday 10:00
    await queue_post(console, "first-week")
    await jobs.tick()
    await share_nudge(console, "alice")
    clock.set(START + timedelta(days=7) - timedelta(hours=1))  # next Monday, 09:00 in Paris

    await jobs.digest()

    [card] = digest_cards(messenger)
    assert figures(card)["share"] == "1"


async def test_a_team_digest_leaves_out_posts_meant_for_other_teams(
        console, jobs, rt, clock, messenger):
    await enlist(console, "alice", team="#sales")
    await enlist(console, "oscar", team="#ops")
    clock.set(TUESDAY)
    await queue_post(console, "sales-kickoff", "--teams sales")
    await jobs.plan()
    await jobs.send()
    clock.set(SLOT)

    await jobs.digest()

    assert "News sales-kickoff" in card_to_text(digest_cards(messenger)[0])
    assert digest_cards(messenger, "#ops") == []  # nothing was offered to #ops


async def test_a_click_counts_in_one_digest_only_across_a_clock_change(
        console, jobs, rt, clock, messenger):
    clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    await enlist(console, "alice", team="#sales")
    clock.set(datetime(2026, 3, 19, 10, 0, tzinfo=UTC))  # Thursday
    await queue_post(console, "spring")
    await jobs.tick()
    share = await share_nudge(console, "alice")
    clock.set(datetime(2026, 3, 23, 7, 30, tzinfo=UTC))  # Monday 08:30 in Paris (winter time)
    await follow(rt, share.link_token, BROWSER)

    clock.set(datetime(2026, 3, 23, 8, 0, tzinfo=UTC))  # Monday 09:00 in Paris
    await jobs.digest()
    clock.set(datetime(2026, 3, 30, 7, 0, tzinfo=UTC))  # next Monday 09:00, summer time
    await jobs.digest()

    cards = digest_cards(messenger)
    assert sum(int(value) for card in cards for label, value in figures(card).items()
               if label.startswith("click")) == 1


async def test_a_french_digest_lists_a_post_by_its_french_title(console, jobs, rt, clock,
                                                              messenger):
    await enlist(console, "alice", team="#sales")
    clock.set(TUESDAY)
    post = await queue_post(console, "new-office", "--lang en")
    await console.say("camille", f'/voix translate {post.id} fr --title "Un nouveau bureau"')
    await set_team(rt, "#sales", locale="fr")
    await jobs.plan()
    await jobs.send()
    clock.set(SLOT)

    await jobs.digest()

    [card] = digest_cards(messenger)
    text = card_to_text(card)
    assert "[Un nouveau bureau]" in text and "News new-office" not in text


async def test_ai_drafts_are_compared_with_the_engines_in_the_digest_and_stats(
        console, jobs, rt, clock, messenger):
    """Alice's ideas came from the AI model, Bob's from the engine: the digest and
    `/voix stats` put their shares, edit ratios and clicks side by side."""
    for user in ("alice", "bob"):
        await enlist(console, user, team="#sales")
    clock.set(TUESDAY)
    await queue_post(console, "new-office")
    await jobs.plan()
    [alice] = await user_deliveries(rt, "alice")
    drafted = [{"text": f"Draft {n}: our new office, seen from my desk.", "angle": "proud",
                "label": "Proud", "source": "ai"} for n in (1, 2, 3)]
    async with rt.sessions() as session:
        await session.execute(update(Delivery).where(Delivery.id == alice.id)
                              .values(suggestions=drafted))
        await session.commit()
    await jobs.send()
    ai_share = await share_nudge(console, "alice", " And I mean it.")
    engine_share = await share_nudge(console, "bob")
    for _ in range(2):
        await follow(rt, ai_share.link_token, BROWSER)
    clock.set(SLOT)

    await jobs.digest()
    await console.say(ADMIN, "/voix stats")

    assert (ai_share.source, engine_share.source) == ("ai", "engine")
    assert ai_share.edit_ratio > 0 and engine_share.edit_ratio > 0
    # One share each: no median of one person's edit.
    expected = "AI drafts: 1 share, 2 clicks\nPorte-Voix suggestions: 1 share, 0 clicks"
    [card] = digest_cards(messenger)
    assert expected in card_to_text(card)
    assert expected in card_to_text(console.last(ADMIN))


async def test_without_ai_drafts_the_digest_has_no_comparison(console, jobs, rt, clock,
                                                             messenger):
    await busy_week(console, jobs, clock)
    clock.set(SLOT)
    await jobs.digest()
    [card] = digest_cards(messenger)
    assert "AI drafts" not in card_to_text(card)


async def test_three_sharers_make_a_median_and_someone_who_stopped_is_not_thanked(
        console, jobs, rt, clock, messenger):
    for user in ("alice", "bob", "carol"):
        await enlist(console, user, team="#sales")
        await set_prefs(console, user, in_digest="true")
    clock.set(TUESDAY)
    await queue_post(console, "new-office")
    await jobs.plan()
    await jobs.send()
    shares = [await share_nudge(console, user, words) for user, words in (
        ("alice", " Proud of the Lyon team!"), ("bob", " A great place to work."),
        ("carol", " Come and see us in Lyon, we are hiring."))]
    await console.say("carol", "stop")
    clock.set(SLOT)

    await jobs.digest()

    text = card_to_text(digest_cards(messenger)[0])
    ratio = round(median(share.edit_ratio for share in shares) * 100)
    assert f"Half of those who shared made more than {ratio}% of the text their own." in text
    assert "Thank you, Alice and Bob, and everyone who shared!" in text
    assert "Carol" not in text
