"""What adapters add to the core, found through entry points (the core imports no adapter)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from aiohttp import web

from bot.dispatch import Bot
from bot.runtime import Runtime


@dataclass(frozen=True)
class CliCommand:
    """A `porte-voix` sub-command provided by an adapter."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# An adapter's `serve` hook: given the runtime, the bot and the web app, it registers its
# messenger and routes when its settings are present, and returns a cleanup coroutine or None.
Cleanup = Callable[[], Awaitable[None]]
ServeHook = Callable[[Runtime, Bot, web.Application], Awaitable[Cleanup | None]]


def cli_commands() -> list[CliCommand]:
    return [ep.load() for ep in entry_points(group="porte_voix.commands")]


def serve_hooks() -> list[ServeHook]:
    return [ep.load() for ep in entry_points(group="porte_voix.adapters")]
