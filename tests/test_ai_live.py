"""AI drafts as `porte-voix serve` runs them: written in the minute a new nudge waits
(PORTEVOIX_LLM_LEAD), and never holding back a nudge that is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.fake_model import Reply, drafts
from storage.models import Delivery
from tests.conftest import ADMIN, START, enlist
from tests.fakes import IDEAS, model_serving, model_settings, queue_post, user_deliveries
from tests.helpers import nudge_message, quotes, rows, until

DUE = START + timedelta(seconds=60)  # planned at START, with the default lead


@pytest.fixture
async def model():
    async with model_serving(lambda body: drafts(*IDEAS)) as fake:
        yield fake


@pytest.fixture
def settings(database_url, model):
    return model_settings(database_url, model, llm_timeout=1.0)


async def drafted(rt) -> bool:
    deliveries = await rows(rt, Delivery)
    return bool(deliveries) and all(d.suggestions for d in deliveries)


async def test_drafts_are_written_while_the_nudge_waits_then_sent(console, rt, clock, messenger,
                                                                  live):
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "alice")
    await queue_post(console, "news")

    await until(lambda: drafted(rt))  # no job is run by the test: serving does it
    [delivery] = await user_deliveries(rt, "alice")
    assert (delivery.status, delivery.due_at) == ("planned", DUE)
    assert [s["source"] for s in delivery.suggestions] == ["ai"] * 3
    assert messenger.sent_keys == []

    clock.set(DUE)
    live.jobs.outbox.wake()
    await until(lambda: len(messenger.sent_keys) == 1)
    assert quotes(nudge_message(console, "alice").body) == list(IDEAS)


async def test_a_due_nudge_does_not_wait_for_a_model_that_hangs(console, rt, clock, messenger,
                                                                model, live):
    model.reply = lambda body: Reply(delay=5.0)  # answers long after the 1 s timeout
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "alice")
    await queue_post(console, "news")
    await until(lambda: model.received)
    await until(lambda: live.jobs.drafts_paused() > 0)  # the timeout backs the model off

    clock.set(DUE)
    live.jobs.outbox.wake()
    await until(lambda: len(messenger.sent_keys) == 1)
    [delivery] = await user_deliveries(rt, "alice")
    sent = quotes(nudge_message(console, "alice").body)
    assert len(sent) == 3 and all(sent)
    assert {s["source"] for s in delivery.suggestions} == {"engine"}
