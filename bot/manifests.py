"""`porte-voix manifest <platform>`: print an adapter's app manifest, or write its package."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from bot.plugins import CliCommand


def _renderers() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group="porte_voix.manifests")}


def _packagers() -> dict[str, EntryPoint]:
    """Platforms whose app is uploaded as a package: `write_package(path, url)`."""
    return {ep.name: ep for ep in entry_points(group="porte_voix.packages")}


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("platform", choices=sorted(_renderers()), help="which platform")
    parser.add_argument("--url", help="public https URL where `porte-voix serve` is reached")
    parser.add_argument("--socket-mode", action="store_true",
                        help="Slack: no public URL, the app connects out over Socket Mode")
    parser.add_argument("--zip", type=Path, metavar="PATH",
                        help="write the app package to upload (Teams) instead of printing")


def _write(args: argparse.Namespace) -> str:
    packager = _packagers().get(args.platform)
    if packager is None:
        raise ValueError(f"{args.platform} has no app package; drop --zip and paste the manifest")
    if args.socket_mode:
        raise ValueError("a package is for an app reached at --url, not Socket Mode")
    packager.load()(args.zip, args.url)
    return f"wrote {args.zip}\n"


def _run(args: argparse.Namespace) -> int:
    try:
        if args.zip is not None:
            output = _write(args)
        else:
            output = _renderers()[args.platform].load()(args.url, args.socket_mode)
    except (ValueError, OSError) as problem:
        print(f"porte-voix manifest: {problem}", file=sys.stderr)
        return 2
    sys.stdout.write(output)
    return 0


command = CliCommand("manifest", "print a platform's app manifest, ready to paste, "
                     "or write its package (--zip)", _configure, _run)
