"""What /metrics tells an operator: deliveries, send latency, 429s, retries, outbox lag,
clicks; and the JSON log lines that carry a delivery's id. /metrics is read from the
operations app (where and behind what it is served: tests/test_operations.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import JsonFormatter, delivery_fields
from bot.ports import SendError
from bot.web.listeners import make_app, make_operations_app
from tests.conftest import enlist
from tests.fakes import install_flaky, queue_post

FAMILIES = {
    "portevoix_deliveries": "counter",  # by outcome
    "portevoix_deliveries_queued": "gauge",  # by state: due, scheduled, sending
    "portevoix_send_seconds": "histogram",
    "portevoix_rate_limited": "counter",
    "portevoix_send_retries": "counter",
    "portevoix_outbox_lag_seconds": "gauge",
    "portevoix_planned": "counter",
    "portevoix_clicks": "counter",
    "portevoix_clicks_pending": "gauge",
    "portevoix_click_flush_seconds": "histogram",
    "portevoix_clicks_dropped": "counter",
}


@pytest.fixture
async def client(rt) -> AsyncIterator[TestClient]:
    """The operations listener's app."""
    async with TestClient(TestServer(make_operations_app(rt))) as test_client:
        yield test_client


@pytest.fixture
async def public(rt) -> AsyncIterator[TestClient]:
    """The public listener's app, where tracked links are clicked."""
    async with TestClient(TestServer(make_app(rt))) as test_client:
        yield test_client


async def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, labels)."""
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(await response.text())
            for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_every_metric_family_is_exposed(client):
    response = await client.get("/metrics")
    families = {family.name: family.type
                for family in text_string_to_metric_families(await response.text())}

    assert {name: families.get(name) for name in FAMILIES} == FAMILIES


async def test_the_outbox_queue_and_its_lag_are_read_at_scrape_time(
        console, jobs, clock, client):
    await enlist(console, "alice")
    await enlist(console, "bob")
    await console.say("bob", "pause 1d")
    await queue_post(console, "lyon")
    await queue_post(console, "paris")
    await jobs.plan()  # alice: one nudge due now (the other post waits for it)

    clock.advance(timedelta(minutes=10))  # and the outbox has not run
    samples = await scrape(client)
    assert value(samples, "portevoix_deliveries_queued", state="due") == 1
    assert value(samples, "portevoix_deliveries_queued", state="sending") == 0
    assert value(samples, "portevoix_outbox_lag_seconds") == 600

    await jobs.send()
    samples = await scrape(client)
    assert value(samples, "portevoix_deliveries_queued", state="due") == 0
    assert value(samples, "portevoix_outbox_lag_seconds") == 0


async def test_sends_their_latency_and_429s_are_counted(console, jobs, rt, client, messenger):
    await enlist(console, "alice")
    await enlist(console, "bob")
    await queue_post(console, "lyon")
    await jobs.plan()  # two nudges due now
    before = await scrape(client)
    install_flaky(rt, messenger, [SendError("rate_limited", "slow down", retry_after=30)])

    await jobs.send()  # one 429 (back in the queue), one sent

    after = await scrape(client)
    for name, labels in (("portevoix_rate_limited_total", {"platform": "console"}),
                         ("portevoix_deliveries_total", {"outcome": "sent"})):
        assert value(after, name, **labels) == value(before, name, **labels) + 1, name
    timed = "portevoix_send_seconds_count"  # the sent one at least; the 429 may count too
    assert value(after, timed, platform="console") > value(before, timed, platform="console")


async def test_clicks_are_counted_by_kind(console, jobs, client, public):
    from tests.test_links import shared_link, visit

    share = await shared_link(console, jobs)
    before = await scrape(client)

    await visit(public, share.link_token)
    await visit(public, share.link_token, "LinkedInBot/1.0")

    after = await scrape(client)
    for kind in ("person", "bot"):
        assert value(after, "portevoix_clicks_total", kind=kind) == \
            value(before, "portevoix_clicks_total", kind=kind) + 1


def test_json_log_lines_carry_the_delivery_id():
    record = logging.LogRecord("scheduler.outbox", logging.WARNING, __file__, 1,
                               "delivery %s: %s", (42, "transient: 503"), None)
    for name, field in delivery_fields(42, platform="slack", outcome="retry").items():
        setattr(record, name, field)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "delivery 42: transient: 503"
    assert (line["delivery_id"], line["platform"], line["outcome"]) == (42, "slack", "retry")
    assert line["level"] == "warning" and line["logger"] == "scheduler.outbox"
