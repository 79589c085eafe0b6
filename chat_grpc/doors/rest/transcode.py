"""HTTP request -> request message, by the mapping of ``google.api.http`` (AIP-127): path variables bind
request fields, ``body`` names the field the JSON body fills (``*``: the whole request), and every other
field comes from the query string — by JSON name (lowerCamelCase) or proto name, dotted paths into nested
messages, repeated parameters, and the value written as the proto3 JSON mapping writes it (enum names or
numbers, int64 as strings, ``FieldMask`` as a comma list, RFC 3339 timestamps, ``true``/``false``).

Everything the caller got wrong is a ``RequestError`` (INVALID_ARGUMENT) whose message names the field, worded
as Google's frontend words it (``Invalid JSON payload received. Unknown name "foo" at 'space': Cannot find
field.``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from chat_grpc.doors.rest import protojson
from chat_grpc.doors.rest.routes import Route
from chat_grpc.fake.errors import FieldViolation, InvalidArgument
from chat_grpc.fake.wire_checks import is_repeated

MAX_ECHO = 200  # characters of caller input echoed in an error message


class RequestError(InvalidArgument):
    """A request the REST door cannot turn into a request message."""


def clip(text: str, limit: int = MAX_ECHO) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def load_json(body: bytes) -> Any:
    """The body's JSON value; malformed JSON, bad UTF-8 or absurd nesting is a RequestError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(f"Invalid JSON payload received. The body is not UTF-8 (byte {error.start}).") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise RequestError("Invalid JSON payload received. The JSON is nested too deeply.") from None
    except ValueError as error:
        raise RequestError(f"Invalid JSON payload received. {clip(str(error))}.") from None


def _field_by_name(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    found = descriptor.fields_by_name.get(name)
    if found is not None:
        return found
    for candidate in descriptor.fields:
        if candidate.json_name == name:
            return candidate
    return None


def parse_into(message: Message, value: Any, where: str, reset: Callable[[], Message] | None = None) -> None:
    """Fill ``message`` from a JSON value (proto3 JSON mapping); errors name the field, like Google's.
    ``reset`` (see ``protojson.parse_dict``) when ``message`` is held by a parent."""
    if not isinstance(value, dict):
        raise RequestError(
            f"Invalid JSON payload received. Expected an object for {where!r}, got {type(value).__name__}.",
            field=where,
        )
    try:
        protojson.parse_dict(value, message, reset=reset, max_recursion_depth=64)
    except RecursionError:
        raise RequestError("Invalid JSON payload received. The JSON is nested too deeply.", field=where) from None
    except json_format.ParseError as error:
        raise _parse_error(str(error), where) from None


_UNKNOWN = re.compile(r'Message type "([\w.]+)" has no field named "([^"]*)" at "([^"]*)"')
_FAILED = re.compile(r"Failed to parse (\w+) field: (.*)", re.S)


def _parse_error(text: str, where: str) -> RequestError:
    found = _UNKNOWN.search(text)
    if found:
        name, path = found.group(2), _json_path(found.group(3), where)
        return RequestError(
            f"Invalid JSON payload received. Unknown name {clip(name, 80)!r} at {path!r}: Cannot find field.",
            violations=[FieldViolation(path, f"Invalid JSON payload received. Unknown name {clip(name, 80)!r}")],
        )
    found = _FAILED.search(text)
    if found:
        field, detail = found.group(1), found.group(2).split("\n")[0]
        path = f"{where}.{field}" if where else field
        return RequestError(
            f"Invalid value at {path!r}: {clip(detail)}",
            violations=[FieldViolation(path, f"Invalid value: {clip(detail)}")],
        )
    return RequestError(f"Invalid JSON payload received. {clip(text.splitlines()[0] if text else text)}", field=where)


def _json_path(proto_path: str, where: str) -> str:
    """``CreateSpaceRequest.space.spaceDetails`` -> ``space.spaceDetails`` (the request type dropped)."""
    parts = proto_path.split(".")[1:]
    inner = ".".join(parts)
    if where and not inner.startswith(where):
        return f"{where}.{inner}" if inner else where
    return inner or where


def _set_path(message: Message, dotted: str, value: str) -> None:
    """Set a (dotted) scalar field bound by a path variable."""
    *parents, leaf = dotted.split(".")
    target = message
    for part in parents:
        target = getattr(target, part)
    setattr(target, leaf, value)


def _query_value(field: FieldDescriptor, raw: str, param: str) -> Any:
    """A query value as its proto3 JSON value, for ``ParseDict``."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_BOOL:
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise RequestError(f"Invalid value at {param!r} (TYPE_BOOL), {clip(raw)!r}", field=param)
    if kind == FieldDescriptor.TYPE_ENUM and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == FieldDescriptor.TYPE_MESSAGE:
        message_type = field.message_type
        assert message_type is not None
        full = message_type.full_name
        if full in _WRAPPED_SCALARS:
            return _query_value(message_type.fields_by_name["value"], raw, param)
        if full not in _STRING_MESSAGES:
            raise RequestError(
                f"Invalid JSON payload received. Cannot bind query parameter {param!r}: it names a message, not a"
                " field of it",
                field=param,
            )
    return raw


_STRING_MESSAGES = {
    "google.protobuf.FieldMask",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
}
_WRAPPED_SCALARS = {
    f"google.protobuf.{n}Value" for n in ("Bool", "String", "Bytes", "Int32", "Int64", "UInt32", "UInt64")
} | {"google.protobuf.DoubleValue", "google.protobuf.FloatValue"}


def query_into(message: Message, params: list[tuple[str, str]], *, excluded: set[str], body_field: str) -> None:
    """Fill ``message`` from query parameters (system parameters already removed)."""
    if not params:
        return
    tree: dict[str, Any] = {}
    descriptor = message.DESCRIPTOR
    seen_single: set[str] = set()
    for param, raw in params:
        field_path: list[str] = []
        current: Descriptor | None = descriptor  # type: ignore[assignment]
        node = tree
        parts = param.split(".")
        field: FieldDescriptor | None = None
        for index, part in enumerate(parts):
            field = _field_by_name(current, part) if current is not None else None
            if field is None:
                raise RequestError(
                    f"Invalid JSON payload received. Unknown name {clip(param, 80)!r}: Cannot bind query parameter."
                    f" Field {clip(part, 80)!r} could not be found in request message.",
                    field=clip(param, 80),
                )
            field_path.append(field.name)
            last = index == len(parts) - 1
            if not last:
                if field.type != FieldDescriptor.TYPE_MESSAGE or is_repeated(field):
                    raise RequestError(
                        f"Invalid JSON payload received. Cannot bind query parameter {clip(param, 80)!r}:"
                        f" {part!r} is not a singular message field.",
                        field=clip(param, 80),
                    )
                node = node.setdefault(field.name, {})
                if not isinstance(node, dict):
                    raise RequestError(f"Cannot bind query parameter {clip(param, 80)!r} twice", field=param)
                current = field.message_type
        assert field is not None
        dotted = ".".join(field_path)
        if dotted in excluded or field_path[0] == body_field or body_field == "*":
            raise RequestError(
                f"Invalid JSON payload received. Cannot bind query parameter {clip(param, 80)!r}: the field is"
                " bound by the path or the body.",
                field=clip(param, 80),
            )
        value = _query_value(field, raw, clip(param, 80))
        if is_repeated(field):
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                raise RequestError(f"Cannot bind query parameter {clip(param, 80)!r}: a map field", field=param)
            existing = node.setdefault(field.name, [])
            existing.append(value)
        else:
            if dotted in seen_single:
                raise RequestError(
                    f"Invalid JSON payload received. Query parameter {clip(param, 80)!r} is given more than once,"
                    " but the field is not repeated.",
                    field=clip(param, 80),
                )
            seen_single.add(dotted)
            node[field.name] = value
    parse_into(message, tree, "")


def build_request(route: Route, bound: dict[str, str], params: list[tuple[str, str]], body: bytes) -> Message:
    """The request message of one HTTP call on ``route``."""
    request_class = _request_class(route)
    request = request_class()
    if route.body:
        value = load_json(body) if body.strip() else {}
        if route.body == "*":
            parse_into(request, value, "")
        else:
            body_field = route.body

            def reset() -> Message:  # the request is new: nothing but the body's field was set
                request.ClearField(body_field)
                target: Message = getattr(request, body_field)
                return target

            parse_into(getattr(request, body_field), value, body_field, reset)
    elif body.strip():
        raise RequestError(f"{route.verb} {route.path} takes no request body")
    for dotted, value in bound.items():  # path variables win over anything the body said
        _set_path(request, dotted, value)
    query_into(request, params, excluded=set(bound), body_field=route.body)
    return request


_CLASSES: dict[str, type[Message]] = {}


def _request_class(route: Route) -> type[Message]:
    name = route.method.input_type.full_name
    found = _CLASSES.get(name)
    if found is None:
        from google.protobuf import message_factory

        found = _CLASSES[name] = message_factory.GetMessageClass(route.method.input_type)
    return found
