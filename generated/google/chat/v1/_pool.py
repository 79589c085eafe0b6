"""Registers chat-grpc's generated files in protobuf's default descriptor pool, beside Google's own Chat types.

Shipped as ``google.chat.v1._pool``: ``buildscripts/generate.py`` copies this file there byte for byte and
rewrites the one registering line of every generated ``*_pb2.py``
(``DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'...')``) into
``DESCRIPTOR = _chat_grpc_pool.add_serialized_file(b'...')``. It imports nothing but the standard library and
``google.protobuf``, so the stubs stay importable without the ``chat_grpc`` package.

Google's ``google-apps-chat`` / ``google-apps-card`` (proto-plus) register the same symbols
(``google.chat.v1.Space``, ``google.apps.card.v1.Card``, ...) under other file names
(``google/apps/chat_v1/types/space.proto``), and a pool holds a symbol once. So:

* nothing of ours is registered by another file (the usual case): the file is added exactly as protoc's line
  would add it;
* a symbol (or the name) of the file is already registered by another file: the file is registered as a
  *private copy* under ``chat_grpc/`` (file ``chat_grpc/google/chat/v1/space.proto``, package
  ``chat_grpc.google.chat.v1``): same messages, fields, numbers, names and options, hence the same bytes on the
  wire and the same JSON; only ``DESCRIPTOR.full_name`` differs. Files that import a renamed file (such as
  ``chat_service.proto``, which keeps ``google.chat.v1.ChatService`` and its HTTP rules) have their imports
  and type references pointed at the copies;
* Google's packages are imported first when they are installed, so that whichever package a program imports
  first, theirs find the pool as they expect (they fail on our symbols; we do not fail on theirs).

Why not reuse ("adopt") the descriptors Google's package registered: proto-plus renames fields that are
Python keywords or builtins in the descriptor itself (``User.type`` is ``type_`` there) and drops the
``google.api`` field and message options (field_behavior, resource), so its classes cannot stand in for ours.
docs/coexistence.md has the measurements and the trade-offs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterable
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool

# Installed packages that register our symbols when imported and would fail if ours were in first: their types
# are imported before the first file of ours is registered. Card first: chat_v1 imports it anyway.
FOREIGN_PACKAGES = ("google.apps.card_v1", "google.apps.chat_v1")
# Where the private copies live: file names and packages get this prefix (a segment, then "/" or ".").
PREFIX = "chat_grpc"

_foreign_done = False
# pool -> {our original file name: the renamed file name}; pool -> {original top-level symbol: renamed}
_RENAMED_FILES: dict[Any, dict[str, str]] = {}
_RENAMED_SYMBOLS: dict[Any, dict[str, str]] = {}


def add_serialized_file(serialized: bytes) -> Any:
    """The generated modules' replacement for ``descriptor_pool.Default().AddSerializedFile(serialized)``."""
    load_foreign_packages()
    pool = descriptor_pool.Default()
    if not _RENAMED_FILES.get(pool):  # nothing renamed in this pool yet: protoc's own line, unless it collides
        try:
            return pool.AddSerializedFile(serialized)
        except TypeError:  # "duplicate symbol" / "duplicate file name": registered by some other file
            pass
    return register(pool, serialized)


def load_foreign_packages() -> None:
    """Import Google's Chat/Card packages once, when installed, so they register their files before ours."""
    global _foreign_done
    if _foreign_done:
        return
    _foreign_done = True  # before importing: nothing they import may bring us back here
    for name in FOREIGN_PACKAGES:
        if name in sys.modules:
            continue
        try:
            installed = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            installed = False
        # installed but unusable: it fails on its own when imported, not because of us
        if installed:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)


def register(pool: Any, serialized: bytes) -> Any:
    """Add a generated file to ``pool``: as is, or as a private copy when another file has its symbols."""
    proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
    files = _RENAMED_FILES.setdefault(pool, {})
    symbols = _RENAMED_SYMBOLS.setdefault(pool, {})
    if proto.name in files:  # the same module imported again (reload, or under another name)
        return pool.FindFileByName(files[proto.name])
    collides = _taken(pool, proto.name) or any(
        _taken(pool, f"{_prefix(proto)}{name}", proto.name) for name in _top_level_names(proto)
    )
    if not collides and not any(dependency in files for dependency in proto.dependency):
        return pool.AddSerializedFile(serialized)  # no collision after all (e.g. another error, raised again here)
    if collides:
        renamed_package = f"{PREFIX}.{proto.package}" if proto.package else PREFIX
        for name in _top_level_names(proto):
            symbols[f"{_prefix(proto)}{name}"] = f"{renamed_package}.{name}"
        files[proto.name] = f"{PREFIX}/{proto.name}"
        proto.name = files[proto.name]
        proto.package = renamed_package
    _retarget(proto, files, symbols)
    return pool.AddSerializedFile(proto.SerializeToString())


def original_full_name(full_name: str) -> str:
    """``google.chat.v1.Space`` for ``chat_grpc.google.chat.v1.Space`` (a private copy), else unchanged."""
    head = f"{PREFIX}."
    return full_name[len(head) :] if full_name.startswith(head) else full_name


def _prefix(proto: descriptor_pb2.FileDescriptorProto) -> str:
    return f"{proto.package}." if proto.package else ""


def _top_level_names(proto: descriptor_pb2.FileDescriptorProto) -> Iterable[str]:
    for items in (proto.message_type, proto.enum_type, proto.extension, proto.service):
        for item in items:
            yield item.name


def _taken(pool: Any, name: str, own_file: str | None = None) -> bool:
    """Whether the pool has the file ``name`` (own_file None) or the symbol ``name`` from a file not ours."""
    try:
        if own_file is None:
            pool.FindFileByName(name)
            return True
        return bool(pool.FindFileContainingSymbol(name).name != own_file)
    except KeyError:
        return False


def _retarget(proto: descriptor_pb2.FileDescriptorProto, files: dict[str, str], symbols: dict[str, str]) -> None:
    """Point the imports and type references of ``proto`` at the private copies registered so far."""
    if proto.public_dependency or proto.weak_dependency:  # protoc indexes into dependency: keep them valid
        raise TypeError(f"{proto.name}: public and weak imports are not supported here")
    renamed = [files.get(dependency, dependency) for dependency in proto.dependency]
    del proto.dependency[:]
    proto.dependency.extend(renamed)

    def rename(type_name: str) -> str:
        parts = type_name.lstrip(".").split(".")
        for end in range(len(parts), 0, -1):  # the longest prefix that is a renamed top-level symbol
            top = symbols.get(".".join(parts[:end]))
            if top is not None:
                return "." + ".".join([top, *parts[end:]])
        return type_name

    def fields(items: Iterable[descriptor_pb2.FieldDescriptorProto]) -> None:
        for field in items:
            if field.type_name:
                field.type_name = rename(field.type_name)
            if field.extendee:
                field.extendee = rename(field.extendee)

    def messages(items: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for message in items:
            fields(message.field)
            fields(message.extension)
            messages(message.nested_type)

    messages(proto.message_type)
    fields(proto.extension)
    for service in proto.service:
        for method in service.method:
            method.input_type = rename(method.input_type)
            method.output_type = rename(method.output_type)
