"""Scheduled jobs (plan, outbox, digest, maintenance) and their APScheduler wiring."""
