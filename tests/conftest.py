"""Shared fixtures: a runtime on SQLite (and PostgreSQL when configured), a console, jobs."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.console.transport import Console, ConsoleMessenger, Profile
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.runtime import Runtime, open_runtime
from scheduler.live import Live
from scheduler.runner import Jobs
from storage.db import make_engine, upgrade
from storage.models import Base

PG_URL = os.environ.get("PORTEVOIX_TEST_DATABASE_URL")
# Monday 30 November 2026, 10:00 in Paris.
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADMIN = "camille"


async def _migrate(url: str, fresh_pg: bool = False) -> None:
    engine = make_engine(url)
    if fresh_pg:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> bool:
    assert PG_URL
    asyncio.run(_migrate(PG_URL, fresh_pg=True))
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    return postgresql_url(request)


def postgresql_url(request: pytest.FixtureRequest) -> str:
    """The PostgreSQL test database, migrated once a session; skips the test without one."""
    if not PG_URL:
        pytest.skip("PORTEVOIX_TEST_DATABASE_URL is not set")
    request.getfixturevalue("pg_migrated")
    return PG_URL


async def _truncate(rt: Runtime) -> None:
    if rt.engine.dialect.name != "postgresql":
        return
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with rt.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No page is read for a preview (no DNS either) but where a test serves one.
    return Settings(database_url=database_url, admins=[ADMIN], public_url="https://pv.example",
                    previews=False)


@pytest.fixture
async def rt(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    runtime = await open_runtime(settings, clock, migrate=False)
    await _truncate(runtime)
    yield runtime
    await runtime.close()


@pytest.fixture
def messenger(rt: Runtime) -> ConsoleMessenger:
    console_messenger = ConsoleMessenger()
    rt.messengers[console_messenger.platform] = console_messenger
    return console_messenger


@pytest.fixture
def console(rt: Runtime, messenger: ConsoleMessenger) -> Console:
    return Console(Bot(rt), messenger)


@pytest.fixture
async def jobs(rt: Runtime) -> AsyncIterator[Jobs]:
    running = Jobs(rt)
    yield running
    await running.close()


@pytest.fixture
async def live(jobs: Jobs) -> AsyncIterator[Live]:
    """The jobs as `porte-voix serve` runs them."""
    running = Live(jobs)
    running.start()
    yield running
    await running.close()


async def enlist(console: Console, user: str, locale: str = "en",
                 timezone: str = "Europe/Paris", team: str | None = None) -> None:
    """Make `user` a volunteer the way a person does: join, read, accept."""
    console.profiles[user] = Profile(user.capitalize(), locale, timezone)
    if team:
        await console.join_channel(user, team)
    await console.say(user, "join")
    await console.click(user, 1)
