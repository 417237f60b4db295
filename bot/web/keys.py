"""The application keys the HTTP handlers share: the runtime and the click counter."""

from __future__ import annotations

from aiohttp import web

from bot.clicks import ClickCounter
from bot.runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
CLICKS: web.AppKey[ClickCounter] = web.AppKey("clicks", ClickCounter)
