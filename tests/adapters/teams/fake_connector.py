"""A fake Bot Framework Connector (the Teams side the bot calls back): records, checks, fails."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

SCHEMA_PATH = Path("/work/shared/schemas/adaptive-card-1.5.json")
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_CARD_VERSION = (1, 5)
DEFAULT_TENANT = "tenant-0001"
# Codes the real service puts in {"error": {"code": ..., "message": ...}}.
ERROR_CODES = {400: "BadArgument", 401: "Unauthorized", 403: "BotNotInConversationRoster",
               404: "ConversationNotFound", 429: "Throttled", 500: "InternalServerError",
               502: "BadGateway", 503: "ServiceUnavailable"}
_ACTIVITIES = re.compile(r"^/v3/conversations/(?P<cid>[^/]+)/activities(?:/(?P<aid>[^/]+))?$")
_MEMBERS = re.compile(r"^/v3/conversations/(?P<cid>[^/]+)/(?P<kind>members|pagedmembers)"
                      r"(?:/(?P<mid>[^/]+))?$")

Json = dict[str, Any]


@dataclass(frozen=True)
class ConnectorCall:
    """One request the bot made: method, decoded path, parsed JSON body (or None), headers."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class _Rule:
    method: str
    prefix: str
    times: int | None  # None: forever
    status: int = 0
    retry_after: float | str | None = None
    code: str | None = None
    message: str | None = None
    seconds: float = 0.0

    def take(self, call: ConnectorCall) -> bool:
        if self.times == 0 or call.method != self.method or not call.path.startswith(self.prefix):
            return False
        if self.times is not None:
            self.times -= 1
        return True


def _error(status: int, code: str, message: str, retry_after: float | str | None = None
           ) -> web.Response:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers=headers)


def _version_ok(version: Any) -> bool:
    if not isinstance(version, str) or not re.fullmatch(r"\d+(\.\d+)*", version):
        return False
    return tuple(int(part) for part in version.split(".")) <= MAX_CARD_VERSION


@cache
def _schema_tools(path: str) -> tuple[Any, frozenset[str]] | None:
    """The Adaptive Card 1.5 validator and every element/action type the schema knows."""
    try:
        from jsonschema.validators import validator_for
    except ImportError:  # pragma: no cover - validation is a bonus, not a requirement
        return None
    if not Path(path).exists():
        return None
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    types = {t for d in schema["definitions"].values() if isinstance(d, dict)
             for t in d.get("properties", {}).get("type", {}).get("enum", [])}
    return validator_for(schema)(schema), frozenset(types)


def _unknown_types(node: Any, known: frozenset[str], where: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind not in known:
            found.append(f"unknown type {kind!r} at {where}")
        for key, value in node.items():
            if key != "data":  # Action data is free-form: its "type" keys are the bot's own
                found += _unknown_types(value, known, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _unknown_types(value, known, f"{where}[{i}]")
    return found


def _explain(error: Any) -> Any:
    """Descend anyOf errors into the one branch whose element type matched, for a clear message."""
    from jsonschema.exceptions import best_match

    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [errs for errs in branches.values() if not any(
            e.validator == "enum" and list(e.relative_path)[-1:] == ["type"] for e in errs)]
        if len(fitting) != 1:
            break
        error = best_match(fitting[0])
    return error


class FakeConnector:
    """A Bot Framework Connector on 127.0.0.1 for tests; use as `async with FakeConnector() as c`.

    Activities a bot sends must carry `serviceUrl = c.service_url`. Every request lands in
    `calls`; deliveries that succeeded are in `sent()`/`updated()`/`created()`; anything odd
    (unknown route, missing token, invalid Adaptive Card) is in `problems()`.
    """

    def __init__(self, *, require_token: bool = False, schema_path: Path = SCHEMA_PATH) -> None:
        self.require_token = require_token
        self.schema_path = schema_path
        self.calls: list[ConnectorCall] = []
        self.peak_concurrency = 0
        self._in_flight = 0
        self._ids = itertools.count(1_764_496_800_000)  # Teams activity ids look like epoch ms
        self._sent: list[tuple[str, Json]] = []
        self._updated: list[tuple[str, str, Json]] = []
        self._created: list[Json] = []
        self._problems: list[str] = []
        self._faults: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._rosters: dict[str, list[Json]] = {}
        self._personal: dict[tuple[str, str], str] = {}
        self._runner: web.AppRunner | None = None
        self.service_url = ""

    async def __aenter__(self) -> FakeConnector:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.service_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_member(self, conversation_id: str, id: str, name: str,
                   aad_object_id: str | None = None, email: str | None = None,
                    user_principal_name: str | None = None, tenant_id: str = DEFAULT_TENANT,
                   **extra: str) -> Json:
        """Put a member (TeamsChannelAccount shape; `extra` e.g. givenName) on a roster."""
        member = {"id": id, "name": name, "aadObjectId": aad_object_id, "email": email,
                  "userPrincipalName": user_principal_name or email, "tenantId": tenant_id,
                  "userRole": "user"} | extra
        member = {k: v for k, v in member.items() if v is not None}
        self._rosters.setdefault(conversation_id, []).append(member)
        return member

    def fail_next(self, method: str, path_prefix: str, *, status: int,
                  retry_after: float | str | None = None, times: int = 1,
                  code: str | None = None, message: str | None = None) -> None:
        """Answer the next `times` matching requests with an error (and Retry-After if given)."""
        self._faults.append(_Rule(method.upper(), path_prefix, times, status, retry_after,
                                  code or ERROR_CODES.get(status, "Error"),
                                  message or f"injected {status}"))

    def delay(self, method: str, path_prefix: str, seconds: float, *,
              times: int | None = None) -> None:
        """Hold matching requests for `seconds` before answering (`times=None`: always)."""
        self._delays.append(_Rule(method.upper(), path_prefix, times, seconds=seconds))

    def sent(self) -> list[tuple[str, Json]]:
        """(conversation id, activity) for each delivered POST, new message, reply or creation."""
        return list(self._sent)

    def updated(self) -> list[tuple[str, str, Json]]:
        return list(self._updated)

    def created(self) -> list[Json]:
        return list(self._created)

    def count(self, method: str, path_prefix: str = "/") -> int:
        return sum(1 for c in self.calls
                   if c.method == method.upper() and c.path.startswith(path_prefix))

    def problems(self) -> list[str]:
        return list(self._problems)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw, body = await request.read(), None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._problems.append(f"{request.method} {request.path}: body is not JSON")
        call = ConnectorCall(request.method, request.path, body, dict(request.headers),
                             dict(request.query))
        self.calls.append(call)
        self._in_flight += 1
        self.peak_concurrency = max(self.peak_concurrency, self._in_flight)
        try:
            for rule in self._delays:
                if rule.take(call):
                    await asyncio.sleep(rule.seconds)
            if self.require_token and not request.headers.get("Authorization", "").startswith(
                    "Bearer "):
                self._problems.append(f"{call.method} {call.path}: no bearer token")
                return web.json_response(
                    {"message": "Authorization has been denied for this request."}, status=401)
            for rule in self._faults:
                if rule.take(call):
                    return _error(rule.status, rule.code or "Error", rule.message or "",
                                  rule.retry_after)
            return self._route(call)
        finally:
            self._in_flight -= 1

    def _route(self, call: ConnectorCall) -> web.Response:
        method, path, body = call.method, call.path, call.body
        if method == "POST" and path.rstrip("/") == "/v3/conversations":
            return self._create(body)
        if match := _ACTIVITIES.match(path):
            cid, aid = match["cid"], match["aid"]
            if method == "POST":
                self._check_activity(f"{method} {path}", body)
                new_id = str(next(self._ids))  # kept on the record: tests reply to it
                self._sent.append((cid, {**body, "id": new_id}))
                return web.json_response({"id": new_id})
            if method == "PUT" and aid:
                self._check_activity(f"{method} {path}", body)
                self._updated.append((cid, aid, body))
                return web.json_response({"id": aid})
            if method == "DELETE" and aid:  # see count("DELETE")
                return web.Response(status=200)
        if method == "GET" and (match := _MEMBERS.match(path)):
            return self._members(match["cid"], match["kind"], match["mid"], call.query)
        self._problems.append(f"unexpected call {method} {path}")
        return _error(404, "NotFound", f"The fake connector has no route for {method} {path}")

    def _create(self, body: Any) -> web.Response:
        if not isinstance(body, dict):
            self._problems.append("POST /v3/conversations: no JSON body")
            return _error(400, "BadSyntax", "Missing conversation parameters")
        self._created.append(body)
        channel_data = body.get("channelData") or {}
        # botbuilder-python writes "tenantID"; the REST docs say "tenantId"; Teams takes both.
        tenant = (body.get("tenantId") or body.get("tenantID")
                  or (channel_data.get("tenant") or {}).get("id"))
        channel = (channel_data.get("channel") or {}).get("id")
        members = body.get("members") or []
        answer: Json = {"serviceUrl": self.service_url}
        if channel:  # a new thread in a Teams channel
            answer["activityId"] = aid = str(next(self._ids))
            answer["id"] = cid = f"{channel};messageid={aid}"
        elif not tenant or len(members) != 1 or body.get("isGroup"):
            self._problems.append(f"POST /v3/conversations: cannot create a 1:1 from {body}")
            return _error(400, "BadArgument", "A 1:1 needs one member and the tenant id")
        else:  # Teams answers the same id each time for the same user
            key = (tenant, members[0].get("id", ""))
            cid = self._personal.setdefault(key, f"a:new-personal-{len(self._personal) + 1}")
            answer["id"] = cid
            known = [m for r in self._rosters.values() for m in r if m["id"] == key[1]]
            self._rosters.setdefault(cid, known[:1] or [members[0]])
        if isinstance(body.get("activity"), dict):
            self._check_activity("POST /v3/conversations", body["activity"])
            answer.setdefault("activityId", str(next(self._ids)))
            self._sent.append((cid, body["activity"]))
        return web.json_response(answer)

    def _members(self, cid: str, kind: str, mid: str | None, query: dict[str, str]
                 ) -> web.Response:
        roster = self._rosters.get(cid.split(";")[0])  # a channel thread: its channel's roster
        if roster is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        if mid is not None:
            found = [m for m in roster if mid in (m["id"], m.get("aadObjectId"))]
            if not found:
                return _error(404, "MemberNotFoundInConversation", "The member was not found.")
            return web.json_response(found[0])
        if kind == "members":
            return web.json_response(roster)
        start = int(query.get("continuationToken") or 0)
        size = int(query.get("pageSize") or 200)
        page: Json = {"members": roster[start:start + size]}
        if start + size < len(roster):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)

    def _check_activity(self, where: str, activity: Any) -> None:
        if not isinstance(activity, dict) or not activity.get("type"):
            self._problems.append(f"{where}: not an activity: {activity!r}")
            return
        for i, attachment in enumerate(activity.get("attachments") or []):
            if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
                self._check_card(f"{where} attachment {i}", attachment.get("content"))

    def _check_card(self, where: str, card: Any) -> None:
        if not isinstance(card, dict):
            self._problems.append(f"{where}: card content is not an object")
            return
        if card.get("type") != "AdaptiveCard":
            self._problems.append(f"{where}: card type {card.get('type')!r} is not AdaptiveCard")
        if not _version_ok(card.get("version")):
            self._problems.append(f"{where}: card version {card.get('version')!r} is not <= 1.5")
        if (tools := _schema_tools(str(self.schema_path))) is None:
            return
        validator, known = tools
        # "msteams" (width, mention entities) is Teams' host extension, outside the 1.5 schema.
        card = {k: v for k, v in card.items() if k != "msteams"}
        unknown = _unknown_types(card, known)
        self._problems += [f"{where}: {text}" for text in unknown]
        if not unknown:
            self._problems += [f"{where}: {e.json_path}: {e.message}" for e in
                               (_explain(err) for err in validator.iter_errors(card))]
