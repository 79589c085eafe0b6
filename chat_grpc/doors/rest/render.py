"""What the REST door writes back: responses in the proto3 JSON mapping, cut to the ``fields`` selector, and
errors as Google writes them (``{"error": {"code", "message", "status", "details"}}``, the HTTP status from
the canonical mapping of ``google/rpc/code.proto``)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import Message

from chat_grpc.doors.grpc import status
from chat_grpc.doors.rest import protojson
from chat_grpc.fake import wire_bytes
from chat_grpc.fake.errors import ChatError, InvalidArgument
from chat_grpc.fake.renderings import Renderings

# google/rpc/code.proto: the HTTP status each canonical code maps to.
HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}

JSON_TYPE = "application/json; charset=UTF-8"
PROTO_TYPE = "application/x-protobuf"  # alt=proto


class FieldSelectorError(InvalidArgument):
    pass


_PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
_COMPACT = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, *, pretty: bool) -> bytes:
    """JSON as Google writes it: pretty (2-space indent, UTF-8) by default, compact with ``prettyPrint=false``.
    orjson writes it in a fraction of a microsecond per field; the same bytes as ``json.dumps`` (``indent=2``,
    ``ensure_ascii=False``), except that a non-finite float becomes ``null`` (valid JSON) instead of ``NaN``.
    Values orjson cannot write (integers past 64 bits) take the pure-Python path below."""
    try:
        return orjson.dumps(value, option=_PRETTY) + b"\n" if pretty else orjson.dumps(value, option=_COMPACT)
    except TypeError:
        return _dumps_python(value, pretty=pretty)


def _dumps_python(value: Any, *, pretty: bool) -> bytes:
    if pretty:
        out: list[str] = []
        _pretty(value, "\n", out)
        out.append("\n")
        return "".join(out).encode()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


_encode_string = json.encoder.encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses
_float_repr = json.encoder.JSONEncoder(allow_nan=True).iterencode  # NaN, Infinity, as json.dumps writes them


def _pretty(value: Any, newline: str, out: list[str]) -> None:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, byte for byte, without its pure-Python encoder's
    generator chain (that encoder took as long as the rest of a GetSpace: json.dumps uses the C encoder only
    without ``indent``). ``newline`` is a newline and the current indentation."""
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            out.append(separator)
            out.append(_encode_string(key if isinstance(key, str) else _key(key)))
            out.append(": ")
            _pretty(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _pretty(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append("".join(_float_repr(value)))
    else:
        out.append(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", newline))


def _key(key: Any) -> str:
    """A non-string dict key as json.dumps writes it."""
    return str(json.loads(json.dumps({key: 0}))).split("'")[1]


def to_json(message: Message, *, enums_as_ints: bool = False) -> dict[str, Any]:
    """The response in the proto3 JSON mapping (``json_format.MessageToDict``'s answer, compiled per type)."""
    rendered: dict[str, Any] = protojson.to_json(message, enums_as_ints=enums_as_ints)
    return rendered


# Answers by the bytes of the message they render: its JSON is a function of those bytes (equal bytes, equal
# message) and of the two options, so a GetSpace or a page read again while nothing changed is one dict lookup
# (rendering and writing a Space is ~15 µs, its bytes and the lookup under 1 µs).
_ANSWERS: Renderings[tuple[type[Message], bytes, bool, bool]] = Renderings(4096, 32 << 20)


def answer_json(message: Message, *, enums_as_ints: bool, pretty: bool) -> bytes:
    """``dumps(to_json(message))``: the JSON a response is written as, kept by the message's bytes."""
    wire = wire_bytes.remembered(message)  # a page: the bytes it was parsed from
    if wire is None:
        wire = message.SerializeToString(deterministic=True)
    key = (type(message), wire, enums_as_ints, pretty)
    written = _ANSWERS.get(key)
    if written is None:
        written = dumps(to_json(message, enums_as_ints=enums_as_ints), pretty=pretty)
        _ANSWERS.keep(key, written, len(wire))
    return written


def from_json(value: dict[str, Any], message_type: type[Message]) -> Message:
    """The message a (cut) JSON response stands for (for ``alt=proto`` with ``fields``)."""
    return protojson.parse_dict(value, message_type())


def error_body(error: ChatError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the JSON error of a failure, with the same ``google.rpc`` details as gRPC's."""
    proto = status.to_status_proto(error)
    code = HTTP_STATUS.get(error.code, 500)
    body: dict[str, Any] = {"code": code, "message": error.message, "status": error.code}
    details = [json_format.MessageToDict(detail) for detail in proto.details]
    if details:
        body["details"] = details
    return code, {"error": body}


def plain_error(code: int, status_name: str, message: str) -> dict[str, Any]:
    """An error the door answers by itself (no such URL, wrong method, body too large)."""
    return {"error": {"code": code, "message": message, "status": status_name}}


# ---------------------------------------------------------------- fields selector (partial responses)

Selector = dict[str, "Selector | None"]  # None: the whole value


def parse_fields(text: str) -> Selector:
    """Google's ``fields`` syntax: ``a,b/c,d(e,f/g)``; ``*`` selects everything at its level."""
    position = 0

    def fail(why: str) -> FieldSelectorError:
        message = f"Invalid field selector {text[:200]!r} in query parameter 'fields': {why} (at character {position})"
        return FieldSelectorError(message, field="fields")

    def parse_list(depth: int) -> Selector:
        nonlocal position
        out: Selector = {}
        if depth > 32:
            raise fail("nested too deeply")
        while True:
            path: list[str] = []
            while True:
                start = position
                while position < len(text) and (text[position].isalnum() or text[position] in "_*@$-"):
                    position += 1
                if position == start:
                    raise fail("expected a field name")
                path.append(text[start:position])
                if position < len(text) and text[position] == "/":
                    position += 1
                    continue
                break
            sub: Selector | None = None
            if position < len(text) and text[position] == "(":
                position += 1
                sub = parse_list(depth + 1)
                if position >= len(text) or text[position] != ")":
                    raise fail("missing ')'")
                position += 1
            node = out
            for name in path[:-1]:
                existing = node.get(name, {})
                if existing is None:
                    break
                node[name] = existing
                node = existing
            else:
                last = path[-1]
                if sub is None or node.get(last, {}) is None:
                    node[last] = None
                else:
                    merged = node.get(last) or {}
                    merged.update(sub)
                    node[last] = merged
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            return out

    text = re.sub(r"\s*([,/()])\s*", r"\1", text.strip())  # spaces around separators only: "a b" is no name
    if not text:
        raise fail("empty")
    selector = parse_list(0)
    if position != len(text):
        raise fail("unexpected character")
    return selector


def select(value: Any, selector: Selector | None) -> Any:
    """``value`` cut to ``selector``; lists are cut element by element."""
    if selector is None:
        return value
    if isinstance(value, list):
        return [select(item, selector) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in selector:
        wildcard = selector["*"]
        return {key: select(item, selector.get(key, wildcard)) for key, item in value.items()}
    out = {}
    for key, sub in selector.items():
        if key in value:
            out[key] = select(value[key], sub)
    return out
