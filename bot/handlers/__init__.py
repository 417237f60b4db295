"""Handlers, one module per subject; importing this package registers them all."""

from bot.handlers import (  # noqa: F401
    admin,
    admin_posts,
    admin_settings,
    admin_teams,
    charter,
    help,
    nudge,
    prefs,
    refresh,
    volunteer,
)
