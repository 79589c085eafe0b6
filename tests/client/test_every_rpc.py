"""Every RPC through both clients against the reference servicer, and the client's behaviour on the wire.

The reference servicer (``chat.servicer``) is served on its own gRPC server behind :class:`Wire`, a server
interceptor that records what arrives (the request message, the metadata) and injects faults (a status before
the servicer runs, or after it ran and the answer is lost). Tests set up state through an unrecorded client on
the ``ChatServer``'s own port, so the wire holds only the calls under test.

Every test runs once per transport: over gRPC (the servicer behind a gRPC Wire) and over REST (``transport="rest"``,
the ChatServer's REST door behind the same Wire as ASGI middleware: ``wire.serve_rest``), with the same
assertions on what the server received, except the ``x-goog-request-params`` routing header, which only gRPC needs.

``SCENARIOS`` has one function per RPC of ``chat_grpc.api.rpcs.RPCS``. Each one runs four ways: the sync
``ChatClient`` and the ``AsyncChatClient``, as a user (alice, a Workspace admin) and — where the RPC accepts
app authentication — as a Chat app. A scenario is written once, as a coroutine over :class:`Api`, which awaits
the async client and calls the sync one directly. After each scenario the driver checks what the server
received: the RPC, from the expected principal and kind of authentication, with the routing header and (for
idempotent creates) a generated ``request_id``.

Then, for both clients: pagination across pages (items and ``.pages``; the request kept), update masks (computed
and explicit), ``request_id`` making a retried create idempotent, error mapping with details, and retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import grpc
import httpx
import pytest
from google.chat.v1 import (
    attachment_pb2,
    availability_pb2,
    membership_pb2,
    message_pb2,
    message_pin_pb2,
    reaction_pb2,
    section_pb2,
    space_event_pb2,
    space_notification_setting_pb2,
    space_pb2,
    space_read_state_pb2,
    thread_read_state_pb2,
    user_pb2,
)
from google.protobuf import field_mask_pb2, timestamp_pb2

import chat_grpc
from chat_grpc import (
    AlreadyExists,
    AsyncChatClient,
    ChatClient,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    RetryPolicy,
    Unavailable,
)
from chat_grpc.api.rpcs import BY_METHOD, BY_NAME, RPCS, Rpc
from chat_grpc.client._core import ROUTING_HEADER, field_value
from chat_grpc.doors.rest.render import HTTP_STATUS
from chat_grpc.fake.auth import POLICIES
from chat_grpc.fake.rpc import HANDLERS
from chat_grpc.fake.store import App, AuthKind, User
from chat_grpc.server import ChatServer
from tests.client.conftest import TRANSPORTS
from tests.client.wire import Fault, Wire, serve, serve_rest
from tests.server.test_day_in_a_space import png

FLAVORS = ("sync", "async")
FAST = RetryPolicy(initial=0.01, maximum=0.05, multiplier=2.0)
NOTIFY = space_notification_setting_pb2.SpaceNotificationSetting
EVENT = "google.workspace.chat.{}.v1.{}"


@pytest.fixture(params=TRANSPORTS)
def wire(chat: ChatServer, request: pytest.FixtureRequest) -> Iterator[Wire]:
    """The reference servicer of ``chat`` (same store, same tokens) on another port, behind the Wire: over gRPC,
    or ``chat``'s REST door (same core) over HTTP. Media requests go over HTTP whatever the transport: a gRPC
    Wire records them through ``chat``'s REST door too (``wire.media_url``)."""
    if request.param == "rest":
        with serve_rest(chat) as tap:
            yield tap
    else:
        with serve(chat.servicer) as tap, serve_rest(chat, tap):
            yield tap


# ---------------------------------------------------------------------------------------- both clients, one interface


class Api:
    """A sync or async client behind one awaitable interface: ``await api.get_space(name=...)``.

    List methods return every item across pages; :meth:`pages` returns the whole responses and :meth:`pager`
    the pager itself. Everything else returns what the client returned (a protobuf message, or None)."""

    def __init__(self, client: ChatClient | AsyncChatClient) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncChatClient)

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, method)(*args, **kwargs)
        return await result if self.is_async else result

    async def pager(self, method: str, *args: Any, **kwargs: Any) -> Any:
        assert BY_METHOD[method].items is not None, f"{method} is not a list method"
        return await self._call(method, *args, **kwargs)

    async def pages(self, method: str, *args: Any, **kwargs: Any) -> list[Any]:
        pager = await self.pager(method, *args, **kwargs)
        return [page async for page in pager.pages] if self.is_async else list(pager.pages)

    async def items(self, pager: Any) -> list[Any]:
        return [item async for item in pager] if self.is_async else list(pager)

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        rpc = BY_METHOD[method]

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = await self._call(method, *args, **kwargs)
            return await self.items(result) if rpc.items is not None else result

        return call


def drive(flavor: str, wire: Wire, body: Callable[[Api], Awaitable[Any]], **options: Any) -> Any:
    """Run ``body`` with a client of that flavor on ``wire``, over its transport (the async one is created inside
    the loop)."""
    address = wire.address

    async def main() -> Any:
        if flavor == "async":
            async with AsyncChatClient.for_emulator(address, **options) as aclient:
                return await body(Api(aclient))
        with ChatClient.for_emulator(address, **options) as client:
            return await body(Api(client))

    options.setdefault("timeout", 10)
    options.setdefault("transport", wire.transport)
    if options["transport"] == "grpc" and wire.media_url:
        options.setdefault("media_url", wire.media_url)
    return asyncio.run(main())


# ------------------------------------------------------------------------------------------------ the world


@dataclass
class World:
    """The workspace of a test: alice (admin) and bob, the Helper Bot app, and set-up helpers that go through
    unrecorded sync clients on the ChatServer's own port (so they never show on the wire)."""

    chat: ChatServer
    wire: Wire
    alice: User
    bob: User
    app: App
    who: str = "user"  # who the client under test is: "user" (alice) or "app"
    team: space_pb2.Space = field(default_factory=space_pb2.Space)
    _clients: dict[tuple[str, str], ChatClient] = field(default_factory=dict)

    @property
    def me(self) -> User | App:
        return self.app if self.who == "app" else self.alice

    def token(self, who: str | None = None) -> str:
        return self.chat.token_for(self.app if (who or self.who) == "app" else self.alice)

    def as_(self, who: User | App, **token: Any) -> ChatClient:
        key = (who.id, repr(sorted(token.items())))
        if key not in self._clients:
            self._clients[key] = ChatClient.for_emulator(
                self.chat.address, token=self.chat.token_for(who, **token), timeout=10
            )
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def set_up_team(self) -> None:
        """alice's SPACE "Team", with bob and the Helper Bot as members."""
        alice = self.as_(self.alice)
        self.team = alice.create_space(space={"space_type": "SPACE", "display_name": "Team"})
        alice.create_membership(parent=self.team, membership={"member": {"name": self.bob.name, "type": "HUMAN"}})
        self.as_(self.alice, app=self.app, scopes=["chat.memberships.app"]).create_membership(
            parent=self.team, membership={"member": {"name": "users/app", "type": "BOT"}}
        )

    @property
    def team_id(self) -> str:
        return chat_grpc.parse_space_path(self.team.name)["space"]

    def app_space(self) -> space_pb2.Space:
        """A SPACE the Helper Bot created (app authentication), with bob as a member."""
        app = self.as_(self.app)
        space = app.create_space(
            space={"space_type": "SPACE", "display_name": "Bot room", "customer": "customers/my_customer"}
        )
        app.create_membership(parent=space, membership={"member": {"name": self.bob.name, "type": "HUMAN"}})
        return space

    def post(self, who: User | App, text: str, **fields: Any) -> message_pb2.Message:
        return self.as_(who).create_message(
            parent=self.team, message={"text": text, **fields.pop("message", {})}, **fields
        )

    def sent(self, rpc: str) -> Any:
        """The last request of that RPC the server received."""
        requests = self.wire.requests(rpc)
        assert requests, f"the server received no {rpc}"
        return requests[-1]


@pytest.fixture
def world(chat: ChatServer, wire: Wire, alice: User, bob: User) -> Iterator[World]:
    w = World(chat, wire, alice, bob, chat.store.add_app("Helper Bot"))
    w.set_up_team()
    try:
        yield w
    finally:
        w.close()


def stamp(when: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(when)
    return result


def mask(request: Any) -> list[str]:
    return list(request.update_mask.paths)


# ------------------------------------------------------------------------------------------------ one scenario per RPC

Scenario = Callable[[Api, World], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    run: Scenario
    callers: tuple[str, ...]


SCENARIOS: dict[str, Case] = {}


def scenario(rpc: str, *callers: str) -> Callable[[Scenario], Scenario]:
    def register(fn: Scenario) -> Scenario:
        assert rpc in BY_NAME and rpc not in SCENARIOS, rpc
        SCENARIOS[rpc] = Case(fn, callers or ("user",))
        return fn

    return register


# ---------------------------------------------------------------- spaces


@scenario("CreateSpace", "user", "app")
async def create_space(api: Api, w: World) -> None:
    fields = {"space_type": "SPACE", "display_name": "Launch", "space_details": {"description": "v2"}}
    if w.who == "app":
        fields["customer"] = "customers/my_customer"  # app authentication must name the customer
    space = await api.create_space(space=fields)
    assert isinstance(space, space_pb2.Space) and space.name.startswith("spaces/")
    assert space.space_type == space_pb2.Space.SPACE
    assert (space.display_name, space.space_details.description) == ("Launch", "v2")
    assert space == w.as_(w.alice).get_space(name=space.name, use_admin_access=True)
    humans = w.as_(w.alice).list_memberships(parent=space, use_admin_access=True, filter='member.type = "HUMAN"')
    assert [m.member.name for m in humans] == ([w.alice.name] if w.who == "user" else [])  # the creator manages it


@scenario("SetUpSpace")
async def set_up_space(api: Api, w: World) -> None:
    space = await api.set_up_space(
        space={"space_type": "SPACE", "display_name": "Design"},
        memberships=[{"member": {"name": w.bob.name, "type": "HUMAN"}}],
    )
    assert isinstance(space, space_pb2.Space) and space.display_name == "Design"
    assert space.membership_count.joined_direct_human_user_count == 2
    assert {m.member.name for m in w.as_(w.bob).list_memberships(parent=space)} == {w.alice.name, w.bob.name}


@scenario("GetSpace", "user", "app")
async def get_space(api: Api, w: World) -> None:
    space = await api.get_space(name=w.team)  # the resource stands for its name
    assert isinstance(space, space_pb2.Space)
    assert (space.name, space.display_name) == (w.team.name, "Team")
    assert space.membership_count.joined_direct_human_user_count == 2


@scenario("ListSpaces", "user", "app")
async def list_spaces(api: Api, w: World) -> None:
    other = w.as_(w.alice).create_space(space={"space_type": "SPACE", "display_name": "Other"})
    spaces = await api.list_spaces(filter='space_type = "SPACE"')
    assert all(isinstance(s, space_pb2.Space) for s in spaces)
    expected = [w.team.name, other.name] if w.who == "user" else [w.team.name]
    assert [s.name for s in spaces] == expected


@scenario("SearchSpaces")
async def search_spaces(api: Api, w: World) -> None:
    w.as_(w.alice).create_space(space={"space_type": "SPACE", "display_name": "Another"})
    query = f'customer = "customers/my_customer" AND space_type = "SPACE" AND display_name:"{w.team.display_name}"'
    (page,) = await api.pages("search_spaces", query=query, use_admin_access=True)
    assert isinstance(page, space_pb2.SearchSpacesResponse)
    assert [s.name for s in page.spaces] == [w.team.name] and page.total_size == 1
    assert [r.space for r in page.results] == list(page.spaces)  # the newer field holds the same page
    assert w.sent("SearchSpaces").use_admin_access


@scenario("UpdateSpace", "user", "app")
async def update_space(api: Api, w: World) -> None:
    space = w.team if w.who == "user" else w.app_space()
    updated = await api.update_space(
        space={"name": space.name, "display_name": "Renamed", "space_details": {"description": "New"}}
    )
    assert isinstance(updated, space_pb2.Space)
    assert (updated.name, updated.display_name, updated.space_details.description) == (space.name, "Renamed", "New")
    assert mask(w.sent("UpdateSpace")) == ["display_name", "space_details"]  # computed from the fields passed


@scenario("DeleteSpace", "user", "app")
async def delete_space(api: Api, w: World) -> None:
    space = w.team if w.who == "user" else w.app_space()
    assert await api.delete_space(name=space.name) is None  # Empty comes back as None
    with pytest.raises(NotFound):
        w.as_(w.alice).get_space(name=space.name, use_admin_access=True)


@scenario("CompleteImportSpace")
async def complete_import_space(api: Api, w: World) -> None:
    archive = w.as_(w.alice).create_space(
        space={
            "space_type": "SPACE", "display_name": "Archive", "import_mode": True,
            "create_time": stamp(datetime(2025, 3, 1, tzinfo=UTC)),
        }
    )  # fmt: skip
    assert archive.import_mode
    done = await api.complete_import_space(name=archive)
    assert isinstance(done, space_pb2.CompleteImportSpaceResponse)
    assert done.space.name == archive.name and not done.space.import_mode


@scenario("FindDirectMessage", "user", "app")
async def find_direct_message(api: Api, w: World) -> None:
    if w.who == "user":
        dm = w.as_(w.alice).set_up_space(
            space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": w.bob.name, "type": "HUMAN"}}]
        )
        other = user_pb2.User(name=w.bob.name)
    else:  # alice's DM with the Helper Bot, set up by alice through the app's OAuth client
        dm = w.as_(w.alice, app=w.app).set_up_space(space={"space_type": "DIRECT_MESSAGE", "single_user_bot_dm": True})
        other = user_pb2.User(name=w.alice.name)
    found = await api.find_direct_message(name=other)  # a User stands for its name
    assert isinstance(found, space_pb2.Space)
    assert (found.name, found.space_type) == (dm.name, space_pb2.Space.DIRECT_MESSAGE)


# ---------------------------------------------------------------- memberships


@scenario("CreateMembership", "user", "app")
async def create_membership(api: Api, w: World) -> None:
    space = w.team if w.who == "user" else w.app_space()
    erin = w.chat.store.add_user("erin@example.com", "Erin")
    created = await api.create_membership(parent=space, membership={"member": {"name": erin.name, "type": "HUMAN"}})
    assert isinstance(created, membership_pb2.Membership)
    assert created.name == f"{space.name}/members/{erin.id}" and created.member.name == erin.name
    assert created.state == membership_pb2.Membership.JOINED and created.role == membership_pb2.Membership.ROLE_MEMBER


@scenario("GetMembership", "user", "app")
async def get_membership(api: Api, w: World) -> None:
    got = await api.get_membership(name=chat_grpc.membership_path(w.team_id, w.bob.id))
    assert isinstance(got, membership_pb2.Membership)
    assert (got.member.name, got.member.type, got.role) == (
        w.bob.name,
        user_pb2.User.HUMAN,
        membership_pb2.Membership.ROLE_MEMBER,
    )


@scenario("ListMemberships", "user", "app")
async def list_memberships(api: Api, w: World) -> None:
    members = await api.list_memberships(parent=w.team, filter='member.type = "HUMAN"')
    assert all(isinstance(m, membership_pb2.Membership) for m in members)
    assert [(m.member.name, m.role) for m in members] == [
        (w.alice.name, membership_pb2.Membership.ROLE_MANAGER), (w.bob.name, membership_pb2.Membership.ROLE_MEMBER)
    ]  # fmt: skip
    assert w.sent("ListMemberships").filter == 'member.type = "HUMAN"'


@scenario("UpdateMembership", "user", "app")
async def update_membership(api: Api, w: World) -> None:
    space = w.team if w.who == "user" else w.app_space()
    name = chat_grpc.membership_path(chat_grpc.parse_space_path(space.name)["space"], w.bob.id)
    promoted = await api.update_membership(membership={"name": name, "role": "ROLE_MANAGER"})
    assert isinstance(promoted, membership_pb2.Membership)
    assert (promoted.name, promoted.role) == (name, membership_pb2.Membership.ROLE_MANAGER)
    assert mask(w.sent("UpdateMembership")) == ["role"]


@scenario("DeleteMembership", "user", "app")
async def delete_membership(api: Api, w: World) -> None:
    space = w.team if w.who == "user" else w.app_space()
    name = chat_grpc.membership_path(chat_grpc.parse_space_path(space.name)["space"], w.bob.id)
    removed = await api.delete_membership(name=name)
    assert isinstance(removed, membership_pb2.Membership)
    assert removed.name == name and removed.HasField("delete_time")
    with pytest.raises(NotFound):
        w.as_(w.alice).get_membership(name=name, use_admin_access=True)


# ---------------------------------------------------------------- messages


@scenario("CreateMessage", "user", "app")
async def create_message(api: Api, w: World) -> None:
    if w.who == "user":
        message = await api.create_message(
            parent=w.team, message={"text": "Hello <users/bob@example.com>"}, message_id="client-hello"
        )
        assert (message.text, message.client_assigned_message_id) == ("Hello @Bob", "client-hello")
        assert message.sender.type == user_pb2.User.HUMAN
    else:
        card = {"card_id": "build", "card": {"header": {"title": "Build #42: green"}}}
        message = await api.create_message(parent=w.team, message={"text": "Build", "cards_v2": [card]})
        assert message.cards_v2[0].card.header.title == "Build #42: green"
        assert message.sender.type == user_pb2.User.BOT
    assert isinstance(message, message_pb2.Message) and message.name.startswith(f"{w.team.name}/messages/")
    assert message.sender.name == w.me.name
    assert w.as_(w.bob).get_message(name=message) == message


@scenario("GetMessage", "user", "app")
async def get_message(api: Api, w: World) -> None:
    posted = w.post(w.bob, "Hi all")
    got = await api.get_message(name=posted)
    assert isinstance(got, message_pb2.Message)
    assert got == posted


@scenario("ListMessages")
async def list_messages(api: Api, w: World) -> None:
    posted = [w.post(who, text) for who, text in ((w.alice, "one"), (w.bob, "two"), (w.alice, "three"))]
    messages = await api.list_messages(parent=w.team, page_size=2, order_by="create_time DESC")
    assert all(isinstance(m, message_pb2.Message) for m in messages)
    assert [m.name for m in messages] == [m.name for m in reversed(posted)]
    assert [(r.page_size, r.order_by, bool(r.page_token)) for r in w.wire.requests("ListMessages")] == [
        (2, "create_time DESC", False), (2, "create_time DESC", True)
    ]  # fmt: skip


@scenario("UpdateMessage", "user", "app")
async def update_message(api: Api, w: World) -> None:
    if w.who == "user":
        own = w.post(w.alice, "Draft")
        updated = await api.update_message(message={"name": own.name, "text": "Final"})
        assert updated.text == "Final"
        assert mask(w.sent("UpdateMessage")) == ["text"]
    else:
        own = w.post(w.app, "Build", message={"cards_v2": [{"card_id": "b", "card": {"header": {"title": "red"}}}]})
        card = message_pb2.CardWithId(card_id="b")
        card.card.header.title = "green"
        updated = await api.update_message(message={"name": own.name, "cards_v2": [card]})
        assert updated.cards_v2[0].card.header.title == "green"
        assert mask(w.sent("UpdateMessage")) == ["cards_v2"]
    assert isinstance(updated, message_pb2.Message) and updated.name == own.name
    assert updated.last_update_time.ToDatetime() >= own.create_time.ToDatetime()


@scenario("DeleteMessage", "user", "app")
async def delete_message(api: Api, w: World) -> None:
    own = w.post(w.me, "Oops")
    assert await api.delete_message(name=own) is None
    tombstone = w.as_(w.alice).get_message(name=own.name)
    assert tombstone.HasField("delete_time") and tombstone.text == ""


@scenario("GetAttachment", "app")
async def get_attachment(api: Api, w: World) -> None:
    token = w.chat.store.messages.upload(w.team_id, "plan.pdf", "application/pdf")
    posted = w.post(
        w.bob, "The plan", message={"attachment": [{"attachment_data_ref": {"attachment_upload_token": token}}]}
    )
    (attachment,) = posted.attachment
    got = await api.get_attachment(name=attachment)
    assert isinstance(got, attachment_pb2.Attachment)
    assert (got.name, got.content_name, got.content_type) == (attachment.name, "plan.pdf", "application/pdf")
    assert got.attachment_data_ref.resource_name == attachment.attachment_data_ref.resource_name


# ---------------------------------------------------------------- reactions and custom emojis


@scenario("CreateReaction")
async def create_reaction(api: Api, w: World) -> None:
    posted = w.post(w.bob, "Shipped")
    reaction = await api.create_reaction(parent=posted, reaction={"emoji": {"unicode": "🎉"}})
    assert isinstance(reaction, reaction_pb2.Reaction)
    assert reaction.name.startswith(f"{posted.name}/reactions/")
    assert (reaction.user.name, reaction.emoji.unicode) == (w.alice.name, "🎉")


@scenario("ListReactions")
async def list_reactions(api: Api, w: World) -> None:
    posted = w.post(w.alice, "Shipped")
    made = [
        w.as_(who).create_reaction(parent=posted, reaction={"emoji": {"unicode": e}})
        for who, e in ((w.bob, "👍"), (w.alice, "👍"), (w.bob, "🎉"))
    ]
    thumbs = await api.list_reactions(parent=posted, filter='emoji.unicode = "👍"')
    assert all(isinstance(r, reaction_pb2.Reaction) for r in thumbs)
    assert [r.name for r in thumbs] == [made[0].name, made[1].name]


@scenario("DeleteReaction")
async def delete_reaction(api: Api, w: World) -> None:
    posted = w.post(w.bob, "Shipped")
    reaction = w.as_(w.alice).create_reaction(parent=posted, reaction={"emoji": {"unicode": "👀"}})
    assert await api.delete_reaction(name=reaction) is None
    assert list(w.as_(w.alice).list_reactions(parent=posted)) == []


def new_emoji(name: str) -> dict[str, Any]:
    return {"emoji_name": name, "payload": {"filename": f"{name.strip(':')}.png", "file_content": png()}}


@scenario("CreateCustomEmoji")
async def create_custom_emoji(api: Api, w: World) -> None:
    emoji = await api.create_custom_emoji(custom_emoji=new_emoji(":ship-it:"))
    assert isinstance(emoji, reaction_pb2.CustomEmoji)
    assert emoji.emoji_name == ":ship-it:" and emoji.name == chat_grpc.custom_emoji_path(emoji.uid)
    assert not emoji.HasField("payload")


@scenario("GetCustomEmoji")
async def get_custom_emoji(api: Api, w: World) -> None:
    made = w.as_(w.bob).create_custom_emoji(custom_emoji=new_emoji(":ship-it:"))
    got = await api.get_custom_emoji(name="customEmojis/:ship-it:")  # by alias
    assert isinstance(got, reaction_pb2.CustomEmoji)
    assert (got.name, got.uid, got.emoji_name) == (made.name, made.uid, ":ship-it:") and got.temporary_image_uri


@scenario("ListCustomEmojis")
async def list_custom_emojis(api: Api, w: World) -> None:
    mine = w.as_(w.alice).create_custom_emoji(custom_emoji=new_emoji(":mine:"))
    w.as_(w.bob).create_custom_emoji(custom_emoji=new_emoji(":bobs:"))
    emojis = await api.list_custom_emojis(filter='creator("users/me")')
    assert all(isinstance(e, reaction_pb2.CustomEmoji) for e in emojis)
    assert [e.uid for e in emojis] == [mine.uid]


@scenario("DeleteCustomEmoji")
async def delete_custom_emoji(api: Api, w: World) -> None:
    made = w.as_(w.alice).create_custom_emoji(custom_emoji=new_emoji(":old-logo:"))
    assert await api.delete_custom_emoji(name=made) is None
    with pytest.raises(NotFound):
        w.as_(w.alice).get_custom_emoji(name=made.name)


# ---------------------------------------------------------------- read states


@scenario("GetSpaceReadState")
async def get_space_read_state(api: Api, w: World) -> None:
    own = w.post(w.alice, "Mine")  # one's own top-level message marks the space read up to it
    state = await api.get_space_read_state(name=chat_grpc.space_read_state_path("me", w.team_id))
    assert isinstance(state, space_read_state_pb2.SpaceReadState)
    assert state.name == chat_grpc.space_read_state_path(w.alice.id, w.team_id)
    assert state.last_read_time == own.create_time


@scenario("UpdateSpaceReadState")
async def update_space_read_state(api: Api, w: World) -> None:
    first = w.post(w.bob, "first")
    w.post(w.bob, "second")
    name = chat_grpc.space_read_state_path("me", w.team_id)
    state = await api.update_space_read_state(space_read_state={"name": name, "last_read_time": first.create_time})
    assert isinstance(state, space_read_state_pb2.SpaceReadState)
    assert (state.name, state.last_read_time) == (
        chat_grpc.space_read_state_path(w.alice.id, w.team_id),
        first.create_time,
    )
    assert mask(w.sent("UpdateSpaceReadState")) == ["last_read_time"]


@scenario("GetThreadReadState")
async def get_thread_read_state(api: Api, w: World) -> None:
    root = w.post(
        w.bob,
        "Plan?",
        message={"thread": {"thread_key": "plan"}},
        message_reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
    )
    reply = w.post(
        w.alice, "Here", message={"thread": {"name": root.thread.name}}, message_reply_option="REPLY_MESSAGE_OR_FAIL"
    )
    thread = chat_grpc.parse_thread_path(root.thread.name)["thread"]
    state = await api.get_thread_read_state(name=chat_grpc.thread_read_state_path("me", w.team_id, thread))
    assert isinstance(state, thread_read_state_pb2.ThreadReadState)
    assert state.name == chat_grpc.thread_read_state_path(w.alice.id, w.team_id, thread)
    assert state.last_read_time == reply.create_time


# ---------------------------------------------------------------- space events


@scenario("ListSpaceEvents")
async def list_space_events(api: Api, w: World) -> None:
    kinds = [EVENT.format("membership", "created"), EVENT.format("message", "created")]
    posted = w.post(w.bob, "News")
    events = await api.list_space_events(
        parent=w.team, filter=" OR ".join(f'event_types:"{k}"' for k in kinds), page_size=2
    )
    assert all(isinstance(e, space_event_pb2.SpaceEvent) for e in events)
    assert [e.event_type for e in events] == [kinds[0]] * 3 + [kinds[1]]  # alice, bob, the app; then the message
    assert events[-1].message_created_event_data.message.name == posted.name
    assert len(w.wire.requests("ListSpaceEvents")) == 2


@scenario("GetSpaceEvent")
async def get_space_event(api: Api, w: World) -> None:
    w.as_(w.alice).update_space(space={"name": w.team.name, "display_name": "Team (v2)"})
    (listed,) = w.as_(w.alice).list_space_events(
        parent=w.team, filter=f'event_types:"{EVENT.format("space", "updated")}"'
    )
    event = await api.get_space_event(name=listed)
    assert isinstance(event, space_event_pb2.SpaceEvent)
    assert event == listed and event.space_updated_event_data.space.display_name == "Team (v2)"


# ---------------------------------------------------------------- notification settings


@scenario("GetSpaceNotificationSetting")
async def get_space_notification_setting(api: Api, w: World) -> None:
    setting = await api.get_space_notification_setting(name=chat_grpc.space_notification_setting_path("me", w.team_id))
    assert isinstance(setting, space_notification_setting_pb2.SpaceNotificationSetting)
    assert setting.name == chat_grpc.space_notification_setting_path(w.alice.id, w.team_id)
    assert (setting.notification_setting, setting.mute_setting) == (NOTIFY.ALL, NOTIFY.UNMUTED)


@scenario("UpdateSpaceNotificationSetting")
async def update_space_notification_setting(api: Api, w: World) -> None:
    name = chat_grpc.space_notification_setting_path("me", w.team_id)
    muted = await api.update_space_notification_setting(
        space_notification_setting={"name": name, "mute_setting": "MUTED"}
    )
    assert isinstance(muted, space_notification_setting_pb2.SpaceNotificationSetting)
    assert (muted.notification_setting, muted.mute_setting) == (NOTIFY.ALL, NOTIFY.MUTED)
    assert mask(w.sent("UpdateSpaceNotificationSetting")) == ["mute_setting"]
    assert w.as_(w.alice).get_space_notification_setting(name=name) == muted


# ---------------------------------------------------------------- message search and pins (added after the reference)


@scenario("SearchMessages")
async def search_messages(api: Api, w: World) -> None:
    w.post(w.bob, "The launch checklist")
    w.post(w.alice, "lunch at noon")
    newest = w.post(w.alice, "Launch moved to Friday")
    results = await api.search_messages(parent="spaces/-", filter=f'launch space.name = "{w.team.name}"')
    assert all(isinstance(r, message_pb2.SearchMessageResult) for r in results)
    assert [r.message.text for r in results] == ["Launch moved to Friday", "The launch checklist"]  # newest first
    (full,) = await api.search_messages(
        parent="spaces/-", filter="moved", view="SEARCH_MESSAGES_VIEW_FULL", order_by="create_time asc"
    )
    assert full.message.name == newest.name and full.read and full.HasField("read")
    assert w.sent("SearchMessages").view == message_pb2.SearchMessagesRequest.SEARCH_MESSAGES_VIEW_FULL


@scenario("CreateMessagePin")
async def create_message_pin(api: Api, w: World) -> None:
    posted = w.post(w.bob, "Read me first")
    pin = await api.create_message_pin(parent=w.team, message_pin={"message": posted.name})
    assert isinstance(pin, message_pin_pb2.MessagePin)
    assert pin.name == chat_grpc.message_pin_path(w.team_id, chat_grpc.parse_message_path(posted.name)["message"])
    assert [p.message for p in w.as_(w.bob).list_message_pins(parent=w.team)] == [posted.name]


@scenario("ListMessagePins")
async def list_message_pins(api: Api, w: World) -> None:
    posts = [w.post(w.bob, f"note {i}") for i in range(3)]
    for post in posts:
        w.as_(w.bob).create_message_pin(parent=w.team, message_pin={"message": post.name})
    pins = await api.list_message_pins(parent=w.team, page_size=2)
    assert [p.message for p in pins] == [p.name for p in posts]  # in the order they were pinned, across pages
    assert len(w.wire.requests("ListMessagePins")) == 2


@scenario("DeleteMessagePin")
async def delete_message_pin(api: Api, w: World) -> None:
    posted = w.post(w.bob, "Pinned for a while")
    pin = w.as_(w.bob).create_message_pin(parent=w.team, message_pin={"message": posted.name})
    assert await api.delete_message_pin(name=pin) is None
    assert list(w.as_(w.bob).list_message_pins(parent=w.team)) == []


# ---------------------------------------------------------------- media and group chats (added after the reference)


@scenario("UploadAttachment", "user", "app")
async def upload_attachment(api: Api, w: World) -> None:
    # The request and the bytes go to the media upload endpoint (HTTP, multipart) whatever the transport.
    uploaded = await api.upload_attachment(parent=w.team, filename="plan.pdf", data=b"%PDF-1.7 plan")
    assert isinstance(uploaded, attachment_pb2.UploadAttachmentResponse)
    assert uploaded.attachment_data_ref.resource_name.startswith(f"spaces/{w.team_id}/attachments/")
    assert w.sent("UploadAttachment").filename == "plan.pdf"
    assert w.chat.store.attachment_media(uploaded.attachment_data_ref.resource_name) == (
        b"%PDF-1.7 plan",
        "application/pdf",
    )


@scenario("FindGroupChats")
async def find_group_chats(api: Api, w: World) -> None:
    carol = w.chat.store.add_user("carol@example.com", "Carol")
    members = [{"member": {"name": u.name, "type": "HUMAN"}} for u in (w.bob, carol)]
    chat = w.as_(w.alice).set_up_space(space={"space_type": "GROUP_CHAT"}, memberships=members)
    dave = {"member": {"name": w.chat.store.add_user("dave@example.com", "Dave").name, "type": "HUMAN"}}
    w.as_(w.alice).set_up_space(space={"space_type": "GROUP_CHAT"}, memberships=[*members, dave])  # one more: no
    found = await api.find_group_chats(users=[w.bob.name, "users/carol@example.com"])
    assert [s.name for s in found] == [chat.name] and found[0].space_type == 0  # names only by default
    (expanded,) = await api.find_group_chats(users=[w.bob.name, carol.name], space_view="SPACE_VIEW_EXPANDED")
    assert expanded.space_type == space_pb2.Space.GROUP_CHAT


# ---------------------------------------------------------------- sections (added after the reference)


@scenario("CreateSection")
async def create_section(api: Api, w: World) -> None:
    section = await api.create_section(parent="users/me", section={"display_name": "Work", "type": "CUSTOM_SECTION"})
    assert isinstance(section, section_pb2.Section)
    assert section.name.startswith(f"users/{w.alice.id}/sections/") and section.sort_order == 4  # after the 3 system
    assert section.type == section_pb2.Section.CUSTOM_SECTION


@scenario("UpdateSection")
async def update_section(api: Api, w: World) -> None:
    section = w.as_(w.alice).create_section(parent="users/me", section={"display_name": "W", "type": "CUSTOM_SECTION"})
    renamed = await api.update_section(section={"name": section.name, "display_name": "Work"})
    assert renamed.display_name == "Work" and mask(w.sent("UpdateSection")) == ["display_name"]


@scenario("DeleteSection")
async def delete_section(api: Api, w: World) -> None:
    section = w.as_(w.alice).create_section(parent="users/me", section={"display_name": "W", "type": "CUSTOM_SECTION"})
    assert await api.delete_section(name=section) is None
    assert section.name not in {s.name for s in w.as_(w.alice).list_sections(parent="users/me")}


@scenario("ListSections")
async def list_sections(api: Api, w: World) -> None:
    sections = await api.list_sections(parent=chat_grpc.user_path(w.alice.id), page_size=2)
    kinds = section_pb2.Section.SectionType
    assert [s.type for s in sections] == [kinds.DEFAULT_DIRECT_MESSAGES, kinds.DEFAULT_SPACES, kinds.DEFAULT_APPS]
    assert [s.sort_order for s in sections] == [1, 2, 3] and len(w.wire.requests("ListSections")) == 2


@scenario("PositionSection")
async def position_section(api: Api, w: World) -> None:
    section = w.as_(w.alice).create_section(parent="users/me", section={"display_name": "W", "type": "CUSTOM_SECTION"})
    response = await api.position_section(name=section, relative_position="START")
    assert isinstance(response, section_pb2.PositionSectionResponse) and response.section.sort_order == 1
    response = await api.position_section(name=section, sort_order=3)
    assert response.section.sort_order == 3


@scenario("ListSectionItems")
async def list_section_items(api: Api, w: World) -> None:
    items = await api.list_section_items(parent="users/me/sections/default-spaces")
    assert [i.space for i in items] == [w.team.name]
    assert items[0].name == f"users/{w.alice.id}/sections/default-spaces/items/{w.team_id}"
    found = await api.list_section_items(parent="users/me/sections/-", filter=f'space = "{w.team.name}"')
    assert [i.name for i in found] == [items[0].name]


@scenario("MoveSectionItem")
async def move_section_item(api: Api, w: World) -> None:
    section = w.as_(w.alice).create_section(parent="users/me", section={"display_name": "W", "type": "CUSTOM_SECTION"})
    item = f"users/me/sections/default-spaces/items/{w.team_id}"
    moved = await api.move_section_item(name=item, target_section=section)
    assert isinstance(moved, section_pb2.MoveSectionItemResponse)
    assert moved.section_item.name == f"{section.name}/items/{w.team_id}"
    assert [i.space for i in w.as_(w.alice).list_section_items(parent=section)] == [w.team.name]


# ---------------------------------------------------------------- availability (added after the reference)


@scenario("GetAvailability")
async def get_availability(api: Api, w: World) -> None:
    availability = await api.get_availability(name=chat_grpc.availability_path("me"))
    assert isinstance(availability, availability_pb2.Availability)
    assert availability.name == chat_grpc.availability_path(w.alice.id)
    assert availability.state == availability_pb2.Availability.ACTIVE


@scenario("UpdateAvailability")
async def update_availability(api: Api, w: World) -> None:
    status = {"text": "At lunch", "emoji": {"unicode": "🍜"}, "ttl": {"seconds": 3600}}
    updated = await api.update_availability(availability={"name": "users/me/availability", "custom_status": status})
    assert updated.custom_status.text == "At lunch" and updated.custom_status.HasField("expire_time")
    assert mask(w.sent("UpdateAvailability")) == ["custom_status"]


@scenario("MarkAsActive")
async def mark_as_active(api: Api, w: World) -> None:
    w.as_(w.alice).mark_as_away(name="users/me/availability")
    active = await api.mark_as_active(name="users/me/availability", ttl={"seconds": 600})
    assert active.state == availability_pb2.Availability.ACTIVE


@scenario("MarkAsAway")
async def mark_as_away(api: Api, w: World) -> None:
    away = await api.mark_as_away(name=chat_grpc.availability_path(w.alice.id))
    assert away.state == availability_pb2.Availability.AWAY


@scenario("MarkAsDoNotDisturb")
async def mark_as_do_not_disturb(api: Api, w: World) -> None:
    until = w.chat.clock.now() + timedelta(hours=2)
    dnd = await api.mark_as_do_not_disturb(name="users/me/availability", expire_time=stamp(until))
    assert dnd.state == availability_pb2.Availability.DO_NOT_DISTURB
    assert dnd.do_not_disturb_metadata.expiration_time.ToDatetime(tzinfo=UTC) == until.replace(
        microsecond=until.microsecond
    )


# ------------------------------------------------------------------------------------------------ the table, run


SERVED = [rpc for rpc in RPCS if rpc.name in HANDLERS]
CASES = [
    pytest.param(rpc, who, flavor, id=f"{rpc.name}-{who}-{flavor}")
    for rpc in SERVED
    for who in SCENARIOS[rpc.name].callers
    for flavor in FLAVORS
]


def test_there_is_a_scenario_for_every_rpc_and_every_kind_of_caller_it_accepts() -> None:
    assert len(RPCS) == 52
    assert set(SCENARIOS) == {rpc.name for rpc in SERVED} == {rpc.name for rpc in RPCS}
    for name, case in SCENARIOS.items():
        policy = POLICIES[name]
        accepted = {"user"} if policy.user or policy.admin else set()
        accepted |= {"app"} if policy.app else set()
        assert set(case.callers) == accepted, name
    assert len(CASES) == 2 * sum(len(case.callers) for case in SCENARIOS.values())


@pytest.mark.parametrize("rpc", [rpc for rpc in RPCS if rpc.name not in HANDLERS] or [None])
def test_an_rpc_the_fake_does_not_serve_yet_is_unimplemented_through_both_clients(rpc: Any, world: World) -> None:
    if rpc is None:
        assert set(HANDLERS) == {r.name for r in RPCS}
        return
    for flavor in FLAVORS:
        with pytest.raises(chat_grpc.Unimplemented):
            drive(flavor, world.wire.address, lambda api: getattr(api, rpc.method)(), token=world.token())


@pytest.mark.parametrize(("rpc", "who", "flavor"), CASES)
def test_every_rpc(rpc: Rpc[Any, Any], who: str, flavor: str, world: World) -> None:
    world.who = who
    drive(flavor, world.wire, lambda api: SCENARIOS[rpc.name].run(api, world), token=world.token())

    calls = world.wire.calls(rpc.name)
    assert calls, f"{rpc.name} never reached the server"
    for call in calls:
        token = call.metadata["authorization"].removeprefix("Bearer ")
        credentials = world.chat.tokens.lookup(token, world.chat.store)
        assert credentials.principal_id == world.me.id
        assert credentials.kind is (AuthKind.APP if who == "app" else AuthKind.USER)
        assert "chat-grpc/" in call.metadata["x-goog-api-client"]
        routing = field_value(call.request, rpc.routing) if rpc.routing else ""
        if routing and world.wire.transport == "grpc" and not rpc.media_upload:
            assert call.metadata[ROUTING_HEADER] == urlencode({rpc.routing: routing}, safe="/")
        else:
            assert ROUTING_HEADER not in call.metadata  # over HTTP (REST, media), the URL carries the resource name
        if rpc.request_id:
            assert call.request.request_id  # generated by the client
    # Only the RPC under test, all answered.
    assert all(s.rpc == rpc.name and s.answered for s in world.wire.seen)


# ------------------------------------------------------------------------------------------------ pagination


@pytest.mark.parametrize("flavor", FLAVORS)
def test_items_across_pages_keep_the_request(flavor: str, world: World) -> None:
    for i in range(5):
        user = world.chat.store.add_user(f"member{i}@example.com", f"Member {i}")
        world.as_(world.alice).create_membership(
            parent=world.team, membership={"member": {"name": user.name, "type": "HUMAN"}}
        )
    expected = [
        m.name
        for m in world.as_(world.alice).list_memberships(
            parent=world.team, filter='member.type = "HUMAN"', page_size=100
        )
    ]
    assert len(expected) == 7

    async def body(api: Api) -> tuple[list[str], int]:
        pager = await api.pager("list_memberships", parent=world.team, filter='member.type = "HUMAN"', page_size=3)
        assert pager.pages_fetched == 1 and len(world.wire.requests("ListMemberships")) == 1  # the first page only
        names = [m.name for m in await api.items(pager)]
        return names, pager.pages_fetched

    names, fetched = drive(flavor, world.wire, body, token=world.token())
    assert names == expected and fetched == 3
    requests = world.wire.requests("ListMemberships")
    assert [(r.parent, r.filter, r.page_size) for r in requests] == [(world.team.name, 'member.type = "HUMAN"', 3)] * 3
    assert requests[0].page_token == "" and all(r.page_token for r in requests[1:])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_pages_are_whole_responses_chained_by_their_tokens(flavor: str, world: World) -> None:
    for text in "abcde":
        world.post(world.bob, text)
    pages = drive(
        flavor,
        world.wire,
        lambda api: api.pages(
            "list_messages", parent=world.team, page_size=2, filter='create_time > "2000-01-01T00:00:00Z"'
        ),
        token=world.token(),
    )
    assert all(isinstance(p, message_pb2.ListMessagesResponse) for p in pages)
    assert [[m.text for m in p.messages] for p in pages] == [["a", "b"], ["c", "d"], ["e"]]
    requests = world.wire.requests("ListMessages")
    assert [r.page_token for r in requests] == ["", pages[0].next_page_token, pages[1].next_page_token]
    assert {(r.parent, r.page_size, r.filter) for r in requests} == {
        (world.team.name, 2, 'create_time > "2000-01-01T00:00:00Z"')
    }
    assert pages[-1].next_page_token == ""


# ------------------------------------------------------------------------------------------------ update masks


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_computed_mask_goes_one_level_down_into_permission_settings(flavor: str, world: World) -> None:
    settings = {"manage_apps": {"managers_allowed": True, "members_allowed": False}}
    updated = drive(
        flavor,
        world.wire,
        lambda api: api.update_space(space={"name": world.team.name, "permission_settings": settings}),
        token=world.token(),
    )
    assert mask(world.sent("UpdateSpace")) == ["permission_settings.manage_apps"]
    apps = updated.permission_settings.manage_apps
    assert (apps.managers_allowed, apps.members_allowed) == (True, False)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    "explicit", ["display_name", ["display_name"], field_mask_pb2.FieldMask(paths=["display_name"])]
)
def test_an_explicit_mask_is_sent_as_given(flavor: str, explicit: Any, world: World) -> None:
    space = {"name": world.team.name, "display_name": "Renamed", "space_details": {"description": "not sent"}}
    updated = drive(
        flavor,
        world.wire,
        lambda api: api.update_space(space=space, update_mask=explicit),
        token=world.token(),
    )
    assert mask(world.sent("UpdateSpace")) == ["display_name"]
    assert (updated.display_name, updated.space_details.description) == ("Renamed", "")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_update_request_message_is_sent_as_given(flavor: str, world: World) -> None:
    own = world.post(world.alice, "Draft")
    request = message_pb2.UpdateMessageRequest(
        message=message_pb2.Message(name=own.name, text="Final"), update_mask=field_mask_pb2.FieldMask(paths=["text"])
    )
    updated = drive(flavor, world.wire, lambda api: api.update_message(request), token=world.token())
    assert updated.text == "Final" and world.sent("UpdateMessage") == request


# ------------------------------------------------------------------------------------------------ request ids


CREATES = {
    "CreateSpace": lambda api, w: api.create_space(space={"space_type": "SPACE", "display_name": "Once"}),
    "SetUpSpace": lambda api, w: api.set_up_space(space={"space_type": "SPACE", "display_name": "Once"}),
    "CreateMessage": lambda api, w: api.create_message(parent=w.team, message={"text": "once"}),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("rpc", sorted(CREATES))
def test_a_create_whose_answer_was_lost_is_retried_and_creates_once(rpc: str, flavor: str, world: World) -> None:
    world.wire.fail(rpc, Fault(grpc.StatusCode.UNAVAILABLE, after=True))  # the servicer creates, the answer is lost
    created = drive(flavor, world.wire, lambda api: CREATES[rpc](api, world), token=world.token(), retry=FAST)

    first, second = world.wire.calls(rpc)
    assert first.answered and second.answered
    assert first.request.request_id and first.request.request_id == second.request.request_id
    if rpc == "CreateMessage":
        assert [m.name for m in world.as_(world.alice).list_messages(parent=world.team)] == [created.name]
    else:
        spaces = world.as_(world.alice).list_spaces()
        assert [s.name for s in spaces if s.display_name == "Once"] == [created.name]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_without_a_request_id_a_lost_answer_would_have_created_twice(flavor: str, world: World) -> None:
    """The control experiment: the same lost answer with two different request ids makes two spaces."""
    world.wire.fail("CreateSpace", Fault(after=True))

    async def body(api: Api) -> None:
        with pytest.raises(Unavailable):
            await api.create_space(space={"space_type": "SPACE", "display_name": "Twice A"}, retry=None)
        await api.create_space(space={"space_type": "SPACE", "display_name": "Twice B"})

    drive(flavor, world.wire, body, token=world.token())
    first, second = world.wire.requests("CreateSpace")
    assert first.request_id != second.request_id
    assert sorted(s.display_name for s in world.as_(world.alice).list_spaces()) == ["Team", "Twice A", "Twice B"]


# ------------------------------------------------------------------------------------------------ errors


def _invalid(api: Api, w: World) -> Awaitable[Any]:
    return api.create_space(space={"space_type": "SPACE"})


def _not_found(api: Api, w: World) -> Awaitable[Any]:
    return api.get_space(name="spaces/AAAAmissing")


def _permission_denied(api: Api, w: World) -> Awaitable[Any]:
    return api.list_messages(parent=w.team)  # ListMessages takes user authentication only


def _already_exists(api: Api, w: World) -> Awaitable[Any]:
    return api.create_membership(parent=w.team, membership={"member": {"name": w.bob.name, "type": "HUMAN"}})


def _failed_precondition(api: Api, w: World) -> Awaitable[Any]:
    root = w.post(
        w.alice,
        "root",
        message={"thread": {"thread_key": "k"}},
        message_reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
    )
    w.post(w.bob, "reply", message={"thread": {"name": root.thread.name}}, message_reply_option="REPLY_MESSAGE_OR_FAIL")
    return api.delete_message(name=root)


ERRORS = [
    pytest.param("user", _invalid, InvalidArgument, "", ["space.display_name"], id="invalid-argument"),
    pytest.param("user", _not_found, NotFound, "", [], id="not-found"),
    pytest.param("app", _permission_denied, PermissionDenied, "APP_AUTH_NOT_SUPPORTED", [], id="permission-denied"),
    pytest.param("user", _already_exists, AlreadyExists, "", [], id="already-exists"),
    pytest.param("user", _failed_precondition, FailedPrecondition, "MESSAGE_HAS_REPLIES", [], id="failed-precondition"),
]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(("who", "call", "kind", "reason", "fields"), ERRORS)
def test_errors_carry_their_details(
    who: str, call: Callable[[Api, World], Awaitable[Any]], kind: type[Exception], reason: str, fields: list[str],
    flavor: str, world: World,
) -> None:  # fmt: skip

    async def body(api: Api) -> Any:
        with pytest.raises(kind) as raised:
            await call(api, world)
        return raised.value

    error = drive(flavor, world.wire, body, token=world.token(who))
    if world.wire.transport == "rest":
        assert isinstance(error.__cause__, httpx.HTTPStatusError)
        assert error.__cause__.response.status_code == HTTP_STATUS[error.code.name]
    else:
        assert isinstance(error.__cause__, grpc.RpcError) and error.__cause__.code() is error.code
    assert error.code is kind.grpc_status_code  # type: ignore[attr-defined]
    assert error.message and str(error).startswith(f"{error.code.name}: ")
    assert error.status is not None and error.status.code == error.code.value[0]
    assert error.error_info is not None and error.error_info.domain == "chat.googleapis.com" and error.reason
    if reason:
        assert error.reason == reason
    assert [v.field for v in error.field_violations] == fields
    if fields:
        assert all(v.description for v in error.field_violations)
    assert len(world.wire.seen) == 1  # errors are not retried


# ------------------------------------------------------------------------------------------------ retries


@pytest.mark.parametrize("flavor", FLAVORS)
def test_unavailable_is_retried_within_the_deadline(flavor: str, world: World) -> None:
    world.wire.fail("GetSpace", Fault(), Fault(), Fault())
    space = drive(flavor, world.wire, lambda api: api.get_space(name=world.team), token=world.token(), retry=FAST)
    assert space.name == world.team.name
    calls = world.wire.calls("GetSpace")
    assert len(calls) == 4 and [c.answered for c in calls] == [False, False, False, True]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_resource_exhausted_with_retry_info_waits_the_delay(flavor: str, world: World) -> None:
    world.wire.fail("ListSpaces", Fault(grpc.StatusCode.RESOURCE_EXHAUSTED, retry_delay=0.3))
    spaces = drive(flavor, world.wire, lambda api: api.list_spaces(), token=world.token(), retry=FAST)
    assert [s.name for s in spaces] == [world.team.name]
    first, second = world.wire.calls("ListSpaces")
    assert second.at - first.at >= 0.3  # the RetryInfo delay, not FAST's 10 ms

    world.wire.fail("ListSpaces", Fault(grpc.StatusCode.RESOURCE_EXHAUSTED))  # without RetryInfo: not retried

    async def body(api: Api) -> ResourceExhausted:
        with pytest.raises(ResourceExhausted) as raised:
            await api.list_spaces()
        return raised.value

    assert drive(flavor, world.wire, body, token=world.token(), retry=FAST).retry_info is None
    assert len(world.wire.calls("ListSpaces")) == 3


def _import_space(w: World) -> space_pb2.Space:
    space: space_pb2.Space = w.as_(w.alice).create_space(
        space={"space_type": "SPACE", "display_name": "Import", "import_mode": True}
    )
    return space


NOT_IDEMPOTENT: dict[str, Callable[[Api, World], Awaitable[Any]]] = {
    "CreateMembership": lambda api, w: api.create_membership(
        parent=w.team, membership={"member": {"name": w.chat.store.add_user("x@example.com").name, "type": "HUMAN"}}
    ),
    "CreateReaction": lambda api, w: api.create_reaction(
        parent=w.post(w.bob, "hi"), reaction={"emoji": {"unicode": "👍"}}
    ),
    "CreateCustomEmoji": lambda api, w: api.create_custom_emoji(custom_emoji=new_emoji(":never:")),
    "CompleteImportSpace": lambda api, w: api.complete_import_space(name=_import_space(w)),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("rpc", sorted(NOT_IDEMPOTENT))
def test_calls_that_are_not_idempotent_are_not_retried(rpc: str, flavor: str, world: World) -> None:
    """The servicer did the work and the answer was lost: a retry could do it twice, so there is none."""
    assert not BY_NAME[rpc].retryable
    world.wire.fail(rpc, Fault(after=True))

    async def body(api: Api) -> None:
        with pytest.raises(Unavailable):
            await NOT_IDEMPOTENT[rpc](api, world)

    drive(flavor, world.wire, body, token=world.token(), retry=FAST)
    (call,) = world.wire.calls(rpc)
    assert call.answered


@pytest.mark.parametrize("flavor", FLAVORS)
def test_retry_none_disables_retries_per_call_and_per_client(flavor: str, world: World) -> None:

    async def per_call(api: Api) -> None:
        with pytest.raises(Unavailable):
            await api.get_space(name=world.team, retry=None)
        assert (await api.get_space(name=world.team)).name == world.team.name  # the client's FAST policy

    world.wire.fail("GetSpace", Fault(), Fault())
    drive(flavor, world.wire, per_call, token=world.token(), retry=FAST)
    assert len(world.wire.calls("GetSpace")) == 3

    async def per_client(api: Api) -> None:
        with pytest.raises(Unavailable):
            await api.get_space(name=world.team)
        assert (await api.get_space(name=world.team, retry=FAST)).name == world.team.name

    world.wire.fail("GetSpace", Fault(), Fault())
    drive(flavor, world.wire, per_client, token=world.token(), retry=None)
    assert len(world.wire.calls("GetSpace")) == 6


@pytest.mark.parametrize("flavor", FLAVORS)
def test_the_deadline_bounds_every_attempt_and_sleep(flavor: str, world: World) -> None:
    world.wire.fail("GetSpace", *[Fault()] * 1000)
    patient = RetryPolicy(initial=0.1, maximum=0.1, jitter=False, max_attempts=1000)

    async def body(api: Api) -> float:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await api.get_space(name=world.team, timeout=0.75)
        return time.monotonic() - started

    elapsed = drive(flavor, world.wire, body, token=world.token(), retry=patient)
    # Without the deadline the policy would go on for 1000 attempts (~100 s); 0.25 s is scheduling slack on a
    # loaded 2-core machine (the error is raised just after the deadline passes).
    assert elapsed < 0.75 + 0.25
    calls = world.wire.calls("GetSpace")
    assert 4 <= len(calls) <= 8 and calls[-1].at - calls[0].at < 0.75


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_slow_server_meets_the_deadline(flavor: str, world: World) -> None:
    """A deadline that runs out while the servicer works ends the call with DeadlineExceeded, not a retry."""
    store_lock = world.chat.store._lock  # type: ignore[attr-defined]

    async def body(api: Api) -> float:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            await api.get_space(name=world.team, timeout=0.3)
        return time.monotonic() - started

    with store_lock:  # the servicer waits for the store
        elapsed = drive(flavor, world.wire, body, token=world.token(), retry=FAST)
    assert 0.25 <= elapsed < 1.0
    assert len(world.wire.calls("GetSpace")) == 1
