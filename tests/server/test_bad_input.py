"""Bad input answers a proper status naming the problem, never INTERNAL: undecodable request bytes, enum
numbers the enum does not define, page tokens of any text, and huge echoed values (the status must fit)."""

from __future__ import annotations

import grpc
import pytest
from google.chat.v1 import message_pb2, space_pb2

from chat_grpc.fake.errors import MAX_MESSAGE, InvalidArgument
from chat_grpc.server import ChatServer

ALICE = (("authorization", "Bearer user:alice@example.com"),)


@pytest.fixture(scope="module")
def chat() -> ChatServer:
    with ChatServer() as server:
        server.store.add_user("alice@example.com", is_admin=True)
        yield server


@pytest.fixture(scope="module")
def channel(chat: ChatServer) -> grpc.Channel:
    with grpc.insecure_channel(chat.address) as channel:
        yield channel


def raw(channel: grpc.Channel, rpc: str, data: bytes) -> grpc.RpcError:
    call = channel.unary_unary(f"/google.chat.v1.ChatService/{rpc}")
    with pytest.raises(grpc.RpcError) as raised:
        call(data, metadata=ALICE, timeout=10)
    return raised.value  # type: ignore[return-value]


@pytest.mark.parametrize("data", [b"\x0b", b"\x0a\xff\xff\xff\xff\x0f", b"\xff" * 20])
def test_undecodable_bytes_are_invalid_argument(channel: grpc.Channel, data: bytes) -> None:
    error = raw(channel, "GetSpace", data)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "google.chat.v1.GetSpaceRequest" in (error.details() or "")


@pytest.mark.parametrize(
    ("rpc", "request_message", "field"),
    [
        (
            "CreateSpace",
            space_pb2.CreateSpaceRequest(space=space_pb2.Space(space_type=99, display_name="x")),
            "space.space_type",
        ),
        (
            "CreateMessage",
            message_pb2.CreateMessageRequest(parent="spaces/x", message_reply_option=-1),
            "message_reply_option",
        ),
    ],
)
def test_undefined_enum_numbers_name_the_field(
    channel: grpc.Channel, rpc: str, request_message: object, field: str
) -> None:
    error = raw(channel, rpc, request_message.SerializeToString())  # type: ignore[attr-defined]
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (error.details() or "")


@pytest.mark.parametrize("token", ["e30.é", "\u2603", "x.y.z", "."])
def test_any_page_token_text_is_invalid_argument(channel: grpc.Channel, token: str) -> None:
    request = space_pb2.ListSpacesRequest(page_token=token)
    error = raw(channel, "ListSpaces", request.SerializeToString())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in (error.details() or "")


def test_a_huge_echoed_value_still_gives_the_real_error(channel: grpc.Channel) -> None:
    request = space_pb2.GetSpaceRequest(name="spaces/" + "x" * 20_000)
    error = raw(channel, "GetSpace", request.SerializeToString())
    assert error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)  # not RESOURCE_EXHAUSTED
    assert len(error.details() or "") <= MAX_MESSAGE + 40


def test_messages_are_clipped_saying_so() -> None:
    error = InvalidArgument("bad: " + "y" * 5000, field="f" * 500)
    assert len(error.message) <= MAX_MESSAGE + 40 and "more characters" in error.message
    assert len(error.violations[0].field) <= 240
