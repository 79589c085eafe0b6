"""Routes follow the contract: the route table is derived from the ``google.api.http`` rules of whatever service
the REST app is given. A second service built in the test (``fake_service.py``: nested variables, a dotted field
path, ``**``, a custom verb, ``additional_bindings``, a ``custom`` HTTP method, ``body: "*"`` versus a field) is
served by ``RestApp(core, service=...)`` with no other change, and every RPC of ChatService with an HTTP rule
has its routes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest
from google.api import annotations_pb2
from google.chat.v1 import chat_service_pb2
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from chat_grpc.doors.rest.app import RestApp
from chat_grpc.doors.rest.routes import PathTemplate, RouteTable, TemplateError, bindings, service_routes
from chat_grpc.fake.core import ChatCore
from chat_grpc.server import ChatServer
from tests.rest.fake_service import RULES, library_service

CHAT = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]


@dataclass
class EchoCore:
    """Stands in for ChatCore: records each call and answers the response type with the request's name."""

    service: ServiceDescriptor
    calls: list[tuple[str, Message]] = field(default_factory=list)

    def take_fault(self, rpc: str) -> None:
        return None

    def serve_if_free(self, rpc: str, request: Message, door: Any, media: Any = None, *, fired: Any = None) -> Message:
        return self.serve(rpc, request, door, media, fired=fired)  # nothing here ever waits

    def serve(self, rpc: str, request: Message, door: Any, media: Any = None, *, fired: Any = None) -> Message:
        self.calls.append((rpc, request))
        output = self.service.methods_by_name[rpc].output_type
        response = message_factory.GetMessageClass(output)()
        if "name" in output.fields_by_name and "name" in request.DESCRIPTOR.fields_by_name:
            response.name = request.name  # type: ignore[attr-defined]
        if "pages" in output.fields_by_name:
            response.pages = 2**53 + 1  # type: ignore[attr-defined]
        return response


@pytest.fixture
def library() -> tuple[RestApp, EchoCore]:
    service = library_service()
    core = EchoCore(service)
    return RestApp(cast(ChatCore, core), service=service), core


def request(app: RestApp, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://library.test") as client:
            return await client.request(method, url, **kwargs)

    try:
        return asyncio.run(run())
    finally:
        app.close()


def as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def test_every_http_rule_of_a_new_service_becomes_routes() -> None:
    service = library_service()
    table = RouteTable(service_routes(service))
    with_rules = [m.name for m in service.methods if m.GetOptions().HasExtension(annotations_pb2.http)]
    assert sorted(table.by_rpc()) == sorted(with_rules) == sorted(RULES)  # StreamOnly has no rule, no route
    assert len(table.routes) == sum(len(list(bindings(rule))) for rule in RULES.values())  # + the extra binding
    assert {(r.verb, r.path, r.body) for r in table.routes} >= {
        ("GET", "/v2/{name=archives/*/books/*}", ""),
        ("POST", "/v2/{name=shelves/*/books/*}:move", "*"),
        ("PATCH", "/v2/{book.name=shelves/*/books/*}", "book"),
        ("HEAD", "/v2/ping", ""),
    }


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "rpc", "expected"),
    [
        ("GET", "/v2/shelves/s1/books/b1", {}, "GetBook", {"name": "shelves/s1/books/b1"}),
        ("GET", "/v2/archives/a1/books/b1", {}, "GetBook", {"name": "archives/a1/books/b1"}),  # additional binding
        (
            "GET",
            "/v2/shelves/s1/books",
            {"params": {"pageSize": "3"}},
            "ListBooks",
            {"parent": "shelves/s1", "pageSize": 3},
        ),
        (
            "POST",
            "/v2/shelves/s1/books/b1:move",  # a custom verb; body "*": the whole request from the body
            {"json": {"targetShelf": "shelves/s2", "name": "ignored: the path wins"}},
            "MoveBook",
            {"name": "shelves/s1/books/b1", "targetShelf": "shelves/s2"},
        ),
        (
            "PATCH",
            "/v2/shelves/s1/books/b1",  # a dotted field path bound by the path; body "book": that field
            {"params": {"updateMask": "title,pages"}, "json": {"title": "Dune", "pages": "412"}},
            "UpdateBook",
            {"book": {"name": "shelves/s1/books/b1", "title": "Dune", "pages": "412"}, "updateMask": "title,pages"},
        ),
        (
            "GET",
            "/v2/files/a/b/c.txt:read",
            {"params": {"offset": "5"}},
            "ReadFile",
            {"path": "files/a/b/c.txt", "offset": "5"},
        ),
        ("GET", "/v2/files/a%20b/c%2Fd:read", {}, "ReadFile", {"path": "files/a b/c%2Fd"}),  # %2F is no separator
        ("HEAD", "/v2/ping", {}, "Ping", {}),
    ],
    ids=[
        "get",
        "additional-binding",
        "list",
        "custom-verb-body-star",
        "dotted-path-body-field",
        "double-star",
        "decoding",
        "custom-method",
    ],
)
def test_a_new_service_is_served_with_no_other_change(
    library: tuple[RestApp, EchoCore], method: str, url: str, kwargs: dict[str, Any], rpc: str, expected: dict[str, Any]
) -> None:
    app, core = library
    response = request(app, method, url, **kwargs)
    assert response.status_code == 200, response.text
    called, message = core.calls[-1]
    assert called == rpc and as_dict(message) == expected


def test_a_new_service_answers_google_style(library: tuple[RestApp, EchoCore]) -> None:
    app, _ = library
    got = request(app, "GET", "/v2/shelves/s1/books/b1").json()
    assert got == {"name": "shelves/s1/books/b1", "pages": str(2**53 + 1)}  # int64 as a string
    wrong = request(app, "DELETE", "/v2/shelves/s1/books/b1")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, PATCH"
    body_on_star = request(app, "POST", "/v2/shelves/s1/books/b1:move", params={"targetShelf": "x"}, json={})
    assert body_on_star.status_code == 400 and "targetShelf" in body_on_star.json()["error"]["message"]
    nowhere = request(app, "GET", "/v1/spaces")  # ChatService is not this app's service
    assert nowhere.status_code == 404


def test_every_chat_service_rpc_with_a_rule_has_its_routes() -> None:
    table = RouteTable(service_routes(CHAT))
    rules = {
        m.name: m.GetOptions().Extensions[annotations_pb2.http]
        for m in CHAT.methods
        if m.GetOptions().HasExtension(annotations_pb2.http)
    }
    assert len(table.by_rpc()) == len(rules) == len(CHAT.methods)
    for name, rule in rules.items():
        assert sorted((r.verb, r.path, r.body) for r in table.by_rpc()[name]) == sorted(bindings(rule))


def test_the_served_table_is_the_derived_one(chat: ChatServer) -> None:
    assert [(r.rpc, r.verb, r.path) for r in chat.rest_app.routes.routes] == [
        (r.rpc, r.verb, r.path) for r in RouteTable(service_routes(CHAT)).routes
    ]


@pytest.fixture(scope="module")
def chat() -> Any:
    with ChatServer(rest=False) as server:
        yield server


@pytest.mark.parametrize(
    ("template", "path", "bound"),
    [
        ("/v1/{name=spaces/*}", "/v1/spaces/AAA", {"name": "spaces/AAA"}),
        ("/v1/{name=spaces/*}", "/v1/spaces/AAA/messages/B", None),
        ("/v1/{name}", "/v1/a%2Fb", {"name": "a/b"}),  # one segment: fully decoded
        ("/v1/{name=**}", "/v1/a/b/c", {"name": "a/b/c"}),
        ("/v1/{a.b=x/*}/{c=y/**}:go", "/v1/x/1/y/2/3:go", {"a.b": "x/1", "c": "y/2/3"}),
        ("/v1/spaces:search", "/v1/spaces", None),
    ],
)
def test_path_templates(template: str, path: str, bound: dict[str, str] | None) -> None:
    assert PathTemplate.parse(template).match(path) == bound


@pytest.mark.parametrize("template", ["v1/spaces", "/v1/{name=spa ces/*}", "/v1/{9x}"])
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(TemplateError):
        PathTemplate.parse(template)


def test_more_specific_routes_win() -> None:
    table = RouteTable(service_routes(CHAT))
    found, _ = table.find("GET", "/v1/spaces:search")
    assert found is not None and found.route.rpc == "SearchSpaces"
    found, _ = table.find("POST", "/v1/spaces/AAA:completeImport")
    assert found is not None and found.route.rpc == "CompleteImportSpace"
    found, allowed = table.find("PUT", "/v1/spaces/AAA")
    assert found is None and sorted(allowed) == ["DELETE", "GET", "PATCH"]


def test_found_paths_are_kept_and_handed_out_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """RouteTable.find keeps the paths it found (the table never changes): asked again, it answers what a new
    table answers, also after a caller changed the match it was given and after the kept paths started over."""
    from chat_grpc.doors.rest import routes

    monkeypatch.setattr(routes, "FOUND_PATHS", 5)
    table = RouteTable(service_routes(CHAT))
    first, _ = table.find("GET", "/v1/spaces/AAA")
    assert first is not None
    first.bound["name"] = "spaces/changed"  # the caller's own copy
    again, _ = table.find("GET", "/v1/spaces/AAA")
    assert again is not None and again.route is first.route and again.bound == {"name": "spaces/AAA"}
    again.bound.clear()
    third, _ = table.find("GET", "/v1/spaces/AAA")
    assert third is not None and third.bound == {"name": "spaces/AAA"}
    calls = [
        ("GET", "/v1/spaces/AAA"),
        ("PATCH", "/v1/spaces/AAA"),
        ("PUT", "/v1/spaces/AAA"),
        ("GET", "/v1/spaces/AAA/messages/B.C"),
        ("POST", "/v1/spaces/AAA/messages"),
        ("GET", "/v1/spaces/AAA/members/users%2Fme"),
        ("DELETE", "/v1/spaces/AAA/messages/B.C/reactions/R"),
        ("GET", "/v1/nowhere"),
        ("GET", "/v1/spaces:search"),
    ]
    for verb, path in calls * 3:
        found, allowed = table.find(verb, path)
        expected, expected_allowed = RouteTable(service_routes(CHAT)).find(verb, path)
        assert (found, allowed) == (expected, expected_allowed), (verb, path)
    assert len(table._found) <= 5
