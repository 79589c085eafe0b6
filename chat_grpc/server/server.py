"""ChatServer: the fake Chat service on a real gRPC server, in-process (tests) or in the emulator CLI."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
from concurrent import futures
from types import TracebackType

import google.oauth2.credentials
import grpc
from google.chat.v1 import chat_service_pb2

from chat_grpc.doors.grpc import standard
from chat_grpc.doors.grpc.control import ControlHandler
from chat_grpc.doors.grpc.service import AsyncChatService, ChatServicer
from chat_grpc.doors.rest.app import RestApp
from chat_grpc.doors.rest.listener import RestListener
from chat_grpc.doors.ui import EmulatorUi
from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES, Credentials, TokenRegistry, full_scope, short_scope
from chat_grpc.fake.clock import Clock, ServerClock
from chat_grpc.fake.core import ChatCore
from chat_grpc.fake.faults import Faults
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.journal import DEFAULT_MAX_BYTES, DEFAULT_MAX_CALLS, Journal
from chat_grpc.fake.pagination import PageTokens
from chat_grpc.fake.store import App, AuthKind, ChatStore, User
from chat_grpc.fake.store.model import Principal

CHAT_RPCS = tuple(m.name for m in chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].methods)
DEFAULT_MAX_CONCURRENT_RPCS = 256
DEFAULT_CALL_TIMEOUT = 60.0
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ChatServer:
    """Serves ChatService on ``host:port`` (port 0 picks a free one) over plaintext gRPC, with gRPC health
    checking and server reflection beside it.

    ``store`` is the live state: seed it and inspect it from tests. ``seed`` makes ids deterministic;
    ``clock`` may be a ``ManualClock``; ``chat.clock`` freezes and advances time either way.
    ``default_principal`` (a user or app id) answers calls that carry no token, instead of UNAUTHENTICATED.
    ``chat.faults`` injects failures and delays, ``chat.journal`` records every call (the last
    ``journal_size``, within ``journal_bytes``). ``control=True`` also serves the unauthenticated, test-only
    control service (``chat_grpc.doors.grpc.control``). ``rest`` (on by default) serves the same core over
    HTTP/1.1 + JSON as Google maps it, on ``rest_port`` (0: a free port): ``chat.rest_url``; ``chat.rest_app``
    is the ASGI app itself, to mount in-process (``httpx.ASGITransport(app=chat.rest_app)``).

    Limits: at most ``max_concurrent_rpcs`` gRPC calls in progress (more answer RESOURCE_EXHAUSTED), each at
    most ``call_timeout`` seconds from its start (DEADLINE_EXCEEDED), requests of at most ``max_request_bytes``
    (RESOURCE_EXHAUSTED). ChatService runs on a ``grpc.aio`` server, so a call waiting for a slow client's
    request holds no thread; the core runs on ``max_workers`` threads. ``control_token`` makes the control
    service require ``authorization: Bearer <control_token>``; ``strict_tokens`` accepts only tokens issued
    by ``token_for``/``credentials_for`` (not the documented hand-written ones).
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
        max_concurrent_rpcs: int = DEFAULT_MAX_CONCURRENT_RPCS,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        control_token: str | None = None,
        strict_tokens: bool = False,
    ) -> None:
        self.store = store or ChatStore(clock=ServerClock(clock), ids=IdGenerator(seed))
        self.store.clock = self.clock  # a given store's clock gets wrapped too
        self.strict_tokens = strict_tokens
        self.tokens = TokenRegistry(strict=strict_tokens)
        self.faults = Faults(CHAT_RPCS)
        self.journal = Journal(journal_size, methods=CHAT_RPCS, max_bytes=journal_bytes)
        self.control = control
        self.control_token = control_token
        self.health: standard.Health | None = None
        self._host, self._requested_port = host, port
        self._max_workers = max_workers
        self._max_concurrent_rpcs = max_concurrent_rpcs
        self.call_timeout = call_timeout
        self.max_request_bytes = max_request_bytes
        self._default_principal = default_principal
        self._server: grpc.aio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._executors: list[futures.ThreadPoolExecutor] = []
        self._stopped = threading.Event()
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
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=_run_loop, args=(loop,), name="chat-grpc-aio", daemon=True)
        thread.start()
        self._loop, self._loop_thread = loop, thread
        self._stopped.clear()
        try:
            self._server = asyncio.run_coroutine_threadsafe(self._start_aio(), loop).result(60)
            if self._rest:
                self._rest_listener = RestListener(self.rest_app, self._host, self._rest_port).start()
        except BaseException:
            self.stop(grace=None)
            raise
        return self

    async def _start_aio(self) -> grpc.aio.Server:
        core_pool = futures.ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="chat-grpc")
        aux_pool = futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat-grpc-aux")
        self._executors = [core_pool, aux_pool]
        server = grpc.aio.server(
            migration_thread_pool=aux_pool,  # the control service's synchronous handlers
            maximum_concurrent_rpcs=self._max_concurrent_rpcs,
            options=[
                ("grpc.max_receive_message_length", self.max_request_bytes),
                ("grpc.max_send_message_length", -1),
            ],
        )
        AsyncChatService(self.core, core_pool, call_timeout=self.call_timeout).add_to_server(server)
        self.health = standard.add_aio_health(server, [standard.CHAT_SERVICE], asyncio.get_running_loop())
        standard.add_reflection(server, [standard.CHAT_SERVICE])
        if self.control:
            server.add_generic_rpc_handlers((ControlHandler(self),))
        try:
            port = server.add_insecure_port(f"{self._host}:{self._requested_port}")
        except RuntimeError as error:
            raise OSError(f"cannot bind {self._host}:{self._requested_port}: {error}") from None
        if port == 0:
            raise OSError(f"cannot bind {self._host}:{self._requested_port}")
        self._port = port
        await server.start()
        return server

    def stop(self, grace: float | None = 1.0) -> None:
        if self._rest_listener is not None:
            self._rest_listener.stop()
            self._rest_listener = None
        if self.health is not None:
            self.health.enter_graceful_shutdown()  # NOT_SERVING to every watcher, for the grace period
        loop, thread, server = self._loop, self._loop_thread, self._server
        self._server = self._loop = self._loop_thread = None
        if loop is not None:
            if server is not None:
                with contextlib.suppress(Exception):
                    asyncio.run_coroutine_threadsafe(server.stop(grace), loop).result((grace or 0) + 30)
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(30)
            if not loop.is_running():
                loop.close()
        for executor in self._executors:
            executor.shutdown(wait=False, cancel_futures=True)
        self._executors = []
        self._stopped.set()

    def wait(self) -> None:
        if self._server is not None:
            self._stopped.wait()

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
        self.tokens = TokenRegistry(strict=self.strict_tokens)
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

    @property
    def host(self) -> str:
        return self._host

    def credentials_for(
        self, who: Principal | str, *, scopes: list[str] | None = None, app: App | str | None = None
    ) -> google.oauth2.credentials.Credentials:
        """A real google-auth Credentials object carrying a token for ``who``."""
        token = self.token_for(who, scopes=scopes, app=app)
        granted = [full_scope(s) for s in (scopes or [])] or None
        return google.oauth2.credentials.Credentials(token=token, scopes=granted)  # type: ignore[no-untyped-call]


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        with contextlib.suppress(Exception):
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
