"""Conversation and message references to and from their JSON form in storage."""

from __future__ import annotations

from typing import Any

from bot.events import ConversationRef, MessageRef


def conversation_to_json(ref: ConversationRef) -> dict[str, Any]:
    return {
        "platform": ref.platform,
        "workspace_id": ref.workspace_id,
        "conversation_id": ref.conversation_id,
        "data": ref.data,
    }


def conversation_from_json(data: dict[str, Any]) -> ConversationRef | None:
    if not data.get("conversation_id"):
        return None
    return ConversationRef(
        platform=data["platform"],
        workspace_id=data["workspace_id"],
        conversation_id=data["conversation_id"],
        data=data.get("data") or {},
    )


def message_to_json(ref: MessageRef) -> dict[str, Any]:
    return {"conversation": conversation_to_json(ref.conversation), "message_id": ref.message_id}


def message_from_json(data: dict[str, Any]) -> MessageRef | None:
    conversation = conversation_from_json(data.get("conversation") or {})
    if conversation is None or not data.get("message_id"):
        return None
    return MessageRef(conversation=conversation, message_id=data["message_id"])
