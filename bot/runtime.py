"""Everything a handler or a job needs, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.ports import Messenger
from bot.services.charter import Charter, load_charter
from bot.texts import Texts, make_environment
from bot.wakeups import Wakeups
from storage.db import make_engine, make_sessions, upgrade


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    texts: Texts
    clock: Clock
    charter: Charter
    messengers: dict[str, Messenger] = field(default_factory=dict)
    wakeups: Wakeups = field(default_factory=Wakeups)

    def messenger(self, platform: str) -> Messenger:
        try:
            return self.messengers[platform]
        except KeyError:
            raise LookupError(f"no adapter connected for platform {platform!r}") from None

    async def close(self) -> None:
        await self.engine.dispose()


async def open_runtime(
    settings: Settings, clock: Clock | None = None, *, migrate: bool = True
) -> Runtime:
    """Connect to the database (bringing its schema up to date) and load texts and charter."""
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        texts=Texts(make_environment()),
        clock=clock or SystemClock(),
        charter=load_charter(settings.charter_path),
    )
