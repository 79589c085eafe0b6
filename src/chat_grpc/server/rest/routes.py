"""The URL table of the REST door, derived from the ``google.api.http`` annotations of a service descriptor —
never a hand-kept list, so an RPC added to the protos gets its route with no other change.

A rule's path template (``/v1/{name=spaces/*/messages/*}:verb``) compiles to a regular expression over the
raw (percent-encoded) path: ``*`` is one segment, ``**`` one or more, a variable binds a (dotted) request
field, a custom verb is a literal suffix. Routes are tried most specific first (more literal characters,
then fewer variables), so ``/v1/spaces:search`` wins over ``/v1/{name=spaces/*}`` and a verb route over the
plain one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

_VARIABLE = re.compile(r"\{([^}=]+)(?:=([^}]*))?\}")
_METHODS = ("get", "put", "post", "delete", "patch")


class TemplateError(ValueError):
    """A path template that does not follow the ``google.api.http`` grammar."""


@dataclass(frozen=True)
class PathTemplate:
    """One compiled path template: ``match(raw_path)`` gives the bound fields (decoded) or None."""

    text: str
    regex: re.Pattern[str]
    variables: tuple[str, ...]  # request field paths, in order
    literal_chars: int
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
            position = found.end()
        literal += _literal(path[position:], pattern)
        if verb:
            pattern.append(re.escape(":" + verb))
        return cls(text, re.compile("".join(pattern)), tuple(variables), literal, tuple(single))

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(raw_path)
        if found is None:
            return None
        return {
            name: _decode(found.group(f"v{i}"), single=bool(self.single) and self.single[i])
            for i, name in enumerate(self.variables)
        }

    def expand(self, values: dict[str, str]) -> str:
        """The path with each variable replaced by its value (the client direction, for the REST transport)."""
        out = self.text
        for name in self.variables:
            value = values[name]
            out = re.sub(r"\{" + re.escape(name) + r"(=[^}]*)?\}", lambda _m: value, out, count=1)  # noqa: B023
        return out


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


@dataclass(frozen=True)
class Route:
    """One HTTP binding of one RPC."""

    rpc: str  # "CreateMessage"
    method: MethodDescriptor = field(repr=False)
    verb: str  # "POST"
    template: PathTemplate
    body: str  # "" (no body), "*" (the whole request) or a top-level request field name

    @property
    def path(self) -> str:
        return self.template.text


def bindings(rule: http_pb2.HttpRule) -> Iterator[tuple[str, str, str]]:
    """(HTTP method, path template, body) of a rule and its additional bindings."""
    kind = rule.WhichOneof("pattern")
    if kind in _METHODS:
        yield kind.upper(), getattr(rule, kind), rule.body
    elif kind == "custom":
        yield rule.custom.kind.upper(), rule.custom.path, rule.body
    for extra in rule.additional_bindings:
        yield from bindings(extra)


def service_routes(service: ServiceDescriptor) -> list[Route]:
    """Every HTTP binding of every method of ``service`` that carries a ``google.api.http`` rule."""
    routes = []
    for method in service.methods:
        options = method.GetOptions()
        if not options.HasExtension(annotations_pb2.http):  # type: ignore[arg-type]
            continue
        for verb, path, body in bindings(options.Extensions[annotations_pb2.http]):  # type: ignore[index]
            routes.append(Route(method.name, method, verb, PathTemplate.parse(path), body))
    return routes


@dataclass
class Match:
    route: Route
    bound: dict[str, str]


class RouteTable:
    """Routes tried most specific first; ``find`` tells a path that matches no route from a path whose routes
    take other HTTP methods (``allowed``)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: (-r.template.literal_chars, len(r.template.variables)))
        # The routes a path can match, by its first two segments (``("v1", "spaces")``) and its number of slashes:
        # a route whose template has a wildcard in the first two segments is in every bucket, one with ``**`` in
        # every bucket of its two segments. A path tries a few routes instead of all.
        shapes = {id(route): _shape(route.template.text) for route in self.routes}
        self._anywhere = [r for r in self.routes if shapes[id(r)][0] is None]
        self._buckets: dict[tuple[str, str, int], list[Route]] = {}
        self._any_length: dict[tuple[str, str], list[Route]] = {}
        for key, _ in shapes.values():
            if key is not None:
                self._any_length[key] = [
                    r for r in self.routes if shapes[id(r)][0] is None or shapes[id(r)] == (key, None)
                ]
        for key, slashes in shapes.values():
            if key is not None and slashes is not None:
                self._buckets[(*key, slashes)] = [
                    r for r in self.routes if shapes[id(r)][0] is None or shapes[id(r)] in ((key, slashes), (key, None))
                ]

    def find(self, verb: str, raw_path: str) -> tuple[Match | None, list[str]]:
        allowed: list[str] = []
        parts = raw_path.split("/", 3)
        candidates = self._anywhere
        if len(parts) > 2:
            candidates = self._buckets.get((parts[1], parts[2], raw_path.count("/")), candidates)
            if candidates is self._anywhere:
                candidates = self._any_length.get((parts[1], parts[2]), candidates)
        for route in candidates:
            bound = route.template.match(raw_path)
            if bound is None:
                continue
            if route.verb == verb:
                return Match(route, bound), []
            if route.verb not in allowed:
                allowed.append(route.verb)
        return None, allowed

    def by_rpc(self) -> dict[str, list[Route]]:
        out: dict[str, list[Route]] = {}
        for route in self.routes:
            out.setdefault(route.rpc, []).append(route)
        return out


def _shape(template: str) -> tuple[tuple[str, str] | None, int | None]:
    """The first two segments of a template with its variables opened (``/v1/{name=spaces/*}`` -> ``("v1",
    "spaces")``; None when either is a wildcard) and its number of slashes (None with a ``**``)."""
    shape = _VARIABLE.sub(lambda found: found.group(2) or "*", template)
    parts = shape.split("/", 3)
    key = None if len(parts) < 3 or any("*" in part for part in parts[1:3]) else (parts[1], parts[2])
    return key, None if "**" in shape else shape.count("/")


def describe(routes: Iterable[Route]) -> list[dict[str, Any]]:
    return [{"rpc": r.rpc, "method": r.verb, "path": r.path, "body": r.body} for r in routes]
