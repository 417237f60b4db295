"""Teams activities (their JSON form) to actors and references: pure functions."""

from __future__ import annotations

from typing import Any

from bot.events import Actor, ConversationRef, MessageRef

PLATFORM = "teams"
LOCALE_MAX, NAME_MAX = 8, 200  # what members.locale and the display names hold


class BadActivity(ValueError):
    """The activity lacks what every Teams activity of its kind carries."""


def _dig(data: dict[str, Any], *path: str) -> Any:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def tenant_id(activity: dict[str, Any]) -> str:
    found = _dig(activity, "channelData", "tenant", "id") \
        or _dig(activity, "conversation", "tenantId")
    if not found:
        raise BadActivity("no tenant")
    return str(found)


def user_key(account: dict[str, Any]) -> str:
    """A person's id in Porte-Voix: their Entra (AAD) object id, stable across chats and
    the one admins can look up; the Teams '29:' id otherwise."""
    key = account.get("aadObjectId") or account.get("id")
    if not key:
        raise BadActivity("no user id")
    return str(key)


def is_personal(activity: dict[str, Any]) -> bool:
    return _dig(activity, "conversation", "conversationType") == "personal"


def conversation_ref(activity: dict[str, Any], reference: dict[str, Any],
                     *, provisional: bool = False) -> ConversationRef:
    """Where the activity came from, with the Bot Framework reference to write there later."""
    data: dict[str, Any] = {"reference": reference}
    if provisional:
        data["provisional"] = True
    return ConversationRef(PLATFORM, tenant_id(activity),
                           str(_dig(activity, "conversation", "id")), data)


def _name(value: object) -> str | None:
    return str(value)[:NAME_MAX] if value else None


def _locale(value: object) -> str | None:
    """A language tag that fits: "zh-Hant-TW" is kept as "zh"."""
    if not isinstance(value, str) or not value:
        return None
    return value if len(value) <= LOCALE_MAX else value.split("-")[0][:LOCALE_MAX]


def actor(activity: dict[str, Any], reference: dict[str, Any]) -> Actor:
    sender = activity.get("from") or {}
    client = next((e for e in activity.get("entities") or []
                   if isinstance(e, dict) and e.get("type") == "clientInfo"), {})
    return Actor(
        PLATFORM, tenant_id(activity), user_key(sender), _name(sender.get("name")),
        _locale(activity.get("locale") or client.get("locale")),
        activity.get("localTimezone") or client.get("timezone"),
        dm=conversation_ref(activity, reference) if is_personal(activity) else None,
    )


def roster_actor(activity: dict[str, Any], member: dict[str, Any],
                 reference: dict[str, Any]) -> Actor:
    """A team member the bot has not talked to: a provisional DM reference lets the
    messenger create the 1:1 chat when a first nudge is due."""
    tenant = tenant_id(activity)
    personal = {**reference, "user": {"id": member.get("id"), "name": member.get("name"),
                                      "aadObjectId": member.get("aadObjectId")},
                "conversation": None}
    return Actor(PLATFORM, tenant, user_key(member), _name(member.get("name")), None, None,
                 member.get("email"),
                 dm=ConversationRef(PLATFORM, tenant, f"roster:{member.get('id')}",
                                    {"reference": personal, "provisional": True}))


def team_channel(activity: dict[str, Any], reference: dict[str, Any]) -> tuple[str, str]:
    """(team id, team name) of a channel activity; the team's General channel has the
    team's id, which is where the digest goes."""
    team = _dig(activity, "channelData", "team") or {}
    if not team.get("id"):
        raise BadActivity("no team")
    return str(team["id"]), "#" + (_name(team.get("name")) or "team")[:NAME_MAX - 1]


def addressed_text(text: str, bot_id: str, entities: list[dict[str, Any]]) -> str | None:
    """A channel message's text without the bot's @mention; None when the bot is not
    mentioned. (botbuilder's remove_recipient_mention indexes the mention's text, or else
    its name, without looking: a mention carrying neither crashes it.)"""
    mentions = [entity for entity in entities
                if str(entity.get("type")).lower() == "mention"
                and isinstance(entity.get("mentioned"), dict)
                and entity["mentioned"].get("id") == bot_id]
    if not mentions:
        return None
    for mention in mentions:
        tag = mention.get("text")
        if isinstance(tag, str) and tag:
            text = text.replace(tag, "")
    return text.strip()


def replied_card(activity: dict[str, Any], where: ConversationRef) -> MessageRef | None:
    """The card a button or form came from (its activity id is the activity's replyToId)."""
    reply_to = activity.get("replyToId")
    return MessageRef(where, str(reply_to)) if reply_to else None
