"""What each kind of Slack payload must look like before Bolt or a listener reads it.

Bolt's context builder and matchers index payloads without checking types (`"id" in team`,
`len(authorizations)`, a regex over `action_id`), so a wrong-typed field in a signed body
would crash inside Bolt with a 500. These strict models list every field either side reads,
with its type; anything else in a payload is left alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from adapters.slack.inbound import COMMAND, BadPayload, team_id, user_id


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


Text = StrictStr | None
# Slack's ids (T…, U…, W…, C…, D…, E…) are short and alphanumeric; Porte-Voix stores them.
SlackId = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Id = SlackId | None


class _Ref(_Shape):
    """A team, user, channel or enterprise given as an object rather than an id."""

    id: Id = None
    team_id: Id = None


Ref = Id | _Ref


class _Ids(_Shape):
    """Where Bolt's context builder looks for ids, at any level of a payload."""

    enterprise: Ref = None
    enterprise_id: Id = None
    team: Ref = None
    team_id: Id = None
    user: Ref = None
    user_id: Id = None
    channel: Ref = None
    channel_id: Id = None
    thread_ts: Text = None
    authorizations: list[_Ids] | None = None
    message: _Ids | None = None
    previous_message: _Ids | None = None
    item: _Ids | None = None
    assistant_thread: _Ids | None = None
    function_execution_id: Text = None
    bot_access_token: Text = None


class _Event(_Ids):
    type: StrictStr
    subtype: Text = None
    bot_id: Text = None
    channel_type: Text = None
    text: Text = None
    tab: Text = None
    inputs: dict[str, Any] | None = None


class _Action(_Shape):
    action_id: StrictStr
    block_id: Text = None
    value: Text = None
    url: Text = None
    action_ts: Text = None


class _Container(_Shape):
    type: Text = None
    channel_id: Text = None
    message_ts: Text = None


class _State(_Shape):
    values: dict[str, Any] | None = None


class _View(_Ids):
    type: StrictStr  # "modal", "home"…: Bolt reads it (view["type"]) before any listener
    callback_id: StrictStr
    private_metadata: Text = None
    app_installed_team_id: Id = None
    state: _State | None = None


class _ResponseUrl(_Shape):
    response_url: Text = None


class _FunctionData(_Shape):
    execution_id: Text = None
    inputs: dict[str, Any] | None = None


class _Envelope(_Ids):
    type: Text = None
    trigger_id: Text = None
    response_url: Text = None
    response_urls: list[_ResponseUrl] | None = None
    function_data: _FunctionData | None = None
    container: _Container | None = None
    actions: list[_Action] | None = None
    view: _View | None = None
    event: _Event | None = None
    event_id: Text = None


class _EventCallback(_Envelope):
    event: _Event


class _BlockActions(_Envelope):
    actions: list[_Action] = Field(min_length=1)


class _ViewSubmission(_Envelope):
    view: _View


class _UrlVerification(_Envelope):
    challenge: StrictStr


class _Command(_Envelope):
    command: StrictStr
    channel_id: SlackId
    text: Text = None

    @field_validator("command")
    @classmethod
    def _ours(cls, command: str) -> str:
        if command != COMMAND:
            raise ValueError(f"not {COMMAND}")
        return command


# Kind -> (its model, whether it names the person who acted).
_KINDS: dict[str, tuple[type[_Envelope], bool]] = {
    "event_callback": (_EventCallback, False),
    "block_actions": (_BlockActions, True),
    "view_submission": (_ViewSubmission, True),
    "url_verification": (_UrlVerification, False),
    "command": (_Command, True),
}


def kind_of(body: dict[str, Any]) -> str | None:
    """Events and interactivity say their type; slash commands and Slack's SSL check don't."""
    kind = body.get("type")
    if kind is None:
        return "command" if "command" in body else "ssl_check" if "ssl_check" in body else None
    return kind if isinstance(kind, str) else None


def shape_problem(body: object) -> str | None:
    """Why a parsed Slack body cannot be handled, in one line for the log; None if it can."""
    if not isinstance(body, dict):
        return "body is not an object"
    kind = kind_of(body)
    if kind == "ssl_check":
        return None
    if kind not in _KINDS:
        return f"unsupported request type {str(body.get('type'))[:40]!r}"
    model, acted = _KINDS[kind]
    try:
        model.model_validate(body)
        if kind != "url_verification":
            team_id(body)
        if acted:
            user_id(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{kind}: {where}: {first['msg']}"
    except BadPayload as error:
        return f"{kind}: {error}"
    return None
