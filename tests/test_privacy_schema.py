"""Erasure against the whole schema: every column classified in bot/privacy/fields.py, and
after "forget me" no text or JSON column anywhere holds the person's name, ids or words."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import JSON, String, insert, select, update

from bot.clicks import follow
from bot.handlers import privacy  # noqa: F401  (registered, as bot/handlers/__init__.py will)
from bot.privacy.fields import TABLES
from storage.models import Base, Member, Workspace
from tests.conftest import ADMIN, enlist
from tests.fakes import share_nudge
from tests.helpers import member, queue, titled

NAME, USER = "Zéphyrine Quatremare", "zephyrine"
EMAIL, TITLE = "zephyrine.q@acme.example", "Chief Kite Officer"
ABOUT, ROLE = "I fly kites over the Saône on Sundays", "kite whisperer"
WORDS = " Zanzibar-kites-7341 are the best."
REASON = "Proposed because Zéphyrine loves kites"
NEEDLES = (USER, "Quatremare", "Zéphyrine", EMAIL, TITLE, ABOUT, ROLE, "Zanzibar-kites-7341",
           REASON)


def test_every_column_of_every_table_is_classified_once():
    assert set(TABLES) == set(Base.metadata.tables), "classify new tables in bot/privacy/fields.py"
    for name, table in Base.metadata.tables.items():
        fields = TABLES[name]
        named = [*fields.refs, *fields.erased, *fields.kept, *fields.mentions, *fields.other,
                 *([fields.owner] if fields.owner else [])]
        assert len(named) == len(set(named)), f"{name}: a column classified twice"
        assert fields.columns() == {column.name for column in table.columns}, name


def test_erased_values_fit_their_columns():
    for name, fields in TABLES.items():
        table = Base.metadata.tables[name]
        for column, value in fields.erased_values().items():
            if value is None:
                assert table.c[column].nullable, f"{name}.{column} cannot be NULL"


async def _everything_a_person_leaves(console, jobs, rt) -> None:
    await enlist(console, USER, team="kites")
    console.profiles[USER].name = NAME
    await console.say(USER, "prefs")  # refreshes the name from the profile
    async with rt.sessions() as session:
        await session.execute(update(Member).where(Member.external_id == USER).values(
            email=EMAIL, job_title=TITLE, prefs={"about": ABOUT, "role": ROLE}))
        workspace = await session.scalar(select(Workspace.id))
        who = await session.scalar(select(Member.id).where(Member.external_id == USER))
        await session.execute(insert(Base.metadata.tables["proposals"]).values(
            workspace_id=workspace, member_id=who, url="https://example.com/kites",
            reason=REASON, title="", summary="", warning="", status="pending", note="",
            created_at=rt.clock.now()))
        await session.commit()
    await queue(console, titled())
    await jobs.tick()
    share = await share_nudge(console, USER, WORDS)
    assert await follow(rt, share.link_token, "Mozilla/5.0")
    await console.say(USER, "pause 2 days")
    await console.say(ADMIN, f"/voix admins add {USER}")
    await console.say(ADMIN, f"/voix admins remove <@{USER}|{NAME}>")
    await console.say(USER, "my data")
    rt.clock.advance(timedelta(hours=1))


def _found(value: object) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return [needle for needle in NEEDLES if needle.casefold() in text.casefold()]


async def _scan(rt) -> list[str]:
    """'table.column: needle' for every text or JSON value holding one of NEEDLES."""
    hits = []
    async with rt.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | JSON):
                    continue
                for value in (await session.scalars(select(column))).all():
                    hits += [f"{table.name}.{column.name}: {needle}"
                             for needle in _found(value)]
    return hits


async def test_after_forget_me_no_column_anywhere_holds_the_person(console, jobs, rt):
    await _everything_a_person_leaves(console, jobs, rt)
    before = await _scan(rt)
    assert {hit.split(":")[0] for hit in before} >= {
        "members.external_id", "members.display_name", "members.email", "members.job_title",
        "members.prefs", "members.conversation", "shares.final_text", "audit_log.detail",
        "proposals.reason"}, before  # the scan sees them while they are there

    await console.say(USER, "forget me")
    await console.click(USER, "Erase my data")

    assert await _scan(rt) == []
    await console.say(USER, "hello")  # writing again later: a new member, charter to accept
    again = await member(rt, USER)
    assert (again.status, again.charter_version, again.prefs) == ("new", None, {})
