"""The kinds of post and, per kind, the angles a suggestion can take (templates in
message_templates/<locale>/voice/<kind>/<angle>.j2)."""

from __future__ import annotations

ANGLES: dict[str, tuple[str, ...]] = {
    "news": ("proud", "why_it_matters", "behind_the_scenes", "what_it_changes", "question",
             "learned", "for_whom", "personal_link"),
    "job": ("join_us", "what_its_like", "who_would_fit", "team_is_growing", "pass_it_on",
            "why_i_stayed", "what_youd_learn", "question"),
    "event": ("see_you_there", "why_go", "looking_forward", "my_part", "pass_it_on",
              "who_should_come", "what_to_expect", "question"),
    "product": ("proud_launch", "what_it_solves", "behind_the_build", "try_it", "for_whom",
                "what_changed", "favourite_part", "question"),
    "award": ("proud", "thanks_to_people", "the_road_here", "what_it_means", "for_clients",
              "next_step", "humble", "celebrate"),
    "article": ("worth_reading", "my_take", "learned", "one_idea", "question", "for_whom",
                "agree_and_add", "keep_for_later"),
    "leader": ("well_said", "adds_to_it", "from_my_seat", "question_back", "thanks",
               "why_it_matters", "echo", "pass_it_on"),
}
KINDS: tuple[str, ...] = tuple(ANGLES)
DEFAULT_KIND = "news"
