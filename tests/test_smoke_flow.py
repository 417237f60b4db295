"""End to end on the console: join, queue, nudge, edit, share, click."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.console.render import card_to_text
from bot.cards import Card
from storage.models import Delivery, Share
from tests.conftest import ADMIN, enlist


async def test_whole_journey(console, jobs, rt, clock):
    await enlist(console, "alice", team="sales")
    await console.say(ADMIN, "/voix queue https://example.com/news/new-office-in-lyon "
                             "--title \"New office in Lyon\" --points \"200 jobs; opening in May\" "
                             "--hashtags lyon,hiring --topics offices")
    assert "queued" in card_to_text(console.last(ADMIN))
    await jobs.tick()
    nudge = console.last("alice")
    assert isinstance(nudge, Card)
    text = card_to_text(nudge)
    print(text)
    assert "New office in Lyon" in text
    await console.click("alice", 1)
    form = console.forms["alice"]
    print(form)
    await console.submit("alice", text=form.inputs[0].value + " Come and see us!")
    share_card = card_to_text(console.last("alice"))
    print(share_card)
    async with rt.sessions() as session:
        share = (await session.scalars(select(Share))).one()
        delivery = (await session.scalars(select(Delivery))).one()
    assert 0 < share.edit_ratio < 0.5
    assert delivery.status == "shared"
    clock.advance(timedelta(hours=1))
