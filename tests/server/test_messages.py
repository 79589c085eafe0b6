"""The message RPCs through the real gRPC channel: CreateMessage, GetMessage, ListMessages, UpdateMessage,
DeleteMessage and GetAttachment.

The rules are those of chat-api-facts §3-§7 and of the API reference (spec/004: Message, CreateMessageRequest,
MessageReplyOption, ListMessagesRequest, UpdateMessageRequest, DeleteMessageRequest, DeletionMetadata,
Attachment, Thread, Annotation). Every documented error is asserted with its status code and a message naming
the field or the problem; errors that share a shape are tables.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import grpc
import pytest
from google.apps.card.v1 import card_pb2
from google.chat.v1 import (
    annotation_pb2,
    attachment_pb2,
    contextual_addon_pb2,
    deletion_metadata_pb2,
    membership_pb2,
    message_pb2,
    space_pb2,
    space_setup_pb2,
    user_pb2,
)
from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.fake.store import Actor, AuthKind
from chat_grpc.fake.store.message_records import MessageContent, NewMessage
from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

M = message_pb2.Message
S = space_pb2.Space
Thread = message_pb2.Thread
CreateRequest = message_pb2.CreateMessageRequest
UNSPECIFIED = CreateRequest.MessageReplyOption.MESSAGE_REPLY_OPTION_UNSPECIFIED
FALLBACK = CreateRequest.MessageReplyOption.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD
OR_FAIL = CreateRequest.MessageReplyOption.REPLY_MESSAGE_OR_FAIL
Deletion = deletion_metadata_pb2.DeletionMetadata.DeletionType
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
MESSAGE_NAME = re.compile(r"spaces/[A-Za-z0-9]+/messages/[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{11}")
THREAD_NAME = re.compile(r"spaces/[A-Za-z0-9]+/threads/[A-Za-z0-9]+")
ErrorCheck = Callable[..., grpc.RpcError]


# ------------------------------------------------------------------ helpers


def sid(space: S) -> str:
    return space.name.split("/", 1)[1]


def ts(when: datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(when)
    return value


def when(timestamp: timestamp_pb2.Timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def card(title: str, card_id: str = "") -> message_pb2.CardWithId:
    return message_pb2.CardWithId(card_id=card_id, card=card_pb2.Card(header=card_pb2.Card.CardHeader(title=title)))


def widget(label: str) -> message_pb2.AccessoryWidget:
    link = card_pb2.OnClick(open_link=card_pb2.OpenLink(url=f"https://example.com/{label}"))
    return message_pb2.AccessoryWidget(
        button_list=card_pb2.ButtonList(buttons=[card_pb2.Button(text=label, on_click=link)])
    )


def attached(token: str) -> attachment_pb2.Attachment:
    return attachment_pb2.Attachment(
        attachment_data_ref=attachment_pb2.AttachmentDataRef(attachment_upload_token=token)
    )


def viewer(name: str) -> user_pb2.User:
    return user_pb2.User(name=name)


def send(
    call: Caller, who: Any, space: S, message: M | str = "hello", *, app: Any = None, scopes: Any = None, **request: Any
) -> M:
    """CreateMessage in ``space`` as ``who``; ``request`` holds the other CreateMessageRequest fields."""
    options = {key: value for key, value in (("app", app), ("scopes", scopes)) if value is not None}
    body = M(text=message) if isinstance(message, str) else message
    return call("CreateMessage", CreateRequest(parent=space.name, message=body, **request), as_=who, **options)


def get(call: Caller, who: Any, name: str, **options: Any) -> M:
    return call("GetMessage", message_pb2.GetMessageRequest(name=name), as_=who, **options)


def page(call: Caller, who: Any, space: S, **fields: Any) -> message_pb2.ListMessagesResponse:
    return call("ListMessages", message_pb2.ListMessagesRequest(parent=space.name, **fields), as_=who)


def pages(call: Caller, who: Any, space: S, **fields: Any) -> list[list[str]]:
    """The texts of every page of ListMessages."""
    result: list[list[str]] = []
    token = fields.pop("page_token", "")
    while True:
        response = page(call, who, space, page_token=token, **fields)
        result.append([m.text for m in response.messages])
        token = response.next_page_token
        if not token:
            return result


def texts(call: Caller, who: Any, space: S, **fields: Any) -> list[str]:
    return [text for texts_of_page in pages(call, who, space, **fields) for text in texts_of_page]


def update(call: Caller, who: Any, message: M, *paths: str, allow_missing: bool = False, **options: Any) -> M:
    request = message_pb2.UpdateMessageRequest(message=message, update_mask=mask(*paths), allow_missing=allow_missing)
    return call("UpdateMessage", request, as_=who, **options)


def delete(call: Caller, who: Any, name: str, *, force: bool = False, **options: Any) -> None:
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=name, force=force), as_=who, **options)


def message_events(chat: ChatServer, space: S) -> list[tuple[str, str]]:
    """(created | updated | deleted, message name) of the space's message events, oldest first."""
    prefix = "google.workspace.chat.message.v1."
    return [
        (e.event_type.removeprefix(prefix), e.resource_name)
        for e in chat.store.events(sid(space))
        if e.event_type.startswith(prefix)
    ]


def add_apps(call: Caller, ws: Workspace, space: S, *apps: Any) -> None:
    """alice, through tokens issued to each app, adds the apps to ``space``."""
    add_apps_as(call, ws.alice, space, *apps)


def add_apps_as(call: Caller, who: Any, space: S, *apps: Any) -> None:
    """``who``, through tokens issued to each app, adds the apps to ``space``."""
    bot = membership_pb2.Membership(member=user_pb2.User(name="users/app", type=user_pb2.User.BOT))
    for app in apps:
        call("CreateMembership", membership_request(space, bot), as_=who, app=app)


def membership_request(space: S, membership: membership_pb2.Membership) -> membership_pb2.CreateMembershipRequest:
    return membership_pb2.CreateMembershipRequest(parent=space.name, membership=membership)


def set_up(call: Caller, who: Any, space_type: int, *members: str) -> S:
    request = space_setup_pb2.SetUpSpaceRequest(space=S(space_type=space_type), memberships=[human(m) for m in members])
    return call("SetUpSpace", request, as_=who)


def listed_spaces(call: Caller, who: Any) -> list[str]:
    return [s.name for s in call("ListSpaces", space_pb2.ListSpacesRequest(page_size=1000), as_=who).spaces]


def seed(chat: ChatServer, who: Any, space: S, count: int, prefix: str = "m") -> None:
    """Many messages at once, straight through the store (the RPC path is tested elsewhere)."""
    actor = Actor(who, AuthKind.USER, frozenset({"chat.messages"}))
    items = (NewMessage(MessageContent(text=f"{prefix}{i:04d}")) for i in range(count))
    chat.store.messages.create_many(actor, sid(space), items)


def expect(
    rpc_error: ErrorCheck,
    code: grpc.StatusCode,
    rpc: str,
    request: Any,
    *,
    match: str,
    field: str | None = None,
    **kw: Any,
) -> grpc.RpcError:
    error = rpc_error(code, rpc, request, match=match, **kw)
    assert_details(error, field=field)
    return error


@pytest.fixture
def room(call: Caller, ws: Workspace, team: S) -> S:
    """``team`` (alice manager, bob member) with both Chat apps joined."""
    add_apps(call, ws, team, ws.app, ws.other_app)
    return team


# ------------------------------------------------------------------ CreateMessage: content and sender


def test_create_text_message_with_user_authentication(
    call: Caller, chat: ChatServer, ws: Workspace, team: S, clock: ManualClock
) -> None:
    start = clock.now()
    message = send(call, ws.bob, team, M(text="Hello *team*", name="spaces/x/messages/mine", thread_reply=True))
    assert MESSAGE_NAME.fullmatch(message.name) and message.name.startswith(team.name + "/messages/")
    assert message.sender == user_pb2.User(name=ws.bob.name, type=user_pb2.User.HUMAN)
    assert (message.text, message.formatted_text, message.argument_text) == ("Hello *team*",) * 3
    assert when(message.create_time) >= start and not message.HasField("last_update_time")
    assert not message.HasField("delete_time") and not message.HasField("deletion_metadata")
    assert THREAD_NAME.fullmatch(message.thread.name) and message.thread.name.startswith(team.name + "/threads/")
    assert message.space == S(name=team.name)  # only the name
    assert not message.thread_reply and not message.client_assigned_message_id  # output-only input ignored
    assert get(call, ws.alice, message.name) == message
    assert message_events(chat, team) == [("created", message.name)]


def test_a_user_token_issued_to_an_app_still_sends_as_the_user(call: Caller, ws: Workspace, room: S) -> None:
    message = send(call, ws.alice, room, "from the app's OAuth client", app=ws.app)
    assert message.sender == user_pb2.User(name=ws.alice.name, type=user_pb2.User.HUMAN)


def test_create_message_as_app_with_cards_and_accessory_widgets(call: Caller, ws: Workspace, room: S) -> None:
    body = M(
        text="Build report",
        cards_v2=[card("Passed", "summary"), card("Details", "details")],
        accessory_widgets=[widget("Open")],
        fallback_text="Build passed",
    )
    message = send(call, ws.app, room, body)
    assert message.sender == user_pb2.User(name=ws.app.name, type=user_pb2.User.BOT)
    assert list(message.cards_v2) == list(body.cards_v2)
    assert list(message.accessory_widgets) == list(body.accessory_widgets)
    assert message.fallback_text == "Build passed"
    assert get(call, ws.bob, message.name) == message
    # One card needs no card_id; cards alone (no text) are a message.
    assert send(call, ws.app, room, M(cards_v2=[card("Solo")])).cards_v2[0].card.header.title == "Solo"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        pytest.param("x" * 31_990, True, id="ascii-under-limit"),
        pytest.param("x" * 32_001, False, id="ascii-over-limit"),
        pytest.param("é" * 15_990, True, id="two-byte-under-limit"),
        pytest.param("é" * 16_001, False, id="two-byte-over-limit"),  # 16,001 characters, 32,002 bytes
    ],
)
def test_the_32000_byte_limit_counts_bytes(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S, text: str, ok: bool
) -> None:
    if ok:
        assert send(call, ws.alice, team, text).text == text
    else:
        error = expect(
            rpc_error,
            INVALID,
            "CreateMessage",
            CreateRequest(parent=team.name, message=M(text=text)),
            as_=ws.alice,
            match="32,000",
            field="message",
        )
        assert "bytes" in (error.details() or "")


def test_the_32000_byte_limit_includes_cards(call: Caller, rpc_error: ErrorCheck, ws: Workspace, room: S) -> None:
    body = M(text="x" * 20_000, cards_v2=[card("y" * 13_000)])
    rpc_error(INVALID, "CreateMessage", CreateRequest(parent=room.name, message=body), as_=ws.app, match="32,000")


X = M(text="x")
V1_CARD = contextual_addon_pb2.ContextualAddOnMarkup.Card()
KEY_4001 = "k" * 4001


def req(space: S, message: M | None = X, **fields: Any) -> CreateRequest:
    return CreateRequest(parent=space.name, message=message, **fields)


def private(user: str, **fields: Any) -> M:
    return M(text="x", private_message_viewer=viewer(user), **fields)


def reply_to(space: S, thread: Thread, option: int = FALLBACK) -> CreateRequest:
    return req(space, M(text="x", thread=thread), message_reply_option=option)


# (caller, build(ws, space) -> a Message to post or a whole request, code, text in the message, field, id)
CREATE_ERROR_ROWS: list[tuple[str, Callable[[Workspace, S], Any], grpc.StatusCode, str, str | None, str]] = [
    ("alice", lambda w, s: CreateRequest(message=X), INVALID, "parent", "parent", "no-parent"),
    ("alice", lambda w, s: CreateRequest(parent="rooms/x", message=X), INVALID, "parent", "parent", "malformed-parent"),
    ("alice", lambda w, s: req(s, None), INVALID, "message is required", "message", "no-message"),
    ("alice", lambda w, s: M(), INVALID, "message is empty", "message.text", "empty-message"),
    ("alice", lambda w, s: M(fallback_text="f"), INVALID, "message is empty", "message.text", "only-fallback-text"),
    ("alice", lambda w, s: M(text="x", cards_v2=[card("c")]), INVALID, "app authentication", "message.cards_v2",
     "user-cards-v2"),
    ("alice", lambda w, s: M(text="x", accessory_widgets=[widget("w")]), INVALID, "app authentication",
     "message.accessory_widgets", "user-accessory-widgets"),
    ("alice", lambda w, s: M(text="x", cards=[V1_CARD]), INVALID, "app authentication", "message.cards",
     "user-cards-v1"),
    ("app", lambda w, s: M(text="x", cards=[V1_CARD]), INVALID, "cards_v2", "message.cards", "app-cards-v1"),
    ("app", lambda w, s: M(cards_v2=[card("a"), card("b")]), INVALID, "card_id", "message.cards_v2.card_id",
     "two-cards-without-ids"),
    ("app", lambda w, s: M(cards_v2=[card("a", "c1"), card("b")]), INVALID, "card_id", "message.cards_v2.card_id",
     "two-cards-one-id"),
    ("app", lambda w, s: M(cards_v2=[card("a", "c1"), card("b", "c1")]), INVALID, "card_id",
     "message.cards_v2.card_id", "two-cards-same-id"),
    ("alice", lambda w, s: req(s, message_id="custom-name"), INVALID, "client-", "message_id", "id-without-prefix"),
    ("alice", lambda w, s: req(s, message_id="client-Upper"), INVALID, "client-", "message_id", "id-uppercase"),
    ("alice", lambda w, s: req(s, message_id="client-a_b"), INVALID, "client-", "message_id", "id-underscore"),
    ("alice", lambda w, s: req(s, message_id="client-" + "a" * 57), INVALID, "63", "message_id", "id-64-characters"),
    ("alice", lambda w, s: req(s, message_id="client-"), INVALID, "client-", "message_id", "id-prefix-only"),
    ("alice", lambda w, s: reply_to(s, Thread(name="threads/1")), INVALID, "message.thread.name",
     "message.thread.name", "malformed-thread-name"),
    ("alice", lambda w, s: reply_to(s, Thread(name="spaces/other/threads/t")), INVALID, "message.thread.name",
     "message.thread.name", "thread-of-another-space"),
    ("app", lambda w, s: reply_to(s, Thread(thread_key=KEY_4001)), INVALID, "4001", "message.thread.thread_key",
     "thread-key-4001"),
    ("app", lambda w, s: req(s, thread_key=KEY_4001, message_reply_option=FALLBACK), INVALID, "4001", "thread_key",
     "deprecated-thread-key-4001"),
    ("alice", lambda w, s: private(w.bob.name), INVALID, "app authentication", "message.private_message_viewer",
     "private-under-user-auth"),
    ("app", lambda w, s: private(w.erin.name), INVALID, "member", "message.private_message_viewer",
     "private-viewer-not-a-member"),
    ("app", lambda w, s: private(w.app.name), INVALID, "human", "message.private_message_viewer",
     "private-viewer-an-app"),
    ("app", lambda w, s: private("bob"), INVALID, "users/{user}", "message.private_message_viewer.name",
     "private-viewer-malformed"),
    ("app", lambda w, s: private(w.bob.name, accessory_widgets=[widget("w")]), INVALID, "accessory widgets",
     "message.private_message_viewer", "private-with-widgets"),
    ("app", lambda w, s: private(w.bob.name, attachment=[attached("upload-x")]), INVALID, "attachments",
     "message.private_message_viewer", "private-with-attachment"),
    ("alice", lambda w, s: M(text="x", attachment=[attached("upload-nope")]), INVALID, "upload-nope",
     "message.attachment", "unknown-upload-token"),
    ("alice", lambda w, s: M(text="x", attachment=[attachment_pb2.Attachment()]), INVALID, "attachment_upload_token",
     "message.attachment[0].attachment_data_ref.attachment_upload_token", "attachment-without-token"),
    ("app", lambda w, s: reply_to(s, Thread(name=f"{s.name}/threads/nope"), OR_FAIL), NOT_FOUND, "not found", None,
     "or-fail-unknown-thread"),
    ("app", lambda w, s: req(s, message_reply_option=OR_FAIL), NOT_FOUND, "REPLY_MESSAGE_OR_FAIL", None,
     "or-fail-without-a-thread"),
    ("erin", lambda w, s: X, NOT_FOUND, "not found", None, "non-member"),
    ("dave", lambda w, s: X, NOT_FOUND, "not found", None, "other-organization"),
    ("alice", lambda w, s: CreateRequest(parent="spaces/AAAAnothere", message=X), NOT_FOUND, "not found", None,
     "unknown-space"),
]  # fmt: skip
CREATE_ERRORS = [pytest.param(*row[:-1], id=row[-1]) for row in CREATE_ERROR_ROWS]


@pytest.mark.parametrize(("who", "build", "code", "match", "field"), CREATE_ERRORS)
def test_create_message_errors(
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    room: S,
    who: str,
    build: Callable[[Workspace, S], Any],
    code: grpc.StatusCode,
    match: str,
    field: str | None,
) -> None:
    built = build(ws, room)
    request = req(room, built) if isinstance(built, M) else built
    expect(rpc_error, code, "CreateMessage", request, as_=getattr(ws, who), match=match, field=field)
    assert chat.store.messages.count(sid(room)) == 0
    assert message_events(chat, room) == []


@pytest.mark.parametrize(
    ("who", "options", "match"),
    [
        pytest.param("alice", {"scopes": ["chat.messages.readonly"]}, "OAuth scopes", id="readonly-scope"),
        pytest.param("alice", {"scopes": ["chat.import"]}, "import mode", id="import-scope-outside-import-mode"),
        pytest.param("app", {"scopes": ["chat.app.spaces"]}, "OAuth scopes", id="app-without-chat-bot"),
    ],
)
def test_create_message_scopes(
    rpc_error: ErrorCheck, ws: Workspace, room: S, who: str, options: dict[str, Any], match: str
) -> None:
    request = CreateRequest(parent=room.name, message=M(text="x"))
    rpc_error(DENIED, "CreateMessage", request, as_=getattr(ws, who), match=match, **options)


@pytest.mark.parametrize("scopes", [["chat.messages.create"], ["chat.messages"], ["chat.bot"]])
def test_create_message_with_each_accepted_scope(call: Caller, ws: Workspace, room: S, scopes: list[str]) -> None:
    who = ws.app if scopes == ["chat.bot"] else ws.alice
    assert send(call, who, room, "ok", scopes=scopes).text == "ok"


def test_an_app_that_is_not_a_member_cannot_post(call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S) -> None:
    rpc_error(
        NOT_FOUND, "CreateMessage", CreateRequest(parent=team.name, message=M(text="x")), as_=ws.app, match="not found"
    )


def test_an_invited_user_cannot_post_until_joined(call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S) -> None:
    call("CreateMembership", membership_request(team, human(ws.carol.name)), as_=ws.alice)  # auto-accept off: INVITED
    error = rpc_error(
        DENIED, "CreateMessage", CreateRequest(parent=team.name, message=M(text="x")), as_=ws.carol, match="not joined"
    )
    assert_details(error, reason="NOT_A_MEMBER")


# ------------------------------------------------------------------ client-assigned ids and request ids


def test_client_assigned_id_names_the_message_in_get_update_and_delete(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, room: S, team: S
) -> None:
    created = send(call, ws.app, room, "standup", message_id="client-standup-1")
    assert created.client_assigned_message_id == "client-standup-1"
    assert MESSAGE_NAME.fullmatch(created.name)  # the name keeps the server-assigned id
    alias = f"{room.name}/messages/client-standup-1"
    assert get(call, ws.bob, alias) == created
    edited = update(call, ws.app, M(name=alias, text="standup at 10"), "text")
    assert (edited.name, edited.text, edited.client_assigned_message_id) == (
        created.name,
        "standup at 10",
        "client-standup-1",
    )
    # Unique within the space, whoever asks (another app too).
    for who in (ws.app, ws.other_app, ws.alice):
        error = rpc_error(
            EXISTS,
            "CreateMessage",
            CreateRequest(parent=room.name, message=M(text="again"), message_id="client-standup-1"),
            as_=who,
            match="client-standup-1",
        )
        assert_details(error, reason="MESSAGE_ID_TAKEN")
    delete(call, ws.app, alias)
    assert get(call, ws.bob, alias).HasField("delete_time")
    rpc_error(
        EXISTS,
        "CreateMessage",
        CreateRequest(parent=room.name, message=M(text="again"), message_id="client-standup-1"),
        as_=ws.app,
        match="already exists",
    )  # a deleted message keeps its id
    # 63 characters is the longest id; another space may reuse an id.
    longest = "client-" + "a" * 56
    assert send(call, ws.alice, room, "long", message_id=longest).client_assigned_message_id == longest
    other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.alice)
    assert send(call, ws.alice, other, "x", message_id="client-standup-1").client_assigned_message_id
    assert [kind for kind, name in message_events(chat, room) if name == created.name] == [
        "created",
        "updated",
        "deleted",
    ]


def test_request_id_returns_the_message_created_first(call: Caller, chat: ChatServer, ws: Workspace, team: S) -> None:
    first = send(call, ws.alice, team, "once", request_id="req-1")
    again = send(call, ws.alice, team, "a retry with other text", request_id="req-1")
    assert again == first and again.text == "once"
    assert chat.store.messages.count(sid(team)) == 1 and len(message_events(chat, team)) == 1
    # A new id is a new message; request ids are per caller (another user's same id is another request).
    assert send(call, ws.alice, team, "twice", request_id="req-2").name != first.name
    assert send(call, ws.bob, team, "bob's", request_id="req-1").name != first.name
    assert chat.store.messages.count(sid(team)) == 3


def test_request_id_from_eight_threads_creates_one_message(
    call: Caller, chat: ChatServer, ws: Workspace, room: S
) -> None:
    token = chat.token_for(ws.app)
    barrier = threading.Barrier(8)
    request = CreateRequest(parent=room.name, message=M(text="race"), request_id="race-1", message_id="client-race")

    def post(_: int) -> str:
        barrier.wait(timeout=10)
        return str(call("CreateMessage", request, token=token).name)

    with ThreadPoolExecutor(8) as pool:
        results = set(pool.map(post, range(8)))
    assert len(results) == 1
    assert [m.name for m in chat.store.messages.all(sid(room))] == list(results)
    assert message_events(chat, room) == [("created", results.pop())]


# ------------------------------------------------------------------ threads


def thread_request(ws: Workspace, space: S, root: M, how: str, option: int) -> CreateRequest:
    threads = {
        "thread.name": Thread(name=root.thread.name),
        "thread.thread_key": Thread(thread_key="standup"),
        "unknown thread.name": Thread(name=f"{space.name}/threads/nosuchthread"),
        "new thread_key": Thread(thread_key="retro"),
        "nothing": None,
    }
    if how == "request.thread_key":
        return CreateRequest(
            parent=space.name, message=M(text="reply"), thread_key="standup", message_reply_option=option
        )
    return CreateRequest(parent=space.name, message=M(text="reply", thread=threads[how]), message_reply_option=option)


@pytest.mark.parametrize(
    ("option", "how", "outcome"),
    [
        (UNSPECIFIED, "thread.name", "new"),
        (UNSPECIFIED, "thread.thread_key", "new"),
        (UNSPECIFIED, "request.thread_key", "new"),
        (FALLBACK, "thread.name", "reply"),
        (FALLBACK, "thread.thread_key", "reply"),
        (FALLBACK, "request.thread_key", "reply"),  # deprecated, same meaning
        (FALLBACK, "unknown thread.name", "new"),
        (FALLBACK, "new thread_key", "new keyed"),
        (FALLBACK, "nothing", "new"),
        (OR_FAIL, "thread.name", "reply"),
        (OR_FAIL, "thread.thread_key", "reply"),
        (OR_FAIL, "request.thread_key", "reply"),
        (OR_FAIL, "unknown thread.name", "NOT_FOUND"),
        (OR_FAIL, "new thread_key", "new keyed"),  # a new key creates the thread
        (OR_FAIL, "nothing", "NOT_FOUND"),
    ],
)
def test_message_reply_options(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, room: S, option: int, how: str, outcome: str
) -> None:
    root = send(call, ws.app, room, M(text="root", thread=Thread(thread_key="standup")), message_reply_option=FALLBACK)
    assert not root.thread_reply
    request = thread_request(ws, room, root, how, option)
    if outcome == "NOT_FOUND":
        rpc_error(NOT_FOUND, "CreateMessage", request, as_=ws.app, match="thread")
        assert chat.store.messages.count(sid(room)) == 1
        return
    message = call("CreateMessage", request, as_=ws.app)
    if outcome == "reply":
        assert message.thread.name == root.thread.name and message.thread_reply
        return
    assert message.thread.name != root.thread.name and not message.thread_reply
    follow_up = send(
        call, ws.app, room, M(text="more", thread=Thread(thread_key="retro")), message_reply_option=FALLBACK
    )
    assert (follow_up.thread.name == message.thread.name) is (outcome == "new keyed")


def test_thread_keys_are_scoped_per_app_and_humans_reply_by_thread_name(call: Caller, ws: Workspace, room: S) -> None:
    keyed = M(text="deploy", thread=Thread(thread_key="deploys"))
    mine = send(call, ws.app, room, keyed, message_reply_option=FALLBACK)
    theirs = send(call, ws.other_app, room, keyed, message_reply_option=FALLBACK)
    assert mine.thread.name != theirs.thread.name and not theirs.thread_reply  # same key, two apps: two threads
    again = send(call, ws.app, room, keyed, message_reply_option=FALLBACK)
    assert again.thread.name == mine.thread.name and again.thread_reply
    reply = send(call, ws.bob, room, M(text="👍", thread=Thread(name=theirs.thread.name)), message_reply_option=OR_FAIL)
    assert reply.thread.name == theirs.thread.name and reply.thread_reply
    assert reply.sender.type == user_pb2.User.HUMAN


@pytest.mark.parametrize("space_type", [S.GROUP_CHAT, S.DIRECT_MESSAGE])
def test_group_chats_and_dms_have_no_thread_replies_and_are_listed_after_their_first_message(
    call: Caller, ws: Workspace, space_type: int
) -> None:
    others = [ws.bob.name, ws.erin.name] if space_type == S.GROUP_CHAT else [ws.bob.name]
    conversation = set_up(call, ws.alice, space_type, *others)
    assert conversation.name not in listed_spaces(call, ws.alice)
    first = send(call, ws.alice, conversation, "hi")
    reply = send(
        call,
        ws.bob,
        conversation,
        M(text="re", thread=Thread(name=first.thread.name, thread_key="k")),
        message_reply_option=OR_FAIL,
    )
    assert not first.thread_reply and not reply.thread_reply  # message_reply_option: named spaces only
    assert reply.thread.name != first.thread.name
    assert conversation.name in listed_spaces(call, ws.alice)
    assert conversation.name in listed_spaces(call, ws.bob)
    space = call("GetSpace", space_pb2.GetSpaceRequest(name=conversation.name), as_=ws.alice)
    assert space.last_active_time == reply.create_time


def test_last_active_time_follows_the_newest_message(call: Caller, ws: Workspace, team: S, clock: ManualClock) -> None:
    before = call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.alice).last_active_time
    clock.advance(timedelta(hours=3))
    message = send(call, ws.bob, team, "later")
    after = call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.alice).last_active_time
    assert after == message.create_time and when(after) - when(before) >= timedelta(hours=3)


def test_announcement_space_members_reply_but_do_not_post(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    request = space_pb2.CreateSpaceRequest(space=new_space("News", predefined_permission_settings=S.ANNOUNCEMENT_SPACE))
    news = call("CreateSpace", request, as_=ws.alice)
    call("CreateMembership", membership_request(news, human(ws.bob.name)), as_=ws.alice)
    error = rpc_error(
        DENIED,
        "CreateMessage",
        CreateRequest(parent=news.name, message=M(text="me too")),
        as_=ws.bob,
        match="post messages",
    )
    assert_details(error, reason="SPACE_PERMISSION_DENIED")
    announcement = send(call, ws.alice, news, "Release on Friday")
    reply = send(
        call, ws.bob, news, M(text="🎉", thread=Thread(name=announcement.thread.name)), message_reply_option=FALLBACK
    )
    assert reply.thread_reply and reply.thread.name == announcement.thread.name
    # A reply option that ends up starting a thread is a post: refused.
    rpc_error(
        DENIED,
        "CreateMessage",
        CreateRequest(
            parent=news.name, message=M(text="x", thread=Thread(thread_key="new")), message_reply_option=FALLBACK
        ),
        as_=ws.bob,
        match="post messages",
    )


# ------------------------------------------------------------------ private messages, import mode


def test_private_message_is_seen_only_by_its_viewer_and_the_app(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace, room: S
) -> None:
    public = send(call, ws.alice, room, "public")
    private = send(call, ws.app, room, M(text="only for bob", private_message_viewer=viewer("users/bob@example.com")))
    assert private.private_message_viewer.name == ws.bob.name  # the email alias resolves to the id
    assert get(call, ws.bob, private.name) == private
    assert get(call, ws.app, private.name) == private
    for who in (ws.alice, ws.other_app):
        rpc_error(NOT_FOUND, "GetMessage", message_pb2.GetMessageRequest(name=private.name), as_=who, match="not found")
    assert texts(call, ws.bob, room) == ["public", "only for bob"]
    assert texts(call, ws.alice, room) == ["public"]
    rpc_error(
        NOT_FOUND, "DeleteMessage", message_pb2.DeleteMessageRequest(name=private.name), as_=ws.alice, match="not found"
    )  # even a manager does not see it
    assert public.private_message_viewer.name == ""


@pytest.mark.parametrize("scopes", [None, ["chat.import"]])
def test_create_time_is_honoured_only_in_import_mode(
    call: Caller, ws: Workspace, team: S, clock: ManualClock, scopes: list[str] | None
) -> None:
    historical = datetime(2021, 6, 1, 12, 30, tzinfo=UTC)
    request = space_pb2.CreateSpaceRequest(space=new_space("Imported", import_mode=True))
    imported = call("CreateSpace", request, as_=ws.alice)
    old = send(call, ws.alice, imported, M(text="from 2021", create_time=ts(historical)), scopes=scopes)
    assert when(old.create_time) == historical
    assert texts(call, ws.alice, imported) == ["from 2021"]
    now = send(call, ws.alice, team, M(text="today", create_time=ts(historical)))
    assert when(now.create_time).year == clock.now().year  # output only outside import mode


# ------------------------------------------------------------------ mentions and annotations


def test_mentions_become_names_with_user_mention_annotations(call: Caller, ws: Workspace, room: S) -> None:
    raw = f"Hi <users/{ws.bob.id}> and <users/erin@example.com>, ask <users/{ws.app.id}> now <users/nobody>"
    message = send(call, ws.alice, room, raw)
    assert message.text == "Hi @Bob and @Erin, ask @Helper Bot now <users/nobody>"
    assert message.formatted_text == raw  # the markup is kept
    assert message.argument_text == "Hi @Bob and @Erin, ask  now <users/nobody>"  # app mentions dropped
    mentions = [
        (a.type, a.start_index, a.length, a.user_mention.user.name, a.user_mention.user.type, a.user_mention.type)
        for a in message.annotations
    ]
    human_type, bot_type = user_pb2.User.HUMAN, user_pb2.User.BOT
    mention = annotation_pb2.UserMentionMetadata.MENTION
    assert mentions == [
        (annotation_pb2.USER_MENTION, 3, 4, ws.bob.name, human_type, mention),
        (annotation_pb2.USER_MENTION, 12, 5, ws.erin.name, human_type, mention),
        (annotation_pb2.USER_MENTION, 23, 11, ws.app.name, bot_type, mention),
    ]
    for a in message.annotations:
        assert message.text[a.start_index : a.start_index + a.length].startswith("@")


@pytest.mark.parametrize(
    ("raw", "text", "argument_text"),
    [
        pytest.param("<users/all> standup!", "@all standup!", "@all standup!", id="at-all"),
        pytest.param("<users/{app}> deploy now", "@Helper Bot deploy now", " deploy now", id="app-first"),
        pytest.param("line one\n  line two", "line one\n  line two", "line one\n  line two", id="layout-kept"),
    ],
)
def test_argument_text(call: Caller, ws: Workspace, room: S, raw: str, text: str, argument_text: str) -> None:
    message = send(call, ws.bob, room, raw.replace("{app}", ws.app.id))
    assert (message.text, message.argument_text) == (text, argument_text)


# ------------------------------------------------------------------ attachments and GetAttachment


def test_attachments_from_upload_tokens_and_get_attachment(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, room: S
) -> None:
    token = chat.store.messages.upload(sid(room), "report.pdf", "application/pdf")
    message = send(call, ws.bob, room, M(attachment=[attached(token)]))  # an attachment alone is a message
    (attachment,) = message.attachment
    assert attachment.name.startswith(message.name + "/attachments/")
    assert (attachment.content_name, attachment.content_type) == ("report.pdf", "application/pdf")
    assert attachment.source == attachment_pb2.Attachment.UPLOADED_CONTENT
    assert attachment.attachment_data_ref.resource_name.startswith(f"{room.name}/attachments/")
    assert attachment.thumbnail_uri and attachment.download_uri
    got = call("GetAttachment", attachment_pb2.GetAttachmentRequest(name=attachment.name), as_=ws.app)
    assert got == attachment
    # A token is used once, and only in the space it was uploaded to.
    rpc_error(
        INVALID,
        "CreateMessage",
        CreateRequest(parent=room.name, message=M(text="x", attachment=[attached(token)])),
        as_=ws.bob,
        match="message.attachment",
    )
    other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.bob)
    elsewhere = chat.store.messages.upload(sid(other), "notes.txt", "text/plain")
    expect(
        rpc_error,
        INVALID,
        "CreateMessage",
        CreateRequest(parent=room.name, message=M(text="x", attachment=[attached(elsewhere)])),
        as_=ws.bob,
        match=elsewhere,
        field="message.attachment",
    )
    assert send(call, ws.bob, other, M(attachment=[attached(elsewhere)])).attachment[0].content_name == "notes.txt"
    # A failed request uses up no token.
    kept = chat.store.messages.upload(sid(room), "a.png", "image/png")
    rpc_error(
        INVALID,
        "CreateMessage",
        CreateRequest(parent=room.name, message=M(text="x", attachment=[attached(kept), attached("upload-no")])),
        as_=ws.bob,
        match="upload-no",
    )
    assert send(call, ws.bob, room, M(attachment=[attached(kept)])).attachment[0].content_name == "a.png"


GET_ATTACHMENT_ERRORS = [
    pytest.param("alice", lambda a: a, DENIED, "app authentication", None, id="user-auth"),
    pytest.param("app", lambda a: a.rsplit("/", 1)[0] + "/nope", NOT_FOUND, "not found", None, id="unknown-attachment"),
    pytest.param("app", lambda a: re.sub(r"messages/[^/]+", "messages/AAAAAAAAAAA.AAAAAAAAAAA", a), NOT_FOUND,
                 "not found", None, id="unknown-message"),
    pytest.param("app", lambda a: a.replace("/attachments/", "/files/"), INVALID, "name", "name", id="malformed"),
    pytest.param("app", lambda a: "", INVALID, "name is required", "name", id="no-name"),
    pytest.param("other_app", lambda a: a, NOT_FOUND, "not found", None, id="app-not-a-member"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "rename", "code", "match", "field"), GET_ATTACHMENT_ERRORS)
def test_get_attachment_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    team: S,
    who: str,
    rename: Callable[[str], str],
    code: grpc.StatusCode,
    match: str,
    field: str | None,
) -> None:
    add_apps(call, ws, team, ws.app)
    token = chat.store.messages.upload(sid(team), "report.pdf", "application/pdf")
    name = send(call, ws.bob, team, M(attachment=[attached(token)])).attachment[0].name
    request = attachment_pb2.GetAttachmentRequest(name=rename(name))
    expect(rpc_error, code, "GetAttachment", request, as_=getattr(ws, who), match=match, field=field)


# ------------------------------------------------------------------ GetMessage


GET_ERRORS = [
    pytest.param("alice", lambda m: "", INVALID, "name is required", "name", id="no-name"),
    pytest.param("alice", lambda m: m.replace("/messages/", "/members/"), INVALID, "spaces/{space}/messages/{message}",
                 "name", id="malformed"),
    pytest.param("alice", lambda m: m.rsplit("/", 1)[0] + "/AAAAAAAAAAA.AAAAAAAAAAA", NOT_FOUND, "not found", None,
                 id="unknown-message"),
    pytest.param("alice", lambda m: m.rsplit("/", 1)[0] + "/client-unknown", NOT_FOUND, "not found", None,
                 id="unknown-client-id"),
    pytest.param("erin", lambda m: m, NOT_FOUND, "not found", None, id="non-member"),
    pytest.param("other_app", lambda m: m, NOT_FOUND, "not found", None, id="app-not-a-member"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "rename", "code", "match", "field"), GET_ERRORS)
def test_get_message_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    ws: Workspace,
    team: S,
    who: str,
    rename: Callable[[str], str],
    code: grpc.StatusCode,
    match: str,
    field: str | None,
) -> None:
    add_apps(call, ws, team, ws.app)
    name = send(call, ws.alice, team, "hi").name
    assert get(call, ws.app, name).text == "hi"  # an app member reads messages with chat.bot
    expect(
        rpc_error,
        code,
        "GetMessage",
        message_pb2.GetMessageRequest(name=rename(name)),
        as_=getattr(ws, who),
        match=match,
        field=field,
    )


# ------------------------------------------------------------------ ListMessages


def post_timeline(call: Caller, ws: Workspace, space: S, clock: ManualClock, count: int) -> list[M]:
    """``count`` messages m0, m1, ... one minute apart, alternately from alice and bob."""
    messages = []
    for i in range(count):
        clock.advance(timedelta(minutes=1))
        messages.append(send(call, ws.alice if i % 2 == 0 else ws.bob, space, f"m{i}"))
    return messages


def test_list_messages_order_and_empty_space(call: Caller, ws: Workspace, team: S, clock: ManualClock) -> None:
    assert page(call, ws.alice, team) == message_pb2.ListMessagesResponse()  # an empty space: an empty response
    messages = post_timeline(call, ws, team, clock, 3)
    ascending = page(call, ws.bob, team)
    assert list(ascending.messages) == messages and not ascending.next_page_token
    assert texts(call, ws.bob, team, order_by="create_time ASC") == ["m0", "m1", "m2"]
    assert texts(call, ws.bob, team, order_by="create_time DESC") == ["m2", "m1", "m0"]


def test_list_messages_filters_by_time_and_thread(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace, room: S, clock: ManualClock
) -> None:
    messages = post_timeline(call, ws, room, clock, 5)
    t = [rfc3339(when(m.create_time)) for m in messages]
    assert texts(call, ws.alice, room, filter=f'create_time > "{t[2]}"') == ["m3", "m4"]  # bounds are exclusive
    assert texts(call, ws.alice, room, filter=f'create_time < "{t[2]}"') == ["m0", "m1"]
    assert texts(call, ws.alice, room, filter=f'create_time > "{t[0]}" AND create_time < "{t[4]}"') == [
        "m1",
        "m2",
        "m3",
    ]
    offset = when(messages[1].create_time).astimezone(timezone(timedelta(hours=-4)))
    assert texts(call, ws.alice, room, filter=f'createTime > "{offset.isoformat()}"') == ["m2", "m3", "m4"]
    root = send(call, ws.app, room, M(text="root", thread=Thread(thread_key="t")), message_reply_option=FALLBACK)
    clock.advance(timedelta(minutes=1))
    send(call, ws.alice, room, M(text="reply", thread=Thread(name=root.thread.name)), message_reply_option=FALLBACK)
    thread_filter = f"thread.name = {root.thread.name}"
    assert texts(call, ws.alice, room, filter=thread_filter) == ["root", "reply"]
    assert texts(
        call, ws.alice, room, filter=f'{thread_filter} AND create_time > "{rfc3339(when(root.create_time))}"'
    ) == ["reply"]
    assert texts(call, ws.alice, room, filter=f"thread.name = {room.name}/threads/unknown") == []


def test_list_messages_time_filter_is_exact_to_the_microsecond(
    call: Caller, ws: Workspace, team: S, clock: ManualClock
) -> None:
    # 2040-01-04T23:58:01.071973Z is a time where int(timestamp() * 1e6) is one microsecond short.
    first = datetime(2040, 1, 4, 23, 58, 1, 71972, tzinfo=UTC)
    clock.set(first)
    send(call, ws.alice, team, "first")
    clock.set(first + timedelta(microseconds=1))
    send(call, ws.alice, team, "second")
    assert texts(call, ws.alice, team, filter=f'create_time > "{rfc3339(first)}"') == ["second"]
    assert texts(call, ws.alice, team, filter=f'create_time < "{rfc3339(first + timedelta(microseconds=1))}"') == [
        "first"
    ]


@pytest.mark.parametrize(
    ("fields", "field", "match"),
    [
        pytest.param({"filter": 'create_time >= "2024-01-01T00:00:00Z"'}, "filter", "'>='", id="ge"),
        pytest.param({"filter": "create_time > 2024-01-01"}, "filter", "create_time", id="unquoted-time"),
        pytest.param({"filter": 'create_time > "yesterday"'}, "filter", "RFC-3339", id="not-a-time"),
        pytest.param({"filter": 'text = "hello"'}, "filter", "text", id="unknown-field"),
        pytest.param(
            {"filter": 'create_time > "2024-01-01T00:00:00Z" OR create_time < "2023-01-01T00:00:00Z"'}, "filter", "OR",
            id="or",
        ),
        pytest.param({"filter": "thread.name = spaces/A/threads/1 AND thread.name = spaces/A/threads/2"}, "filter",
                     "one thread.name", id="two-threads"),
        pytest.param({"filter": "thread.name = spaces/elsewhere/threads/1"}, "filter", "not a thread of",
                     id="thread-of-another-space"),
        pytest.param({"order_by": "create_time sideways"}, "order_by", "sideways", id="bad-direction"),
        pytest.param({"order_by": "last_active_time DESC"}, "order_by", "last_active_time", id="bad-order-field"),
        pytest.param({"page_size": -1}, "page_size", "negative", id="negative-page-size"),
        pytest.param({"page_token": "not-a-token"}, "page_token", "page_token", id="forged-token"),
        pytest.param({"parent": "spaces/a/b"}, "parent", "spaces/{space}", id="malformed-parent"),
        pytest.param({"parent": ""}, "parent", "parent is required", id="no-parent"),
    ],
)  # fmt: skip
def test_list_messages_invalid_arguments(
    rpc_error: ErrorCheck, ws: Workspace, team: S, fields: dict[str, Any], field: str, match: str
) -> None:
    request = message_pb2.ListMessagesRequest(**{"parent": team.name, **fields})
    expect(rpc_error, INVALID, "ListMessages", request, as_=ws.alice, match=match, field=field)


@pytest.mark.parametrize(
    ("who", "options", "code", "match"),
    [
        pytest.param("app", {}, DENIED, "user authentication", id="app-auth"),
        pytest.param("erin", {}, NOT_FOUND, "not found", id="non-member"),
        pytest.param("alice", {"scopes": ["chat.messages.create"]}, DENIED, "OAuth scopes", id="create-only-scope"),
        pytest.param("alice", {"scopes": ["chat.import"]}, DENIED, "import mode", id="import-scope-outside-import"),
    ],
)
def test_list_messages_who_may_list(
    rpc_error: ErrorCheck, ws: Workspace, room: S, who: str, options: dict[str, Any], code: grpc.StatusCode, match: str
) -> None:
    request = message_pb2.ListMessagesRequest(parent=room.name)
    rpc_error(code, "ListMessages", request, as_=getattr(ws, who), match=match, **options)


def test_list_messages_page_sizes(call: Caller, chat: ChatServer, ws: Workspace, team: S) -> None:
    seed(chat, ws.alice, team, 1001)
    default = page(call, ws.alice, team)
    assert len(default.messages) == 25 and default.next_page_token
    assert len(page(call, ws.alice, team, page_size=7).messages) == 7
    largest = page(call, ws.alice, team, page_size=5000)  # coerced to 1,000
    assert len(largest.messages) == 1000 and largest.messages[-1].text == "m0999" and largest.next_page_token
    rest = page(call, ws.alice, team, page_size=5000, page_token=largest.next_page_token)
    assert [m.text for m in rest.messages] == ["m1000"] and not rest.next_page_token


@pytest.mark.parametrize(
    ("order_by", "window", "expected"),
    [
        pytest.param("", False, [["m0", "m1", "m2"], ["m3", "m4", "m5"], ["m6", "m7", "m8"], ["m9"]], id="asc"),
        pytest.param("create_time DESC", False, [["m9", "m8", "m7"], ["m6", "m5", "m4"], ["m3", "m2", "m1"], ["m0"]],
                     id="desc"),
        pytest.param("", True, [["m1", "m2", "m3"], ["m4", "m5", "m6"], ["m7", "m8"]], id="asc-window"),
        pytest.param("create_time DESC", True, [["m8", "m7", "m6"], ["m5", "m4", "m3"], ["m2", "m1"]],
                     id="desc-window"),
    ],
)  # fmt: skip
def test_list_messages_pagination(
    call: Caller, ws: Workspace, team: S, clock: ManualClock, order_by: str, window: bool, expected: list[list[str]]
) -> None:
    messages = post_timeline(call, ws, team, clock, 10)
    query = ""
    if window:
        first, last = rfc3339(when(messages[0].create_time)), rfc3339(when(messages[9].create_time))
        query = f'create_time > "{first}" AND create_time < "{last}"'
    assert pages(call, ws.alice, team, page_size=3, order_by=order_by, filter=query) == expected
    # A message posted while paging (after the cursor in ASC order) shows up on a later page, never twice.
    if not window and not order_by:
        first_page = page(call, ws.alice, team, page_size=3)
        send(call, ws.bob, team, "m10")
        tail = texts(call, ws.alice, team, page_size=3, page_token=first_page.next_page_token)
        assert tail == [f"m{i}" for i in range(3, 11)]


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"order_by": "create_time DESC"}, id="order"),
        pytest.param({"filter": 'create_time > "2000-01-01T00:00:00Z"'}, id="filter"),
        pytest.param({"show_deleted": True}, id="show-deleted"),
        pytest.param({"parent": "other"}, id="parent"),
    ],
)
def test_list_messages_page_token_is_bound_to_the_request(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S, changed: dict[str, Any]
) -> None:
    for i in range(3):
        send(call, ws.alice, team, f"m{i}")
    token = page(call, ws.alice, team, page_size=1).next_page_token
    assert page(call, ws.alice, team, page_size=2, page_token=token).messages[0].text == "m1"  # page size may change
    if changed.get("parent") == "other":
        other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.alice)
        changed = {"parent": other.name}
    request = message_pb2.ListMessagesRequest(**{"parent": team.name, "page_size": 1, "page_token": token, **changed})
    expect(rpc_error, INVALID, "ListMessages", request, as_=ws.alice, match="page_token", field="page_token")


def test_list_messages_show_deleted(call: Caller, chat: ChatServer, ws: Workspace, team: S, clock: ManualClock) -> None:
    messages = post_timeline(call, ws, team, clock, 3)
    delete(call, ws.bob, messages[1].name)
    assert texts(call, ws.alice, team) == ["m0", "m2"]
    shown = page(call, ws.alice, team, show_deleted=True).messages
    assert [m.name for m in shown] == [m.name for m in messages]
    deleted = shown[1]
    assert deleted.HasField("delete_time") and deleted.deletion_metadata.deletion_type == Deletion.CREATOR
    assert (deleted.text, deleted.formatted_text, list(deleted.annotations)) == ("", "", [])
    assert deleted.sender.name == ws.bob.name and deleted.thread.name == messages[1].thread.name


# ------------------------------------------------------------------ UpdateMessage


def test_update_text_as_the_sender(call: Caller, chat: ChatServer, ws: Workspace, team: S, clock: ManualClock) -> None:
    original = send(call, ws.bob, team, "first draft")
    clock.advance(timedelta(minutes=5))
    edited = update(call, ws.bob, M(name=original.name, text=f"final, cc <users/{ws.alice.id}>"), "text")
    assert edited.text == "final, cc @Alice" and edited.formatted_text == f"final, cc <users/{ws.alice.id}>"
    assert [(a.start_index, a.length, a.user_mention.user.name) for a in edited.annotations] == [(10, 6, ws.alice.name)]
    assert edited.create_time == original.create_time and when(edited.last_update_time) > when(original.create_time)
    assert (edited.name, edited.sender, edited.thread) == (original.name, original.sender, original.thread)
    assert get(call, ws.alice, original.name) == edited
    assert message_events(chat, team) == [("created", original.name), ("updated", original.name)]


UPDATE_MASKS = [
    pytest.param(["text"], {"text"}, id="text"),
    pytest.param(["cards_v2"], {"cards_v2"}, id="cards_v2"),
    pytest.param(["cardsV2"], {"cards_v2"}, id="camel-case"),
    pytest.param(["accessory_widgets"], {"accessory_widgets"}, id="accessory_widgets"),
    pytest.param(["attachment"], {"attachment"}, id="attachment"),
    pytest.param(["cards"], set(), id="cards-v1-path-accepted"),
    pytest.param(["text,cards_v2"], {"text", "cards_v2"}, id="comma-separated"),
    pytest.param(["text", "accessoryWidgets"], {"text", "accessory_widgets"}, id="two-paths"),
    pytest.param(["*"], {"text", "cards_v2", "accessory_widgets", "attachment"}, id="star"),
]


def content(message: M) -> dict[str, Any]:
    return {
        "text": message.text,
        "cards_v2": list(message.cards_v2),
        "accessory_widgets": list(message.accessory_widgets),
        "attachment": [a.content_name for a in message.attachment],
    }


@pytest.mark.parametrize(("paths", "changed"), UPDATE_MASKS)
def test_update_masks_as_app(
    call: Caller, chat: ChatServer, ws: Workspace, room: S, paths: list[str], changed: set[str]
) -> None:
    old_file = chat.store.messages.upload(sid(room), "old.txt", "text/plain")
    before = send(
        call,
        ws.app,
        room,
        M(text="old", cards_v2=[card("Old")], accessory_widgets=[widget("old")], attachment=[attached(old_file)]),
    )
    new_file = chat.store.messages.upload(sid(room), "new.txt", "text/plain")
    wanted = M(
        name=before.name,
        text="new",
        cards_v2=[card("New")],
        accessory_widgets=[widget("new")],
        attachment=[attached(new_file)],
    )
    after = update(call, ws.app, wanted, *paths)
    expected = {
        key: (content(wanted) if key != "attachment" else {"attachment": ["new.txt"]})[key] if key in changed else value
        for key, value in content(before).items()
    }
    assert content(after) == expected
    assert after.HasField("last_update_time")


def test_update_under_user_auth_is_text_only(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, team: S
) -> None:
    token = chat.store.messages.upload(sid(team), "plan.pdf", "application/pdf")
    original = send(call, ws.bob, team, M(text="plan", attachment=[attached(token)]))
    for path in ("cards_v2", "accessory_widgets", "cards"):
        expect(
            rpc_error,
            INVALID,
            "UpdateMessage",
            message_pb2.UpdateMessageRequest(message=M(name=original.name, text="x"), update_mask=mask(path)),
            as_=ws.bob,
            match=path,
            field="update_mask",
        )
    # '*' means what the caller may change: cards in the request are ignored, text and attachments are updated.
    # The attachment GetMessage returned is kept when sent back as it came.
    edited = get(call, ws.bob, original.name)
    edited.text = "plan v2"
    edited.cards_v2.append(card("ignored"))
    result = update(call, ws.bob, edited, "*")
    assert result.text == "plan v2" and not result.cards_v2
    assert list(result.attachment) == list(original.attachment)


def messages_for_update(call: Caller, ws: Workspace, room: S) -> dict[str, M]:
    return {"alice": send(call, ws.alice, room, "by alice"), "app": send(call, ws.app, room, "by app")}


UPDATE_ERRORS = [
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(update_mask=mask("text")), INVALID,
                 "message is required", "message", id="no-message"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(text="x"), update_mask=mask("text")),
                 INVALID, "message.name is required", "message.name", id="no-name"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name="spaces/x", text="x"),
                                                                      update_mask=mask("text")),
                 INVALID, "spaces/{space}/messages/{message}", "message.name", id="malformed-name"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x")),
                 INVALID, "update_mask is required", "update_mask", id="no-mask"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                      update_mask=mask("sender")),
                 INVALID, "'sender' is not supported", "update_mask", id="unsupported-path"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                      update_mask=mask("*", "text")),
                 INVALID, "'*' must be alone", "update_mask", id="star-with-others"),
    pytest.param("app", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["app"].name, cards=[contextual_addon_pb2.ContextualAddOnMarkup.Card()]),
                     update_mask=mask("cards")),
                 INVALID, "cards_v2", "message.cards", id="cards-v1"),
    pytest.param("app", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["app"].name, text="x" * 32_001),
                                                                    update_mask=mask("text")),
                 INVALID, "32,000", "message", id="over-32000-bytes"),
    pytest.param("app", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["app"].name, attachment=[attached("upload-nope")]),
                     update_mask=mask("attachment")),
                 INVALID, "upload-nope", "message.attachment", id="unknown-upload-token"),
    pytest.param("bob", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                    update_mask=mask("text")),
                 DENIED, "only the sender", None, id="member-edits-another"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["app"].name, text="x"),
                                                                      update_mask=mask("text")),
                 DENIED, "only the sender", None, id="manager-edits-app-message"),
    pytest.param("app", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                    update_mask=mask("text")),
                 DENIED, "only the sender", None, id="app-edits-user-message"),
    pytest.param("other_app", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["app"].name, text="x"),
                                                                          update_mask=mask("text")),
                 DENIED, "only the sender", None, id="app-edits-another-app"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["alice"].name.rsplit("/", 1)[0] + "/AAAAAAAAAAA.AAAAAAAAAAA", text="x"),
                     update_mask=mask("text")),
                 NOT_FOUND, "not found", None, id="unknown-message"),
    pytest.param("erin", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                     update_mask=mask("text")),
                 NOT_FOUND, "not found", None, id="non-member"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["alice"].name.rsplit("/", 1)[0] + "/AAAAAAAAAAA.AAAAAAAAAAA", text="x"),
                     update_mask=mask("text"), allow_missing=True),
                 INVALID, "client-assigned", "message.name", id="allow-missing-server-id"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(message=M(name=m["alice"].name, text="x"),
                                                                      allow_missing=True),
                 INVALID, "update_mask is required", "update_mask", id="allow-missing-existing-without-mask"),
    pytest.param("alice", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["alice"].name.rsplit("/", 1)[0] + "/client-new", text="x", cards_v2=[card("c")]),
                     update_mask=mask("text"), allow_missing=True),
                 INVALID, "app authentication", "message", id="allow-missing-user-cards"),
    pytest.param("app", lambda m: message_pb2.UpdateMessageRequest(
                     message=M(name=m["app"].name.rsplit("/", 1)[0] + "/client-new"), update_mask=mask("text"),
                     allow_missing=True),
                 INVALID, "message is empty", "message.text", id="allow-missing-empty"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "build", "code", "match", "field"), UPDATE_ERRORS)
def test_update_message_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    room: S,
    who: str,
    build: Callable[[dict[str, M]], message_pb2.UpdateMessageRequest],
    code: grpc.StatusCode,
    match: str,
    field: str | None,
) -> None:
    messages = messages_for_update(call, ws, room)
    expect(rpc_error, code, "UpdateMessage", build(messages), as_=getattr(ws, who), match=match, field=field)
    assert [get(call, ws.bob, m.name) for m in messages.values()] == list(messages.values())  # nothing changed
    assert chat.store.messages.count(sid(room)) == 2


def test_update_with_allow_missing_creates_a_message_with_a_client_id(
    call: Caller, chat: ChatServer, ws: Workspace, room: S
) -> None:
    alias = f"{room.name}/messages/client-status"
    body = M(name=alias, text="all green", cards_v2=[card("Status")])
    created = update(call, ws.app, body, "text", allow_missing=True)  # the mask is ignored: the whole message
    assert created.client_assigned_message_id == "client-status" and MESSAGE_NAME.fullmatch(created.name)
    assert (created.text, len(created.cards_v2)) == ("all green", 1) and not created.HasField("last_update_time")
    assert created.sender.type == user_pb2.User.BOT
    again = update(call, ws.app, M(name=alias, text="one red"), "text", allow_missing=True)  # now it exists: an update
    assert (again.name, again.text, len(again.cards_v2)) == (created.name, "one red", 1)
    by_user = update(call, ws.bob, M(name=f"{room.name}/messages/client-note", text="note"), allow_missing=True)
    assert by_user.sender.name == ws.bob.name and by_user.client_assigned_message_id == "client-note"
    assert [kind for kind, _ in message_events(chat, room)] == ["created", "updated", "created"]


# ------------------------------------------------------------------ DeleteMessage


@pytest.mark.parametrize(
    ("deleter", "via_app", "author", "deletion_type"),
    [
        pytest.param("bob", False, "bob", Deletion.CREATOR, id="member-own"),
        pytest.param("alice", False, "alice", Deletion.CREATOR, id="manager-own"),
        pytest.param("alice", True, "alice", Deletion.CREATOR_VIA_APP, id="own-via-app"),
        pytest.param("alice", False, "bob", Deletion.SPACE_OWNER, id="manager-deletes-member"),
        pytest.param("alice", True, "bob", Deletion.SPACE_OWNER_VIA_APP, id="manager-via-app"),
        pytest.param("alice", False, "app", Deletion.SPACE_OWNER, id="manager-deletes-app-message"),
        pytest.param("app", False, "app", Deletion.CREATOR, id="app-own"),
    ],
)
def test_delete_message_deletion_types(
    call: Caller,
    chat: ChatServer,
    ws: Workspace,
    room: S,
    deleter: str,
    via_app: bool,
    author: str,
    deletion_type: int,
) -> None:
    token = chat.store.messages.upload(sid(room), "a.txt", "text/plain")
    message = send(call, getattr(ws, author), room, M(text=f"hi <users/{ws.bob.id}>", attachment=[attached(token)]))
    options = {"app": ws.app} if via_app else {}
    delete(call, getattr(ws, deleter), message.name, **options)
    tombstone = get(call, ws.bob, message.name)  # Get still answers, with the deletion (AIP-164)
    assert tombstone.HasField("delete_time") and tombstone.deletion_metadata.deletion_type == deletion_type
    assert (tombstone.text, tombstone.argument_text, list(tombstone.annotations), list(tombstone.attachment)) == (
        "", "", [], []
    )  # fmt: skip
    assert (tombstone.name, tombstone.sender, tombstone.create_time) == (
        message.name,
        message.sender,
        message.create_time,
    )
    assert message_events(chat, room)[-1] == ("deleted", message.name)
    assert texts(call, ws.alice, room) == []


DELETE_ERRORS = [
    pytest.param("bob", "alice", {}, DENIED, "only the sender or a space manager", id="member-deletes-another"),
    pytest.param("bob", "app", {}, DENIED, "only the sender or a space manager", id="member-deletes-app-message"),
    pytest.param("app", "bob", {}, DENIED, "its own messages", id="app-deletes-user-message"),
    pytest.param("other_app", "app", {}, DENIED, "its own messages", id="app-deletes-another-app"),
    pytest.param("erin", "alice", {}, NOT_FOUND, "not found", id="non-member"),
    pytest.param("alice", "alice", {"scopes": ["chat.messages.readonly"]}, DENIED, "OAuth scopes", id="readonly"),
]


@pytest.mark.parametrize(("deleter", "author", "options", "code", "match"), DELETE_ERRORS)
def test_delete_message_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    ws: Workspace,
    room: S,
    deleter: str,
    author: str,
    options: dict[str, Any],
    code: grpc.StatusCode,
    match: str,
) -> None:
    message = send(call, getattr(ws, author), room, "keep me")
    request = message_pb2.DeleteMessageRequest(name=message.name)
    expect(rpc_error, code, "DeleteMessage", request, as_=getattr(ws, deleter), match=match, **options)
    assert get(call, ws.bob, message.name) == message


@pytest.mark.parametrize(
    ("name", "field", "match"),
    [
        pytest.param("", "name", "name is required", id="no-name"),
        pytest.param("spaces/x/threads/y", "name", "spaces/{space}/messages/{message}", id="malformed"),
    ],
)
def test_delete_message_invalid_names(rpc_error: ErrorCheck, ws: Workspace, name: str, field: str, match: str) -> None:
    request = message_pb2.DeleteMessageRequest(name=name)
    expect(rpc_error, INVALID, "DeleteMessage", request, as_=ws.alice, match=match, field=field)


def test_deleted_messages_cannot_be_deleted_or_updated_again(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S
) -> None:
    message = send(call, ws.bob, team, "oops", message_id="client-oops")
    delete(call, ws.bob, f"{team.name}/messages/client-oops")  # by client-assigned id
    rpc_error(
        NOT_FOUND, "DeleteMessage", message_pb2.DeleteMessageRequest(name=message.name), as_=ws.bob, match="deleted"
    )
    rpc_error(
        NOT_FOUND,
        "UpdateMessage",
        message_pb2.UpdateMessageRequest(message=M(name=message.name, text="x"), update_mask=mask("text")),
        as_=ws.bob,
        match="deleted",
    )
    rpc_error(
        NOT_FOUND,
        "DeleteMessage",
        message_pb2.DeleteMessageRequest(name=message.name.rsplit("/", 1)[0] + "/AAAAAAAAAAA.AAAAAAAAAAA"),
        as_=ws.bob,
        match="not found",
    )


def test_deleting_a_thread_root_with_replies_needs_force(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, room: S
) -> None:
    root = send(call, ws.alice, room, M(text="root", thread=Thread(thread_key="t")), message_reply_option=FALLBACK)
    in_thread = M(text="reply", thread=Thread(name=root.thread.name))
    first, second = (send(call, who, room, in_thread, message_reply_option=OR_FAIL) for who in (ws.bob, ws.alice))
    error = rpc_error(
        PRECONDITION,
        "DeleteMessage",
        message_pb2.DeleteMessageRequest(name=root.name),
        as_=ws.alice,
        match="force=true",
    )
    assert_details(error, reason="MESSAGE_HAS_REPLIES")
    delete(call, ws.alice, second.name)  # a reply goes without force
    delete(call, ws.alice, root.name, force=True)  # force takes the remaining replies along
    assert texts(call, ws.alice, room) == []
    deleted = [m.name for m in page(call, ws.alice, room, show_deleted=True).messages if m.HasField("delete_time")]
    assert deleted == [root.name, first.name, second.name]
    assert [name for kind, name in message_events(chat, room) if kind == "deleted"] == [
        second.name, first.name, root.name
    ]  # fmt: skip


def test_force_has_no_effect_under_app_authentication(call: Caller, ws: Workspace, room: S) -> None:
    root = send(call, ws.app, room, M(text="root", thread=Thread(thread_key="t")), message_reply_option=FALLBACK)
    reply = send(
        call, ws.bob, room, M(text="reply", thread=Thread(name=root.thread.name)), message_reply_option=OR_FAIL
    )
    delete(call, ws.app, root.name)  # no force needed; the human's reply stays
    assert texts(call, ws.bob, room) == ["reply"]
    assert not get(call, ws.bob, reply.name).HasField("delete_time")


# ------------------------------------------------------------------ visibility across the message RPCs


NON_MEMBER_REQUESTS = {
    "CreateMessage": lambda s, m: CreateRequest(parent=s.name, message=M(text="x")),
    "GetMessage": lambda s, m: message_pb2.GetMessageRequest(name=m.name),
    "ListMessages": lambda s, m: message_pb2.ListMessagesRequest(parent=s.name),
    "UpdateMessage": lambda s, m: message_pb2.UpdateMessageRequest(message=M(name=m.name, text="x"),
                                                                   update_mask=mask("text")),
    "DeleteMessage": lambda s, m: message_pb2.DeleteMessageRequest(name=m.name),
    "GetAttachment": lambda s, m: attachment_pb2.GetAttachmentRequest(name=m.attachment[0].name),
}  # fmt: skip


OUTSIDERS = [
    (rpc, outsider)
    for rpc in sorted(NON_MEMBER_REQUESTS)
    for outsider in ("erin", "other_app", "alice")
    if (outsider == "other_app") == (rpc == "GetAttachment") or rpc not in ("GetAttachment", "ListMessages")
]  # ListMessages is user-only and GetAttachment app-only: the wrong kind of caller is PERMISSION_DENIED (above)


@pytest.mark.parametrize(("rpc", "outsider"), OUTSIDERS)
def test_outsiders_get_not_found(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, rpc: str, outsider: str
) -> None:
    """A space of bob's (ws.app joined): erin, another app and alice (a Workspace admin, but not a member and not
    using admin access, which the message RPCs do not offer) see nothing in it."""
    mine = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Bob's")), as_=ws.bob)
    add_apps_as(call, ws.bob, mine, ws.app)
    token = chat.store.messages.upload(sid(mine), "a.txt", "text/plain")
    message = send(call, ws.bob, mine, M(text="x", attachment=[attached(token)]))
    who = {"erin": ws.erin, "other_app": ws.other_app, "alice": ws.alice}[outsider]
    rpc_error(NOT_FOUND, rpc, NON_MEMBER_REQUESTS[rpc](mine, message), as_=who, match="not found")
    assert [m.text for m in chat.store.messages.all(sid(mine))] == ["x"]


def test_deleting_a_space_deletes_its_messages(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, team: S
) -> None:
    message = send(call, ws.bob, team, "soon gone", message_id="client-gone")
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    assert chat.store.messages.count(sid(team)) == 0 and chat.store.events(sid(team)) == []
    rpc_error(NOT_FOUND, "GetMessage", message_pb2.GetMessageRequest(name=message.name), as_=ws.bob, match="not found")
