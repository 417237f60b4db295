"""Private operations, from outside: `porte-voix serve` in its own process, on free ports.

/metrics is not on the public listener (404 there) but on the operations one, bound to
loopback, behind a bearer token when one is set; /healthz answers on both, and 503 as soon
as the database cannot serve the schema (SQLite file deleted or overwritten, a table
dropped, PostgreSQL down or stalled)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import open_runtime
from bot.web.listeners import make_app, make_operations_app, start_operations
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 60.0  # seconds a loaded machine may take to start `serve`: a deadline, not a measure
TOKEN = "scrape-token-0123456789"
DOWN = {"status": "database unavailable"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `porte-voix serve`: its two base URLs and what it logged."""

    process: asyncio.subprocess.Process
    public: str
    operations: str | None
    log: list[str] = field(default_factory=list)

    async def get(self, url: str, **headers: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as answer:
            return answer.status, await answer.text()

    async def health(self, base: str) -> tuple[int, object]:
        async with aiohttp.ClientSession() as http, http.get(base + "/healthz") as answer:
            return answer.status, await answer.json()

    def logged(self) -> str:
        return "".join(self.log)


async def _read_log(process: asyncio.subprocess.Process, lines: list[str]) -> None:
    assert process.stderr is not None
    async for line in process.stderr:
        lines.append(line.decode(errors="replace"))


async def _ready(served: Served) -> bool:
    """Wait until the last listener `serve` opens answers; False if the process died first."""
    base = served.operations or served.public
    async with aiohttp.ClientSession() as http:
        while served.process.returncode is None:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(base + "/healthz") as answer:
                    return answer.status == 200
            await asyncio.sleep(0.05)
    return False


@contextlib.asynccontextmanager
async def serve(database_url: str, **settings: str) -> AsyncIterator[Served]:
    """`porte-voix serve` with no chat platform, PORTEVOIX_<NAME> set from `settings`;
    stopped by SIGTERM on the way out."""
    for _ in range(3):  # another process may take a free port before `serve` binds it
        public, operations = free_port(), free_port()
        if settings.get("metrics_port") == "0":
            operations = 0
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("PORTEVOIX_", "SLACK_", "TEAMS_"))}
        env |= {"PORTEVOIX_DATABASE_URL": database_url, "PORTEVOIX_PORT": str(public),
                "PORTEVOIX_METRICS_PORT": str(operations)}
        env |= {f"PORTEVOIX_{name.upper()}": value for name, value in settings.items()}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        served = Served(process, f"http://127.0.0.1:{public}",
                        f"http://127.0.0.1:{operations}" if operations else None)
        reader = asyncio.create_task(_read_log(process, served.log))
        try:
            if await asyncio.wait_for(_ready(served), STARTUP):
                yield served
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), STARTUP)
                return
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await reader
        if "address already in use" not in served.logged().lower():
            raise AssertionError(f"porte-voix serve did not start:\n{served.logged()}")
    raise AssertionError("no free ports for porte-voix serve")


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "porte-voix.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def sqlite_file(url: str) -> Path:
    return Path(str(make_url(url).database))


async def test_metrics_are_only_on_the_operations_listener_bound_to_loopback(sqlite_url):
    async with serve(sqlite_url) as served:
        assert served.operations is not None
        status, _ = await served.get(served.public + "/metrics")
        assert status == 404

        status, body = await served.get(served.operations + "/metrics")
        assert status == 200
        assert "portevoix_deliveries_total" in body and "portevoix_deliveries_queued" in body

        assert await served.health(served.public) == (200, {"status": "ok"})
        assert await served.health(served.operations) == (200, {"status": "ok"})
        status, _ = await served.get(served.operations + "/r/anything")
        assert status == 404  # tracked links are public, not operations
        # PORTEVOIX_METRICS_HOST is not set: loopback, by default.
        assert f"metrics and health on {served.operations}/" in served.logged()
    assert served.process.returncode == 0, served.logged()  # both listeners stop cleanly


async def test_with_a_token_metrics_need_it_as_a_bearer(sqlite_url):
    async with serve(sqlite_url, metrics_token=TOKEN) as served:
        assert served.operations is not None
        metrics = served.operations + "/metrics"
        for headers in ({}, {"Authorization": "Bearer wrong-token"},
                        {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer"}):
            status, body = await served.get(metrics, **headers)
            assert status == 401, headers
            assert "portevoix_" not in body

        status, body = await served.get(metrics, Authorization=f"Bearer {TOKEN}")
        assert status == 200 and "portevoix_deliveries_total" in body
        status, _ = await served.get(served.public + "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 404
        assert await served.health(served.operations) == (200, {"status": "ok"})  # probes: no token
    assert TOKEN not in served.logged()


async def test_without_the_operations_listener_only_a_token_puts_metrics_on_the_public_one(
        sqlite_url):
    async with serve(sqlite_url, metrics_port="0", metrics_token=TOKEN) as served:
        metrics = served.public + "/metrics"
        assert (await served.get(metrics))[0] == 401
        assert (await served.get(metrics, Authorization="Bearer nope"))[0] == 401
        status, body = await served.get(metrics, Authorization=f"Bearer {TOKEN}")
        assert status == 200 and "portevoix_deliveries_total" in body

    async with serve(sqlite_url, metrics_port="0") as served:
        assert (await served.get(served.public + "/metrics"))[0] == 404
        assert "metrics are served nowhere" in served.logged()


@pytest.mark.parametrize("token", ["", TOKEN])
async def test_an_empty_token_is_no_token(sqlite_url, token):
    settings = Settings(database_url=sqlite_url, metrics_port=0, metrics_token=SecretStr(token))
    rt = await open_runtime(settings, migrate=False)
    try:
        async with TestClient(TestServer(make_app(rt))) as public:
            assert (await public.get("/metrics")).status == (401 if token else 404)
        async with TestClient(TestServer(make_operations_app(rt))) as operations:
            assert (await operations.get("/metrics")).status == (401 if token else 200)
    finally:
        await rt.close()


async def test_a_token_that_is_not_text_is_refused(sqlite_url):
    """Raw header bytes that are not UTF-8 get a 401, not a 500."""
    rt = await open_runtime(Settings(database_url=sqlite_url,
                                     metrics_token=SecretStr(TOKEN)), migrate=False)
    try:
        async with TestServer(make_operations_app(rt)) as server:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Authorization: Bearer \xff\xfe" + TOKEN.encode() + b"\r\n\r\n")
            status = (await reader.readline()).split()[1]
            writer.close()
        assert status == b"401"
    finally:
        await rt.close()


async def test_a_taken_operations_port_stops_serve_with_a_clear_message(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        rt = await open_runtime(Settings(database_url=sqlite_url, metrics_port=port),
                                migrate=False)
        try:
            with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:{port} for "
                                                 "metrics .*PORTEVOIX_METRICS_PORT"):
                await start_operations(rt)
        finally:
            await rt.close()


def assert_one_line_each(served: Served) -> None:
    """Failed health checks were logged, each on one line without a traceback."""
    failed = [n for n, line in enumerate(served.log) if "health check failed" in line]
    assert failed, served.logged()
    following = [served.log[n + 1] for n in failed if n + 1 < len(served.log)]
    assert not [line for line in following if line.startswith("Traceback")], served.logged()


def _delete(path: Path) -> None:
    path.unlink()


def _overwrite(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 400)


def _drop_a_table(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("DROP TABLE clicks")
        db.commit()


@pytest.mark.parametrize("damage", [_delete, _overwrite, _drop_a_table],
                         ids=["deleted", "overwritten", "table-dropped"])
async def test_health_fails_when_the_sqlite_database_is_unusable(sqlite_url, damage):
    async with serve(sqlite_url) as served:
        assert served.operations is not None
        assert await served.health(served.public) == (200, {"status": "ok"})

        damage(sqlite_file(sqlite_url))

        for base in (served.public, served.operations):
            assert await served.health(base) == (503, DOWN), base
        assert_one_line_each(served)


class TcpProxy:
    """Between `serve` and PostgreSQL: stopped, the database is down; stalled, it hangs."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.stalled = False
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection(*self.target)
        self._open |= {writer, upstream}
        await asyncio.gather(self._pipe(reader, upstream), self._pipe(upstream_reader, writer),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                while self.stalled:  # a stalled server reads nothing and answers nothing
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        finally:
            self._open.discard(writer)
            writer.transport.abort()


@pytest.mark.skipif(not PG_URL, reason="PORTEVOIX_TEST_DATABASE_URL is not set")
async def test_health_fails_while_postgresql_is_down_or_stalled_and_recovers():
    url = make_url(str(PG_URL))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    async with serve(through) as served:
        assert served.operations is not None
        for base in (served.public, served.operations):
            assert await served.health(base) == (200, {"status": "ok"})

        await proxy.stop()
        for base in (served.public, served.operations):
            assert await served.health(base) == (503, DOWN), base

        await proxy.start()  # same port: the database is back
        assert await served.health(served.operations) == (200, {"status": "ok"})

        proxy.stalled = True
        assert await served.health(served.operations) == (503, DOWN)
        proxy.stalled = False
        assert_one_line_each(served)
        await proxy.stop()
