"""ChatServer: the fake Chat service on a real gRPC server, in-process (tests) or in the emulator CLI."""

from __future__ import annotations

from concurrent import futures
from types import TracebackType

import google.oauth2.credentials
import grpc
from google.chat.v1 import chat_service_pb2
from grpc_health.v1 import health

from chat_grpc.server import standard
from chat_grpc.server.auth import APP_SCOPES, USER_SCOPES, Credentials, TokenRegistry, full_scope, short_scope
from chat_grpc.server.clock import Clock, ServerClock
from chat_grpc.server.control import ControlHandler
from chat_grpc.server.core import ChatCore
from chat_grpc.server.faults import Faults
from chat_grpc.server.ids import IdGenerator
from chat_grpc.server.journal import DEFAULT_MAX_BYTES, DEFAULT_MAX_CALLS, Journal
from chat_grpc.server.pagination import PageTokens
from chat_grpc.server.rest.app import RestApp
from chat_grpc.server.rest.listener import RestListener
from chat_grpc.server.service import ChatServicer, add_to_server
from chat_grpc.server.store import App, AuthKind, ChatStore, User
from chat_grpc.server.store.model import Principal
from chat_grpc.server.ui import EmulatorUi

CHAT_RPCS = tuple(m.name for m in chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].methods)


class ChatServer:
    """Serves ChatService on ``host:port`` (port 0 picks a free one) over plaintext gRPC, with gRPC health
    checking and server reflection beside it.

    ``store`` is the live state: seed it and inspect it from tests. ``seed`` makes ids deterministic;
    ``clock`` may be a ``ManualClock``; ``chat.clock`` freezes and advances time either way.
    ``default_principal`` (a user or app id) answers calls that carry no token, instead of UNAUTHENTICATED.
    ``chat.faults`` injects failures and delays, ``chat.journal`` records every call (the last
    ``journal_size``, within ``journal_bytes``). ``control=True`` also serves the unauthenticated, test-only
    control service (``chat_grpc.server.control``). ``rest`` (on by default) serves the same core over
    HTTP/1.1 + JSON as Google maps it, on ``rest_port`` (0: a free port): ``chat.rest_url``; ``chat.rest_app``
    is the ASGI app itself, to mount in-process (``httpx.ASGITransport(app=chat.rest_app)``).
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
        control: bool = False,
        journal_size: int = DEFAULT_MAX_CALLS,
        journal_bytes: int = DEFAULT_MAX_BYTES,
        rest: bool = True,
        rest_port: int = 0,
    ) -> None:
        self.store = store or ChatStore(clock=ServerClock(clock), ids=IdGenerator(seed))
        self.store.clock = self.clock  # a given store's clock gets wrapped too
        self.tokens = TokenRegistry()
        self.faults = Faults(CHAT_RPCS)
        self.journal = Journal(journal_size, methods=CHAT_RPCS, max_bytes=journal_bytes)
        self.control = control
        self.health: health.HealthServicer | None = None
        self._host, self._requested_port = host, port
        self._max_workers = max_workers
        self._default_principal = default_principal
        self._server: grpc.Server | None = None
        self._port = 0
        self.core = ChatCore(
            self.store, self.tokens, PageTokens(self.store.ids.secret()), faults=self.faults, journal=self.journal
        )
        # The gRPC door. The typed base class declares every RPC abstract; ChatServicer installs them all.
        self.servicer = ChatServicer(self.core)  # type: ignore[abstract]
        # The REST door: an ASGI app on the same core, served on its own port when ``rest`` is true.
        self.rest_app = RestApp(self.core, workers=max_workers)
        self._rest, self._rest_port = rest, rest_port
        self.rest_app.ui = EmulatorUi(self)  # the web UI at / on the REST port (chat.ui_url)
        self._rest_listener: RestListener | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ChatServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        if self._default_principal is not None:
            self.core.default_credentials = self._credentials(self._default_principal, None, None)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="chat-grpc"))
        add_to_server(self.servicer, server)
        self.health = standard.add_health(server, [standard.CHAT_SERVICE])
        standard.add_reflection(server, [standard.CHAT_SERVICE])
        if self.control:
            server.add_generic_rpc_handlers((ControlHandler(self),))
        self._port = server.add_insecure_port(f"{self._host}:{self._requested_port}")
        if self._port == 0:
            raise OSError(f"cannot bind {self._host}:{self._requested_port}")
        server.start()
        self._server = server
        if self._rest:
            try:
                self._rest_listener = RestListener(self.rest_app, self._host, self._rest_port).start()
            except BaseException:
                self.stop(grace=None)
                raise
        return self

    def stop(self, grace: float | None = 1.0) -> None:
        if self._rest_listener is not None:
            self._rest_listener.stop()
            self._rest_listener = None
        if self.health is not None:
            self.health.enter_graceful_shutdown()  # NOT_SERVING to every watcher, for the grace period
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

    def reset(self, *, clock: Clock | None = None, seed: int | None = None) -> None:
        """Start over without restarting the gRPC server (the pytest plugin does this between tests): a new,
        empty store whose clock is ``clock`` (default: real time) and whose ids come from ``seed``, no issued
        tokens (those issued before answer UNAUTHENTICATED), no faults, an empty journal (same size) and a new
        page-token secret. The address, the health and reflection services, the control service and the
        default principal's credentials stay (calls without a token answer UNAUTHENTICATED until a principal
        with that id exists again). Call it while no call is in flight. A server recording to a state file
        (``--state``) cannot be reset: RuntimeError."""
        if self.core.state is not None:
            raise RuntimeError("a server recording to a state file cannot be reset; start a new one")
        self.store = ChatStore(clock=ServerClock(clock), ids=IdGenerator(seed))
        self.tokens = TokenRegistry()
        self.faults = Faults(CHAT_RPCS)
        self.journal = Journal(self.journal.max_calls, methods=CHAT_RPCS, max_bytes=self.journal.max_bytes)
        core = self.core
        core.store, core.tokens = self.store, self.tokens
        core.faults, core.journal = self.faults, self.journal
        core.page_tokens = PageTokens(self.store.ids.secret())

    @property
    def clock(self) -> ServerClock:
        """The store's clock: ``chat.clock.freeze()``, ``.advance(timedelta(hours=1))``, ``.set(when)``."""
        clock = self.store.clock
        if not isinstance(clock, ServerClock):
            clock = self.store.clock = ServerClock(clock)
        return clock

    @property
    def address(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self._port}"

    @property
    def rest_url(self) -> str:
        """The REST door's base URL, ``http://127.0.0.1:PORT`` (the ``api_endpoint`` of REST clients)."""
        if self._rest_listener is None:
            raise RuntimeError("the REST listener is not running (the server is stopped, or rest=False)")
        return self._rest_listener.url

    @property
    def ui_url(self) -> str:
        """The web UI (``http://127.0.0.1:PORT/``): the workspace, the journal, faults and the clock, live."""
        return self.rest_url + "/"

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
