"""Colleagues' AI drafts stay apart whatever order they are written in: the soonest due are
drafted first, so a draft is compared with colleagues on both sides of its slot."""

from __future__ import annotations

import pytest

from bench.fake_model import drafts, error
from tests.conftest import ADMIN, enlist
from tests.fakes import IDEAS, model_serving, model_settings, queue_post, set_prefs, user_deliveries


@pytest.fixture
async def model():
    answers = [drafts(*IDEAS), error(429, "slow down", retry_after=0), drafts(*IDEAS)]
    async with model_serving(lambda body: answers.pop(0)) as fake:
        yield fake


@pytest.fixture
def settings(database_url, model):
    return model_settings(database_url, model, llm_concurrency=1)


async def test_a_draft_written_after_a_later_colleagues_is_compared_with_it(console, jobs,
                                                                            rt, model):
    await console.say(ADMIN, "/voix set ai on")
    await enlist(console, "alice")
    await enlist(console, "bob")
    await set_prefs(console, "alice", quiet_start="09:30", quiet_end="12:00")  # due later
    await queue_post(console, "news")
    await jobs.plan()
    alice, bob = (await user_deliveries(rt, "alice"))[0], (await user_deliveries(rt, "bob"))[0]
    assert alice.slot < bob.slot and bob.due_at < alice.due_at

    # Bob's drafts come first; Alice's request gets a 429, and is asked again: the same
    # words as Bob's, which her card must not show.
    assert await jobs.draft() == {"ai": 1, "engine": 1}

    [alice] = await user_deliveries(rt, "alice")
    [bob] = await user_deliveries(rt, "bob")
    assert [s["text"] for s in bob.suggestions] == list(IDEAS)
    assert {s["source"] for s in alice.suggestions} == {"engine"}
    assert len(model.received) == 3
