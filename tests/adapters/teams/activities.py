"""Builders of the activity JSON Microsoft Teams posts to a bot's /api/messages."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

TENANT_ID = "tenant-0001"
BOT_ID = "28:bot-app-id"
BOT_NAME = "Porte-Voix"
TEAM_ID = "19:team-0001@thread.tacv2"  # also the id of the team's General channel
TEAM_NAME = "Communication interne"
CHANNEL_ID = "19:channel-0001@thread.tacv2"  # another channel of that team
TIMEZONE = "Europe/Paris"

Json = dict[str, Any]
_message_ids = itertools.count(1_764_496_800_000)  # Teams message ids are epoch milliseconds


def user_id_of(user_id: str) -> str:
    """Teams user ids start with "29:"; builders accept "alice" and mean "29:alice"."""
    return user_id if user_id.startswith("29:") else f"29:{user_id}"


def aad_id_of(user_id: str) -> str:
    """A stable Entra (AAD) object id for a test user."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aad:{user_id_of(user_id)}"))


def personal_conversation_id(user_id: str) -> str:
    """The 1:1 conversation id Teams gives a user and the bot ("a:..."); stable per user."""
    return f"a:personal-{user_id_of(user_id)[3:]}"


def _base(kind: str, service_url: str, user: Json, conversation: Json, channel_data: Json,
          *, activity_id: str | None = None, locale: str | None = None) -> Json:
    now = datetime.now(UTC)
    activity: Json = {
        "type": kind,
        "id": activity_id or str(next(_message_ids)),
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": user,
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": channel_data,
    }
    if locale:
        local = now.astimezone(ZoneInfo(TIMEZONE)).isoformat(timespec="milliseconds")
        country = locale.split("-")[-1] if "-" in locale else ""
        activity |= {
            "localTimestamp": local, "localTimezone": TIMEZONE, "locale": locale,
            "entities": [{"type": "clientInfo", "locale": locale, "country": country,
                          "platform": "Web", "timezone": TIMEZONE}],
        }
    return activity


def _user(user_id: str, name: str | None, aad_object_id: str | None, *, named: bool = True
          ) -> Json:
    """The sender; messages carry a display name (default: from the id), updates do not."""
    user: Json = {"id": user_id_of(user_id), "aadObjectId": aad_object_id or aad_id_of(user_id)}
    if named:
        user["name"] = name or user_id_of(user_id)[3:].capitalize()
    return user


def _tenant() -> Json:
    return {"tenant": {"id": TENANT_ID}}


def _team(team_id: str, team_name: str | None) -> Json:
    team: Json = {"id": team_id, "aadGroupId": str(uuid.uuid5(uuid.NAMESPACE_URL, team_id))}
    return team | ({"name": team_name} if team_name else {})


def _conversation(conversation_id: str) -> Json:
    """The conversation object, its type read from the id's shape as Teams forms it."""
    if conversation_id.startswith("a:"):
        return {"conversationType": "personal", "tenantId": TENANT_ID, "id": conversation_id}
    kind = "channel" if "@thread.tacv2" in conversation_id or "@thread.skype" in conversation_id \
        else "groupChat"
    return {"isGroup": True, "conversationType": kind, "tenantId": TENANT_ID,
            "id": conversation_id}


def _channel_data(conversation_id: str, team_id: str | None) -> Json:
    data = _tenant()
    channel = conversation_id.split(";")[0]
    if _conversation(conversation_id)["conversationType"] == "channel":
        team = team_id or TEAM_ID
        data |= {"teamsChannelId": channel, "teamsTeamId": team, "channel": {"id": channel},
                 "team": {"id": team}}
    return data


def personal_message(user_id: str, text: str, *, name: str | None = None,
                     aad_object_id: str | None = None, locale: str = "fr-FR", service_url: str,
                     conversation_id: str | None = None) -> Json:
    """A message a user types in their 1:1 chat with the bot."""
    conversation = _conversation(conversation_id or personal_conversation_id(user_id))
    activity = _base("message", service_url, _user(user_id, name, aad_object_id), conversation,
                     _tenant(), locale=locale)
    return activity | {"text": text, "textFormat": "plain"}


def channel_mention(user_id: str, text_after_mention: str, *, name: str | None = None,
                    bot_name: str = BOT_NAME, channel_id: str = CHANNEL_ID,
                    team_id: str = TEAM_ID, team_name: str | None = TEAM_NAME,
                    aad_object_id: str | None = None, locale: str = "fr-FR",
                    thread_id: str | None = None, service_url: str) -> Json:
    """A channel post that @mentions the bot; it starts a thread unless `thread_id` is given."""
    activity_id = str(next(_message_ids))
    conversation = _conversation(f"{channel_id};messageid={thread_id or activity_id}")
    data = _tenant() | {"teamsChannelId": channel_id, "teamsTeamId": team_id,
                        "channel": {"id": channel_id}, "team": _team(team_id, team_name)}
    activity = _base("message", service_url, _user(user_id, name, aad_object_id), conversation,
                     data, activity_id=activity_id, locale=locale)
    mention = f"<at>{bot_name}</at>"
    activity["entities"].insert(0, {"type": "mention", "text": mention,
                                    "mentioned": {"id": BOT_ID, "name": bot_name}})
    html = f'<div><div><at id="0">{bot_name}</at> {text_after_mention}</div></div>'
    return activity | {"text": f"{mention} {text_after_mention}", "textFormat": "plain",
                       "attachments": [{"contentType": "text/html", "content": html}]}


def submit_action(user_id: str, value: Json, *, reply_to_id: str, conversation_id: str,
                  service_url: str, name: str | None = None, aad_object_id: str | None = None,
                  locale: str = "fr-FR", team_id: str | None = None) -> Json:
    """What Teams posts for an Action.Submit: a message with no text, `value` = data + inputs."""
    data = _channel_data(conversation_id, team_id) | {
        "source": {"name": "message"}, "legacy": {"replyToId": f"1:{reply_to_id}"}}
    activity = _base("message", service_url, _user(user_id, name, aad_object_id),
                     _conversation(conversation_id), data, activity_id=f"f:{uuid.uuid4()}",
                     locale=locale)
    return activity | {"replyToId": reply_to_id, "value": value}


def execute_invoke(user_id: str, verb: str, data: Json, *, reply_to_id: str,
                   conversation_id: str, service_url: str, name: str | None = None,
                   aad_object_id: str | None = None, locale: str = "fr-FR",
                   team_id: str | None = None) -> Json:
    """What Teams posts for an Action.Execute: an `adaptiveCard/action` invoke."""
    channel_data = _channel_data(conversation_id, team_id) | {"source": {"name": "message"}}
    activity = _base("invoke", service_url, _user(user_id, name, aad_object_id),
                     _conversation(conversation_id), channel_data,
                     activity_id=f"f:{uuid.uuid4()}", locale=locale)
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data},
             "trigger": "manual"}
    return activity | {"name": "adaptiveCard/action", "replyToId": reply_to_id, "value": value}


def task_invoke(user_id: str, name: str, data: Json, *, conversation_id: str,
                service_url: str, locale: str = "en-GB", reply_to_id: str | None = None) -> Json:
    """What Teams posts when a button marked task/fetch is pressed (`name` "task/fetch",
    `data` the button's data and the card's inputs) or when its dialog is submitted
    ("task/submit", `data` the dialog's inputs and its submit's data)."""
    channel_data = _channel_data(conversation_id, None) | {"source": {"name": "message"}}
    activity = _base("invoke", service_url,
                     _user(user_id, user_id.capitalize(), aad_id_of(user_id)),
                     _conversation(conversation_id), channel_data,
                     activity_id=f"f:{uuid.uuid4()}", locale=locale)
    value = {"type": name, "data": data, "context": {"theme": "default"}}
    return activity | {"name": name, "value": value,
                       **({"replyToId": reply_to_id} if reply_to_id else {})}


def conversation_update_bot_added_personal(user_id: str, *, service_url: str,
                                           aad_object_id: str | None = None,
                                           conversation_id: str | None = None) -> Json:
    """The bot was installed in a user's personal scope (sent with installation_update)."""
    conversation = _conversation(conversation_id or personal_conversation_id(user_id))
    user = _user(user_id, None, aad_object_id, named=False)
    activity = _base("conversationUpdate", service_url, user, conversation, _tenant(),
                     activity_id=f"f:{uuid.uuid4()}")
    return activity | {"membersAdded": [{"id": BOT_ID}]}


def _team_update(event: str, key: str, member: Json, *, team_id: str, channel_id: str | None,
                 team_name: str | None, installer_id: str, service_url: str) -> Json:
    channel = channel_id or team_id
    data = _tenant() | {"eventType": event, "team": _team(team_id, team_name),
                        "settings": {"selectedChannel": {"id": channel}}}
    installer = _user(installer_id, None, None, named=False)
    activity = _base("conversationUpdate", service_url, installer, _conversation(channel), data,
                     activity_id=f"f:{uuid.uuid4()}")
    return activity | {key: [member]}


def conversation_update_bot_added_team(team_id: str = TEAM_ID, channel_id: str | None = None,
                                       team_name: str = TEAM_NAME, *, service_url: str,
                                       installer_id: str = "29:installer") -> Json:
    """The bot was added to a team; the conversation is the General channel unless given."""
    return _team_update("teamMemberAdded", "membersAdded", {"id": BOT_ID}, team_id=team_id,
                        channel_id=channel_id, team_name=team_name, installer_id=installer_id,
                        service_url=service_url)


def conversation_update_member_added(team_id: str, member_id: str, *, service_url: str,
                                     team_name: str = TEAM_NAME, channel_id: str | None = None,
                                     aad_object_id: str | None = None,
                                     installer_id: str = "29:installer") -> Json:
    """A person joined a team where the bot is installed."""
    member = {"id": user_id_of(member_id), "aadObjectId": aad_object_id or aad_id_of(member_id)}
    return _team_update("teamMemberAdded", "membersAdded", member, team_id=team_id,
                        channel_id=channel_id, team_name=team_name, installer_id=installer_id,
                        service_url=service_url)


def conversation_update_member_removed(team_id: str, member_id: str, *, service_url: str,
                                       team_name: str = TEAM_NAME,
                                       channel_id: str | None = None,
                                       installer_id: str = "29:installer") -> Json:
    """A person left a team, or the bot was removed when `member_id` is BOT_ID."""
    member = {"id": member_id if member_id.startswith("28:") else user_id_of(member_id)}
    if not member_id.startswith("28:"):
        member["aadObjectId"] = aad_id_of(member_id)
    return _team_update("teamMemberRemoved", "membersRemoved", member, team_id=team_id,
                        channel_id=channel_id, team_name=team_name, installer_id=installer_id,
                        service_url=service_url)


def installation_update(user_id: str, *, action: str = "add", scope: str = "personal",
                        service_url: str, team_id: str = TEAM_ID, team_name: str = TEAM_NAME,
                        conversation_id: str | None = None, locale: str = "fr-FR") -> Json:
    """The app was installed ("add") or uninstalled ("remove"), personally or in a team."""
    if scope == "personal":
        conversation_id = conversation_id or personal_conversation_id(user_id)
        data = _tenant()
    else:
        conversation_id = conversation_id or team_id
        data = _tenant() | {"team": _team(team_id, team_name),
                            "settings": {"selectedChannel": {"id": conversation_id}}}
    activity = _base("installationUpdate", service_url, _user(user_id, None, None, named=False),
                     _conversation(conversation_id), data, activity_id=f"f:{uuid.uuid4()}",
                     locale=locale)
    return activity | {"action": action}
