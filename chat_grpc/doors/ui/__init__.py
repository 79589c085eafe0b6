"""The emulator's web UI: a single page (plain HTML, CSS and JavaScript shipped in this package) served on the
REST port at ``/``, showing the fake workspace as Chat shows it — spaces, members, threads, formatted text,
reactions, attachments, Cards v2 — and the call journal, injected faults and the clock, updated live.

The page reads a small JSON API of its own under ``/_emulator/`` (``snapshot.py``); it is read-only, except
that it may advance the clock *when the control service is on* (``ChatServer(control=True)``, the emulator's
default), through the control service's own method and rules. Like the control service, it is a test-only
door with no authentication: never expose the port beyond your machine.

| path | answers |
|---|---|
| ``GET /`` | the page |
| ``GET /_emulator/static/{app.js,style.css}`` | its script and style |
| ``GET /_emulator/api/overview`` | clock, people, spaces with members, faults, the latest calls |
| ``GET /_emulator/api/spaces/{id}/messages`` | a space's latest messages by thread, as the API's JSON |
| ``GET /_emulator/api/calls/{seq}`` | one journal entry (request JSON, redacted metadata, outcome) |
| ``GET /_emulator/emoji/{uid}`` | a custom emoji's image |
| ``GET /_emulator/media/{resource name}`` | an attachment's bytes, when the store keeps them |
| ``POST /_emulator/api/control/AdvanceClock`` | ``{"seconds": n}``, only with the control service on |
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chat_grpc.doors.ui import snapshot

if TYPE_CHECKING:
    from chat_grpc.doors.emulator import Emulator

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

PREFIX = "/_emulator/"
STATIC = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
# Control methods the page may call (through the control service's rules), only when the service is on.
WRITABLE = frozenset({"AdvanceClock"})
MAX_BODY = 4096
# The page loads nothing but itself; images in cards may come from anywhere (as in Chat), scripts never.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
SECURITY_HEADERS = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
]


def _asset(name: str) -> bytes:
    return resources.files("chat_grpc.doors.ui").joinpath("static", name).read_bytes()


class EmulatorUi:
    """The UI's ASGI app for one emulator (mounted by its RestApp: ``handles`` tells which paths)."""

    def __init__(self, server: Emulator) -> None:
        self.server = server

    @staticmethod
    def handles(scope: Scope) -> bool:
        path: str = scope.get("path", "")
        return path == "/" or path.startswith(PREFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"].upper()
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        try:
            if method == "POST" and path.startswith(PREFIX + "api/control/"):
                body = await _read_body(receive)
                code, payload = await self._control(path.removeprefix(PREFIX + "api/control/"), headers, body)
                await _send_json(send, code, payload)
                return
            if method not in ("GET", "HEAD"):
                await _send_json(send, 405, _error(405, f"{method} is not allowed here; the UI is read-only"))
                return
            await self._get(path, send)
        except Exception as bug:  # never a traceback on the wire
            await _send_json(send, 500, _error(500, f"internal error in the emulator UI: {type(bug).__name__}"))

    async def _get(self, path: str, send: Send) -> None:
        server = self.server
        if path == "/":
            await _send(send, 200, _asset("index.html"), "text/html; charset=utf-8")
            return
        rest = path.removeprefix(PREFIX)
        if rest.startswith("static/") and rest.removeprefix("static/") in STATIC:
            name = rest.removeprefix("static/")
            await _send(send, 200, _asset(name), STATIC[name])
            return
        if rest == "api/overview":
            await _send_json(send, 200, await _off_loop(snapshot.overview, server))
            return
        parts = rest.split("/")
        if len(parts) == 5 and parts[:2] == ["api", "spaces"] and parts[3] == "messages" and parts[4] == "":
            parts = parts[:4]
        if len(parts) == 4 and parts[:2] == ["api", "spaces"] and parts[3] == "messages":
            found = await _off_loop(snapshot.space_messages, server, unquote(parts[2]))
            await _answer(send, found, "no such space")
            return
        if len(parts) == 3 and parts[:2] == ["api", "calls"] and parts[2].isdigit():
            await _answer(send, await _off_loop(snapshot.call_detail, server, int(parts[2])), "no such call kept")
            return
        if len(parts) == 2 and parts[0] == "emoji":
            image = await _off_loop(snapshot.custom_emoji_image, server, unquote(parts[1]))
            await (_send(send, 200, *image) if image else _send_json(send, 404, _error(404, "no such emoji")))
            return
        if rest.startswith("media/"):
            media = await _off_loop(snapshot.attachment_media, server, unquote(rest.removeprefix("media/")))
            if media is None:
                await _send_json(send, 404, _error(404, "no media kept for this attachment"))
            else:
                data, content_type = media
                await _send(send, 200, data, content_type, [("content-disposition", "attachment")])
            return
        await _send_json(send, 404, _error(404, f"nothing at {path[:200]}"))

    async def _control(self, method: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """A control method, with the control service's rules: only when it is on, only the listed methods,
        only as JSON from this page's origin (a form on another site cannot post JSON without CORS, which is
        never granted)."""
        from chat_grpc.doors.grpc.control import _METHODS, ControlError

        if not self.server.control:
            return 403, _error(403, "the control service is off (--no-control): the UI is read-only")
        if method not in WRITABLE:
            return 404, _error(404, f"the UI does not call {method[:80]}")
        if not headers.get("content-type", "").startswith("application/json"):
            return 415, _error(415, "send application/json")
        origin, host = headers.get("origin"), headers.get("host", "")
        if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            return 403, _error(403, "cross-origin request refused")
        try:
            payload = json.loads(body.decode() or "{}")
            if not isinstance(payload, dict):
                raise ControlError("the request must be a JSON object")
            return 200, await _off_loop(_METHODS[method], self.server, payload)
        except (ControlError, ValueError, TypeError, KeyError, LookupError) as error:
            return 400, _error(400, f"{method}: {error}")


async def _off_loop(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def _answer(send: Send, found: Any, missing: str) -> None:
    await (_send_json(send, 200, found) if found is not None else _send_json(send, 404, _error(404, missing)))


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return b"{]"  # answered as a bad request
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_json(send: Send, code: int, payload: Any) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await _send(send, code, body, "application/json; charset=utf-8")


async def _send(
    send: Send, code: int, body: bytes, content_type: str, extra: list[tuple[str, str]] | None = None
) -> None:
    headers = [("content-type", content_type), *SECURITY_HEADERS, *(extra or [])]
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": body})


_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    415: "INVALID_ARGUMENT",
}


def _error(code: int, message: str) -> dict[str, Any]:
    """An error shaped as the REST door's (Google's): ``{"error": {"code", "message", "status"}}``."""
    return {"error": {"code": code, "message": message, "status": _STATUS.get(code, "INTERNAL")}}
