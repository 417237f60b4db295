"""The Teams test doubles work with botbuilder 4.17.1's real CloudAdapter and connector client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import BotAdapter, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from msrest.exceptions import ClientRequestError

from tests.adapters.teams import activities as teams
from tests.adapters.teams.fake_connector import FakeConnector

REAL_APP_ID = "00000000-0000-0000-0000-000000000001"
Logic = Callable[[TurnContext], Awaitable[None]]


class Config:
    """Anonymous local mode: empty id and password, nothing else set."""

    def __init__(self, app_id: str = "", password: str = "") -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = password


class FnBot:
    """A bot whose turn is a function; it keeps references and the errors its logic raised."""

    def __init__(self, logic: Logic) -> None:
        self.logic = logic
        self.references: list[ConversationReference] = []
        self.activities: list[Activity] = []
        self.errors: list[Exception] = []

    async def on_turn(self, turn_context: TurnContext) -> None:
        self.activities.append(turn_context.activity)
        self.references.append(TurnContext.get_conversation_reference(turn_context.activity))
        try:
            await self.logic(turn_context)
        except Exception as error:  # the test inspects what botbuilder raised
            self.errors.append(error)


class StaticTokenCredentials(AppCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        return "test-token"


class StaticTokenFactory(ServiceClientCredentialsFactory):
    """Real-app-id credentials that never call Entra: outbound calls carry a fixed token."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == REAL_APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> AppCredentials:
        return StaticTokenCredentials(app_id, oauth_scope=oauth_scope)


def card(*body: dict[str, Any], version: str = "1.5") -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": version, "msteams": {"width": "Full"},
            "body": list(body) or [{"type": "TextBlock", "text": "Bonjour", "wrap": True}],
            "actions": [{"type": "Action.Submit", "title": "Partager", "data": {"type": "x"}},
                        {"type": "Action.Execute", "title": "Passer", "verb": "skip"}]}


def make_adapter(app_id: str = "", password: str = "",
                 factory: ServiceClientCredentialsFactory | None = None) -> CloudAdapter:
    auth = ConfigurationBotFrameworkAuthentication(Config(app_id, password),
                                                   credentials_factory=factory)
    return CloudAdapter(auth)


@asynccontextmanager
async def serve(adapter: CloudAdapter, bot: FnBot) -> AsyncIterator[TestClient[Any, Any]]:
    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


async def post(client: TestClient[Any, Any], activity: dict[str, Any]) -> int:
    response = await client.post("/api/messages", json=activity)
    return response.status


async def test_reply_to_a_personal_message_posts_to_the_reply_path(
        connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity(MessageFactory.text(f"Reçu : {ctx.activity.text}"))

    bot = FnBot(logic)
    message = teams.personal_message("alice", "bonjour", service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
    cid = message["conversation"]["id"]
    assert bot.errors == []
    assert [(c.method, c.path) for c in connector.calls] == [
        ("POST", f"/v3/conversations/{cid}/activities/{message['id']}")]
    assert "Authorization" not in connector.calls[0].headers  # anonymous mode sends no token
    [(sent_cid, sent)] = connector.sent()
    assert sent_cid == cid and sent["text"] == "Reçu : bonjour"
    assert sent["replyToId"] == message["id"] and sent["from"]["id"] == teams.BOT_ID
    assert bot.activities[0].from_property.aad_object_id == message["from"]["aadObjectId"]
    assert connector.problems() == []


async def test_channel_reply_keeps_the_thread_id_through_url_encoding(
        connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity("ok")

    mention = teams.channel_mention("bob", "digest", service_url=connector.service_url)
    async with serve(make_adapter(), FnBot(logic)) as client:
        assert await post(client, mention) == 201
    [(cid, _)] = connector.sent()
    assert cid == mention["conversation"]["id"] and ";messageid=" in cid
    assert mention["text"] == "<at>Porte-Voix</at> digest"


async def test_card_send_then_update_records_post_and_put(connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        attachment = CardFactory.adaptive_card(card())
        first = await ctx.send_activity(MessageFactory.attachment(attachment))
        replaced = MessageFactory.attachment(CardFactory.adaptive_card(
            card({"type": "TextBlock", "text": "Partagé, merci !"})))
        replaced.id = first.id
        await ctx.update_activity(replaced)

    bot = FnBot(logic)
    message = teams.personal_message("alice", "go", service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
    assert bot.errors == []
    [(cid, sent)] = connector.sent()
    [(up_cid, up_id, updated)] = connector.updated()
    assert up_cid == cid and updated["id"] == up_id
    assert connector.calls[1].method == "PUT"
    assert connector.calls[1].path == f"/v3/conversations/{cid}/activities/{up_id}"
    assert sent["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert updated["attachments"][0]["content"]["body"][0]["text"] == "Partagé, merci !"
    assert connector.problems() == []


async def test_submit_action_reaches_the_bot_as_a_message_with_value(
        connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity("noté")

    bot = FnBot(logic)
    cid = teams.personal_conversation_id("alice")
    submit = teams.submit_action("alice", {"action": "share", "text": "Mon texte"},
                                 reply_to_id="1764496800123", conversation_id=cid,
                                 service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, submit) == 201
    seen = bot.activities[0]
    assert seen.type == "message" and seen.text is None
    assert seen.value == {"action": "share", "text": "Mon texte"}
    assert seen.reply_to_id == "1764496800123"
    assert connector.calls[0].path == f"/v3/conversations/{cid}/activities/{submit['id']}"


async def test_execute_invoke_answered_with_a_model_gives_200(connector: FakeConnector) -> None:
    answer = card({"type": "TextBlock", "text": "C'est noté"})

    async def logic(ctx: TurnContext) -> None:
        body = AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=answer)
        await ctx.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=200, body=body)))

    bot = FnBot(logic)
    invoke = teams.execute_invoke("alice", "skip", {"post": 7}, reply_to_id="1764496800123",
                                  conversation_id=teams.personal_conversation_id("alice"),
                                  service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        response = await client.post("/api/messages", json=invoke)
        assert response.status == 200
        assert await response.json() == {
            "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": answer}
    assert bot.activities[0].value["action"]["verb"] == "skip"
    assert connector.calls == []  # invoke answers ride the HTTP response, not the connector


async def test_execute_invoke_answered_with_a_dict_is_still_500_upstream(
        connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                "value": "ok"}
        await ctx.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=200, body=body)))

    invoke = teams.execute_invoke("alice", "skip", {}, reply_to_id="1",
                                  conversation_id=teams.personal_conversation_id("alice"),
                                  service_url=connector.service_url)
    async with serve(make_adapter(), FnBot(logic)) as client:
        assert await post(client, invoke) == 500  # PITFALLS: serializer_helper on a dict


async def test_continue_conversation_sends_proactively(connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        return None

    bot = FnBot(logic)
    adapter = make_adapter()
    message = teams.personal_message("alice", "bonjour", service_url=connector.service_url)
    async with serve(adapter, bot) as client:
        assert await post(client, message) == 201
    # What storage keeps: the reference as JSON, read back later.
    stored = json.dumps(bot.references[0].serialize())
    reference = ConversationReference().deserialize(json.loads(stored))
    contexts: list[TurnContext] = []

    async def callback(ctx: TurnContext) -> None:
        contexts.append(ctx)
        await ctx.send_activity("une nouvelle publication")  # a "reply" to the continuation id
        ctx.activity.id = None  # no reply id: a plain POST .../activities
        await ctx.send_activity("et une autre")

    for app_id in ("", None, "whatever"):  # anonymous mode ignores the bot app id
        await adapter.continue_conversation(reference, callback, app_id)
    cid = message["conversation"]["id"]
    paths = [c.path for c in connector.calls]
    assert len(paths) == 6 and paths[1] == f"/v3/conversations/{cid}/activities"
    assert paths[0].startswith(f"/v3/conversations/{cid}/activities/")
    assert paths[0].rsplit("/", 1)[1] != message["id"]  # a fresh uuid1, not the stored id
    assert contexts[0].activity.type == "event"
    assert contexts[0].activity.name == "ContinueConversation"
    assert [a["text"] for _, a in connector.sent()][:2] == ["une nouvelle publication",
                                                            "et une autre"]
    assert connector.problems() == []


async def test_create_conversation_opens_a_personal_chat(connector: FakeConnector) -> None:
    adapter = make_adapter()
    params = ConversationParameters(
        is_group=False, bot=ChannelAccount(id=teams.BOT_ID),
        members=[ChannelAccount(id="29:bob")], tenant_id=teams.TENANT_ID,
        channel_data={"tenant": {"id": teams.TENANT_ID}})
    seen: list[Activity] = []

    async def callback(ctx: TurnContext) -> None:
        seen.append(ctx.activity)
        ctx.activity.id = None  # the create event's id is not a message to reply to
        await ctx.send_activity("Bienvenue !")

    for _ in range(2):
        await adapter.create_conversation("", callback, params, "msteams", connector.service_url)
    assert [a.conversation.id for a in seen] == ["a:new-personal-1", "a:new-personal-1"]
    assert seen[0].type == "event" and seen[0].name == "CreateConversation"
    assert seen[0].conversation.tenant_id == teams.TENANT_ID
    body = connector.created()[0]
    assert body["members"] == [{"id": "29:bob"}] and body["isGroup"] is False
    assert body["tenantID"] == teams.TENANT_ID  # sic: botbuilder-python's spelling
    assert body["bot"] == {"id": teams.BOT_ID}
    assert connector.sent()[0] == ("a:new-personal-1", connector.sent()[0][1])
    assert connector.calls[1].path == "/v3/conversations/a:new-personal-1/activities"
    assert connector.problems() == []


async def test_post_a_new_thread_to_a_team_channel(connector: FakeConnector) -> None:
    results: list[tuple[ConversationReference, str]] = []

    async def logic(ctx: TurnContext) -> None:
        results.append(await TeamsInfo.send_message_to_teams_channel(
            ctx, MessageFactory.text("Le digest"), teams.CHANNEL_ID, bot_app_id="porte-voix"))

    bot = FnBot(logic)
    update = teams.conversation_update_bot_added_team(service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, update) == 201
    assert bot.errors == []
    [(reference, activity_id)] = results
    assert reference.conversation.id == f"{teams.CHANNEL_ID};messageid={activity_id}"
    assert connector.sent() == [(reference.conversation.id, connector.created()[0]["activity"])]


async def test_roster_lookups(connector: FakeConnector) -> None:
    cid = teams.personal_conversation_id("alice")
    connector.add_member(cid, "29:alice", "Alice Martin", teams.aad_id_of("alice"),
                         "alice@example.com")
    for i in range(3):
        connector.add_member(teams.TEAM_ID, f"29:m{i}", f"Membre {i}", f"aad-{i}",
                             f"m{i}@example.com", givenName="Membre")
    found: dict[str, Any] = {}

    async def logic(ctx: TurnContext) -> None:
        client = ctx.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
        found["me"] = await TeamsInfo.get_member(ctx, ctx.activity.from_property.id)
        found["page1"] = await TeamsInfo.get_paged_team_members(ctx, teams.TEAM_ID, None, 2)
        found["page2"] = await TeamsInfo.get_paged_team_members(
            ctx, teams.TEAM_ID, found["page1"].continuation_token, 2)
        found["team"] = await client.conversations.get_conversation_members(teams.TEAM_ID)
        found["by_aad"] = await client.conversations.get_conversation_member(teams.TEAM_ID,
                                                                             "aad-2")
        # 4.17.1 bug: get_team_members ignores team_id and lists the current conversation.
        found["buggy"] = await TeamsInfo.get_team_members(ctx, teams.TEAM_ID)

    bot = FnBot(logic)
    message = teams.personal_message("alice", "qui ?", service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
    assert bot.errors == []
    me = found["me"]
    assert (me.id, me.aad_object_id, me.email) == ("29:alice", teams.aad_id_of("alice"),
                                                   "alice@example.com")
    assert me.user_principal_name == "alice@example.com" and me.tenant_id == teams.TENANT_ID
    assert [m.id for m in found["page1"].members] == ["29:m0", "29:m1"]
    assert found["page1"].continuation_token == "2"
    assert [m.id for m in found["page2"].members] == ["29:m2"]
    assert found["page2"].continuation_token is None
    assert [m.id for m in found["team"]] == ["29:m0", "29:m1", "29:m2"]
    assert found["team"][0].additional_properties["email"] == "m0@example.com"
    assert found["by_aad"].id == "29:m2"
    assert [m.id for m in found["buggy"]] == ["29:alice"]
    assert connector.calls[-1].path == f"/v3/conversations/{cid}/members"


async def test_429_on_send_raises_at_once_with_retry_after(connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity("trop vite")

    bot = FnBot(logic)
    message = teams.personal_message("alice", "x", service_url=connector.service_url)
    connector.fail_next("POST", "/v3/conversations/", status=429, retry_after=3)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
    [error] = bot.errors
    assert isinstance(error, ErrorResponseException)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "3"  # requests' case-insensitive headers
    assert error.error.error.code == "Throttled"
    assert connector.count("POST") == 1  # no retry: the turn is over, and it posted once
    assert connector.sent() == []


async def test_403_on_send_raises_with_the_teams_code(connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity("hello")

    bot = FnBot(logic)
    message = teams.personal_message("alice", "x", service_url=connector.service_url)
    connector.fail_next("POST", "/v3/conversations/", status=403,
                        code="ConversationBlockedByUser", message="User blocked the bot")
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
        assert await post(client, message) == 201  # the fault was for one call only
    [error] = bot.errors
    assert isinstance(error, ErrorResponseException) and error.response.status_code == 403
    assert error.error.error.code == "ConversationBlockedByUser"
    assert str(error) == "(ConversationBlockedByUser) User blocked the bot"
    assert len(connector.sent()) == 1


async def test_put_errors_are_retried_by_urllib3(connector: FakeConnector) -> None:
    async def logic(ctx: TurnContext) -> None:
        client = ctx.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
        client.config.retry_policy.backoff_factor = 0  # keep the test fast
        update = MessageFactory.text("v2")
        update.id = "1764496800999"
        connector.fail_next("PUT", "/v3/conversations/", status=429, retry_after=0)
        await ctx.update_activity(update)  # 429 then 200: retried silently
        connector.fail_next("PUT", "/v3/conversations/", status=500, times=4)
        await ctx.update_activity(update)  # 500 four times: retries exhausted

    bot = FnBot(logic)
    message = teams.personal_message("alice", "x", service_url=connector.service_url)
    async with serve(make_adapter(), bot) as client:
        assert await post(client, message) == 201
    [error] = bot.errors
    assert isinstance(error, ClientRequestError) and not hasattr(error, "response")
    assert connector.count("PUT") == 2 + 4 and len(connector.updated()) == 1


async def test_card_problems_are_reported(connector: FakeConnector) -> None:
    cards = [card(version="1.6"), card({"type": "Carousel", "pages": []}),
             card({"type": "TextBlock", "text": "x", "size": "huge"}), {"body": []}]

    async def logic(ctx: TurnContext) -> None:
        for content in cards:
            await ctx.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(content)))

    message = teams.personal_message("alice", "x", service_url=connector.service_url)
    async with serve(make_adapter(), FnBot(logic)) as client:
        assert await post(client, message) == 201
    problems = connector.problems()
    assert any("'1.6' is not <= 1.5" in p for p in problems)
    assert any("unknown type 'Carousel' at $.body[0]" in p for p in problems)
    assert any("$.body[0].size" in p and "'huge'" in p for p in problems)
    assert any("None is not <= 1.5" in p for p in problems)
    assert any("card type None is not AdaptiveCard" in p for p in problems)
    assert len(connector.sent()) == 4  # problems are reported, the messages still delivered


async def test_unknown_routes_and_faults_on_the_wire(connector: FakeConnector) -> None:
    connector.fail_next("GET", "/v3/teams", status=503, retry_after="7")
    connector.delay("POST", "/v3/conversations/c1/", 0.2)
    async with aiohttp.ClientSession(connector.service_url) as http:
        async with http.get("/v3/teams/t1") as response:
            assert (response.status, response.headers["Retry-After"]) == (503, "7")
        async with http.get("/v3/teams/t1") as response:
            assert response.status == 404
        posts = [http.post("/v3/conversations/c1/activities", json={"type": "message"})
                 for _ in range(10)]
        responses = await asyncio.gather(*posts)
        ids = {(await r.json())["id"] for r in responses}
    assert len(ids) == 10 and connector.peak_concurrency == 10
    assert connector.problems() == ["unexpected call GET /v3/teams/t1"]


async def test_required_token_is_missing_in_anonymous_mode() -> None:
    async def logic(ctx: TurnContext) -> None:
        await ctx.send_activity("x")

    bot = FnBot(logic)
    async with FakeConnector(require_token=True) as connector:
        message = teams.personal_message("alice", "x", service_url=connector.service_url)
        async with serve(make_adapter(), bot) as client:
            assert await post(client, message) == 201
    [error] = bot.errors
    assert isinstance(error, ErrorResponseException) and error.response.status_code == 401
    assert connector.problems()[0].endswith("no bearer token")


async def test_real_app_id_sends_its_token_proactively() -> None:
    adapter = make_adapter(REAL_APP_ID, "x", StaticTokenFactory())
    async with FakeConnector(require_token=True) as connector:
        message = teams.personal_message("alice", "x", service_url=connector.service_url)
        reference = TurnContext.get_conversation_reference(Activity().deserialize(message))

        async def callback(ctx: TurnContext) -> None:
            await ctx.send_activity("proactif")

        await adapter.continue_conversation(reference, callback, REAL_APP_ID)
    assert connector.calls[0].headers["Authorization"] == "Bearer test-token"
    assert connector.problems() == []


async def test_real_app_id_rejects_unsigned_inbound_and_wrong_app_id(
        connector: FakeConnector) -> None:
    adapter = make_adapter(REAL_APP_ID, "x")
    bot = FnBot(lambda ctx: asyncio.sleep(0))
    message = teams.personal_message("alice", "x", service_url=connector.service_url)
    async with serve(adapter, bot) as client:
        assert await post(client, message) == 401  # botbuilder's own token check
    reference = TurnContext.get_conversation_reference(Activity().deserialize(message))
    with pytest.raises(Exception, match="Invalid app_id"):
        await adapter.continue_conversation(reference, bot.on_turn, "another-app")
    assert bot.activities == [] and connector.calls == []


@pytest.mark.parametrize("workers", [1, 4])
async def test_outbound_calls_run_on_the_default_executor(workers: int,
                                                          connector: FakeConnector) -> None:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=workers))
    connector.delay("POST", "/v3/conversations/", 0.2)
    adapter = make_adapter()
    references = [TurnContext.get_conversation_reference(Activity().deserialize(
        teams.personal_message(f"u{i}", "x", service_url=connector.service_url)))
        for i in range(4)]

    async def callback(ctx: TurnContext) -> None:
        await ctx.send_activity("fan-out")

    started = time.monotonic()
    await asyncio.gather(*(adapter.continue_conversation(r, callback, "") for r in references))
    elapsed = time.monotonic() - started
    assert connector.peak_concurrency == workers and len(connector.sent()) == 4
    assert elapsed >= 0.2 * 4 / workers


BUILDERS: list[Callable[[str], dict[str, Any]]] = [
    lambda url: teams.personal_message("alice", "salut", service_url=url),
    lambda url: teams.channel_mention("bob", "digest", service_url=url),
    lambda url: teams.submit_action("alice", {"a": 1}, reply_to_id="1", service_url=url,
                                    conversation_id=f"{teams.CHANNEL_ID};messageid=1"),
    lambda url: teams.execute_invoke("alice", "v", {}, reply_to_id="1", service_url=url,
                                     conversation_id=teams.personal_conversation_id("alice")),
    lambda url: teams.conversation_update_bot_added_personal("alice", service_url=url),
    lambda url: teams.conversation_update_bot_added_team(service_url=url),
    lambda url: teams.conversation_update_member_added(teams.TEAM_ID, "carol", service_url=url),
    lambda url: teams.conversation_update_member_removed(teams.TEAM_ID, teams.BOT_ID,
                                                         service_url=url),
    lambda url: teams.installation_update("alice", service_url=url),
    lambda url: teams.installation_update("alice", action="remove", scope="team",
                                          service_url=url),
]


@pytest.mark.parametrize("build", BUILDERS)
async def test_builders_are_json_botbuilder_accepts(build: Callable[[str], dict[str, Any]],
                                                    connector: FakeConnector) -> None:
    payload = build(connector.service_url)
    assert json.loads(json.dumps(payload)) == payload
    bot = FnBot(lambda ctx: asyncio.sleep(0))
    async with serve(make_adapter(), bot) as client:
        status = await post(client, payload)
    assert status == (501 if payload["type"] == "invoke" else 201)  # 501: invoke left unanswered
    [seen] = bot.activities
    assert seen.channel_id == "msteams" and seen.conversation.tenant_id is None  # reads tenantID
    assert seen.conversation.additional_properties["tenantId"] == teams.TENANT_ID
    assert seen.recipient.id == teams.BOT_ID and seen.service_url == connector.service_url
    assert seen.channel_data["tenant"] == {"id": teams.TENANT_ID}
    assert seen.from_property.id.startswith("29:")
