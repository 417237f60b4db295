"""Every column of every table, by what it says about a person and what erasure does to it.

tests/test_privacy_schema.py checks this against the schema: a column added later fails it
until it is classified here (and in docs/privacy.md)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _tombstone() -> str:
    """A platform id nobody has: a later message from the person starts as a new member."""
    return f"erased-{secrets.token_hex(12)}"

@dataclass(frozen=True)
class Table:
    """How one table holds personal data.

    owner: the column naming the person whose row it is (members: its id);
    refs: other columns pointing to a member, left pointing to the anonymous row;
    erased: personal columns and the value each takes on erasure (a callable: made per row);
    kept: about the person while known, kept after erasure, anonymous once detached;
    mentions: columns that may hold their ids or names: blanked (JSON), or the row deleted;
    other: nothing about a person;
    delete: the person's rows (or those mentioning them) are deleted whole."""

    owner: str | None = None
    refs: tuple[str, ...] = ()
    erased: Mapping[str, Any] = field(default_factory=dict)
    kept: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    other: frozenset[str] = frozenset()
    delete: bool = False

    @property
    def personal(self) -> tuple[str, ...]:
        """What an export shows of the person's rows: all but the row's technical columns."""
        return (*self.erased, *sorted(self.kept))

    def columns(self) -> set[str]:
        named = [*self.refs, *self.erased, *self.kept, *self.mentions, *self.other]
        return {*named, *([self.owner] if self.owner else [])}

    def erased_values(self) -> dict[str, Any]:
        return {name: value() if callable(value) else value
                for name, value in self.erased.items()}

def _set(*names: str) -> frozenset[str]:
    return frozenset(names)

TABLES: dict[str, Table] = {
    "members": Table(owner="id", erased={
        "external_id": _tombstone, "display_name": "", "email": None, "job_title": "",
        "locale": None, "timezone": None, "prefs": {}, "conversation": {},
        "charter_version": None, "opted_in_at": None, "paused_until": None,
        "is_admin": False, "status": "erased", "fatigue_cap": None, "fatigue_asked_at": None,
        "fatigue_answered_at": None, "checkin_at": None},
        # The team keeps past team digests adding up; the row names nobody any more.
        kept=_set("team_id", "created_at"), other=_set("workspace_id")),
    "deliveries": Table(owner="member_id", erased={
        "message_ref": {}, "suggestions": [], "draft": {}, "last_error": None},
        kept=_set("post_id", "status", "due_at", "sent_at", "acted_at", "language",
                  "created_at"),
        other=_set("id", "attempts", "claimed_by", "claimed_until", "slot")),
    "shares": Table(owner="member_id", erased={"suggested_text": "", "final_text": ""},
                    kept=_set("post_id", "delivery_id", "network", "edit_ratio", "similarity",
                              "originality", "angle", "source", "link_token", "confirmed",
                              "confirmed_at", "created_at"),
                    other=_set("id")),
    "consent_events": Table(owner="member_id", kept=_set("kind", "charter_version", "at"),
                            other=_set("id"), delete=True),
    "audit_log": Table(refs=("actor_id",), mentions=_set("detail"),
                       other=_set("id", "workspace_id", "action", "at")),
    "posts": Table(refs=("author_id",), other=_set(
        "id", "workspace_id", "url", "title", "summary", "key_points", "hashtags", "topics",
        "audience", "language", "versions", "kind", "status", "publish_at", "expires_at",
        "source", "created_at", "cards_pass", "cards_after")),
    "proposals": Table(owner="member_id", refs=("decided_by",),
                       erased={"reason": "", "note": ""},
                       kept=_set("url", "title", "status", "created_at", "decided_at"),
                       other=_set("id", "workspace_id", "summary", "warning", "post_id")),
    # Replay keys may hold a platform's user or conversation id (a day at most).
    "inbound_events": Table(mentions=_set("event_id"), other=_set("id", "platform",
                                                                   "received_at"), delete=True),
    "clicks": Table(other=_set("id", "share_id", "at", "is_bot")),
    "workspaces": Table(other=_set(
        "id", "platform", "external_id", "name", "locale", "timezone", "weekly_cap",
        "min_gap_hours", "digest_weekday", "digest_hour", "disclosure_hashtag",
        "blocked_terms", "paused", "ai_drafts", "crisis_since", "crisis_brief", "crisis_link",
        "crisis_cards", "crisis_cards_after", "crisis_news", "crisis_news_after",
        "crisis_resumes",
        "created_at")),
    "teams": Table(other=_set("id", "workspace_id", "external_id", "name", "channel",
                              "display_name", "locale", "timezone", "reviews", "created_at")),
    "digest_runs": Table(other=_set("id", "team_id", "period_start", "period_end", "trigger",
                                    "status", "message_ref", "created_at")),
    "rate_buckets": Table(other=_set("key", "tat", "paused_until")),
    "challenges": Table(refs=("created_by",), other=_set(
        "id", "workspace_id", "title", "topics", "kind", "goal", "starts_at", "ends_at",
        "created_at")),
    # Which private impact notes reached them: deleted with the person.
    "impact_notes": Table(owner="member_id", kept=_set("key", "status", "created_at"),
                          other=_set("id"), delete=True),
}
