"""Handlers, one module per subject; importing this package registers them all."""

from bot.handlers import (  # noqa: F401
    admin,
    admin_edit,
    admin_list,
    admin_posts,
    admin_settings,
    admin_teams,
    admin_versions,
    challenge,
    charter,
    crisis,
    dashboard,
    fatigue,
    help,
    nudge,
    prefs,
    privacy,
    proposals,
    refresh,
    volunteer,
)
