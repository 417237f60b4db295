"""Saying no to AI drafts takes effect at once: drafts already written for nudges not yet
sent are dropped, and the engine's suggestions go instead."""

from __future__ import annotations

from datetime import timedelta
from itertools import chain, repeat

import pytest

from bench.fake_model import drafts
from tests.conftest import ADMIN, START, enlist
from tests.fakes import IDEAS, model_serving, model_settings, queue_post, set_prefs, user_deliveries
from tests.helpers import nudge_message, quotes

OTHERS = ("Colleagues worked hard on this one, and it shows: have a look if you can.",
          "I rarely post about work, but this one deserves a few minutes of your time.",
          "Small team, big week. Sharing it because friends keep asking what we do.")


@pytest.fixture
async def model():
    texts = chain([IDEAS], repeat(OTHERS))  # Alice's first, then Bob's
    async with model_serving(lambda body: drafts(*next(texts))) as fake:
        yield fake


@pytest.fixture
def settings(database_url, model):
    return model_settings(database_url, model)


async def drafted_for(console, jobs, rt, *users: str) -> None:
    """AI on, `users` volunteer, a post is queued: planned and drafted, not yet due."""
    await console.say(ADMIN, "/voix set ai on")
    for user in users:
        await enlist(console, user)
    await queue_post(console, "news")
    await jobs.plan()
    assert (await jobs.draft()) == {"ai": len(users)}


async def sources(rt, user: str) -> list[str]:
    [delivery] = await user_deliveries(rt, user)
    return [suggestion["source"] for suggestion in delivery.suggestions]


@pytest.mark.parametrize("who", ["workspace", "volunteer"])
async def test_drafts_written_ahead_are_dropped_when_ai_is_refused(console, jobs, rt, clock,
                                                                   model, who):
    await drafted_for(console, jobs, rt, "alice", "bob")
    if who == "workspace":
        await console.say(ADMIN, "/voix set ai off")
    else:
        await set_prefs(console, "alice", ai="no")
    asked = len(model.received)

    clock.set(START + timedelta(minutes=2))
    await jobs.tick()

    assert len(model.received) == asked  # nothing more asked for the one who said no
    alice = quotes(nudge_message(console, "alice").body)
    assert len(alice) == 3 and all(alice) and not set(alice) & set(IDEAS)
    assert await sources(rt, "alice") == ["engine"] * 3
    bob = quotes(nudge_message(console, "bob").body)
    assert (bob == list(OTHERS)) == (who == "volunteer")
