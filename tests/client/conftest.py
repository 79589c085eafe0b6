"""Fixtures for the client tests: the fake Chat server on loopback, users, a signed-in client (once per transport:
``transport`` is "grpc" or "rest"), and ``flaky``: a scripted ChatService (GetSpace, CreateSpace, CreateMembership)
that fails as told and records every call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
from google.chat.v1 import membership_pb2, space_pb2
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2

from chat_grpc import ChatClient
from chat_grpc.client.errors import DETAILS_TRAILER, pack
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    with ChatServer(seed=11) as server:
        yield server


@pytest.fixture
def alice(chat: ChatServer) -> User:
    return chat.store.add_user("alice@example.com", "Alice", is_admin=True)


@pytest.fixture
def bob(chat: ChatServer) -> User:
    return chat.store.add_user("bob@example.com", "Bob")


TRANSPORTS = ("grpc", "rest")


def endpoint(chat: ChatServer, transport: str) -> str:
    """Where a client of that transport reaches ``chat``: its gRPC address or its REST URL."""
    return chat.rest_url if transport == "rest" else chat.address


def cause_type(transport: str) -> type[Exception]:
    """What a ChatApiError is raised from on that transport."""
    return httpx.HTTPStatusError if transport == "rest" else grpc.RpcError


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(chat: ChatServer, alice: User, transport: str) -> Iterator[ChatClient]:
    with ChatClient.for_emulator(
        endpoint(chat, transport), token=chat.token_for(alice), timeout=10, transport=transport
    ) as c:
        yield c


@dataclass
class Script:
    """What the flaky server answers, call after call: a status code (with optional RetryInfo) or success."""

    failures: list[tuple[grpc.StatusCode, float | None]] = field(default_factory=list)
    seen: list[tuple[float, Any, dict[str, str]]] = field(default_factory=list)

    def answer(self, request: Any, context: grpc.ServicerContext) -> Any:
        metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self.seen.append((time.monotonic(), request, metadata))
        if self.failures:
            code, delay = self.failures.pop(0)
            details = []
            if delay is not None:
                details.append(
                    pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=int(delay * 1e9))))
                )
            status = status_pb2.Status(code=code.value[0], message=f"scripted {code.name}", details=details)
            context.abort_with_status(_Status(code, status))
        return space_pb2.Space(name="spaces/OK", display_name=getattr(request, "name", "") or "created")


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, status: status_pb2.Status) -> None:
        self.code, self.details = code, status.message
        self.trailing_metadata = ((DETAILS_TRAILER, status.SerializeToString()),)


@pytest.fixture
def flaky() -> Iterator[tuple[str, Script]]:
    script = Script()
    handlers = {
        "GetSpace": grpc.unary_unary_rpc_method_handler(
            script.answer, space_pb2.GetSpaceRequest.FromString, space_pb2.Space.SerializeToString
        ),
        "CreateSpace": grpc.unary_unary_rpc_method_handler(
            script.answer, space_pb2.CreateSpaceRequest.FromString, space_pb2.Space.SerializeToString
        ),
        "CreateMembership": grpc.unary_unary_rpc_method_handler(
            script.answer, membership_pb2.CreateMembershipRequest.FromString, space_pb2.Space.SerializeToString
        ),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("google.chat.v1.ChatService", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", script
    finally:
        server.stop(None)
