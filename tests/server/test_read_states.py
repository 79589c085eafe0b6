"""The read-state RPCs through the real gRPC channel: GetSpaceReadState, UpdateSpaceReadState, GetThreadReadState.

Rules come from the reference (spec/004: SpaceReadState, ThreadReadState, Get/UpdateSpaceReadStateRequest,
GetThreadReadStateRequest and the three RPC descriptions) and chat-api-facts §2 (user authentication only,
``chat.users.readstate[.readonly]``), §3 (``users/{me|email|id}``, the caller only, clamping to the newest
top-level message) and §6 (mask ``last_read_time``). How read states advance without UpdateSpaceReadState is the
fake's documented choice (store/read_states.py, docs/fidelity.md "Read states"): a user's own message marks what
came before it as read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.chat.v1 import membership_pb2, message_pb2, space_pb2, space_read_state_pb2, thread_read_state_pb2
from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
RpcError = Callable[..., grpc.RpcError]
CreateRequest = message_pb2.CreateMessageRequest
FALLBACK = CreateRequest.MessageReplyOption.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------ builders and helpers


def sid(space: space_pb2.Space) -> str:
    return space.name.removeprefix("spaces/")


def space_state_name(space: space_pb2.Space, user: str = "me") -> str:
    return f"users/{user}/spaces/{sid(space)}/spaceReadState"


def thread_state_name(thread: str, user: str = "me") -> str:
    space, thread_id = thread.removeprefix("spaces/").split("/threads/")
    return f"users/{user}/spaces/{space}/threads/{thread_id}/threadReadState"


def stamp(when: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(when)
    return result


def at(proto_time: timestamp_pb2.Timestamp) -> datetime:
    return proto_time.ToDatetime(tzinfo=UTC)


def get_space(name: str) -> space_read_state_pb2.GetSpaceReadStateRequest:
    return space_read_state_pb2.GetSpaceReadStateRequest(name=name)


def get_thread(name: str) -> thread_read_state_pb2.GetThreadReadStateRequest:
    return thread_read_state_pb2.GetThreadReadStateRequest(name=name)


def update(name: str, when: datetime | None, *paths: str) -> space_read_state_pb2.UpdateSpaceReadStateRequest:
    state = space_read_state_pb2.SpaceReadState(name=name)
    if when is not None:
        state.last_read_time.CopyFrom(stamp(when))
    return space_read_state_pb2.UpdateSpaceReadStateRequest(
        space_read_state=state, update_mask=field_mask_pb2.FieldMask(paths=list(paths or ["last_read_time"]))
    )


def post(call: Caller, space: space_pb2.Space, who: Any, text: str = "hello", **kw: Any) -> message_pb2.Message:
    return call(
        "CreateMessage", CreateRequest(parent=space.name, message=message_pb2.Message(text=text)), as_=who, **kw
    )


def reply(call: Caller, space: space_pb2.Space, root: message_pb2.Message, who: Any) -> message_pb2.Message:
    request = CreateRequest(
        parent=space.name,
        message=message_pb2.Message(text="reply", thread=message_pb2.Thread(name=root.thread.name)),
        message_reply_option=FALLBACK,
    )
    message = call("CreateMessage", request, as_=who)
    assert message.thread_reply and message.thread.name == root.thread.name
    return message


def space_read_time(call: Caller, space: space_pb2.Space, who: Any) -> datetime | None:
    state = call("GetSpaceReadState", get_space(space_state_name(space)), as_=who)
    return at(state.last_read_time) if state.HasField("last_read_time") else None


def thread_read_time(call: Caller, thread: str, who: Any) -> datetime | None:
    state = call("GetThreadReadState", get_thread(thread_state_name(thread)), as_=who)
    return at(state.last_read_time) if state.HasField("last_read_time") else None


def invalid(rpc_error: RpcError, rpc: str, request: Any, field: str, match: str = "", **kw: Any) -> grpc.RpcError:
    error = rpc_error(Code.INVALID_ARGUMENT, rpc, request, match=match or field, **kw)
    assert_details(error, field=field)
    return error


# ------------------------------------------------------------------ names: the caller only, three spellings

ALIASES = {
    "me": lambda ws: "me",
    "email": lambda ws: ws.bob.email,
    "upper-case email": lambda ws: ws.bob.email.upper(),
    "id": lambda ws: ws.bob.id,
}


@pytest.mark.parametrize("alias", list(ALIASES))
def test_each_spelling_of_the_caller_reads_the_same_canonical_states(
    call: Caller, ws: Workspace, team: space_pb2.Space, alias: str
) -> None:
    root = post(call, team, ws.alice)
    reply(call, team, root, ws.bob)
    user = ALIASES[alias](ws)
    space_state = call("GetSpaceReadState", get_space(space_state_name(team, user)), as_=ws.bob)
    assert space_state.name == f"users/{ws.bob.id}/spaces/{sid(team)}/spaceReadState"
    thread_id = root.thread.name.rsplit("/", 1)[1]
    thread_state = call("GetThreadReadState", get_thread(thread_state_name(root.thread.name, user)), as_=ws.bob)
    assert thread_state.name == f"users/{ws.bob.id}/spaces/{sid(team)}/threads/{thread_id}/threadReadState"
    updated = call("UpdateSpaceReadState", update(space_state_name(team, user), FAR_FUTURE), as_=ws.bob)
    assert updated.name == space_state.name
    assert at(updated.last_read_time) == at(root.create_time)


def test_a_member_who_never_read_has_no_last_read_time(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    root = post(call, team, ws.alice)
    reply(call, team, root, ws.alice)
    assert space_read_time(call, team, ws.bob) is None
    assert thread_read_time(call, root.thread.name, ws.bob) is None


OTHERS = {
    "another member by id": lambda ws: ws.alice.id,
    "another member by email": lambda ws: ws.alice.email,
    "a user outside the space": lambda ws: ws.erin.id,
    "an unknown email": lambda ws: "nobody@example.com",
    "an unknown id": lambda ws: "123",
}


def other_requests(team: space_pb2.Space, thread: str, user: str) -> list[tuple[str, Any]]:
    return [
        ("GetSpaceReadState", get_space(space_state_name(team, user))),
        ("UpdateSpaceReadState", update(space_state_name(team, user), FAR_FUTURE)),
        ("GetThreadReadState", get_thread(thread_state_name(thread, user))),
    ]


@pytest.mark.parametrize("other", list(OTHERS))
def test_another_users_read_state_is_permission_denied(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, other: str
) -> None:
    root = post(call, team, ws.alice)
    for rpc, request in other_requests(team, root.thread.name, OTHERS[other](ws)):
        error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.bob, match="only the caller's own read state")
        assert_details(error, reason="NOT_THE_CALLER")
    assert space_read_time(call, team, ws.alice) == at(root.create_time), "nothing changed"


@pytest.mark.parametrize("outsider", ["erin (never a member)", "unknown space"])
def test_a_space_the_caller_is_not_in_is_not_found(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, outsider: str
) -> None:
    root = post(call, team, ws.alice)
    space, thread = team, root.thread.name
    if outsider == "unknown space":
        space = space_pb2.Space(name="spaces/AAAAnope")
        thread = "spaces/AAAAnope/threads/" + root.thread.name.rsplit("/", 1)[1]
    who = ws.erin if outsider.startswith("erin") else ws.bob
    for rpc, request in other_requests(space, thread, "me"):
        error = rpc_error(Code.NOT_FOUND, rpc, request, as_=who, match=f"{space.name} not found")
        assert_details(error)


def test_a_member_who_left_no_longer_sees_the_read_state(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space
) -> None:
    post(call, team, ws.bob)
    call(
        "DeleteMembership", membership_pb2.DeleteMembershipRequest(name=f"{team.name}/members/{ws.bob.id}"), as_=ws.bob
    )
    rpc_error(Code.NOT_FOUND, "GetSpaceReadState", get_space(space_state_name(team)), as_=ws.bob, match="not found")


def test_an_invited_user_sees_their_read_state(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    """The space is visible to invitees (docs/fidelity.md "Visibility"), so is their own (unset) read state."""
    invited = call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=team.name, membership=human(ws.carol.name)),
        as_=ws.alice,
    )
    assert invited.state == invited.INVITED
    assert space_read_time(call, team, ws.carol) is None


SPACE_NAMES = [
    "",
    "spaces/AAAA/spaceReadState",
    "users/me/spaces/AAAA",
    "users/me/spaces/AAAA/spaceReadState/extra",
    "users/me/spaces//spaceReadState",
    "users/me/spaces/AAAA/threads/t/spaceReadState",
    "users/me/spaces/AAAA/spaceNotificationSetting",
    "users/me/spaces/AAAA/threadReadState",
]
THREAD_NAMES = [
    "",
    "users/me/spaces/AAAA/threads/t",
    "users/me/spaces/AAAA/spaceReadState",
    "users/me/spaces/AAAA/threads//threadReadState",
    "users/me/spaces/AAAA/threads/t/spaceReadState",
    "spaces/AAAA/threads/t/threadReadState",
    "users/me/spaces/AAAA/threads/t/threadReadState/x",
]
MALFORMED = (
    [("GetSpaceReadState", "name", name) for name in SPACE_NAMES]
    + [("UpdateSpaceReadState", "space_read_state.name", name) for name in SPACE_NAMES]
    + [("GetThreadReadState", "name", name) for name in THREAD_NAMES]
)


@pytest.mark.parametrize(("rpc", "field", "name"), MALFORMED)
def test_malformed_names_are_invalid(rpc_error: RpcError, ws: Workspace, rpc: str, field: str, name: str) -> None:
    request = {
        "GetSpaceReadState": get_space,
        "UpdateSpaceReadState": lambda n: update(n, FAR_FUTURE),
        "GetThreadReadState": get_thread,
    }[rpc](name)
    invalid(rpc_error, rpc, request, field, match="is required" if not name else "must look like", as_=ws.bob)


# ------------------------------------------------------------------ UpdateSpaceReadState: mask and value


def test_update_needs_the_read_state(rpc_error: RpcError, ws: Workspace) -> None:
    request = space_read_state_pb2.UpdateSpaceReadStateRequest(
        update_mask=field_mask_pb2.FieldMask(paths=["last_read_time"])
    )
    invalid(
        rpc_error, "UpdateSpaceReadState", request, "space_read_state", match="space_read_state is required", as_=ws.bob
    )


@pytest.mark.parametrize(
    ("paths", "match"),
    [
        ((), "update_mask is required"),
        (("name",), "'name' is not supported"),
        (("last_read_time", "name"), "'name' is not supported"),
        (("lastReadTime", "notification_setting"), "'notification_setting' is not supported"),
        (("*", "last_read_time"), "'*' must be alone"),
    ],
)
def test_the_mask_must_name_last_read_time_only(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, paths: tuple[str, ...], match: str
) -> None:
    request = update(space_state_name(team), FAR_FUTURE)
    request.update_mask.ClearField("paths")
    request.update_mask.paths.extend(paths)
    invalid(rpc_error, "UpdateSpaceReadState", request, "update_mask", match=match, as_=ws.bob)


@pytest.mark.parametrize("paths", [("last_read_time",), ("lastReadTime",), ("*",), ("last_read_time,lastReadTime",)])
def test_accepted_mask_spellings(call: Caller, ws: Workspace, team: space_pb2.Space, paths: tuple[str, ...]) -> None:
    message = post(call, team, ws.alice)
    state = call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE, *paths), as_=ws.bob)
    assert at(state.last_read_time) == at(message.create_time)


def test_the_masked_last_read_time_must_be_set(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    invalid(
        rpc_error,
        "UpdateSpaceReadState",
        update(space_state_name(team), None),
        "space_read_state.last_read_time",
        match="required",
        as_=ws.bob,
    )


@pytest.mark.parametrize(("seconds", "nanos"), [(10**12, 0), (-(10**12), 0), (0, 1_000_000_000), (0, -5)])
def test_an_out_of_range_last_read_time_is_invalid(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, seconds: int, nanos: int
) -> None:
    request = update(space_state_name(team), None)
    request.space_read_state.last_read_time.seconds = seconds
    request.space_read_state.last_read_time.nanos = nanos
    field = "space_read_state.last_read_time"
    invalid(rpc_error, "UpdateSpaceReadState", request, field, match="not a valid timestamp", as_=ws.bob)


def test_a_later_time_is_clamped_to_the_newest_top_level_message(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    post(call, team, ws.alice, "first")
    clock.advance(timedelta(minutes=5))
    newest = post(call, team, ws.alice, "second")
    clock.advance(timedelta(minutes=5))
    state = call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE), as_=ws.bob)
    assert at(state.last_read_time) == at(newest.create_time)
    assert space_read_time(call, team, ws.bob) == at(newest.create_time)


def test_an_earlier_time_is_kept_and_leaves_the_space_unread(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    first = post(call, team, ws.alice, "first")
    clock.advance(timedelta(minutes=5))
    second = post(call, team, ws.alice, "second")
    call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE), as_=ws.bob)
    between = at(first.create_time) + timedelta(minutes=1)
    for when in (between, LONG_AGO):  # moving back is allowed: "mark as unread"
        state = call("UpdateSpaceReadState", update(space_state_name(team), when), as_=ws.bob)
        assert at(state.last_read_time) == when < at(second.create_time)
        assert space_read_time(call, team, ws.bob) == when


def test_replies_do_not_move_the_clamp(call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock) -> None:
    root = post(call, team, ws.alice)
    clock.advance(timedelta(minutes=5))
    late_reply = reply(call, team, root, ws.alice)
    state = call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE), as_=ws.bob)
    assert at(state.last_read_time) == at(root.create_time) < at(late_reply.create_time)


def test_a_deleted_newest_message_no_longer_counts(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    first = post(call, team, ws.alice, "first")
    clock.advance(timedelta(minutes=5))
    second = post(call, team, ws.alice, "second")
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=second.name), as_=ws.alice)
    state = call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE), as_=ws.bob)
    assert at(state.last_read_time) == at(first.create_time)


def test_in_a_space_without_messages_a_future_time_is_clamped_to_now(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    """Choice: with no message to clamp to, the read state cannot reach into the future, so a message posted
    afterwards is unread (the reference's clamp exists for exactly that)."""
    before = clock.now()
    state = call("UpdateSpaceReadState", update(space_state_name(team), FAR_FUTURE), as_=ws.bob)
    read = at(state.last_read_time)
    assert before <= read <= clock.now()
    clock.advance(timedelta(minutes=1))
    message = post(call, team, ws.alice)
    assert at(message.create_time) > read, "a later message is unread"
    past = call("UpdateSpaceReadState", update(space_state_name(team), LONG_AGO), as_=ws.bob)
    assert at(past.last_read_time) == LONG_AGO


# ------------------------------------------------------------------ how read states advance


def test_posting_a_top_level_message_marks_the_space_read_up_to_it(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    post(call, team, ws.alice, "before")
    clock.advance(timedelta(minutes=1))
    own = post(call, team, ws.bob, "mine")
    assert space_read_time(call, team, ws.bob) == at(own.create_time)
    assert thread_read_time(call, own.thread.name, ws.bob) is None, "a top-level message is not a reply"
    clock.advance(timedelta(minutes=1))
    post(call, team, ws.alice, "after")
    assert space_read_time(call, team, ws.bob) == at(own.create_time), "others' messages stay unread"


def test_posting_a_reply_marks_only_that_thread_read(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    root = post(call, team, ws.alice)
    other_root = post(call, team, ws.alice, "another thread")
    reply(call, team, other_root, ws.alice)
    clock.advance(timedelta(minutes=1))
    own = reply(call, team, root, ws.bob)
    assert thread_read_time(call, root.thread.name, ws.bob) == at(own.create_time)
    assert thread_read_time(call, other_root.thread.name, ws.bob) is None
    assert space_read_time(call, team, ws.bob) is None, "replies don't move the space read state"
    assert thread_read_time(call, root.thread.name, ws.alice) is None, "only the poster's state moves"


def test_reading_through_the_api_marks_nothing_read(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    root = post(call, team, ws.alice)
    reply(call, team, root, ws.alice)
    call("GetMessage", message_pb2.GetMessageRequest(name=root.name), as_=ws.bob)
    call("ListMessages", message_pb2.ListMessagesRequest(parent=team.name), as_=ws.bob)
    assert space_read_time(call, team, ws.bob) is None
    assert thread_read_time(call, root.thread.name, ws.bob) is None


def test_an_apps_messages_mark_nothing_read(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    space = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space("Bots", customer="customers/my_customer")),
        as_=ws.app,
    )
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=space.name, membership=human(ws.bob.name)),
        as_=ws.app,
    )
    post(call, space, ws.app, "from the app")
    assert space_read_time(call, space, ws.bob) is None


# ------------------------------------------------------------------ GetThreadReadState


@pytest.mark.parametrize("which", ["unknown thread", "a thread of another space"])
def test_an_unknown_thread_is_not_found(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, which: str
) -> None:
    other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.bob)
    root = post(call, other, ws.bob)
    thread = f"{team.name}/threads/nosuchthread"
    if which == "a thread of another space":
        thread = f"{team.name}/threads/" + root.thread.name.rsplit("/", 1)[1]
    error = rpc_error(
        Code.NOT_FOUND, "GetThreadReadState", get_thread(thread_state_name(thread)), as_=ws.bob, match="not found"
    )
    assert_details(error)
    assert thread_read_time(call, root.thread.name, ws.bob) is None


def test_a_thread_without_replies_exists(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    root = post(call, team, ws.alice)
    state = call("GetThreadReadState", get_thread(thread_state_name(root.thread.name)), as_=ws.bob)
    assert not state.HasField("last_read_time")


# ------------------------------------------------------------------ authentication and scopes


@pytest.mark.parametrize(
    ("rpc", "scopes", "allowed"),
    [
        ("GetSpaceReadState", ["chat.users.readstate.readonly"], True),
        ("GetSpaceReadState", ["chat.users.readstate"], True),
        ("GetSpaceReadState", ["chat.spaces", "chat.messages"], False),
        ("GetThreadReadState", ["chat.users.readstate.readonly"], True),
        ("GetThreadReadState", ["chat.users.spacesettings"], False),
        ("UpdateSpaceReadState", ["chat.users.readstate"], True),
        ("UpdateSpaceReadState", ["chat.users.readstate.readonly"], False),
    ],
)
def test_scopes(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str, scopes: list[str], allowed: bool
) -> None:
    root = post(call, team, ws.alice)
    request = {
        "GetSpaceReadState": get_space(space_state_name(team)),
        "GetThreadReadState": get_thread(thread_state_name(root.thread.name)),
        "UpdateSpaceReadState": update(space_state_name(team), FAR_FUTURE),
    }[rpc]
    if allowed:
        call(rpc, request, as_=ws.bob, scopes=scopes)
    else:
        error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.bob, scopes=scopes, match="chat.users.readstate")
        assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")


@pytest.mark.parametrize("rpc", ["GetSpaceReadState", "UpdateSpaceReadState", "GetThreadReadState"])
def test_app_authentication_is_refused(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str) -> None:
    request = {
        "GetSpaceReadState": get_space(space_state_name(team)),
        "GetThreadReadState": get_thread(thread_state_name(f"{team.name}/threads/t")),
        "UpdateSpaceReadState": update(space_state_name(team), FAR_FUTURE),
    }[rpc]
    error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.app, match="user authentication")
    assert_details(error, reason="APP_AUTH_NOT_SUPPORTED")


def test_a_deleted_space_takes_its_read_states(
    call: Caller, rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space
) -> None:
    post(call, team, ws.bob)
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    rpc_error(Code.NOT_FOUND, "GetSpaceReadState", get_space(space_state_name(team)), as_=ws.bob, match="not found")
    assert not [k for k in chat.store.read_states._read if k[1] == sid(team)]
