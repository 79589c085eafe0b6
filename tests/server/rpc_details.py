"""Reading the google.rpc details of a failed call, as Google's clients do (grpcio-status)."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "chat.googleapis.com"


def status_of(error: grpc.RpcError) -> status_pb2.Status:
    """The google.rpc.Status of the ``grpc-status-details-bin`` trailer; it must agree with the call's status."""
    status = rpc_status.from_call(error)
    assert status is not None, f"no google.rpc.Status details on {error.code()}: {error.details()}"
    assert status.code == error.code().value[0]
    assert status.message == error.details()
    return status


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    found = [d for d in status_of(error).details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(found) == 1, f"expected one ErrorInfo, got {len(found)}"
    info = error_details_pb2.ErrorInfo()
    found[0].Unpack(info)
    assert info.domain == DOMAIN
    assert info.reason, "ErrorInfo.reason is empty"
    return info


def violated_fields(error: grpc.RpcError) -> list[str]:
    """The fields of the BadRequest field violations (empty when the status carries no BadRequest)."""
    fields: list[str] = []
    for detail in status_of(error).details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            assert all(v.description for v in bad.field_violations)
            fields += [v.field for v in bad.field_violations]
    return fields


def assert_details(error: grpc.RpcError, *, field: str | None = None, reason: str | None = None) -> None:
    """Every error carries an ErrorInfo; INVALID_ARGUMENT names the offending request field in a BadRequest."""
    info = error_info(error)
    if reason is not None:
        assert info.reason == reason, f"reason {info.reason!r}, expected {reason!r}"
    fields = violated_fields(error)
    if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
        assert fields, f"INVALID_ARGUMENT without a BadRequest field violation: {error.details()}"
    else:
        assert not fields, f"{error.code()} should not carry BadRequest violations: {fields}"
    if field is not None:
        assert field in fields, f"{field!r} not among the violated fields {fields}"
        assert field in (error.details() or ""), f"the message should name {field!r}: {error.details()!r}"
