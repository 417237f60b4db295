"""The benchmarks' harness at a tiny scale: the mock Slack limits and faults every method it
answers with Slack's own shapes, the naive loop loses what it refuses, the stop race counts
what it promises to, and `porte-voix serve` is driven from outside, every wait bounded.

No product figure is asserted here (the benchmarks report them); only that the harness
measures what it claims, whatever the product does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.messenger import API_ERRORS
from bench import latency, naive_loop
from bench.limited_slack import TOKEN, LimitedSlack, Limits
from bench.planning import scratch_database
from bench.seeding import Nudge
from bench.slack_record import Call, Report
from bench.stop_race import Race, Stop, analyse

METHODS = ("chat.postMessage", "chat.update", "conversations.open", "conversations.history",
           "users.info")
STORMY = Limits(p_429=0.25, p_500=0.25, p_timeout=0.25, hang=0.5, seed=3, latency=0.0)


def client(slack: LimitedSlack, timeout: int = 1) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=timeout,
                          retry_handlers=[])


async def call(web: AsyncWebClient, method: str, i: int) -> str:
    """One call of `method` as the product makes it; what the client saw."""
    user, channel = f"U{i:08d}", f"D{i:08d}"
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "chat.postMessage": lambda: web.chat_postMessage(channel=user, text="hello"),
        "chat.update": lambda: web.chat_update(channel=channel, ts="1.000001", text="hi"),
        "conversations.open": lambda: web.conversations_open(users=user),
        "conversations.history": lambda: web.conversations_history(
            channel=channel, include_all_metadata=True),
        "users.info": lambda: web.users_info(user=user, include_locale=True),
    }
    try:
        await calls[method]()
    except SlackApiError as error:
        status, data = error.response.status_code, error.response.data
        if status == 429:
            assert data == {"ok": False, "error": "ratelimited"}
            assert int(error.response.headers["Retry-After"]) >= 1
        return f"HTTP {status}"
    except API_ERRORS as error:
        return type(error).__name__
    return "ok"


async def test_the_mock_faults_every_method_the_product_calls() -> None:
    async with LimitedSlack(STORMY) as slack:
        web = client(slack)
        seen = {method: Counter([await call(web, method, i) for i in range(24)])
                for method in METHODS}

    for method, outcomes in seen.items():
        assert outcomes["ok"] and outcomes["HTTP 429"] and outcomes["HTTP 500"], seen
        assert set(outcomes) - {"ok", "HTTP 429", "HTTP 500"}, f"{method}: no lost connection"


async def test_the_mock_limits_each_method_as_slack_does() -> None:
    since_2025 = Limits(history_per_minute=1, history_page=15, per_channel=1000, latency=0.0)
    async with LimitedSlack(since_2025.without_faults()) as slack:
        web = client(slack, timeout=30)  # nothing is lost here: a loaded machine is only slow
        for i in range(20):
            await web.chat_postMessage(channel="D00000001", text=f"message {i}")
        page = await web.conversations_history(channel="D00000001", limit=200)
        with pytest.raises(SlackApiError) as refused:
            await web.conversations_history(channel="D00000001",
                                            cursor=page["response_metadata"]["next_cursor"])
    # One a minute in a channel: no pause of a loaded machine lets the second one through.
    async with LimitedSlack(Limits(latency=0.0, per_channel=1 / 60).without_faults()) as slack:
        web = client(slack, timeout=30)
        await web.chat_postMessage(channel="U00000002", text="one")
        with pytest.raises(SlackApiError) as too_soon:
            await web.chat_postMessage(channel="U00000002", text="two")

    assert len(page["messages"]) == 15 and page["has_more"]
    assert refused.value.response.status_code == 429
    assert int(refused.value.response.headers["Retry-After"]) >= 30  # one a minute
    assert too_soon.value.response.status_code == 429  # the channel's own limit


async def test_the_naive_loop_loses_messages_the_mock_refuses() -> None:
    async with LimitedSlack(Limits(ceiling=20, burst_seconds=0.1, p_timeout=0, seed=7)) as slack:
        result = await naive_loop.loop(slack.base_url, 60)
        report = await slack.report()

    expected = {naive_loop.naive_key(i) for i in range(60)}
    assert report.count("chat.postMessage", "429 workspace ceiling") > 0
    assert report.lost(expected) == sum(result.failures.values()) > 0
    assert report.duplicates() == 0


def test_the_stop_race_counts_what_came_after_the_commit() -> None:
    stopper = Nudge("delivery-7", "U00000007")
    channel = stopper.channel
    report = Report([
        Call("chat.postMessage", channel, "delivery-7", 9.0, "ok", True, 9.1),  # before: fine
        Call("chat.postMessage", channel, "delivery-8", 10.2, "ok", True, 10.6),  # on the wire
        Call("chat.postEphemeral", channel, "", 10.5, "ok", True, 10.5),  # the confirmation
        Call("chat.postMessage", channel, "delivery-9", 11.0, "ok", True, 11.1),  # violation
        Call("chat.postMessage", "D00000001", "delivery-1", 12.0, "ok", True, 12.1),
    ])

    race = analyse(Race([Stop(stopper, 10.0, 200)]), report)

    assert (race.after_commit, race.victims, race.in_window, race.on_the_wire) == (1, 1, 1, 1)
    assert race.confirm_delays == [0.5] and race.unconfirmed == 0 and race.too_late == 1


async def test_served_product_is_measured_from_outside_within_its_bounds() -> None:
    async with scratch_database("sqlite") as url:
        queue, resume = await asyncio.wait_for(
            latency.measure(url, trials=1, wait=3.0, remote=False), 60)

    for series in (queue, resume):
        assert series.answers, "the product's answer to the admin never reached the mock"
        assert series.latencies or "within 3 s" in series.missed, series
        assert all(0 < seconds <= 3.0 for seconds in series.latencies), series


def test_the_suggestion_figures_count_what_they_claim():
    from bench.voice import Given, measure
    from bench.voice_corpus import MEMBERS, POSTS

    job = next(post for post in POSTS if post.kind == "job" and post.language == "en")
    event = next(post for post in POSTS if post.kind == "event" and post.language == "en")
    ann, bob = MEMBERS[16], MEMBERS[17]  # English posters; Olivia has a role
    given = [
        Given(job, ann, "en", "We are hiring in Lyon, and I would love you to apply."),
        Given(job, bob, "en", "We are hiring in Lyon, and I would love you to apply."),
        Given(event, ann, "en", "Nous serons là avec toute l'équipe, venez nous voir !"),
        Given(event, bob, "en", f"{event.title}: see you there  on 12 March."),
    ]
    figures = measure(given, 0.001)
    assert figures.openers == 0.5  # two texts of the job post open alike
    assert figures.similarity_max == 100
    assert figures.headline == 1 and figures.foreign == 1
    assert figures.job_hiring == 1.0 and figures.event_details == 0.5
    assert figures.artefacts == 1  # the doubled space


def test_the_ai_stub_writes_what_the_ai_figures_say_it_writes() -> None:
    """Through the product's own prompt, reader and checks: the stub's good drafts pass,
    each bad one is refused for what it was spoilt with, and the figures count them."""
    from bench.ai import AiRun, by_label
    from bench.ai_stub import StubModel
    from bench.fanout import Fanout
    from bench.voice_corpus import MEMBERS, POSTS
    from bot.texts import Texts, make_environment
    from bot.voice.ai.client import read_drafts
    from bot.voice.ai.prompt import Brief, messages
    from bot.voice.ai.writer import tidy
    from bot.voice.guard import Facts
    from bot.voice.versions import Version

    texts, stub, seen = Texts(make_environment()), StubModel(seed=5), Counter()
    for post, person in ((POSTS[0], MEMBERS[16]), (POSTS[1], MEMBERS[0])):  # en, fr
        version = Version(post.language, post.title, post.summary, post.key_points)
        about = person.about if post.language == person.languages[0] else ""
        brief = Brief(post.language, post.kind, post.title, post.summary,
                      tuple(post.key_points), tuple(post.hashtags), person.role, person.team,
                      about, ("One", "Two", "Three"), (), (), 600)
        facts = Facts(version, limit=600, extra_known="\n".join(
            filter(None, (person.role, person.team, about))))
        for _ in range(120):
            reply = stub({"messages": messages(texts, brief)})
            if reply.status == 429:
                seen["429"] += 1
                continue
            drafts = read_drafts(reply.content)
            if drafts is None:
                seen["malformed"] += 1
                continue
            for draft in (tidy(text, post.language) for text in drafts):
                kind = "bad" if draft in stub.bad else "good"
                seen[f"{kind} {facts.refusal(draft)}"] += 1

    assert stub.sent["prompt unread"] == 0
    assert stub.sent["429"] == seen["429"] > 0 and stub.sent["malformed"] == seen["malformed"]
    assert {kind for kind in seen if kind.startswith("good")} == {"good None"}
    assert {kind for kind in seen if kind.startswith("bad")} == {
        "bad invented_fact", "bad language", "bad link"}
    assert seen["bad invented_fact"] == stub.sent["invented"]
    assert seen["bad language"] == stub.sent["language"]
    samples = {'portevoix_ai_nudges_total{drafts="ai"}': 3.0,
               'portevoix_ai_nudges_total{drafts="late"}': 1.0,
               'portevoix_ai_requests_total{result="ok"}': 9.0}
    nudges = by_label(samples, "portevoix_ai_nudges_total")
    run = AiRun("x", Fanout("x", set(), Report(), 0.0), None, 60.0, nudges)
    assert nudges == Counter(ai=3, late=1) and run.ready == 75.0
