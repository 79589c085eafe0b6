"""The proto3 JSON mapping of the REST door, compiled once per message type from its descriptor.

Protobuf's ``json_format`` walks every message in pure Python, asking each field descriptor what kind it is on
every call; it was the largest part of a REST call. Here each message type gets, the first time it is met, a
table of (field, JSON name, converter) for rendering and of (JSON key, field, setter) for parsing, and a call is a
loop over ``ListFields()`` (rendering) or over the JSON object's keys (parsing) with one dictionary look-up and
one converter per field.

The result is ``json_format``'s, with the options the door uses: ``MessageToDict`` (lowerCamelCase names, enums
as names or, with ``enums_as_ints``, numbers, 64-bit integers as strings, the well-known types as it writes them,
fields without presence left out when they hold their default) and ``ParseDict`` (JSON or proto field names,
unknown names refused). Whatever the tables do not decide — ``Any``, ``Struct`` and ``Value``, extensions, nulls,
numbers written as floats, and every input that ``json_format`` would refuse — is left to ``json_format`` itself:
rendering falls back to ``MessageToDict`` for the whole message, parsing raises ``Unsupported`` so that the caller
restores the message and runs ``ParseDict``, which then answers, or fails, in its own words.
tests/rest/test_protojson.py checks both against ``json_format`` over every message type of google.chat.v1.
"""

from __future__ import annotations

import base64
import keyword
import math
import re
import struct
import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

F = FieldDescriptor
Render = Callable[[Any], Any]
Fill = Callable[[Any, Any, int], None]  # (JSON value, message, depth)
Setter = Callable[[Message, Any, int], None]

DIRECT_FIELDS = 12  # message types of at most this many fields are rendered by generated code
MAX_DEPTH = 60  # nesting the tables take on; deeper input goes to ParseDict (the door caps it at 64)

_WRAPPERS_FILE = "google/protobuf/wrappers.proto"
_STRING_TYPES = ("google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask")
_LEFT_TO_JSON_FORMAT = (
    "google.protobuf.Any",
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
)


class Unsupported(Exception):
    """The compiled tables leave this value to ``json_format``."""


_lock = threading.Lock()  # compiling: one thread at a time; the tables are published when complete


def _message_type(field: FieldDescriptor) -> Descriptor:
    found = field.message_type
    assert found is not None
    return found


def _enum_type(field: FieldDescriptor) -> EnumDescriptor:
    found = field.enum_type
    assert found is not None
    return found


def _is_map(field: FieldDescriptor) -> bool:
    return field.type == F.TYPE_MESSAGE and bool(_message_type(field).GetOptions().map_entry)


def _is_wrapper(descriptor: Descriptor) -> bool:
    return descriptor.file.name == _WRAPPERS_FILE


# ------------------------------------------------------------------------------------------------- rendering

_RENDERERS: dict[tuple[Descriptor, bool], Render] = {}


def to_json(message: Message, *, enums_as_ints: bool = False) -> Any:
    """``json_format.MessageToDict(message, use_integers_for_enums=enums_as_ints)``."""
    descriptor: Descriptor = message.DESCRIPTOR  # type: ignore[assignment]
    render = _RENDERERS.get((descriptor, enums_as_ints))
    if render is None:
        render = _compile_renderer(descriptor, enums_as_ints)
    try:
        return render(message)
    except Exception:  # an extension, Any or Struct inside, a value json_format refuses: its own answer
        return json_format.MessageToDict(message, use_integers_for_enums=enums_as_ints)


def _compile_renderer(descriptor: Descriptor, enums_as_ints: bool) -> Render:
    with _lock:
        pending: dict[tuple[Descriptor, bool], Render] = {}
        render = _message_renderer(descriptor, enums_as_ints, pending)
        _RENDERERS.update(pending)
    return render


def _message_renderer(descriptor: Descriptor, ints: bool, pending: dict[tuple[Descriptor, bool], Render]) -> Render:
    key = (descriptor, ints)
    found = _RENDERERS.get(key) or pending.get(key)
    if found is not None:
        return found
    full_name = descriptor.full_name
    render: Render
    if _is_wrapper(descriptor):
        render = _wrapper_renderer(descriptor.fields_by_name["value"], ints)
    elif full_name == "google.protobuf.Timestamp":
        render = _timestamp
    elif full_name in _STRING_TYPES:
        render = _to_json_string
    elif full_name in _LEFT_TO_JSON_FORMAT:
        render = _unsupported
    elif len(descriptor.fields) <= DIRECT_FIELDS and not descriptor.is_extendable:
        render = _direct_renderer(descriptor, ints, pending)
    else:
        table: dict[FieldDescriptor, tuple[str, Render | None]] = {}
        render = _regular_renderer(table)
        pending[key] = render  # before its fields: a message type may hold itself
        for field in descriptor.fields:
            table[field] = (field.json_name, _field_renderer(field, ints, pending))
    pending[key] = render
    return render


def _direct_renderer(descriptor: Descriptor, ints: bool, pending: dict[tuple[Descriptor, bool], Render]) -> Render:
    """A small message type's renderer as Python source: each field read and tested as its kind says (``HasField``
    where the field has presence, else its value against the default), in field-number order, like ``ListFields``.
    For a few fields that is cheaper than ``ListFields``, which builds a tuple per set field."""
    scope: dict[str, Any] = {"_copysign": math.copysign}
    pending[(descriptor, ints)] = lambda message: scope["render"](message)  # a message type may hold itself
    lines = ["def render(m):", "    out = {}"]
    for index, field in enumerate(sorted(descriptor.fields, key=lambda f: f.number)):
        convert = _field_renderer(field, ints, pending)
        name, key = field.name, repr(field.json_name)
        read = f"m.{name}" if name.isidentifier() and not keyword.iskeyword(name) else f"getattr(m, {name!r})"
        scope[f"c{index}"] = convert
        if field.has_presence and not field.is_repeated:
            value = read if convert is None else f"c{index}({read})"
            lines += [f"    if m.HasField({name!r}):", f"        out[{key}] = {value}"]
            continue
        value = "v" if convert is None else f"c{index}(v)"
        test = "v"  # repeated and maps: present when not empty; scalars: when not the default
        if field.cpp_type in (F.CPPTYPE_FLOAT, F.CPPTYPE_DOUBLE) and not field.is_repeated:
            test = "v or _copysign(1.0, v) < 0.0"  # -0.0 is set: its bits are not zero
        lines += [f"    v = {read}", f"    if {test}:", f"        out[{key}] = {value}"]
    lines.append("    return out")
    exec("\n".join(lines), scope)
    render: Render = scope["render"]
    return render


def _regular_renderer(table: dict[FieldDescriptor, tuple[str, Render | None]]) -> Render:
    def render(message: Message) -> dict[str, Any]:
        out = {}
        for field, value in message.ListFields():
            name, convert = table[field]  # KeyError for an extension: json_format's turn
            out[name] = value if convert is None else convert(value)
        return out

    return render


def _wrapper_renderer(value_field: FieldDescriptor, ints: bool) -> Render:
    convert = _scalar_renderer(value_field, ints)
    if convert is None:
        return lambda message: message.value
    return lambda message: convert(message.value)


def _unsupported(message: Message) -> Any:
    raise Unsupported(message.DESCRIPTOR.full_name)


def _to_json_string(message: Any) -> str:
    return str(message.ToJsonString())


_TIMESTAMPS: dict[tuple[int, int], str] = {}  # (seconds, nanos) -> its text: a pure function of the key


def _timestamp(message: Any) -> str:
    key = (message.seconds, message.nanos)
    text = _TIMESTAMPS.get(key)
    if text is None:
        text = str(message.ToJsonString())  # ValueError out of range: json_format's turn
        if len(_TIMESTAMPS) >= 4096:
            _TIMESTAMPS.clear()
        _TIMESTAMPS[key] = text
    return text


def _field_renderer(
    field: FieldDescriptor, ints: bool, pending: dict[tuple[Descriptor, bool], Render]
) -> Render | None:
    if _is_map(field):
        entry = _message_type(field)
        value_convert = _single_renderer(entry.fields_by_name["value"], ints, pending)
        bool_keys = entry.fields_by_name["key"].type == F.TYPE_BOOL
        return _map_renderer(value_convert, bool_keys)
    single = _single_renderer(field, ints, pending)
    if field.is_repeated:
        if single is None:
            return list
        convert = single
        return lambda values: [convert(value) for value in values]
    return single


def _map_renderer(convert: Render | None, bool_keys: bool) -> Render:
    def render(entries: Any) -> dict[str, Any]:
        out = {}
        for key in entries:
            text = ("true" if key else "false") if bool_keys else str(key)
            value = entries[key]
            out[text] = value if convert is None else convert(value)
        return out

    return render


def _single_renderer(
    field: FieldDescriptor, ints: bool, pending: dict[tuple[Descriptor, bool], Render]
) -> Render | None:
    if field.cpp_type == F.CPPTYPE_MESSAGE:
        return _message_renderer(_message_type(field), ints, pending)
    return _scalar_renderer(field, ints)


class _EnumNames(dict[int, Any]):
    """Number -> name; an unknown number (an open enum) stays a number."""

    def __missing__(self, number: int) -> int:
        return number


def _scalar_renderer(field: FieldDescriptor, ints: bool) -> Render | None:
    """The converter of a scalar value, None where the value is its own JSON (strings, bools, 32-bit ints)."""
    cpp = field.cpp_type
    if cpp == F.CPPTYPE_ENUM:
        enum = _enum_type(field)
        if ints:
            return None
        if enum.full_name == "google.protobuf.NullValue":
            return lambda value: None
        names = _EnumNames({number: value.name for number, value in enum.values_by_number.items()})
        if enum.is_closed:
            return lambda value: names[value] if value in names else _unsupported_value(value)
        return names.__getitem__
    if cpp in (F.CPPTYPE_INT64, F.CPPTYPE_UINT64):
        return str
    if cpp == F.CPPTYPE_DOUBLE:
        return _double
    if cpp == F.CPPTYPE_FLOAT:
        return _float
    if field.type == F.TYPE_BYTES:
        return _bytes
    return None


def _unsupported_value(value: Any) -> Any:
    raise Unsupported(repr(value))


def _bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("utf-8")


def _special(value: float) -> str | None:
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    if math.isnan(value):
        return "NaN"
    return None


def _double(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return _special(value) or "NaN"


_FLOAT32 = struct.Struct("<f")


def _float(value: float) -> float | str:
    """A 32-bit float as the shortest decimal (6 to 9 significant digits) that reads back as the same float."""
    if not math.isfinite(value):
        return _special(value) or "NaN"
    digits = 6
    while True:
        shortest = float(f"{value:.{digits}g}")
        if _FLOAT32.unpack(_FLOAT32.pack(shortest))[0] == value:
            return shortest
        digits += 1


# ------------------------------------------------------------------------------------------------- parsing

_FILLERS: dict[Descriptor, Fill] = {}


def parse_dict(
    value: Any, message: Message, *, reset: Callable[[], Message] | None = None, max_recursion_depth: int = 100
) -> Message:
    """``json_format.ParseDict(value, message, max_recursion_depth=...)``: the same message, or the same error.

    The tables fill ``message`` in place; where they give up half-way, ``message`` is put back as it was and
    ``ParseDict`` runs on it. ``reset`` puts it back and returns the message to parse into (for a message held
    by a parent, whose presence in the parent has to be undone too); without it, ``message`` must be a top-level
    message, and it is kept as its bytes before the tables run."""
    descriptor: Descriptor = message.DESCRIPTOR  # type: ignore[assignment]
    fill = _FILLERS.get(descriptor)
    if fill is None:
        fill = _compile_filler(descriptor)
    if max_recursion_depth <= MAX_DEPTH:  # the tables reach MAX_DEPTH + 1 (a leaf in the deepest object)
        return json_format.ParseDict(value, message, max_recursion_depth=max_recursion_depth)
    saved = message.SerializePartialToString() if reset is None else b""
    try:
        fill(value, message, 1)
        return message
    except Unsupported:
        pass
    if reset is None:
        message.Clear()
        message.MergeFromString(saved)
    else:
        message = reset()
    return json_format.ParseDict(value, message, max_recursion_depth=max_recursion_depth)


def _compile_filler(descriptor: Descriptor) -> Fill:
    with _lock:
        pending: dict[Descriptor, Fill] = {}
        fill = _message_filler(descriptor, pending)
        _FILLERS.update(pending)
    return fill


def _message_filler(descriptor: Descriptor, pending: dict[Descriptor, Fill]) -> Fill:
    found = _FILLERS.get(descriptor) or pending.get(descriptor)
    if found is not None:
        return found
    full_name = descriptor.full_name
    fill: Fill
    if _is_wrapper(descriptor):
        fill = _wrapper_filler(_scalar_parser(descriptor.fields_by_name["value"]))
    elif full_name in _STRING_TYPES:
        fill = _string_type_filler
    elif full_name in _LEFT_TO_JSON_FORMAT:
        fill = _unsupported_fill
    else:
        table: dict[str, tuple[FieldDescriptor, object, Setter]] = {}
        fill = _regular_filler(table)
        pending[descriptor] = fill  # before its fields: a message type may hold itself
        entries = {field: (field, field.containing_oneof, _setter(field, pending)) for field in descriptor.fields}
        # ParseDict looks a key up by JSON name first, then by proto name
        by_name = {field.json_name: entries[field] for field in descriptor.fields}
        for field in descriptor.fields:
            by_name.setdefault(field.name, entries[field])
        oneof_names = {oneof.name for oneof in descriptor.oneofs}
        # ParseDict counts a oneof's name among the keys it has seen: such a key is left to it
        table.update((name, entry) for name, entry in by_name.items() if name not in oneof_names)
    pending[descriptor] = fill
    return fill


def _regular_filler(table: dict[str, tuple[FieldDescriptor, object, Setter]]) -> Fill:
    def fill(value: Any, message: Any, depth: int) -> None:
        if type(value) is not dict or depth > MAX_DEPTH:
            raise Unsupported("not an object")
        seen: set[object] = set()
        for key, item in value.items():
            entry = table.get(key)
            if entry is None or item is None:  # unknown names, extensions, nulls: ParseDict's turn
                raise Unsupported(key)
            field, oneof, setter = entry
            if field in seen or oneof in seen:  # the same field twice (JSON and proto name), two of a oneof
                raise Unsupported(key)
            seen.add(field)
            if oneof is not None:
                seen.add(oneof)
            setter(message, item, depth)

    return fill


def _wrapper_filler(convert: Callable[[Any], Any]) -> Fill:
    def fill(value: Any, message: Any, depth: int) -> None:
        message.value = convert(value)

    return fill


def _string_type_filler(value: Any, message: Any, depth: int) -> None:
    if type(value) is not str:
        raise Unsupported("not a string")
    try:
        message.FromJsonString(value)
    except ValueError:
        raise Unsupported(value) from None


def _unsupported_fill(value: Any, message: Any, depth: int) -> None:
    raise Unsupported(message.DESCRIPTOR.full_name)


def _setter(field: FieldDescriptor, pending: dict[Descriptor, Fill]) -> Setter:
    name = field.name
    if _is_map(field) or (field.enum_type is not None and field.enum_type.full_name == "google.protobuf.NullValue"):
        return _unsupported_set
    if field.cpp_type == F.CPPTYPE_MESSAGE:
        fill = _message_filler(_message_type(field), pending)
        if field.is_repeated:
            return _repeated_message_setter(name, fill)
        return _message_setter(name, fill)
    convert = _scalar_parser(field)
    if field.is_repeated:
        return _repeated_scalar_setter(name, convert)

    def set_scalar(message: Message, value: Any, depth: int) -> None:
        setattr(message, name, convert(value))

    return set_scalar


def _unsupported_set(message: Message, value: Any, depth: int) -> None:
    raise Unsupported(repr(value)[:40])


def _message_setter(name: str, fill: Fill) -> Setter:
    def set_message(message: Message, value: Any, depth: int) -> None:
        sub = getattr(message, name)
        sub.SetInParent()
        fill(value, sub, depth + 1)

    return set_message


def _repeated_message_setter(name: str, fill: Fill) -> Setter:
    def set_messages(message: Message, value: Any, depth: int) -> None:
        if type(value) is not list:
            raise Unsupported("not a list")
        message.ClearField(name)
        container = getattr(message, name)
        for item in value:
            if item is None:
                raise Unsupported("null in a list")
            fill(item, container.add(), depth + 1)

    return set_messages


def _repeated_scalar_setter(name: str, convert: Callable[[Any], Any]) -> Setter:
    def set_values(message: Message, value: Any, depth: int) -> None:
        if type(value) is not list:
            raise Unsupported("not a list")
        converted = [convert(item) for item in value]
        message.ClearField(name)
        getattr(message, name).extend(converted)

    return set_values


_INTEGER_TEXT = re.compile(r"-?[0-9]{1,20}")
_RANGES = {
    F.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    F.CPPTYPE_UINT32: (0, 2**32 - 1),
    F.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    F.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_FLOAT32_MAX = 3.4028234663852886e38


def _scalar_parser(field: FieldDescriptor) -> Callable[[Any], Any]:
    """A JSON value -> the field's Python value, for the values the tables decide; Unsupported for the rest."""
    cpp = field.cpp_type
    if cpp in _RANGES:
        low, high = _RANGES[cpp]
        return lambda value: _integer(value, low, high)
    if cpp == F.CPPTYPE_BOOL:
        return _bool
    if cpp in (F.CPPTYPE_DOUBLE, F.CPPTYPE_FLOAT):
        limit = _FLOAT32_MAX if cpp == F.CPPTYPE_FLOAT else math.inf
        return lambda value: _number(value, limit)
    if cpp == F.CPPTYPE_ENUM:
        enum = _enum_type(field)
        names = {name: value.number for name, value in enum.values_by_name.items()}
        numbers = frozenset(enum.values_by_number)
        return lambda value: _enum(value, names, numbers)
    if field.type == F.TYPE_BYTES:
        return _base64
    return _string


def _integer(value: Any, low: int, high: int) -> int:
    kind = type(value)
    if kind is str and _INTEGER_TEXT.fullmatch(value):
        value = int(value)
    elif kind is not int:
        raise Unsupported(repr(value)[:40])
    if low <= value <= high:
        return int(value)
    raise Unsupported("out of range")


def _bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise Unsupported(repr(value)[:40])


def _number(value: Any, limit: float) -> float:
    kind = type(value)
    finite = (kind is float and math.isfinite(value)) or (kind is int and -(2**53) <= value <= 2**53)
    if finite and -limit <= value <= limit:
        return float(value)
    raise Unsupported(repr(value)[:40])


def _enum(value: Any, names: dict[str, int], numbers: frozenset[int]) -> int:
    if type(value) is str:
        number = names.get(value)
        if number is not None:
            return number
    elif type(value) is int and value in numbers:
        return int(value)
    raise Unsupported(repr(value)[:40])


def _string(value: Any) -> str:
    if type(value) is not str:
        raise Unsupported(repr(value)[:40])
    if not value.isascii():
        try:
            value.encode("utf-8")  # a lone surrogate: ParseDict words the refusal
        except UnicodeEncodeError:
            raise Unsupported("surrogate") from None
    return str(value)


def _base64(value: Any) -> bytes:
    if type(value) is not str or not value.isascii():
        raise Unsupported(repr(value)[:40])
    encoded = value.encode("ascii")
    try:
        return base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))
    except ValueError:
        raise Unsupported("base64") from None
