"""Who a Slack user is (name, time zone, locale, email, job title), from users.info, cached."""

from __future__ import annotations

import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM, user_dm
from bot.events import Actor

TTL_SECONDS = 3600.0


@dataclass(frozen=True)
class Profile:
    name: str | None
    locale: str | None
    timezone: str | None
    email: str | None
    is_bot: bool
    title: str | None = None


class Profiles:
    """users.info with include_locale, kept an hour per user."""

    def __init__(self, client: AsyncWebClient, ttl: float = TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Profile]] = {}

    async def get(self, user_id: str) -> Profile:
        cached = self._cache.get(user_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            user = response.get("user") or {}
        except SlackApiError:
            user = {}  # unknown or not visible: the core falls back to workspace defaults
        profile_data = user.get("profile") or {}
        profile = Profile(
            name=user.get("real_name") or profile_data.get("real_name")
            or profile_data.get("display_name") or user.get("name"),
            locale=user.get("locale"), timezone=user.get("tz"),
            email=profile_data.get("email"), is_bot=bool(user.get("is_bot")),
            title=_text(profile_data.get("title")),
        )
        if user:
            self._cache[user_id] = (time.monotonic(), profile)
        return profile

    async def actor(self, team_id: str, user_id: str) -> Actor:
        profile = await self.get(user_id)
        return Actor(PLATFORM, team_id, user_id, profile.name, profile.locale, profile.timezone,
                     profile.email, dm=user_dm(team_id, user_id), job_title=profile.title)


def _text(value: object) -> str | None:
    """A profile field as one tidy line: "" when the person left it empty, None when the
    profile does not say (the user could not be read)."""
    return " ".join(value.split()) if isinstance(value, str) else None
