"""A local mock of the Slack Web API that records, validates and can fail every call."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSON_FIELDS = ("blocks", "view", "attachments", "metadata")
TEAM = {"id": "T0001", "name": "Acme", "domain": "acme", "email_domain": "acme.example"}
BOT = {"user_id": "UBOT", "bot_id": "B0001", "app_id": "A0001", "user": "porte-voix"}
AUTH_TEST = {"ok": True, "url": "https://acme.slack.com/", "team": TEAM["name"],
             "team_id": TEAM["id"], "is_enterprise_install": False, **BOT}

Payload = dict[str, Any]


@dataclass
class Call:
    """One request received by the mock; `problems` says why it was refused as invalid."""

    method: str
    params: dict[str, Any]
    auth_ok: bool
    valid: bool = True
    problems: list[str] = field(default_factory=list)
    injected: bool = False
    http_method: str = "POST"
    content_type: str = ""


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str | None
    retry_after: int | None


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def block_problems(blocks: Any, max_blocks: int = 50) -> list[str]:
    """Checks Block Kit blocks with slack_sdk's models, as Slack would refuse them."""
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    problems = [f"{len(blocks)} blocks, at most {max_blocks}"] if len(blocks) > max_blocks else []
    seen: set[str] = set()
    for i, raw in enumerate(blocks):
        if not isinstance(raw, dict):
            problems.append(f"blocks[{i}] is not an object")
            continue
        block_id = raw.get("block_id")
        if block_id in seen:
            problems.append(f"blocks[{i}]: duplicate block_id {block_id!r}")
        if isinstance(block_id, str):
            seen.add(block_id)
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"blocks[{i}]: unknown block type {raw.get('type')!r}")
            else:
                parsed.validate_json()
        except Exception as exc:  # slack_sdk raises several error types
            problems.append(f"blocks[{i}] ({raw.get('type')}): {exc}")
    return problems


def view_problems(view: Any) -> list[str]:
    """Checks a modal or Home tab view: slack_sdk's validators, title and metadata sizes."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    title = view.get("title")
    title_text = title.get("text", "") if isinstance(title, dict) else title or ""
    problems = []
    if view.get("type") == "modal" and not title_text:
        problems.append("a modal needs a title")
    if len(title_text) > 24:
        problems.append(f"title is {len(title_text)} chars, at most 24")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append("private_metadata exceeds 3000 chars")
    blocks = view.get("blocks", [])
    if (view.get("type") == "modal" and not view.get("submit")
            and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks or [])):
        problems.append("a modal with input blocks needs a submit button")
    problems += block_problems(blocks, max_blocks=100)
    if not problems:  # slack_sdk's own validators stop at the first failure
        try:
            View(**view).validate_json()
        except Exception as exc:
            problems.append(f"view: {exc}")
    return problems


class MockSlack:
    """The Slack Web API on 127.0.0.1 at `base_url`; use it as `async with MockSlack() as s`."""

    def __init__(self, token: str = "xoxb-test", app_token: str = "xapp-test") -> None:
        self.token = token
        self.app_token = app_token
        self.socket_acks: list[Payload] = []
        self._sockets: list[web.WebSocketResponse] = []
        self.calls: list[Call] = []
        self.users: dict[str, Payload] = {}
        self.views: dict[str, Payload] = {}
        self.rooms: dict[str, tuple[str, list[str]]] = {}  # channel id -> (name, members)
        self.base_url = ""
        self._channels: dict[str, list[Payload]] = defaultdict(list)
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._serial = 0
        # Files: id -> {"filename", "length", "content" (once uploaded), "title", "channel"}.
        self.files: dict[str, Payload] = {}
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[Call], Payload]] = {
            "api.test": lambda call: {"ok": True, "args": call.params},
            "auth.test": lambda call: dict(AUTH_TEST),
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._view,
            "views.update": self._view,
            "views.publish": self._view,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._history,
            "team.info": lambda call: {"ok": True, "team": dict(TEAM)},
            "conversations.info": self._conversation_info,
            "conversations.members": self._conversation_members,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": lambda call: {
                "ok": True, "url": self.base_url.replace("http", "ws", 1) + "link"},
        }

    async def start(self) -> MockSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/api/link", self._link)
        app.router.add_post("/upload/{file_id}", self._receive_file)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/api/"
        return self

    @property
    def response_url(self) -> str:
        """A slash command's response_url, answered here and recorded as 'response_url'."""
        return self.base_url.replace("/api/", "/respond/") + "cmd"

    async def _respond(self, request: web.Request) -> web.Response:
        params = await request.json()
        problems = block_problems(params.get("blocks") or []) if params.get("blocks") else []
        self.calls.append(Call("response_url", params, True, not problems, problems))
        return web.Response(text="ok")

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({
            "type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"},
            "debug_info": {"host": "mock", "approximate_connection_time": 3600}})
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(frame.data))
        self._sockets.remove(socket)
        return socket

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def socket_send(self, kind: str, payload: Payload, envelope_id: str) -> None:
        """Push an envelope (events_api, slash_commands, interactive) to connected apps."""
        for socket in list(self._sockets):
            await socket.send_json({"envelope_id": envelope_id, "type": kind,
                                    "payload": payload, "accepts_response_payload": False,
                                    "retry_attempt": 0, "retry_reason": ""})

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        self._closing.set()  # wakes delayed handlers so shutdown never waits on them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MockSlack:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def add_user(self, id: str, name: str, real_name: str = "", *, tz: str = "Europe/Paris",
                 locale: str = "fr-FR", email: str | None = None, is_bot: bool = False,
                 deleted: bool = False, title: str = "") -> Payload:
        """Registers a user that users.info will describe; Slack always sends profile.title,
        "" when the person set none."""
        offset = ZoneInfo(tz).utcoffset(datetime.now(UTC))
        user = {"id": id, "team_id": TEAM["id"], "name": name, "real_name": real_name or name,
                "tz": tz, "tz_label": tz, "tz_offset": int(offset.total_seconds()) if offset else 0,
                "locale": locale, "deleted": deleted, "is_bot": is_bot, "is_admin": False,
                "profile": {"real_name": real_name or name, "display_name": name, "title": title,
                            "email": email or f"{name}@{TEAM['email_domain']}"}}
        self.users[id] = user
        return user

    def fail_next(self, method: str, *, status: int = 200, error: str | None = None,
                  retry_after: int | None = None, times: int = 1) -> None:
        """Makes the next `times` calls to `method` fail with this status or Slack error."""
        self._faults[method].extend(_Fault(status, error, retry_after) for _ in range(times))

    def delay(self, method: str, seconds: float) -> None:
        """Makes every later call to `method` wait `seconds` before answering."""
        self._delays[method] = seconds

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def count(self, method: str) -> int:
        return len(self.calls_to(method))

    def problems(self) -> list[str]:
        """Every validation problem seen so far, as 'method: problem'."""
        return [f"{call.method}: {p}" for call in self.calls for p in call.problems]

    def dm_channel(self, user_id: str) -> str:
        """The stable DM channel id of a user (U123 → D123); other ids pass through."""
        return "D" + user_id[1:] if user_id[:1] in ("U", "W") else user_id

    def messages(self, channel_or_user_id: str) -> list[Payload]:
        """Messages posted in a channel (or a user's DM), oldest first, updated in place."""
        return list(self._channels.get(self.dm_channel(channel_or_user_id), []))

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                with contextlib.suppress(ValueError):  # a bad body shows as missing params
                    body = await request.json()
                    params.update(body if isinstance(body, dict) else {})
            else:
                params.update(await request.post())
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):  # else left as a string for the validators
                    params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.pop(
            "token", None)
        # apps.connections.open takes the app-level token, everything else the bot token.
        expected = self.app_token if method == "apps.connections.open" else self.token
        call = Call(method, params, token == expected, http_method=request.method,
                    content_type=request.content_type)
        self.calls.append(call)
        if method in self._delays:
            with contextlib.suppress(TimeoutError):  # close() cuts the wait short
                await asyncio.wait_for(self._closing.wait(), self._delays[method])
        if not call.auth_ok:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self._faults[method]:
            call.injected = True
            return self._fault_response(self._faults[method].popleft())
        handler = self._handlers.get(method)
        if handler is None:
            call.valid = False
            call.problems.append("method not implemented by MockSlack")
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(call))

    @staticmethod
    def _fault_response(fault: _Fault) -> web.Response:
        if fault.status == 429:
            retry_after = str(1 if fault.retry_after is None else fault.retry_after)
            return web.json_response({"ok": False, "error": fault.error or "ratelimited"},
                                     status=429, headers={"Retry-After": retry_after})
        if fault.status >= 500:
            return web.Response(status=fault.status, text=fault.error or "Internal Server Error")
        return web.json_response({"ok": False, "error": fault.error or "internal_error"},
                                 status=fault.status)

    @staticmethod
    def _invalid(call: Call, problems: list[str], error: str = "invalid_blocks") -> Payload:
        call.valid = False
        call.problems.extend(problems)
        return {"ok": False, "error": error, "response_metadata": {"messages": problems}}

    def _next_ts(self) -> str:
        self._serial += 1
        micros = 1_700_000_000_000_000 + self._serial * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _message_problems(self, call: Call) -> list[str]:
        problems = []
        if "blocks" in call.params:
            problems += block_problems(call.params["blocks"])
        if not call.params.get("text"):
            problems.append("a top-level text fallback is required")
        return problems

    def _post_message(self, call: Call) -> Payload:
        channel = str(call.params.get("channel") or "")
        if not channel:
            return self._invalid(call, ["channel is required"], "channel_not_found")
        if not (call.params.get("text") or call.params.get("blocks")
                or call.params.get("attachments")):
            return self._invalid(call, ["no text, blocks or attachments"], "no_text")
        if problems := self._message_problems(call):
            return self._invalid(call, problems)
        channel = self.dm_channel(channel)
        message = {"type": "message", "user": BOT["user_id"], "bot_id": BOT["bot_id"],
                   "app_id": BOT["app_id"], "team": TEAM["id"], "ts": self._next_ts(),
                   "text": call.params.get("text", "")}
        for key in ("blocks", "metadata", "attachments", "thread_ts"):
            if key in call.params:
                message[key] = call.params[key]
        self._channels[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def _update(self, call: Call) -> Payload:
        channel, ts = str(call.params.get("channel", "")), str(call.params.get("ts", ""))
        if channel[:1] in ("U", "W"):  # Slack wants the D… id, not the user id
            return self._invalid(call, ["chat.update needs a channel id"], "channel_not_found")
        found = [m for m in self._channels.get(channel, []) if m["ts"] == ts]
        if not found:
            return {"ok": False, "error": "message_not_found"}
        if problems := self._message_problems(call):
            return self._invalid(call, problems)
        message = found[0]
        for key in ("text", "blocks", "metadata", "attachments"):
            if key in call.params:
                message[key] = call.params[key]
        message["edited"] = {"user": BOT["user_id"], "ts": self._next_ts()}
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"],
                "message": dict(message)}

    def _post_ephemeral(self, call: Call) -> Payload:
        if not call.params.get("channel") or not call.params.get("user"):
            return self._invalid(call, ["channel and user are required"], "invalid_arguments")
        if problems := self._message_problems(call):
            return self._invalid(call, problems)
        return {"ok": True, "message_ts": self._next_ts()}

    def _view(self, call: Call) -> Payload:
        view = call.params.get("view")
        if view is None:
            return self._invalid(call, ["view is required"], "invalid_arguments")
        expected = {"views.open": "modal", "views.publish": "home"}.get(call.method)
        problems = view_problems(view)
        if expected and isinstance(view, dict) and view.get("type") != expected:
            problems.append(f"{call.method} needs a view of type {expected}")
        if call.method == "views.open" and not call.params.get("trigger_id"):
            problems.append("views.open needs a trigger_id")
        if call.method == "views.publish" and not call.params.get("user_id"):
            problems.append("views.publish needs a user_id")
        if problems:
            return self._invalid(call, problems)
        view_id = str(call.params.get("view_id") or "")
        if call.method == "views.update" and view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        view_id = view_id or f"V{len(self.views) + 1:08d}"
        stored = {"id": view_id, "team_id": TEAM["id"], "type": view.get("type"), "blocks": [],
                  "private_metadata": "", "callback_id": "", "state": {"values": {}},
                  "hash": f"1700000000.{view_id}", "root_view_id": view_id,
                  "app_id": BOT["app_id"], "bot_id": BOT["bot_id"], "external_id": "",
                  "previous_view_id": None, "clear_on_close": False, "notify_on_close": False,
                  **view}
        self.views[view_id] = stored
        return {"ok": True, "view": dict(stored)}

    def _users_info(self, call: Call) -> Payload:
        user = self.users.get(str(call.params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        shown = {k: v for k, v in user.items() if k != "locale"}
        if _truthy(call.params.get("include_locale")):
            shown["locale"] = user["locale"]
        return {"ok": True, "user": json.loads(json.dumps(shown))}

    def add_channel(self, channel_id: str, name: str, members: list[str]) -> None:
        self.rooms[channel_id] = (name, members)

    def _conversation_info(self, call: Call) -> Payload:
        room = self.rooms.get(str(call.params.get("channel", "")))
        if room is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": call.params["channel"], "name": room[0],
                                        "is_channel": True, "is_member": True}}

    def _conversation_members(self, call: Call) -> Payload:
        room = self.rooms.get(str(call.params.get("channel", "")))
        if room is None:
            return {"ok": False, "error": "channel_not_found"}
        start = int(call.params.get("cursor") or 0)
        end = start + int(call.params.get("limit") or 100)
        return {"ok": True, "members": room[1][start:end],
                "response_metadata": {"next_cursor": str(end) if end < len(room[1]) else ""}}

    def _conversations_open(self, call: Call) -> Payload:
        ids = [u for u in str(call.params.get("users") or "").split(",") if u]
        if len(ids) != 1:  # group DMs are not needed by Porte-Voix
            return self._invalid(call, ["users must name one user"], "users_list_not_supplied")
        channel = self.dm_channel(ids[0])
        return {"ok": True, "no_op": channel in self._channels, "already_open": False,
                "channel": {"id": channel}}

    def _history(self, call: Call) -> Payload:
        channel = str(call.params.get("channel", ""))
        if channel[:1] in ("U", "W") or not channel:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(call.params.get("limit") or 100)
        with_metadata = _truthy(call.params.get("include_all_metadata"))
        messages = [{k: v for k, v in m.items() if with_metadata or k != "metadata"}
                    for m in reversed(self._channels.get(channel, []))]
        return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit,
                "pin_count": 0, "response_metadata": {"next_cursor": ""}}

    def _upload_url(self, call: Call) -> Payload:
        """Step 1 of an upload: an URL to POST the bytes to, for a declared length."""
        filename, length = call.params.get("filename"), str(call.params.get("length") or "")
        if not filename or not length.isdecimal() or int(length) < 1:
            return self._invalid(call, ["filename and a positive length are required"],
                                 "invalid_arguments")
        file_id = f"F{len(self.files) + 1:08d}"
        self.files[file_id] = {"filename": filename, "length": int(length)}
        return {"ok": True, "file_id": file_id,
                "upload_url": self.base_url.replace("/api/", "/upload/") + file_id}

    async def _receive_file(self, request: web.Request) -> web.Response:
        """Step 2: the bytes, unauthenticated, as Slack's upload host takes them."""
        found = self.files.get(request.match_info["file_id"])
        body = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}, True,
                               content_type=request.content_type))
        if found is None:
            return web.Response(status=404, text="not found")
        if len(body) != found["length"]:
            return web.Response(status=400, text="length does not match")
        found["content"] = body
        return web.Response(text=f"OK - {len(body)}")

    def _complete_upload(self, call: Call) -> Payload:
        """Step 3: share the uploaded files in a conversation (a channel id, not a user's)."""
        try:
            files = json.loads(str(call.params.get("files") or ""))
        except ValueError:
            files = None
        if not isinstance(files, list) or not files:
            return self._invalid(call, ["files must be a JSON list"], "invalid_arguments")
        channel = str(call.params.get("channel_id") or "")
        if channel[:1] in ("U", "W"):
            return self._invalid(call, ["channel_id must be a conversation id"],
                                 "invalid_channel")
        shared = []
        for item in files:
            found = self.files.get(str(item.get("id")))
            if found is None or "content" not in found:
                return {"ok": False, "error": "file_not_found"}
            found.update(title=item.get("title") or found["filename"], channel=channel)
            shared.append({"id": item["id"], "name": found["filename"],
                           "title": found["title"]})
        if channel:
            self._channels[channel].append({
                "type": "message", "user": BOT["user_id"], "ts": self._next_ts(),
                "text": call.params.get("initial_comment") or "", "files": shared,
                "upload": True})
        return {"ok": True, "files": shared}
