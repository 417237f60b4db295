"""The Teams bot: Bot Framework activities in, neutral events to the core, answers out."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.invoke_response import InvokeResponse
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse, Attachment
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)
from msrest.serialization import Model

from adapters.teams import inbound
from adapters.teams.render import DIALOG_WIDTH, Submission, submitted
from adapters.teams.responder import Answering, TeamsResponder
from adapters.teams.shapes import INVOKE_ACTION, TASK_FETCH, shape_problem
from adapters.untrusted_json import UnreadableJson, read_json
from bot.cards import Card, Text
from bot.dedupe import first_time
from bot.dispatch import Bot
from bot.events import (
    Actor,
    CardAction,
    Command,
    ConversationRef,
    DirectMessage,
    Event,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MessageRef,
)
from bot.services.textfit import cut_on_word
from bot.texts import normalize_locale

log = logging.getLogger(__name__)
COMMAND_PREFIX = "/voix"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ROSTER_PAGE = 200
DIALOG_TITLE = 60  # a dialog's title bar
# What the bot acts on; messageUpdate, messageDelete, typing, reactions… are others' business.
HANDLED = (ActivityTypes.message, ActivityTypes.invoke, ActivityTypes.conversation_update,
           "installationUpdate")


class MessageInvokeResponse(AdaptiveCardInvokeResponse):
    """An adaptiveCard/action answer that is a short text: botbuilder's model types `value`
    as an object and refuses to serialise a string."""

    _attribute_map = {**AdaptiveCardInvokeResponse._attribute_map,
                      "value": {"key": "value", "type": "str"}}


class TeamsBot:
    """What CloudAdapter calls for each activity (`on_turn`)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def _responder(self, turn: TurnContext, where: ConversationRef,
                   locale: str | None, answering: Answering = "message") -> TeamsResponder:
        texts = self.bot.rt.texts
        language = normalize_locale(locale, self.bot.rt.settings.default_locale)
        sender = turn.activity.from_property
        conversation = turn.activity.conversation
        # Cards refresh for the person in their own chat; a channel's are everyone's.
        personal = conversation is not None and conversation.conversation_type == "personal"
        viewer = str(sender.id) if personal and sender is not None and sender.id else ""
        return TeamsResponder(turn, where, lambda key, **values: texts.say(language, key,
                                                                          **values),
                              viewer=viewer, answering=answering)

    async def on_turn(self, turn: TurnContext) -> None:
        activity = turn.activity
        if activity.type not in HANDLED:
            return
        if activity.id and not await first_time(self.bot.rt, inbound.PLATFORM,
                                                f"{activity.conversation.id} {activity.id}"):
            # Teams redelivers when the bot was slow or failed: the first one is being (or
            # was) handled, across replicas. The repeat gets a plain ack.
            log.info("Teams redelivery of a %s activity ignored", activity.type)
            if activity.type == ActivityTypes.invoke:
                await turn.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                  value=InvokeResponse(status=200)))
            return
        data: dict[str, Any] = activity.serialize()
        reference = TurnContext.get_conversation_reference(activity).serialize()
        if activity.type == ActivityTypes.message:
            await self._message(turn, data, reference)
        elif activity.type == ActivityTypes.invoke and activity.name == INVOKE_ACTION:
            await self._execute(turn, data, reference)
        elif activity.type == ActivityTypes.invoke:  # a dialog: task/fetch or task/submit
            await self._dialog(turn, data, reference)
        else:
            await self._installed(turn, data, reference)

    def _submission_event(self, actor: Actor, submission: Submission | None,
                          where: ConversationRef, data: dict[str, Any]) -> Event:
        card = inbound.replied_card(data, where)
        if submission is None:
            return CardAction(actor, "", "", where, card)  # answered as an unknown button
        if submission.kind == "form":
            return FormSubmitted(actor, submission.form_id, submission.values,
                                 submission.private, where, card)
        return CardAction(actor, submission.action_id, submission.value, where, card)

    async def _message(self, turn: TurnContext, data: dict[str, Any],
                       reference: dict[str, Any]) -> None:
        actor = inbound.actor(data, reference)
        where = inbound.conversation_ref(data, reference)
        responder = self._responder(turn, where, actor.locale)
        value = data.get("value")
        event: Event
        if isinstance(value, dict):  # an Action.Submit of a card sent before Universal Actions
            submission = submitted(value)
            event = self._submission_event(actor, submission, where, data)
            await self.bot.dispatch(event, responder)
            if isinstance(event, FormSubmitted) and event.message is not None:
                # The inline form is spent: show it as sent, so it is not submitted twice.
                await self._mark_sent(responder, event.message.message_id)
            return
        if inbound.is_personal(data):
            text = (data.get("text") or "").strip()
            prefixed = text.lower().startswith(COMMAND_PREFIX)
            text = text[len(COMMAND_PREFIX):].strip() if prefixed else text
            event = Command(actor, text, where) if prefixed or self.bot.is_command(text) \
                else DirectMessage(actor, text, where)
        else:
            # A mention's fields sit in the entity's additional_properties, which serialize()
            # drops.
            mentions = [{**(entity.additional_properties or {}), "type": entity.type}
                        for entity in turn.activity.entities or []]
            addressed = inbound.addressed_text(data.get("text") or "",
                                               turn.activity.recipient.id, mentions)
            if addressed is None:
                return  # channel chatter not addressed to the bot
            text = addressed
            if text.lower().startswith(COMMAND_PREFIX):
                text = text[len(COMMAND_PREFIX):].strip()
            event = Command(actor, text, where)
        await self.bot.dispatch(event, responder)

    @staticmethod
    def _sent_card(responder: TeamsResponder) -> Card:
        note = responder.say("common.form_sent", title="✓")
        return Card(note, (Text(note),))

    async def _mark_sent(self, responder: TeamsResponder, card_id: str) -> None:
        ref = inbound.replied_card({"replyToId": card_id}, responder.where)
        if ref is not None:
            try:
                await responder.update(ref, self._sent_card(responder))
            except Exception:  # cosmetic only: the submission is recorded
                log.warning("form card %s not marked as sent", card_id)

    @staticmethod
    async def _answer(turn: TurnContext, body: Model | None) -> None:
        # A model, not a dict: CloudAdapter serialises the body itself (see PITFALLS).
        await turn.send_activity(Activity(type=ActivityTypes.invoke_response,
                                          value=InvokeResponse(status=200, body=body)))

    async def _execute(self, turn: TurnContext, data: dict[str, Any],
                       reference: dict[str, Any]) -> None:
        """Action.Execute (a button, an inline form, a refresh): the answer is the updated
        card; a form submitted, if nothing else, becomes "sent" so it is not sent twice."""
        actor = inbound.actor(data, reference)
        where = inbound.conversation_ref(data, reference)
        responder = self._responder(turn, where, actor.locale, "action")
        responder.invoke_card_id = data.get("replyToId") or ""
        action = data["value"]["action"]  # its shape was checked on the way in
        event = self._submission_event(actor, submitted(action.get("data") or {}), where, data)
        await self.bot.dispatch(event, responder)
        if responder.invoke_answer is None and isinstance(event, FormSubmitted):
            await responder.update(MessageRef(where, responder.invoke_card_id),
                                   self._sent_card(responder))
        if responder.invoke_answer is not None:
            await self._answer(turn, AdaptiveCardInvokeResponse(
                status_code=200, type=CARD_TYPE, value=responder.invoke_answer))
        else:
            await self._answer(turn, MessageInvokeResponse(
                status_code=200, type=MESSAGE_TYPE,
                value=responder.say("common.form_sent", title="✓")))

    async def _dialog(self, turn: TurnContext, data: dict[str, Any],
                      reference: dict[str, Any]) -> None:
        """task/fetch (a button marked to open a form) and task/submit (that form sent):
        the answer is the form as a dialog, a short message in it, or nothing (it closes)."""
        actor = inbound.actor(data, reference)
        where = inbound.conversation_ref(data, reference)
        fetch = data.get("name") == TASK_FETCH
        responder = self._responder(turn, where, actor.locale, "fetch" if fetch else "submit")
        payload = (data.get("value") or {}).get("data") or {}
        await self.bot.dispatch(self._submission_event(actor, submitted(payload), where, data),
                                responder)
        if responder.dialog is not None:
            card = Attachment(content_type=CARD_TYPE,
                              content=responder.form_card(responder.dialog, dialog=True))
            task: Model = TaskModuleContinueResponse(value=TaskModuleTaskInfo(
                title=cut_on_word(responder.dialog.title, DIALOG_TITLE), card=card,
                width=DIALOG_WIDTH))
        elif responder.dialog_message is not None or fetch:
            task = TaskModuleMessageResponse(
                value=responder.dialog_message or responder.say("common.form_sent", title="✓"))
        else:
            await self._answer(turn, None)  # submitted and answered in the chat: it closes
            return
        await self._answer(turn, TaskModuleResponse(task=task))

    @staticmethod
    async def _roster(turn: TurnContext, team_id: str) -> list[dict[str, Any]]:
        """Every member of a team, page after page (get_team_members ignores its team id in
        botbuilder 4.17.1; the paged call honours it)."""
        people: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = await TeamsInfo.get_paged_team_members(turn, team_id, token, ROSTER_PAGE)
            for member in page.members or []:
                person = member.serialize()
                person.update(member.additional_properties or {})  # email, UPN land here
                people.append(person)
            token = page.continuation_token
            if not token:
                return people

    async def _installed(self, turn: TurnContext, data: dict[str, Any],
                         reference: dict[str, Any]) -> None:
        bot_id = (data.get("recipient") or {}).get("id")
        added = [m for m in data.get("membersAdded") or [] if isinstance(m, dict)]
        bot_added = any(m.get("id") == bot_id for m in added) or (
            data.get("type") == "installationUpdate" and data.get("action") == "add")
        if inbound.is_personal(data):
            # Teams announces a personal install twice (installationUpdate and
            # conversationUpdate): greet once per chat.
            conversation_id = str((data.get("conversation") or {}).get("id"))
            if bot_added and await first_time(self.bot.rt, "teams-greeting", conversation_id):
                actor = inbound.actor(data, reference)
                where = inbound.conversation_ref(data, reference)
                await self.bot.dispatch(HomeOpened(actor),
                                        self._responder(turn, where, actor.locale))
            return
        if not (data.get("channelData") or {}).get("team"):
            return  # a group chat: no team, no digest
        team_id, team_name = inbound.team_channel(data, reference)
        channel_reference = {**reference, "conversation": {
            "id": team_id, "isGroup": True, "conversationType": "channel",
            "tenantId": inbound.tenant_id(data)}}
        channel = ConversationRef(inbound.PLATFORM, inbound.tenant_id(data), team_id,
                                  {"reference": channel_reference})
        if bot_added:
            people = await self._roster(turn, team_id)
        else:
            people = [m for m in added if m.get("id") != bot_id]
        for person in people:
            actor = inbound.roster_actor(data, person, reference)
            await self.bot.dispatch(MemberJoined(actor, channel, team_name),
                                    self._responder(turn, channel, None))


def _bad(status: int, why: str) -> web.Response:
    log.warning("Teams request refused (%s): %s", status, why)
    return web.Response(status=status, text=why)


def check_activity(body: object) -> str | None:
    """Why a body is not an activity Porte-Voix can handle, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return "not an activity"
    problem = shape_problem(body)
    if problem:
        return problem
    try:
        activity = Activity().deserialize(body)  # as CloudAdapter will: dates, entities…
    except ValueError as error:  # msrest's DeserializationError
        return f"activity does not deserialize ({type(error).__name__})"
    try:
        # What the turn reads, after msrest's round trip (which drops conversation.tenantId:
        # botbuilder spells it tenantID).
        inbound.tenant_id(activity.serialize())
    except inbound.BadActivity:
        return "activity without tenant"
    return None


def make_handler(adapter: CloudAdapter, teams_bot: TeamsBot) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        """POST /api/messages: what is not an activity is a 400 (415 if not JSON in UTF-8,
        413 past the app's client_max_size), then botbuilder authenticates (401) and runs
        the turn. Bad input is logged in one line, never a traceback."""
        if request.content_type != "application/json" \
                or (request.charset or "utf-8").lower() != "utf-8":
            return _bad(415, "expected application/json in UTF-8")
        try:
            body = read_json(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return _bad(413, "body too large")
        except UnreadableJson as error:
            return _bad(400, str(error))
        problem = check_activity(body)
        if problem:
            return _bad(400, problem)
        try:
            response = await adapter.process(request, teams_bot)
        except web.HTTPException as refusal:  # botbuilder's own 401 for a junk token
            return _bad(refusal.status, refusal.reason)
        except Exception as error:
            # What reaches here failed before the turn (which ends in on_turn_error): the
            # token (a junk one, or any one in local mode) or the activity's addresses.
            if request.headers.get("Authorization"):
                return _bad(401, f"not authorised ({type(error).__name__})")
            return _bad(400, f"activity not processed ({type(error).__name__})")
        return response or web.Response(status=201)

    return handle
