"""Workspace files, reading: the mapping in a JSON or YAML file (nested at most ``MAX_DEPTH`` levels), and
the ``SeedError`` that names each problem of a file with its place."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class SeedError(ValueError):
    """A workspace file that cannot be loaded; ``problems`` lists each one with its place."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - exercised only without the extra
        return None
    return yaml


MAX_DEPTH = 100  # a workspace needs about 30 (cards inside messages inside spaces); deeper is a damaged file


_SCALARS = frozenset({str, int, float, bool, type(None)})  # what most values of a file are: never containers


def nesting_depth(data: Any) -> int:
    """How deeply lists and mappings nest in ``data`` (without recursion: any depth is measured), a level at a
    time: the containers one level down, in one comprehension per level (a million messages are one level)."""
    if not isinstance(data, dict | list):
        return 0
    depth, level = 1, [data]
    scalars, containers = _SCALARS, (dict, list)
    while depth <= MAX_DEPTH:
        level = [
            v
            for x in level
            for v in (x.values() if isinstance(x, dict) else x)
            if v.__class__ not in scalars and isinstance(v, containers)  # a text or a number: no lookup of its type
        ]
        if not level:
            return depth
        depth += 1
    return depth


def read_workspace_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The workspace mapping of a ``.json``, ``.yaml`` or ``.yml`` file (others: JSON, else YAML)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError([f"{where}: cannot read the workspace file: {error}"]) from None
    suffix = Path(path).suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SeedError([f"{where}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"]) from None
        except RecursionError:
            raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"]) from None
    else:
        yaml = _yaml()
        if yaml is None:
            raise SeedError([f"{where}: reading YAML needs PyYAML: pip install 'chat-grpc[yaml]' (or use JSON)"])
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            place = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None else where
            problem = getattr(error, "problem", None) or str(error)
            raise SeedError([f"{place}: not valid YAML: {problem}"]) from None
        except RecursionError:
            raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"]) from None
    if nesting_depth(data) > MAX_DEPTH:
        raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"])
    if not isinstance(data, dict):
        raise SeedError([f"{where}: a workspace file holds a mapping (users, apps, groups, spaces, ...)"])
    return data


def read_source(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, Any], Path]:
    """The workspace mapping of a file or of a mapping, and the folder its image files are relative to."""
    if isinstance(source, Mapping):
        data = dict(source)
        if nesting_depth(data) > MAX_DEPTH:
            raise SeedError([f"the workspace is nested too deeply (at most {MAX_DEPTH} levels)"])
        return data, Path.cwd()
    return read_workspace_file(source), Path(source).resolve().parent


def workspace_source(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """The mapping of a workspace file with its images inlined: what rebuilds it without the file's folder."""
    if isinstance(source, Mapping):
        data, base_dir = dict(source), Path.cwd()
    else:
        data, base_dir = read_workspace_file(source), Path(source).resolve().parent
    inlined = []
    for raw in data.get("custom_emojis") or []:
        if isinstance(raw, dict) and isinstance(raw.get("image"), str):
            path = base_dir / raw["image"]
            try:
                content = path.read_bytes()
            except OSError:
                inlined.append(raw)  # the check names the problem
                continue
            entry = {k: v for k, v in raw.items() if k != "image"}
            entry.setdefault("filename", Path(raw["image"]).name)
            entry["image_base64"] = base64.b64encode(content).decode()
            inlined.append(entry)
        else:
            inlined.append(raw)
    if inlined:
        data["custom_emojis"] = inlined
    return data
