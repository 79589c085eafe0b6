"""Fixtures for the reference servicer: a real gRPC server on loopback, a small workspace, and callers.

``chat`` is the server (fresh per test: tests mutate state); ``ws`` names its people, app and groups;
``call(stub_method, request, as_=who, **token options)`` sends a request with a bearer token for ``who``
and returns the response; ``rpc_error(...)`` expects a failure and returns the grpc.RpcError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, membership_pb2, space_pb2, user_pb2

from chat_grpc.fake.store import App, Group, User
from chat_grpc.server import ChatServer, ManualClock


@dataclass
class Workspace:
    alice: User  # Workspace admin of example.com
    bob: User
    carol: User  # auto-accept off: invited, not joined
    erin: User
    dave: User  # another organization
    app: App
    other_app: App
    group: Group


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def chat(clock: ManualClock) -> Iterator[ChatServer]:
    with ChatServer(seed=7, clock=clock) as server:
        yield server


@pytest.fixture
def ws(chat: ChatServer) -> Workspace:
    store = chat.store
    alice = store.add_user("alice@example.com", "Alice", is_admin=True)
    bob = store.add_user("bob@example.com", "Bob")
    carol = store.add_user("carol@example.com", "Carol", auto_accept=False)
    erin = store.add_user("erin@example.com", "Erin")
    dave = store.add_user("dave@partner.example", "Dave", customer="customers/C0partner")
    app = store.add_app("Helper Bot")
    other_app = store.add_app("Other Bot")
    group = store.add_group("Engineers", [bob.id, erin.id])
    return Workspace(alice, bob, carol, erin, dave, app, other_app, group)


@pytest.fixture
def channel(chat: ChatServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(chat.address) as ch:
        yield ch


@pytest.fixture
def stub(channel: grpc.Channel) -> chat_service_pb2_grpc.ChatServiceStub:
    return chat_service_pb2_grpc.ChatServiceStub(channel)


Caller = Callable[..., Any]


@pytest.fixture
def call(chat: ChatServer, stub: chat_service_pb2_grpc.ChatServiceStub) -> Caller:
    """call("GetSpace", request, as_=user_or_app, scopes=None, app=None, token=None) -> response."""

    def invoke(rpc: str, request: Any, *, as_: Any = None, token: str | None = None, **options: Any) -> Any:
        metadata = []
        if token is None and as_ is not None:
            token = chat.token_for(as_, **options)
        if token is not None:
            metadata.append(("authorization", f"Bearer {token}"))
        return getattr(stub, rpc)(request, metadata=metadata, timeout=10)

    return invoke


@pytest.fixture
def rpc_error(call: Caller) -> Callable[..., grpc.RpcError]:
    """rpc_error(code, rpc, request, as_=..., match="text in the message") -> the error."""

    def expect(code: grpc.StatusCode, rpc: str, request: Any, *, match: str = "", **kwargs: Any) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as caught:
            call(rpc, request, **kwargs)
        error = caught.value
        assert error.code() == code, f"{rpc}: expected {code}, got {error.code()}: {error.details()}"
        assert match.lower() in (error.details() or "").lower(), f"{match!r} not in {error.details()!r}"
        return error

    return expect


# ------------------------------------------------------------------ request builders


def new_space(display_name: str = "Team", **fields: Any) -> space_pb2.Space:
    return space_pb2.Space(space_type=space_pb2.Space.SPACE, display_name=display_name, **fields)


def human(name: str) -> membership_pb2.Membership:
    return membership_pb2.Membership(member=user_pb2.User(name=name, type=user_pb2.User.HUMAN))


@pytest.fixture
def team(call: Caller, ws: Workspace) -> space_pb2.Space:
    """A SPACE created by alice (manager) with bob as a member."""
    space = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Team")), as_=ws.alice)
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=space.name, membership=human(ws.bob.name)),
        as_=ws.alice,
    )
    return space
