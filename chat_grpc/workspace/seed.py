"""Workspace files: seed the fake from a JSON or YAML description of a whole workspace, and export its state to
the same format (``docs/emulator.md`` documents the format, with a complete example).

The public entry (``load_workspace``, ``export_workspace``, ``dump``, ``SeedError``, ...) over three modules:
``workspace_schema`` (the declared shape, and its JSON Schema), ``workspace_load`` (check, dry run, load) and
``workspace_export``.
"""

from __future__ import annotations

from chat_grpc.workspace.export import _compact, _Exporter, _time, dump, dumps, export_workspace
from chat_grpc.workspace.load import (
    IMPORT_MODE_LIFETIME,
    IMPORT_SCOPES,
    MAX_DEPTH,
    MAX_PROBLEMS,
    SeedError,
    Workspace,
    _check,
    _Checker,
    _Loader,
    _parse_time,
    _SeedClock,
    _SeedIds,
    load_workspace,
    read_workspace_file,
    workspace_source,
)
from chat_grpc.workspace.schema import FORMAT_VERSION

__all__ = [
    "FORMAT_VERSION",
    "IMPORT_MODE_LIFETIME",
    "IMPORT_SCOPES",
    "MAX_DEPTH",
    "MAX_PROBLEMS",
    "SeedError",
    "Workspace",
    "_Checker",
    "_Exporter",
    "_Loader",
    "_SeedClock",
    "_SeedIds",
    "_check",
    "_compact",
    "_parse_time",
    "_time",
    "dump",
    "dumps",
    "export_workspace",
    "load_workspace",
    "read_workspace_file",
    "workspace_source",
]
