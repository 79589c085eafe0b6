"""Workspace files: seed the fake from a JSON or YAML description of a whole workspace, and export its state to
the same format (``docs/emulator.md`` documents the format, with a complete example).

The public entry (``load_workspace``, ``export_workspace``, ``dump``, ``SeedError``, ...) over the modules
``schema`` (the declared shape, and its JSON Schema), ``read`` (reading a file), ``check_people`` and ``check``
(references and rules, into a ``plan``), ``load`` (check, dry run, load, with ``seeding``'s clock and ids;
``load_messages`` makes the messages) and ``export``.
"""

from __future__ import annotations

from chat_grpc.workspace.export import dump, dumps, export_workspace
from chat_grpc.workspace.load import IMPORT_MODE_LIFETIME, MAX_PROBLEMS, load_workspace
from chat_grpc.workspace.load_messages import IMPORT_SCOPES
from chat_grpc.workspace.plan import Workspace
from chat_grpc.workspace.read import MAX_DEPTH, SeedError, read_workspace_file, workspace_source
from chat_grpc.workspace.schema import FORMAT_VERSION

__all__ = [
    "FORMAT_VERSION",
    "IMPORT_MODE_LIFETIME",
    "IMPORT_SCOPES",
    "MAX_DEPTH",
    "MAX_PROBLEMS",
    "SeedError",
    "Workspace",
    "dump",
    "dumps",
    "export_workspace",
    "load_workspace",
    "read_workspace_file",
    "workspace_source",
]
