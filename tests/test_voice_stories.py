"""Suggestions as volunteers meet them, through the console and Slack: in their language,
fitted to the kind of post, their own, and never the same as a colleague's."""

from __future__ import annotations

from datetime import timedelta

from bench.voice import HIRING
from bot.cards import Actions, Button, Card, Ideas, LinkPreview
from bot.voice.checks import foreign_sentences, repeats_headline
from bot.voice.stored import stored
from storage.models import Delivery, Share
from tests.conftest import ADMIN, enlist
from tests.helpers import (
    delivery_of,
    latest_post,
    nudge_message,
    queue,
    quotes,
    rows,
    says,
)

JOB = ('https://careers.example.com/jobs/data-engineer --title "We are hiring: Data Engineer '
       'in Lyon" --lang en --kind job --summary "Join the team behind our client dashboards. '
       'The role is hybrid." --points "pipelines of two billion events a day; a team of six '
       'in Python" --hashtags hiring')
NEWS_EN = ('https://example.com/news/bordeaux --title "We are opening an office in Bordeaux" '
           '--lang en --summary "A third office opens in January next to the station." '
           '--points "room for twenty people; local hiring in support"')


def opener(text: str) -> str:
    return " ".join(text.lower().split()[:5])


async def texts_given(rt, user: str) -> list[str]:
    return [s.text for s in stored((await delivery_of(rt, user)).suggestions)]


async def test_a_french_volunteer_gets_the_french_version_and_no_english_word(console, jobs,
                                                                             rt):
    await enlist(console, "alice", locale="fr")
    await enlist(console, "bob", locale="en")
    await queue(console, NEWS_EN)
    post = await latest_post(rt)
    await console.say(ADMIN, f'/voix translate {post.id} fr --title "Nous ouvrons un bureau '
                             'à Bordeaux" --summary "Un troisième bureau ouvre en janvier près '
                             'de la gare." --points "de la place pour vingt personnes; des '
                             'recrutements locaux au support"')
    await jobs.tick()
    card = nudge_message(console, "alice").body
    assert card.summary == says(rt, "nudge.summary", "fr",
                                title="Nous ouvrons un bureau à Bordeaux")
    shown = " ".join([b.summary for b in card.blocks if isinstance(b, LinkPreview)]
                     + quotes(card))
    assert "Bordeaux" in shown and "office" not in shown and "twenty" not in shown
    french = await texts_given(rt, "alice")
    assert len(french) == 3
    assert all(foreign_sentences(text, "fr") == 0 for text in french), french
    assert (await delivery_of(rt, "alice")).language == "fr"
    english = await texts_given(rt, "bob")
    assert all(foreign_sentences(text, "en") == 0 for text in english), english


async def test_a_post_in_a_language_they_do_not_post_in_does_not_reach_them(console, jobs, rt):
    await enlist(console, "alice", locale="fr")
    await queue(console, NEWS_EN)
    await jobs.tick()
    assert not await rows(rt, Delivery)
    assert not [m for m in console.dm("alice") if m.proactive]


async def test_a_job_offer_speaks_of_hiring_and_never_thanks_the_people_behind(console, jobs,
                                                                              rt):
    for user in ("ann", "ben", "cat", "dan"):
        await enlist(console, user)
    await queue(console, JOB)
    await jobs.tick()
    post = await latest_post(rt)
    assert post.kind == "job"
    for user in ("ann", "ben", "cat", "dan"):
        for text in await texts_given(rt, user):
            lower = text.lower()
            assert any(word in lower for word in HIRING["en"]), text
            assert "people behind" not in lower and "thanks to the team" not in lower, text
            assert not repeats_headline(text, post.title), text
            assert "#" not in text, text


async def test_colleagues_never_get_the_same_opener_and_keep_their_own_texts(console, jobs, rt):
    users = [f"user{n}" for n in range(8)]
    for user in users:
        await enlist(console, user)
    await queue(console, NEWS_EN)
    await jobs.tick()
    given = {user: await texts_given(rt, user) for user in users}
    openers = [opener(text) for texts in given.values() for text in texts]
    assert len(openers) == 24 and len(set(openers)) == 24
    for user in users:
        delivery = await delivery_of(rt, user)
        assert len({s.angle for s in stored(delivery.suggestions)}) == 3
        assert quotes(nudge_message(console, user).body) == given[user]
    await jobs.tick()  # nothing is made again: what they saw is what they edit
    assert {user: await texts_given(rt, user) for user in users} == given


async def test_their_role_team_and_words_are_in_their_suggestions(console, jobs, rt):
    await enlist(console, "alice", team="team-data")
    await console.say("alice", "prefs")
    await console.submit("alice", role="Data Engineer",
                         about="I build the data platform our clients rely on")
    await queue(console, NEWS_EN)
    await jobs.tick()
    texts = await texts_given(rt, "alice")
    assert all("Data Engineer" in t or "Data team" in t for t in texts), texts
    assert not any("team-data" in t for t in texts)


async def test_someone_who_rewrites_everything_is_offered_their_own_words_first(console, jobs,
                                                                               rt, clock):
    await enlist(console, "alice")
    for n in range(2):
        await queue(console, f'https://example.com/news/{n} --title "News number {n}" '
                             '--lang en --summary "Something happened at the company."')
        await jobs.tick()
        await console.click("alice", says(rt, "nudge.own"))
        await console.submit("alice", text=f"My own words entirely, number {n}, nothing else.")
        clock.advance(timedelta(days=4))  # past the weekly cap and the minimum gap
    assert len(await rows(rt, Share)) == 2
    await queue(console, NEWS_EN)
    await jobs.tick()
    note = says(rt, "impact.milestone_title", name="first_share")  # not a nudge
    card = [m.body for m in console.dm("alice") if m.proactive and isinstance(m.body, Card)
            and m.body.summary != note][2]
    # Before the ideas, in view (it is otherwise among the quiet ways out, after them).
    first, ideas = (next(i for i, b in enumerate(card.blocks) if isinstance(b, kind))
                    for kind in (Actions, Ideas))
    own = card.blocks[first].buttons[0]
    assert isinstance(own, Button) and first < ideas
    assert (own.label, own.quiet) == (says(rt, "nudge.own"), False)
