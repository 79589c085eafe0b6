"""The error hierarchy: one class per status code, decoded google.rpc details, raised from the gRPC error."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import duration_pb2, struct_pb2
from google.rpc import error_details_pb2, status_pb2

import chat_grpc
from chat_grpc import ChatApiError, ChatClient, InvalidArgument, NotFound, PermissionDenied, from_grpc_error
from chat_grpc.client.errors import DETAILS_TRAILER, ERROR_CLASSES, decode_status, error_class, pack
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer
from tests.client.conftest import endpoint


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str | None, trailers: Any = ()) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str | None:
        return self._details

    def trailing_metadata(self) -> Any:
        return self._trailers


def camel(code: grpc.StatusCode) -> str:
    return "".join(part.capitalize() for part in code.name.split("_"))


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c is not grpc.StatusCode.OK], ids=lambda c: c.name)
def test_every_status_code_has_its_class(code: grpc.StatusCode) -> None:
    cls = ERROR_CLASSES[code]
    assert cls.__name__ == camel(code)
    assert cls is getattr(chat_grpc, cls.__name__)  # exported
    assert issubclass(cls, ChatApiError)
    error = from_grpc_error(FakeRpcError(code, "boom"))
    assert type(error) is cls
    assert error.code is code
    assert error.message == "boom"
    assert str(error) == f"{code.name}: boom"


def test_ok_or_no_code_falls_back_to_the_base_class() -> None:
    assert error_class(grpc.StatusCode.OK) is ChatApiError
    assert error_class(None) is ChatApiError
    assert ChatApiError("x").code is grpc.StatusCode.UNKNOWN


def test_named_classes_from_the_issue() -> None:
    names = {"NotFound", "AlreadyExists", "PermissionDenied", "InvalidArgument", "FailedPrecondition"}
    names |= {"Unauthenticated", "ResourceExhausted", "Unavailable", "DeadlineExceeded", "Internal"}
    assert names <= {cls.__name__ for cls in ERROR_CLASSES.values()}


def status_trailer(status: status_pb2.Status) -> tuple[tuple[str, bytes], ...]:
    return (("some-other", b"x"), (DETAILS_TRAILER, status.SerializeToString()))


def test_details_are_decoded() -> None:
    unknown = pack(struct_pb2.Value(string_value="custom"))
    status = status_pb2.Status(
        code=3,
        message="bad request",
        details=[
            pack(error_details_pb2.ErrorInfo(
                reason="INVALID_DISPLAY_NAME", domain="chat.googleapis.com", metadata={"a": "b"}
            )),
            pack(error_details_pb2.BadRequest(field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field="space.display_name", description="too long"),
                error_details_pb2.BadRequest.FieldViolation(field="space.space_type", description="required"),
            ])),
            pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=2, nanos=500_000_000))),
            pack(error_details_pb2.DebugInfo(detail="stack")),
            pack(error_details_pb2.QuotaFailure()),
            unknown,
        ],
    )  # fmt: skip
    error = from_grpc_error(FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "bad request", status_trailer(status)))
    assert isinstance(error, InvalidArgument)
    assert error.status == status
    assert error.error_info is not None and error.error_info.reason == "INVALID_DISPLAY_NAME"
    assert error.reason == "INVALID_DISPLAY_NAME"
    assert dict(error.error_info.metadata) == {"a": "b"}
    assert [(v.field, v.description) for v in error.field_violations] == [
        ("space.display_name", "too long"),
        ("space.space_type", "required"),
    ]
    assert error.retry_info is not None and error.retry_delay == 2.5
    assert error.debug_info is not None and error.debug_info.detail == "stack"
    assert error.detail(error_details_pb2.QuotaFailure) is not None
    assert error.details[-1] == unknown  # unknown types stay packed
    assert str(error) == "INVALID_ARGUMENT: bad request [INVALID_DISPLAY_NAME]"


def test_missing_or_broken_details_leave_empty_fields() -> None:
    for trailers in ((), None, ((DETAILS_TRAILER, b"\xff\xff not a status"),)):
        error = from_grpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "gone", trailers))
        assert isinstance(error, NotFound)
        assert error.status is None and error.details == ()
        assert error.error_info is None and error.retry_info is None and error.retry_delay is None
        assert error.field_violations == [] and error.reason == ""


def test_the_status_message_stands_in_for_missing_details() -> None:
    status = status_pb2.Status(code=5, message="from the status")
    error = from_grpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, None, status_trailer(status)))
    assert error.message == "from the status"


def test_decode_status_ignores_text_values() -> None:
    assert decode_status([(DETAILS_TRAILER, "text")]) is None


# ------------------------------------------------------------------------------------------------ from the server


def test_errors_from_the_fake_are_raised_from_the_transports_error(client: ChatClient, transport: str) -> None:
    with pytest.raises(NotFound) as raised:
        client.get_space(name="spaces/missing")
    error = raised.value
    assert error.code is grpc.StatusCode.NOT_FOUND
    if transport == "rest":
        assert isinstance(error.__cause__, httpx.HTTPStatusError) and error.__cause__.response.status_code == 404
    else:
        assert isinstance(error.__cause__, grpc.RpcError)
        assert error.__cause__.code() is grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert error.status is not None and error.status.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert error.error_info is not None and error.error_info.domain == "chat.googleapis.com"
    assert error.reason


def test_field_violations_from_the_fake(client: ChatClient) -> None:
    with pytest.raises(InvalidArgument) as raised:
        client.create_space(space={"space_type": "SPACE"})
    assert [v.field for v in raised.value.field_violations] == ["space.display_name"]


def test_permission_denied_from_the_fake(chat: ChatServer, alice: User, bob: User, transport: str) -> None:
    address = endpoint(chat, transport)
    with ChatClient.for_emulator(address, token=chat.token_for(alice), transport=transport) as as_alice:
        space = as_alice.create_space(space={"space_type": "SPACE", "display_name": "Private"})
        as_alice.create_membership(parent=space, membership={"member": {"name": bob.name, "type": "HUMAN"}})
    with ChatClient.for_emulator(
        address, token=chat.token_for(bob, scopes=["chat.spaces.readonly"]), transport=transport
    ) as as_bob:
        with pytest.raises(PermissionDenied) as raised:
            as_bob.delete_space(name=space)
        assert raised.value.reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    with ChatClient.for_emulator(address, token=chat.token_for(bob), transport=transport) as as_bob:
        with pytest.raises(PermissionDenied, match="manager") as raised:
            as_bob.delete_space(name=space)
        assert str(raised.value).startswith("PERMISSION_DENIED: ")
