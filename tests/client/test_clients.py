"""Both clients end to end against the fake (a smoke test), and every way of connecting."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import google.auth
import google.oauth2.credentials
import grpc
import pytest
from google.chat.v1 import space_pb2

import chat_grpc
from chat_grpc import AlreadyExists, AsyncChatClient, ChatClient, NotFound
from chat_grpc.client._base import (
    Connection,
    bearer_metadata,
    emulator_address,
    emulator_connection,
    is_loopback,
)
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer
from tests.client.conftest import Script, cause_type, endpoint

# ------------------------------------------------------------------------------------------------ smoke


def test_the_sync_client_against_the_fake(client: ChatClient, bob: User, transport: str) -> None:
    assert client.transport == transport
    space = client.create_space(space={"space_type": "SPACE", "display_name": "Team"})
    assert isinstance(space, space_pb2.Space) and space.name.startswith("spaces/")
    assert [s.name for s in client.list_spaces()] == [space.name]
    assert client.get_space(name=space).display_name == "Team"

    renamed = client.update_space(space={"name": space.name, "display_name": "Renamed"})  # mask: display_name
    assert renamed.display_name == "Renamed"

    membership = client.create_membership(parent=space, membership={"member": {"name": bob.name, "type": "HUMAN"}})
    assert {m.member.name for m in client.list_memberships(parent=space)} >= {bob.name}
    with pytest.raises(AlreadyExists):
        client.create_membership(parent=space, membership={"member": {"name": bob.name, "type": "HUMAN"}})

    message = client.create_message(parent=space, message={"text": "hello"}, message_id="client-hello")
    assert (
        client.get_message(
            name=chat_grpc.message_path(chat_grpc.parse_space_path(space.name)["space"], "client-hello")
        ).text
        == "hello"
    )
    assert client.delete_message(name=message) is None  # Empty responses come back as None
    assert client.delete_membership(name=membership).name == membership.name
    assert client.delete_space(name=space) is None
    with pytest.raises(NotFound) as raised:
        client.get_space(name=space.name)
    assert isinstance(raised.value.__cause__, cause_type(transport))


def test_a_create_with_the_same_request_id_returns_the_first_space(client: ChatClient) -> None:
    first = client.create_space(space={"space_type": "SPACE", "display_name": "Once"}, request_id="req-1")
    again = client.create_space(space={"space_type": "SPACE", "display_name": "Once"}, request_id="req-1")
    assert again.name == first.name
    assert len(list(client.list_spaces())) == 1


def test_the_async_client_against_the_fake(chat: ChatServer, alice: User, transport: str) -> None:
    async def main() -> None:
        async with AsyncChatClient.for_emulator(
            endpoint(chat, transport), credentials=chat.credentials_for(alice), transport=transport
        ) as client:
            assert client.transport == transport
            space = await client.create_space(space={"space_type": "SPACE", "display_name": "Async"})
            pager = await client.list_spaces()
            assert [s.name async for s in pager] == [space.name]
            renamed = await client.update_space(space={"name": space.name, "display_name": "Renamed"})
            assert renamed.display_name == "Renamed"
            with pytest.raises(NotFound) as raised:
                await client.get_space(name="spaces/missing")
            assert isinstance(raised.value.__cause__, cause_type(transport))
            assert await client.delete_space(name=space) is None

    asyncio.run(main())


# ------------------------------------------------------------------------------------------------ metadata


def test_routing_and_client_headers_reach_the_server(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    with ChatClient.for_emulator(address, token="tok", metadata=[("x-goog-user-project", "p")]) as client:
        client.get_space(name="spaces/A b", metadata=[("x-extra", "1")])
        client.create_space(space={"display_name": "x"})
    (_, _, get), (_, _, create) = script.seen
    assert get["x-goog-request-params"] == "name=spaces/A+b"
    assert get["authorization"] == "Bearer tok"
    assert get["x-goog-user-project"] == "p" and get["x-extra"] == "1"
    assert "chat-grpc/" in get["x-goog-api-client"]
    assert "x-goog-request-params" not in create  # CreateSpace has no routing field


# ------------------------------------------------------------------------------------------------ the emulator


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:8790", True), ("127.9.9.9:1", True), ("localhost:8790", True), ("[::1]:8790", True),
        ("chat.localhost:1", True), ("10.0.0.5:8790", False), ("emulator:8790", False), ("[2001:db8::1]:1", False),
    ],
)  # fmt: skip
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_loopback_uses_local_credentials_elsewhere_per_call_metadata() -> None:
    local = emulator_connection("127.0.0.1:1", token="t", credentials=None, channel_options=())
    assert local.channel_credentials is not None and local.auth_metadata is None
    remote = emulator_connection("emulator:1", token="t", credentials=None, channel_options=())
    assert remote.channel_credentials is None and remote.auth_metadata is not None
    assert tuple(remote.auth_metadata()) == (("authorization", "Bearer t"),)
    anonymous = emulator_connection("emulator:1", token=None, credentials=None, channel_options=())
    assert anonymous.auth_metadata is None
    with pytest.raises(ValueError, match="not both"):
        emulator_connection(
            "emulator:1", token="t", credentials=google.oauth2.credentials.Credentials("x"), channel_options=()
        )
    with pytest.raises(ValueError, match="host:port"):
        emulator_connection("http://localhost:1", token=None, credentials=None, channel_options=())


def test_plaintext_with_per_call_metadata_against_the_fake(chat: ChatServer, alice: User) -> None:
    """The non-loopback path (insecure channel, token in each call's metadata), aimed at the local fake."""
    auths = (bearer_metadata(chat.token_for(alice), None), bearer_metadata(None, chat.credentials_for(alice)))
    for n, auth in enumerate(auths):
        client = ChatClient.__new__(ChatClient)
        client._connect(Connection(chat.address, None, (), auth), timeout=5, retry=None, metadata=())
        with client:
            client.create_space(space={"space_type": "SPACE", "display_name": f"Plain {n}"})
            assert len(list(client.list_spaces())) >= 1


def test_a_missing_token_is_unauthenticated(chat: ChatServer) -> None:
    with ChatClient.for_emulator(chat.address) as client, pytest.raises(chat_grpc.Unauthenticated):
        client.list_spaces()


@pytest.mark.parametrize(
    ("environ", "address"),
    [
        ({}, None),
        ({"CHAT_EMULATOR_HOST": ""}, None),
        ({"CHAT_EMULATOR_HOST": "localhost:8790"}, "localhost:8790"),
        ({"CHAT_EMULATOR_HOST": "127.0.0.1", "CHAT_EMULATOR_PORT": "9000"}, "127.0.0.1:9000"),
        ({"CHAT_EMULATOR_HOST": "::1", "CHAT_EMULATOR_PORT": "9000"}, "[::1]:9000"),
        ({"CHAT_EMULATOR_HOST": "[::1]:9000"}, "[::1]:9000"),
    ],
)
def test_emulator_address_from_the_environment(environ: dict[str, str], address: str | None) -> None:
    assert emulator_address(environ) == address


def test_an_emulator_host_without_a_port_is_an_error() -> None:
    with pytest.raises(ValueError, match="no port"):
        emulator_address({"CHAT_EMULATOR_HOST": "127.0.0.1"})
    with pytest.raises(ValueError, match="no port"):
        emulator_address({"CHAT_EMULATOR_HOST": "127.0.0.1", "CHAT_EMULATOR_PORT": "0"})


def test_from_environment_targets_the_emulator_when_asked(chat: ChatServer, alice: User) -> None:
    environ = {"CHAT_EMULATOR_HOST": chat.address, "CHAT_EMULATOR_TOKEN": chat.token_for(alice)}
    with ChatClient.from_environment(environ=environ) as client:
        client.create_space(space={"space_type": "SPACE", "display_name": "Env"})
    with ChatClient.from_environment(environ={"CHAT_EMULATOR_HOST": chat.address}, token=chat.token_for(alice)) as c:
        assert len(list(c.list_spaces())) == 1
    # options meant for Google (target, ssl_credentials) give way to the emulator; the others apply
    environ = {"CHAT_EMULATOR_HOST": chat.address}
    with ChatClient.from_environment(environ=environ, timeout=3, retry=None, target="elsewhere:443") as c:
        assert (c.timeout, c.retry) == (3, None)


class Opened:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connections: list[Connection] = []
        original = ChatClient._open.__func__  # type: ignore[attr-defined]

        def record(cls: Any, connection: Connection) -> Any:
            self.connections.append(connection)
            return original(cls, connection)

        monkeypatch.setattr(ChatClient, "_open", classmethod(record))


def test_other_constructors_never_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_EMULATOR_HOST", "127.0.0.1:1")
    opened = Opened(monkeypatch)
    with ChatClient(google.oauth2.credentials.Credentials("token")):
        pass
    with ChatClient.from_environment(credentials=google.oauth2.credentials.Credentials("t"), environ={}):
        pass
    assert [c.target for c in opened.connections] == ["chat.googleapis.com:443"] * 2
    with pytest.raises(ValueError, match="token= is for the emulator"):
        ChatClient.from_environment(token="t", environ={})


# ------------------------------------------------------------------------------------------------ Google


def test_application_default_credentials_get_the_chat_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: dict[str, Any] = {}

    def fake_default(**kwargs: Any) -> tuple[Any, None]:
        asked.update(kwargs)
        return google.oauth2.credentials.Credentials("adc"), None

    monkeypatch.setattr(google.auth, "default", fake_default)
    opened = Opened(monkeypatch)
    with ChatClient():
        pass
    assert asked == {"scopes": None, "default_scopes": chat_grpc.DEFAULT_SCOPES}
    with ChatClient(scopes=["https://www.googleapis.com/auth/chat.bot"]):
        pass
    assert asked["scopes"] == ["https://www.googleapis.com/auth/chat.bot"]
    (connection, _) = opened.connections
    assert connection.target == chat_grpc.DEFAULT_TARGET
    assert connection.channel_credentials is not None and connection.auth_metadata is None


def service_account_info() -> dict[str, str]:
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "k",
        "private_key": pem,
        "client_email": "bot@p.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def captured_credentials(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from chat_grpc.client import _base

    seen: list[Any] = []
    original = _base.call_credentials

    def capture(credentials: Any) -> grpc.CallCredentials:
        seen.append(credentials)
        return original(credentials)

    monkeypatch.setattr(_base, "call_credentials", capture)
    return seen


def test_service_accounts_with_and_without_delegation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = captured_credentials(monkeypatch)
    info = service_account_info()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info))
    with ChatClient.from_service_account_file(key_file):
        pass
    scopes = ["https://www.googleapis.com/auth/chat.spaces"]
    with ChatClient.from_service_account_file(key_file, subject="alice@example.com", scopes=scopes):
        pass
    with ChatClient.from_service_account_info(info, scopes=scopes, timeout=5):
        pass
    app, delegated, from_info = seen
    assert app.service_account_email == "bot@p.iam.gserviceaccount.com"
    assert app._subject is None and tuple(app.default_scopes) == chat_grpc.DEFAULT_SCOPES
    assert delegated._subject == "alice@example.com" and list(delegated.scopes) == scopes
    assert list(from_info.scopes) == scopes


def test_user_oauth_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = captured_credentials(monkeypatch)
    saved = tmp_path / "user.json"
    saved.write_text(
        json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"})
    )
    with ChatClient.from_authorized_user_file(saved, scopes=["https://www.googleapis.com/auth/chat.messages"]):
        pass
    with ChatClient(google.oauth2.credentials.Credentials("live-token")):
        pass
    (from_file, given) = seen
    assert from_file.refresh_token == "r" and list(from_file.scopes) == [
        "https://www.googleapis.com/auth/chat.messages"
    ]
    assert given.token == "live-token"


# ------------------------------------------------------------------------------------------------ channels


def test_an_injected_channel_is_used_and_left_open() -> None:
    server = ChatServer(default_principal="alice@example.com")
    server.store.add_user("alice@example.com", is_admin=True)
    with server, grpc.insecure_channel(server.address) as channel:
        with ChatClient(channel=channel) as client:
            assert client.channel is channel
            client.create_space(space={"space_type": "SPACE", "display_name": "Injected"})
        with ChatClient(channel=channel) as again:  # still open after the first client closed
            assert len(list(again.list_spaces())) == 1
    with pytest.raises(ValueError, match="injected channel"):
        ChatClient(google.oauth2.credentials.Credentials("t"), channel=channel)


def test_the_context_manager_closes_the_channel_it_opened(chat: ChatServer, alice: User) -> None:
    with ChatClient.for_emulator(chat.address, token=chat.token_for(alice)) as client:
        client.list_spaces()
    with pytest.raises(ValueError, match="closed channel"):
        client.list_spaces()
    client.close()  # idempotent


def test_the_async_context_manager_closes_the_channel_it_opened(chat: ChatServer, alice: User) -> None:
    async def main() -> None:
        async with AsyncChatClient.for_emulator(chat.address, token=chat.token_for(alice)) as client:
            await client.list_spaces()
        with pytest.raises(Exception, match=r"(?i)closed"):
            await client.list_spaces()
        await client.close()

    asyncio.run(main())


def test_client_settings(chat: ChatServer) -> None:
    with ChatClient.for_emulator(chat.address, timeout=None, retry=None) as client:
        assert client.timeout is None and client.retry is None
        assert "ChatClient" in repr(client)
    with ChatClient.for_emulator(chat.address) as client:
        assert client.timeout == chat_grpc.DEFAULT_TIMEOUT == 30.0
        assert client.retry == chat_grpc.RetryPolicy()
    with pytest.raises(ValueError, match="positive"):
        ChatClient.for_emulator(chat.address, timeout=0)
