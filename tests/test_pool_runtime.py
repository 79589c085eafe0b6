"""The registration helper of the generated stubs (buildscripts/pool_runtime.py, shipped as
google.chat.v1._pool) and the generate.py step that routes protoc's registering line through it.

The pools here are private ones with a stand-in for Google's proto-plus file, so these run in the project's venv;
tests/coexist/ runs the real thing beside google-apps-chat.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

from buildscripts import generate, pool_runtime

ROOT = Path(__file__).resolve().parents[1]
LINE = "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\\n\\x19google/chat/v1/user.proto')"


def test_the_registering_line_is_routed_through_the_helper() -> None:
    source = f"import x\n\n{LINE}\n\n_globals = globals()\n"
    assert generate.route_registration(source) == (
        "import x\n\n"
        "from google.chat.v1 import _pool as _chat_grpc_pool  # added by buildscripts/generate.py\n"
        "DESCRIPTOR = _chat_grpc_pool.add_serialized_file(b'\\n\\x19google/chat/v1/user.proto')\n"
        "\n_globals = globals()\n"
    )


@pytest.mark.parametrize("source", ["no registration here\n", f"{LINE}\n{LINE}\n"])
def test_anything_but_one_registering_line_fails_generation(source: str) -> None:
    with pytest.raises(SystemExit, match="expected one AddSerializedFile line"):
        generate.route_registration(source, "x_pb2.py")


def test_every_generated_module_registers_through_the_shipped_helper() -> None:
    modules = sorted((ROOT / "generated").rglob("*_pb2.py"))
    assert modules
    for module in modules:
        text = module.read_text()
        assert "_descriptor_pool.Default().AddSerializedFile(" not in text, module
        assert text.count("DESCRIPTOR = _chat_grpc_pool.add_serialized_file(b'") == 1, module
    shipped = ROOT / "generated" / generate.POOL_MODULE
    assert shipped.read_bytes() == Path(pool_runtime.__file__).read_bytes()


# ------------------------------------------------------------------ the helper, on private pools


def shipped_files() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """Our compiled files and their imports, as protoc's Python output embeds them (no source info)."""
    import chat_grpc

    files = {}
    for proto in chat_grpc.descriptor_set().file:
        proto.ClearField("source_code_info")
        files[proto.name] = proto
    return files


def pool_with_imports(files: dict[str, descriptor_pb2.FileDescriptorProto]) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for name, proto in files.items():  # the set lists imports before their importers
        if not name.startswith(("google/chat/", "google/apps/")):
            pool.Add(proto)
    return pool


def foreign_user_file() -> descriptor_pb2.FileDescriptorProto:
    """A stand-in for proto-plus's google/apps/chat_v1/types/user.proto: the same symbols, another file name,
    the keyword field renamed as proto-plus does (``type_``), no options."""
    foreign = descriptor_pb2.FileDescriptorProto(name="google/apps/chat_v1/types/user.proto", package="google.chat.v1")
    foreign.syntax = "proto3"
    user = foreign.message_type.add(name="User")
    user.field.add(name="name", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=1)
    user.field.add(
        name="type_", json_name="type", number=5, type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM, label=1,
        type_name=".google.chat.v1.User.Type",
    )  # fmt: skip
    kind = user.enum_type.add(name="Type")
    kind.value.add(name="TYPE_UNSPECIFIED", number=0)
    kind.value.add(name="HUMAN", number=1)
    return foreign


def test_without_a_collision_the_file_is_added_as_protoc_would() -> None:
    files = shipped_files()
    pool = pool_with_imports(files)
    user = pool_runtime.register(pool, files["google/chat/v1/user.proto"].SerializeToString())
    assert user.name == "google/chat/v1/user.proto"
    assert pool.FindMessageTypeByName("google.chat.v1.User").file is user


def test_a_collision_registers_a_private_copy_and_repoints_its_importers() -> None:
    files = shipped_files()
    pool = pool_with_imports(files)
    pool.Add(foreign_user_file())

    user = pool_runtime.register(pool, files["google/chat/v1/user.proto"].SerializeToString())
    assert user.name == "chat_grpc/google/chat/v1/user.proto"
    assert user.package == "chat_grpc.google.chat.v1"
    mine = user.message_types_by_name["User"]
    assert mine.full_name == "chat_grpc.google.chat.v1.User"
    assert "type" in mine.fields_by_name  # our field names, not proto-plus's
    assert mine.fields_by_name["type"].enum_type.full_name == "chat_grpc.google.chat.v1.User.Type"
    assert mine.fields_by_name["display_name"].GetOptions().ByteSize() > 0  # options kept (field_behavior)
    assert pool.FindMessageTypeByName("google.chat.v1.User").file.name == "google/apps/chat_v1/types/user.proto"
    assert pool_runtime.original_full_name(mine.full_name) == "google.chat.v1.User"

    # membership.proto imports user.proto; nothing else has its symbols, so it keeps its name, and its
    # reference to google.chat.v1.User points at the copy
    for name in ("google/chat/v1/group.proto", "google/chat/v1/membership.proto"):
        pool_runtime.register(pool, files[name].SerializeToString())
    membership = pool.FindMessageTypeByName("google.chat.v1.Membership")
    assert membership.file.name == "google/chat/v1/membership.proto"
    assert "chat_grpc/google/chat/v1/user.proto" in [d.name for d in membership.file.dependencies]
    assert membership.fields_by_name["member"].message_type is mine

    # registering the same file again (a reload) gives back the copy, not a second one
    again = pool_runtime.register(pool, files["google/chat/v1/user.proto"].SerializeToString())
    assert again is user


def test_the_service_keeps_its_name_and_http_rules_when_its_messages_are_copies() -> None:
    from google.api import annotations_pb2

    files = shipped_files()
    pool = pool_with_imports(files)
    pool.Add(foreign_user_file())
    for name, proto in files.items():
        if name.startswith(("google/chat/", "google/apps/")):
            pool_runtime.register(pool, proto.SerializeToString())
    service = pool.FindServiceByName("google.chat.v1.ChatService")
    create = service.methods_by_name["CreateMessage"]
    assert create.input_type.full_name == "google.chat.v1.CreateMessageRequest"  # message.proto did not collide
    assert create.GetOptions().Extensions[annotations_pb2.http].post == "/v1/{parent=spaces/*}/messages"
    assert len(service.methods) == 52


def test_public_or_weak_imports_are_refused_rather_than_misindexed() -> None:
    proto = descriptor_pb2.FileDescriptorProto(name="x.proto", package="x", dependency=["y.proto"])
    proto.public_dependency.append(0)
    with pytest.raises(TypeError, match="public and weak imports"):
        pool_runtime._retarget(proto, {"y.proto": "chat_grpc/y.proto"}, {})
