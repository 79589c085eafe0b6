"""The URL table of the REST door, derived from the ``google.api.http`` annotations of a service descriptor —
never a hand-kept list, so an RPC added to the protos gets its route with no other change.

A rule's path template (``/v1/{name=spaces/*/messages/*}:verb``) compiles to a regular expression over the
raw (percent-encoded) path: ``*`` is one segment, ``**`` one or more, a variable binds a (dotted) request
field, a custom verb is a literal suffix. Routes are tried most specific first (more literal characters,
then fewer variables), so ``/v1/spaces:search`` wins over ``/v1/{name=spaces/*}`` and a verb route over the
plain one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from google.api import annotations_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

# The template grammar is shared with the client's REST transport, which must not import the server.
from chat_grpc.api.http_rules import PathTemplate, TemplateError, bindings, opened

__all__ = ["Match", "PathTemplate", "Route", "RouteTable", "TemplateError", "bindings", "describe", "service_routes"]


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


FOUND_PATHS = 4096  # paths RouteTable.find keeps (then it starts again)


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
        # Each bucket again by HTTP method: a path tries the routes of its own method first (in the same order), and
        # all of its bucket only when none matches, to say which methods it allows.
        self._by_verb: dict[int, dict[str, list[Route]]] = {}
        for bucket in [self._anywhere, *self._any_length.values(), *self._buckets.values()]:
            by_verb: dict[str, list[Route]] = {}
            for route in bucket:
                by_verb.setdefault(route.verb, []).append(route)
            self._by_verb[id(bucket)] = by_verb
        # The paths found lately, with their route and bound fields: the table does not change, so neither do they.
        self._found: dict[tuple[str, str], tuple[Route, dict[str, str]]] = {}

    def find(self, verb: str, raw_path: str) -> tuple[Match | None, list[str]]:
        """The route ``verb raw_path`` calls and its bound fields, or None and the methods the path allows."""
        known = self._found.get((verb, raw_path))
        if known is not None:
            return Match(known[0], dict(known[1])), []
        found, allowed = self._find(verb, raw_path)
        if found is not None:
            if len(self._found) >= FOUND_PATHS:
                self._found.clear()
            self._found[(verb, raw_path)] = (found.route, dict(found.bound))
        return found, allowed

    def _find(self, verb: str, raw_path: str) -> tuple[Match | None, list[str]]:
        parts = raw_path.split("/", 3)
        candidates = self._anywhere
        if len(parts) > 2:
            candidates = self._buckets.get((parts[1], parts[2], raw_path.count("/")), candidates)
            if candidates is self._anywhere:
                candidates = self._any_length.get((parts[1], parts[2]), candidates)
        for route in self._by_verb[id(candidates)].get(verb, ()):
            bound = route.template.match(raw_path)
            if bound is not None:
                return Match(route, bound), []
        allowed: list[str] = []
        for route in candidates:
            if route.verb != verb and route.verb not in allowed and route.template.match(raw_path) is not None:
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
    shape = opened(template)
    parts = shape.split("/", 3)
    key = None if len(parts) < 3 or any("*" in part for part in parts[1:3]) else (parts[1], parts[2])
    return key, None if "**" in shape else shape.count("/")


def describe(routes: Iterable[Route]) -> list[dict[str, Any]]:
    return [{"rpc": r.rpc, "method": r.verb, "path": r.path, "body": r.body} for r in routes]
