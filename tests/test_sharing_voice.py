"""Shares that keep the volunteer's words: links that carry the text, the X cut that keeps
the hashtags, the disclosure that holds, and "original at share time" with its choices."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from adapters.console.render import card_to_text
from adapters.slack.render import render_blocks
from adapters.teams.render import render_card
from bot.cards import Card
from bot.services.sharing import (
    SHARE_URL_LIMIT,
    X_TEXT_BUDGET,
    has_hashtag,
    linkedin_post_url,
    split_hashtags,
    with_disclosure,
    x_text,
    x_weight,
)
from bot.voice.originality import THRESHOLD, closest
from storage.models import Delivery, Share
from tests.conftest import ADMIN, enlist
from tests.helpers import (
    NEWS_URL,
    assert_polite,
    assert_reads,
    count,
    delivery_of,
    last_text,
    latest_post,
    one,
    queue,
    quotes,
    rows,
    says,
    speak,
)

LINK = "https://pv.example/r/AbCdEfGhIjKl"
TAGS = "#data #lyon #proudtowork"
POST = (f'{NEWS_URL} --title "New office in Lyon" --hashtags data,lyon '
        '--points "200 jobs; opening in May"')
MINE = ("Our Lyon office opens in May, and I will be there from the first day with the data "
        "team. Two hundred people will join us over the next year: if you know someone who "
        "loves clean pipelines, tell them to get in touch with me: we will have coffee on the "
        "rooftop and talk about it.\n\n" + TAGS)
SUGGESTIONS = [{"text": f"Idea {n}: a text of my own about Lyon.", "angle": angle,
                "label": angle.title(), "source": "engine"}
               for n, angle in enumerate(("why_it_matters", "personal_link", "invite"), 1)]


async def hashtag(console, value: str = "#proudtowork") -> None:
    await console.say(ADMIN, f"/voix set hashtag {value}")


async def nudged_all(console, jobs, rt, *users: str, locale: str = "en") -> None:
    """`users` volunteer and get one post, whose suggestions are known stored ones."""
    for user in users:
        await enlist(console, user, locale=locale)
    await queue(console, f"{POST} --lang {locale}")
    await jobs.tick()
    async with rt.sessions() as session:
        await session.execute(update(Delivery).values(suggestions=SUGGESTIONS))
        await session.commit()


async def share(console, user: str, text: str, network: str = "linkedin",
                idea: str = "1") -> None:
    """`user` picks idea number `idea` ("own": write my own) and submits `text`."""
    rt = console.bot.rt
    locale = console.profiles[user].locale or "en"
    label = (says(rt, "nudge.own", locale) if idea == "own"
             else says(rt, "nudge.use", locale, number=int(idea)))
    await console.click(user, label)
    await console.submit(user, text=text, network=network)


async def linkedin_box(console, user: str) -> str:
    url = urlsplit(await console.click(user, "LinkedIn"))
    assert (url.netloc, url.path) == ("www.linkedin.com", "/feed/")
    query = parse_qs(url.query)
    assert query["shareActive"] == ["true"]
    return query["text"][0]


async def x_box(console, user: str) -> tuple[str, str]:
    url = urlsplit(await console.click(user, "X"))
    assert (url.netloc, url.path) == ("x.com", "/intent/post")
    query = parse_qs(url.query)
    return query["text"][0], query["url"][0]


def tracked(share_row: Share) -> str:
    return f"https://pv.example/r/{share_row.link_token}"


# -- share links that carry the words ---------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_linkedin_opens_with_the_text_and_the_tracked_link(console, jobs, rt, locale):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice", locale=locale)
    await share(console, "alice", MINE)
    shared = await one(rt, Share)
    text = last_text(console, "alice")
    assert says(rt, "share.hint_linkedin", locale) in text
    assert quotes(console.last("alice")) == [f"{MINE}\n\n{tracked(shared)}"]
    assert await linkedin_box(console, "alice") == f"{MINE}\n\n{tracked(shared)}"
    assert (shared.final_text, shared.similarity, shared.originality) == (MINE, None, "")


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_text_too_long_for_the_button_is_pasted_and_the_card_says_so(console, jobs, rt,
                                                                             locale):
    await nudged_all(console, jobs, rt, "alice", locale=locale)
    long_text = "Lyon, équipe, données, café : " * 90  # accents triple once encoded
    await share(console, "alice", long_text.strip())
    shared = await one(rt, Share)
    assert says(rt, "share.hint_linkedin_paste", locale) in last_text(console, "alice")
    url = urlsplit(await console.click("alice", "LinkedIn"))
    assert url.path == "/sharing/share-offsite/"
    assert parse_qs(url.query) == {"url": [tracked(shared)]}
    assert tracked(shared) in quotes(console.last("alice"))[0]


async def test_the_x_cut_shortens_the_words_never_the_link_or_the_hashtags(console, jobs, rt):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice")
    await share(console, "alice", MINE, network="x")
    shared = await one(rt, Share)
    assert says(rt, "share.hint_x_cut") in last_text(console, "alice")
    text, link = await x_box(console, "alice")
    assert link == tracked(shared)
    assert text.endswith("…\n\n" + TAGS)
    assert MINE.startswith(text.removesuffix("…\n\n" + TAGS))
    assert x_weight(text) + 1 + 23 <= 280


async def test_a_short_text_goes_to_x_whole(console, jobs, rt):
    await nudged_all(console, jobs, rt, "alice")
    await share(console, "alice", "See you in Lyon! #lyon", network="x")
    assert says(rt, "share.hint_x") in last_text(console, "alice")
    assert (await x_box(console, "alice"))[0] == "See you in Lyon! #lyon"


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_removed_disclosure_hashtag_comes_back_and_the_card_says_so(console, jobs, rt,
                                                                           locale):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice", locale=locale)
    await share(console, "alice", "Proud of our Lyon office.\n\n#data #lyon")
    shared = await one(rt, Share)
    assert shared.final_text == "Proud of our Lyon office.\n\n#data #lyon #proudtowork"
    note = says(rt, "share.disclosure_added", locale, hashtag="#proudtowork")
    assert note in last_text(console, "alice")
    assert (await linkedin_box(console, "alice")).startswith(shared.final_text)


async def test_a_text_keeping_the_hashtag_is_shared_as_written(console, jobs, rt):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice")
    await share(console, "alice", "Lyon, here we come #ProudToWork")
    assert (await one(rt, Share)).final_text == "Lyon, here we come #ProudToWork"
    note = says(rt, "share.disclosure_added", hashtag="#proudtowork")
    assert note not in last_text(console, "alice")


async def test_the_hashtag_may_not_push_a_text_past_linkedins_limit(console, jobs, rt):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice")
    await share(console, "alice", "a" * 2995)
    assert_reads(console, rt, "alice", "share.too_long", limit=2986, hashtag="#proudtowork")
    assert await count(rt, Share) == 0


async def test_the_share_keeps_the_angle_and_source_of_the_idea_picked(console, jobs, rt):
    await nudged_all(console, jobs, rt, "alice", "bob")
    offered = SUGGESTIONS[1]["text"] + "\n\n#data #lyon"  # the form adds the hashtags line
    await share(console, "alice", offered, idea="2")
    await share(console, "bob", "Nothing like a new office to start the week.", idea="own")
    alice, bob = await rows(rt, Share)
    assert (alice.angle, alice.source, alice.edit_ratio) == ("personal_link", "engine", 0.0)
    assert (alice.suggested_text, bob.angle, bob.source) == (offered, "", "")


@pytest.mark.parametrize("text", ["é" * 2980, "🎉 " * 1000, MINE])
async def test_both_share_links_survive_slack_and_teams(console, jobs, rt, text):
    await hashtag(console)
    await nudged_all(console, jobs, rt, "alice")
    await share(console, "alice", text.strip(), network="x")
    card = console.last("alice")
    assert isinstance(card, Card)
    slack = [e for block in render_blocks(card) if block["type"] == "actions"
             for e in block["elements"]]
    teams = json.dumps(render_card(card))
    assert [e["action_id"] for e in slack if "url" in e] == ["share.linkedin", "share.x"]
    assert teams.count('"Action.OpenUrl"') == 2


# -- original at share time ------------------------------------------------------------


async def test_a_text_unlike_colleagues_is_shared_with_its_similarity(console, jobs, rt):
    await nudged_all(console, jobs, rt, "alice", "bob")
    await share(console, "alice", MINE)
    await share(console, "bob", "Big week for us: Lyon gets its own office, with a rooftop "
                                "where I intend to drink far too much coffee.\n\n" + TAGS)
    first, second = await rows(rt, Share)
    assert first.similarity is None
    assert second.similarity is not None and second.similarity < THRESHOLD
    assert second.originality == ""


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_text_close_to_a_colleagues_waits_for_edit_again_or_share_anyway(
        console, jobs, rt, locale):
    await nudged_all(console, jobs, rt, "alice", "bob", locale=locale)
    await share(console, "alice", MINE)
    almost = MINE.replace("from the first day", "from day one")
    await share(console, "bob", almost)
    assert await count(rt, Share) == 1
    card = console.last("bob")
    assert isinstance(card, Card)
    assert says(rt, "share.close", locale) in card_to_text(card)
    assert quotes(card) == [almost]
    assert [b.label for b in card.buttons()] == [says(rt, "share.edit_again", locale),
                                                 says(rt, "share.share_anyway", locale)]
    assert_polite(card_to_text(card))
    assert (await delivery_of(rt, "bob")).status == "sent"

    await console.click("bob", says(rt, "share.edit_again", locale))
    form = console.forms.pop("bob")
    assert (form.form_id, form.inputs[0].value) == ("share.edit", almost)
    assert form.inputs[1].value == "linkedin"

    [_, (ref, anyway)] = console.buttons("bob")
    for _ in range(2):  # a double click: the second press lands on the card it replaced
        await console.press("bob", anyway.action_id, anyway.value, ref)
    shares = await rows(rt, Share)
    assert len(shares) == 2
    bob = shares[1]
    assert (bob.final_text, bob.originality) == (almost, "anyway")
    assert bob.similarity is not None and bob.similarity >= THRESHOLD
    assert (await delivery_of(rt, "bob")).status == "shared"
    assert says(rt, "share.ready_title", locale) in last_text(console, "bob")


async def test_edit_again_then_a_text_of_ones_own_is_shared_without_asking(console, jobs, rt):
    await nudged_all(console, jobs, rt, "alice", "bob")
    await share(console, "alice", MINE)
    await share(console, "bob", MINE)
    warning = console.buttons("bob")
    await console.click("bob", "Edit again")
    await console.submit("bob", text="Lyon! I asked for a desk by the window. " + TAGS)
    bob = (await rows(rt, Share))[-1]
    assert (bob.originality, bob.final_text.startswith("Lyon! I asked")) == ("", True)
    # The first draft is gone: its buttons answer politely and share nothing.
    ref, anyway = warning[1]
    await console.press("bob", anyway.action_id, anyway.value, ref)
    assert_reads(console, rt, "bob", "share.draft_gone")
    assert await count(rt, Share) == 2


async def test_share_anyway_is_only_for_ones_own_live_draft(console, jobs, rt):
    await nudged_all(console, jobs, rt, "alice", "bob", "cleo")
    await share(console, "alice", MINE)
    await share(console, "bob", MINE)
    [(_, again), (_, anyway)] = console.buttons("bob")
    bob_delivery, token = anyway.value.split(":")
    alice_share = await one(rt, Share)
    cleo_delivery = (await delivery_of(rt, "cleo")).id
    for user, value, key in (
        ("cleo", anyway.value, "errors.unknown_action"),  # someone else's delivery
        ("cleo", f"{cleo_delivery}:{token}", "share.draft_gone"),  # someone else's token
        ("cleo", f"{cleo_delivery}:{alice_share.link_token}", "share.draft_gone"),
        ("bob", f"{bob_delivery}:forged", "share.draft_gone"),
        ("bob", f"{bob_delivery}:", "share.draft_gone"),
        ("bob", "not-an-id", "errors.unknown_action"),
    ):
        for action in ("share.anyway", "share.again"):
            await console.press(user, action, value)
            assert_reads(console, rt, user, key)
    assert "cleo" not in console.forms and "bob" not in console.forms
    assert await count(rt, Share) == 1

    post = await latest_post(rt)
    await console.say(ADMIN, f"/voix cancel {post.id}")
    await console.press("bob", "share.anyway", anyway.value)
    assert_reads(console, rt, "bob", "nudge.stale")
    await console.press("bob", "share.again", again.value)
    assert_reads(console, rt, "bob", "nudge.stale")
    assert await count(rt, Share) == 1


# -- a disclosure that holds ------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_the_charter_says_how_to_disclose_as_configured_without_a_new_version(
        console, rt, locale):
    join = "join" if locale == "en" else "rejoindre"
    speak(console, "alice", locale)
    await console.say("alice", join)
    own_words = says(rt, "charter.disclosure", locale, hashtag="")
    assert own_words in last_text(console, "alice")
    assert "{disclosure}" not in last_text(console, "alice")
    await console.click("alice", 1)  # accepts this version
    version = rt.charter.version

    await hashtag(console, "#ProudToWork")
    speak(console, "bob", locale)
    await console.say("bob", join)
    named = says(rt, "charter.disclosure", locale, hashtag="#ProudToWork")
    text = last_text(console, "bob")
    assert named in text and own_words not in text and "#ProudToWork" in named
    await console.say("alice", join)
    assert_reads(console, rt, "alice", "volunteer.already_in", locale)  # no re-consent asked
    assert rt.charter.version == version


# -- the rules, one by one ----------------------------------------------------------------


def test_x_text_cuts_the_prose_on_a_word_and_keeps_the_trailing_hashtags():
    prose = "Word " * 80 + "end."
    text = x_text(f"{prose}\n\n#data #lyon #proudtowork")
    body, sep, tags = split_hashtags(text)
    assert (sep, tags) == ("\n\n", "#data #lyon #proudtowork")
    assert body.endswith("Word…") and x_weight(text) <= X_TEXT_BUDGET


def test_x_text_keeps_a_disclosure_written_in_the_words_the_cut_drops():
    text = x_text("Word " * 80 + "and #proudtowork says where I work. #lyon",
                  ["#proudtowork", "#lyon"])
    assert text.endswith("Word… #lyon #proudtowork") and x_weight(text) <= X_TEXT_BUDGET
    kept = x_text("#ProudToWork: " + "word " * 80, ["#proudtowork"])
    assert kept.startswith("#ProudToWork") and kept.count("#") == 1


def test_x_counts_emoji_twice_and_links_as_23():
    assert x_weight("café") == 4 and x_weight("🎉") == 2
    assert x_weight("see https://example.com/" + "a" * 100) == 4 + 23
    cut = x_text("🎉" * 300 + " #lyon")
    assert cut.endswith("🎉… #lyon") and x_weight(cut) == X_TEXT_BUDGET
    assert x_text("Fière " + "🎉" * 300).startswith("Fière 🎉🎉")  # not just "Fière…"
    assert x_weight(cut) <= X_TEXT_BUDGET


def test_x_text_of_hashtags_only_keeps_the_disclosure_first():
    tags = " ".join(f"#tag{n:03d}" for n in range(60)) + " #proudtowork"
    cut = x_text(tags, ["#proudtowork"])
    assert cut.endswith("#proudtowork") and x_weight(cut) <= X_TEXT_BUDGET


def test_with_disclosure_joins_the_hashtags_line_or_starts_one():
    assert with_disclosure("Hello\n\n#lyon", "#pv") == "Hello\n\n#lyon #pv"
    assert with_disclosure("Hello", "#pv") == "Hello\n\n#pv"
    assert with_disclosure("#lyon", "#pv") == "#lyon #pv"
    assert with_disclosure("Hello #PV", "#pv") == "Hello #PV"
    assert with_disclosure("Hello #pvx", "#pv") == "Hello #pvx #pv"
    assert with_disclosure("Hello", "") == "Hello"
    assert has_hashtag("go #PV!", "#pv") and not has_hashtag("go #pvx", "#pv")


def test_linkedin_post_url_gives_way_when_too_long():
    url = linkedin_post_url("Hello Lyon", LINK)
    assert url is not None and len(url) <= SHARE_URL_LIMIT
    assert parse_qs(urlsplit(url).query)["text"] == [f"Hello Lyon\n\n{LINK}"]
    assert linkedin_post_url("é" * 500, LINK) is None


def test_originality_ignores_hashtags_and_links_and_needs_words():
    text = "Our Lyon office opens in May and I will be there from day one."
    assert closest(text, []) is None
    assert closest("#lyon #proudtowork", ["#lyon #proudtowork"]) is None
    assert closest(text + " #a #b https://x.example/1", [text + " #c"]) == 100.0
    reordered = "I will be there from day one: our Lyon office opens in May."
    assert closest(text, ["Totally different words here.", reordered]) >= THRESHOLD
    own = "Three billion events a day: proud of the platform my team keeps running."
    assert closest(own, [text]) < THRESHOLD
