"""The production path: TLS and google-auth credentials, as ``ChatClient(credentials)`` talks to Google.

The reference servicer is served over TLS with a self-signed certificate made here (SAN ``localhost`` and
``127.0.0.1``); the clients trust it through ``ssl_credentials=grpc.ssl_channel_credentials(root_certificates=...)``
and authenticate with real google-auth credentials, whose tokens the fake server issued:

* a user's ``google.oauth2.credentials.Credentials`` holding an access token (``ChatServer.credentials_for``);
* a user's ``google.oauth2.credentials.Credentials`` with a refresh token only (what an OAuth flow saves): google-auth
  refreshes it on the first call against a local OAuth 2.0 token endpoint (HTTP; ``from_authorized_user_file``
  always uses Google's), which answers with a token the fake server issued;
* a service-account-like ``Scoped`` credentials object for a Chat app: the client asks it for the Chat scopes
  and google-auth's gRPC plugin refreshes it, as with a service-account key.

The server checks who called: the bearer token of every call (recorded on the wire), the transport (TLS), and
what the calls did (the space's creator, the message's sender).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import google.auth.credentials
import google.oauth2.credentials
import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.auth import _helpers
from google.chat.v1 import membership_pb2, message_pb2, space_pb2, user_pb2

from chat_grpc import DEFAULT_SCOPES, AsyncChatClient, ChatClient, Unavailable
from chat_grpc.fake.store import App, AuthKind, User
from chat_grpc.server import ChatServer
from tests.client.wire import Wire, serve

# ------------------------------------------------------------------------------------------------ the certificate


@dataclass(frozen=True)
class Certificate:
    key_pem: bytes
    cert_pem: bytes


def self_signed(*names: str, ips: Sequence[str] = ()) -> Certificate:
    """A self-signed P-256 certificate for ``names`` and ``ips``, valid for a day (and its own root)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Certificate(key_pem, cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return self_signed("localhost", ips=["127.0.0.1"])


@pytest.fixture
def tls(chat: ChatServer, certificate: Certificate) -> Iterator[Wire]:
    """The reference servicer of ``chat`` over TLS (only), behind a recording Wire."""
    credentials = grpc.ssl_server_credentials([(certificate.key_pem, certificate.cert_pem)])
    with serve(chat.servicer, tls=credentials) as wire:
        yield wire


def trusting(certificate: Certificate) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(root_certificates=certificate.cert_pem)


# ------------------------------------------------------------------------------------------------ credentials


@dataclass
class TokenEndpoint:
    """A local OAuth 2.0 token endpoint: the ``refresh_token`` grant (RFC 6749 §6), answered with a token the fake
    server issued for the user the refresh token belongs to."""

    chat: ChatServer
    refresh_tokens: dict[str, User] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    url: str = ""

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "refresh_token" or form.get("client_secret") != "secret":
            return 400, {"error": "unsupported_grant_type"}
        user = self.refresh_tokens.get(form.get("refresh_token", ""))
        if user is None:
            return 400, {"error": "invalid_grant"}
        token = self.chat.token_for(user)
        self.issued.append(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}


@pytest.fixture
def token_endpoint(chat: ChatServer) -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(chat)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            status, answer = endpoint.answer({k: v[0] for k, v in parse_qs(body).items()})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class AppServiceAccount(google.auth.credentials.Scoped, google.auth.credentials.Credentials):
    """Stands in for a Chat app's service-account key: ``Scoped`` (the client scopes it, as it does
    ``service_account.Credentials``), and each refresh obtains a token for the app with the requested scopes —
    issued by the fake server instead of Google's token endpoint. ``refreshes`` (shared by the scoped copies)
    records the scopes of each refresh."""

    def __init__(
        self, chat: ChatServer, app: App, scopes: Sequence[str] | None = None,
        default_scopes: Sequence[str] | None = None, refreshes: list[list[str]] | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self._chat, self._app = chat, app
        self._scopes, self._default_scopes = scopes, default_scopes
        self.refreshes = [] if refreshes is None else refreshes

    @property
    def requires_scopes(self) -> bool:
        return not self._scopes and not self._default_scopes

    def with_scopes(
        self, scopes: Sequence[str] | None, default_scopes: Sequence[str] | None = None
    ) -> AppServiceAccount:
        return AppServiceAccount(self._chat, self._app, scopes, default_scopes, self.refreshes)

    def refresh(self, request: Any) -> None:
        scopes = list(self._scopes or self._default_scopes or [])
        self.refreshes.append(scopes)
        self.token = self._chat.token_for(self._app, scopes=scopes)
        self.expiry = _helpers.utcnow() + datetime.timedelta(hours=1)


@dataclass
class Caller:
    """How a test's clients authenticate, and what must have happened to their credentials."""

    principal: User | App
    kind: AuthKind
    make: Callable[..., Any]  # (client class, **options) -> client
    refreshes: Callable[[], list[Any]]  # the token refreshes so far, one entry each


def caller(kind: str, chat: ChatServer, alice: User, endpoint: TokenEndpoint) -> Caller:
    if kind == "user-token":  # an access token, valid: never refreshed
        credentials = chat.credentials_for(alice)
        assert isinstance(credentials, google.oauth2.credentials.Credentials)
        return Caller(alice, AuthKind.USER, lambda cls, **options: cls(credentials, **options), lambda: [])
    if kind == "refresh-token":  # what an OAuth flow leaves: google-auth gets access tokens from the endpoint (HTTP)
        endpoint.refresh_tokens["refresh-alice"] = alice

        def with_refresh_token(cls: Any, **options: Any) -> Any:
            credentials = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
                token=None, refresh_token="refresh-alice", token_uri=endpoint.url,
                client_id="chat-grpc-tests", client_secret="secret",
            )  # fmt: skip
            return cls(credentials, **options)

        return Caller(alice, AuthKind.USER, with_refresh_token, lambda: endpoint.issued)
    assert kind == "service-account"
    app = chat.store.add_app("Helper Bot")
    key = AppServiceAccount(chat, app)
    return Caller(app, AuthKind.APP, lambda cls, **options: cls(key, **options), lambda: key.refreshes)


# ------------------------------------------------------------------------------------------------ the tests


async def a_few_calls(client: Any, who: Caller, *, is_async: bool) -> tuple[space_pb2.Space, message_pb2.Message]:
    async def call(result: Any) -> Any:
        return await result if is_async else result

    fields: dict[str, Any] = {"space_type": "SPACE", "display_name": f"Over TLS {id(client)}"}
    if who.kind is AuthKind.APP:
        fields["customer"] = "customers/my_customer"
    space = await call(client.create_space(space=fields))
    message = await call(client.create_message(parent=space, message={"text": "Hello over TLS"}))
    got = await call(client.get_space(name=space))
    assert (got.name, got.display_name) == (space.name, fields["display_name"])
    return space, message


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("kind", ["user-token", "refresh-token", "service-account"])
def test_tls_with_google_auth_credentials(
    kind: str, flavor: str, chat: ChatServer, alice: User, tls: Wire, certificate: Certificate,
    token_endpoint: TokenEndpoint,
) -> None:  # fmt: skip
    who = caller(kind, chat, alice, token_endpoint)
    results: list[tuple[space_pb2.Space, message_pb2.Message]] = []

    async def main() -> None:
        for target in (f"localhost:{tls.port}", f"127.0.0.1:{tls.port}"):  # both names of the certificate
            options = {"target": target, "ssl_credentials": trusting(certificate), "timeout": 10}
            if flavor == "async":
                async with who.make(AsyncChatClient, **options) as aclient:
                    results.append(await a_few_calls(aclient, who, is_async=True))
            else:
                with who.make(ChatClient, **options) as client:
                    results.append(await a_few_calls(client, who, is_async=False))

    asyncio.run(main())

    app = who.kind is AuthKind.APP
    with ChatClient.for_emulator(chat.address, token=chat.token_for(who.principal)) as plain:
        for space, message in results:  # what the calls did, seen by the caller through the plaintext port
            assert message.sender.name == who.principal.name
            assert message.sender.type == (user_pb2.User.BOT if app else user_pb2.User.HUMAN)
            creator = plain.get_membership(name=f"{space.name}/members/{'app' if app else who.principal.id}")
            assert creator.member.name == who.principal.name
            role = membership_pb2.Membership.ROLE_MEMBER if app else membership_pb2.Membership.ROLE_MANAGER
            assert creator.role == role  # a user who creates a space manages it; an app is a plain member

    assert [s.rpc for s in tls.seen] == ["CreateSpace", "CreateMessage", "GetSpace"] * len(results)
    for seen in tls.seen:  # what the server received: TLS, and the bearer token of the caller
        assert seen.security == "ssl"
        scheme, _, token = seen.metadata["authorization"].partition(" ")
        credentials = chat.tokens.lookup(token, chat.store)
        assert scheme == "Bearer" and (credentials.principal_id, credentials.kind) == (who.principal.id, who.kind)
    # Each client got its token once (the first call) and reused it; a service account asked for the Chat scopes.
    refreshes = who.refreshes()
    assert len(refreshes) == (0 if kind == "user-token" else len(results))
    if kind == "service-account":
        assert refreshes == [list(DEFAULT_SCOPES)] * len(results)
    if kind == "refresh-token":
        assert {s.metadata["authorization"] for s in tls.seen} == {f"Bearer {t}" for t in refreshes}


def test_a_certificate_the_client_does_not_trust_fails_the_handshake(chat: ChatServer, alice: User, tls: Wire) -> None:
    other = self_signed("localhost", ips=["127.0.0.1"])  # same names, another key: not the server's root
    credentials = chat.credentials_for(alice)
    options: dict[str, Any] = {"ssl_credentials": trusting(other), "retry": None, "timeout": 5}
    with ChatClient(credentials, target=f"localhost:{tls.port}", **options) as client, pytest.raises(Unavailable):
        client.get_space(name="spaces/AAAA")

    async def main() -> None:
        async with AsyncChatClient(credentials, target=f"127.0.0.1:{tls.port}", **options) as aclient:
            with pytest.raises(Unavailable):
                await aclient.get_space(name="spaces/AAAA")

    asyncio.run(main())
    assert tls.seen == []  # no call reached the server, so no token left the client


def test_a_plaintext_client_cannot_reach_the_tls_port(chat: ChatServer, alice: User, tls: Wire) -> None:
    client = ChatClient.for_emulator(tls.address, token=chat.token_for(alice), retry=None, timeout=5)
    with client, pytest.raises(Unavailable):
        client.get_space(name="spaces/AAAA")
    assert tls.seen == []
