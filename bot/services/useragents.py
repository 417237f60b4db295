"""Telling link-preview bots and crawlers from people clicking a tracked link."""

from __future__ import annotations

import re

_BOTS = re.compile(
    r"bot\b|bot/|crawler|spider|slurp|preview|facebookexternalhit|embedly|linkedinbot|"
    r"slackbot|slack-imgproxy|twitterbot|discordbot|whatsapp|telegrambot|skypeuripreview|"
    r"microsoftpreview|bingpreview|googlebot|applebot|yandex|baiduspider|duckduckbot|"
    r"headlesschrome|python-requests|curl/|wget/|go-http-client|okhttp|java/",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """True for empty user agents and known previewers or crawlers."""
    return not user_agent or bool(_BOTS.search(user_agent))
