"""The reference servicer on a gRPC server of its own, behind :class:`Wire`: a server interceptor that records
what arrives and injects faults. Used by test_every_rpc.py (plaintext loopback) and test_tls.py (TLS).

:func:`serve_rest` is the same Wire in front of a ``ChatServer``'s REST door: an ASGI middleware on a listener of
its own that records each call (the request message as the door builds it, the HTTP headers as metadata) and
answers the scripted faults as Google's JSON errors, before the door runs or after it (the answer lost)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2_grpc
from google.protobuf import any_pb2, duration_pb2, json_format
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class Fault:
    """A status the wire answers instead of the servicer's: before it runs, or ``after`` it ran (answer lost)."""

    code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    after: bool = False
    retry_delay: float | None = None
    """Seconds, sent as google.rpc.RetryInfo."""

    def status(self) -> status_pb2.Status:
        details = []
        if self.retry_delay is not None:
            info = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=int(self.retry_delay * 1e9)))
            packed = any_pb2.Any()
            packed.Pack(info)
            details.append(packed)
        return status_pb2.Status(code=self.code.value[0], message=f"injected {self.code.name}", details=details)

    def abort(self, context: grpc.ServicerContext) -> None:
        context.abort_with_status(rpc_status.to_status(self.status()))

    def http(self) -> tuple[int, bytes]:
        """The fault as Google's REST error: HTTP status and JSON body."""
        from chat_grpc.doors.rest.render import HTTP_STATUS

        status = self.status()
        code = HTTP_STATUS[self.code.name]
        error = {"code": code, "message": status.message, "status": self.code.name}
        error["details"] = [json_format.MessageToDict(d) for d in status.details]
        return code, json.dumps({"error": error}).encode()


@dataclass
class Seen:
    """One call as the server received it."""

    rpc: str
    request: Any
    metadata: dict[str, str]
    security: str  # the transport's security type as the server sees it: "ssl" (TLS), "insecure"
    at: float = 0.0
    answered: bool = False  # the servicer returned a response (whatever the wire then did with it)


@dataclass
class Wire(grpc.ServerInterceptor):
    """Records every call and fails the ones ``fail`` scripted (per RPC name, first in first out)."""

    address: str = ""
    port: int = 0
    transport: str = "grpc"  # how clients reach it: "grpc" (address host:port) or "rest" (address http://...)
    media_url: str = ""  # the REST tap that media uploads and downloads go through (either transport)
    seen: list[Seen] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, rpc: str, *faults: Fault) -> None:
        with self._lock:
            self.faults[rpc].extend(faults)

    def calls(self, rpc: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.rpc == rpc]

    def requests(self, rpc: str) -> list[Any]:
        return [s.request for s in self.calls(rpc)]

    def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        rpc = details.method.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
        serve = handler.unary_unary

        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
            security = b"".join(context.auth_context().get("transport_security_type", [])).decode()
            seen = Seen(rpc, request, metadata, security)
            with self._lock:
                seen.at = time.monotonic()
                self.seen.append(seen)
                fault = self.faults[rpc].pop(0) if self.faults[rpc] else None
            if fault is not None and not fault.after:
                fault.abort(context)
            response = serve(request, context)
            seen.answered = True
            if fault is not None:
                fault.abort(context)
            return response

        return grpc.unary_unary_rpc_method_handler(
            wrapped, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


@contextmanager
def serve(
    servicer: chat_service_pb2_grpc.ChatServiceServicer, *, tls: grpc.ServerCredentials | None = None
) -> Iterator[Wire]:
    """``servicer`` on 127.0.0.1 (a free port), plaintext or with ``tls``, behind a fresh Wire."""
    wire = Wire()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[wire])
    chat_service_pb2_grpc.add_ChatServiceServicer_to_server(servicer, server)
    if tls is None:
        wire.port = server.add_insecure_port("127.0.0.1:0")
    else:
        wire.port = server.add_secure_port("127.0.0.1:0", tls)
    wire.address = f"127.0.0.1:{wire.port}"
    server.start()
    try:
        yield wire
    finally:
        server.stop(None).wait()


@contextmanager
def serve_rest(chat: Any, wire: Wire | None = None) -> Iterator[Wire]:
    """``chat``'s REST door (``chat.rest_app``) on 127.0.0.1 (a free port), behind a fresh Wire; or behind ``wire``
    (a gRPC one) as its ``media_url`` only. Media uploads (``/upload/v1/...``, multipart) are recorded as calls of
    their RPC, with the request read from the metadata part."""
    from urllib.parse import parse_qsl

    from chat_grpc.doors.rest.http import system_parameters
    from chat_grpc.doors.rest.listener import RestListener
    from chat_grpc.doors.rest.media import _multipart
    from chat_grpc.doors.rest.transcode import build_request

    app = chat.rest_app
    media_only = wire is not None
    wire = wire if wire is not None else Wire(transport="rest")

    async def send_fault(send: Any, fault: Fault) -> None:
        code, body = fault.http()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def tap(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        path = scope["raw_path"].decode("latin-1").split("?", 1)[0]
        metadata = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        upload = path.startswith("/upload/")
        found, _ = app.routes.find(scope["method"], path.removeprefix("/upload"))
        if found is None or (media_only and not upload):
            await app(scope, replay, send)
            return
        _, params = system_parameters(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
        if upload:
            body_json, _media = _multipart(body, metadata.get("content-type", ""))
            request = build_request(found.route, found.bound, params, body_json)
        else:
            request = build_request(found.route, found.bound, params, body)
        seen = Seen(found.route.rpc, request, metadata, "insecure")
        with wire._lock:
            seen.at = time.monotonic()
            wire.seen.append(seen)
            queued = wire.faults[found.route.rpc]
            fault = queued.pop(0) if queued else None
        if fault is not None and not fault.after:
            await send_fault(send, fault)
            return

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.answered = message["status"] == 200  # before the client can see the answer
            if fault is None:
                await send(message)

        await app(scope, replay, watch)
        if fault is not None:
            await send_fault(send, fault)

    listener = RestListener(tap, "127.0.0.1", 0).start()
    if not media_only:
        wire.port = listener.port
        wire.address = listener.url
    wire.media_url = listener.url
    try:
        yield wire
    finally:
        listener.stop()
