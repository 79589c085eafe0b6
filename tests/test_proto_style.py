"""The hand-written protos follow the house style: every element documented, field comments say
Required / Optional / Output only / Input only / Identifier, and agree with google.api.field_behavior."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api import annotations_pb2, client_pb2, field_behavior_pb2, resource_pb2
from google.protobuf import descriptor_pb2

import chat_grpc

OURS = ("google.chat.v1", "google.apps.card.v1")
PREFIXES = ("Required.", "Optional.", "Output only.", "Input only.", "Identifier.")
BEHAVIOUR_PREFIX = {
    field_behavior_pb2.REQUIRED: "Required.",
    field_behavior_pb2.OUTPUT_ONLY: "Output only.",
    field_behavior_pb2.IDENTIFIER: "Identifier.",
    field_behavior_pb2.INPUT_ONLY: "Input only.",
}
# FileDescriptorProto / DescriptorProto field numbers used in SourceCodeInfo paths.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM = 2, 3, 4
ENUM_VALUE, SERVICE_METHOD = 2, 2


def our_files() -> list[descriptor_pb2.FileDescriptorProto]:
    return [f for f in chat_grpc.descriptor_set().file if f.package in OURS]


def elements(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[str, str, tuple[int, ...], object]]:
    """(kind, full name, source path, descriptor proto) for every documented element of a file."""

    def enum(prefix: str, e: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...]):
        yield "enum", f"{prefix}.{e.name}", path, e
        for i, v in enumerate(e.value):
            yield "enum value", f"{prefix}.{e.name}.{v.name}", (*path, ENUM_VALUE, i), v

    def message(prefix: str, m: descriptor_pb2.DescriptorProto, path: tuple[int, ...]):
        name = f"{prefix}.{m.name}"
        if m.options.map_entry:
            return
        yield "message", name, path, m
        for i, f in enumerate(m.field):
            yield "field", f"{name}.{f.name}", (*path, MESSAGE_FIELD, i), f
        for i, n in enumerate(m.nested_type):
            yield from message(name, n, (*path, MESSAGE_NESTED, i))
        for i, e in enumerate(m.enum_type):
            yield from enum(name, e, (*path, MESSAGE_ENUM, i))

    for i, m in enumerate(file.message_type):
        yield from message(file.package, m, (FILE_MESSAGE, i))
    for i, e in enumerate(file.enum_type):
        yield from enum(file.package, e, (FILE_ENUM, i))
    for i, s in enumerate(file.service):
        yield "service", f"{file.package}.{s.name}", (FILE_SERVICE, i), s
        for j, method in enumerate(s.method):
            yield "rpc", f"{file.package}.{s.name}.{method.name}", (FILE_SERVICE, i, SERVICE_METHOD, j), method


def comments(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    return {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}


ALL = [(file, *element) for file in our_files() for element in elements(file)]


def test_every_element_has_a_comment() -> None:
    undocumented = [name for file, kind, name, path, _ in ALL if not comments(file).get(path)]
    assert undocumented == []


def test_field_comments_start_with_their_role() -> None:
    wrong = [
        f"{name}: {comments(file).get(path, '')[:40]!r}"
        for file, kind, name, path, _ in ALL
        if kind == "field" and not comments(file).get(path, "").startswith(PREFIXES)
    ]
    assert wrong == []


def test_field_behavior_agrees_with_the_comment() -> None:
    disagreements = []
    for file, kind, name, path, f in ALL:
        if kind != "field":
            continue
        behaviours = f.options.Extensions[field_behavior_pb2.field_behavior]
        comment = comments(file).get(path, "")
        for behaviour, prefix in BEHAVIOUR_PREFIX.items():
            if behaviour in behaviours and not comment.startswith(prefix) and len(behaviours) == 1:
                disagreements.append(f"{name}: {field_behavior_pb2.FieldBehavior.Name(behaviour)} but {comment[:30]!r}")
    assert disagreements == []


@pytest.mark.parametrize("method", [m for *_, kind, name, p, m in ALL if kind == "rpc"], ids=lambda m: m.name)
def test_every_rpc_has_an_http_rule(method: descriptor_pb2.MethodDescriptorProto) -> None:
    assert method.options.HasExtension(annotations_pb2.http)


def test_service_names_its_host_and_scopes() -> None:
    (service,) = [s for f in our_files() for s in f.service]
    assert service.options.Extensions[client_pb2.default_host] == "chat.googleapis.com"
    scopes = service.options.Extensions[client_pb2.oauth_scopes].split(",")
    assert len(scopes) == 41 and all(s.startswith("https://www.googleapis.com/auth/chat.") for s in scopes)


def test_resources_carry_their_name_patterns() -> None:
    patterns = {
        m.options.Extensions[resource_pb2.resource].type: list(m.options.Extensions[resource_pb2.resource].pattern)
        for *_, kind, name, p, m in ALL
        if kind == "message" and m.options.HasExtension(resource_pb2.resource)
    }
    assert patterns["chat.googleapis.com/Space"] == ["spaces/{space}"]
    assert patterns["chat.googleapis.com/Message"] == ["spaces/{space}/messages/{message}"]
    assert patterns["chat.googleapis.com/Membership"] == ["spaces/{space}/members/{member}"]
    assert patterns["chat.googleapis.com/Reaction"] == ["spaces/{space}/messages/{message}/reactions/{reaction}"]
    assert patterns["chat.googleapis.com/CustomEmoji"] == ["customEmojis/{custom_emoji}"]
    assert patterns["chat.googleapis.com/SpaceEvent"] == ["spaces/{space}/spaceEvents/{space_event}"]
    assert patterns["chat.googleapis.com/SpaceReadState"] == ["users/{user}/spaces/{space}/spaceReadState"]
    assert patterns["chat.googleapis.com/ThreadReadState"] == [
        "users/{user}/spaces/{space}/threads/{thread}/threadReadState"
    ]
    assert patterns["chat.googleapis.com/SpaceNotificationSetting"] == [
        "users/{user}/spaces/{space}/spaceNotificationSetting"
    ]
