"""/r/<token> under load: 100 concurrent clients for 10 seconds against one server process.

The server is the real web app (`make_app`, as `porte-voix serve` runs it, INFO logging and
aiohttp's access log included) in a subprocess of its own, on a fresh database with 100
shared links; the clients run in this process, each on its own keep-alive connection,
each request timed from sending to its answer. In the same run, on the same server:
GET /healthz (one SQL query a request) and, as the naive baseline, /r/<token> the way it was
before batching (`bot.clicks.follow`: one lookup and one INSERT transaction per click).
After a clean stop (SIGTERM), the clicks table must hold exactly one row per redirect the
clients received: every click counted.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select

from bench.__main__ import Row, percentile
from bench.planning import NOW, ROOT, Unavailable, scratch_database, seed_members
from storage.db import make_engine
from storage.models import Click, Delivery, Post, Share

TIMEOUT = 180.0
CLIENTS = 100
SECONDS = 10.0
BASELINE_SECONDS = 5.0
LINKS = 100
TARGET_RPS = 1500.0
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0 Safari/537.36")
DIRECT = "/bench/direct/"  # the naive path, added to the app by the bench server only


@dataclass
class Load:
    """What the clients saw during one phase."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    answers: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def p(self, q: float) -> float | None:
        return percentile(self.latencies, q) * 1000 if self.latencies else None


async def seed_links(url: str) -> list[str]:
    """100 volunteers who each shared the same post: their link tokens."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            workspace, members = await seed_members(conn, LINKS, teams=1)
            post = (await conn.execute(insert(Post).values(
                workspace_id=workspace, url="https://acme.example/news/lyon?ref=site",
                title="Our Lyon office", status="active", publish_at=NOW,
                created_at=NOW).returning(Post.id))).scalar_one()
            deliveries = list((await conn.execute(insert(Delivery).returning(Delivery.id), [
                {"post_id": post, "member_id": member, "status": "shared", "due_at": NOW,
                 "sent_at": NOW, "created_at": NOW} for member in members])).scalars())
            tokens = [f"bench{i:04d}" for i in range(len(members))]
            await conn.execute(insert(Share), [
                {"delivery_id": delivery, "post_id": post, "member_id": member,
                 "network": "linkedin", "suggested_text": "Have a look", "final_text":
                 "Have a look at our new office", "edit_ratio": 0.3, "link_token": token,
                 "created_at": NOW + timedelta(minutes=5)}
                for delivery, member, token in zip(deliveries, members, tokens, strict=True)])
    finally:
        await engine.dispose()
    return tokens


async def _serve(url: str) -> None:
    """The server subprocess: the app on a free port (printed), until SIGTERM."""
    import logging

    from aiohttp import web

    from bot.clicks import follow
    from bot.config import Settings
    from bot.runtime import open_runtime
    from bot.web.keys import RUNTIME
    from bot.web.listeners import make_app

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rt = await open_runtime(Settings(database_url=url, public_url="https://pv.example"),
                            migrate=False)
    app = make_app(rt)

    async def direct(request: web.Request) -> web.Response:
        target = await follow(request.app[RUNTIME], request.match_info["token"],
                              request.headers.get("User-Agent"))
        if target is None:
            raise web.HTTPNotFound()
        return web.Response(status=302, headers={"Location": target})

    app.router.add_get(DIRECT + "{token}", direct)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()  # the app's on_cleanup writes the clicks still in memory
    await rt.close()


async def hammer(base: str, paths: list[str], seconds: float, clients: int = CLIENTS) -> Load:
    """`clients` keep-alive clients requesting `paths` in turn for `seconds`."""
    load = Load(seconds)
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     headers={"User-Agent": BROWSER}) as http:
        deadline = time.perf_counter() + seconds

        async def client(number: int) -> None:
            turn = number
            while (started := time.perf_counter()) < deadline:
                path = paths[turn % len(paths)]
                turn += clients
                try:
                    async with http.get(path, allow_redirects=False) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    load.errors += 1
                    continue
                load.answers[status] = load.answers.get(status, 0) + 1
                if status < 400:
                    load.latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        load.seconds = time.perf_counter() - began
    return load


async def _count_clicks(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count(Click.id)))).scalar_one())
    finally:
        await engine.dispose()


async def measure(url: str) -> dict[str, Any]:
    """Start the server on `url`, run every phase, stop it cleanly, count the clicks."""
    tokens = await seed_links(url)
    with tempfile.TemporaryFile() as errors:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.clicks_load", "serve", url, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=errors)
        try:
            assert server.stdout is not None
            port = int((await asyncio.wait_for(server.stdout.readline(), 30)) or 0)
            if not port:
                errors.seek(0)
                raise RuntimeError(f"click server did not start: {errors.read()[-500:]!r}")
            base = f"http://127.0.0.1:{port}"
            links = [f"/r/{token}" for token in tokens]
            phases = {
                "warm-up": await hammer(base, links + ["/healthz"], 1.0),  # caches, sockets
                "healthz": await hammer(base, ["/healthz"], BASELINE_SECONDS),
                "direct": await hammer(base, [DIRECT + t for t in tokens], BASELINE_SECONDS),
                "buffered": await hammer(base, links, SECONDS),
            }
        finally:
            if server.returncode is None:
                server.send_signal(signal.SIGTERM)
            stopped = await asyncio.wait_for(server.wait(), 60)
    # Every redirect the clients received, in any phase, was a click to count.
    return {"phases": phases, "counted": await _count_clicks(url), "exit": stopped,
            "redirected": sum(load.answers.get(302, 0) for load in phases.values())}


async def run() -> list[Row]:
    rows: list[Row] = []
    for kind in ("sqlite", "postgresql"):
        name = f"/r/<token> ({'SQLite' if kind == 'sqlite' else 'PostgreSQL'})"
        try:
            async with scratch_database(kind) as url:
                result = await measure(url)
        except Unavailable as error:
            rows.append(Row(name, "skipped", None, note=f"{name}: skipped, {error}."))
            continue
        rows += _rows(name, result)
    return rows


def _rows(name: str, result: dict[str, Any]) -> list[Row]:
    phases: dict[str, Load] = result["phases"]
    base, naive, load = phases["healthz"], phases["direct"], phases["buffered"]
    failed = sum(p.errors + sum(n for s, n in p.answers.items() if s >= 400)
                 for p in phases.values())
    return [
        Row(name, f"{CLIENTS} clients, {SECONDS:.0f} s: requests/s", load.rate, "/s",
            base.rate, f"≥ {TARGET_RPS:,.0f} /s", load.rate >= TARGET_RPS,
            note=f"{name}: baseline = GET /healthz ({base.rate:,.0f}/s, p99 {base.p(99):.1f}"
                 f" ms); one click = one transaction, the old way: {naive.rate:,.0f}/s, p99 "
                 f"{naive.p(99):.1f} ms; {len(load.latencies):,} redirects in "
                 f"{load.seconds:.1f} s."),
        Row(name, "p50 latency", load.p(50), "ms", base.p(50)),
        Row(name, "p99 latency", load.p(99), "ms", base.p(99)),
        Row(name, "requests/s, one click = one transaction", naive.rate, "/s", base.rate),
        Row(name, "clicks in the database after SIGTERM (base: redirects)", result["counted"],
            "", result["redirected"], "every one",
            result["counted"] == result["redirected"] and result["exit"] == 0),
        Row(name, "failed requests", failed, "", target="0", met=failed == 0),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        asyncio.run(_serve(sys.argv[2]))
    else:
        from bench.__main__ import render
        render(asyncio.run(run()))
