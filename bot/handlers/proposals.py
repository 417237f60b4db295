"""Content proposed by employees: `suggest <url> [why]` by DM, an approval card for the admins
(in the review channel, else in their DMs), Approve (the queue form, prefilled) or Decline
(with an optional note), the proposer told either way; `/voix suggestions` lists what waits.

A proposer is named to the admins only if they chose to be thanked by name (the digest's
setting, in their preferences); otherwise the card says "a volunteer".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select
from yarl import URL

from bot.audit import audit
from bot.cards import (
    Actions,
    Block,
    Button,
    Card,
    Divider,
    Form,
    Heading,
    LinkPreview,
    Quote,
    Text,
    TextInput,
)
from bot.context import Context, member_locale
from bot.dispatch_utils import link_then_words, parse_id
from bot.errors import UserError
from bot.events import CardAction, Command, ConversationRef, DirectMessage, FormSubmitted
from bot.handlers.admin_posts import queue_filled, queue_form
from bot.preferences import preferences
from bot.refs import conversation_from_json
from bot.router import router
from bot.services.preview import fetch_preview, host_warning
from bot.terms import find_blocked
from bot.volunteers import is_volunteer
from storage.members import admins_of
from storage.models import Member, Proposal, Team

log = logging.getLogger(__name__)
PER_DAY = 3  # proposals one person may make in 24 hours
MAX_REASON = 500  # Proposal.reason's column
MAX_NOTE = 500
LISTED = 8  # a proposal is up to six blocks: eight stay within Slack's fifty


async def _pending(ctx: Context, raw_id: str) -> Proposal:
    """A proposal of this workspace still waiting for an answer, else a clear refusal."""
    proposal_id = parse_id(raw_id)
    proposal = await ctx.session.get(Proposal, proposal_id) if proposal_id else None
    if proposal is None or proposal.workspace_id != ctx.workspace.id:
        raise UserError("proposals.unknown")
    if proposal.status != "pending":
        raise UserError("proposals.decided",
                        status=ctx.say("proposals.status_name", status=proposal.status))
    return proposal


def _reason(ctx: Context, reason: str) -> str:
    if len(reason) > MAX_REASON:
        raise UserError("proposals.too_long", limit=MAX_REASON)
    blocked = find_blocked(reason, ctx.workspace.blocked_terms)
    if blocked:
        raise UserError("proposals.blocked_term", term=blocked)
    return reason


async def _made_today(ctx: Context) -> int:
    return int(await ctx.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.member_id == ctx.member.id,
        Proposal.created_at > ctx.now - timedelta(days=1))) or 0)


def _credited(member: Member | None, weekly_cap: int) -> str | None:
    """The proposer's name if they chose to be thanked by name, else None."""
    if member is None or not member.display_name:
        return None
    return member.display_name if preferences(member.prefs, weekly_cap).in_digest else None


async def _blocks(ctx: Context, proposal: Proposal, locale: str) -> list[Block]:
    """What admins see of a proposal: the page, by whom, why, and the two answers."""
    def say(key: str, **values: object) -> str:
        return ctx.rt.texts.say(locale, key, **values)

    proposer = await ctx.session.get(Member, proposal.member_id) if proposal.member_id else None
    name = _credited(proposer, ctx.workspace.weekly_cap)
    blocks: list[Block] = [
        LinkPreview(proposal.url, proposal.title or proposal.url, proposal.summary),
        Text(say("proposals.by", name=name or "")),
    ]
    if proposal.reason:
        blocks.append(Quote(proposal.reason))
    if proposal.warning:
        blocks.append(Text(say("admin.preview_homograph", host=URL(proposal.url).host,
                               punycode=proposal.warning)))
    blocks.append(Actions((
        Button(say("proposals.approve"), "proposal.approve", str(proposal.id), "primary",
               form=True),
        Button(say("proposals.decline"), "proposal.decline", str(proposal.id), form=True),
    )))
    return blocks


async def _card(ctx: Context, proposal: Proposal, locale: str) -> Card:
    title = ctx.rt.texts.say(locale, "proposals.card_title")
    return Card(summary=title, blocks=(Heading(title), *await _blocks(ctx, proposal, locale)))


async def _reviewers(ctx: Context) -> list[tuple[ConversationRef, str]]:
    """Where proposals go, each with its language: the review channel, else the admins'
    DMs."""
    team = await ctx.session.scalar(select(Team).where(
        Team.workspace_id == ctx.workspace.id, Team.reviews.is_(True)).limit(1))
    channel = conversation_from_json(team.channel) if team is not None else None
    if team is not None and channel is not None:
        return [(channel, team.locale or ctx.workspace.locale)]
    return [(target, member_locale(admin, ctx.workspace))
            for admin in await admins_of(ctx.session, ctx.workspace.id)
            if (target := conversation_from_json(admin.conversation)) is not None]


@router.word("suggest", "proposer")
async def suggest(ctx: Context, event: DirectMessage) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    url, why = link_then_words(event.text, "proposals.usage", "proposals.bad_url")
    reason = _reason(ctx, why)
    if await _made_today(ctx) >= PER_DAY:
        raise UserError("proposals.too_many", count=PER_DAY)
    preview = await fetch_preview(url, ctx.rt.settings)
    proposal = Proposal(
        workspace_id=ctx.workspace.id, member_id=ctx.member.id, url=url, reason=reason,
        title=preview.title if preview else "", summary=preview.summary if preview else "",
        warning=(preview.warning if preview else host_warning(url) or "")[:200],
        status="pending",
        created_at=ctx.now)
    ctx.session.add(proposal)
    await ctx.session.flush()
    sent = 0
    for index, (target, locale) in enumerate(await _reviewers(ctx)):
        # One the platform refuses waits in /voix suggestions.
        sent += await ctx.tell(target, await _card(ctx, proposal, locale),
                               key=f"proposal-{proposal.id}-{index}")
    log.info("proposal %s sent to %s reviewer conversation(s)", proposal.id, sent)
    await ctx.reply(ctx.say("proposals.thanks", credited=_credited(
        ctx.member, ctx.workspace.weekly_cap) is not None))


async def _tell_proposer(ctx: Context, proposal: Proposal, key: str, **values: object) -> None:
    """The proposer hears what became of their proposal, unless they left since."""
    proposer = await ctx.session.get(Member, proposal.member_id) if proposal.member_id else None
    if proposer is None or proposer.status != "active":
        return
    target = conversation_from_json(proposer.conversation)
    if target is not None:
        text = ctx.rt.texts.say(member_locale(proposer, ctx.workspace), key,
                                title=proposal.title or proposal.url, **values)
        await ctx.tell(target, Card(text, (Text(text),)), key=f"proposal-{proposal.id}-answer")


def _decided(ctx: Context, proposal: Proposal, status: str) -> None:
    proposal.status = status
    proposal.decided_by = ctx.member.id
    proposal.decided_at = ctx.now
    audit(ctx, f"proposal.{status}", proposal_id=proposal.id)


@router.action("proposal.approve", admin=True)
async def approve(ctx: Context, event: CardAction) -> None:
    """The queue form, prefilled with the page; queueing it approves the proposal."""
    proposal = await _pending(ctx, event.value)
    await ctx.open_form(await _queue_form(ctx, proposal))


async def _queue_form(ctx: Context, proposal: Proposal) -> Form:
    form = await queue_form(ctx, {"url": proposal.url, "title": proposal.title,
                                  "summary": proposal.summary})
    return replace(form, form_id="proposal.queue", private=str(proposal.id))


async def _queue_form_again(ctx: Context, event: FormSubmitted) -> Form:
    return await _queue_form(ctx, await _pending(ctx, event.private))


@router.form("proposal.queue", admin=True, reopen=_queue_form_again)
async def queued(ctx: Context, event: FormSubmitted) -> None:
    proposal = await _pending(ctx, event.private)
    post = await queue_filled(ctx, event.values)
    proposal.post_id, proposal.title = post.id, post.title
    _decided(ctx, proposal, "approved")
    await _tell_proposer(ctx, proposal, "proposals.approved")


@router.action("proposal.decline", admin=True)
async def decline(ctx: Context, event: CardAction) -> None:
    proposal = await _pending(ctx, event.value)
    await ctx.open_form(Form(
        form_id="proposal.decline", title=ctx.say("proposals.decline_title"),
        submit_label=ctx.say("proposals.decline"), private=str(proposal.id),
        intro=ctx.say("proposals.decline_intro", title=proposal.title or proposal.url),
        inputs=(TextInput("note", ctx.say("proposals.note"), required=False, multiline=True,
                          max_length=MAX_NOTE),)))


@router.form("proposal.decline", admin=True)
async def declined(ctx: Context, event: FormSubmitted) -> None:
    proposal = await _pending(ctx, event.private)
    note = " ".join(event.values.get("note", "").split())[:MAX_NOTE]
    proposal.note = note
    _decided(ctx, proposal, "declined")
    await _tell_proposer(ctx, proposal, "proposals.declined", note=note)
    await ctx.reply(ctx.say("proposals.declined_done", title=proposal.title or proposal.url))


@router.command("suggestions", "propositions")
async def pending_list(ctx: Context, event: Command) -> None:
    proposals = (await ctx.session.scalars(select(Proposal).where(
        Proposal.workspace_id == ctx.workspace.id, Proposal.status == "pending")
        .order_by(Proposal.created_at).limit(LISTED))).all()
    audit(ctx, "proposals")
    if not proposals:
        await ctx.reply(ctx.say("proposals.nothing_waiting"))
        return
    title = ctx.say("proposals.list_title", count=len(proposals))
    blocks: list[Block] = [Heading(title)]
    for proposal in proposals:
        blocks += [Divider(), *await _blocks(ctx, proposal, ctx.locale)]
    await ctx.reply(Card(summary=title, blocks=tuple(blocks)))
