"""The reference servicer on a gRPC server of its own, behind :class:`Wire`: a server interceptor that records
what arrives and injects faults. Used by test_every_rpc.py (plaintext loopback) and test_tls.py (TLS)."""

from __future__ import annotations

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
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class Fault:
    """A status the wire answers instead of the servicer's: before it runs, or ``after`` it ran (answer lost)."""

    code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    after: bool = False
    retry_delay: float | None = None
    """Seconds, sent as google.rpc.RetryInfo."""

    def abort(self, context: grpc.ServicerContext) -> None:
        details = []
        if self.retry_delay is not None:
            info = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=int(self.retry_delay * 1e9)))
            packed = any_pb2.Any()
            packed.Pack(info)
            details.append(packed)
        status = status_pb2.Status(code=self.code.value[0], message=f"injected {self.code.name}", details=details)
        context.abort_with_status(rpc_status.to_status(status))


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
