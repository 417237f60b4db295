"""Badges and streaks from a volunteer's own history, seen in `me` and on their home; shown
to their team (in the digest) only if they chose to be thanked by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from adapters.console.render import card_to_text
from bot.recognition.badges import BADGES, OWN_WORDS_SHARES, earned, streak
from tests.conftest import ADMIN, enlist
from tests.fakes import queue_post, set_prefs, share_nudge
from tests.helpers import last_text
from tests.test_digest import digest_cards

PARIS = ZoneInfo("Europe/Paris")
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 7 December, 09:00 in Paris


async def share_one(console, jobs, user: str, slug: str, words: str = " In my own words.") -> None:
    await queue_post(console, slug)
    await jobs.plan()
    await jobs.send()
    await share_nudge(console, user, words)


@given(st.lists(st.tuples(moments, st.floats(0, 1)), max_size=15),
       st.lists(moments, max_size=15))
def test_badges_follow_the_history_and_never_come_before_it(shares, clicks):
    found = earned(shares, clicks)

    assert list(found) == [name for name in BADGES if name in found]
    assert ("first_share" in found) == bool(shares)
    assert ("shares_10" in found) == (len(shares) >= 10)
    assert ("clicks_10" in found) == (len(clicks) >= 10)
    own = [ratio for _, ratio in shares if ratio >= 0.5]
    assert ("own_words" in found) == (len(own) >= OWN_WORDS_SHARES)
    everything = [at for at, _ in shares] + clicks
    assert all(at in everything for at in found.values())
    if "first_share" in found:
        assert found["first_share"] == min(at for at, _ in shares)


@given(st.sets(st.integers(0, 23), max_size=24), st.integers(0, 23))
def test_a_streak_is_the_months_in_a_row_up_to_now(months, now_index):
    def moment(index: int) -> datetime:
        return datetime(2025 + index // 12, index % 12 + 1, 15, 12, tzinfo=UTC)

    found = streak([moment(i) for i in months], moment(now_index), PARIS)

    top = now_index if now_index in months else now_index - 1
    run = 0
    while top - run in months:
        run += 1
    assert found == (run if run >= 2 else 0)


async def test_me_and_home_show_badges_and_the_streak(console, jobs, rt, clock):
    await enlist(console, "alice")
    await share_one(console, jobs, "alice", "new-office")  # Monday 30 November
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await share_one(console, jobs, "alice", "hiring-day")

    await console.say("alice", "me")
    mine = last_text(console, "alice")
    await console.open_home("alice")
    home = last_text(console, "alice")

    for text in (mine, home):
        assert "Your badges: First share." in text
        assert "2 months in a row with a share." in text
    assert "Only you see your badges" in mine


async def test_a_broken_streak_is_never_announced(console, jobs, rt, clock):
    await enlist(console, "alice")
    await share_one(console, jobs, "alice", "new-office")
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await share_one(console, jobs, "alice", "hiring-day")
    clock.set(datetime(2027, 2, 2, 9, 0, tzinfo=UTC))  # nothing shared in January

    await console.say("alice", "me")

    text = last_text(console, "alice")
    assert "in a row" not in text and "lost" not in text and "broke" not in text
    assert "Your badges: First share." in text


async def test_french_badges(console, jobs, rt, clock):
    await enlist(console, "alice", locale="fr")
    await share_one(console, jobs, "alice", "nouveau-bureau --lang fr")

    await console.say("alice", "moi")

    text = last_text(console, "alice")
    assert "Vos badges\u202f: Premier partage." in text
    assert "Ce mois-ci" in text and "Le mois dernier" in text


async def test_the_digest_names_a_new_badge_only_of_who_chose_it(console, jobs, rt, clock,
                                                                 messenger):
    for user in ("alice", "bob"):
        await enlist(console, user, team="#sales")
    await set_prefs(console, "alice", in_digest="true")
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await queue_post(console, "new-office")
    await jobs.plan()
    await jobs.send()
    await share_nudge(console, "alice")
    await share_nudge(console, "bob")
    await console.say(ADMIN, '/voix challenge "Share our news" --until 2026-12-31')
    clock.set(SLOT)

    await jobs.digest()

    [card] = digest_cards(messenger)
    text = card_to_text(card)
    assert "New badges this week: Alice (First share). Congratulations!" in text
    assert "Bob" not in text
    assert "Team challenges" in text and "Share our news" in text


async def test_no_badge_line_in_a_week_without_one(console, jobs, rt, clock, messenger):
    for user in ("alice", "bob"):
        await enlist(console, user, team="#sales")
    await set_prefs(console, "alice", in_digest="true")
    await share_one(console, jobs, "alice", "new-office")  # in the week before
    clock.set(SLOT + timedelta(days=1))
    await share_one(console, jobs, "bob", "hiring-day")  # his first: he chose no thanks
    clock.set(SLOT + timedelta(days=7))

    await jobs.digest()

    text = card_to_text(digest_cards(messenger)[-1])
    assert "New badges" not in text
