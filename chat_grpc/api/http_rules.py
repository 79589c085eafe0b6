"""``google.api.http`` path templates and bindings, for both directions of AIP-127: the REST door of the server
matches an HTTP path against a template (``PathTemplate.match``), the REST transport of the client fills a
template from a request's fields (``PathTemplate.fill``). No I/O, no server imports: ``chat_grpc.doors.rest``
imports this module, never the other way round.

A rule's path template (``/v1/{name=spaces/*/messages/*}:verb``) compiles to a regular expression over the
raw (percent-encoded) path: ``*`` is one segment, ``**`` one or more, a variable binds a (dotted) request
field, a custom verb is a literal suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

from google.api import http_pb2

_VARIABLE = re.compile(r"\{([^}=]+)(?:=([^}]*))?\}")
_METHODS = ("get", "put", "post", "delete", "patch")
# RFC 3986 pchar (unreserved, sub-delims, ':' and '@') and '/': what a bound value may carry unencoded.
_PATH_SAFE = "/!$&'()*+,;=:@"


class TemplateError(ValueError):
    """A path template that does not follow the ``google.api.http`` grammar."""


@dataclass(frozen=True)
class PathTemplate:
    """One compiled path template: ``match(raw_path)`` gives the bound fields (decoded) or None; ``fill(values)``
    gives the path for those field values, or None when a value does not fit its variable's pattern."""

    text: str
    regex: re.Pattern[str]
    variables: tuple[str, ...]  # request field paths, in order
    literal_chars: int
    patterns: tuple[re.Pattern[str], ...] = ()  # per variable: what its (decoded) value must match
    single: tuple[bool, ...] = ()  # per variable: one segment (``{x}``, ``{x=*}``), else several

    @classmethod
    def parse(cls, text: str) -> PathTemplate:
        if not text.startswith("/"):
            raise TemplateError(f"path template {text!r} must start with '/'")
        path, verb = text, ""
        last = text.rsplit("/", 1)[-1]
        if ":" in last and "}" not in last.rsplit(":", 1)[1]:
            path, verb = text[: -len(last)] + last.rsplit(":", 1)[0], last.rsplit(":", 1)[1]
        pattern: list[str] = []
        variables: list[str] = []
        patterns: list[re.Pattern[str]] = []
        single: list[bool] = []
        literal = len(verb)
        position = 0
        for found in _VARIABLE.finditer(path):
            literal += _literal(path[position : found.start()], pattern)
            field_path, segments = found.group(1).strip(), found.group(2) or "*"
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", field_path):
                raise TemplateError(f"path template {text!r}: bad field path {field_path!r}")
            group = f"v{len(variables)}"
            variables.append(field_path)
            single.append(segments == "*")
            inner: list[str] = []
            literal += _segments(segments, inner, text)
            pattern.append(f"(?P<{group}>{''.join(inner)})")
            patterns.append(re.compile("".join(inner)))
            position = found.end()
        literal += _literal(path[position:], pattern)
        if verb:
            pattern.append(re.escape(":" + verb))
        return cls(text, re.compile("".join(pattern)), tuple(variables), literal, tuple(patterns), tuple(single))

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(raw_path)
        if found is None:
            return None
        return {
            name: _decode(found.group(f"v{i}"), single=bool(self.single) and self.single[i])
            for i, name in enumerate(self.variables)
        }

    def expand(self, values: Mapping[str, str]) -> str:
        """The path with each variable replaced by its value as given (no check, no encoding)."""
        out = self.text
        for name in self.variables:
            value = values[name]
            out = re.sub(r"\{" + re.escape(name) + r"(=[^}]*)?\}", lambda _m: value, out, count=1)  # noqa: B023
        return out

    def fill(self, values: Mapping[str, str]) -> str | None:
        """The client direction: the path for these (decoded) field values, percent-encoded where a path needs
        it, or None when a value is missing or does not fit its variable (``name="users/x"`` for
        ``{name=spaces/*}``), so that the caller can try the rule's next binding."""
        encoded: dict[str, str] = {}
        for name, pattern in zip(self.variables, self.patterns, strict=True):
            value = values.get(name)
            if not value or pattern.fullmatch(value) is None:
                return None
            encoded[name] = quote(value, safe=_PATH_SAFE)
        return self.expand(encoded)


def opened(template: str) -> str:
    """The template with each variable replaced by its segment pattern: ``/v1/{name=spaces/*}`` ->
    ``/v1/spaces/*`` (``{x}`` -> ``*``)."""
    return _VARIABLE.sub(lambda found: found.group(2) or "*", template)


def _decode(raw: str, *, single: bool) -> str:
    """A bound value, percent-decoded as google/api/http.proto says: fully for a one-segment variable; in a
    multi-segment one ``%2F`` stays as it is (an encoded slash is not a path separator)."""
    if single:
        return unquote(raw)
    return "%2F".join(unquote(part) for part in re.split("%2[fF]", raw))


def _literal(text: str, pattern: list[str]) -> int:
    segments = text.split("/")
    pieces = []
    for segment in segments:
        if segment == "**":
            pieces.append(".+")
        elif segment == "*":
            pieces.append("[^/]+")
        else:
            pieces.append(re.escape(segment))
    pattern.append("/".join(pieces))
    return sum(len(s) for s in segments if s not in ("*", "**"))


def _segments(text: str, pattern: list[str], template: str) -> int:
    pieces, literal = [], 0
    for segment in text.split("/"):
        if segment == "**":
            pieces.append(".+")
        elif segment == "*":
            pieces.append("[^/]+")
        elif segment and re.fullmatch(r"[A-Za-z0-9_.~-]+", segment):
            pieces.append(re.escape(segment))
            literal += len(segment)
        else:
            raise TemplateError(f"path template {template!r}: bad segment {segment!r}")
    pattern.append("/".join(pieces))
    return literal


def bindings(rule: http_pb2.HttpRule) -> Iterator[tuple[str, str, str]]:
    """(HTTP method, path template, body) of a rule and its additional bindings, in order."""
    kind = rule.WhichOneof("pattern")
    if kind in _METHODS:
        yield kind.upper(), getattr(rule, kind), rule.body
    elif kind == "custom":
        yield rule.custom.kind.upper(), rule.custom.path, rule.body
    for extra in rule.additional_bindings:
        yield from bindings(extra)


__all__ = ["PathTemplate", "TemplateError", "bindings", "opened"]
