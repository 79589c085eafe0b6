"""Fault injection (``chat.faults``): failures and delays per RPC, consumed in order, reported, thread-safe."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, space_pb2
from google.rpc import error_details_pb2

from chat_grpc.fake.faults import Faults
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace, new_space
from tests.server.rpc_details import assert_details, error_info, status_of

LIST = space_pb2.ListSpacesRequest()


def retry_info(error: grpc.RpcError) -> error_details_pb2.RetryInfo | None:
    found = [d for d in status_of(error).details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    if not found:
        return None
    info = error_details_pb2.RetryInfo()
    found[0].Unpack(info)
    return info


def test_n_failures_then_success(chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any) -> None:
    rule = chat.faults.fail("ListSpaces", grpc.StatusCode.UNAVAILABLE, times=2)
    for _ in range(2):
        error = rpc_error(grpc.StatusCode.UNAVAILABLE, "ListSpaces", LIST, as_=ws.bob, match="injected")
        assert_details(error, reason="INJECTED_FAULT")
        assert error_info(error).metadata == {"rpc": "ListSpaces", "fault_id": str(rule.id)}
        assert retry_info(error) is None
    assert call("ListSpaces", LIST, as_=ws.bob).spaces == []
    assert chat.faults.pending() == []


def test_resource_exhausted_carries_retry_info(ws: Workspace, chat: ChatServer, rpc_error: Any) -> None:
    chat.faults.fail(
        "CreateSpace", "RESOURCE_EXHAUSTED", message="quota for writes exceeded", retry_delay=timedelta(seconds=1.5)
    )
    request = space_pb2.CreateSpaceRequest(space=new_space("Quota"))
    error = rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "CreateSpace", request, as_=ws.alice, match="quota for")
    assert error.details() == "quota for writes exceeded"
    info = retry_info(error)
    assert info is not None and info.retry_delay.ToTimedelta() == timedelta(seconds=1.5)
    assert error_info(error).reason == "INJECTED_FAULT"
    assert chat.store.spaces() == []  # the failed call changed nothing


def test_a_fault_comes_before_authentication(chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any) -> None:
    chat.faults.fail("ListSpaces", "INTERNAL")
    rpc_error(grpc.StatusCode.INTERNAL, "ListSpaces", LIST, token="not a token", match="injected")
    rpc_error(grpc.StatusCode.UNAUTHENTICATED, "ListSpaces", LIST, token="not a token")
    assert [c.code for c in chat.journal.calls("ListSpaces")] == ["INTERNAL", "UNAUTHENTICATED"]


def test_rules_are_consumed_in_order_per_rpc(chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any) -> None:
    faults = chat.faults
    faults.fail("ListSpaces", "UNAVAILABLE")
    faults.fail("GetSpace", "NOT_FOUND")
    faults.delay("ListSpaces", 0.01)
    faults.fail("ListSpaces", "ABORTED")
    rpc_error(grpc.StatusCode.UNAVAILABLE, "ListSpaces", LIST, as_=ws.bob)
    call("ListSpaces", LIST, as_=ws.bob)  # delayed, then served
    rpc_error(grpc.StatusCode.NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name="spaces/x"), as_=ws.bob)
    rpc_error(grpc.StatusCode.ABORTED, "ListSpaces", LIST, as_=ws.bob)
    call("ListSpaces", LIST, as_=ws.bob)

    report = faults.report()
    assert list(report) == ["ListSpaces", "GetSpace"]  # in the order the RPCs were first hit
    assert [f.describe() for f in report["ListSpaces"]] == ["fail UNAVAILABLE", "delay 0.01s", "fail ABORTED"]
    assert [f.describe() for f in report["GetSpace"]] == ["fail NOT_FOUND"]
    assert [f.seq for f in faults.fired()] == [1, 2, 3, 4]
    assert [f.rpc for f in faults.fired()] == ["ListSpaces", "ListSpaces", "GetSpace", "ListSpaces"]
    assert [c.fault for c in chat.journal.calls("ListSpaces")] == [
        "fail UNAVAILABLE",
        "delay 0.01s",
        "fail ABORTED",
        None,
    ]


def test_any_rpc_and_every_call_until_cleared(chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any) -> None:
    chat.faults.fail("*", "UNAVAILABLE", times=None)
    for _ in range(3):
        rpc_error(grpc.StatusCode.UNAVAILABLE, "ListSpaces", LIST, as_=ws.bob)
    rpc_error(grpc.StatusCode.UNAVAILABLE, "GetSpace", space_pb2.GetSpaceRequest(name="spaces/x"), as_=ws.bob)
    ((rule, left),) = chat.faults.pending()
    assert rule.rpc == "*" and left is None
    assert chat.faults.clear() == 1
    assert chat.faults.report() == {}
    call("ListSpaces", LIST, as_=ws.bob)


def test_a_delay_is_at_least_what_was_asked(chat: ChatServer, ws: Workspace, call: Caller) -> None:
    chat.faults.delay("ListSpaces", timedelta(milliseconds=300), times=2)
    for _ in range(2):
        started = time.monotonic()
        call("ListSpaces", LIST, as_=ws.bob)
        assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    call("ListSpaces", LIST, as_=ws.bob)
    assert time.monotonic() - started < 10  # no longer delayed (generous bound: no timing-sensitive assert)
    latencies = [c.latency_ms for c in chat.journal.calls("ListSpaces")]
    assert latencies[0] >= 300 and latencies[1] >= 300


def test_a_call_whose_deadline_passes_during_a_delay_is_not_processed(
    chat: ChatServer, ws: Workspace, call: Caller, rpc_error: Any
) -> None:
    chat.faults.delay("CreateSpace", 30)
    request = space_pb2.CreateSpaceRequest(space=new_space("Late"))
    with pytest.raises(grpc.RpcError) as caught:
        call_with_timeout(chat, ws, request, timeout=0.3)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    recorded = wait_for(lambda: chat.journal.calls("CreateSpace"))
    assert recorded[0].code == "DEADLINE_EXCEEDED" and recorded[0].latency_ms < 20_000
    assert chat.store.spaces() == []
    call("CreateSpace", request, as_=ws.alice)  # the rule is used up
    assert [s.display_name for s in chat.store.spaces()] == ["Late"]


def call_with_timeout(chat: ChatServer, ws: Workspace, request: Any, *, timeout: float) -> Any:
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        metadata = [("authorization", f"Bearer {chat.token_for(ws.alice)}")]
        return stub.CreateSpace(request, metadata=metadata, timeout=timeout)


def wait_for(probe: Callable[[], list[Any]], seconds: float = 10) -> list[Any]:
    deadline = time.monotonic() + seconds
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert found, "nothing happened in time"
    return found


def test_concurrent_calls_consume_a_rule_exactly_times_times(chat: ChatServer, ws: Workspace, call: Caller) -> None:
    chat.faults.fail("ListSpaces", "UNAVAILABLE", times=5)

    def one(_: int) -> str:
        try:
            call("ListSpaces", LIST, as_=ws.bob)
            return "OK"
        except grpc.RpcError as error:
            return str(error.code().name)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(one, range(24)))
    assert outcomes.count("UNAVAILABLE") == 5 and outcomes.count("OK") == 19
    assert len(chat.faults.report()["ListSpaces"]) == 5


@pytest.mark.parametrize(
    ("arm", "match"),
    [
        (lambda f: f.fail("CreateMesage", "UNAVAILABLE"), "unknown RPC"),
        (lambda f: f.fail("CreateMessage", "OK"), "not a failure"),
        (lambda f: f.fail("CreateMessage", "NOPE"), "not a failure"),
        (lambda f: f.fail("CreateMessage", "UNAVAILABLE", times=0), "times"),
        (lambda f: f.fail("CreateMessage", "UNAVAILABLE", retry_delay=-1), "retry_delay"),
        (lambda f: f.delay("CreateMessage", -0.5), "seconds"),
        (lambda f: f.delay("CreateMessage", float("nan")), "seconds"),
    ],
)
def test_bad_rules_are_refused(chat: ChatServer, arm: Callable[[Faults], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        arm(chat.faults)
    assert chat.faults.pending() == []


def test_rules_describe_themselves_as_json(chat: ChatServer) -> None:
    failing = chat.faults.fail("GetSpace", "RESOURCE_EXHAUSTED", times=3, retry_delay=2)
    waiting = chat.faults.delay("ListSpaces", 0.5, times=None)
    assert failing.to_json() == {
        "id": failing.id,
        "rpc": "GetSpace",
        "kind": "fail",
        "times": 3,
        "code": "RESOURCE_EXHAUSTED",
        "message": None,
        "retry_delay": 2.0,
    }
    assert chat.faults.report_json() == {
        "fired": {},
        "pending": [{**failing.to_json(), "left": 3}, {**waiting.to_json(), "left": None}],
    }
