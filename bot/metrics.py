"""Observability: the Prometheus metrics served at /metrics, and structured (JSON) logs.

Who updates what:
- the outbox: DELIVERIES (each outcome), SEND_SECONDS (each send's duration), RATE_LIMITED
  (each 429) and RETRIES (each delivery put back to be tried again, with its reason);
- the plan job's caller: PLANNED;
- the AI writer (bot/voice/ai/writer.py): AI_REQUESTS, AI_DRAFTS and AI_TOKENS; the outbox counts
  AI_NUDGES as it sends;
- /r/<token>: CLICKS when counted, CLICKS_PENDING / CLICK_FLUSH_SECONDS / CLICKS_DROPPED
  for the buffered writes;
- /metrics itself, at scrape time: QUEUED and OUTBOX_LAG, from one cheap query over the
  (status, due_at) index (`observe_queue`). Each replica reports the same queue: aggregate
  them with max(), not sum().

Logs: `JsonFormatter` writes one JSON object a line, with the record's known extra fields
(`log.warning("...", extra=delivery_fields(delivery.id, platform=..., outcome=...))`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Delivery

REGISTRY = CollectorRegistry()

DELIVERIES = Counter("portevoix_deliveries_total",
                     "Deliveries processed by the outbox, by outcome (sent, cancelled, failed, "
                     "postponed, rate-limited, retry...)", ["outcome"], registry=REGISTRY)
SEND_SECONDS = Histogram("portevoix_send_seconds", "Time to send one nudge to its platform",
                         ["platform"], registry=REGISTRY,
                         buckets=(.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
RATE_LIMITED = Counter("portevoix_rate_limited_total", "429 answers from platforms",
                       ["platform"], registry=REGISTRY)
RETRIES = Counter("portevoix_send_retries_total",
                  "Deliveries put back in the queue to be tried again, by platform and reason "
                  "(rate_limited, transient, timeout, lease_expired)",
                  ["platform", "reason"], registry=REGISTRY)
SENT_IN_FLIGHT = Counter("portevoix_sent_in_flight_total",
                         "Nudges whose platform call was already on the wire when their "
                         "delivery was settled otherwise (a stop or a withdrawn post "
                         "committed at that instant), by the delivery's status",
                         ["status"], registry=REGISTRY)
QUEUED = Gauge("portevoix_deliveries_queued",
               "Deliveries waiting in the outbox at scrape time: due (planned, due now), "
               "scheduled (planned, due later) and sending (claimed)",
               ["state"], registry=REGISTRY)
OUTBOX_LAG = Gauge("portevoix_outbox_lag_seconds",
                   "Age of the oldest planned delivery that is due (0 when none is)",
                   registry=REGISTRY)
PLANNED = Counter("portevoix_planned_total", "Deliveries created by the plan job",
                  registry=REGISTRY)
CLICKS = Counter("portevoix_clicks_total", "Tracked link visits", ["kind"], registry=REGISTRY)
CLICKS_PENDING = Gauge("portevoix_clicks_pending",
                       "Clicks counted but not yet written to the database", registry=REGISTRY)
CLICK_FLUSH_SECONDS = Histogram("portevoix_click_flush_seconds",
                                "Time to write one batch of clicks", registry=REGISTRY,
                                buckets=(.001, .005, .01, .025, .05, .1, .25, .5, 1, 5))
CLICKS_DROPPED = Counter("portevoix_clicks_dropped_total",
                         "Counted clicks that could not be written, by reason", ["reason"],
                         registry=REGISTRY)

AI_REQUESTS = Counter("portevoix_ai_requests_total",
                      "Requests to the AI model, by result (ok, garbage, rate_limited, "
                      "server_error, timeout, unreachable, refused)", ["result"],
                      registry=REGISTRY)
AI_DRAFTS = Counter("portevoix_ai_drafts_total",
                    "AI drafts checked before use, by outcome: accepted, or the reason it was "
                    "replaced by the template engine's (language, invented_fact, blocked_term, "
                    "mention, markup, link, too_long, headline, too_close, empty, missing)",
                    ["outcome"], registry=REGISTRY)
AI_TOKENS = Counter("portevoix_ai_tokens_total", "Tokens the AI model reported, by kind "
                    "(prompt, completion)", ["kind"], registry=REGISTRY)
AI_NUDGES = Counter("portevoix_ai_nudges_total",
                    "Nudges made ready to send where AI drafts are on (first attempts), by "
                    "what their "
                    "suggestions were: ai (at least one AI draft), engine (drafted ahead by "
                    "the template engine: every draft refused, or the volunteer wants none) "
                    "or late (not drafted when due: the engine's, composed at sending)",
                    ["drafts"],
                    registry=REGISTRY)

QUEUE_STATES = ("due", "scheduled", "sending")


async def observe_queue(engine: AsyncEngine, now: datetime) -> None:
    """Set QUEUED and OUTBOX_LAG from the deliveries table (one grouped query)."""
    queue = select(Delivery.status, Delivery.due_at, (Delivery.due_at <= now).label("due")) \
        .where(Delivery.status.in_(("planned", "sending"))).subquery()
    counts = dict.fromkeys(QUEUE_STATES, 0)
    oldest: datetime | None = None
    async with engine.connect() as conn:
        for status, due, count, first in (await conn.execute(
            select(queue.c.status, queue.c.due, func.count(), func.min(queue.c.due_at))
            .group_by(queue.c.status, queue.c.due)
        )).all():
            if status == "sending":
                counts["sending"] += count
            elif due:
                counts["due"] += count
                oldest = first
            else:
                counts["scheduled"] += count
    for state, count in counts.items():
        QUEUED.labels(state).set(count)
    OUTBOX_LAG.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)


LOG_FIELDS = ("delivery_id", "post_id", "member_id", "workspace_id", "team_id", "platform",
              "outcome", "attempt", "retry_after", "worker", "error_kind")


def delivery_fields(delivery_id: int, **more: Any) -> dict[str, Any]:
    """`extra=` for a log record about one delivery."""
    return {"delivery_id": delivery_id, **more}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, known extra fields and
    the traceback, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in LOG_FIELDS
                      if getattr(record, name, None) is not None})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
