"""SQLAlchemy 2 models of everything Porte-Voix remembers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Workspace(Base):
    """One installation on one platform (a Slack workspace, a Teams tenant, the console)."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    weekly_cap: Mapped[int] = mapped_column(Integer, default=2)
    min_gap_hours: Mapped[int] = mapped_column(Integer, default=24)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0)
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    disclosure_hashtag: Mapped[str] = mapped_column(String(64), default="")
    blocked_terms: Mapped[list[Any]] = mapped_column(default=list)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Suggestions drafted by the configured AI model (bot/voice/ai/), off until an admin says on.
    ai_drafts: Mapped[bool] = mapped_column(Boolean, default=False)
    # Crisis mode (bot/crisis.py): since when, what happened, the official statement. It holds
    # nudges through `paused`, remembering whether an admin's pause was there before.
    crisis_since: Mapped[datetime | None] = mapped_column(default=None)
    crisis_brief: Mapped[str] = mapped_column(Text, default="")
    crisis_link: Mapped[str] = mapped_column(String(2000), default="")
    # The crisis set `paused` (it was not paused before): its end unpauses.
    crisis_resumes: Mapped[bool] = mapped_column(Boolean, default=False)
    # What open cards must show ("hold", "open"; "": all in line) and the last delivery
    # updated so far; the same for the volunteers' note ("brief", "end") by member id.
    # scheduler/cards.py works through them at the platforms' pace, across restarts.
    crisis_cards: Mapped[str] = mapped_column(String(8), default="")
    crisis_cards_after: Mapped[int] = mapped_column(Integer, default=0)
    crisis_news: Mapped[str] = mapped_column(String(8), default="")
    crisis_news_after: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Team(Base):
    """A team, reached through its channel, where its weekly digest is posted."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What suggestions and digests call the team ("Data platform"); None: from the channel.
    display_name: Mapped[str | None] = mapped_column(String(100), default=None)
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # Its channel is where employees' proposals are reviewed (`/voix set review`).
    reviews: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Member(Base):
    """A person of the workspace the bot has met; a volunteer once they accept the charter."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        # The plan job reads a workspace's active members in id order, in batches.
        Index("ix_members_workspace_status", "workspace_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # new -> active (charter accepted) -> stopped; unreachable when the platform says so
    status: Mapped[str] = mapped_column(String(16), default="new")
    charter_version: Mapped[str | None] = mapped_column(String(32), default=None)
    opted_in_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    prefs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    conversation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime]
    # Fewer nudges for the tired (bot/fatigue/): the weekly cap Porte-Voix lowered on its own
    # after nudges left unanswered, when it asked them about it, when they answered, and
    # when it last checked in after a long silence.
    fatigue_cap: Mapped[int | None] = mapped_column(Integer, default=None)
    fatigue_asked_at: Mapped[datetime | None] = mapped_column(default=None)
    fatigue_answered_at: Mapped[datetime | None] = mapped_column(default=None)
    checkin_at: Mapped[datetime | None] = mapped_column(default=None)


class Post(Base):
    """A curated post queued by an admin (or suggested by a volunteer)."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_workspace_status", "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    key_points: Mapped[list[Any]] = mapped_column(default=list)
    hashtags: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    audience: Mapped[list[Any]] = mapped_column(default=list)
    # The language of title, summary and key points; `versions` holds the others,
    # {"fr": {"title": .., "summary": .., "key_points": [..]}}.
    language: Mapped[str] = mapped_column(String(8), default="en")
    versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # news | job | event | product | award | article | leader (bot/voice/kinds.py)
    kind: Mapped[str] = mapped_column(String(16), default="news")
    # scheduled (before publish_at) | active | cancelled | expired
    status: Mapped[str] = mapped_column(String(16), default="active")
    publish_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    source: Mapped[str] = mapped_column(String(16), default="admin")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    # Its delivered cards to bring in line with it (edited, cancelled, expired): the moment
    # of the change that asked for it ("" when none) and the last delivery id done
    # (scheduler/cards.py).
    cards_pass: Mapped[str] = mapped_column(String(40), default="")
    cards_after: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(Base):
    """One post offered to one member: planned, sent, then acted upon."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "member_id"),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_member_due", "member_id", "due_at"),
        Index("ix_deliveries_post_slot", "post_id", "slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # planned -> sending -> sent -> shared | skipped | declined; cancelled; failed
    status: Mapped[str] = mapped_column(String(16), default="planned")
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    message_ref: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The post version this member gets, chosen by the plan among the languages they post in.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # Its rank among the post's deliveries, given by the plan: colleagues' suggestions
    # are assigned by it (bot/voice/assign.py).
    slot: Mapped[int | None] = mapped_column(Integer, default=None)
    # [{"text": .., "angle": .., "label": .., "source": "engine"}], made once (bot/voice/).
    suggestions: Mapped[list[Any]] = mapped_column(default=list)
    # A text submitted but held because it is close to a colleague's (bot/handlers/nudge.py).
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    acted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class Share(Base):
    """What a volunteer chose to share, how much they rewrote it, and its tracked link."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_post", "post_id"), Index("ix_shares_created", "created_at"),
                      Index("ix_shares_member_created", "member_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(16))
    suggested_text: Mapped[str] = mapped_column(Text)
    final_text: Mapped[str] = mapped_column(Text)
    edit_ratio: Mapped[float] = mapped_column(Float)
    # The closest colleague's share of the same post (rapidfuzz, 0-100) when the text was
    # submitted, and what the volunteer chose when told it was close: "" | "anyway".
    similarity: Mapped[float | None] = mapped_column(Float, default=None)
    originality: Mapped[str] = mapped_column(String(16), default="")
    # Which suggestion it started from: its angle, and "engine" or "ai" ("" for their own).
    angle: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(16), default="")
    link_token: Mapped[str] = mapped_column(String(32), unique=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class Click(Base):
    """One visit of a tracked link; no IP address is kept."""

    __tablename__ = "clicks"
    __table_args__ = (Index("ix_clicks_share_at", "share_id", "at"), Index("ix_clicks_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsentEvent(Base):
    """A volunteer's yes, no, pause or stop, with the charter version it concerned."""

    __tablename__ = "consent_events"
    # The fatigue job reads each batch's latest consent by member (scheduler/fatigue.py).
    __table_args__ = (Index("ix_consent_events_member_at", "member_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    charter_version: Mapped[str | None] = mapped_column(String(32), default=None)
    at: Mapped[datetime]


class AuditLog(Base):
    """Every admin action, who did it and on what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class DigestRun(Base):
    """One digest of one team for one period; unique so that a restart never posts twice."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("team_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16), default="scheduled")
    status: Mapped[str] = mapped_column(String(16), default="posting")
    message_ref: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class InboundEvent(Base):
    """A platform event already handled, so that a platform's retry is not handled twice."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),
                      Index("ix_inbound_events_received", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


class RateBucket(Base):
    """A rate budget every replica shares on PostgreSQL (scheduler/budget.py): GCRA's
    theoretical arrival time and a 429's pause, in seconds since the epoch on the
    database's clock, so that the replicas' own clocks do not matter."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)


class Proposal(Base):
    """A page an employee proposed for sharing, and what the admins answered."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_workspace_status", "workspace_id", "status"),
                      Index("ix_proposals_member_created", "member_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    url: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(String(500), default="")
    # From the page's preview, when it could be read.
    title: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    warning: Mapped[str] = mapped_column(String(200), default="")  # a homograph host
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved | declined
    note: Mapped[str] = mapped_column(String(500), default="")  # the admin's, on a decline
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class Challenge(Base):
    """A time-boxed team challenge an admin runs: shares of matching posts, counted together."""

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_workspace_ends", "workspace_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    # Which shares count: of posts with one of these topics (none: any), of this kind ("": any).
    topics: Mapped[list[Any]] = mapped_column(default=list)
    kind: Mapped[str] = mapped_column(String(32), default="")
    goal: Mapped[int | None] = mapped_column(Integer, default=None)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # an admin's `end` brings it forward
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime]


class ImpactNote(Base):
    """A private impact note sent to a volunteer (a month's summary, a milestone); unique per
    member and key, so that a restart or a second replica never sends it twice."""

    __tablename__ = "impact_notes"
    __table_args__ = (UniqueConstraint("member_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))  # "month-2026-11", "first_share" ...
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sent | failed
    created_at: Mapped[datetime]
