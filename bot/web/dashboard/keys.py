"""The dashboard's application key: its pages' Jinja2 environment."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment

PAGES: web.AppKey[Environment] = web.AppKey("dashboard pages", Environment)
