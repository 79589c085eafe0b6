"""Resource name helpers: one per pattern of the API, each building and parsing its names."""

from __future__ import annotations

import pytest
from google.api import resource_pb2

import chat_grpc
from chat_grpc.client import paths


def proto_patterns() -> dict[str, str]:
    """Every google.api.resource pattern declared by our protos (messages and file-level definitions), by type."""
    found: dict[str, str] = {}
    for file in chat_grpc.descriptor_set().file:
        if file.package != "google.chat.v1":
            continue
        for definition in file.options.Extensions[resource_pb2.resource_definition]:
            (found[definition.type.split("/")[-1]],) = definition.pattern
        pending = list(file.message_type)
        while pending:
            message = pending.pop()
            pending.extend(message.nested_type)
            resource = message.options.Extensions[resource_pb2.resource]
            if resource.pattern:
                (found[resource.type.split("/")[-1]],) = resource.pattern
    return found


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def test_the_table_holds_every_resource_pattern_of_the_protos() -> None:
    declared = {snake(kind): pattern for kind, pattern in proto_patterns().items()}
    assert declared == paths.PATTERNS


@pytest.mark.parametrize("resource", sorted(paths.PATTERNS))
def test_every_helper_round_trips(resource: str) -> None:
    build = getattr(chat_grpc, f"{resource}_path")
    parse = getattr(chat_grpc, f"parse_{resource}_path")
    assert build is getattr(paths, f"{resource}_path")
    segments = {variable: f"id-{i}" for i, variable in enumerate(build.variables)}
    name = build(*segments.values())
    assert name == build(**segments)
    assert parse(name) == segments
    assert build.matches(name)
    assert parse(name + "/extra") == {}
    assert parse("nothing/like/it") == {}


def test_examples() -> None:
    assert chat_grpc.space_path("AAA") == "spaces/AAA"
    assert chat_grpc.message_path("AAA", "BBB") == "spaces/AAA/messages/BBB"
    assert chat_grpc.membership_path(space="AAA", member="1") == "spaces/AAA/members/1"
    assert chat_grpc.space_read_state_path("me", "AAA") == "users/me/spaces/AAA/spaceReadState"
    assert chat_grpc.parse_reaction_path("spaces/A/messages/B/reactions/C") == {
        "space": "A",
        "message": "B",
        "reaction": "C",
    }
    assert chat_grpc.parse_custom_emoji_path("customEmojis/xyz") == {"custom_emoji": "xyz"}
    assert chat_grpc.parse_space_path("spaces/A/messages/B") == {}


def test_bad_segments_are_refused() -> None:
    with pytest.raises(TypeError, match="missing message"):
        chat_grpc.message_path("AAA")
    with pytest.raises(TypeError, match="takes 1 segments"):
        chat_grpc.space_path("A", "B")
    with pytest.raises(TypeError, match="unexpected or repeated"):
        chat_grpc.space_path("A", space="B")
    with pytest.raises(ValueError, match="without '/'"):
        chat_grpc.space_path("spaces/AAA")
    with pytest.raises(ValueError, match="non-empty"):
        chat_grpc.space_path("")


def test_the_module_exports_two_helpers_per_pattern() -> None:
    expected = {f"{r}_path" for r in paths.PATTERNS} | {f"parse_{r}_path" for r in paths.PATTERNS}
    assert expected <= set(paths.__all__)
    assert expected <= set(chat_grpc.__all__)
