"""What an activity must look like before botbuilder or the bot reads it.

msrest's deserializer keeps a wrong-typed field as it came (`text` an object, a mention's
`mentioned` a string), and botbuilder then indexes it (`entity.type.lower()`,
`mentioned["id"]`); these strict models list the fields either side reads, with their
types, so that a malformed activity is a 400 rather than a failed turn. Anything else in an
activity is left alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

Text = StrictStr | None
INVOKE_ACTION = "adaptiveCard/action"
TASK_FETCH, TASK_SUBMIT = "task/fetch", "task/submit"  # a dialog opened, then submitted
# Ids Porte-Voix stores (a person's, a tenant's, a team's) fit its columns; Teams' are GUIDs
# and "29:…" or "19:…@thread…" strings well within them.
StoredId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128)]
Guid = Annotated[str, StringConstraints(strict=True, max_length=64)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Account(_Shape):
    id: StoredId
    name: Text = None
    aadObjectId: Guid | None = None


class _Conversation(_Shape):
    id: StrictStr = Field(min_length=1)
    conversationType: Text = None
    tenantId: Guid | None = None
    isGroup: StrictBool | None = None
    name: Text = None


class _Tenant(_Shape):
    id: Guid | None = None


class _Team(_Shape):
    id: StoredId | None = None
    name: Text = None


class _ChannelData(_Shape):
    tenant: _Tenant | None = None
    team: _Team | None = None
    channel: _Team | None = None
    eventType: Text = None


class _Entity(_Shape):
    type: StrictStr
    text: Text = None
    mentioned: _Account | None = None
    locale: Text = None
    timezone: Text = None


class _InvokeAction(_Shape):
    type: Text = None
    verb: Text = None
    data: dict[str, Any] | None = None


class _TaskRequest(_Shape):
    data: dict[str, Any] | None = None


class _Activity(_Shape):
    type: StrictStr
    id: Text = None
    name: Text = None
    serviceUrl: StrictStr = Field(pattern=r"^https?://[^\s/]+")
    channelId: Text = None
    conversation: _Conversation
    from_: _Account = Field(alias="from")
    recipient: _Account
    channelData: _ChannelData | None = None
    text: Text = None
    replyToId: Text = None
    locale: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{0,35}$")] \
        | None = None
    localTimezone: Annotated[str, StringConstraints(strict=True, max_length=64)] | None = None
    action: Text = None
    entities: list[_Entity] | None = None
    membersAdded: list[_Account] | None = None
    membersRemoved: list[_Account] | None = None
    value: Any = None

    @model_validator(mode="after")
    def _invoke_is_answered(self) -> _Activity:
        """The invokes Porte-Voix answers: Action.Execute's, with its action, and a dialog's
        task/fetch and task/submit, with their data."""
        if self.type == "invoke":
            if self.name not in (INVOKE_ACTION, TASK_FETCH, TASK_SUBMIT):
                raise ValueError(f"unsupported invoke {str(self.name)[:40]!r}")
            if not isinstance(self.value, dict):
                raise ValueError(f"a {self.name} invoke without a value")
            if self.name == INVOKE_ACTION:
                _InvokeAction.model_validate(self.value.get("action"))
            else:
                _TaskRequest.model_validate(self.value)
        return self


def shape_problem(body: dict[str, Any]) -> str | None:
    """Why an activity's JSON cannot be handled, in one line for the log; None if it can."""
    try:
        _Activity.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "activity"
        return f"{where}: {first['msg']}"
    return None
