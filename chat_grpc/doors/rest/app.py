"""The REST door: a plain ASGI application that serves ChatService over HTTP/1.1 + JSON as Google maps it, onto
the same protocol-neutral core as the gRPC door (``ChatCore.serve``).

One call: route (from the descriptors' ``google.api.http`` rules) -> system parameters -> body (bounded) ->
request message -> injected fault (a delay is awaited here, on the event loop, so it holds no thread) ->
``core.serve`` on a worker thread -> JSON response, or the error as Google writes it. Mount it in-process
(``httpx.ASGITransport(app=chat.rest_app)``) or serve it on a socket (``listener.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from chat_grpc.doors.grpc import status
from chat_grpc.doors.rest import render
from chat_grpc.doors.rest.http import (
    Receive,
    Reply,
    Scope,
    Send,
    SystemParameters,
    error_reply,
    system_parameters,
)
from chat_grpc.doors.rest.media import MediaRoutes
from chat_grpc.doors.rest.routes import RouteTable, service_routes
from chat_grpc.doors.rest.transcode import build_request, clip
from chat_grpc.fake.core import BUSY, ChatCore
from chat_grpc.fake.errors import ChatError, InvalidArgument
from chat_grpc.fake.faults import Fired
from chat_grpc.fake.rpc import Media

MAX_BODY_BYTES = 10 * 1024 * 1024  # JSON request bodies (Google's frontends take about this much)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # media uploads: Google Chat's attachment size limit


@dataclass
class RestDoor:
    """One REST call as the core sees it. An injected delay was already awaited on the event loop; ``wait``
    only reports how it ended."""

    headers: Sequence[tuple[str, str | bytes]]
    ended: str | None = None
    face: str = field(default="rest", init=False)

    def metadata(self) -> Sequence[tuple[str, str | bytes]]:
        return self.headers

    def wait(self, seconds: float) -> str | None:
        return self.ended


class _Reply(Exception):
    """Answer at once with ``reply`` (raised inside the app's own steps)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.code)
        self.reply = reply


class RestApp:
    """ASGI application serving ``service`` (default: ChatService) from ``core``."""

    def __init__(
        self,
        core: ChatCore,
        *,
        service: ServiceDescriptor | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        workers: int = 16,
    ) -> None:
        if service is None:
            from google.chat.v1 import chat_service_pb2

            service = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
        self.core = core
        self.routes = RouteTable(service_routes(service))
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self.media = MediaRoutes.for_routes(self.routes)
        self.ui: Any = None  # the emulator's web UI (chat_grpc.doors.ui), when a ChatServer mounts it

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="chat-rest")
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets and the like: not served (the connection is refused by the server)
        if self.ui is not None and self.ui.handles(scope):  # GET / and /_emulator/...: the web UI's own paths
            await self.ui(scope, receive, send)
            return
        try:
            try:
                reply = await self._handle(scope, receive)
            except _Reply as raised:
                reply = raised.reply
            if isinstance(reply.body, bytes):  # media: the bytes as they are
                await _respond(send, reply.code, reply.body, reply.headers)
                return
            body = render.dumps(reply.body, pretty=reply.pretty)
            await _respond(send, reply.code, body, reply.headers, _JSON_HEADERS)
        except Exception as bug:  # never a traceback on the wire
            reply = error_reply(status.to_chat_error(bug, "REST request"))
            await _respond(
                send, reply.code, render.dumps(reply.body, pretty=True), [("content-type", render.JSON_TYPE)]
            )

    async def _handle(self, scope: Scope, receive: Receive) -> Reply:
        verb = scope["method"].upper()
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", ())]
        header_map = dict(headers)
        try:
            params = parse_qsl(query, keep_blank_values=True, strict_parsing=False, errors="strict") if query else []
        except UnicodeDecodeError:
            raise _Reply(error_reply(InvalidArgument("The query string is not valid UTF-8"))) from None
        override = header_map.get("x-http-method-override", "").upper()
        form_body = verb == "POST" and override and "x-www-form-urlencoded" in header_map.get("content-type", "")
        if verb == "POST" and override:
            verb = override

        media_call = self.media.match(verb, raw_path) if self.media is not None else None
        limit = self.max_upload_bytes if media_call is not None and media_call.upload else self.max_body_bytes
        body = await _read_body(receive, header_map, limit)
        if form_body:
            params += parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            body = b""
        try:
            system, params = system_parameters(params)
        except ChatError as error:
            raise _Reply(error_reply(error)) from None
        if system.token and "authorization" not in header_map:
            headers.append(("authorization", f"Bearer {system.token}"))

        if media_call is not None:
            return await self.media.serve(self, media_call, system, params, headers, header_map, body, receive)

        found, allowed = self.routes.find(verb, raw_path)
        if found is None:
            if allowed:
                message = f"{verb} is not allowed on {clip(raw_path)}; use {', '.join(allowed)}"
                raise _Reply(
                    Reply(405, render.plain_error(405, "UNIMPLEMENTED", message), [("allow", ", ".join(allowed))])
                )
            message = f"No method is mapped to {verb} {clip(raw_path)}"
            raise _Reply(Reply(404, render.plain_error(404, "NOT_FOUND", message)))
        route = found.route
        try:
            request = build_request(route, found.bound, params, body)
        except ChatError as error:
            raise _Reply(error_reply(error, system)) from None
        response = await self.call(route.rpc, request, headers, receive)
        return self.answer(response, system)

    async def call(
        self,
        rpc: str,
        request: Message,
        headers: Sequence[tuple[str, str | bytes]],
        receive: Receive | None,
        media: Media | None = None,
    ) -> Message | ChatError:
        """Serve one call through the core: the fault taken here (a delay awaited without a thread), then the
        core. Returns the response or the failure.

        The core runs right here on the event loop when the store's lock is free at once and nothing can block
        (no state file: no disk write): a call is then tens of microseconds of Python, cheaper than the hop to a
        worker thread and back. Otherwise (a gRPC call holds the store, or ``--state`` will fsync) it runs on a
        worker thread, so the event loop never waits and other connections go on being served."""
        core = self.core
        fired = core.take_fault(rpc)
        door = RestDoor(headers)
        if fired is not None and fired.kind == "delay":
            door.ended = await _delay(fired, receive)
        try:
            answered: Message = core.serve_if_free(rpc, request, door, media, fired=fired)
            if answered is not BUSY:
                return answered
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, _serve, core, rpc, request, door, media, fired)
        except ChatError as error:
            return error
        except Exception as bug:
            return status.to_chat_error(bug, rpc)

    def answer(self, response: Message | ChatError, system: SystemParameters) -> Reply:
        if isinstance(response, ChatError):
            return error_reply(response, system)
        if system.fields is None and system.alt != "proto":  # the whole answer, as JSON: kept by its bytes
            written = render.answer_json(response, enums_as_ints=system.enums_as_ints, pretty=system.pretty)
            return Reply(200, written, [("content-type", render.JSON_TYPE)])
        body: Any = render.to_json(response, enums_as_ints=system.enums_as_ints)
        if system.fields is not None:
            body = render.select(body, system.fields)
        if system.alt == "proto":  # the response message in the binary wire format, cut like the JSON
            if system.fields is not None:
                response = render.from_json(body, type(response))
            return Reply(200, response.SerializeToString(), [("content-type", render.PROTO_TYPE)])
        return Reply(200, body, pretty=system.pretty)


def _serve(core: ChatCore, rpc: str, request: Message, door: RestDoor, media: Media | None, fired: Fired | None) -> Any:
    return core.serve(rpc, request, door, media, fired=fired)


async def _delay(fired: Fired, receive: Receive | None) -> str | None:
    """Wait out an injected delay; CANCELLED when the client disconnects meanwhile."""
    seconds = fired.rule.seconds or 0.0
    if receive is None:
        await asyncio.sleep(seconds)
        return None
    sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
    listener = asyncio.ensure_future(_disconnected(receive))
    done, _ = await asyncio.wait({sleeper, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in (sleeper, listener):
        task.cancel()
    return "CANCELLED" if listener in done and sleeper not in done else None


async def _disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    declared = headers.get("content-length")
    if declared is not None:
        # ASCII digits only, and few enough for int(): "²" passes isdigit(), and int() refuses 4,300+ digits (a
        # 500 through an in-process ASGI mount; uvicorn's parser refuses both before the app sees them).
        if not (declared.isascii() and declared.isdigit() and len(declared) <= 30):
            raise _Reply(Reply(400, render.plain_error(400, "INVALID_ARGUMENT", "Content-Length is not a number")))
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Reply(Reply(499, render.plain_error(499, "CANCELLED", "the client went away")))
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large(limit: int) -> _Reply:
    message = f"The request body is larger than the limit of {limit} bytes"
    return _Reply(Reply(413, render.plain_error(413, "INVALID_ARGUMENT", message), [("connection", "close")]))


_JSON_HEADERS = ((b"content-type", render.JSON_TYPE.encode("latin-1")),)


async def _respond(
    send: Send, code: int, body: bytes, headers: Sequence[tuple[str, str]], first: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """The response: the ``first`` headers (already bytes), ``headers``, its content-length, its body."""
    raw = [*first, *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers)]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
