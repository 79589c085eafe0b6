"""The call journal (``chat.journal``): every call, its request, caller, metadata, outcome and latency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2

from chat_grpc.fake.journal import REDACTED, Journal, clean_metadata
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace, new_space


def test_every_call_is_recorded_with_its_outcome(
    chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any, team: space_pb2.Space
) -> None:
    before = datetime.now(UTC)
    request = message_pb2.CreateMessageRequest(parent=team.name, message=message_pb2.Message(text="hello"))
    sent = call("CreateMessage", request, as_=ws.bob)
    rpc_error(grpc.StatusCode.NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name="spaces/nope"), as_=ws.erin)

    # team: CreateSpace and CreateMembership by alice, then the two calls above
    assert [c.method for c in chat.journal.calls()] == ["CreateSpace", "CreateMembership", "CreateMessage", "GetSpace"]
    assert chat.journal.count() == 4 and chat.journal.count("CreateMessage") == 1
    created = chat.journal.last("CreateMessage")
    assert created.request == request and created.request is not request
    assert created.principal == ws.bob.name
    assert created.code == "OK" and created.ok and created.details == "" and created.fault is None
    assert created.latency_ms >= 0 and before - timedelta(seconds=1) <= created.time <= datetime.now(UTC)
    assert ("authorization", f"Bearer {REDACTED}") in created.metadata
    assert sent.name.startswith(team.name)

    failed = chat.journal.last("GetSpace")
    assert failed.principal == ws.erin.name and failed.code == "NOT_FOUND" and not failed.ok
    assert "not found" in failed.details
    assert [c.seq for c in chat.journal.calls()] == [1, 2, 3, 4]


def test_the_request_is_a_copy(chat: ChatServer, ws: Workspace, call: Caller) -> None:
    request = space_pb2.CreateSpaceRequest(space=new_space("Original"))
    call("CreateSpace", request, as_=ws.alice)
    request.space.display_name = "Changed"
    recorded = chat.journal.last("CreateSpace").request
    assert recorded.space.display_name == "Original"
    recorded.space.display_name = "Mutated"  # a test poking at the entry does not touch the server
    assert chat.store.spaces()[0].display_name == "Original"


def test_unauthenticated_and_default_principal_calls() -> None:
    server = ChatServer(default_principal="solo@example.com")
    solo = server.store.add_user("solo@example.com")
    with server, grpc.insecure_channel(server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        stub.ListSpaces(space_pb2.ListSpacesRequest(), timeout=10)
        with pytest.raises(grpc.RpcError):
            stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=[("authorization", "Bearer junk")], timeout=10)
    first, second = server.journal.calls("ListSpaces")
    assert first.principal == solo.name and first.code == "OK"
    assert second.principal is None and second.code == "UNAUTHENTICATED"


def test_filters_limits_and_lookups(chat: ChatServer, ws: Workspace, call: Caller) -> None:
    for _ in range(3):
        call("ListSpaces", space_pb2.ListSpacesRequest(page_size=1), as_=ws.bob)
    assert len(chat.journal.calls("ListSpaces", limit=2)) == 2
    assert chat.journal.calls("ListSpaces", limit=2)[-1].seq == 3
    assert chat.journal.calls("ListSpaces", limit=0) == []
    assert chat.journal.calls("GetSpace") == []
    with pytest.raises(LookupError, match="no GetSpace call"):
        chat.journal.last("GetSpace")
    with pytest.raises(ValueError, match="not a ChatService method"):
        chat.journal.count("ListSpace")
    assert chat.journal.clear() == 3
    assert chat.journal.calls() == []
    call("ListSpaces", space_pb2.ListSpacesRequest(), as_=ws.bob)
    assert chat.journal.last().seq == 4  # numbers are never reused


def test_the_journal_is_bounded() -> None:
    server = ChatServer(journal_size=3, default_principal="solo@example.com")
    server.store.add_user("solo@example.com")
    with server, grpc.insecure_channel(server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        for size in range(1, 6):
            stub.ListSpaces(space_pb2.ListSpacesRequest(page_size=size), timeout=10)
    assert [c.request.page_size for c in server.journal.calls()] == [3, 4, 5]
    assert [c.seq for c in server.journal.calls()] == [3, 4, 5]
    assert server.journal.dropped == 2


def test_a_journal_of_size_zero_keeps_nothing() -> None:
    journal = Journal(0)
    assert (
        journal.record(
            "GetSpace",
            space_pb2.GetSpaceRequest(),
            principal=None,
            metadata=(),
            code="OK",
            details="",
            latency_ms=1.0,
            time=datetime.now(UTC),
        )
        is None
    )
    assert journal.calls() == [] and journal.dropped == 0
    with pytest.raises(ValueError):
        Journal(-1)


def test_dump_jsonl(chat: ChatServer, ws: Workspace, call: Caller, tmp_path: Path) -> None:
    call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Dumped")), as_=ws.alice)
    call("ListSpaces", space_pb2.ListSpacesRequest(), as_=ws.alice)
    path = tmp_path / "calls.jsonl"
    assert chat.journal.dump_jsonl(path) == 2
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["method"] for line in lines] == ["CreateSpace", "ListSpaces"]
    first = lines[0]
    assert first["request"] == {"space": {"spaceType": "SPACE", "displayName": "Dumped"}}  # protobuf JSON
    assert first["principal"] == ws.alice.name and first["code"] == "OK" and first["details"] == ""
    assert ["authorization", f"Bearer {REDACTED}"] in first["metadata"]
    assert first["time"].endswith("Z") and first["latency_ms"] >= 0 and first["fault"] is None
    assert set(first) == {"seq", "time", "method", "request", "principal", "metadata", "code", "details"} | {
        "latency_ms",
        "fault",
        "face",
        "response",
    }
    assert first["response"]["displayName"] == "Dumped" and first["response"]["name"].startswith("spaces/")
    assert first["face"] == "grpc"  # the door it came through
    assert chat.journal.dump_jsonl(tmp_path / "one.jsonl", "ListSpaces") == 1


def test_metadata_is_cleaned() -> None:
    cleaned = clean_metadata(
        [("authorization", "Bearer user:alice@example.com"), ("x-trace-bin", b"\x00\x01"), ("Authorization", "odd")]
    )
    assert cleaned == (("authorization", f"Bearer {REDACTED}"), ("x-trace-bin", "AAE="), ("Authorization", REDACTED))


_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_journal_is_bounded_in_bytes() -> None:
    journal = Journal(1000, max_bytes=100_000)
    big = message_pb2.CreateMessageRequest(parent="spaces/x", message=message_pb2.Message(text="x" * 30_000))
    for _ in range(10):
        journal.record(
            "CreateMessage", big, principal=None, metadata=(), code="OK", details="", latency_ms=1.0, time=_NOW
        )
    assert journal.count() == 3 and journal.dropped == 7  # 3 x ~30 KB fit in 100 KB, the rest went out first
    assert journal.size_bytes <= 100_000
    huge = message_pb2.CreateMessageRequest(message=message_pb2.Message(text="y" * 200_000))
    journal.record("CreateMessage", huge, principal=None, metadata=(), code="OK", details="", latency_ms=1.0, time=_NOW)
    assert journal.count() == 1 and journal.last().request == huge  # the latest call is always kept
    journal.clear()
    assert journal.size_bytes == 0
