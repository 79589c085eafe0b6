"""The REST door's compiled JSON mapping (``doors/rest/protojson.py``) answers what protobuf's ``json_format``
answers: the same JSON for every message, the same message (or the same error) for every JSON value.

Every message type that google.chat.v1 reaches (its files and all they import, nested types included, plus the
well-known types the tables leave to json_format: Any, Struct, Value, ListValue), filled at random with edge
values (64-bit extremes, -0.0, NaN and infinities, unknown enum numbers, surrogates, timestamps and durations in
and out of range, maps, oneofs, empty messages), is rendered by both; the rendered JSON, in several spellings and
with random damage (wrong types, nulls, unknown and doubled names, two members of a oneof, numbers as text, deep
nesting), is parsed by both. And every route of ChatService and of the test Library service builds the same
request (or refuses it in the same words) from random bodies and query strings with the tables and with
``json_format`` alone.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.chat.v1 import chat_service_pb2, message_pb2, space_pb2
from google.protobuf import any_pb2, descriptor_pb2, json_format, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from chat_grpc.doors.rest import protojson, transcode
from chat_grpc.doors.rest.routes import Route, service_routes
from tests.rest.fake_service import library_service

F = FieldDescriptor
SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
SEED = 20261205
ROUNDS = 12  # random messages per type


def _files(file: FileDescriptor, seen: dict[str, FileDescriptor]) -> None:
    if file.name not in seen:
        seen[file.name] = file
        for dependency in file.dependencies:
            _files(dependency, seen)


def _nested(descriptor: Descriptor) -> Iterator[Descriptor]:
    yield descriptor
    for inner in descriptor.nested_types:
        yield from _nested(inner)


def message_types() -> list[Descriptor]:
    files: dict[str, FileDescriptor] = {}
    _files(chat_service_pb2.DESCRIPTOR, files)
    for extra in (any_pb2.DESCRIPTOR, struct_pb2.DESCRIPTOR):
        _files(extra, files)
    found = [d for file in files.values() for top in file.message_types_by_name.values() for d in _nested(top)]
    return sorted((d for d in found if not d.GetOptions().map_entry), key=lambda d: d.full_name)


TYPES = message_types()


# ---------------------------------------------------------------------------------------------------- random messages

INTS = {
    F.CPPTYPE_INT32: [0, 1, -1, 2**31 - 1, -(2**31), 150],
    F.CPPTYPE_UINT32: [0, 1, 2**32 - 1, 77],
    F.CPPTYPE_INT64: [0, -1, 2**63 - 1, -(2**63), 2**53 + 1, 12],
    F.CPPTYPE_UINT64: [0, 2**64 - 1, 2**53 + 1, 9],
}
FLOATS = [0.0, -0.0, 0.1, 1.5, -2.25, 1e-45, 3.4e38, 1e300, -1e-300, math.inf, -math.inf, math.nan, 123456.789]
STRINGS = [
    "",
    "a",
    "spaces/AAAA",
    "é",
    "emoji 📎",
    'quote " \\ \n \t',
    "\x00",
    "日本語",
    "x" * 300,
    "\U0001f600 astral",
]


class Filler:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def scalar(self, field: FieldDescriptor) -> Any:
        rng, cpp = self.rng, field.cpp_type
        if cpp in INTS:
            return rng.choice(INTS[cpp]) if rng.random() < 0.7 else rng.randint(0, 2**31 - 1)
        if cpp in (F.CPPTYPE_FLOAT, F.CPPTYPE_DOUBLE):
            return rng.choice(FLOATS) if rng.random() < 0.7 else rng.uniform(-1e6, 1e6)
        if cpp == F.CPPTYPE_BOOL:
            return rng.random() < 0.5
        if cpp == F.CPPTYPE_ENUM:
            numbers = list(field.enum_type.values_by_number)
            if not field.enum_type.is_closed and rng.random() < 0.15:
                return rng.choice([99, -3, 12345])
            return rng.choice(numbers)
        if field.type == F.TYPE_BYTES:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
        return rng.choice(STRINGS)

    def special(self, message: Any) -> bool:
        """Well-known types, filled with values their JSON can (mostly) stand for."""
        rng, name = self.rng, message.DESCRIPTOR.full_name
        if name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
            low = -62135596800 if name.endswith("Timestamp") else -315576000000
            seconds = rng.choice([0, 1, -1, low, 253402300799, 1796507157, rng.randrange(low, 253402300799)])
            nanos = rng.choice([0, 5_000_000, 123_000, 7, 999_999_999, rng.randrange(10**9)])
            if name.endswith("Duration") and seconds < 0:
                nanos = -nanos
            if rng.random() < 0.05:  # out of range: json_format refuses it, so must the tables
                seconds, nanos = rng.choice([(10**12, 0), (0, -5), (0, 10**9)])
            message.seconds, message.nanos = seconds, nanos
        elif name == "google.protobuf.FieldMask":
            message.paths.extend(rng.choice(["display_name", "a.b_c", "space_details", "x_1"]) for _ in range(3))
            if rng.random() < 0.05:
                message.paths.append(rng.choice(["Upper", "a__b", "trailing_"]))
        elif name == "google.protobuf.Any":
            if rng.random() < 0.8:
                message.Pack(space_pb2.Space(name="spaces/A", display_name=rng.choice(STRINGS[:6])))
        elif name == "google.protobuf.Struct":
            message.update({"a": 1, "b": [True, None, "x"], "c": {"d": rng.choice([1.5, -0.0])}})
        elif name == "google.protobuf.Value":
            message.number_value = rng.choice([1.0, -0.0, 2.5, math.nan])
        elif name == "google.protobuf.ListValue":
            message.values.add().string_value = "x"
        else:
            return False
        return True

    def fill(self, message: Any, depth: int = 0) -> Any:
        if self.special(message):
            return message
        rng = self.rng
        for field in message.DESCRIPTOR.fields:
            if rng.random() > (0.6 if depth < 2 else 0.25) or depth > 4:
                continue
            name = field.name
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                entry = field.message_type
                key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
                container = getattr(message, name)
                for _ in range(rng.randrange(3)):
                    key = self.scalar(key_field)
                    if value_field.cpp_type == F.CPPTYPE_MESSAGE:
                        self.fill(container[key], depth + 1)
                    else:
                        container[key] = self.scalar(value_field)
            elif field.is_repeated:
                container = getattr(message, name)
                for _ in range(rng.randrange(4)):
                    if field.cpp_type == F.CPPTYPE_MESSAGE:
                        self.fill(container.add(), depth + 1)
                    else:
                        container.append(self.scalar(field))
            elif field.cpp_type == F.CPPTYPE_MESSAGE:
                sub = getattr(message, name)
                sub.SetInParent()
                self.fill(sub, depth + 1)
            else:
                setattr(message, name, self.scalar(field))
        return message


def outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, str]:
    """What a call gave, comparable: its JSON text (which tells 1 from 1.0 from true, and -0.0 from 0.0), or
    its error's type and words."""
    try:
        result = call(*args, **kwargs)
    except Exception as error:
        return type(error).__name__, str(error)
    if isinstance(result, Message):
        return "message", result.SerializePartialToString(deterministic=True).hex()
    return "json", json.dumps(result)


# ---------------------------------------------------------------------------------------------------- rendering


def random_messages(descriptor: Descriptor, rng: random.Random, rounds: int = ROUNDS) -> Iterator[Message]:
    cls = GetMessageClass(descriptor)
    yield cls()
    for _ in range(rounds):
        yield Filler(rng).fill(cls())


@pytest.mark.parametrize("descriptor", TYPES, ids=lambda d: d.full_name)
def test_rendering_is_message_to_dict(descriptor: Descriptor) -> None:
    rng = random.Random(f"{SEED}{descriptor.full_name}")
    for message in random_messages(descriptor, rng):
        for ints in (False, True):
            expected = outcome(json_format.MessageToDict, message, use_integers_for_enums=ints)
            assert outcome(protojson.to_json, message, enums_as_ints=ints) == expected, message


def test_every_chat_type_is_rendered_by_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not all fallbacks: a chat message that json_format can render is rendered by the
    compiled tables themselves (json_format is not called)."""
    rng = random.Random(SEED)
    rendered = 0
    for descriptor in TYPES:
        if descriptor.file.package != "google.chat.v1":
            continue
        for message in random_messages(descriptor, rng, rounds=3):
            try:
                expected = json_format.MessageToDict(message)
            except json_format.SerializeToJsonError:
                continue  # a timestamp out of range: json_format's refusal, compared above
            with monkeypatch.context() as patch:
                patch.setattr(json_format, "MessageToDict", None)  # calling it would fail
                assert protojson.to_json(message) == expected
            rendered += 1
    assert rendered > 300


def test_a_timestamp_read_again_after_a_change_is_the_new_one() -> None:
    """Timestamps' texts are kept by their value: a changed timestamp renders its new value."""
    message = message_pb2.Message(name="spaces/A/messages/B")
    for seconds, nanos in [(1796507157, 307375000), (1796507157, 307375001), (0, 0), (1796507157, 307375000)]:
        message.create_time.seconds, message.create_time.nanos = seconds, nanos
        assert protojson.to_json(message) == json_format.MessageToDict(message)
    assert protojson.to_json(timestamp_pb2.Timestamp(seconds=5)) == "1970-01-01T00:00:05Z"


# ---------------------------------------------------------------------------------------------------- parsing

JUNK: list[Any] = [None, "x", "", 1.5, 1.0, -1, 0, 2**70, [], {}, [None], True, "NaN", "1e3", "٣", "12", " 12", "-0"]
JUNK += ["PAPER", "2024-05-06T07:08:09Z", "1.5s", "a,b", "AAAA", "a-b_", {"x": 1}, [1, "a"], math.nan]
JUNK += ["\ud800", "a\udc00", "\ud83d\ude00"]  # lone and paired surrogates: upb refuses them, json_format words it


def camel_to_snake(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            snake = "".join("_" + c.lower() if c.isupper() else c for c in key) if rng.random() < 0.5 else key
            out[snake] = camel_to_snake(item, rng)
        return out
    if isinstance(value, list):
        return [camel_to_snake(item, rng) for item in value]
    return value


def damage(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """``value`` with one random thing wrong (or, sometimes, right in an unusual way)."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        out = dict(value)
        choice = rng.random()
        if choice < 0.5:
            out[key] = damage(out[key], rng, depth + 1)
        elif choice < 0.6:
            out["noSuchField"] = 1
        elif choice < 0.7:
            del out[key]
        elif choice < 0.8:
            snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
            out[snake if snake != key else key + "X"] = out[key]  # the same field under both names
        elif choice < 0.9:
            out = {k: None if k == key else v for k, v in out.items()}
        else:
            out[key] = [out[key]]
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        return [damage(item, rng, depth + 1) if i == index else item for i, item in enumerate(value)]
    if isinstance(value, str) and value.lstrip("-").isdigit() and rng.random() < 0.5:
        return int(value)  # a 64-bit integer as a JSON number
    return rng.choice(JUNK)


def spellings(message: Message, rng: random.Random) -> Iterator[Any]:
    for ints in (False, True):
        try:
            rendered = json_format.MessageToDict(message, use_integers_for_enums=ints)
        except Exception:
            return
        yield rendered
        yield camel_to_snake(rendered, rng)
        for _ in range(4):
            yield damage(rendered, rng)


def deep(levels: int) -> dict[str, Any]:
    """A DescriptorProto nested ``levels`` deep (the type holds itself)."""
    value: dict[str, Any] = {"name": "x"}
    for _ in range(levels - 1):
        value = {"nestedType": [value], "name": "x"}
    return value


@pytest.mark.parametrize("descriptor", TYPES, ids=lambda d: d.full_name)
def test_parsing_is_parse_dict(descriptor: Descriptor) -> None:
    rng = random.Random(f"{SEED}{descriptor.full_name}")
    cls = GetMessageClass(descriptor)
    merged: dict[str, Any] = {}
    for message in random_messages(descriptor, rng, rounds=ROUNDS // 2):
        for value in [*spellings(message, rng), merged]:
            if isinstance(value, dict) and rng.random() < 0.3:
                merged = {**merged, **value}  # two messages in one: members of one oneof, from both
            text = json.dumps(value)  # each parser gets its own copy
            expected = outcome(json_format.ParseDict, json.loads(text), cls())
            got = outcome(protojson.parse_dict, json.loads(text), cls())
            assert got == expected, value


def test_parsing_into_a_filled_message_or_a_field_keeps_what_was_there() -> None:
    """When the tables give up half-way, the message is put back before ParseDict runs: the result is ParseDict's
    on the message as it was (a top-level message kept as bytes; a field of a new parent by its ``reset``)."""
    rng = random.Random(SEED)
    for _ in range(300):
        base = Filler(rng).fill(space_pb2.Space())
        source = Filler(rng).fill(space_pb2.Space())
        try:
            rendered = json_format.MessageToDict(source)
        except json_format.SerializeToJsonError:
            continue
        value = damage(rendered, rng) if rng.random() < 0.7 else {"spaceType": 99}
        if isinstance(value, dict) and rng.random() < 0.5:
            value = {"displayName": "first", **value}  # set before the damage is met

        def by_json_format(value: Any = value, base: Message = base) -> Message:
            return json_format.ParseDict(value, type(base).FromString(base.SerializeToString()))

        def by_tables(value: Any = value, base: Message = base) -> Message:
            return protojson.parse_dict(value, type(base).FromString(base.SerializeToString()))

        assert outcome(by_tables) == outcome(by_json_format), value

        def field_by_json_format(value: Any = value) -> Message:
            parent = space_pb2.UpdateSpaceRequest()
            json_format.ParseDict(value, parent.space)
            return parent

        def field_by_tables(value: Any = value) -> Message:
            parent = space_pb2.UpdateSpaceRequest()

            def reset() -> Message:
                parent.ClearField("space")
                return parent.space

            protojson.parse_dict(value, parent.space, reset=reset)
            return parent

        assert outcome(field_by_tables) == outcome(field_by_json_format), value


def test_deep_nesting_is_refused_like_parse_dict() -> None:
    cls = descriptor_pb2.DescriptorProto
    for levels in (3, 58, 59, 60, 61, 62, 63, 64, 65, 99, 100, 101):
        value = deep(levels)
        for limit in (64, 100, 30):
            expected = outcome(json_format.ParseDict, value, cls(), max_recursion_depth=limit)
            assert outcome(protojson.parse_dict, value, cls(), max_recursion_depth=limit) == expected


# ---------------------------------------------------------------------------------------------------- whole requests


def routes() -> list[Route]:
    return service_routes(SERVICE) + service_routes(library_service())


def query_params(route: Route, rng: random.Random) -> list[tuple[str, str]]:
    request = route.method.input_type
    params: list[tuple[str, str]] = []
    for _ in range(rng.randrange(4) if request.fields else 0):
        field = rng.choice(request.fields)
        name = rng.choice([field.name, field.json_name])
        if field.message_type is not None and field.message_type.fields and rng.random() < 0.7:
            inner = rng.choice(field.message_type.fields)
            name += "." + rng.choice([inner.name, inner.json_name])
        value = rng.choice(["1", "-5", "true", "0", "x", "PAPER", "2", "99", "2024-05-06T07:08:09Z", "a,b", "1.5"])
        params.append((name, value))
    return params


def bodies(route: Route, rng: random.Random) -> Iterator[bytes]:
    if not route.body:
        yield b""
        return
    descriptor = route.method.input_type
    if route.body != "*":
        descriptor = descriptor.fields_by_name[route.body].message_type
    for _ in range(6):
        message = Filler(rng).fill(GetMessageClass(descriptor)())
        try:
            rendered = json_format.MessageToDict(message)
        except Exception:
            continue
        choice = rng.random()
        value = rendered if choice < 0.4 else damage(rendered, rng) if choice < 0.9 else rng.choice(JUNK)
        yield json.dumps(value).encode()


@pytest.mark.parametrize("route", routes(), ids=lambda r: f"{r.rpc}:{r.verb}:{r.path}")
def test_requests_are_built_as_with_parse_dict(route: Route, monkeypatch: pytest.MonkeyPatch) -> None:
    """``build_request`` with the tables, and with ``protojson.parse_dict`` replaced by ``ParseDict`` alone."""
    rng = random.Random(f"{SEED}{route.rpc}{route.path}")
    bound = {name: f"{name}s/x" for name in route.template.variables}
    cases = [(body, query_params(route, rng)) for body in bodies(route, rng) for _ in range(3)]

    def reference(value: Any, message: Message, *, reset: Any = None, max_recursion_depth: int = 100) -> Message:
        return json_format.ParseDict(value, message, max_recursion_depth=max_recursion_depth)

    def build(body: bytes, params: list[tuple[str, str]]) -> tuple[str, str]:
        try:
            request = transcode.build_request(route, dict(bound), list(params), body)
        except Exception as error:
            return type(error).__name__, repr((str(error), getattr(error, "violations", None)))
        return "request", request.SerializePartialToString(deterministic=True).hex()

    with_tables = [build(body, params) for body, params in cases]
    monkeypatch.setattr(protojson, "parse_dict", reference)
    with_parse_dict = [build(body, params) for body, params in cases]
    assert with_tables == with_parse_dict
