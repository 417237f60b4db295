"""What the bench's mock Slack answers once a call goes through its limits and faults: the
messages kept per channel, history pages, users, DMs opened, the bot's identity."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable

from bench.slack_record import Payload
from tests.adapters.slack.mock_slack import AUTH_TEST, BOT, TEAM

VIEW = {"ok": True, "view": {"id": "VBENCH"}}


def dm_channel(user_or_channel: str) -> str:
    """A user's DM channel (U… → D…); a channel id as is."""
    return "D" + user_or_channel[1:] if user_or_channel[:1] in ("U", "W") else user_or_channel


class SlackWorkspace:
    """One workspace's state; `answer` is Slack's answer to a call that went through."""

    def __init__(self, history_page: int) -> None:
        self.history_page = history_page
        self._history: dict[str, list[Payload]] = defaultdict(list)
        self._last_ts = 0.0
        self._answers: dict[str, Callable[[str, Payload], Payload]] = {
            "auth.test": lambda channel, params: dict(AUTH_TEST),
            "users.info": lambda channel, params: self._user(params),
            "conversations.open": self._open,
            "conversations.history": self._history_page,
            "conversations.info": lambda channel, params: {"ok": True, "channel": {
                "id": channel, "name": "general", "is_im": channel[:1] == "D"}},
            "conversations.members": lambda channel, params: {
                "ok": True, "members": [], "response_metadata": {"next_cursor": ""}},
            "chat.postMessage": self._post,
            "chat.postEphemeral": lambda channel, params: {"ok": True, "message_ts": self._ts()},
            "chat.update": lambda channel, params: {"ok": True, "channel": channel,
                                                    "ts": str(params.get("ts")),
                                                    "text": params.get("text")},
            "views.open": lambda channel, params: dict(VIEW),
            "views.publish": lambda channel, params: dict(VIEW),
        }

    def answer(self, method: str, channel: str, params: Payload) -> Payload:
        """Slack's answer to `method` about `channel` (a DM's D… id for user methods)."""
        found = self._answers.get(method)
        return found(channel, params) if found else {"ok": False, "error": "unknown_method"}

    def _ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 1e-6)
        return f"{self._last_ts:.6f}"

    def _post(self, channel: str, params: Payload) -> Payload:
        if not channel or not (params.get("text") or params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        message: Payload = {"type": "message", "user": BOT["user_id"], "bot_id": BOT["bot_id"],
                            "app_id": BOT["app_id"], "team": TEAM["id"], "ts": self._ts(),
                            "text": str(params.get("text") or "")}
        if isinstance(params.get("metadata"), dict):
            message["metadata"] = params["metadata"]
        self._history[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    @staticmethod
    def _user(params: Payload) -> Payload:
        user = str(params.get("user") or "")
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {
            "id": user, "team_id": TEAM["id"], "name": user.lower(), "real_name": user,
            "tz": "Europe/Paris", "tz_offset": 3600, "locale": "en-US", "deleted": False,
            "is_bot": False, "profile": {"real_name": user, "display_name": user.lower()}}}

    def _open(self, channel: str, params: Payload) -> Payload:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "no_op": channel in self._history, "already_open": False,
                "channel": {"id": channel}}

    def _history_page(self, channel: str, params: Payload) -> Payload:
        """Newest first; a page's cursor is the ts of its last message (older ones follow)."""
        if not channel or channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("cursor") or params.get("latest") or math.inf)
        limit = min(int(params.get("limit") or 100), self.history_page)
        metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        found = [{k: v for k, v in m.items() if metadata or k != "metadata"}
                 for m in reversed(self._history.get(channel, []))
                 if oldest < float(m["ts"]) < latest]
        page, more = found[:limit], len(found) > limit
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": page[-1]["ts"] if more else ""}}
