"""Bounded resources on the gRPC door (issue 14, F7): idle or slow clients cannot lock others out, calls have a
server-side time limit, and the request size limit holds at, below and above it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, space_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chat_grpc.server import ChatServer

ALICE = [("authorization", "Bearer user:alice@example.com")]
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def _header(name: bytes, value: bytes) -> bytes:
    """An HPACK literal header field without indexing, new name (no Huffman)."""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def open_idle_call(address: str, path: str = "/google.chat.v1.ChatService/GetSpace") -> socket.socket:
    """A connection with one call started (HEADERS sent) whose request never comes: an idle stream."""
    host, _, port = address.rpartition(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    headers = b"".join(
        _header(k, v)
        for k, v in (
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":path", path.encode()),
            (b":authority", address.encode()),
            (b"content-type", b"application/grpc"),
            (b"te", b"trailers"),
        )
    )
    sock.sendall(PREFACE + _frame(0x4, 0, 0, b"") + _frame(0x1, 0x4, 1, headers))  # SETTINGS, HEADERS (no END_STREAM)
    return sock


def read_until_status(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends on the connection until it closes stream 1 (or the time runs out)."""
    sock.settimeout(0.5)
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        seen += chunk
        if b"grpc-status" in seen or b"\x00\x00\x00\x00\x01" in seen[-64:]:  # trailers or RST_STREAM
            break
    return seen


@pytest.fixture
def small_server() -> Iterator[ChatServer]:
    with ChatServer(max_workers=4, call_timeout=3.0) as chat:
        chat.store.add_user("alice@example.com", is_admin=True)
        yield chat


def test_64_idle_streams_do_not_lock_anyone_out(small_server: ChatServer) -> None:
    idle = [open_idle_call(small_server.address) for _ in range(64)]  # 16 x more than the worker threads
    try:
        time.sleep(0.5)  # every idle call has arrived at the server
        with grpc.insecure_channel(small_server.address) as channel:
            started = time.monotonic()
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            for _ in range(10):
                stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=2)
            assert time.monotonic() - started < 3  # answered while all 64 stay open
        # The idle ones end with DEADLINE_EXCEEDED (grpc-status 4) at the server's limit per call.
        ended = [read_until_status(sock, timeout=10) for sock in idle[:4]]
        assert all(b"grpc-status" in seen for seen in ended), ended
    finally:
        for sock in idle:
            sock.close()


def test_a_call_longer_than_the_server_limit_ends_deadline_exceeded(small_server: ChatServer) -> None:
    small_server.faults.delay("ListSpaces", 30)
    with grpc.insecure_channel(small_server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=20)  # the client would wait 20 s
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "the server's limit per call" in (raised.value.details() or "")
        assert time.monotonic() - started < 6
        stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=5)  # and the server still answers


def test_more_concurrent_calls_than_allowed_answer_resource_exhausted() -> None:
    with ChatServer(max_concurrent_rpcs=4, call_timeout=3.0) as chat:
        chat.store.add_user("alice@example.com")
        idle = [open_idle_call(chat.address) for _ in range(4)]
        try:
            time.sleep(0.5)
            with grpc.insecure_channel(chat.address) as channel:
                stub = chat_service_pb2_grpc.ChatServiceStub(channel)
                with pytest.raises(grpc.RpcError) as raised:
                    stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=2)
                assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        finally:
            for sock in idle:
                sock.close()
        time.sleep(0.5)
        with grpc.insecure_channel(chat.address) as channel:  # the idle ones gone, calls are served again
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=5)


# ------------------------------------------------------------------ request size


def _sized_request(size: int) -> bytes:
    """A GetSpaceRequest of exactly ``size`` bytes on the wire (field 1, a long name)."""
    for header in range(2, 8):
        body = size - header
        request = space_pb2.GetSpaceRequest(name="spaces/" + "A" * (body - len("spaces/")))
        data = request.SerializeToString()
        if len(data) == size:
            return data
    raise AssertionError(size)


@pytest.mark.parametrize(("size", "allowed"), [(64 * 1024 - 1, True), (64 * 1024, True), (64 * 1024 + 1, False)])
def test_the_request_size_limit_below_at_and_above(size: int, allowed: bool) -> None:
    with ChatServer(max_request_bytes=64 * 1024, rest=False) as chat:
        chat.store.add_user("alice@example.com")
        with grpc.insecure_channel(chat.address, options=[("grpc.max_send_message_length", -1)]) as channel:
            call = channel.unary_unary("/google.chat.v1.ChatService/GetSpace")
            with pytest.raises(grpc.RpcError) as raised:
                call(_sized_request(size), metadata=ALICE, timeout=10)
    code = raised.value.code()
    if allowed:  # parsed and served: the (long) name names no space
        assert code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT), raised.value.details()
    else:
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, raised.value.details()


def test_the_default_request_limit_is_4_mib() -> None:
    with ChatServer(rest=False) as chat:
        assert chat.max_request_bytes == 4 * 1024 * 1024
        chat.store.add_user("alice@example.com")
        with grpc.insecure_channel(chat.address, options=[("grpc.max_send_message_length", -1)]) as channel:
            call = channel.unary_unary("/google.chat.v1.ChatService/GetSpace")
            for size, expected in ((4 * 1024 * 1024, grpc.StatusCode.INVALID_ARGUMENT), (4 * 1024 * 1024 + 1, None)):
                with pytest.raises(grpc.RpcError) as raised:
                    call(_sized_request(size), metadata=ALICE, timeout=20)
                if expected is None:
                    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                else:
                    assert raised.value.code() != grpc.StatusCode.RESOURCE_EXHAUSTED
