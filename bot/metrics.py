"""Prometheus metrics of the bot, served at /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()

DELIVERIES = Counter("portevoix_deliveries_total", "Deliveries processed by the outbox, by outcome",
                     ["outcome"], registry=REGISTRY)
SEND_SECONDS = Histogram("portevoix_send_seconds", "Time to send one nudge to its platform",
                         ["platform"], registry=REGISTRY)
RATE_LIMITED = Counter("portevoix_rate_limited_total", "429 answers from platforms",
                       ["platform"], registry=REGISTRY)
CLICKS = Counter("portevoix_clicks_total", "Tracked link visits", ["kind"], registry=REGISTRY)
PLANNED = Counter("portevoix_planned_total", "Deliveries created by the plan job",
                  registry=REGISTRY)
