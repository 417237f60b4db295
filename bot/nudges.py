"""The nudge: the card a volunteer receives for a post, with three personal suggestions."""

from __future__ import annotations

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, LinkPreview, Quote, Text
from bot.preferences import preferences
from bot.texts import Texts
from bot.voice.stored import AI, Suggestion
from bot.voice.style import Style
from bot.voice.versions import version
from storage.models import Delivery, Member, Post, Workspace


def nudge_card(texts: Texts, post: Post, delivery: Delivery, suggestions: list[Suggestion],
               cap: int, style: Style, hashtags: str) -> Card:
    """The nudge, wholly in the language of the post version the member gets; `hashtags`
    is the line the share form adds to each idea."""
    shown = version(post, delivery.language)

    def say(key: str, **values: object) -> str:
        return texts.say(shown.language, key, **values)

    own = Button(say("nudge.own"), "nudge.pick", f"{delivery.id}:own",
                 "primary" if style.own_first else None)
    blocks: list[Block] = [
        Heading(say("nudge.title")),
        LinkPreview(post.url, shown.title, shown.summary),
    ]
    if shown.key_points:
        blocks.append(Text("\n".join(f"• {point}" for point in shown.key_points)))
    if style.own_first:
        blocks.append(Actions((own,)))
    blocks.append(Text(say("nudge.suggestions_intro")))
    for index, suggestion in enumerate(suggestions):
        if suggestion.label:
            blocks.append(Text(suggestion.label))
        blocks.append(Quote(suggestion.text))
        if suggestion.source == AI:
            blocks.append(Footnote(say("nudge.ai_draft")))
        blocks.append(Actions((Button(say("nudge.use", number=index + 1), "nudge.pick",
                                      f"{delivery.id}:{index}", "primary"),)))
    if hashtags and suggestions:
        blocks.append(Footnote(say("nudge.hashtags", tags=hashtags)))
    blocks.append(Actions((
        *(() if style.own_first else (own,)),
        Button(say("nudge.skip"), "nudge.skip", str(delivery.id)),
        Button(say("nudge.not_for_me"), "nudge.decline", str(delivery.id)),
    )))
    blocks.append(Footnote(say("nudge.footer", cap=cap)))
    return Card(summary=say("nudge.summary", title=shown.title), blocks=tuple(blocks))


def weekly_cap(member: Member, workspace: Workspace) -> int:
    return preferences(member.prefs, workspace.weekly_cap).weekly_cap


def done_card(texts: Texts, locale: str, post: Post, outcome: str) -> Card:
    """What a nudge card becomes once acted upon."""
    return Card(summary=outcome, blocks=(
        Heading(post.title),
        Text(outcome),
        Footnote(texts.say(locale, "nudge.done_footer")),
    ))
