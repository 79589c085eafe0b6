"""The REST door's HTTP vocabulary, shared by the app and its media routes: the ASGI callables, a reply, Google's
system parameters (``alt``, ``fields``, ``prettyPrint``, ``access_token``, ...) and what media routes ask of the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf.message import Message

from chat_grpc.doors.rest import render
from chat_grpc.doors.rest.transcode import clip
from chat_grpc.fake.core import ChatCore
from chat_grpc.fake.errors import ChatError, InvalidArgument
from chat_grpc.fake.rpc import Media

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


# Google's standard query parameters, accepted on every route.
SYSTEM_PARAMETERS = frozenset(
    {
        "$.xgafv",
        "access_token",
        "alt",
        "$alt",
        "callback",
        "fields",
        "key",
        "oauth_token",
        "prettyPrint",
        "quotaUser",
        "uploadType",
        "upload_protocol",
    }
)


@dataclass
class SystemParameters:
    alt: str = "json"
    enums_as_ints: bool = False
    pretty: bool = True
    fields: render.Selector | None = None
    token: str | None = None
    upload_type: str | None = None


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", ""):
        return True
    if lowered in ("false", "0"):
        return False
    raise InvalidArgument(f"Invalid boolean value {clip(value, 40)!r} for query parameter {name!r}", field=name)


def system_parameters(params: list[tuple[str, str]]) -> tuple[SystemParameters, list[tuple[str, str]]]:
    """Split the query into Google's system parameters and the request's own parameters."""
    system = SystemParameters()
    rest: list[tuple[str, str]] = []
    for name, value in params:
        if name not in SYSTEM_PARAMETERS:
            rest.append((name, value))
        elif name == "alt":
            if value not in ("json", "media", "proto"):
                raise InvalidArgument(f"Invalid value {clip(value, 40)!r} for query parameter 'alt'", field="alt")
            system.alt = value
        elif name == "$alt":
            kind, _, options = value.partition(";")
            if kind not in ("json", "media", "proto") or options not in (
                "",
                "enum-encoding=int",
                "enum-encoding=string",
            ):
                raise InvalidArgument(f"Invalid value {clip(value, 60)!r} for query parameter '$alt'", field="$alt")
            system.alt, system.enums_as_ints = kind, options == "enum-encoding=int"
        elif name == "prettyPrint":
            system.pretty = _bool(name, value)
        elif name == "fields":
            system.fields = render.parse_fields(value)
        elif name in ("access_token", "oauth_token"):
            system.token = value
        elif name == "$.xgafv":
            if value not in ("1", "2"):
                raise InvalidArgument(f"Invalid value {clip(value, 40)!r} for query parameter '$.xgafv'", field=name)
        elif name == "uploadType":
            system.upload_type = value
        # key, quotaUser, callback, upload_protocol: accepted and ignored, as they change nothing here
    return system, rest


@dataclass
class Reply:
    """What the door answers: an HTTP status, a JSON value (or media bytes) and extra headers."""

    code: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    pretty: bool = True


def error_reply(error: ChatError, system: SystemParameters | None = None) -> Reply:
    code, body = render.error_body(error)
    headers = []
    if error.code == "UNAUTHENTICATED":
        headers.append(("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"'))
    return Reply(code, body, headers, pretty=system.pretty if system is not None else True)


class Caller(Protocol):
    """What the media routes ask of the REST app: serve one call through the core, and answer it."""

    max_upload_bytes: int
    core: ChatCore  # a download checks the caller's credentials and reads the store's media itself

    @property
    def executor(self) -> Executor:
        """Where blocking work (reading media) runs, off the event loop."""
        ...

    async def call(
        self,
        rpc: str,
        request: Message,
        headers: Sequence[tuple[str, str | bytes]],
        receive: Receive | None,
        media: Media | None = None,
    ) -> Message | ChatError:
        """The response of ``rpc``, or its failure."""
        ...

    def answer(self, response: Message | ChatError, system: SystemParameters) -> Reply:
        """The HTTP reply for a response or a failure."""
        ...
