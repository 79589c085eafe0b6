"""ChatServer: the fake Chat service on a real gRPC server, in-process (tests) or in the emulator CLI."""

from __future__ import annotations

from concurrent import futures
from types import TracebackType

import google.oauth2.credentials
import grpc
from google.chat.v1 import chat_service_pb2_grpc

from chat_grpc.server.auth import APP_SCOPES, USER_SCOPES, Credentials, TokenRegistry, full_scope, short_scope
from chat_grpc.server.clock import Clock
from chat_grpc.server.ids import IdGenerator
from chat_grpc.server.pagination import PageTokens
from chat_grpc.server.service import ChatServicer
from chat_grpc.server.store import App, AuthKind, ChatStore, User
from chat_grpc.server.store.model import Principal


class ChatServer:
    """Serves ChatService on ``host:port`` (port 0 picks a free one) over plaintext gRPC.

    ``store`` is the live state: seed it and inspect it from tests. ``seed`` makes ids deterministic;
    ``clock`` may be a ``ManualClock``. ``default_principal`` (a user or app id) answers calls that carry no
    token, instead of UNAUTHENTICATED.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        store: ChatStore | None = None,
        clock: Clock | None = None,
        seed: int | None = None,
        max_workers: int = 16,
        default_principal: str | None = None,
    ) -> None:
        self.store = store or ChatStore(clock=clock, ids=IdGenerator(seed))
        self.tokens = TokenRegistry()
        self._host, self._requested_port = host, port
        self._max_workers = max_workers
        self._default_principal = default_principal
        self._server: grpc.Server | None = None
        self._port = 0
        # The typed base class declares every RPC abstract; ChatServicer installs them from the handler table.
        self.servicer = ChatServicer(self.store, self.tokens, PageTokens(self.store.ids.secret()))  # type: ignore[abstract]

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ChatServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        if self._default_principal is not None:
            self.servicer.default_credentials = self._credentials(self._default_principal, None, None)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="chat-grpc"))
        chat_service_pb2_grpc.add_ChatServiceServicer_to_server(self.servicer, server)
        self._port = server.add_insecure_port(f"{self._host}:{self._requested_port}")
        if self._port == 0:
            raise OSError(f"cannot bind {self._host}:{self._requested_port}")
        server.start()
        self._server = server
        return self

    def stop(self, grace: float | None = 1.0) -> None:
        if self._server is not None:
            self._server.stop(grace).wait()
            self._server = None

    def wait(self) -> None:
        if self._server is not None:
            self._server.wait_for_termination()

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()

    @property
    def address(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self._port}"

    # ------------------------------------------------------------------ callers

    def _credentials(self, who: Principal | str, scopes: list[str] | None, app: App | str | None) -> Credentials:
        principal = self._principal(who)
        kind = AuthKind.APP if isinstance(principal, App) else AuthKind.USER
        granted = (
            frozenset(short_scope(s) for s in scopes)
            if scopes is not None
            else (APP_SCOPES if kind is AuthKind.APP else USER_SCOPES)
        )
        app_id = principal.id if isinstance(principal, App) else (self._principal(app).id if app else None)
        return Credentials(principal.id, kind, granted, app_id)

    def _principal(self, who: Principal | str) -> Principal:
        key = who.id if isinstance(who, User | App) else who.removeprefix("users/")
        found = self.store.user_by_email(key) if "@" in key else self.store.principal(key)
        if found is None:
            raise KeyError(f"no user or app {who!r} in the store")
        return found

    def token_for(self, who: Principal | str, *, scopes: list[str] | None = None, app: App | str | None = None) -> str:
        """A bearer token for a user (user authentication) or an app (app authentication).

        ``scopes`` (short ``chat.spaces`` or full URLs) default to every scope of that kind; ``app`` makes a
        user token look issued to that Chat app's OAuth client (needed for ``users/app``)."""
        return self.tokens.issue(self._credentials(who, scopes, app))

    def credentials_for(
        self, who: Principal | str, *, scopes: list[str] | None = None, app: App | str | None = None
    ) -> google.oauth2.credentials.Credentials:
        """A real google-auth Credentials object carrying a token for ``who``."""
        token = self.token_for(who, scopes=scopes, app=app)
        granted = [full_scope(s) for s in (scopes or [])] or None
        return google.oauth2.credentials.Credentials(token=token, scopes=granted)  # type: ignore[no-untyped-call]
