"""The database as the jobs rely on it, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, StatementError

from storage.members import get_or_create_member, get_or_create_workspace
from storage.models import Base, Click, Delivery, Member, Post, Share, Team, Workspace
from storage.upsert import insert_ignore_rows
from tests.helpers import count

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass
class Seed:
    workspace: Workspace
    team: Team
    member: Member
    post: Post
    delivery: Delivery
    share: Share


async def seed(rt) -> Seed:
    """A workspace with a team, a volunteer, a post delivered and shared, and a click."""
    async with rt.sessions() as session:
        workspace = Workspace(platform="console", external_id="w1", created_at=NOW,
                              blocked_terms=[])
        session.add(workspace)
        await session.flush()
        team = Team(workspace_id=workspace.id, external_id="#sales", name="#sales",
                    created_at=NOW)
        session.add(team)
        await session.flush()
        member = Member(workspace_id=workspace.id, external_id="alice", team_id=team.id,
                        created_at=NOW, prefs={}, conversation={})
        post = Post(workspace_id=workspace.id, url="https://example.com/a", title="A",
                    publish_at=NOW, created_at=NOW)
        session.add_all([member, post])
        await session.flush()
        delivery = Delivery(post_id=post.id, member_id=member.id, due_at=NOW, created_at=NOW)
        session.add(delivery)
        await session.flush()
        share = Share(delivery_id=delivery.id, post_id=post.id, member_id=member.id,
                      network="x", suggested_text="s", final_text="f", edit_ratio=0.5,
                      link_token="tok-1", created_at=NOW)
        session.add(share)
        await session.flush()
        session.add(Click(share_id=share.id, at=NOW, is_bot=False))
        await session.commit()
        return Seed(workspace, team, member, post, delivery, share)


async def inspect_db(rt, fn):
    async with rt.engine.connect() as conn:
        return await conn.run_sync(lambda sync: fn(sa.inspect(sync)))


async def test_migrations_create_every_table_and_column_of_the_models(rt):
    tables = set(await inspect_db(rt, lambda i: i.get_table_names()))
    assert tables - {"alembic_version"} == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        columns = await inspect_db(rt, lambda i, name=name: i.get_columns(name))
        in_db = {c["name"]: c["nullable"] for c in columns}
        assert in_db == {c.name: c.nullable for c in table.columns}, name


async def test_migrations_create_the_indexes_and_unique_constraints(rt):
    for name, table in Base.metadata.tables.items():
        def keys(i, name=name):
            found = {tuple(ix["column_names"]) for ix in i.get_indexes(name)}
            return found | {tuple(uc["column_names"])
                            for uc in i.get_unique_constraints(name)}
        in_db = await inspect_db(rt, keys)
        wanted = {tuple(c.name for c in ix.columns) for ix in table.indexes}
        wanted |= {tuple(c.name for c in uc.columns) for uc in table.constraints
                   if isinstance(uc, sa.UniqueConstraint)}
        assert wanted <= in_db, name


async def test_datetimes_come_back_aware_and_in_utc(rt):
    paris = datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    singapore = datetime(2026, 7, 1, 14, 30, tzinfo=ZoneInfo("Asia/Singapore"))  # 06:30 UTC
    async with rt.sessions() as session:
        session.add_all([
            Workspace(platform="console", external_id="paris", created_at=paris,
                      blocked_terms=[]),
            Workspace(platform="console", external_id="singapore", created_at=singapore,
                      blocked_terms=[]),
        ])
        await session.commit()

    async with rt.sessions() as session:
        rows = (await session.execute(
            select(Workspace.external_id, Workspace.created_at).order_by(Workspace.created_at)
        )).all()
        later = await session.scalar(select(Workspace.external_id).where(
            Workspace.created_at > datetime(2026, 7, 1, 7, 0, tzinfo=UTC)))

    assert [name for name, _ in rows] == ["singapore", "paris"]  # 06:30 UTC before 08:00 UTC
    assert later == "paris"
    stored = dict(rows)
    assert stored["paris"] == paris and stored["singapore"] == singapore
    for value in stored.values():
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert stored["paris"].hour == 8 and stored["paris"].microsecond == 123456


async def test_naive_datetimes_are_refused(rt):
    async with rt.sessions() as session:
        session.add(Workspace(platform="console", external_id="naive",
                              created_at=datetime(2026, 7, 1, 10, 0), blocked_terms=[]))
        with pytest.raises(StatementError, match="naive"):
            await session.commit()
    assert await count(rt, Workspace) == 0


async def test_insert_ignore_rows_counts_only_new_rows(rt):
    data = await seed(rt)

    def row(external_id: str) -> dict:
        return {"workspace_id": data.workspace.id, "external_id": external_id,
                "display_name": external_id, "status": "new", "is_admin": False,
                "job_title": "", "prefs": {}, "conversation": {}, "created_at": NOW}

    async with rt.sessions() as session:
        first = await insert_ignore_rows(session, Member, [row("bob"), row("carol")])
        again = await insert_ignore_rows(
            session, Member, [row("alice"), row("bob"), row("dan"), row("dan"), row("eve")],
            batch=2)
        nothing = await insert_ignore_rows(session, Member, [])
        await session.commit()

    assert (first, again, nothing) == (2, 2, 0)
    async with rt.sessions() as session:
        names = (await session.scalars(select(Member.external_id))).all()
    assert sorted(names) == ["alice", "bob", "carol", "dan", "eve"]


async def test_a_post_is_offered_once_to_a_member(rt):
    data = await seed(rt)
    async with rt.sessions() as session:
        session.add(Delivery(post_id=data.post.id, member_id=data.member.id, due_at=NOW,
                             created_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()
    assert await count(rt, Delivery) == 1


async def test_foreign_keys_are_enforced(rt):
    data = await seed(rt)
    async with rt.sessions() as session:
        session.add(Delivery(post_id=data.post.id + 100, member_id=data.member.id, due_at=NOW,
                             created_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()
    if rt.engine.dialect.name == "sqlite":
        async with rt.engine.connect() as conn:
            assert (await conn.execute(sa.text("PRAGMA foreign_keys"))).scalar() == 1


async def test_deleting_a_post_removes_its_deliveries_shares_and_clicks(rt):
    data = await seed(rt)
    async with rt.sessions() as session:
        await session.execute(delete(Post).where(Post.id == data.post.id))
        await session.commit()

    assert [await count(rt, model) for model in (Delivery, Share, Click)] == [0, 0, 0]
    assert await count(rt, Member) == 1


async def test_deleting_a_team_keeps_its_members_without_a_team(rt):
    data = await seed(rt)
    async with rt.sessions() as session:
        await session.execute(delete(Team).where(Team.id == data.team.id))
        await session.commit()

    async with rt.sessions() as session:
        member = await session.get(Member, data.member.id)
    assert member is not None and member.team_id is None


async def test_deleting_a_workspace_removes_everything_in_it(rt):
    await seed(rt)
    async with rt.sessions() as session:
        await session.execute(delete(Workspace))
        await session.commit()

    for model in (Team, Member, Post, Delivery, Share, Click):
        assert await count(rt, model) == 0, model.__name__


async def test_a_platform_profile_longer_than_our_columns_is_stored_cut(rt):
    now = datetime(2026, 11, 30, tzinfo=UTC)
    async with rt.sessions() as session:
        workspace = await get_or_create_workspace(session, "slack", "T1", now, locale="en",
                                                  timezone="UTC")
        member = await get_or_create_member(session, workspace, "U1", now, {
            "display_name": "N" * 500, "locale": "fr-FR-x-" + "a" * 40,
            "timezone": "Europe/" + "Z" * 100, "email": None})
        await session.commit()
    async with rt.sessions() as session:
        stored = await session.get(Member, member.id)
    assert stored is not None
    assert (len(stored.display_name), stored.locale) == (200, "fr-FR-x-")
    assert len(stored.timezone or "") == 64
