"""Request validation shared by the handlers: required fields, resource names, lengths, update masks.

Every error names the request field (``space.display_name``) in its message and its BadRequest violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.server.errors import InvalidArgument

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-.@:+]+$")


def require(value: object, field: str) -> None:
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)


def max_length(value: str, limit: int, field: str) -> None:
    if len(value) > limit:
        raise InvalidArgument(f"{field} is {len(value)} characters long; at most {limit} are allowed", field=field)


# A variable of a name pattern: what _SEGMENT accepts, a trailing newline included (its ``$`` allows one).
_VARIABLE = r"([A-Za-z0-9_\-.@:+]+\n?)"
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(pattern: str) -> re.Pattern[str]:
    """``spaces/{space}/members/{member}`` as one regex, compiled once: every call with a name parses one."""
    found = _PATTERNS.get(pattern)
    if found is None:
        parts = (_VARIABLE if part.startswith("{") else re.escape(part) for part in pattern.split("/"))
        found = _PATTERNS[pattern] = re.compile("/".join(parts))
    return found


def parse_name(name: str, pattern: str, field: str) -> tuple[str, ...]:
    """Match ``name`` against a pattern like ``spaces/{space}/members/{member}``; return the variables."""
    require(name, field)
    matched = _pattern(pattern).fullmatch(name)
    if matched is None:
        raise InvalidArgument(f"{field} must look like {pattern}, got {name!r}", field=field)
    return matched.groups()


def space_id(name: str, field: str = "name") -> str:
    (value,) = parse_name(name, "spaces/{space}", field)
    return value


def mask_paths(
    mask: field_mask_pb2.FieldMask, allowed: Iterable[str], *, field: str = "update_mask", star: bool = False
) -> frozenset[str]:
    """The mask's paths (camelCase accepted), each checked against ``allowed``; ``*`` means all if ``star``."""
    allowed = frozenset(allowed)
    paths = [p.strip() for path in mask.paths for p in path.split(",") if p.strip()]
    if not paths:
        raise InvalidArgument(f"{field} is required and must name at least one field", field=field)
    if "*" in paths:
        if not star or len(paths) > 1:
            raise InvalidArgument(
                f"{field} may not use '*' here" if not star else f"'*' must be alone in {field}", field=field
            )
        return allowed
    result = set()
    for path in paths:
        snake = _snake(path)
        if snake not in allowed:
            raise InvalidArgument(
                f"{field} path {path!r} is not supported; use one of: {', '.join(sorted(allowed))}", field=field
            )
        result.add(snake)
    return frozenset(result)


def _snake(path: str) -> str:
    return ".".join(re.sub(r"(?<!^)([A-Z])", r"_\1", part).lower() for part in path.split("."))


def to_datetime(value: timestamp_pb2.Timestamp, field: str) -> datetime:
    """A request Timestamp as an aware datetime; one outside years 1..9999 is INVALID_ARGUMENT, not a crash."""
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(
            f"{field} is not a valid timestamp (years 1 to 9999, nanos 0 to 999,999,999)", field=field
        ) from None
