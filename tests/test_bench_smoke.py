"""The fan-out benchmark at a tiny scale: every nudge once through a limited, faulty Slack.

200 volunteers, a workspace ceiling of 200 messages a second, and the benchmark's faults
(429 with Retry-After, 500, timeouts before and after the message is posted): the real
outbox on SQLite must deliver each nudge exactly once as the platform counts them. Timeouts
and backoff are shortened so that it runs in a few seconds; no timing is asserted. On
PostgreSQL, three replica processes do the same and one is killed with SIGKILL mid-send.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.fanout import naive, one_process, replicas
from bench.fanout_worker import Tuning
from bench.limited_slack import Limits
from tests.conftest import PG_URL

# Seed 6 draws, among others, a timeout after the message was posted: the ambiguous case.
FAULTY = Limits(ceiling=200, hang=1.5, seed=6)
QUICK = Tuning(rate=200, batch=50, concurrency=16, client_timeout=1, lease=30,
               backoff_scale=0.02, deadline=60)


async def test_a_faulty_fan_out_delivers_every_nudge_exactly_once() -> None:
    run = await one_process(200, FAULTY, QUICK, remote=False)

    counts = run.report.counts
    assert counts.get("timeout after posting") and counts.get("429 injected") \
        and counts.get("500 injected"), f"too few faults to prove anything: {counts}"
    assert run.lost == 0, run.outcomes
    assert run.duplicates == 0, counts
    assert run.statuses == {"sent": 200}, run.outcomes


async def test_the_mock_enforces_its_ceiling_and_the_naive_loop_loses_messages() -> None:
    run = await naive(60, Limits(ceiling=20, p_timeout=0, seed=7), remote=False)

    assert run.report.counts.get("429 workspace ceiling", 0) > 0
    assert run.lost == 60 - len(run.report.keys()) > 0
    assert run.duplicates == 0


@pytest.mark.skipif(not PG_URL, reason="PORTEVOIX_TEST_DATABASE_URL is not set")
async def test_replicas_with_one_killed_mid_send_deliver_every_nudge_once() -> None:
    assert PG_URL
    run = await replicas(300, replace(FAULTY, seed=2), replace(QUICK, lease=3), PG_URL)

    assert run.lost == 0, run.outcomes
    assert run.duplicates == 0, run.report.counts
    assert run.statuses == {"sent": 300}, run.outcomes
