"""Cards shaped like the product's, with hostile text, for every renderer's tests."""

from __future__ import annotations

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, LinkPreview, Quote, Text


def nudge_like(suggestion: str) -> Card:
    """A nudge: heading, link preview, key points, three quoted ideas with a button each,
    then the own/skip/decline buttons and the footnote."""
    blocks: list[Block] = [
        Heading("A post for you"),
        LinkPreview("https://example.com/jobs/42?utm=a&b=c", "We are hiring <devs>",
                    "Join the team & build things"),
        Text("• remote friendly\n• great team"),
        Text("Three ways to say it in your words:"),
    ]
    for index in range(3):
        blocks.append(Quote(f"{suggestion} ({index + 1})\n\n#hiring"))
        blocks.append(Actions((Button(f"Use #{index + 1}", "nudge.pick", f"7:{index}",
                                      "primary"),)))
    blocks.append(Actions((Button("In my own words", "nudge.pick", "7:own"),
                           Button("Skip", "nudge.skip", "7"),
                           Button("Not for me", "nudge.decline", "7"))))
    blocks.append(Footnote("At most 2 posts a week. Say stop to leave."))
    return Card(summary="New post: We are hiring <devs>", blocks=tuple(blocks))
