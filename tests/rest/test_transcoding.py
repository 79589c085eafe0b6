"""Transcoding corner cases, without a socket: query strings into request messages (repeated parameters, dotted
paths into nested messages, FieldMask as a comma list, enums by name or number, booleans, 64-bit integers as
strings, RFC 3339 timestamps, wrappers, both spellings, unknown parameters named in the 400), the ``fields``
selector (``a,b/c,d(e,f)``, also on list responses) and ``alt=proto``.

The query-string cases run on the fake Library service (``fake_service.py``), whose ListBooks request has a field
of every kind, through ``transcode.build_request``; the ``fields`` and ``alt`` cases run on the Chat app
in-process (``httpx.ASGITransport(app=chat.rest_app)``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google.chat.v1 import message_pb2, space_pb2
from google.protobuf import json_format

from chat_grpc.doors.rest import render
from chat_grpc.doors.rest.routes import RouteTable, service_routes
from chat_grpc.doors.rest.transcode import build_request
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.server import ChatServer
from tests.rest.fake_service import library_service

TABLE = RouteTable(service_routes(library_service()))


def list_books(*params: tuple[str, str]) -> dict[str, Any]:
    found, _ = TABLE.find("GET", "/v2/shelves/s1/books")
    assert found is not None
    request = build_request(found.route, found.bound, list(params), b"")
    return json_format.MessageToDict(request, preserving_proto_field_name=True)


def refused(*params: tuple[str, str]) -> str:
    with pytest.raises(InvalidArgument) as raised:
        list_books(*params)
    return raised.value.message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("ids", "a"), ("ids", "b"), ("ids", "c")], {"ids": ["a", "b", "c"]}),  # repeated parameter
        ([("filter.tags", "x"), ("filter.tags", "y")], {"filter": {"tags": ["x", "y"]}}),  # repeated, nested
        ([("filter.numbers", "1"), ("filter.numbers", "-2")], {"filter": {"numbers": [1, -2]}}),
        ([("filter.kinds", "PAPER"), ("filter.kinds", "2")], {"filter": {"kinds": ["PAPER", "WOOD"]}}),
        (
            [("filter.deep.label", "x y"), ("filter.deep.kind", "WOOD"), ("filter.tags", "t")],  # dotted paths
            {"filter": {"deep": {"label": "x y", "kind": "WOOD"}, "tags": ["t"]}},
        ),
        (
            [("filter.deep.label", "a"), ("filter_deep_label_is_not_a_path", "b")][:1],
            {"filter": {"deep": {"label": "a"}}},
        ),
        ([("readMask", "title,pages")], {"read_mask": "title,pages"}),  # FieldMask as a comma list
        ([("read_mask", "title")], {"read_mask": "title"}),
        ([("kind", "WOOD")], {"kind": "WOOD"}),  # enum by name
        ([("kind", "1")], {"kind": "PAPER"}),  # ... or number
        ([("showDeleted", "true")], {"show_deleted": True}),
        ([("show_deleted", "false")], {}),  # false is the default: omitted
        ([("showDeleted", "1")], {"show_deleted": True}),
        ([("minPages", "9007199254740993")], {"min_pages": "9007199254740993"}),  # int64 past 2**53, exact
        ([("minPages", "-5")], {"min_pages": "-5"}),
        ([("big", "18446744073709551615")], {"big": "18446744073709551615"}),  # uint64 max
        ([("since", "2024-05-06T07:08:09.123456Z")], {"since": "2024-05-06T07:08:09.123456Z"}),  # RFC 3339
        ([("since", "2024-05-06T09:08:09+02:00")], {"since": "2024-05-06T07:08:09Z"}),  # with an offset
        ([("maxPrice", "2.5")], {"max_price": 2.5}),  # a wrapper type by its value
        ([("pageSize", "7")], {"page_size": 7}),
        ([("page_size", "7")], {"page_size": 7}),  # the proto name works too
    ],
    ids=lambda v: None if isinstance(v, dict) else "&".join(f"{k}={x}" for k, x in v),
)
def test_query_parameters(params: list[tuple[str, str]], expected: dict[str, Any]) -> None:
    assert list_books(*params) == {"parent": "shelves/s1", **expected}


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ([("bogus", "1")], "bogus"),  # unknown parameters are named
        ([("pageSize", "1"), ("colour", "red")], "colour"),
        ([("filter.nope", "1")], "filter.nope"),  # unknown nested field
        ([("filter", "x")], "filter"),  # a message, not a field of it
        ([("pageSize", "1"), ("page_size", "2")], "more than once"),  # a singular field given twice
        ([("kind", "STONE")], "kind"),  # an enum name that does not exist
        ([("showDeleted", "yes")], "showDeleted"),
        ([("minPages", "1.5")], "min_pages"),
        ([("pageSize", "99999999999")], "page_size"),  # out of int32's range
        ([("since", "yesterday")], "since"),
        ([("since", "2024-13-01T00:00:00Z")], "since"),
        ([("parent", "shelves/other")], "parent"),  # bound by the path
        ([("ids.x", "1")], "ids"),  # a repeated field has no sub-fields
    ],
)
def test_bad_query_parameters_are_400_naming_them(params: list[tuple[str, str]], mentions: str) -> None:
    assert mentions in refused(*params)


# ------------------------------------------------------------------ the Chat app in-process


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer(rest=False) as server:  # no socket: the ASGI app alone
        yield server


ALICE = {"authorization": "Bearer user:alice@example.com"}


def call(chat: ChatServer, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=chat.rest_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chat.test", headers=ALICE) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(run())


@pytest.fixture
def space(chat: ChatServer) -> str:
    chat.reset()
    alice = chat.store.add_user("alice@example.com", is_admin=True)
    bob = chat.store.add_user("bob@example.com")
    made = call(chat, "POST", "/v1/spaces", json={"spaceType": "SPACE", "displayName": "Fields"}).json()["name"]
    call(chat, "POST", f"/v1/{made}/members", json={"member": {"name": bob.name, "type": "HUMAN"}})
    for n in range(3):
        call(chat, "POST", f"/v1/{made}/messages", json={"text": f"m{n}"})
    assert alice.name
    return str(made)


def test_fields_selector_on_a_resource(chat: ChatServer, space: str) -> None:
    selector = (
        "name,membershipCount/joinedDirectHumanUserCount,permissionSettings(manageApps,postMessages/managersAllowed)"
    )
    got = call(chat, "GET", f"/v1/{space}", params={"fields": selector}).json()
    assert got == {
        "name": space,
        "membershipCount": {"joinedDirectHumanUserCount": 2},
        "permissionSettings": {
            "manageApps": {"managersAllowed": True, "membersAllowed": True},
            "postMessages": {"managersAllowed": True},
        },
    }


def test_fields_selector_on_a_list(chat: ChatServer, space: str) -> None:
    selector = "messages(name,sender/type,thread(name)),nextPageToken"
    got = call(chat, "GET", f"/v1/{space}/messages", params={"fields": selector, "pageSize": "2"}).json()
    assert set(got) == {"messages", "nextPageToken"} and len(got["messages"]) == 2
    for message in got["messages"]:
        assert set(message) == {"name", "sender", "thread"}
        assert message["sender"] == {"type": "HUMAN"} and set(message["thread"]) == {"name"}
    everything = call(chat, "GET", f"/v1/{space}/messages", params={"fields": "messages/*"}).json()
    assert set(everything) == {"messages"} and everything["messages"][0]["text"] == "m0"


@pytest.mark.parametrize(
    ("text", "selector"),
    [
        ("a,b/c,d(e,f)", {"a": None, "b": {"c": None}, "d": {"e": None, "f": None}}),
        ("a(b/c,d(e)),a/f", {"a": {"b": {"c": None}, "d": {"e": None}, "f": None}}),
        ("a, b", {"a": None, "b": None}),
        ("*", {"*": None}),
        ("a/b,a", {"a": None}),  # the whole of a wins
    ],
)
def test_fields_syntax(text: str, selector: render.Selector) -> None:
    assert render.parse_fields(text) == selector


@pytest.mark.parametrize("text", ["", "a(", "a)", "a,,b", "a/", "(a)", "a(b))", "a b"])
def test_bad_fields_are_400(chat: ChatServer, space: str, text: str) -> None:
    response = call(chat, "GET", f"/v1/{space}", params={"fields": text})
    assert response.status_code == 400, text
    assert "fields" in response.json()["error"]["message"]


def test_alt_proto_answers_the_binary_message(chat: ChatServer, space: str) -> None:
    whole = call(chat, "GET", f"/v1/{space}", params={"alt": "proto"})
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/x-protobuf"
    parsed = space_pb2.Space.FromString(whole.content)
    assert parsed.name == space and parsed.display_name == "Fields"
    cut = call(chat, "GET", f"/v1/{space}/messages", params={"alt": "proto", "fields": "messages/text"})
    listed = message_pb2.ListMessagesResponse.FromString(cut.content)
    assert [m.text for m in listed.messages] == ["m0", "m1", "m2"] and not listed.messages[0].name
    error = call(chat, "GET", "/v1/spaces/missing", params={"alt": "proto"})
    assert error.status_code == 404 and error.json()["error"]["status"] == "NOT_FOUND"  # errors stay JSON


def test_enums_as_numbers_and_int64_as_strings(chat: ChatServer, space: str) -> None:
    got = call(chat, "GET", f"/v1/{space}", params={"$alt": "json;enum-encoding=int"}).json()
    assert got["spaceType"] == space_pb2.Space.SpaceType.SPACE and isinstance(got["spaceType"], int)
    body = call(chat, "GET", f"/v1/{space}/messages", params={"filter": 'createTime > "2000-01-01T00:00:00Z"'})
    assert body.status_code == 200 and len(body.json()["messages"]) == 3
