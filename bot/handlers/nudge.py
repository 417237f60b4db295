"""Acting on a nudge: pick a suggestion, edit it, share it, skip it or say not for me.

A submitted text is checked before it becomes a share: it must be non-empty, short enough
and free of blocked terms; the disclosure hashtag is put back at its end if it was removed
(the charter promises it); and a text very close to what a colleague already shared for the
post (bot/voice/originality.py) waits as a draft, with "Edit again" and "Share anyway". The
share card then carries the words: LinkedIn's and X's buttons open with text and tracked
link (bot/services/sharing.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select

from bot.cards import (
    Actions,
    Block,
    Button,
    Card,
    Copy,
    Divider,
    Footnote,
    Form,
    Heading,
    Option,
    Quote,
    Select,
    Text,
)
from bot.cards import TextInput as Input
from bot.context import Context
from bot.crisis import in_crisis
from bot.dispatch_utils import parse_id
from bot.errors import InputError, UserError
from bot.events import CardAction, FormSubmitted
from bot.nudges import done_card, withdrawn
from bot.preferences import NETWORKS, preferences
from bot.refs import message_from_json
from bot.router import router
from bot.services.sharing import (
    LINKEDIN_LIMIT,
    edit_ratio,
    linkedin_post_url,
    linkedin_share_url,
    new_link_token,
    shared_text,
    with_disclosure,
    with_hashtags,
    x_intent_url,
    x_text,
)
from bot.terms import find_blocked
from bot.voice.compose import Batch, compose
from bot.voice.originality import similarity_to_colleagues, too_close
from bot.voice.stored import Suggestion, stored
from storage.models import Delivery, Post, Share
from storage.upsert import insert_ignore


@dataclass(frozen=True)
class Draft:
    """A text submitted but not shared yet, because it is close to a colleague's."""

    choice: str  # the suggestion it started from: its index, or "own"
    network: str
    text: str
    similarity: float | None
    token: str  # its share's link token: a second "Share anyway" finds the share made


async def _delivery(ctx: Context, raw_id: str) -> tuple[Delivery, Post]:
    """The member's own delivery, and its post if still live; else a polite refusal."""
    delivery_id = parse_id(raw_id)
    delivery = await ctx.session.get(Delivery, delivery_id) if delivery_id else None
    if delivery is None or delivery.member_id != ctx.member.id:
        raise UserError("errors.unknown_action")
    post = await ctx.session.get(Post, delivery.post_id)
    if post is None or withdrawn(post, delivery):
        raise UserError("nudge.stale")
    if in_crisis(ctx.workspace):  # a card whose update to "on hold" has not landed yet
        raise UserError("crisis.held")
    return delivery, post


async def _suggestion(ctx: Context, delivery: Delivery, post: Post,
                      choice: str) -> Suggestion | None:
    """Suggestion number `choice` of the delivery, None for 'own'; else a polite refusal.
    Once its post is edited, its suggestions are composed anew (its card follows)."""
    if choice == "own":
        return None
    suggestions = stored(delivery.suggestions)
    if not suggestions:
        suggestions, _ = await compose(ctx.session, ctx.rt.texts, delivery, post, ctx.member,
                                       ctx.workspace, await Batch.of(ctx.session,
                                                                     [ctx.member.id]))
    if not (choice.isascii() and choice.isdecimal()) or int(choice) >= len(suggestions):
        raise UserError("errors.unknown_action")
    return suggestions[int(choice)]


async def _replace_nudge(ctx: Context, delivery: Delivery, post: Post, outcome: str) -> None:
    ref = message_from_json(delivery.message_ref)
    if ref is not None:
        await ctx.responder.update(ref, done_card(ctx.rt.texts, ctx.locale, post, outcome))


def _edit_form(ctx: Context, delivery: Delivery, post: Post, choice: str, text: str,
               network: str | None = None) -> Form:
    preferred = preferences(ctx.member.prefs, ctx.workspace.weekly_cap).networks
    ordered = [n for n in preferred if n in NETWORKS] + [n for n in NETWORKS if n not in preferred]
    return Form(
        form_id="share.edit",
        title=ctx.say("share.form_title"),
        submit_label=ctx.say("share.form_submit"),
        intro=ctx.say("share.form_intro", title=post.title),
        private=f"{delivery.id}:{choice}",
        inputs=(
            Input("text", ctx.say("share.form_text", limit=LINKEDIN_LIMIT), text, multiline=True,
                  max_length=LINKEDIN_LIMIT),
            Select("network", ctx.say("share.form_network"),
                   tuple(Option(n, ctx.say(f"common.network_{n}")) for n in ordered),
                   network if network in NETWORKS else ordered[0]),
        ),
    )


@router.action("nudge.pick")
async def pick(ctx: Context, event: CardAction) -> None:
    raw_id, _, choice = event.value.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    suggestion = await _suggestion(ctx, delivery, post, choice)
    delivery.acted_at = delivery.acted_at or ctx.now
    await ctx.open_form(_edit_form(ctx, delivery, post, choice,
                                   _offered(ctx, post, suggestion)))


def _offered(ctx: Context, post: Post, suggestion: Suggestion | None) -> str:
    """The text the edit form starts from: the suggestion's words and the hashtags line
    (the post's and the disclosure), '' for "write my own"."""
    if suggestion is None:
        return ""
    return with_hashtags(suggestion.text, list(post.hashtags), ctx.workspace.disclosure_hashtag)


def _checked(ctx: Context, values: dict[str, str]) -> tuple[str, str]:
    """The submitted text and network, or a polite refusal saying what to change."""
    text = values.get("text", "").strip()
    network = values.get("network", "")
    if not text:
        raise InputError("text", "share.empty")
    if len(text) > LINKEDIN_LIMIT:
        raise InputError("text", "errors.too_long", limit=LINKEDIN_LIMIT)
    if network not in NETWORKS:
        raise InputError("network", "share.bad_network")
    blocked = find_blocked(text, ctx.workspace.blocked_terms)
    if blocked:
        raise InputError("text", "share.blocked_term", term=blocked)
    _disclosed(ctx, text)  # refuses a text that the hashtag would make too long
    return text, network


def _disclosed(ctx: Context, text: str) -> str:
    """The text as it is shared: ending with the disclosure hashtag, and still fitting."""
    hashtag = ctx.workspace.disclosure_hashtag
    final = with_disclosure(text, hashtag)
    if len(final) > LINKEDIN_LIMIT:
        raise InputError("text", "share.too_long",
                         limit=LINKEDIN_LIMIT - (len(final) - len(text)), hashtag=hashtag)
    return final


async def _edit_form_again(ctx: Context, event: FormSubmitted) -> Form:
    raw_id, _, choice = event.private.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    return _edit_form(ctx, delivery, post, choice, "")


@router.form("share.edit", reopen=_edit_form_again)
async def share_submitted(ctx: Context, event: FormSubmitted) -> None:
    raw_id, _, choice = event.private.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    await _suggestion(ctx, delivery, post, choice)  # a crafted choice refused before all
    text, network = _checked(ctx, event.values)
    similarity = await similarity_to_colleagues(ctx.session, post.id, ctx.member.id, text)
    draft = Draft(choice, network, text, similarity, new_link_token())
    if too_close(similarity):
        await _hold(ctx, delivery, draft)
        return
    share = await _record(ctx, delivery, post, draft, originality="")
    await _replace_nudge(ctx, delivery, post, _outcome(ctx, share))
    await ctx.reply(_share_card(ctx, share, post, restored=share.final_text != text))


async def _hold(ctx: Context, delivery: Delivery, draft: Draft) -> None:
    """Keep the draft and say, kindly, that a colleague already shared much the same."""
    delivery.draft = asdict(draft)
    value = f"{delivery.id}:{draft.token}"
    await ctx.reply(Card(summary=ctx.say("share.close_title"), blocks=(
        Heading(ctx.say("share.close_title")),
        Text(ctx.say("share.close")),
        Quote(draft.text),
        Actions((
            Button(ctx.say("share.edit_again"), "share.again", value, "primary", form=True),
            Button(ctx.say("share.share_anyway"), "share.anyway", value),
        )),
    )))


def _draft(delivery: Delivery, token: str) -> Draft | None:
    """The delivery's waiting draft if `token` names it (a newer draft replaces an older)."""
    raw: dict[str, Any] = delivery.draft or {}
    if not token or raw.get("token") != token:
        return None
    return Draft(**{f.name: raw[f.name] for f in fields(Draft)})


async def _own_share(ctx: Context, delivery: Delivery, token: str) -> Share | None:
    """The share this delivery's draft `token` became, if it was shared already."""
    if not token:
        return None
    share = await ctx.session.scalar(select(Share).where(Share.link_token == token))
    return share if share is not None and share.delivery_id == delivery.id else None


@router.action("share.again")
async def edit_again(ctx: Context, event: CardAction) -> None:
    raw_id, _, token = event.value.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    draft = _draft(delivery, token)
    if draft is None:
        raise UserError("share.draft_gone")
    await ctx.open_form(_edit_form(ctx, delivery, post, draft.choice, draft.text, draft.network))


@router.action("share.anyway")
async def share_anyway(ctx: Context, event: CardAction) -> None:
    """Share a draft close to a colleague's text. Pressed twice, it shares once: the draft's
    token is its share's unique link token, and the second press shows that share."""
    raw_id, _, token = event.value.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    share = await _own_share(ctx, delivery, token)
    if share is None:
        draft = _draft(delivery, token)
        if draft is None:
            raise UserError("share.draft_gone")
        _checked(ctx, {"text": draft.text, "network": draft.network})  # settings may have moved
        share = await _record(ctx, delivery, post, draft, originality="anyway")
        await _replace_nudge(ctx, delivery, post, _outcome(ctx, share))
        restored = share.final_text != draft.text
    else:
        restored = False
    await ctx.show_outcome(event.message, _share_card(ctx, share, post, restored=restored))


async def _record(ctx: Context, delivery: Delivery, post: Post, draft: Draft,
                  originality: str) -> Share:
    """The share of `draft`, made once even if two presses race (insert-or-ignore on its
    unique link token); the draft is then done with."""
    suggestion = await _suggestion(ctx, delivery, post, draft.choice)
    suggested = _offered(ctx, post, suggestion)
    final = _disclosed(ctx, draft.text)
    await ctx.session.execute(insert_ignore(ctx.session, Share).values(
        delivery_id=delivery.id, post_id=post.id, member_id=ctx.member.id,
        network=draft.network, suggested_text=suggested, final_text=final,
        edit_ratio=edit_ratio(suggested, final), similarity=draft.similarity,
        originality=originality, angle=suggestion.angle if suggestion else "",
        source=suggestion.source if suggestion else "", link_token=draft.token,
        created_at=ctx.now))
    share = await _own_share(ctx, delivery, draft.token)
    assert share is not None  # inserted now, or by the press that raced this one
    delivery.status = "shared"
    delivery.acted_at = delivery.acted_at or ctx.now
    delivery.draft = {}
    return share


def _outcome(ctx: Context, share: Share) -> str:
    return ctx.say("nudge.outcome_shared", network=ctx.say(f"common.network_{share.network}"))


def _kept_hashtags(ctx: Context, post: Post) -> list[str]:
    """Hashtags an X cut must keep: the disclosure first, then the post's."""
    tags = [ctx.workspace.disclosure_hashtag, *(f"#{tag}" for tag in post.hashtags)]
    return [tag for tag in tags if tag]


def _share_card(ctx: Context, share: Share, post: Post, *, restored: bool) -> Card:
    """The text with its link in a box to copy, the network chosen as the one primary
    button (its post box opens with the text where the network allows it), the other one
    beside it, and "I posted it" apart; once posted, a thank-you in its place, the share
    buttons kept (to post it elsewhere too)."""
    link = f"{ctx.rt.settings.public_url.rstrip('/')}/r/{share.link_token}"
    text, keep = share.final_text, _kept_hashtags(ctx, post)
    linkedin = linkedin_post_url(text, link)
    if share.network == "x":
        hint = "share.hint_x_cut" if x_text(text, keep) != text else "share.hint_x"
    else:
        hint = "share.hint_linkedin" if linkedin else "share.hint_linkedin_paste"
    notes = [Text(ctx.say(hint))]
    if restored:
        notes.append(Text(ctx.say("share.disclosure_added",
                                  hashtag=ctx.workspace.disclosure_hashtag)))
    networks = (
        Button(ctx.say("share.open_linkedin"), "share.linkedin",
               url=linkedin or linkedin_share_url(link),
               style="primary" if share.network == "linkedin" else None),
        Button(ctx.say("share.open_x"), "share.x", url=x_intent_url(text, link, keep),
               style="primary" if share.network == "x" else None),
    )
    network = ctx.say(f"common.network_{share.network}")
    done: tuple[Block, ...] = (Text(ctx.say("share.thanks", network=network)),) \
        if share.confirmed else (Actions((Button(ctx.say("share.posted"), "share.posted",
                                                 str(share.id)),)),)
    return Card(summary=ctx.say("share.ready_title"), blocks=(
        Heading(ctx.say("share.ready_title")),
        *notes,
        Copy(shared_text(text, link), ctx.say("share.copy_label")),
        Actions(networks),
        Footnote(ctx.say("share.ratio_note", ratio=share.edit_ratio)),
        Divider(),
        *done,
    ))


@router.action("share.posted")
async def posted(ctx: Context, event: CardAction) -> None:
    share_id = parse_id(event.value)
    share = await ctx.session.get(Share, share_id) if share_id else None
    if share is None or share.member_id != ctx.member.id:
        raise UserError("errors.unknown_action")
    if not share.confirmed:
        share.confirmed = True
        share.confirmed_at = ctx.now
    post = await ctx.session.get(Post, share.post_id)
    assert post is not None  # a share goes with its post
    await ctx.show_outcome(event.message, _share_card(ctx, share, post, restored=False))


async def _answer(ctx: Context, raw_id: str, status: str) -> tuple[Delivery, Post]:
    """Record a skip or a no on a nudge not shared yet."""
    delivery, post = await _delivery(ctx, raw_id)
    if delivery.status == "sent":
        delivery.status = status
    delivery.acted_at = delivery.acted_at or ctx.now
    return delivery, post


@router.action("nudge.skip")
async def skip(ctx: Context, event: CardAction) -> None:
    delivery, post = await _answer(ctx, event.value, "skipped")
    await _replace_nudge(ctx, delivery, post, ctx.say("nudge.outcome_skipped"))


@router.action("nudge.decline")
async def decline(ctx: Context, event: CardAction) -> None:
    delivery, post = await _answer(ctx, event.value, "declined")
    prefs = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    less = list(dict.fromkeys([*prefs.less_wanted, *(t.lower() for t in post.topics)]))
    ctx.member.prefs = {**ctx.member.prefs, "less_wanted": less}
    await _replace_nudge(ctx, delivery, post,
                         ctx.say("nudge.outcome_declined", topics=", ".join(post.topics)))
