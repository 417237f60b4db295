"""`porte-voix manifest <platform>`: print an adapter's app manifest for this installation."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from bot.plugins import CliCommand


def _renderers() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group="porte_voix.manifests")}


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("platform", choices=sorted(_renderers()), help="which platform")
    parser.add_argument("--url", help="public https URL where `porte-voix serve` is reached")
    parser.add_argument("--socket-mode", action="store_true",
                        help="Slack: no public URL, the app connects out over Socket Mode")


def _run(args: argparse.Namespace) -> int:
    render = _renderers()[args.platform].load()  # type: ignore[attr-defined]
    try:
        sys.stdout.write(render(args.url, args.socket_mode))
    except ValueError as problem:
        print(f"porte-voix manifest: {problem}", file=sys.stderr)
        return 2
    return 0


command = CliCommand("manifest", "print a platform's app manifest, ready to paste",
                     _configure, _run)
