"""AI drafts as `porte-voix serve` runs them: written ahead while a nudge waits for its
time, and never holding back a nudge that is due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.fake_model import FakeModel, Reply, drafts
from bot.config import Settings
from scheduler.live import Live
from storage.models import Delivery
from tests.conftest import ADMIN, enlist
from tests.fakes import queue_post, set_prefs, user_deliveries
from tests.helpers import nudge_message, quotes, rows
from tests.test_delivery_live import until

IDEAS = ("The news I was waiting for: I am glad to pass it on to everyone I know.",
         "Here is something I am proud to share, and it reads better than I could say it.",
         "A good reason to look at what we do, told better than I would tell it myself.")
DUE = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # 12:00 in Paris, when the quiet ends


@pytest.fixture
async def model():
    fake = FakeModel(lambda body: drafts(*IDEAS))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(database_url, model):
    return Settings(database_url=database_url, admins=[ADMIN], public_url="https://pv.example",
                    llm_url=model.url, llm_model="tiny", llm_timeout=1.0)


@pytest.fixture
async def live(jobs):
    running = Live(jobs)
    running.start()
    yield running
    await running.close()


async def drafted(rt) -> bool:
    deliveries = await rows(rt, Delivery)
    return bool(deliveries) and all(d.suggestions for d in deliveries)


async def test_drafts_are_written_while_the_nudge_waits_then_sent(console, rt, clock, messenger,
                                                                  live):
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "alice")
    await set_prefs(console, "alice", quiet_start="09:30", quiet_end="12:00")
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


async def test_a_due_nudge_does_not_wait_for_a_model_that_hangs(console, rt, messenger, model,
                                                                live):
    model.reply = lambda body: Reply(delay=5.0)  # answers long after the 1 s timeout
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "alice")
    await queue_post(console, "news")

    await until(lambda: len(messenger.sent_keys) == 1, timeout=3.0)
    [delivery] = await user_deliveries(rt, "alice")
    sent = quotes(nudge_message(console, "alice").body)
    assert len(sent) == 3 and all(sent)
    assert {s["source"] for s in delivery.suggestions} == {"engine"}
