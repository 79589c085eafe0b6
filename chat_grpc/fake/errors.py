"""Domain errors of the fake Chat service.

The store, the filters and every other piece of domain logic raise these; they know nothing of gRPC.
Exactly one place (``chat_grpc.doors.grpc.status``) turns them into gRPC statuses with ``google.rpc`` details:
the class gives the status code, ``reason`` the ErrorInfo reason, ``violations`` the BadRequest field
violations (``field`` is the request field path, e.g. ``space.display_name``), ``retry_delay`` a
``google.rpc.RetryInfo`` (when to try again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

ERROR_DOMAIN = "chat.googleapis.com"


MAX_MESSAGE = 1000  # characters: a status message (echoing caller input) must fit gRPC's metadata limit


def clip_message(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` cut to ``limit`` characters, saying so: error messages that echo a huge input still fit."""
    if len(message) <= limit:
        return message
    return message[:limit] + f"… ({len(message) - limit} more characters)"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class ChatError(Exception):
    """Base class: an expected failure that the caller caused or can act on."""

    code: ClassVar[str] = "UNKNOWN"  # the name of a grpc.StatusCode member
    default_reason: ClassVar[str] = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        field: str | None = None,
        violations: Iterable[FieldViolation] = (),
        metadata: dict[str, str] | None = None,
        retry_delay: timedelta | None = None,
    ) -> None:
        message = clip_message(message)
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.violations = [
            FieldViolation(clip_message(v.field, 200), clip_message(v.description, 300)) for v in violations
        ]
        if field is not None:
            self.violations.insert(0, FieldViolation(clip_message(field, 200), message))
        self.metadata = dict(metadata or {})
        self.retry_delay = retry_delay

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidArgument(ChatError):
    code = "INVALID_ARGUMENT"
    default_reason = "INVALID_ARGUMENT"


class NotFound(ChatError):
    code = "NOT_FOUND"
    default_reason = "NOT_FOUND"


class AlreadyExists(ChatError):
    code = "ALREADY_EXISTS"
    default_reason = "ALREADY_EXISTS"


class PermissionDenied(ChatError):
    code = "PERMISSION_DENIED"
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(ChatError):
    code = "UNAUTHENTICATED"
    default_reason = "UNAUTHENTICATED"


class FailedPrecondition(ChatError):
    code = "FAILED_PRECONDITION"
    default_reason = "FAILED_PRECONDITION"


class ResourceExhausted(ChatError):
    code = "RESOURCE_EXHAUSTED"
    default_reason = "RESOURCE_EXHAUSTED"


class Unimplemented(ChatError):
    code = "UNIMPLEMENTED"
    default_reason = "UNIMPLEMENTED"


class Unavailable(ChatError):
    code = "UNAVAILABLE"
    default_reason = "UNAVAILABLE"
