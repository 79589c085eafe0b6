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
from collections.abc import Iterator
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
from chat_grpc.client._http import API_CLIENT_HEADER, RestAuth, TokenAuth, base_url, check_options
from chat_grpc.client.errors import ChatApiError, error_class, from_http_response

if TYPE_CHECKING:
    import httpx

Resp = TypeVar("Resp", bound=Message)

# Responses with enums as numbers (as Google's own REST transports ask): an enum value this client's protos do
# not know yet survives as its number instead of failing the parse.
SYSTEM_QUERY = (("$alt", "json;enum-encoding=int"),)
JSON_TYPE = "application/json"


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


# ------------------------------------------------------------------------------------------------ the two senders


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


__all__ = [
    "API_CLIENT_HEADER", "AsyncRest", "HttpCall", "RestAuth", "SyncRest", "TokenAuth", "base_url", "check_options",
    "parse_response", "rest_bindings", "transcode",
]  # fmt: skip
