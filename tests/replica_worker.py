"""A replica that takes a singleton job's lock and holds it until it is killed.

    python -m tests.replica_worker DATABASE_URL JOB

prints "held" (or "skipped") once the attempt is made, then waits forever: the takeover
test kills it with SIGKILL, so nothing in this process gets to release the lock.
"""

from __future__ import annotations

import asyncio
import sys

from bot.config import Settings
from bot.runtime import open_runtime
from scheduler.locks import singleton


async def hold(url: str, job: str) -> None:
    rt = await open_runtime(Settings(database_url=url), migrate=False)
    async with singleton(rt, job) as held:
        print("held" if held else "skipped", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], sys.argv[2]))
