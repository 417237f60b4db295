"""Handlers, one module per subject; importing this package registers them all."""

from bot.handlers import admin, admin_posts, charter, help, nudge, prefs, volunteer  # noqa: F401
