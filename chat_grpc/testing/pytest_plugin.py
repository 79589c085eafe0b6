"""pytest plugin: a fake Google Chat for your tests (docs/testing.md).

Installed with the package and loaded by pytest through the ``pytest11`` entry point (turn it off with
``-p no:chat_grpc``). Fixtures:

``chat_server``
    The :class:`~chat_grpc.server.ChatServer`: one per session, started on first use and reset before every
    test (fresh store, journal, faults, real-time clock, tokens). ``@pytest.mark.chat_server(...)`` with server
    options gives the test a server of its own instead. At teardown, injected faults that never fired (all their
    times) fail the test, unless ``check_faults=False``.
``chat_factory``
    Fast builders on the store (no RPC, not journaled): ``user``, ``app``, ``group`` return store records
    (``User``, ``App``, ``Group``: ``.name``, ``.id``, ``.email``); ``space``, ``membership``, ``message``,
    ``reaction`` return the protobuf resources the API returns, which the clients accept as resources.
``chat_users``
    People on demand: ``chat_users.alice`` is ``alice@example.com`` (made on first use); ``chat_users.admin``
    is a Workspace administrator.
``chat_client`` / ``async_chat_client``
    ``chat_client(who)`` -> a :class:`~chat_grpc.ChatClient` authenticated as ``who`` (a user or app record,
    an email or an id; ``None``: no token), closed at teardown. ``async_chat_client(who)`` is the asyncio twin;
    call it inside the running loop.
``chat_workspace``
    The handles of the workspace file the marker's ``seed_file`` loaded.
``chat_rest_url``
    The REST URL of the test's server (``http://127.0.0.1:PORT``): the ``api_endpoint`` of REST clients.
``chat_discovery_service``
    ``chat_discovery_service(who)`` -> a ready ``googleapiclient`` service object (``build("chat", "v1")`` on
    the static discovery document) calling the REST face as ``who``; needs ``google-api-python-client``.

Marker ``@pytest.mark.chat_server(**options)`` (on a test, class or module; the closest wins per option):

* server options, each giving the test its own server: ``manual_clock`` (True: frozen at 2026-01-05 09:00 UTC,
  or a timezone-aware datetime), ``id_seed`` (deterministic ids), ``seed_file`` (a workspace file, relative to
  the test file's folder), ``default_principal`` (an email or id answering calls without a token; an email the
  store does not have becomes a new user), ``control`` (serve the control service), ``journal_size``;
* ``check_faults=False``: no teardown check of unused faults (keeps the shared server).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

import pytest

if TYPE_CHECKING:
    from _pytest.nodes import Node

    from chat_grpc import AsyncChatClient, ChatClient
    from chat_grpc.client.retry import RetryPolicy
    from chat_grpc.server import ChatServer
    from chat_grpc.workspace.seed import Workspace

from chat_grpc.testing.factory import ChatFactory, ChatUsers

MARKER: Final = "chat_server"
SERVER_OPTIONS: Final = frozenset(
    {"manual_clock", "id_seed", "seed_file", "default_principal", "control", "journal_size"}
)
CHECK_OPTIONS: Final = frozenset({"check_faults"})
CLIENT_TIMEOUT: Final = 10.0

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_WORKSPACE = pytest.StashKey["Workspace"]()


def fast_retry() -> RetryPolicy:
    """The retry policy of the fixtures' clients: the default codes and attempts, sleeps of 10 to 80 ms."""
    from chat_grpc.client.retry import RetryPolicy

    return RetryPolicy(initial=0.01, maximum=0.1, multiplier=2.0, jitter=False)


# ------------------------------------------------------------------ hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chat_server(manual_clock=False, id_seed=None, seed_file=None, default_principal=None, control=False, "
        "journal_size=None, check_faults=True): configure the chat_server fixture of chat-grpc for this test "
        "(server options give the test its own server; check_faults=False skips the unused-fault check)",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


# ------------------------------------------------------------------ the server


def _usage_error(message: str) -> NoReturn:
    """A mistake in how a test uses the plugin: the test errors with this message, without a traceback."""
    pytest.fail(message, pytrace=False)


def marker_options(node: Node) -> dict[str, Any]:
    """The merged options of every ``chat_server`` marker on ``node`` (module, class, function: closest wins)."""
    options: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            _usage_error(f"{node.nodeid}: @pytest.mark.{MARKER} takes keyword options only")
        options.update(mark.kwargs)
    unknown = sorted(set(options) - SERVER_OPTIONS - CHECK_OPTIONS)
    if unknown:
        _usage_error(
            f"{node.nodeid}: unknown @pytest.mark.{MARKER} option(s) {unknown};"
            f" known: {sorted(SERVER_OPTIONS | CHECK_OPTIONS)}"
        )
    return options


@pytest.fixture(scope="session")
def _chat_server_shared() -> Iterator[ChatServer]:
    from chat_grpc.server import ChatServer

    server = ChatServer().start()
    try:
        yield server
    finally:
        server.stop(grace=None)


def _own_server(request: pytest.FixtureRequest, options: Mapping[str, Any]) -> ChatServer:
    from chat_grpc.fake.journal import DEFAULT_MAX_CALLS
    from chat_grpc.server import ChatServer, ManualClock
    from chat_grpc.workspace.seed import load_workspace

    manual = options.get("manual_clock", False)
    if manual is True:
        clock = ManualClock()
    elif isinstance(manual, datetime):
        clock = ManualClock(manual)
    elif manual in (False, None):
        clock = None
    else:
        _usage_error(f"manual_clock must be True or a timezone-aware datetime, got {manual!r}")
    principal = options.get("default_principal")
    journal_size = options.get("journal_size")
    server = ChatServer(
        clock=clock,
        seed=options.get("id_seed"),
        default_principal=principal,
        control=bool(options.get("control", False)),
        journal_size=DEFAULT_MAX_CALLS if journal_size is None else journal_size,
    )
    seed_file = options.get("seed_file")
    if seed_file is not None:
        path = Path(seed_file)
        if not path.is_absolute():
            path = request.path.parent / path
        request.node.stash[_WORKSPACE] = load_workspace(server.store, path)
    if principal is not None and "@" in principal and server.store.user_by_email(principal) is None:
        server.store.add_user(principal)
    return server.start()


@pytest.fixture
def chat_server(request: pytest.FixtureRequest) -> Iterator[ChatServer]:
    """The fake Chat server for this test: the session's server, reset, or one of its own (see the marker)."""
    options = marker_options(request.node)
    own = {k: v for k, v in options.items() if k in SERVER_OPTIONS}
    if own:
        server = _own_server(request, own)
    else:
        server = request.getfixturevalue("_chat_server_shared")
        server.reset()
    try:
        yield server
        if options.get("check_faults", True) and _passed(request.node):
            problem = unused_faults(server)
            if problem:
                pytest.fail(problem, pytrace=False)
    finally:
        if own:
            server.stop(grace=None)


def _passed(node: Node) -> bool:
    report = node.stash.get(_REPORTS, {}).get("call")
    return report is not None and report.passed


def unused_faults(server: ChatServer) -> str:
    """A message naming the injected faults that did not fire as often as they were armed for ("" if none)."""
    fired: dict[int, int] = {}
    for firing in server.faults.fired():
        fired[firing.rule.id] = fired.get(firing.rule.id, 0) + 1
    lines = []
    for rule, left in server.faults.pending():
        count = fired.get(rule.id, 0)
        if left is None and count:
            continue  # times=None fires on every call: used once is used
        what = f"{rule.kind} {rule.rpc} " + (rule.code or "" if rule.kind == "fail" else f"{rule.seconds:g}s")
        armed = "every call" if rule.times is None else f"{rule.times} call{'s' if rule.times != 1 else ''}"
        lines.append(f"  - {what} (armed for {armed}): fired {count} time{'s' if count != 1 else ''}")
    if not lines:
        return ""
    return "\n".join(
        [
            f"chat_server: {len(lines)} injected fault{'s were' if len(lines) != 1 else ' was'} not used up:",
            *lines,
            "Make the calls the test meant to fail, call chat_server.faults.clear(), or opt out with"
            " @pytest.mark.chat_server(check_faults=False).",
        ]
    )


@pytest.fixture
def chat_workspace(request: pytest.FixtureRequest, chat_server: ChatServer) -> Workspace:
    """What ``@pytest.mark.chat_server(seed_file=...)`` loaded: ``.users[email]``, ``.spaces[ref]``, ..."""
    found: Workspace | None = request.node.stash.get(_WORKSPACE, None)
    if found is None:
        _usage_error("chat_workspace needs @pytest.mark.chat_server(seed_file='workspace.yaml')")
    return found


# ------------------------------------------------------------------ factories


@pytest.fixture
def chat_factory(chat_server: ChatServer) -> ChatFactory:
    """Fast builders of users, apps, groups, spaces, memberships, messages and reactions (see ChatFactory)."""
    return ChatFactory(chat_server)


@pytest.fixture
def chat_users(chat_factory: ChatFactory) -> ChatUsers:
    """People on demand: ``chat_users.alice`` (alice@example.com), ``chat_users.admin`` (an administrator)."""
    return ChatUsers(chat_factory)


# ------------------------------------------------------------------ clients


def _token(server: ChatServer, who: Any, token: str | None, scopes: list[str] | None, app: Any) -> str | None:
    if token is not None or who is None:
        return token
    return server.token_for(who, scopes=scopes, app=app)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    options.setdefault("timeout", CLIENT_TIMEOUT)
    if "retry" not in options:
        options["retry"] = fast_retry()
    return options


def _endpoint(server: ChatServer, options: dict[str, Any]) -> str:
    """Where a client with these options reaches ``server``: its REST URL with ``transport="rest"``, else its gRPC
    address, with the REST URL as ``media_url`` (attachment uploads and downloads) when the listener runs."""
    if options.get("transport") == "rest":
        return server.rest_url
    if "media_url" not in options:
        with contextlib.suppress(RuntimeError):  # rest=False: no media endpoints
            options["media_url"] = server.rest_url
    return server.address


ClientFactory = Callable[..., "ChatClient"]
DiscoveryFactory = Callable[..., Any]
AsyncClientFactory = Callable[..., "AsyncChatClient"]


@pytest.fixture
def chat_client(chat_server: ChatServer) -> Iterator[ClientFactory]:
    """``chat_client(who=None, *, scopes=None, app=None, token=None, **client_options)`` -> a ChatClient on
    the fake, authenticated as ``who`` (a user or app record, email or id) with every scope of its kind, or
    ``scopes``; ``app``: a user token issued to that Chat app; ``token``: any token as is. Clients default to
    ``timeout=10`` and fast retries (``fast_retry()``); all are closed at teardown."""
    from chat_grpc import ChatClient

    made: list[ChatClient] = []

    def make(
        who: Any = None,
        *,
        scopes: list[str] | None = None,
        app: Any = None,
        token: str | None = None,
        **options: Any,
    ) -> ChatClient:
        client = ChatClient.for_emulator(
            _endpoint(chat_server, options), token=_token(chat_server, who, token, scopes, app), **_options(options)
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@dataclass
class _Opened:
    client: AsyncChatClient
    loop: asyncio.AbstractEventLoop | None = field(default=None)


@pytest.fixture
def async_chat_client(chat_server: ChatServer) -> Iterator[AsyncClientFactory]:
    """The asyncio twin of ``chat_client``: call it inside the running event loop (grpc.aio channels belong
    to one loop). Clients still open at teardown are closed (in their loop if it is still open)."""
    from chat_grpc import AsyncChatClient

    made: list[_Opened] = []

    def make(
        who: Any = None,
        *,
        scopes: list[str] | None = None,
        app: Any = None,
        token: str | None = None,
        **options: Any,
    ) -> AsyncChatClient:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        client = AsyncChatClient.for_emulator(
            _endpoint(chat_server, options), token=_token(chat_server, who, token, scopes, app), **_options(options)
        )
        made.append(_Opened(client, loop))
        return client

    yield make
    for opened in made:
        loop = opened.loop
        if loop is not None and not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(opened.client.close())
        elif loop is None or loop.is_closed():
            asyncio.run(opened.client.close())


# ------------------------------------------------------------------ the REST face

DISCOVERY_MISSING: Final = (
    "chat_discovery_service needs Google's discovery-based client: pip install google-api-python-client"
)


@pytest.fixture
def chat_rest_url(chat_server: ChatServer) -> str:
    """The REST URL of the test's server, ``http://127.0.0.1:PORT`` (the ``api_endpoint`` of REST clients;
    ``chat_server.rest_app`` is the ASGI app itself, for ``httpx.ASGITransport``)."""
    return chat_server.rest_url


@pytest.fixture
def chat_discovery_service(chat_server: ChatServer) -> Iterator[DiscoveryFactory]:
    """``chat_discovery_service(who=None, *, scopes=None, app=None, token=None)`` -> a ``googleapiclient``
    service object for the Chat API (the static discovery document of ``google-api-python-client``) pointed at
    the test's REST URL, calling as ``who`` (a user or app record, email or id; ``scopes``, ``app``, ``token``
    as for ``chat_client``; nobody: no credentials). Use it as against Google:
    ``chat_discovery_service(alice).spaces().list().execute()``. Closed at teardown."""
    try:
        from googleapiclient.discovery import build  # type: ignore[import-untyped]
    except ImportError:
        _usage_error(DISCOVERY_MISSING)
    import google.oauth2.credentials
    import httplib2  # type: ignore[import-untyped]

    made: list[Any] = []

    def make(who: Any = None, *, scopes: list[str] | None = None, app: Any = None, token: str | None = None) -> Any:
        issued = _token(chat_server, who, token, scopes, app)
        auth: dict[str, Any] = (
            {"credentials": google.oauth2.credentials.Credentials(token=issued)}  # type: ignore[no-untyped-call]
            if issued is not None
            else {"http": httplib2.Http(timeout=CLIENT_TIMEOUT)}  # no credentials: calls carry no token
        )
        service = build(
            "chat",
            "v1",
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": chat_server.rest_url},
            **auth,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()
