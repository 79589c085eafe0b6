"""What only the REST transport has: transcoding a request into (method, path, query, body) by its http rule,
error JSON mapped to the same classes and details as gRPC, the connection options, and faults injected into a
real ``ChatServer`` (``chat.faults``) reaching the client through the REST door. The behaviour both transports
share runs through both in test_every_rpc.py, test_clients.py, test_errors.py and test_pagers.py."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import grpc
import pytest
from google.chat.v1 import membership_pb2, message_pb2, space_pb2
from google.protobuf import field_mask_pb2, json_format
from google.rpc import error_details_pb2

from chat_grpc import (
    AlreadyExists,
    AsyncChatClient,
    ChatClient,
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RetryPolicy,
    Unavailable,
    Unknown,
)
from chat_grpc.api import rpcs as _rpcs
from chat_grpc.api.http_rules import PathTemplate
from chat_grpc.client._base import emulator_rest_url
from chat_grpc.client._core import build_request
from chat_grpc.client._rest import base_url, rest_bindings, transcode
from chat_grpc.client.errors import from_http_response
from chat_grpc.doors.rest.routes import PathTemplate as ServerPathTemplate
from chat_grpc.doors.rest.routes import RouteTable, service_routes
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer

FAST = RetryPolicy(initial=0.01, maximum=0.05, multiplier=2.0)

# ------------------------------------------------------------------------------------------------ transcoding


def test_the_server_and_the_client_share_one_path_template() -> None:
    assert ServerPathTemplate is PathTemplate
    template = PathTemplate.parse("/v1/{name=spaces/*/messages/*}")
    assert template.fill({"name": "spaces/A/messages/B.C"}) == "/v1/spaces/A/messages/B.C"
    assert template.fill({"name": "spaces/A"}) is None  # does not fit: the next binding is tried
    assert template.fill({"name": ""}) is None
    emoji = PathTemplate.parse("/v1/{name=customEmojis/*}")
    assert emoji.fill({"name": "customEmojis/:ship it:"}) == "/v1/customEmojis/:ship%20it:"
    assert emoji.match("/v1/customEmojis/:ship%20it:") == {"name": "customEmojis/:ship it:"}


def test_every_rpc_has_a_binding_read_from_its_descriptor() -> None:
    for rpc in _rpcs.RPCS:
        assert rest_bindings(rpc.name), rpc.name


def _query(call: Any) -> list[tuple[str, str]]:
    return list(call.query)


def test_a_get_binds_the_name_and_sends_the_rest_as_query() -> None:
    request = space_pb2.GetSpaceRequest(name="spaces/AAAA", use_admin_access=True)
    call = transcode(_rpcs.BY_NAME["GetSpace"], request)
    assert (call.verb, call.path, _query(call), call.body) == (
        "GET",
        "/v1/spaces/AAAA",
        [("useAdminAccess", "true")],
        None,
    )


def test_defaults_are_left_out_and_repeated_nested_enum_and_mask_fields_are_spelled_as_google_does() -> None:
    call = transcode(_rpcs.BY_NAME["ListMessages"], message_pb2.ListMessagesRequest(parent="spaces/A", page_size=2))
    assert (call.path, _query(call)) == ("/v1/spaces/A/messages", [("pageSize", "2")])

    update = build_request(
        _rpcs.BY_NAME["UpdateSpace"],
        None,
        {"space": {"name": "spaces/A", "display_name": "New", "access_settings": {"audience": "audiences/x"}}},
    )
    call = transcode(_rpcs.BY_NAME["UpdateSpace"], update)
    assert (call.verb, call.path) == ("PATCH", "/v1/spaces/A")
    assert _query(call) == [("updateMask", "displayName,accessSettings.audience")]  # FieldMask: comma-joined JSON
    assert json.loads(call.body or b"") == {"displayName": "New", "accessSettings": {"audience": "audiences/x"}}

    create = message_pb2.CreateMessageRequest(
        parent="spaces/A",
        message=message_pb2.Message(text="hi"),
        request_id="r-1",
        message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_OR_FAIL,
    )
    call = transcode(_rpcs.BY_NAME["CreateMessage"], create)
    assert (call.verb, call.path, json.loads(call.body or b"")) == ("POST", "/v1/spaces/A/messages", {"text": "hi"})
    assert _query(call) == [("requestId", "r-1"), ("messageReplyOption", "REPLY_MESSAGE_OR_FAIL")]  # enum by name


def test_body_star_takes_the_whole_request() -> None:
    request = build_request(
        _rpcs.BY_NAME["SetUpSpace"],
        None,
        {"space": {"space_type": "SPACE", "display_name": "D"}, "memberships": [{"member": {"name": "users/b"}}]},
    )
    call = transcode(_rpcs.BY_NAME["SetUpSpace"], request)
    assert (call.verb, call.path, _query(call)) == ("POST", "/v1/spaces:setup", [])
    body = json.loads(call.body or b"")
    assert body["space"] == {"spaceType": "SPACE", "displayName": "D"}
    assert body["memberships"] == [{"member": {"name": "users/b"}}] and body["requestId"]


def test_nested_messages_become_dotted_query_parameters_and_repeated_fields_repeat() -> None:
    # No Chat RPC has a nested or repeated query field today; a FieldMask stands in for "repeated" inside, and
    # the flattening is checked directly on a nested value.
    from chat_grpc.client._rest import _flatten

    assert list(_flatten({"a": {"b": 1, "c": [True, False]}, "d": "x"}, "")) == [
        ("a.b", "1"), ("a.c", "true"), ("a.c", "false"), ("d", "x")
    ]  # fmt: skip
    with pytest.raises(ValueError, match="repeated message"):
        list(_flatten({"a": [{"b": 1}]}, ""))


def test_a_name_that_fits_no_path_is_a_value_error_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match=r"get_space\(\).*name like 'spaces/\*'"):
        transcode(_rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(name="users/alice"))


def test_the_transcoded_request_is_what_the_server_door_rebuilds() -> None:
    """Round trip through the server's own parser: the client's HTTP call decodes to the same request message."""
    from chat_grpc.doors.rest.transcode import build_request as server_build

    table = RouteTable(service_routes(space_pb2.DESCRIPTOR.pool.FindServiceByName("google.chat.v1.ChatService")))
    requests: list[tuple[Any, Any]] = [
        (_rpcs.BY_NAME["UpdateSpace"], space_pb2.UpdateSpaceRequest(
            space=space_pb2.Space(name="spaces/A", display_name="N"), use_admin_access=True,
            update_mask=field_mask_pb2.FieldMask(paths=["display_name", "space_details"]),
        )),
        (_rpcs.BY_NAME["ListMemberships"], membership_pb2.ListMembershipsRequest(
            parent="spaces/A", filter='member.type = "HUMAN"', show_groups=True, page_size=3, page_token="t/k+n",
        )),
        (_rpcs.BY_NAME["CreateMessage"], message_pb2.CreateMessageRequest(
            parent="spaces/A", message=message_pb2.Message(text="a&b=c"), message_id="client-x", request_id="r",
        )),
        (_rpcs.BY_NAME["FindDirectMessage"], space_pb2.FindDirectMessageRequest(name="users/bob@example.com")),
    ]  # fmt: skip
    for rpc, request in requests:
        call = transcode(rpc, request)
        found, _ = table.find(call.verb, call.path)
        assert found is not None and found.route.rpc == rpc.name
        rebuilt = server_build(found.route, found.bound, list(call.query), call.body or b"")
        assert rebuilt == request, rpc.name


# ------------------------------------------------------------------------------------------------ errors as JSON


def _error_json(**error: Any) -> bytes:
    return json.dumps({"error": error}).encode()


def test_google_error_json_maps_to_the_same_class_and_details() -> None:
    violation = {"field": "space.display_name", "description": "required"}
    content = _error_json(
        code=400,
        message="bad",
        status="INVALID_ARGUMENT",
        details=[
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "BAD", "domain": "chat.googleapis.com"},
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.500s"},
            {"@type": "type.googleapis.com/not.a.known.Type", "x": 1},  # left out, not an error
        ],
    )
    error = from_http_response(400, content)
    assert isinstance(error, InvalidArgument) and error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert (error.message, error.reason, error.retry_delay) == ("bad", "BAD", 1.5)
    assert [(v.field, v.description) for v in error.field_violations] == [("space.display_name", "required")]
    assert error.status is not None and error.status.code == 3 and len(error.status.details) == 3
    assert isinstance(error.details[0], error_details_pb2.ErrorInfo)


@pytest.mark.parametrize(
    ("http_status", "content", "kind"),
    [
        (404, b"<html>not here</html>", NotFound),
        (503, b"", Unavailable),
        (504, b"upstream timeout", DeadlineExceeded),
        (409, _error_json(code=409, message="dup", status="ALREADY_EXISTS"), AlreadyExists),
        (418, b"{}", Unknown),
    ],
)
def test_answers_without_a_status_map_by_http_status(http_status: int, content: bytes, kind: type) -> None:
    error = from_http_response(http_status, content)
    assert type(error) is kind and error.message


# ------------------------------------------------------------------------------------------------ connecting


def test_base_urls() -> None:
    assert base_url("chat.googleapis.com:443", secure=True) == "https://chat.googleapis.com"
    assert base_url("proxy.internal:8443", secure=True) == "https://proxy.internal:8443"
    assert base_url("127.0.0.1:8791", secure=False) == "http://127.0.0.1:8791"
    assert base_url("http://127.0.0.1:8791/", secure=False) == "http://127.0.0.1:8791"


def test_grpc_options_are_refused_with_rest() -> None:
    with pytest.raises(ValueError, match="channel_options"):
        ChatClient.for_emulator("http://127.0.0.1:1", transport="rest", channel_options=[("grpc.x", 1)])
    with pytest.raises(ValueError, match="ssl_credentials"):
        ChatClient(object(), transport="rest", ssl_credentials=grpc.ssl_channel_credentials())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="transport must be"):
        ChatClient.for_emulator("127.0.0.1:1", transport="http2")  # type: ignore[arg-type]


def test_a_rest_client_has_no_grpc_channel(chat: ChatServer, alice: User) -> None:
    with ChatClient.for_emulator(chat.rest_url, token=chat.token_for(alice), transport="rest") as client:
        assert client.transport == "rest" and "transport=rest" in repr(client)
        with pytest.raises(AttributeError, match="no gRPC channel"):
            client.channel  # noqa: B018


def test_google_credentials_sign_each_request(chat: ChatServer, alice: User) -> None:
    """The Google constructor over REST: google-auth credentials' before_request adds the bearer token."""
    credentials = chat.credentials_for(alice)
    with ChatClient(credentials, transport="rest", target=chat.rest_url) as client:
        space = client.create_space(space={"space_type": "SPACE", "display_name": "Signed"})
    call = chat.journal.last("CreateSpace")
    assert (call.face, call.principal, call.code) == ("rest", alice.name, "OK") and space.display_name == "Signed"
    assert dict(call.metadata)["authorization"] == "Bearer <redacted>"
    api_client = dict(call.metadata)["x-goog-api-client"]
    assert " rest/" in api_client and "chat-grpc/" in api_client and "cred-type/" in api_client  # one header


def test_from_environment_finds_the_rest_door(chat: ChatServer, alice: User) -> None:
    rest_port = chat.rest_url.rsplit(":", 1)[1]
    environ = {"CHAT_EMULATOR_HOST": chat.address, "CHAT_EMULATOR_REST_PORT": rest_port}
    assert emulator_rest_url(environ, chat.address) == chat.rest_url
    assert emulator_rest_url({"CHAT_EMULATOR_REST_URL": "http://h:1"}, chat.address) == "http://h:1"
    with pytest.raises(ValueError, match="CHAT_EMULATOR_REST_URL"):
        emulator_rest_url({"CHAT_EMULATOR_HOST": chat.address}, chat.address)
    with ChatClient.from_environment(token=chat.token_for(alice), environ=environ, transport="rest") as client:
        assert client.transport == "rest" and list(client.list_spaces()) == []


def test_a_refused_connection_is_unavailable_and_retried(chat: ChatServer) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with ChatClient.for_emulator(f"http://127.0.0.1:{port}", transport="rest", retry=FAST, timeout=5) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable) as raised:
            client.get_space(name="spaces/A")
        assert time.monotonic() - started < 5
    assert "ConnectError" in raised.value.message


# ------------------------------------------------------------------------------------------------ faults of the server


FLAVORS = ("sync", "async")


def _run(flavor: str, chat: ChatServer, alice: User, body: Any, **options: Any) -> Any:
    options.setdefault("timeout", 10)

    async def main() -> Any:
        if flavor == "async":
            async with AsyncChatClient.for_emulator(
                chat.rest_url, token=chat.token_for(alice), transport="rest", **options
            ) as aclient:
                return await body(aclient)
        with ChatClient.for_emulator(chat.rest_url, token=chat.token_for(alice), transport="rest", **options) as c:
            result = body(c)
            return await result if asyncio.iscoroutine(result) else result

    return asyncio.run(main())


async def _maybe(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_injected_unavailable_is_retried_with_the_same_request_id(
    flavor: str, chat: ChatServer, alice: User
) -> None:
    chat.faults.fail("CreateSpace", grpc.StatusCode.UNAVAILABLE, times=2)

    async def body(client: Any) -> Any:
        return await _maybe(client.create_space(space={"space_type": "SPACE", "display_name": "Once"}))

    space = _run(flavor, chat, alice, body, retry=FAST)
    calls = chat.journal.calls("CreateSpace")
    assert [(c.face, c.code) for c in calls] == [("rest", "UNAVAILABLE")] * 2 + [("rest", "OK")]
    assert len({c.request.request_id for c in calls}) == 1 and calls[0].request.request_id
    with ChatClient.for_emulator(chat.address, token=chat.token_for(alice)) as check:
        assert [s.name for s in check.list_spaces()] == [space.name]  # created once


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_injected_failure_with_retry_info_carries_its_details(flavor: str, chat: ChatServer, alice: User) -> None:
    chat.faults.fail("ListSpaces", grpc.StatusCode.RESOURCE_EXHAUSTED, retry_delay=0.2)
    chat.faults.fail("GetSpace", grpc.StatusCode.PERMISSION_DENIED)

    async def body(client: Any) -> Any:
        started = time.monotonic()
        await _maybe(client.list_spaces())
        waited = time.monotonic() - started
        with pytest.raises(PermissionDenied) as raised:
            await _maybe(client.get_space(name="spaces/AAAA"))
        return waited, raised.value

    waited, error = _run(flavor, chat, alice, body, retry=FAST)
    assert waited >= 0.2  # RetryInfo's delay, honoured as over gRPC
    assert error.reason == "INJECTED_FAULT" and error.error_info.metadata["rpc"] == "GetSpace"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_injected_delay_meets_the_deadline(flavor: str, chat: ChatServer, alice: User) -> None:
    chat.faults.delay("GetSpace", 2.0)

    async def body(client: Any) -> Any:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            await _maybe(client.get_space(name="spaces/AAAA", timeout=0.3))
        elapsed = time.monotonic() - started
        await _maybe(client.list_spaces(timeout=2))  # the delayed call holds nothing: the next one answers at once
        return elapsed, time.monotonic() - started - elapsed

    elapsed, next_call = _run(flavor, chat, alice, body, retry=FAST)
    assert 0.25 <= elapsed < 1.0 and next_call < 1.0
    assert [f.rpc for f in chat.faults.fired()] == ["GetSpace"]


def test_the_server_rejects_what_the_client_sent_wrong_as_invalid_argument(chat: ChatServer, alice: User) -> None:
    client = ChatClient.for_emulator(chat.rest_url, token=chat.token_for(alice), transport="rest")
    with client, pytest.raises(InvalidArgument) as raised:
        client.list_spaces(filter="nonsense ===")
    assert raised.value.status is not None and raised.value.error_info is not None
    assert json_format.MessageToDict(raised.value.status)["code"] == 3


def test_keep_alive_calls_are_not_held_back_by_nagle(chat: ChatServer, alice: User) -> None:
    """Each REST answer is written in two pieces (head, body); without TCP_NODELAY on the door's sockets the body
    waits for the client's delayed ACK, ~40 ms a call. 20 calls take a few ms each otherwise."""
    with ChatClient.for_emulator(chat.rest_url, token=chat.token_for(alice), transport="rest") as client:
        client.list_spaces()  # connect
        started = time.monotonic()
        for _ in range(20):
            client.list_spaces()
        assert time.monotonic() - started < 0.6
