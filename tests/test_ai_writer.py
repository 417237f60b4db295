"""The AI writer end to end: the console and the jobs, with an OpenAI-compatible model faked at
the wire (bench/fake_model.py) behind the real `openai` client. Whatever the model answers,
the card shows three suggestions the checks accept, and /metrics says what happened."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from adapters.console.render import card_to_text
from adapters.console.transport import WORKSPACE, Profile
from adapters.slack.render import render_blocks
from adapters.teams.render import render_card
from bench.fake_model import FakeModel, Received, Reply, drafts, error
from bot.cards import Card
from bot.clock import ManualClock
from bot.config import Settings
from bot.metrics import REGISTRY
from bot.runtime import Runtime
from bot.voice.guard import refusal
from bot.voice.versions import version
from scheduler.drafts import MAX_DRAFT
from storage.models import Delivery, Member, Post, Share, Team, Workspace
from tests.conftest import ADMIN, enlist
from tests.fakes import set_prefs
from tests.helpers import (
    assert_reads,
    delivery_of,
    last_text,
    latest_post,
    member,
    nudge_message,
    one,
    queue,
    quotes,
    rows,
    says,
    until,
)

KEY = "sk-secret-123"
LYON = ('"https://example.com/news/lyon" --title "New office in Lyon" '
        '--points "200 jobs; opening in May"')
PARIS = '"https://example.com/news/paris" --title "A studio in Paris" --points "12 designers"'
GOOD = ("Lyon is getting an office of ours, with 200 jobs to fill from May.",
        "I am really proud of this one. Two hundred people will join us in Lyon, starting in May.",
        "If you ever wanted to work with us, now is the time: we open our doors in Lyon this May.")
AI_NOTE = "Draft by AI — make it yours"


class Grown:
    """How much each Prometheus sample grew since this was made (the registry is
    process-wide, so tests compare before and after)."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for metric in REGISTRY.collect() for sample in metric.samples}

    def __call__(self, name: str, **labels: str) -> float:
        key = (f"portevoix_ai_{name}_total", tuple(sorted(labels.items())))
        return self._now().get(key, 0.0) - self._start.get(key, 0.0)


@pytest.fixture
def grown() -> Grown:
    return Grown()


@pytest.fixture
async def model() -> AsyncIterator[FakeModel]:
    fake = FakeModel(lambda body: drafts(*GOOD))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def configured() -> bool:
    return True


@pytest.fixture
def llm_timeout() -> float:
    return 10.0


@pytest.fixture
def settings(database_url: str, model: FakeModel, configured: bool,
             llm_timeout: float) -> Settings:
    return Settings(database_url=database_url, admins=[ADMIN], public_url="https://pv.example",
                    llm_url=model.url if configured else None,
                    llm_model="tiny" if configured else None,
                    llm_api_key=SecretStr(KEY), llm_timeout=llm_timeout)


def answering(*replies: Reply) -> Callable[[dict], Reply]:
    """The model's answers in turn, the last one again and again."""
    queued = list(replies)
    return lambda body: queued.pop(0) if len(queued) > 1 else queued[0]


def lead_passes(rt: Runtime) -> None:
    """The clock moves on by PORTEVOIX_LLM_LEAD: where AI drafts are on, a nudge planned
    then is due now."""
    assert isinstance(rt.clock, ManualClock)
    rt.clock.advance(timedelta(seconds=rt.settings.llm_lead))


async def deliver(jobs, rt: Runtime) -> None:
    """Every job once (drafts written while the nudges just planned wait for their lead),
    then the outbox once they are due."""
    await jobs.tick()
    lead_passes(rt)
    await jobs.send()


async def nudge(console, jobs, rt, *users: str, ai: bool = True) -> Post:
    """AI drafts on (or not), `users` volunteer, a post is queued and delivered."""
    if ai:
        await console.say(ADMIN, "/voix set ai on")
    for user in users:
        await enlist(console, user)
    await queue(console, LYON)
    await deliver(jobs, rt)
    return await latest_post(rt)


async def sources(console, rt, user: str, post: Post) -> list[str]:
    """Where each suggestion on `user`'s card came from, once the card is seen to show three
    ideas, none empty, each one the checks accept."""
    delivery = await delivery_of(rt, user, post)
    shown = quotes(nudge_message(console, user).body)
    assert shown == [s["text"] for s in delivery.suggestions]
    assert len(shown) == 3 and all(text.strip() for text in shown), shown
    blocked = (await one(rt, Workspace)).blocked_terms
    for text in shown:
        assert refusal(text, version=version(post, delivery.language), blocked=blocked,
                       limit=MAX_DRAFT, colleagues=()) is None, text
    return [s["source"] for s in delivery.suggestions]


def card_text(console, user: str) -> str:
    return card_to_text(nudge_message(console, user).body)


def structured(received: Received) -> str | None:
    return (received.body.get("response_format") or {}).get("type")


# -- good drafts -------------------------------------------------------------------------


async def test_good_drafts_reach_the_card_marked_as_ai_on_every_platform(
        console, jobs, rt, model, grown):
    await console.say(ADMIN, "/voix set ai on")
    await console.say(ADMIN, "/voix set blocked confidential, internal only")
    console.profiles["U07ZQ"] = Profile("Zoé Quintard")
    await console.join_channel("U07ZQ", "data-platform")
    await console.say("U07ZQ", "join")
    await console.click("U07ZQ", 1)
    async with rt.sessions() as session:
        await session.execute(update(Member).where(Member.external_id == "U07ZQ")
                              .values(email="zoe.quintard@example.com"))
        await session.commit()
    await set_prefs(console, "U07ZQ", role="Data engineer",
                    about="I build the pipelines that feed our dashboards.")
    await queue(console, LYON)
    await deliver(jobs, rt)
    post = await latest_post(rt)
    assert await sources(console, rt, "U07ZQ", post) == ["ai"] * 3
    card = nudge_message(console, "U07ZQ").body
    assert isinstance(card, Card) and quotes(card) == list(GOOD)
    assert card_to_text(card).count(f"({AI_NOTE})") == 3
    assert json.dumps(render_blocks(card), ensure_ascii=False).count(AI_NOTE) == 3
    assert json.dumps(render_card(card), ensure_ascii=False).count(AI_NOTE) == 3
    assert (grown("drafts", outcome="accepted"), grown("requests", result="ok"),
            grown("nudges", drafts="ai"), grown("tokens", kind="prompt")) == (3, 1, 1, 420)

    [asked] = model.received
    assert asked.headers["Authorization"] == f"Bearer {KEY}"
    assert (asked.body["model"], structured(asked)) == ("tiny", "json_schema")
    prompt = asked.prompt
    offered = (await delivery_of(rt, "U07ZQ", post)).suggestions
    for told in ("New office in Lyon", "200 jobs", "opening in May", "Data engineer",
                 "Data platform", "I build the pipelines that feed our dashboards.",
                 "confidential", "internal only", *(s["label"] for s in offered)):
        assert told in prompt, told
    team = await one(rt, Team)
    for secret in ("Zoé", "Quintard", "zoe.quintard", "U07ZQ",
                   team.external_id, WORKSPACE):
        assert secret.lower() not in prompt.lower(), secret

    await console.click("U07ZQ", says(rt, "nudge.use", number=1))
    await console.submit("U07ZQ", text=GOOD[0], network="linkedin")
    shared = await one(rt, Share)
    assert (shared.source, shared.angle) == ("ai", offered[0]["angle"])


# -- drafts the checks refuse --------------------------------------------------------------


OFFICE = "Lyon is getting an office of ours"


@pytest.mark.parametrize(("bad", "reasons"), [
    pytest.param((f"{OFFICE}, with 300 jobs to fill from May.",
                  f"{OFFICE}, with 200 jobs to fill from 14 June."),
                 ("invented_fact", "invented_fact"), id="figure-date"),
    pytest.param((f"{OFFICE}, and Marc Dupont will run it from May.",
                  "Je suis très fière de notre bureau à Lyon, avec 200 emplois dès mai."),
                 ("invented_fact", "language"), id="name-french"),
    pytest.param((f"{OFFICE}, and nothing about the 200 jobs is confidential.",
                  f"{OFFICE}: see example.com/jobs for the 200 jobs."),
                 ("blocked_term", "link"), id="blocked-domain"),
    pytest.param((f"{OFFICE}: https://example.com/news/lyon has it all.",
                  f"@here {OFFICE}, with 200 jobs to fill from May."),
                 ("link", "mention"), id="url-here"),
    pytest.param((f"<!channel> {OFFICE}, with 200 jobs to fill from May.",
                  f"{OFFICE}, ask <@U123> about the 200 jobs."),
                 ("mention", "mention"), id="channel-user"),
    pytest.param((f"{OFFICE}, with **200 jobs** to fill from May.",
                  f"{OFFICE}, with <b>200 jobs</b> to fill from May."),
                 ("markup", "markup"), id="bold-html"),
])
async def test_refused_drafts_give_way_to_the_engines_ideas(console, jobs, rt, model, grown,
                                                            bad, reasons):
    await console.say(ADMIN, "/voix set blocked confidential")
    model.reply = lambda body: drafts(*bad, GOOD[2])
    post = await nudge(console, jobs, rt, "ana")
    assert await sources(console, rt, "ana", post) == ["engine", "engine", "ai"]
    assert not set(bad) & set(quotes(nudge_message(console, "ana").body))
    assert card_text(console, "ana").count(AI_NOTE) == 1
    assert [grown("drafts", outcome=reason) for reason in reasons] == [
        reasons.count(reason) for reason in reasons]
    assert (grown("drafts", outcome="accepted"), grown("nudges", drafts="ai")) == (1, 1)


@pytest.mark.parametrize("together", [True, False])
async def test_a_colleagues_identical_drafts_are_refused_as_too_close(console, jobs, rt, grown,
                                                                     together):
    post = await nudge(console, jobs, rt, "ana", *(["bob"] if together else []))
    if not together:  # bob joins later: his drafts are written by a later run
        await enlist(console, "bob")
        await deliver(jobs, rt)
    assert sorted([await sources(console, rt, user, post) for user in ("ana", "bob")]) == [
        ["ai"] * 3, ["engine"] * 3]
    assert (grown("drafts", outcome="accepted"), grown("drafts", outcome="too_close")) == (3, 3)


# -- a model that fails ------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "result", "nudged", "llm_timeout"), [
    pytest.param(error(429, "Rate limit reached", retry_after=120), "rate_limited", "late",
                 10.0, id="429"),
    pytest.param(error(500, "The server had an error"), "server_error", "late", 10.0, id="500"),
    pytest.param(Reply('{"drafts": ["a",'), "garbage", "engine", 10.0, id="broken-json"),
    pytest.param(Reply(raw="<html>Bad gateway</html>"), "garbage", "late", 10.0,
                 id="not-a-completion"),
    # A hang: the client gives up after PORTEVOIX_LLM_TIMEOUT, long before the answer.
    pytest.param(Reply(json.dumps({"drafts": GOOD}), delay=3.0), "timeout", "late", 0.5,
                 id="hang"),
])
async def test_a_failing_model_leaves_the_engines_ideas_on_the_card(
        console, jobs, rt, model, grown, answer, result, nudged):
    model.reply = lambda body: answer
    post = await nudge(console, jobs, rt, "ana")
    assert (await delivery_of(rt, "ana", post)).status == "sent"
    assert await sources(console, rt, "ana", post) == ["engine"] * 3
    assert AI_NOTE not in card_text(console, "ana")
    assert len(model.received) == 1
    assert (grown("requests", result=result), grown("nudges", drafts=nudged)) == (1, 1)


async def test_a_model_that_says_when_to_come_back_is_not_asked_before(console, jobs, rt, model,
                                                                      grown):
    model.reply = lambda body: error(429, "Rate limit reached", retry_after=120)
    await nudge(console, jobs, rt, "ana")
    assert jobs.drafts_paused() > 60
    await queue(console, PARIS)  # a second delivery to draft, within the pause
    await jobs.tick()
    assert len(model.received) == 1
    assert [d.status for d in await rows(rt, Delivery)] == ["sent", "planned"]
    assert grown("requests", result="rate_limited") == 1


@pytest.mark.parametrize("outro", [
    pytest.param("", id="list"),
    pytest.param("\n\nLet me know if you would like other versions!", id="list-then-chat"),
])
async def test_a_server_without_json_schemas_is_asked_in_plain_text(console, jobs, rt, model,
                                                                    outro):
    model.json_schema = False
    listed = "\n".join(f"{n}. {text}" for n, text in enumerate(GOOD, 1))
    model.reply = lambda body: Reply(listed + outro)
    post = await nudge(console, jobs, rt, "ana")
    assert await sources(console, rt, "ana", post) == ["ai"] * 3
    assert quotes(nudge_message(console, "ana").body) == list(GOOD)  # not the model's chat
    await queue(console, PARIS)  # ana's next delivery is drafted ahead
    await jobs.tick()
    assert [structured(asked) for asked in model.received] == ["json_schema", None, None]


# -- who the model is asked for --------------------------------------------------------------


@pytest.mark.parametrize("switches", [pytest.param((), id="never-on"),
                                      pytest.param(("on", "off"), id="on-then-off")])
async def test_with_ai_off_for_the_workspace_the_model_hears_nothing(console, jobs, rt, model,
                                                                     grown, switches):
    for switch in switches:
        await console.say(ADMIN, f"/voix set ai {switch}")
    post = await nudge(console, jobs, rt, "ana", ai=False)
    assert model.received == []
    assert await sources(console, rt, "ana", post) == ["engine"] * 3
    assert AI_NOTE not in card_text(console, "ana")
    assert sum(grown("nudges", drafts=kind) for kind in ("ai", "engine", "late")) == 0
    await console.say("ana", "prefs")
    assert "ai" not in {field.name for field in console.forms["ana"].inputs}


async def test_a_volunteer_who_wants_no_ai_drafts_is_never_sent_to_the_model(
        console, jobs, rt, model, grown):
    await console.say(ADMIN, "/voix set ai on")
    for user in ("ana", "bob"):
        await enlist(console, user)
    await set_prefs(console, "bob", ai="no")
    assert (await member(rt, "bob")).prefs["ai_drafts"] is False
    await queue(console, LYON)
    await deliver(jobs, rt)
    post = await latest_post(rt)
    assert len(model.received) == 1
    assert await sources(console, rt, "ana", post) == ["ai"] * 3
    assert await sources(console, rt, "bob", post) == ["engine"] * 3
    assert (grown("nudges", drafts="ai"), grown("nudges", drafts="engine")) == (1, 1)


@pytest.mark.parametrize(("choice", "shown"), [("examples", True), ("yes", False)])
async def test_past_texts_are_shown_to_the_model_only_if_the_volunteer_agreed(
        console, jobs, rt, model, choice, shown):
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "ana")
    await set_prefs(console, "ana", ai=choice)
    await queue(console, LYON)
    await deliver(jobs, rt)
    await console.click("ana", says(rt, "nudge.use", number=2))
    await console.submit("ana", text="Our crew keeps growing, more on https://example.com/jobs "
                                     "#mycrew", network="linkedin")
    await queue(console, PARIS)
    await jobs.tick()
    assert len(model.received) == 2
    prompt = model.received[-1].prompt
    assert ("Our crew keeps growing, more on" in prompt) is shown
    assert "example.com/jobs" not in prompt and "#mycrew" not in prompt


# -- drafts that come too late --------------------------------------------------------------


async def test_a_nudge_sent_before_its_drafts_is_not_drafted_after(console, jobs, rt, model,
                                                                  grown):
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "ana")
    await queue(console, LYON)
    await jobs.plan()
    lead_passes(rt)
    await jobs.send()
    post = await latest_post(rt)
    assert await jobs.draft() == {}
    assert model.received == []
    assert await sources(console, rt, "ana", post) == ["engine"] * 3
    assert grown("nudges", drafts="late") == 1


async def test_drafts_that_come_back_after_the_nudge_went_out_change_nothing(
        console, jobs, rt, model, grown):
    model.hold = asyncio.Event()
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "ana")
    await queue(console, LYON)
    await jobs.plan()
    drafting = asyncio.create_task(jobs.draft())
    await until(lambda: model.received)  # the model is writing...
    lead_passes(rt)
    await jobs.send()  # ...when the nudge is due
    post = await latest_post(rt)
    sent = (await delivery_of(rt, "ana", post)).suggestions
    model.hold.set()
    assert await drafting == {"late": 1}
    assert (await delivery_of(rt, "ana", post)).suggestions == sent
    assert await sources(console, rt, "ana", post) == ["engine"] * 3
    assert grown("nudges", drafts="late") == 1


# -- the operator's side ----------------------------------------------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("openai", "httpx", "httpx2", "httpcore", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


async def test_the_api_key_is_in_no_log(debug_logs, console, jobs, rt, model, grown):
    model.reply = answering(error(401, f"Incorrect API key provided: {KEY}", retry_after=0),
                            drafts(*GOOD))
    await nudge(console, jobs, rt, "ana")
    await queue(console, PARIS)
    await jobs.tick()
    # The refused one is asked again in the same run (Retry-After: 0), then Paris's.
    assert (grown("requests", result="refused"), grown("requests", result="ok")) == (1, 2)
    assert [asked.headers["Authorization"] for asked in model.received] == [f"Bearer {KEY}"] * 3
    assert "chat/completions" in debug_logs.text  # the requests were logged...
    assert KEY not in debug_logs.text  # ...without the key


@pytest.mark.parametrize("configured", [False])
async def test_ai_drafts_cannot_be_turned_on_without_a_model(console, rt, model, configured):
    await console.say(ADMIN, "/voix set ai on")
    assert_reads(console, rt, ADMIN, "settings.no_model")
    assert (await one(rt, Workspace)).ai_drafts is False
    await console.say(ADMIN, "/voix settings")
    assert f"AI drafts: {says(rt, 'settings.ai_none')}" in last_text(console, ADMIN)
    assert model.received == []


@pytest.mark.parametrize(("switch", "on"), [("on", True), ("off", False)])
async def test_the_settings_card_says_whether_ai_drafts_are_on(console, rt, switch, on):
    await console.say(ADMIN, f"/voix set ai {switch}")
    assert (await one(rt, Workspace)).ai_drafts is on
    assert f"AI drafts: {says(rt, 'settings.ai_state', on=on, model='tiny')}" in last_text(
        console, ADMIN)
