"""Builders of Slack's real inbound payloads (events, commands, interactivity) and their signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEAM_ID, TEAM_DOMAIN, APP_ID = "T0001", "acme", "A0001"
BOT_USER_ID, BOT_ID = "UBOT", "B0001"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated, but Slack still sends it

Payload = dict[str, Any]
_serial = itertools.count(1)


def _ts() -> str:
    """A unique Slack timestamp near now, as Slack writes them ("1700000000.000100")."""
    return f"{int(time.time())}.{next(_serial) * 100 % 1_000_000:06d}"


def _dm(user_id: str) -> str:
    return "D" + user_id[1:]


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else "general"


def _user(user_id: str) -> Payload:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def signature(body: bytes | str, secret: str, stamp: str) -> str:
    """Slack's v0 signature, over the raw bytes (slack_sdk's generator wants UTF-8 text)."""
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
    return "v0=" + digest.hexdigest()


def signed_headers(body: bytes | str, secret: str, *, timestamp: int | str | None = None,
                   content_type: str) -> dict[str, str]:
    """Headers Slack sends with `body`: its timestamp (now unless given) and v0 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(body, secret, stamp)}


# -- Events API (application/json) -----------------------------------------------------------


def url_verification(challenge: str) -> Payload:
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def event_callback(event: Payload, *, event_id: str | None = None, team_id: str = TEAM_ID,
                   api_app_id: str = APP_ID) -> Payload:
    """The envelope around an event; each call gets a fresh event_id unless one is given."""
    context = {"et": event.get("type"), "tid": team_id, "aid": api_app_id,
               "cid": event.get("channel")}
    encoded = base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_serial):010d}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": f"4-{encoded}",
    }


def rich_text(text: str) -> Payload:
    """The rich_text block Slack's clients attach to a typed message."""
    return {"type": "rich_text", "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section",
                          "elements": [{"type": "text", "text": text}]}]}


def message_im(user: str, text: str, channel: str | None = None, *,
               with_blocks: bool = True) -> Payload:
    """A `message` event in the bot's DM with `user` (channel D… derived from the user id)."""
    ts = _ts()
    event: Payload = {"client_msg_id": str(uuid.uuid4()), "type": "message", "text": text,
                      "user": user, "ts": ts, "team": TEAM_ID}
    if with_blocks:
        event["blocks"] = [rich_text(text)]
    event |= {"channel": channel or _dm(user), "event_ts": ts, "channel_type": "im"}
    return event


def app_home_opened(user: str, *, tab: str = "home", channel: str | None = None) -> Payload:
    return {"type": "app_home_opened", "user": user, "channel": channel or _dm(user),
            "tab": tab, "event_ts": _ts()}


def member_joined_channel(user: str, channel: str, channel_type: str = "C", *,
                          inviter: str | None = None) -> Payload:
    event: Payload = {"type": "member_joined_channel", "user": user, "channel": channel,
                      "channel_type": channel_type, "team": TEAM_ID, "event_ts": _ts()}
    if inviter:
        event["inviter"] = inviter
    return event


def slack_user(user_id: str, name: str, real_name: str = "", *, tz: str = "Europe/Paris",
               tz_offset: int = 3600, locale: str = "fr-FR", email: str | None = None) -> Payload:
    """A user object as team_join and users.info carry it."""
    return {"id": user_id, "team_id": TEAM_ID, "name": name, "deleted": False,
            "real_name": real_name or name, "tz": tz, "tz_label": tz, "tz_offset": tz_offset,
            "locale": locale, "is_admin": False, "is_bot": False, "is_app_user": False,
            "profile": {"real_name": real_name or name, "display_name": name,
                        "email": email or f"{name}@acme.example", "team": TEAM_ID}}


def team_join(user: Payload) -> Payload:
    return {"type": "team_join", "user": user, "cache_ts": int(time.time()), "event_ts": _ts()}


# -- slash commands (application/x-www-form-urlencoded) --------------------------------------


def slash_command(user_id: str, text: str, *, command: str = "/voix",
                  channel_id: str | None = None, trigger_id: str | None = None,
                  response_url: str = "https://hooks.slack.com/commands/T0001/1/xyz",
                  user_name: str | None = None) -> str:
    """The urlencoded body Slack posts for a slash command."""
    channel = channel_id or _dm(user_id)
    return urlencode({
        "token": VERIFICATION_TOKEN, "team_id": TEAM_ID, "team_domain": TEAM_DOMAIN,
        "channel_id": channel, "channel_name": _channel_name(channel), "user_id": user_id,
        "user_name": user_name or user_id.lower(), "command": command, "text": text,
        "api_app_id": APP_ID, "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id or f"{next(_serial)}.{int(time.time())}.abc123",
    })


# -- interactivity (application/x-www-form-urlencoded, one `payload` field of JSON) ----------


def interactivity_body(payload: Payload) -> str:
    """Wraps a payload as Slack posts it: payload=<urlencoded JSON>."""
    return urlencode({"payload": json.dumps(payload)})


def unpack(body: str) -> Payload:
    """The JSON payload inside an interactivity body (to tweak it, then re-wrap it)."""
    return dict(json.loads(parse_qs(body)["payload"][0]))


def _find_button(blocks: list[Payload], action_id: str) -> tuple[str, str]:
    for block in blocks:
        for element in block.get("elements", []) + [block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id", "actions"), element.get("text", {}).get("text", "")
    return "actions", action_id


def block_actions(user_id: str, action_id: str, value: str, *, channel: str | None = None,
                  message_ts: str | None = None, trigger_id: str | None = None,
                  message_blocks: list[Payload] | None = None, message_text: str = "",
                  state: dict[str, Payload] | None = None, picked: bool = False) -> str:
    """A button click on a bot message; block_id and label come from `message_blocks`,
    `state` holds the message's inputs as they are ({block_id: {action_id: entry}}).
    `picked`: a radio button chosen instead (`value` the option's), no button pressed."""
    channel = channel or _dm(user_id)
    message_ts = message_ts or _ts()
    blocks = message_blocks or []
    block_id, label = _find_button(blocks, action_id)
    return interactivity_body({
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                      "is_ephemeral": False},
        "trigger_id": trigger_id or f"{next(_serial)}.{int(time.time())}.def456",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": _channel_name(channel)},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": message_ts, "bot_id": BOT_ID,
                    "app_id": APP_ID, "text": message_text, "team": TEAM_ID, "blocks": blocks},
        "state": {"values": state or {}},
        "response_url": f"https://hooks.slack.com/actions/{TEAM_ID}/1/xyz",
        "actions": [{"action_id": action_id, "block_id": block_id, "type": "radio_buttons",
                     "selected_option": _option(value), "action_ts": _ts()} if picked else
                    {"action_id": action_id, "block_id": block_id,
                     "text": {"type": "plain_text", "text": label, "emoji": True},
                     "value": value, "type": "button", "action_ts": _ts()}],
    })


def view_submission(user_id: str, callback_id: str, values: dict[str, Payload],
                    private_metadata: str = "", *, view_id: str | None = None,
                    blocks: list[Payload] | None = None, title: str = "Porte-Voix") -> str:
    """A modal submitted; `values` is the state {block_id: {action_id: entry}}."""
    view_id = view_id or f"V{next(_serial):08d}"
    return interactivity_body({
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": f"{next(_serial)}.{int(time.time())}.ghi789",
        "view": {
            "id": view_id, "team_id": TEAM_ID, "type": "modal", "blocks": blocks or [],
            "private_metadata": private_metadata, "callback_id": callback_id,
            "state": {"values": values}, "hash": f"{int(time.time())}.h4sH",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False, "notify_on_close": False, "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None, "root_view_id": view_id, "app_id": APP_ID,
            "external_id": "", "app_installed_team_id": TEAM_ID, "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    })


def _option(value: str, label: str | None = None) -> Payload:
    return {"text": {"type": "plain_text", "text": label or value, "emoji": True}, "value": value}


def text_value(name: str, text: str | None, *, block_id: str | None = None) -> dict[str, Payload]:
    """State of a plain_text_input (Slack sends null for an empty optional input)."""
    return {block_id or name: {name: {"type": "plain_text_input", "value": text}}}


def select_value(name: str, value: str | None, *, label: str | None = None,
                 block_id: str | None = None) -> dict[str, Payload]:
    """State of a static_select (selected_option is null when nothing is chosen)."""
    option = _option(value, label) if value is not None else None
    return {block_id or name: {name: {"type": "static_select", "selected_option": option}}}


def radio_value(name: str, value: str, *, block_id: str = "ideas") -> dict[str, Payload]:
    """State of radio buttons with the option `value` picked."""
    return {block_id: {name: {"type": "radio_buttons", "selected_option": _option(value)}}}


def checkbox_value(name: str, ticked: bool, *, block_id: str | None = None
                   ) -> dict[str, Payload]:
    """State of a one-box checkboxes element (a toggle): its option when ticked."""
    options = [_option("true", name)] if ticked else []
    return {block_id or name: {name: {"type": "checkboxes", "selected_options": options}}}


def time_value(name: str, time_of_day: str | None, *, block_id: str | None = None
               ) -> dict[str, Payload]:
    """State of a timepicker ("HH:MM", null when left empty)."""
    return {block_id or name: {name: {"type": "timepicker", "selected_time": time_of_day}}}


def date_value(name: str, day: str | None, *, block_id: str | None = None
               ) -> dict[str, Payload]:
    """State of a datepicker ("YYYY-MM-DD", null when left empty)."""
    return {block_id or name: {name: {"type": "datepicker", "selected_date": day}}}


def multi_select_value(name: str, values: list[str], *,
                       block_id: str | None = None) -> dict[str, Payload]:
    """State of a multi_static_select."""
    return {block_id or name: {name: {"type": "multi_static_select",
                                      "selected_options": [_option(v) for v in values]}}}


def utf8(body: bytes) -> bool:
    """Whether `body` is UTF-8: Slack sends nothing else, so nothing else can be signed."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
