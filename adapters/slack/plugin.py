"""Plugging Slack into `porte-voix serve`: HTTP events route or Socket Mode, and the outbox."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import TIMEOUT, SlackAdapter
from adapters.slack.messenger import SlackMessenger
from bot.dispatch import Bot
from bot.plugins import Cleanup
from bot.runtime import Runtime

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter else ""


async def serve(rt: Runtime, bot: Bot, app: web.Application) -> Cleanup | None:
    """Enabled by SLACK_BOT_TOKEN; Socket Mode when SLACK_APP_TOKEN is set, else HTTP."""
    settings = rt.settings
    token = _secret(settings.slack_bot_token)
    if not token:
        return None
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret)
    if not app_token and not signing_secret:
        raise SystemExit("Slack over HTTP needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN "
                         "for Socket Mode)")
    adapter = SlackAdapter(bot, token=token, signing_secret="" if app_token else signing_secret,
                           api_url=settings.slack_api_url)
    # The outbox owns its retries (Retry-After, backoff): its client retries nothing. One
    # HTTP session for all its calls: connections are kept, not opened for each nudge.
    session = aiohttp.ClientSession()
    rt.messengers["slack"] = SlackMessenger(
        AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=TIMEOUT,
                       retry_handlers=[], session=session),
        rate_per_workspace=settings.slack_workspace_rate,
        lookup_rate_per_workspace=settings.slack_history_per_minute / 60)
    if app_token:
        handler = AsyncSocketModeHandler(adapter.app, app_token)
        await handler.connect_async()
        log.info("Slack connected over Socket Mode")

        async def close() -> None:
            await handler.close_async()
            await session.close()

        return close
    app.router.add_post(EVENTS_PATH, adapter.handle_http)
    log.info("Slack events expected at %s", EVENTS_PATH)
    return session.close
