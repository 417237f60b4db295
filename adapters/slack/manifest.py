"""The Slack app manifest of deploy/slack/, with this installation's URL or Socket Mode."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yml"
PLACEHOLDER = "https://porte-voix.example.com"


def render(url: str | None, socket_mode: bool) -> str:
    """The manifest ready to paste: every request URL on `url`, or none in Socket Mode."""
    text = MANIFEST.read_text(encoding="utf-8")
    if socket_mode:
        text = re.sub(r"^\s*request_url: .*\n", "", text, flags=re.MULTILINE)
        text = re.sub(r"^(\s*)url: .*\n", "", text, flags=re.MULTILINE)
        return text.replace("socket_mode_enabled: false", "socket_mode_enabled: true")
    if not url:
        raise ValueError("give the public URL (--url https://...) or --socket-mode")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("Slack only calls https:// URLs")
    return text.replace(PLACEHOLDER, url.rstrip("/"))
