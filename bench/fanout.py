"""Fan-out of one post to many volunteers through the real outbox, against a limited Slack.

bench/limited_slack.py enforces one message a second per channel and a workspace ceiling
(429 with Retry-After beyond them) and injects 5% 429s, 2% 500s and 1% timeouts (half of
them after the message was posted). Volunteers, the post and its due deliveries are
inserted in bulk; then:

1. one process on SQLite drains the outbox (bench/fanout_worker.py's `drain`): accepted
   messages a second over the steady part (10th to 90th percentile of acceptance times)
   against the ceiling (target ≥ 0.9), duplicates and losses counted by the mock (target 0);
   then the same, smaller, under a strict ceiling that tolerates no burst beyond a tenth of
   a second's worth: how the outbox recovers from the 429s of its own bursts;
2. three replica processes on a PostgreSQL database of their own, one killed with SIGKILL
   once 30% of the messages are accepted: duplicates, losses, total time;
3. the naive baseline: a sequential loop of chat_postMessage on slack_sdk's default
   AsyncWebClient (its default retry handlers, its 30 s timeout), its rate and its losses.

The outbox is told the ceiling (SlackMessenger's `rate_per_workspace`; each replica is
given the whole of it, as each would read the same setting). Clients time out after 2 s
and the mock holds a timed-out request 3 s (production: 10 s); the retry backoff is scaled
down ten times (bench/fanout_worker.py) so that the retries' tail fits in the run.

Sizes come from the environment: BENCH_FANOUT_N volunteers (default 10,000, as the issue asks),
BENCH_CEILING messages a second (default 100), BENCH_STRICT_N (default 600),
BENCH_NAIVE_N messages for the baseline (default 500), PORTEVOIX_BENCH_DATABASE_URL
(else PORTEVOIX_TEST_DATABASE_URL, else the local `test` database) for the server on which
the replicas' database is created and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.inbound import user_dm
from adapters.slack.messenger import API_ERRORS, METADATA_EVENT
from bench.__main__ import Row
from bench.fanout_worker import Tuning, bench_outbox, drain, make_jobs
from bench.limited_slack import ROOT, TOKEN, Limits, Report, SlackUnderTest, limited_slack
from bot.clock import SystemClock
from bot.config import Settings
from bot.refs import conversation_to_json
from bot.runtime import Runtime, open_runtime
from scheduler.outbox import delivery_key
from storage.models import Delivery, Member, Post, Workspace
from storage.upsert import insert_ignore_rows
from tests.adapters.slack.mock_slack import TEAM

N = int(os.environ.get("BENCH_FANOUT_N", "10000"))
CEILING = float(os.environ.get("BENCH_CEILING", "100"))
NAIVE_N = int(os.environ.get("BENCH_NAIVE_N", "500"))
STRICT_N = int(os.environ.get("BENCH_STRICT_N", "600"))
PG_URL = (os.environ.get("PORTEVOIX_BENCH_DATABASE_URL")
          or os.environ.get("PORTEVOIX_TEST_DATABASE_URL")
          or "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REPLICAS = 3
KILL_AT = 0.3
LIMITS = Limits(ceiling=CEILING, hang=3.0)
TUNING = Tuning(rate=CEILING)
# Two fan-outs at the ceiling with their retry tails and the lease, the strict one at a
# fifth of it, the baseline's answers (20 ms) and timeouts (1% of its messages, 3 s each),
# set-up: a safety net, not a target.
TIMEOUT = (3 * N + 5 * STRICT_N) / CEILING + NAIVE_N * 0.06 + 180
NO_QUIET = {"quiet_start": "00:00", "quiet_end": "00:00", "weekends": True}


@dataclass
class Fanout:
    """One run, as the platform saw it."""

    name: str
    sent: int  # messages the run tried to deliver
    report: Report
    expected: set[str]
    seconds: float  # from the start of sending to the end of the drain
    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)  # the deliveries' at the end
    note: str = ""

    @property
    def duplicates(self) -> int:
        return self.report.duplicates()

    @property
    def lost(self) -> int:
        return self.report.lost(self.expected)

    @property
    def rate(self) -> float:
        return self.report.steady_rate()


async def seed(rt: Runtime, n: int) -> set[str]:
    """A Slack workspace, n volunteers reachable in DM, one post due to each; its keys."""
    now = rt.clock.now()
    async with rt.sessions() as session:
        workspace = Workspace(platform="slack", external_id=TEAM["id"], name=TEAM["name"],
                              created_at=now)
        session.add(workspace)
        await session.flush()
        await insert_ignore_rows(session, Member, [{
            "workspace_id": workspace.id, "external_id": f"U{i:08d}",
            "display_name": f"Volunteer {i}", "locale": "en", "timezone": "Europe/Paris",
            "status": "active", "charter_version": rt.charter.version, "opted_in_at": now,
            "prefs": NO_QUIET, "created_at": now,
            "conversation": conversation_to_json(user_dm(TEAM["id"], f"U{i:08d}")),
        } for i in range(n)])
        post = Post(workspace_id=workspace.id, url="https://acme.example/news/lyon",
                    title="Our Lyon office opens", summary="Two hundred jobs in Lyon.",
                    key_points=["200 jobs", "Opening in June"], hashtags=["#AcmeLyon"],
                    publish_at=now - timedelta(minutes=1), created_at=now)
        session.add(post)
        await session.flush()
        members = (await session.scalars(
            select(Member.id).where(Member.workspace_id == workspace.id))).all()
        await insert_ignore_rows(session, Delivery, [{
            "post_id": post.id, "member_id": member, "status": "planned", "due_at": now,
            "attempts": 0, "message_ref": {}, "suggestions": [], "created_at": now,
        } for member in members])
        ids = (await session.scalars(select(Delivery.id).where(Delivery.post_id == post.id))).all()
        await session.commit()
    return {delivery_key(i) for i in ids}


async def statuses(rt: Runtime) -> Counter[str]:
    async with rt.sessions() as session:
        return Counter({str(status): int(count) for status, count in (await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status))).all()})


async def one_process(n: int, limits: Limits, tuning: Tuning, *, remote: bool = True,
                      database_url: str | None = None, name: str = "1 process",
                      ) -> Fanout:
    """One process drains the outbox (SQLite in a temporary folder unless told otherwise)."""
    with tempfile.TemporaryDirectory(prefix="pv-fanout-") as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
        rt = await open_runtime(Settings(database_url=url), SystemClock())
        try:
            expected = await seed(rt, n)
            async with limited_slack(limits, remote=remote) as slack:
                jobs = make_jobs(rt, slack.base_url, tuning)
                started = time.monotonic()
                with bench_outbox(tuning):
                    outcomes = await drain(jobs, tuning)
                seconds = time.monotonic() - started
                report = await slack.report()
            at_end = await statuses(rt)
        finally:
            await rt.close()
    return Fanout(name, n, report, expected, seconds, outcomes, at_end)


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A database of our own on the server of `server_url`, dropped afterwards."""
    name = f"bench_fanout_{os.getpid()}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _spawn(url: str, slack: SlackUnderTest, tuning: Tuning) -> asyncio.subprocess.Process:
    args = [f"--{k.replace('_', '-')}={v}" for k, v in asdict(tuning).items()]
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.fanout_worker", f"--database-url={url}",
        f"--slack-url={slack.base_url}", *args, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)


async def _start_together(workers: list[asyncio.subprocess.Process]) -> None:
    """Wait until every replica is ready, then let them all go."""
    for worker in workers:
        assert worker.stdout is not None
        ready = await asyncio.wait_for(worker.stdout.readline(), 60)
        if ready.strip() != b"ready":
            raise RuntimeError(f"a fan-out replica did not start: {ready!r}")
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()


async def _kill_when(slack: SlackUnderTest, victim: asyncio.subprocess.Process,
                     at: int) -> tuple[int, float]:
    """SIGKILL `victim` once `at` messages are accepted; (accepted then, when)."""
    started = time.monotonic()
    while (accepted := await slack.accepted()) < at and victim.returncode is None:
        await asyncio.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    return accepted, time.monotonic() - started


def _outcomes(outputs: list[tuple[bytes, bytes]]) -> Counter[str]:
    """The survivors' outcomes, each printed as the last line of its output."""
    outcomes: Counter[str] = Counter()
    for stdout, _ in outputs:
        lines = stdout.decode().strip().splitlines()
        if lines:
            outcomes.update(json.loads(lines[-1])["outcomes"])
    return outcomes


async def replicas(n: int, limits: Limits, tuning: Tuning, server_url: str = PG_URL) -> Fanout:
    """REPLICAS worker processes on one PostgreSQL database; the first is killed mid-run."""
    async with scratch_database(server_url) as url:
        rt = await open_runtime(Settings(database_url=url), SystemClock())
        try:
            expected = await seed(rt, n)
            async with limited_slack(limits, remote=True) as slack:
                workers = [await _spawn(url, slack, tuning) for _ in range(REPLICAS)]
                try:
                    await _start_together(workers)
                    started = time.monotonic()
                    killed_at, kill_time = await _kill_when(slack, workers[0], int(n * KILL_AT))
                    outputs = await asyncio.wait_for(asyncio.gather(
                        *(w.communicate() for w in workers[1:])), tuning.deadline)
                    seconds = time.monotonic() - started
                finally:
                    for worker in workers:
                        if worker.returncode is None:
                            worker.kill()
                            await worker.wait()
                report = await slack.report()
            at_end = await statuses(rt)
        finally:
            await rt.close()
    outcomes = _outcomes(list(outputs))
    # Found in the DM's history rather than sent again: the answers lost in timeouts, and
    # what the killed replica had posted without recording it.
    unrecorded = outcomes["recovered"] - report.counts.get("timeout after posting", 0)
    note = (f"replica 1 of {REPLICAS} killed with SIGKILL {kill_time:.1f} s in, "
            f"{killed_at:,} of {n:,} messages accepted; sends it had posted without "
            f"recording them, found in the DM's history by the others: {max(unrecorded, 0)}")
    return Fanout(f"{REPLICAS} replicas, kill", n, report, expected, seconds, outcomes,
                  at_end, note)


async def naive(n: int, limits: Limits, *, remote: bool = True) -> Fanout:
    """A sequential loop of chat_postMessage on slack_sdk's default client."""
    failures: Counter[str] = Counter()
    async with limited_slack(limits, remote=remote) as slack:
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        started = time.monotonic()
        for i in range(n):
            key = f"naive-{i}"
            try:
                await client.chat_postMessage(
                    channel=f"U{i:08d}", text="Our Lyon office opens: share it?",
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}})
            except SlackApiError as error:
                failures[f"HTTP {error.response.status_code}"] += 1
            except API_ERRORS as error:
                failures[type(error).__name__] += 1
        seconds = time.monotonic() - started
        report = await slack.report()
    expected = {f"naive-{i}" for i in range(n)}
    return Fanout("naive loop", n, report, expected, seconds, failures)


def _rows(run: Fanout, ceiling: float, *, baseline: bool = False,
          rate_target: bool = True) -> list[Row]:
    """The run's figures; the naive baseline has no targets and no steady part."""
    name = f"fan-out: {run.name}"
    delivered = len(set(run.report.keys()) & run.expected)
    overall = delivered / run.seconds if run.seconds else 0.0
    target = None if baseline else True
    rows = [] if baseline else [
        Row(name, "accepted/s (steady part)", run.rate, "/s", ceiling,
            "≥ 0.9× ceiling" if rate_target else "",
            run.rate / ceiling >= 0.9 if rate_target else None)]
    rows += [Row(name, "delivered/s (start to end)", overall, "/s", ceiling),
             Row(name, f"duplicates of {run.sent}", run.duplicates, "",
                 target="" if baseline else "0", met=target and run.duplicates == 0),
             Row(name, f"lost of {run.sent}", run.lost, "",
                 target="" if baseline else "0", met=target and run.lost == 0),
             Row(name, "total time", run.seconds, "s")]
    counts = {k: v for k, v in run.report.counts.items()
              if not k.startswith("calls") or k.endswith("history")}
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    what = "client errors" if baseline else "outbox outcomes"
    note = (f"fan-out, {run.name}: {run.note + '; ' if run.note else ''}mock: {detail}; "
            f"{what}: {dict(run.outcomes)}"
            + (f"; deliveries at the end: {dict(run.statuses)}." if run.statuses else "."))
    return rows + [Row(name, "", None, note=note)]


async def run() -> list[Row]:
    rows = _rows(await one_process(N, LIMITS, TUNING), CEILING)
    strict = replace(LIMITS, burst_seconds=0.1, seed=4)
    # Beyond the set-up (Slack allows bursts): how the outbox recovers from 429s.
    rows += _rows(await one_process(STRICT_N, strict, TUNING, name="strict ceiling"),
                  CEILING, rate_target=False)
    try:
        rows += _rows(await replicas(N, replace(LIMITS, seed=2), TUNING), CEILING)
    except OSError as error:  # no PostgreSQL server to create the database on
        rows.append(Row(f"fan-out: {REPLICAS} replicas, kill", "not run", None,
                        note=f"PostgreSQL unreachable at {PG_URL}: {error}"))
    rows += _rows(await naive(NAIVE_N, replace(LIMITS, seed=3)), CEILING, baseline=True)
    notes = (f"fan-out: one post to {N:,} volunteers through the real outbox, against a mock "
             f"Slack enforcing 1 message/s per DM and {CEILING:.0f} messages/s per workspace "
             "(÷ base = ÷ that ceiling; the outbox is told it), answering in 20 ms and "
             "injecting 5% 429, 2% 500, 1% timeouts (half after posting). 1 process: SQLite. "
             f"Strict ceiling: {STRICT_N:,} volunteers, bursts beyond 0.1 s of the ceiling "
             "refused. 3 replicas: PostgreSQL, one SIGKILLed at 30%. Naive loop: sequential "
             f"chat_postMessage on slack_sdk's default AsyncWebClient, {NAIVE_N:,} DMs. Steady "
             "part: 10th to 90th percentile of acceptance times (above 1× by at most the "
             "ceiling's one-second burst). Bench-only: client timeout 2 s, claim lease 10 s, "
             "retry backoff ÷ 10.")
    return [Row("fan-out", "", None, note=notes), *rows]
