"""One exception hierarchy for failed calls, keyed by gRPC status code.

Every failed RPC raises a subclass of :class:`ChatApiError` named after its status code (``NotFound``,
``PermissionDenied``, ...), ``from`` the original ``grpc.RpcError`` (over REST: the ``httpx.HTTPStatusError``,
mapped by :func:`from_http_response`). It carries the code, the message and
the ``google.rpc`` details of the ``grpc-status-details-bin`` trailer, decoded: ``field_violations``
(``BadRequest``), ``error_info`` (``ErrorInfo``: reason, domain, metadata), ``retry_info`` (``RetryInfo``)
and the rest in ``details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias, TypeVar, cast

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

DETAILS_TRAILER = "grpc-status-details-bin"

# The google.rpc detail types a server may attach; anything else stays a packed Any in `details`.
_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.RetryInfo,
    error_details_pb2.DebugInfo,
    error_details_pb2.QuotaFailure,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.BadRequest,
    error_details_pb2.RequestInfo,
    error_details_pb2.ResourceInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
)
_BY_TYPE_NAME = {cls.DESCRIPTOR.full_name: cls for cls in _DETAIL_TYPES}

M = TypeVar("M", bound=Message)

# With google-api-core installed (it comes with Google's client libraries), every class here also derives from
# the matching ``google.api_core.exceptions`` class, so code written for GAPIC clients (``except
# google.api_core.exceptions.NotFound``) catches our errors. It is optional: its classes are only extra bases.
# (api-core's metaclass registers subclasses for its own code -> class lookups with setdefault: its own classes,
# registered first, stay the ones it raises.)
try:
    from google.api_core import exceptions as _api_core
except ImportError:  # pragma: no cover - exercised by a subprocess test that hides google.api_core
    _api_core = None  # type: ignore[assignment]


def _also(name: str) -> type[Exception]:
    """api-core's exception class of that name, or ``Exception`` (already a base) without api-core."""
    return cast(type[Exception], getattr(_api_core, name)) if _api_core is not None else Exception


if TYPE_CHECKING:  # the static view is our hierarchy alone (api-core is optional at run time)
    _GoogleAPICallError: TypeAlias = Exception
    _Cancelled: TypeAlias = Exception
    _Unknown: TypeAlias = Exception
    _InvalidArgument: TypeAlias = Exception
    _DeadlineExceeded: TypeAlias = Exception
    _NotFound: TypeAlias = Exception
    _AlreadyExists: TypeAlias = Exception
    _PermissionDenied: TypeAlias = Exception
    _ResourceExhausted: TypeAlias = Exception
    _FailedPrecondition: TypeAlias = Exception
    _Aborted: TypeAlias = Exception
    _OutOfRange: TypeAlias = Exception
    _Unimplemented: TypeAlias = Exception
    _Internal: TypeAlias = Exception
    _Unavailable: TypeAlias = Exception
    _DataLoss: TypeAlias = Exception
    _Unauthenticated: TypeAlias = Exception
else:
    _GoogleAPICallError = _also("GoogleAPICallError")
    _Cancelled, _Unknown, _InvalidArgument = _also("Cancelled"), _also("Unknown"), _also("InvalidArgument")
    _DeadlineExceeded, _NotFound, _AlreadyExists = _also("DeadlineExceeded"), _also("NotFound"), _also("AlreadyExists")
    _PermissionDenied, _ResourceExhausted = _also("PermissionDenied"), _also("ResourceExhausted")
    _FailedPrecondition, _Aborted, _OutOfRange = _also("FailedPrecondition"), _also("Aborted"), _also("OutOfRange")
    _Unimplemented, _Internal = _also("MethodNotImplemented"), _also("InternalServerError")
    _Unavailable, _DataLoss, _Unauthenticated = _also("ServiceUnavailable"), _also("DataLoss"), _also("Unauthenticated")


class _Call(Protocol):
    """What sync and asyncio RpcErrors both offer (grpc.Call / grpc.aio.AioRpcError)."""

    def code(self) -> grpc.StatusCode: ...
    def details(self) -> str | None: ...
    def trailing_metadata(self) -> Iterable[tuple[str, str | bytes]] | None: ...


class ChatApiError(_GoogleAPICallError):
    """A failed Chat API call. ``code``/``message`` are the gRPC status; the rest is decoded ``google.rpc``.

    With google-api-core installed, also a ``google.api_core.exceptions.GoogleAPICallError`` (and each subclass
    the matching api-core class: ``NotFound``, ``PermissionDenied``, ...). ``code`` stays the gRPC status code
    (api-core's HTTP status is the class attribute: ``type(error).code``); ``details`` the decoded details."""

    grpc_status_code: ClassVar[grpc.StatusCode | None] = None

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        details: Sequence[Message] = (),
        status: status_pb2.Status | None = None,
    ) -> None:
        super().__init__(message)
        self.code: grpc.StatusCode = code or self.grpc_status_code or grpc.StatusCode.UNKNOWN
        self.message = message
        self._details: tuple[Message, ...] = tuple(details)
        self._error_info = self.error_info  # api-core's ``domain`` and ``metadata`` properties read it
        self.status = status

    @property
    def details(self) -> tuple[Message, ...]:
        """The decoded ``google.rpc`` details (unknown types stay packed ``Any`` messages)."""
        return self._details

    def __str__(self) -> str:
        reason = f" [{self.error_info.reason}]" if self.error_info and self.error_info.reason else ""
        return f"{self.code.name}: {self.message}{reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code.name})"

    def detail(self, kind: type[M]) -> M | None:
        """The first decoded detail of that type (e.g. ``error_details_pb2.QuotaFailure``), or None."""
        return next((d for d in self.details if isinstance(d, kind)), None)

    @property
    def error_info(self) -> error_details_pb2.ErrorInfo | None:
        return self.detail(error_details_pb2.ErrorInfo)

    @property
    def reason(self) -> str:
        """``ErrorInfo.reason`` (e.g. ``"PERMISSION_DENIED"``), or ``""``."""
        return self.error_info.reason if self.error_info else ""

    @property
    def retry_info(self) -> error_details_pb2.RetryInfo | None:
        return self.detail(error_details_pb2.RetryInfo)

    @property
    def retry_delay(self) -> float | None:
        """``RetryInfo.retry_delay`` in seconds, when the server sent one."""
        info = self.retry_info
        return info.retry_delay.ToTimedelta().total_seconds() if info and info.HasField("retry_delay") else None

    @property
    def field_violations(self) -> list[error_details_pb2.BadRequest.FieldViolation]:
        return [v for d in self.details if isinstance(d, error_details_pb2.BadRequest) for v in d.field_violations]

    @property
    def debug_info(self) -> error_details_pb2.DebugInfo | None:
        return self.detail(error_details_pb2.DebugInfo)


class Cancelled(ChatApiError, _Cancelled):
    grpc_status_code = grpc.StatusCode.CANCELLED


class Unknown(ChatApiError, _Unknown):
    grpc_status_code = grpc.StatusCode.UNKNOWN


class InvalidArgument(ChatApiError, _InvalidArgument):
    grpc_status_code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(ChatApiError, _DeadlineExceeded):
    grpc_status_code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(ChatApiError, _NotFound):
    grpc_status_code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(ChatApiError, _AlreadyExists):
    grpc_status_code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(ChatApiError, _PermissionDenied):
    grpc_status_code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(ChatApiError, _ResourceExhausted):
    grpc_status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(ChatApiError, _FailedPrecondition):
    grpc_status_code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(ChatApiError, _Aborted):
    grpc_status_code = grpc.StatusCode.ABORTED


class OutOfRange(ChatApiError, _OutOfRange):
    grpc_status_code = grpc.StatusCode.OUT_OF_RANGE


class Unimplemented(ChatApiError, _Unimplemented):
    grpc_status_code = grpc.StatusCode.UNIMPLEMENTED


class Internal(ChatApiError, _Internal):
    grpc_status_code = grpc.StatusCode.INTERNAL


class Unavailable(ChatApiError, _Unavailable):
    grpc_status_code = grpc.StatusCode.UNAVAILABLE


class DataLoss(ChatApiError, _DataLoss):
    grpc_status_code = grpc.StatusCode.DATA_LOSS


class Unauthenticated(ChatApiError, _Unauthenticated):
    grpc_status_code = grpc.StatusCode.UNAUTHENTICATED


ERROR_CLASSES: dict[grpc.StatusCode, type[ChatApiError]] = {
    cls.grpc_status_code: cls
    for cls in (
        Cancelled,
        Unknown,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        Internal,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
    if cls.grpc_status_code is not None
}


def error_class(code: grpc.StatusCode | None) -> type[ChatApiError]:
    """The ChatApiError subclass for a status code (``ChatApiError`` itself for OK or None)."""
    return ERROR_CLASSES.get(code, ChatApiError) if code is not None else ChatApiError


def unpack_details(status: status_pb2.Status) -> list[Message]:
    """The status' details as google.rpc messages; unknown types stay packed ``Any`` messages."""
    decoded: list[Message] = []
    for packed in status.details:
        kind = _BY_TYPE_NAME.get(packed.TypeName())
        if kind is None:
            decoded.append(packed)
            continue
        detail = kind()
        decoded.append(detail if packed.Unpack(detail) else packed)
    return decoded


def decode_status(trailing_metadata: Iterable[tuple[str, str | bytes]] | None) -> status_pb2.Status | None:
    """The google.rpc.Status of a ``grpc-status-details-bin`` trailer, if there is one (and it parses)."""
    for key, value in trailing_metadata or ():
        if key == DETAILS_TRAILER and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:
                return None
    return None


def from_grpc_error(error: grpc.RpcError) -> ChatApiError:
    """The ChatApiError for a failed call (sync or asyncio); raise it ``from error``."""
    call = cast(_Call, error)
    code = call.code() if callable(getattr(error, "code", None)) else None
    message = (call.details() if callable(getattr(error, "details", None)) else None) or ""
    trailers = call.trailing_metadata() if callable(getattr(error, "trailing_metadata", None)) else None
    status = decode_status(trailers)
    details = unpack_details(status) if status is not None else []
    if not message and status is not None:
        message = status.message
    return error_class(code)(message or str(error), code=code, details=details, status=status)


# google/rpc/code.proto's HTTP mapping, read backwards, for error answers without a JSON ``status`` (a proxy's
# 502 page, ...): where two codes share an HTTP status, the one a bare HTTP status most often means.
HTTP_STATUS_CODES: dict[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    416: grpc.StatusCode.OUT_OF_RANGE,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    500: grpc.StatusCode.INTERNAL,
    501: grpc.StatusCode.UNIMPLEMENTED,
    502: grpc.StatusCode.UNAVAILABLE,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def from_http_response(http_status: int, content: bytes) -> ChatApiError:
    """The ChatApiError for a failed REST call: Google's ``{"error": {"code", "message", "status", "details"}}``
    with the same decoded ``google.rpc`` details as over gRPC (``status`` is rebuilt from the JSON). An answer
    that is not such JSON maps by its HTTP status alone."""
    import json

    from google.protobuf import json_format

    error: object = None
    try:
        payload = json.loads(content)
        error = payload.get("error") if isinstance(payload, dict) else None
    except ValueError:
        pass
    fallback = HTTP_STATUS_CODES.get(http_status, grpc.StatusCode.UNKNOWN)
    if not isinstance(error, dict):
        text = content[:200].decode("utf-8", "replace").strip()
        message = f"HTTP {http_status}" + (f": {text}" if text else "")
        return error_class(fallback)(message, code=fallback)
    name = error.get("status")
    code = grpc.StatusCode[name] if isinstance(name, str) and name in grpc.StatusCode.__members__ else fallback
    said = error.get("message")
    message = said if isinstance(said, str) else ""
    packed: list[any_pb2.Any] = []
    for detail in error.get("details") or ():
        found = any_pb2.Any()
        try:
            json_format.ParseDict(detail, found, ignore_unknown_fields=True)
        except Exception:  # a detail type this process does not know, or not a detail at all: left out
            continue
        packed.append(found)
    status = status_pb2.Status(code=code.value[0], message=message, details=packed)
    return error_class(code)(message or f"HTTP {http_status}", code=code, details=unpack_details(status), status=status)


def pack(detail: Message) -> any_pb2.Any:
    """A detail packed for a google.rpc.Status (handy in tests and fakes)."""
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


__all__ = [
    "DETAILS_TRAILER",
    "ERROR_CLASSES",
    "HTTP_STATUS_CODES",
    "Aborted",
    "AlreadyExists",
    "Cancelled",
    "ChatApiError",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "OutOfRange",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "decode_status",
    "error_class",
    "from_grpc_error",
    "from_http_response",
    "unpack_details",
]
