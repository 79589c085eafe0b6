"""The REST door against a real listener (and in-process through httpx's ASGI transport): routing from the
descriptors, transcoding, JSON as Google writes it, errors, system parameters, and one core shared with gRPC
(faults, journal, page tokens, idempotency)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import grpc
import httpx
import pytest
from google.chat.v1 import chat_service_pb2_grpc, space_pb2

from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer

ALICE = {"authorization": "Bearer user:alice@example.com"}


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


@pytest.fixture
def alice(chat: ChatServer) -> User:
    chat.reset()
    return chat.store.add_user("alice@example.com", is_admin=True)


@pytest.fixture
def http(chat: ChatServer, alice: User) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=chat.rest_url, headers=ALICE, timeout=10) as client:
        yield client


def new_space(http: httpx.Client, name: str = "Team") -> str:
    response = http.post("/v1/spaces", json={"spaceType": "SPACE", "displayName": name})
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def test_create_and_get_a_space(http: httpx.Client) -> None:
    name = new_space(http)
    got = http.get(f"/v1/{name}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json; charset=UTF-8"
    body = got.json()
    assert body["name"] == name and body["displayName"] == "Team" and body["spaceType"] == "SPACE"
    assert "createTime" in body and body["createTime"].endswith("Z")  # RFC 3339, camelCase names
    assert got.text.startswith("{\n  ")  # pretty by default, as Google


def test_prettyprint_false_is_compact(http: httpx.Client) -> None:
    name = new_space(http)
    assert http.get(f"/v1/{name}", params={"prettyPrint": "false"}).text.startswith('{"name":')


def test_enums_as_numbers_with_dollar_alt(http: httpx.Client) -> None:
    name = new_space(http)
    body = http.get(f"/v1/{name}", params={"$alt": "json;enum-encoding=int"}).json()
    assert body["spaceType"] == space_pb2.Space.SpaceType.SPACE


def test_query_parameters_in_both_spellings_and_enums_by_number(http: httpx.Client) -> None:
    name = new_space(http)
    for key in ("messageId", "message_id"):
        made = http.post(
            f"/v1/{name}/messages", params={key: f"client-{key.lower().replace('_', '-')}"}, json={"text": "hi"}
        )
        assert made.status_code == 200, made.text
        assert made.json()["clientAssignedMessageId"] == f"client-{key.lower().replace('_', '-')}"
    reply = http.post(
        f"/v1/{name}/messages",
        params={"messageReplyOption": "1"},  # an enum by number
        json={"text": "threaded", "thread": {"threadKey": "t1"}},
    )
    assert reply.status_code == 200, reply.text
    again = http.post(
        f"/v1/{name}/messages",
        params={"messageReplyOption": "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"},
        json={"text": "same thread", "thread": {"threadKey": "t1"}},
    )
    assert again.status_code == 200, again.text
    assert again.json()["thread"]["name"] == reply.json()["thread"]["name"]  # the enum by name, same thread


def test_field_mask_as_comma_list(http: httpx.Client) -> None:
    name = new_space(http)
    patched = http.patch(
        f"/v1/{name}", params={"updateMask": "displayName,spaceDetails"}, json={"displayName": "Renamed"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["displayName"] == "Renamed"


def test_fields_selector_on_a_list(http: httpx.Client) -> None:
    for n in range(3):
        new_space(http, f"S{n}")
    page = http.get("/v1/spaces", params={"pageSize": "2", "fields": "spaces(name,displayName),nextPageToken"})
    body = page.json()
    assert set(body) == {"spaces", "nextPageToken"}
    assert all(set(space) == {"name", "displayName"} for space in body["spaces"])
    nested = http.get("/v1/spaces", params={"fields": "spaces/membershipCount"}).json()
    assert all(set(space) <= {"membershipCount"} for space in nested["spaces"])


def test_page_tokens_are_valid_across_faces(chat: ChatServer, http: httpx.Client) -> None:
    for n in range(3):
        new_space(http, f"P{n}")
    first = http.get("/v1/spaces", params={"pageSize": "1"}).json()
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        second = stub.ListSpaces(
            space_pb2.ListSpacesRequest(page_size=1, page_token=first["nextPageToken"]),
            metadata=list(ALICE.items()),
        )
    assert second.spaces[0].name != first["spaces"][0]["name"]
    back = http.get("/v1/spaces", params={"pageSize": "1", "pageToken": second.next_page_token}).json()
    names = {first["spaces"][0]["name"], second.spaces[0].name, back["spaces"][0]["name"]}
    assert len(names) == 3


def test_request_id_idempotency_across_faces(chat: ChatServer, http: httpx.Client) -> None:
    name = new_space(http)
    one = http.post(f"/v1/{name}/messages", params={"requestId": "r-1"}, json={"text": "once"}).json()
    two = http.post(f"/v1/{name}/messages", params={"requestId": "r-1"}, json={"text": "once"}).json()
    assert one["name"] == two["name"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "code", "status", "mentions"),
    [
        ("GET", "/v1/spaces", {"params": {"bogus": "1"}}, 400, "INVALID_ARGUMENT", "bogus"),
        ("GET", "/v1/spaces", {"params": {"pageSize": "many"}}, 400, "INVALID_ARGUMENT", "page_size"),
        ("POST", "/v1/spaces", {"content": b"{not json"}, 400, "INVALID_ARGUMENT", "Invalid JSON payload"),
        ("POST", "/v1/spaces", {"json": {"displayName": "x", "nope": 1}}, 400, "INVALID_ARGUMENT", "nope"),
        ("POST", "/v1/spaces", {"json": {"displayName": 5}}, 400, "INVALID_ARGUMENT", "displayName"),
        ("POST", "/v1/spaces", {"json": {"spaceType": "NOT_A_TYPE"}}, 400, "INVALID_ARGUMENT", "spaceType"),
        ("POST", "/v1/spaces", {"content": b"\xff\xfe"}, 400, "INVALID_ARGUMENT", "UTF-8"),
        ("GET", "/v1/spaces/missing", {}, 404, "NOT_FOUND", "spaces/missing"),
        ("GET", "/v1/nothing/here", {}, 404, "NOT_FOUND", "/v1/nothing/here"),
        ("PUT", "/v1/spaces", {}, 405, "UNIMPLEMENTED", "GET"),
        ("GET", "/v1/spaces", {"params": {"alt": "xml"}}, 400, "INVALID_ARGUMENT", "alt"),
        ("GET", "/v1/spaces", {"params": {"fields": "spaces(name"}}, 400, "INVALID_ARGUMENT", "fields"),
        ("GET", "/v1/spaces", {"params": {"$.xgafv": "3"}}, 400, "INVALID_ARGUMENT", "xgafv"),
    ],
)
def test_errors_as_google_writes_them(
    http: httpx.Client, method: str, path: str, kwargs: dict[str, object], code: int, status: str, mentions: str
) -> None:
    response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == code, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["status"] == status
    assert mentions in error["message"]


def test_error_details_match_the_grpc_face(chat: ChatServer, http: httpx.Client) -> None:
    error = http.get("/v1/spaces/missing").json()["error"]
    assert error["details"][0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "NOT_FOUND",
        "domain": "chat.googleapis.com",
    }
    bad = http.post("/v1/spaces", json={"spaceType": "SPACE"}).json()["error"]  # no display name
    assert bad["status"] == "INVALID_ARGUMENT"
    violations = [d for d in bad["details"] if d["@type"].endswith("BadRequest")]
    assert violations and violations[0]["fieldViolations"][0]["field"] == "space.display_name"


def test_unauthenticated_says_bearer(chat: ChatServer, alice: User) -> None:
    response = httpx.get(f"{chat.rest_url}/v1/spaces")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_access_token_query_parameter(chat: ChatServer, alice: User) -> None:
    response = httpx.get(f"{chat.rest_url}/v1/spaces", params={"access_token": "user:alice@example.com"})
    assert response.status_code == 200, response.text
    assert response.json() == {}  # no spaces yet: the empty message is {}
    assert chat.journal.last("ListSpaces").principal == alice.name


def test_system_parameters_are_accepted(http: httpx.Client) -> None:
    params = {"alt": "json", "key": "k", "quotaUser": "q", "$.xgafv": "2", "callback": "c", "upload_protocol": "raw"}
    assert http.get("/v1/spaces", params=params).status_code == 200


def test_scopes_apply_as_on_grpc(chat: ChatServer, alice: User) -> None:
    readonly = {"authorization": "Bearer user:alice@example.com;scopes=chat.spaces.readonly"}
    response = httpx.post(
        f"{chat.rest_url}/v1/spaces", headers=readonly, json={"spaceType": "SPACE", "displayName": "x"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"


def _raw_http(chat: ChatServer, head: bytes, body: bytes = b"") -> bytes:
    import socket

    port = int(chat.rest_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):  # the server may answer and close before it has read everything
                sock.sendall(head + body)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_a_declared_body_over_the_limit_is_413(chat: ChatServer, alice: User) -> None:
    limit = chat.rest_app.max_body_bytes
    head = (
        f"POST /v1/spaces/AAA/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer user:alice@example.com\r\n"
        f"Content-Type: application/json\r\nContent-Length: {limit + 1}\r\n\r\n"
    ).encode()
    answer = _raw_http(chat, head)  # answered before the body is sent: no memory spent on it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_body_over_the_limit_is_413(chat: ChatServer, alice: User) -> None:
    limit = chat.rest_app.max_body_bytes
    head = (
        b"POST /v1/spaces/AAA/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer user:alice@example.com\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 1_000_000
    body = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(limit // len(chunk) + 2))
    answer = _raw_http(chat, head, body + b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_method_override_header(http: httpx.Client) -> None:
    new_space(http)
    response = http.post(
        "/v1/spaces",
        headers={"x-http-method-override": "GET", "content-type": "application/x-www-form-urlencoded"},
        content=b"pageSize=1",
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["spaces"]) == 1


# ------------------------------------------------------------------ one core: faults, journal


def test_a_fault_fires_on_either_face(chat: ChatServer, http: httpx.Client) -> None:
    chat.faults.fail("ListSpaces", grpc.StatusCode.UNAVAILABLE, times=1)
    failed = http.get("/v1/spaces")
    assert failed.status_code == 503
    assert failed.json()["error"]["details"][0]["reason"] == "INJECTED_FAULT"
    assert http.get("/v1/spaces").status_code == 200
    call = chat.journal.calls("ListSpaces")[-2]
    assert call.face == "rest" and call.code == "UNAVAILABLE" and call.fault == "fail UNAVAILABLE"


def test_journal_says_which_face(chat: ChatServer, http: httpx.Client) -> None:
    http.get("/v1/spaces")
    with grpc.insecure_channel(chat.address) as channel:
        chat_service_pb2_grpc.ChatServiceStub(channel).ListSpaces(
            space_pb2.ListSpacesRequest(), metadata=list(ALICE.items())
        )
    assert [c.face for c in chat.journal.calls("ListSpaces")] == ["rest", "grpc"]
    assert chat.journal.last("ListSpaces").to_json()["face"] == "grpc"


def test_a_delayed_rest_call_does_not_stall_others(chat: ChatServer, http: httpx.Client) -> None:
    chat.faults.delay("GetSpace", 1.5, times=8)  # more delayed calls than worker threads would allow if they held one
    name = new_space(http)
    results: list[int] = []

    def slow() -> None:
        with httpx.Client(base_url=chat.rest_url, headers=ALICE, timeout=10) as client:
            results.append(client.get(f"/v1/{name}").status_code)

    threads = [threading.Thread(target=slow) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert http.get("/v1/spaces").status_code == 200  # REST, not delayed
    with grpc.insecure_channel(chat.address) as channel:
        chat_service_pb2_grpc.ChatServiceStub(channel).ListSpaces(
            space_pb2.ListSpacesRequest(), metadata=list(ALICE.items()), timeout=5
        )
    assert time.monotonic() - started < 1.0  # answered while the delayed calls still wait
    for thread in threads:
        thread.join()
    assert results == [200] * 8


def test_idle_connections_do_not_block(chat: ChatServer, http: httpx.Client) -> None:
    import socket

    idle = []
    for _ in range(40):  # more than the worker threads: an idle HTTP connection holds no thread
        sock = socket.create_connection(("127.0.0.1", int(chat.rest_url.rsplit(":", 1)[1])))
        sock.sendall(b"GET /v1/spaces HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
        idle.append(sock)
    try:
        assert http.get("/v1/spaces").status_code == 200
    finally:
        for sock in idle:
            sock.close()


# ------------------------------------------------------------------ in-process, no socket


def test_the_app_mounts_in_process(chat: ChatServer, alice: User) -> None:
    async def run() -> tuple[int, dict[str, object]]:
        transport = httpx.ASGITransport(app=chat.rest_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chat.test", headers=ALICE) as client:
            made = await client.post("/v1/spaces", json={"spaceType": "SPACE", "displayName": "In process"})
            return made.status_code, made.json()

    code, body = asyncio.run(run())
    assert code == 200 and body["displayName"] == "In process"
    assert chat.journal.last("CreateSpace").face == "rest"


def test_rest_can_be_turned_off() -> None:
    with ChatServer(rest=False) as server, pytest.raises(RuntimeError, match="REST"):
        _ = server.rest_url
