"""Plugging Teams into `porte-voix serve`: POST /api/messages and proactive sending."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams.app import TeamsBot, make_handler
from adapters.teams.messenger import TeamsMessenger
from bot.config import Settings
from bot.dispatch import Bot
from bot.plugins import Cleanup
from bot.runtime import Runtime

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def framework_config(settings: Settings) -> BotFrameworkConfig:
    password = settings.teams_app_password
    return BotFrameworkConfig(
        APP_ID=settings.teams_app_id or "",
        APP_PASSWORD=password.get_secret_value() if password else "",
        APP_TYPE=settings.teams_app_type,
        APP_TENANTID=settings.teams_app_tenant_id or "",
    )


async def _log_turn_error(turn: TurnContext, error: Exception) -> None:
    """An error outside the core's own handling: logged, and the turn ends quietly (an
    exception reaching aiohttp would be a 500, which Teams redelivers)."""
    log.error("Teams turn failed on a %s activity", turn.activity.type, exc_info=error)


async def serve(rt: Runtime, bot: Bot, app: web.Application) -> Cleanup | None:
    """Enabled by TEAMS_APP_ID, or by PORTEVOIX_TEAMS_LOCAL for the Bot Framework Emulator
    and tests (no app id: botbuilder's anonymous mode, requests must carry no token)."""
    settings = rt.settings
    if not settings.teams_app_id and not settings.teams_local:
        return None
    config = framework_config(settings)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    adapter.on_turn_error = _log_turn_error
    rt.messengers["teams"] = TeamsMessenger(adapter, config.APP_ID,
                                            rate_per_workspace=settings.teams_tenant_rate)
    app.router.add_post(MESSAGES_PATH, make_handler(adapter, TeamsBot(bot)))
    log.info("Teams activities expected at %s%s", MESSAGES_PATH,
             "" if config.APP_ID else " (local mode: no authentication)")
    return None
