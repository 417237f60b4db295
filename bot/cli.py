"""The `porte-voix` command: serve, db upgrade, and the commands adapters add (chat, demo)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from aiohttp import web

from bot.config import Settings
from bot.dispatch import Bot
from bot.metrics import JsonFormatter
from bot.plugins import cli_commands, serve_hooks
from bot.runtime import open_runtime
from bot.web.listeners import make_app, start_operations
from scheduler.live import Live
from scheduler.runner import Jobs
from storage.db import make_engine, upgrade

log = logging.getLogger("porte_voix")


async def _serve(settings: Settings) -> None:
    rt = await open_runtime(settings)
    bot = Bot(rt)
    app = make_app(rt)
    cleanups = [cleanup for hook in serve_hooks() if (cleanup := await hook(rt, bot, app))]
    if not rt.messengers:
        log.warning("no chat platform configured: set SLACK_* or TEAMS_* (see README)")
    live = Live(Jobs(rt))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    stop_operations = await start_operations(rt)
    live.start()
    log.info("Porte-Voix listening on http://%s:%s", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await live.close()  # sends on the wire finish, other claims go back to the queue
    for cleanup in cleanups:
        await cleanup()
    await runner.cleanup()
    await stop_operations()
    await rt.close()


async def _upgrade(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    await upgrade(engine)
    await engine.dispose()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="porte-voix",
        description="Porte-Voix, the employee-advocacy bot for Slack and Microsoft Teams.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the web server (adapters enabled by their settings) "
                                      "and the scheduler; applies migrations first")
    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply Alembic migrations to PORTEVOIX_DATABASE_URL")
    for extra in cli_commands():
        extra.configure(commands.add_parser(extra.name, help=extra.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if Settings().log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    if not args.verbose:
        # One line a request (tracked links, AI model calls) is noise at this volume.
        for name in ("apscheduler", "aiohttp.access", "httpx", "httpx2"):
            logging.getLogger(name).setLevel(logging.WARNING)
    if args.command == "serve":
        asyncio.run(_serve(Settings()))
        return 0
    if args.command == "db":
        asyncio.run(_upgrade(Settings()))
        print("database is up to date")
        return 0
    for extra in cli_commands():
        if extra.name == args.command:
            return extra.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
