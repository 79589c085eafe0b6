"""The one boundary where domain errors become gRPC statuses with google.rpc details.

``ChatError`` subclasses map to their status code; the status carries ``google.rpc.ErrorInfo`` (reason,
domain ``chat.googleapis.com``), for invalid fields ``google.rpc.BadRequest`` field violations, and
``google.rpc.RetryInfo`` when the error says when to retry, in the ``grpc-status-details-bin`` trailer that
grpcio-status and Google's clients read. Any other exception is a bug in the fake: it becomes INTERNAL with a
generic message and is logged, never leaked.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from chat_grpc.fake.errors import ERROR_DOMAIN, ChatError

_log = logging.getLogger("chat_grpc.server")
DETAILS_TRAILER = "grpc-status-details-bin"


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, bytes], ...]) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_status_proto(error: ChatError) -> status_pb2.Status:
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata))]
    if error.violations and error.code == "INVALID_ARGUMENT":  # field violations describe bad requests
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                        for v in error.violations
                    ]
                )
            )
        )
    if error.retry_delay is not None:
        delay = duration_pb2.Duration()
        delay.FromTimedelta(error.retry_delay)
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(code=code_pb2.Code.Value(error.code), message=error.message, details=details)


def to_grpc_status(error: ChatError) -> grpc.Status:
    proto = to_status_proto(error)
    return _Status(grpc.StatusCode[error.code], error.message, ((DETAILS_TRAILER, proto.SerializeToString()),))


def to_chat_error(error: BaseException, method: str) -> ChatError:
    """``error`` itself if it is a ChatError; anything else is a bug, logged and answered as INTERNAL."""
    if isinstance(error, ChatError):
        return error
    _log.exception("bug in the fake Chat service while serving %s", method, exc_info=error)
    return _Internal(f"internal error in the fake Chat service while serving {method}")


def abort(context: grpc.ServicerContext, error: BaseException, method: str) -> NoReturn:
    context.abort_with_status(to_grpc_status(to_chat_error(error, method)))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


class _Internal(ChatError):
    code = "INTERNAL"
    default_reason = "INTERNAL"
