"""The REST transport of the clients (``transport="rest"``): the same calls as gRPC, over HTTP/1.1 and JSON.

What is shared, with no I/O: :func:`transcode` turns a request message into (HTTP method, path, query, JSON body)
by the method's ``google.api.http`` rule, read from the service descriptor at runtime (AIP-127, the client
direction: path variables from the request's fields, ``body: "*"`` or one field, every other non-default field
as a query parameter: repeated fields repeated, nested messages as dotted paths, ``FieldMask`` comma-joined,
enums by name); :func:`parse_response` reads the JSON answer into the response class (unknown fields ignored,
so a newer server works); :func:`chat_grpc.client.errors.from_http_response` maps an error answer to the same
exception classes and decoded details as gRPC; :func:`transport_error` maps a failure to reach the server.

What differs (the only I/O): :class:`SyncRest` sends with ``httpx.Client`` and sleeps with ``time.sleep``,
:class:`AsyncRest` sends with ``httpx.AsyncClient`` and sleeps with ``asyncio.sleep``. Both loop over the
attempts of one :class:`~chat_grpc.client._core.CallPlan` exactly as the gRPC sender does, so deadlines, retry policy
and idempotency rules are the same code.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pool, json_format
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from chat_grpc.api.http_rules import PathTemplate, bindings
from chat_grpc.api.rpcs import SERVICE, Rpc
from chat_grpc.client._core import ROUTING_HEADER, CallPlan, field_value
from chat_grpc.client.errors import ChatApiError, error_class, from_http_response

if TYPE_CHECKING:
    import google.auth.credentials
    import httpx

Resp = TypeVar("Resp", bound=Message)

# Responses with enums as numbers (as Google's own REST transports ask): an enum value this client's protos do
# not know yet survives as its number instead of failing the parse.
SYSTEM_QUERY = (("$alt", "json;enum-encoding=int"),)
JSON_TYPE = "application/json"
API_CLIENT_HEADER = "x-goog-api-client"


# ------------------------------------------------------------------------------------------------ transcoding


@dataclass(frozen=True)
class Binding:
    verb: str
    template: PathTemplate
    body: str  # "" (none), "*" (the whole request) or a top-level request field


@dataclass(frozen=True)
class HttpCall:
    """One call as HTTP: what every attempt sends."""

    verb: str
    path: str  # percent-encoded, e.g. "/v1/spaces/AAAA"
    query: tuple[tuple[str, str], ...]
    body: bytes | None  # JSON (or content_type), or None for no body
    content_type: str = "application/json"
    system_query: tuple[tuple[str, str], ...] = SYSTEM_QUERY  # none for a media download (alt=media)


@functools.cache
def rest_bindings(rpc_name: str) -> tuple[Binding, ...]:
    """The HTTP bindings of ``google.chat.v1.ChatService/<rpc_name>``, primary first (from the descriptor)."""
    method: MethodDescriptor = descriptor_pool.Default().FindMethodByName(f"{SERVICE}.{rpc_name}")
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):  # type: ignore[arg-type]
        raise ValueError(f"{rpc_name} has no google.api.http rule: it cannot be called over REST")
    rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]  # type: ignore[index]
    return tuple(Binding(verb, PathTemplate.parse(path), body) for verb, path, body in bindings(rule))


def transcode(rpc: Rpc[Any, Any], request: Message) -> HttpCall:
    """The HTTP call for ``request`` by the first binding of its rule whose path variables its fields fill.

    Raises ValueError (nothing is sent) when no binding fits, e.g. ``get_space(name="users/x")``."""
    choices = rest_bindings(rpc.name)
    for binding in choices:
        values = {var: str(field_value(request, var)) for var in binding.template.variables}
        path = binding.template.fill(values)
        if path is None:
            continue
        data: dict[str, Any] = json_format.MessageToDict(request)
        descriptor = request.DESCRIPTOR
        for var in binding.template.variables:
            _pop(data, descriptor, var)
        body: Any = None
        if binding.body == "*":
            body, data = data, {}
        elif binding.body:
            body = data.pop(descriptor.fields_by_name[binding.body].json_name, {})
        query = tuple(_flatten(data, ""))
        encoded = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        return HttpCall(binding.verb, path, query, encoded)
    wanted = " or ".join(
        ", ".join(f"{var} like {_pattern_text(b.template, var)}" for var in b.template.variables) for b in choices
    )
    raise ValueError(f"{rpc.method}(): the request does not fit the REST path of {rpc.name} (needs {wanted})")


def _pattern_text(template: PathTemplate, var: str) -> str:
    start = template.text.index("{" + var)
    inner = template.text[start + 1 : template.text.index("}", start)]
    return repr(inner.partition("=")[2] or "*")


def _pop(data: dict[str, Any], descriptor: Any, dotted: str) -> None:
    """Remove a field bound by the path (a dotted proto path) from the request's JSON."""
    *parents, leaf = dotted.split(".")
    node: Any = data
    for part in parents:
        field = descriptor.fields_by_name[part]
        node = node.get(field.json_name)
        if not isinstance(node, dict):
            return
        descriptor = field.message_type
    node.pop(descriptor.fields_by_name[leaf].json_name, None)


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """Query parameters of a JSON value: dotted paths into messages, one parameter per repeated value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                raise ValueError(f"{prefix}: a repeated message field cannot be sent as a query parameter")
            yield from _flatten(item, prefix)
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    else:
        yield prefix, str(value)


def parse_response(rpc: Rpc[Any, Resp], content: bytes) -> Resp:
    """The response message of a successful answer; fields this client does not know are ignored."""
    response = rpc.response()
    if content.strip():
        json_format.Parse(content, response, ignore_unknown_fields=True)
    return response


def transport_error(error: Exception) -> ChatApiError:
    """A failure to get an answer at all, as gRPC would report it: a timeout is DEADLINE_EXCEEDED, anything
    else (refused, reset, protocol error) UNAVAILABLE — retried, like gRPC's, for idempotent calls."""
    import httpx

    if isinstance(error, httpx.TimeoutException):
        code = grpc.StatusCode.DEADLINE_EXCEEDED
        message = f"Deadline Exceeded ({type(error).__name__})"
    else:
        code = grpc.StatusCode.UNAVAILABLE
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return error_class(code)(message, code=code)


def http_timeout(seconds: float | None) -> httpx.Timeout:
    """One attempt's httpx timeout: what is left of the call's deadline, for connecting, sending and reading."""
    import httpx

    return httpx.Timeout(seconds)


def headers(plan: CallPlan, body: bytes | None, content_type: str = JSON_TYPE) -> list[tuple[str, str]]:
    """HTTP headers of one attempt: the call's metadata (binary values in base64), without the gRPC routing
    header (a REST URL carries the resource name itself)."""
    out = [
        (key, value if isinstance(value, str) else base64.b64encode(value).decode("ascii"))
        for key, value in plan.metadata()
        if key != ROUTING_HEADER
    ]
    if body is not None:
        out.append(("content-type", content_type))
    return out


def unsent(error: Exception) -> bool:
    """Whether a transport error proves the request never reached the server: no connection was made."""
    import httpx

    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


# ------------------------------------------------------------------------------------------------ auth


class RestAuth:
    """google-auth credentials on HTTP requests: ``credentials.before_request`` (refreshing through google-auth's
    requests transport when the token is missing or expired) adds ``Authorization: Bearer ...``."""

    def __init__(self, credentials: google.auth.credentials.Credentials) -> None:
        self.credentials = credentials
        self._request: Any = None

    @property
    def fresh(self) -> bool:
        """Whether applying needs no network call (a valid token)."""
        return bool(self.credentials.valid)

    def apply(self, verb: str, url: str, out: list[tuple[str, str]]) -> None:
        if self._request is None:
            import google.auth.transport.requests

            self._request = google.auth.transport.requests.Request()
        # google-auth appends its metrics (``cred-type/u``) to an existing x-goog-api-client: hand it ours.
        found = {key: value for key, value in out if key == API_CLIENT_HEADER}
        self.credentials.before_request(self._request, verb, url, found)  # type: ignore[no-untyped-call]
        out[:] = [(key, value) for key, value in out if key not in found]
        out.extend((key.lower(), value) for key, value in found.items())


class TokenAuth:
    """A fixed bearer token on HTTP requests (an emulator token), with :class:`RestAuth`'s interface."""

    fresh = True

    def __init__(self, token: str) -> None:
        self.token = token

    def apply(self, verb: str, url: str, out: list[tuple[str, str]]) -> None:
        out.append(("authorization", f"Bearer {self.token}"))


# ------------------------------------------------------------------------------------------------ the two senders


def base_url(target: str, *, secure: bool) -> str:
    """``https://host[:port]`` for a gRPC-style ``host:port`` target (``:443`` dropped); URLs stay as they are."""
    if target.startswith(("http://", "https://")):
        return target.rstrip("/")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        host, port = target, ""
    scheme = "https" if secure else "http"
    default = "443" if secure else "80"
    return f"{scheme}://{host}" if port in ("", default) else f"{scheme}://{host}:{port}"


class _RestBase:
    def __init__(self, url: str, auth: RestAuth | TokenAuth | None) -> None:
        self.url = url
        self.auth = auth

    def _failure(self, response: httpx.Response) -> tuple[ChatApiError, Exception]:
        import httpx

        mapped = from_http_response(response.status_code, response.content)
        cause = httpx.HTTPStatusError(
            f"{response.status_code} {response.reason_phrase} for {response.request.method} {response.request.url}",
            request=response.request,
            response=response,
        )
        return mapped, cause


class SyncRest(_RestBase):
    """Blocking sends over ``httpx.Client`` (HTTP/1.1, keep-alive)."""

    def __init__(self, url: str, auth: RestAuth | TokenAuth | None, client: httpx.Client | None = None) -> None:
        import httpx

        super().__init__(url, auth)
        self.client = client or httpx.Client(base_url=url, timeout=None, follow_redirects=False)

    def send(self, rpc: Rpc[Any, Resp], plan: CallPlan) -> Resp:
        return parse_response(rpc, self.exchange(transcode(rpc, plan.request), plan).content)

    def exchange(self, call: HttpCall, plan: CallPlan) -> httpx.Response:
        """Send ``call`` until it succeeds or the plan gives up: the successful answer."""
        import httpx

        query = (*call.query, *call.system_query)
        while True:
            timeout = http_timeout(plan.timeout())
            sent = headers(plan, call.body, call.content_type)
            if self.auth is not None:
                self.auth.apply(call.verb, self.url + call.path, sent)
            try:
                response = self.client.request(
                    call.verb, call.path, params=query, content=call.body, headers=sent, timeout=timeout
                )
            except httpx.TransportError as error:
                time.sleep(plan.failed(error, transport_error(error), unsent=unsent(error)))
                continue
            if response.is_success:
                return response
            mapped, cause = self._failure(response)
            time.sleep(plan.failed(cause, mapped))

    def close(self) -> None:
        self.client.close()


class AsyncRest(_RestBase):
    """asyncio sends over ``httpx.AsyncClient``; a token refresh (rare, blocking) runs in a worker thread."""

    def __init__(self, url: str, auth: RestAuth | TokenAuth | None, client: httpx.AsyncClient | None = None) -> None:
        import httpx

        super().__init__(url, auth)
        self.client = client or httpx.AsyncClient(base_url=url, timeout=None, follow_redirects=False)

    async def send(self, rpc: Rpc[Any, Resp], plan: CallPlan) -> Resp:
        return parse_response(rpc, (await self.exchange(transcode(rpc, plan.request), plan)).content)

    async def exchange(self, call: HttpCall, plan: CallPlan) -> httpx.Response:
        """Send ``call`` until it succeeds or the plan gives up: the successful answer."""
        import httpx

        query = (*call.query, *call.system_query)
        while True:
            timeout = http_timeout(plan.timeout())
            sent = headers(plan, call.body, call.content_type)
            if self.auth is not None:
                if self.auth.fresh:
                    self.auth.apply(call.verb, self.url + call.path, sent)
                else:
                    await asyncio.to_thread(self.auth.apply, call.verb, self.url + call.path, sent)
            try:
                response = await self.client.request(
                    call.verb, call.path, params=query, content=call.body, headers=sent, timeout=timeout
                )
            except httpx.TransportError as error:
                await asyncio.sleep(plan.failed(error, transport_error(error), unsent=unsent(error)))
                continue
            if response.is_success:
                return response
            mapped, cause = self._failure(response)
            await asyncio.sleep(plan.failed(cause, mapped))

    async def close(self) -> None:
        await self.client.aclose()


def check_options(options: Mapping[str, object]) -> None:
    """gRPC-only options passed with ``transport="rest"`` are an error, not silently ignored."""
    given = sorted(name for name, value in options.items() if value)
    if given:
        raise ValueError(f"{', '.join(given)}: gRPC options, not used by transport='rest'")


__all__ = [
    "AsyncRest", "HttpCall", "RestAuth", "SyncRest", "TokenAuth", "parse_response", "rest_bindings", "transcode",
]  # fmt: skip
