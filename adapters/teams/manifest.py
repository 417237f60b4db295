"""The Teams app manifest and package of deploy/teams/, filled in for this installation."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "teams"
MANIFEST = DEPLOY / "manifest.json"
ICONS = ("color.png", "outline.png")
APP_ID = "{{TEAMS_APP_ID}}"
PUBLIC_HOST = "{{PUBLIC_HOST}}"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _app_id(settings: Settings) -> str:
    """The bot's Microsoft App ID, which is also the Teams app's id."""
    app_id = (settings.teams_app_id or "").strip()
    if not app_id:
        raise ValueError("set TEAMS_APP_ID (the bot's Microsoft App ID)")
    if not _GUID.match(app_id):
        raise ValueError(f"TEAMS_APP_ID {app_id!r} is not a GUID like "
                         "00000000-0000-0000-0000-000000000000 (the bot's Microsoft App ID)")
    return app_id


def _host(url: str | None, settings: Settings) -> str:
    """The host name of the public https URL: --url, or else PORTEVOIX_PUBLIC_URL."""
    if url is None:
        if urlsplit(settings.public_url).scheme != "https":
            raise ValueError("give the public URL (--url https://...): PORTEVOIX_PUBLIC_URL "
                             f"{settings.public_url!r} is not https")
        url = settings.public_url
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("Teams only calls https:// URLs: give --url https://your.host")
    if not _HOST.match(parts.hostname):
        raise ValueError(f"{parts.hostname!r} is not a host name")
    return parts.hostname


def _fill(value: Any, values: dict[str, str]) -> Any:
    """`value` with every placeholder string replaced, at any depth."""
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, str):
        for placeholder, filled in values.items():
            value = value.replace(placeholder, filled)
    return value


def _manifest(url: str | None) -> str:
    settings = Settings()
    values = {APP_ID: _app_id(settings), PUBLIC_HOST: _host(url, settings)}
    template = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return json.dumps(_fill(template, values), indent=2, ensure_ascii=False) + "\n"


def render(url: str | None, socket_mode: bool) -> str:
    """The manifest.json for this installation: its app id and public host filled in."""
    if socket_mode:
        raise ValueError("Socket Mode is Slack's; Teams needs --url")
    return _manifest(url)


def write_package(path: Path, url: str | None) -> None:
    """Write the zip to upload to Teams: manifest.json and both icons at its root."""
    manifest = _manifest(url)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest)
        for icon in ICONS:
            package.write(DEPLOY / icon, arcname=icon)
