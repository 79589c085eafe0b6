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
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

import pytest

if TYPE_CHECKING:
    from _pytest.nodes import Node
    from google.chat.v1 import (
        attachment_pb2,
        membership_pb2,
        message_pb2,
        message_pin_pb2,
        reaction_pb2,
        section_pb2,
        space_pb2,
    )

    from chat_grpc import AsyncChatClient, ChatClient
    from chat_grpc.client.retry import RetryPolicy
    from chat_grpc.fake.store import Actor, App, ChatStore, Group, MemberRef, User
    from chat_grpc.server import ChatServer
    from chat_grpc.workspace.seed import Workspace

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


class ChatFactory:
    """Builds people and resources directly in the store: no RPC, no journal entry, every store rule applies.

    People come back as store records (``User``/``App``/``Group``: ``.name``, ``.id``, ``.email``,
    ``.display_name``); resources as the protobuf messages the API returns (``space_pb2.Space``,
    ``membership_pb2.Membership``, ``message_pb2.Message``, ``reaction_pb2.Reaction``), so that they can be
    passed to the clients (``client.list_messages(parent=space)``) and compared with their answers. Wherever a
    person is expected, a record, an email or an id works; a space: a Space message, a record or its name.
    """

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self._numbers = itertools.count(1)

    @property
    def _store(self) -> ChatStore:
        return self.server.store

    # -------------------------------------------------------------- people

    def user(
        self,
        email: str | None = None,
        admin: bool = False,
        *,
        display_name: str | None = None,
        customer: str | None = None,
        auto_accept: bool = True,
        id: str | None = None,
    ) -> User:
        """A person (``user1@example.com``, ... when no email is given); ``admin``: a Workspace administrator."""
        email = email or f"user{next(self._numbers)}@example.com"
        found: User = self._store.add_user(
            email, display_name, user_id=id, customer=customer, is_admin=admin, auto_accept=auto_accept
        )
        return found

    def app(self, name: str | None = None, *, id: str | None = None, customer: str | None = None) -> App:
        """A Chat app; call as it with ``chat_client(app)`` (app authentication)."""
        made: App = self._store.add_app(name or f"App {next(self._numbers)}", app_id=id, customer=customer)
        return made

    def group(
        self, display_name: str | None = None, members: Iterable[User | str] = (), *, id: str | None = None
    ) -> Group:
        """A Google Group of users."""
        ids = [self._principal(m).id for m in members]
        made: Group = self._store.add_group(display_name or f"Group {next(self._numbers)}", ids, group_id=id)
        return made

    def workspace(self, source: str | Path | Mapping[str, Any]) -> Workspace:
        """Load a workspace file (or mapping) into the store, as ``seed.load_workspace``."""
        from chat_grpc.workspace.seed import load_workspace

        return load_workspace(self._store, source)

    # -------------------------------------------------------------- resources

    def space(
        self,
        creator: User | App | str,
        display_name: str | None = None,
        members: Iterable[User | App | Group | str] = (),
        *,
        space_type: str = "SPACE",
        description: str = "",
        guidelines: str = "",
        external_user_allowed: bool = False,
        announcement: bool = False,
    ) -> space_pb2.Space:
        """A space made by ``creator`` (its manager), then ``members`` added by the creator (INVITED when their
        auto-accept is off). ``space_type`` ``GROUP_CHAT`` / ``DIRECT_MESSAGE`` are set up with their members in
        one go, as SetUpSpace does (a DM with an app: ``members=[app]``). ``announcement``: only managers post."""
        from chat_grpc.fake.store import Space as SpaceRecord

        store = self._store
        who = self._principal(creator)
        actor = self._actor(who)
        space_type = space_type.upper()
        is_space = space_type == "SPACE"
        template = SpaceRecord(
            id="",
            space_type=space_type,
            display_name=(display_name or f"Space {next(self._numbers)}") if is_space else "",
            description=description,
            guidelines=guidelines,
            external_user_allowed=external_user_allowed,
            customer=who.customer if space_type != "DIRECT_MESSAGE" else None,
        )
        others = [self._member(m) for m in members]
        if is_space:
            predefined = "ANNOUNCEMENT_SPACE" if announcement else "COLLABORATION_SPACE"
            record = store.create_space(actor, template, predefined=predefined)
            for ref in others:
                store.create_membership(self._actor(who, app=ref.id if ref.kind == "BOT" else None), record.id, ref)
        else:
            bots = [ref for ref in others if ref.kind == "BOT"]
            if space_type == "DIRECT_MESSAGE" and bots and len(others) == 1:
                template.single_user_bot_dm = True
                record = store.set_up_space(self._actor(who, app=bots[0].id), template, [])
            else:
                record = store.set_up_space(actor, template, others)
        return self._space_proto(record.id)

    def membership(
        self,
        space: Any,
        member: User | App | Group | str,
        *,
        role: str | None = None,
        by: User | App | str | None = None,
    ) -> membership_pb2.Membership:
        """Add ``member`` to ``space``, as its creator (or ``by``) would with CreateMembership; ``role``
        ``ROLE_MANAGER`` promotes them afterwards."""
        from chat_grpc.fake import codec

        space_id = self._space_id(space)
        adder = self._principal(by) if by is not None else self._creator(space_id)
        ref = self._member(member)
        membership = self._store.create_membership(
            self._actor(adder, app=ref.id if ref.kind == "BOT" else None), space_id, ref
        )
        if role is not None:
            membership = self._store.update_membership_role(self._actor(adder), space_id, ref.id, role)
        return codec.membership_to_proto(membership)

    def message(
        self,
        space: Any,
        sender: User | App | str,
        text: str = "Hello",
        thread: Any = None,
        *,
        thread_key: str | None = None,
        client_id: str = "",
    ) -> message_pb2.Message:
        """A message posted by ``sender`` (a joined member). ``thread``: reply in the thread of that message (a
        Message, a Thread or a thread name); ``thread_key``: reply in the thread with that key, or start it."""
        from chat_grpc.fake import codec
        from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest

        space_id = self._space_id(space)
        if thread is not None:
            name = getattr(getattr(thread, "thread", None), "name", None) or getattr(thread, "name", thread)
            thread_id = str(name).rsplit("/", 1)[-1]
            request = ThreadRequest(name=thread_id, key=thread_key or "", reply_option="REPLY_MESSAGE_OR_FAIL")
        elif thread_key:
            request = ThreadRequest(key=thread_key, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        else:
            request = ThreadRequest()
        created = self._store.messages.create(
            self._actor(self._principal(sender)), space_id, MessageContent(text=text), request, client_id=client_id
        )
        return codec.message_to_proto(created)

    def messages(self, space: Any, sender: User | App | str, texts: Iterable[str]) -> list[str]:
        """Many messages by ``sender`` (a joined member), each a new thread, seeded in bulk (the state of one
        ``message`` call apiece, far faster: for a space of thousands of messages); their resource names."""
        from chat_grpc.fake.store.message_records import MessageContent, NewMessage

        space_id = self._space_id(space)
        actor = self._actor(self._principal(sender))
        made = self._store.messages.create_many(actor, space_id, (NewMessage(MessageContent(text=t)) for t in texts))
        return [f"spaces/{space_id}/messages/{message_id}" for message_id in made]

    def reaction(self, message: Any, user: User | str, emoji: str = "👍") -> reaction_pb2.Reaction:
        """``user`` reacts to ``message`` (a Message or its name) with a Unicode emoji."""
        from chat_grpc.fake import codec
        from chat_grpc.fake.store.reactions import check_unicode_emoji

        name = message if isinstance(message, str) else message.name
        _, space_id, _, message_id = name.split("/")
        check_unicode_emoji(emoji, "emoji")
        made = self._store.reactions.create(self._actor(self._principal(user)), space_id, message_id, unicode=emoji)
        return codec.reaction_to_proto(made)

    def upload(
        self,
        space: Any,
        uploader: User | App | str,
        data: bytes = b"",
        filename: str = "file.txt",
        content_type: str = "text/plain",
    ) -> attachment_pb2.AttachmentDataRef:
        """Upload a file to ``space`` as UploadAttachment does over the media endpoint (which gRPC cannot carry);
        pass the result as ``message.attachment[].attachment_data_ref`` of a CreateMessage."""
        from google.chat.v1 import attachment_pb2

        space_id = self._space_id(space)
        resource, token = self._store.messages.upload_attachment(
            self._actor(self._principal(uploader)), space_id, filename, data, content_type
        )
        return attachment_pb2.AttachmentDataRef(resource_name=resource, attachment_upload_token=token)

    def pin(self, message: Any, user: User | str) -> message_pin_pb2.MessagePin:
        """``user`` (a joined member) pins ``message`` (a Message or its name)."""
        from chat_grpc.fake import codec

        name = message if isinstance(message, str) else message.name
        space_id = name.split("/")[1]
        made = self._store.pins.create(self._actor(self._principal(user)), space_id, name)
        return codec.message_pin_to_proto(made)

    def section(self, user: User | str, display_name: str, spaces: Any = ()) -> section_pb2.Section:
        """A custom section of ``user``, with ``spaces`` (that the user joined) moved into it."""
        from chat_grpc.fake import codec

        principal = self._principal(user)
        actor = self._actor(principal)
        sections = self._store.sections
        made = sections.create(actor, principal.id, "CUSTOM_SECTION", display_name)
        for space in spaces:
            space_id = self._space_id(space)
            item = next((i for i in sections.items_of(principal.id) if i.space_id == space_id), None)
            if item is None:
                raise KeyError(f"{principal.name} has no item for spaces/{space_id} (not a joined member?)")
            sections.move_item(actor, principal.id, item.section_id, space_id, made.name)
        return codec.section_to_proto(sections.get(actor, principal.id, made.id))

    # -------------------------------------------------------------- helpers

    def _principal(self, who: Any) -> User | App:
        """A user or app of the store, from its record, email, id or ``users/{id}``."""
        key = str(getattr(who, "id", who)).removeprefix("users/")
        found = self._store.user_by_email(key) if "@" in key else self._store.principal(key)
        if found is None:
            raise KeyError(f"no user or app {who!r} in the store")
        return found

    def _actor(self, who: User | App, *, app: str | None = None) -> Actor:
        from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES
        from chat_grpc.fake.store import Actor, App, AuthKind

        if isinstance(who, App):
            return Actor(who, AuthKind.APP, APP_SCOPES, app=who)
        found = self._store.principal(app) if app is not None else None
        return Actor(who, AuthKind.USER, USER_SCOPES, app=found if isinstance(found, App) else None)

    def _member(self, who: Any) -> MemberRef:
        from chat_grpc.fake.store import App, Group, MemberRef

        if isinstance(who, Group):
            return MemberRef("GROUP", who.id)
        if isinstance(who, str) and who.startswith("groups/"):
            return MemberRef("GROUP", who.removeprefix("groups/"))
        principal = self._principal(who)
        return MemberRef("BOT" if isinstance(principal, App) else "HUMAN", principal.id)

    @staticmethod
    def _space_id(space: Any) -> str:
        name = space if isinstance(space, str) else space.name
        return str(name).removeprefix("spaces/")

    def _creator(self, space_id: str) -> User | App:
        for record in self._store.spaces():
            if record.id == space_id:
                return self._principal(record.creator_key.removeprefix("users/"))
        raise KeyError(f"no space spaces/{space_id} in the store")

    def _space_proto(self, space_id: str) -> space_pb2.Space:
        from chat_grpc.fake import codec

        for record in self._store.spaces():
            if record.id == space_id:
                return codec.space_to_proto(record, member_counts=self._store.joined_human_count(space_id))
        raise KeyError(f"no space spaces/{space_id} in the store")


@pytest.fixture
def chat_factory(chat_server: ChatServer) -> ChatFactory:
    """Fast builders of users, apps, groups, spaces, memberships, messages and reactions (see ChatFactory)."""
    return ChatFactory(chat_server)


class ChatUsers:
    """``chat_users.alice`` -> the user ``alice@example.com``, made on first use (``chat_users.admin``: a
    Workspace administrator); ``chat_users["erin"]`` works too."""

    def __init__(self, factory: ChatFactory) -> None:
        self._factory = factory
        self._made: dict[str, User] = {}

    def __getitem__(self, name: str) -> User:
        if name not in self._made:
            email = name if "@" in name else f"{name}@example.com"
            found = self._factory.server.store.user_by_email(email)
            self._made[name] = found or self._factory.user(email, admin=name == "admin")
        return self._made[name]

    def __getattr__(self, name: str) -> User:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


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
