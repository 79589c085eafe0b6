"""The space RPCs through the real gRPC channel: CreateSpace, SetUpSpace, GetSpace, ListSpaces, SearchSpaces,
UpdateSpace, DeleteSpace, CompleteImportSpace and FindDirectMessage.

The rules are those of chat-api-facts §2-§10 and of the API reference (spec/004). Every documented error is
asserted with its status code and a message naming the field or the problem. Errors that share a shape are
tables; the happy paths and the multi-step rules (import mode, idempotency, paging) are tests of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.chat.v1 import group_pb2, history_state_pb2, membership_pb2, space_pb2, space_setup_pb2, user_pb2
from google.protobuf import empty_pb2, field_mask_pb2, timestamp_pb2

from chat_grpc.fake.store import Actor, AuthKind, Space, User
from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace, human, new_space

S = space_pb2.Space
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
MY_CUSTOMER = "customers/my_customer"
UPDATED = "google.workspace.chat.space.v1.updated"
SEARCH_ALL = 'customer = "customers/my_customer" AND space_type = "SPACE"'
ErrorCheck = Callable[..., grpc.RpcError]


# ------------------------------------------------------------------ helpers


def ts(when: datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(when)
    return value


def sid(space: space_pb2.Space) -> str:
    return space.name.split("/", 1)[1]


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def create(call: Caller, who: Any, display_name: str = "Team", *, request_id: str = "", **options: Any) -> S:
    request = space_pb2.CreateSpaceRequest(space=new_space(display_name), request_id=request_id)
    return call("CreateSpace", request, as_=who, **options)


def create_as_app(call: Caller, app: Any, display_name: str, **options: Any) -> S:
    request = space_pb2.CreateSpaceRequest(space=new_space(display_name, customer=MY_CUSTOMER))
    return call("CreateSpace", request, as_=app, **options)


def set_up(call: Caller, who: Any, space: S, *members: str, request_id: str = "", **options: Any) -> S:
    request = space_setup_pb2.SetUpSpaceRequest(
        space=space, memberships=[human(m) for m in members], request_id=request_id
    )
    return call("SetUpSpace", request, as_=who, **options)


def add_member(call: Caller, who: Any, space: S, member: str, **options: Any) -> None:
    request = membership_pb2.CreateMembershipRequest(parent=space.name, membership=human(member))
    call("CreateMembership", request, as_=who, **options)


def add_app(call: Caller, ws: Workspace, space: S) -> None:
    """alice, through a token issued to ws.app, adds that app to ``space``."""
    bot = membership_pb2.Membership(member=user_pb2.User(name="users/app", type=user_pb2.User.BOT))
    request = membership_pb2.CreateMembershipRequest(parent=space.name, membership=bot)
    call("CreateMembership", request, as_=ws.alice, app=ws.app)


def import_space(call: Caller, who: Any, display_name: str = "Imported", **fields: Any) -> S:
    request = space_pb2.CreateSpaceRequest(space=new_space(display_name, import_mode=True, **fields))
    return call("CreateSpace", request, as_=who)


def list_spaces(call: Caller, who: Any, *, filter: str = "", page_size: int = 0, **options: Any) -> list[S]:
    """Every page of ListSpaces."""
    spaces: list[S] = []
    token = ""
    while True:
        request = space_pb2.ListSpacesRequest(filter=filter, page_size=page_size, page_token=token)
        page = call("ListSpaces", request, as_=who, **options)
        spaces.extend(page.spaces)
        token = page.next_page_token
        if not token:
            return spaces


def search(call: Caller, who: Any, query: str = SEARCH_ALL, **fields: Any) -> space_pb2.SearchSpacesResponse:
    request = space_pb2.SearchSpacesRequest(use_admin_access=True, query=query, **fields)
    return call("SearchSpaces", request, as_=who)


def names(spaces: Any) -> list[str]:
    return [s.display_name for s in spaces]


def members(chat: ChatServer, space: S) -> dict[str, tuple[str, str, str]]:
    """member id -> (kind, role, state) from the store."""
    return {m.member_id: (m.member_kind, m.role, m.state) for m in chat.store.memberships(sid(space))}


def seed_spaces(chat: ChatServer, user: User, count: int, prefix: str = "Bulk") -> None:
    """Many spaces at once, straight through the store (the RPC path is tested elsewhere)."""
    actor = Actor(user, AuthKind.USER, frozenset({"chat.spaces"}))
    for i in range(count):
        template = Space(id="", space_type="SPACE", display_name=f"{prefix} {i:04d}", customer=user.customer)
        chat.store.create_space(actor, template)


# ------------------------------------------------------------------ CreateSpace


def test_create_space_as_user_makes_the_caller_its_manager(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    details = S.SpaceDetails(description="What we do", guidelines="Be kind")
    request = space_pb2.CreateSpaceRequest(space=new_space("Team", name="spaces/mine", space_details=details))
    space = call("CreateSpace", request, as_=ws.alice)
    assert space.name.startswith("spaces/") and space.name != "spaces/mine"  # the server assigns the name
    assert (space.space_type, space.display_name, space.space_details) == (S.SPACE, "Team", details)
    assert space.customer == ws.alice.customer and not space.import_mode
    assert space.HasField("create_time") and space.space_history_state == history_state_pb2.HISTORY_ON
    assert space.membership_count.joined_direct_human_user_count == 1
    assert space.permission_settings.manage_members_and_groups.members_allowed  # collaboration space by default
    assert space.access_settings.access_state == S.AccessSettings.PRIVATE
    assert members(chat, space) == {ws.alice.id: ("HUMAN", "ROLE_MANAGER", "JOINED")}
    assert call("GetSpace", space_pb2.GetSpaceRequest(name=space.name), as_=ws.alice) == space


@pytest.mark.parametrize(
    ("predefined", "members_post", "members_reply"),
    [(S.COLLABORATION_SPACE, True, True), (S.ANNOUNCEMENT_SPACE, False, True)],
)
def test_create_space_predefined_permission_settings(
    call: Caller, ws: Workspace, predefined: int, members_post: bool, members_reply: bool
) -> None:
    request = space_pb2.CreateSpaceRequest(space=new_space("News", predefined_permission_settings=predefined))
    settings = call("CreateSpace", request, as_=ws.alice).permission_settings
    assert settings.post_messages.members_allowed is members_post
    assert settings.reply_messages.members_allowed is members_reply
    assert settings.post_messages.managers_allowed


def test_create_space_at_the_length_limits(call: Caller, ws: Workspace) -> None:
    details = S.SpaceDetails(description="d" * 150, guidelines="g" * 5000)
    request = space_pb2.CreateSpaceRequest(space=new_space("n" * 128, space_details=details))
    space = call("CreateSpace", request, as_=ws.alice)
    assert len(space.display_name) == 128 and space.space_details == details


@pytest.mark.parametrize("customer", [MY_CUSTOMER, "customers/C0demo00"])
def test_create_space_as_app_needs_a_customer_and_joins_as_member(
    call: Caller, chat: ChatServer, ws: Workspace, customer: str
) -> None:
    request = space_pb2.CreateSpaceRequest(space=new_space("Bot Lab", customer=customer))
    space = call("CreateSpace", request, as_=ws.app, scopes=["chat.app.spaces.create"])
    assert space.customer == ws.app.customer == "customers/C0demo00"  # the alias resolves to the app's customer
    assert members(chat, space) == {ws.app.id: ("BOT", "ROLE_MEMBER", "JOINED")}


def test_create_space_ignores_create_time_outside_import_mode(call: Caller, ws: Workspace, clock: ManualClock) -> None:
    request = space_pb2.CreateSpaceRequest(space=new_space("Now", create_time=ts(datetime(2020, 1, 1, tzinfo=UTC))))
    space = call("CreateSpace", request, as_=ws.alice)
    assert space.create_time.ToDatetime(tzinfo=UTC).year == clock.now().year


CREATE_ERRORS = [
    pytest.param(space_pb2.CreateSpaceRequest(), "alice", {}, INVALID, "space is required", id="no-space"),
    pytest.param(S(display_name="X"), "alice", {}, INVALID, "space.space_type", id="type-unspecified"),
    pytest.param(S(space_type=S.DIRECT_MESSAGE), "alice", {}, INVALID, "space.space_type", id="direct-message"),
    pytest.param(S(space_type=S.GROUP_CHAT), "alice", {}, INVALID, "only in import mode", id="group-chat"),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE, import_mode=True), "alice", {}, INVALID, "space.space_type", id="import-dm"
    ),
    pytest.param(new_space(""), "alice", {}, INVALID, "space.display_name is required", id="no-display-name"),
    pytest.param(new_space("   "), "alice", {}, INVALID, "space.display_name is required", id="blank-name"),
    pytest.param(new_space("n" * 129), "alice", {}, INVALID, "space.display_name is 129 characters", id="name-129"),
    pytest.param(
        new_space("X", space_details=S.SpaceDetails(description="d" * 151)),
        "alice",
        {},
        INVALID,
        "space.space_details.description is 151",
        id="description-151",
    ),
    pytest.param(
        new_space("X", space_details=S.SpaceDetails(guidelines="g" * 5001)),
        "alice",
        {},
        INVALID,
        "space.space_details.guidelines is 5001",
        id="guidelines-5001",
    ),
    pytest.param(new_space("X"), "app", {}, INVALID, "space.customer is required", id="app-without-customer"),
    pytest.param(
        new_space("X", customer="customers/C0partner"), "app", {}, INVALID, "space.customer", id="app-other-customer"
    ),
    pytest.param(
        new_space("X", customer="customers/C0demo00"), "dave", {}, INVALID, "space.customer", id="user-other-customer"
    ),
    pytest.param(
        new_space("X", import_mode=True, customer=MY_CUSTOMER), "app", {}, DENIED, "chat.import", id="import-as-app"
    ),
    pytest.param(
        new_space("X", import_mode=True),
        "alice",
        {"scopes": ["chat.spaces"]},
        DENIED,
        "chat.import",
        id="import-without-scope",
    ),
    pytest.param(new_space("X"), "alice", {"scopes": ["chat.import"]}, DENIED, "import mode", id="import-scope-only"),
    pytest.param(
        new_space("X", import_mode=True, create_time=ts(datetime(1999, 12, 31, 23, 59, tzinfo=UTC))),
        "alice",
        {},
        INVALID,
        "space.create_time",
        id="create-time-before-2000",
    ),
    pytest.param(
        new_space("X", import_mode=True, create_time=ts(datetime(2030, 1, 1, tzinfo=UTC))),
        "alice",
        {},
        INVALID,
        "space.create_time",
        id="create-time-in-future",
    ),
    pytest.param(
        new_space("X"), "alice", {"scopes": ["chat.spaces.readonly"]}, DENIED, "OAuth scopes", id="readonly-scope"
    ),
    pytest.param(
        new_space("X", customer=MY_CUSTOMER), "app", {"scopes": ["chat.bot"]}, DENIED, "OAuth scopes", id="bot-scope"
    ),
    pytest.param(
        new_space("X", predefined_permission_settings=S.PREDEFINED_PERMISSION_SETTINGS_UNSPECIFIED),
        "alice",
        {},
        INVALID,
        "space.predefined_permission_settings",
        id="predefined-unspecified",
    ),
    pytest.param(
        new_space("X", access_settings=S.AccessSettings(audience="everyone")),
        "alice",
        {},
        INVALID,
        "space.access_settings.audience",
        id="audience-malformed",
    ),
    pytest.param(
        new_space("X", customer=MY_CUSTOMER, access_settings=S.AccessSettings(audience="audiences/default")),
        "app",
        {},
        INVALID,
        "user authentication",
        id="audience-as-app",
    ),
    pytest.param(
        new_space("X", single_user_bot_dm=True), "alice", {}, INVALID, "single_user_bot_dm", id="bot-dm-flag-on-space"
    ),
]


@pytest.mark.parametrize(("request_or_space", "who", "options", "code", "match"), CREATE_ERRORS)
def test_create_space_errors(
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    request_or_space: Any,
    who: str,
    options: dict[str, Any],
    code: grpc.StatusCode,
    match: str,
) -> None:
    request = (
        request_or_space
        if isinstance(request_or_space, space_pb2.CreateSpaceRequest)
        else space_pb2.CreateSpaceRequest(space=request_or_space)
    )
    rpc_error(code, "CreateSpace", request, as_=getattr(ws, who), match=match, **options)
    assert chat.store.spaces() == []


def test_display_name_must_be_free_in_the_customer(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    team = create(call, ws.alice, "Team")
    other = create(call, ws.alice, "Other")
    rpc_error(EXISTS, "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Team")), as_=ws.bob, match="Team")
    rpc_error(
        EXISTS,
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space("Team", customer=MY_CUSTOMER)),
        as_=ws.app,
        match="Team",
    )
    rpc_error(
        EXISTS, "SetUpSpace", space_setup_pb2.SetUpSpaceRequest(space=new_space("Team")), as_=ws.bob, match="Team"
    )
    rename = space_pb2.UpdateSpaceRequest(
        space=S(name=other.name, display_name="Team"), update_mask=mask("display_name")
    )
    rpc_error(EXISTS, "UpdateSpace", rename, as_=ws.alice, match="Team")
    # Another organization may use the name; a space may keep (re-set) its own name.
    assert create(call, ws.dave, "Team").customer == "customers/C0partner"
    same = space_pb2.UpdateSpaceRequest(space=S(name=team.name, display_name="Team"), update_mask=mask("display_name"))
    assert call("UpdateSpace", same, as_=ws.alice).display_name == "Team"


def test_a_display_name_is_taken_until_its_space_is_renamed_or_deleted(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace
) -> None:
    team = create(call, ws.alice, "Team")
    # Compared without case and surrounding blanks.
    rpc_error(EXISTS, "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space(" TEAM ")), as_=ws.bob, match="TEAM")
    call("UpdateSpace", _update(team, "display_name", display_name="Renamed"), as_=ws.alice)
    assert create(call, ws.bob, "team").display_name == "team"  # the old name is free again
    rpc_error(EXISTS, "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("renamed")), as_=ws.bob)
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    assert create(call, ws.bob, "renamed").display_name == "renamed"  # ... and so is a deleted space's
    # A group chat that becomes a space takes a name like any space.
    group = set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name)
    grow = _update(group, "space_type", "display_name", space_type=S.SPACE, display_name="Renamed")
    rpc_error(EXISTS, "UpdateSpace", grow, as_=ws.bob, match="Renamed")
    call(
        "UpdateSpace",
        _update(group, "space_type", "display_name", space_type=S.SPACE, display_name="Grown"),
        as_=ws.bob,
    )
    rpc_error(EXISTS, "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("grown")), as_=ws.alice)


# ------------------------------------------------------------------ import mode and CompleteImportSpace


def test_import_mode_space_is_invisible_until_the_import_completes(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, clock: ManualClock
) -> None:
    historical = datetime(2020, 3, 4, 5, 6, 7, tzinfo=UTC)
    imported = import_space(call, ws.alice, create_time=ts(historical))
    assert imported.import_mode and imported.create_time.ToDatetime(tzinfo=UTC) == historical
    expires = imported.import_mode_expire_time.ToDatetime(tzinfo=UTC)
    assert timedelta(days=89) < expires - clock.now() <= timedelta(days=90)
    assert members(chat, imported) == {}  # no members are created in import mode
    add_member(call, ws.alice, imported, ws.bob.name, scopes=["chat.import"])

    get = space_pb2.GetSpaceRequest(name=imported.name)
    rpc_error(NOT_FOUND, "GetSpace", get, as_=ws.bob, match="not found")
    rpc_error(NOT_FOUND, "GetSpace", get, as_=ws.alice, scopes=["chat.spaces"], match="not found")
    admin_get = space_pb2.GetSpaceRequest(name=imported.name, use_admin_access=True)
    rpc_error(NOT_FOUND, "GetSpace", admin_get, as_=ws.alice, match="not found")
    assert list_spaces(call, ws.bob) == [] and list_spaces(call, ws.alice) == []
    assert search(call, ws.alice).total_size == 0
    # The creator works on it through chat.import.
    rename = space_pb2.UpdateSpaceRequest(
        space=S(name=imported.name, display_name="Imported 2"), update_mask=mask("display_name")
    )
    assert call("UpdateSpace", rename, as_=ws.alice, scopes=["chat.import"]).display_name == "Imported 2"

    complete = space_pb2.CompleteImportSpaceRequest(name=imported.name)
    done = call("CompleteImportSpace", complete, as_=ws.alice, scopes=["chat.import"]).space
    assert not done.import_mode and not done.HasField("import_mode_expire_time")
    assert done.create_time.ToDatetime(tzinfo=UTC) == historical
    assert call("GetSpace", get, as_=ws.bob).display_name == "Imported 2"
    assert names(list_spaces(call, ws.bob)) == ["Imported 2"]
    rpc_error(PRECONDITION, "CompleteImportSpace", complete, as_=ws.alice, match="not in import mode")


def test_group_chat_can_be_created_in_import_mode(call: Caller, ws: Workspace) -> None:
    request = space_pb2.CreateSpaceRequest(space=S(space_type=S.GROUP_CHAT, import_mode=True))
    space = call("CreateSpace", request, as_=ws.alice, scopes=["chat.import"])
    assert space.space_type == S.GROUP_CHAT and space.import_mode and space.display_name == ""


@pytest.mark.parametrize(
    ("rpc", "build"),
    [
        (
            "UpdateSpace",
            lambda s: space_pb2.UpdateSpaceRequest(
                space=S(name=s.name, display_name="Y"), update_mask=mask("display_name")
            ),
        ),
        ("DeleteSpace", lambda s: space_pb2.DeleteSpaceRequest(name=s.name)),
        (
            "CreateMembership",
            lambda s: membership_pb2.CreateMembershipRequest(parent=s.name, membership=human("users/erin@example.com")),
        ),
    ],
)
def test_import_scope_alone_cannot_touch_spaces_outside_import_mode(
    rpc_error: ErrorCheck, ws: Workspace, team: S, rpc: str, build: Callable[[S], Any]
) -> None:
    rpc_error(DENIED, rpc, build(team), as_=ws.alice, scopes=["chat.import"], match="import mode")


@pytest.mark.parametrize(
    ("target", "who", "options", "code", "match"),
    [
        pytest.param("team", "alice", {"scopes": ["chat.import"]}, PRECONDITION, "not in import mode", id="normal"),
        pytest.param("imported", "bob", {"scopes": ["chat.import"]}, NOT_FOUND, "not found", id="not-the-importer"),
        pytest.param("imported", "alice", {"scopes": ["chat.spaces"]}, DENIED, "OAuth scopes", id="no-import-scope"),
        pytest.param("imported", "app", {}, DENIED, "app authentication", id="app-auth"),
        pytest.param("rooms/x", "alice", {}, INVALID, "name must look like spaces/{space}", id="malformed"),
        pytest.param("", "alice", {}, INVALID, "name is required", id="no-name"),
    ],
)
def test_complete_import_space_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    ws: Workspace,
    team: S,
    target: str,
    who: str,
    options: dict[str, Any],
    code: grpc.StatusCode,
    match: str,
) -> None:
    spaces = {"team": team.name, "imported": import_space(call, ws.alice).name}
    request = space_pb2.CompleteImportSpaceRequest(name=spaces.get(target, target))
    rpc_error(code, "CompleteImportSpace", request, as_=getattr(ws, who), match=match, **options)


# ------------------------------------------------------------------ request_id


@pytest.mark.parametrize("rpc", ["CreateSpace", "SetUpSpace"])
def test_request_id_returns_the_space_created_with_it(call: Caller, chat: ChatServer, ws: Workspace, rpc: str) -> None:
    def send(who: User, display_name: str, **options: Any) -> S:
        if rpc == "CreateSpace":
            return create(call, who, display_name, request_id="req-1", **options)
        return set_up(call, who, new_space(display_name), request_id="req-1", **options)

    first = send(ws.alice, "Idempotent", app=ws.app)
    again = send(ws.alice, "Something else", app=ws.app)  # the stored result, whatever the new request says
    assert again == first and len(chat.store.spaces()) == 1
    with pytest.raises(grpc.RpcError) as caught:
        send(ws.bob, "Bob's", app=ws.app)  # same app, another user
    assert caught.value.code() == INVALID and "request_id" in (caught.value.details() or "")
    other_app = send(ws.bob, "Bob's", app=ws.other_app)  # request ids are per app
    assert other_app.name != first.name and len(chat.store.spaces()) == 2


def test_request_id_from_eight_threads_creates_one_space(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    token = chat.token_for(ws.alice)
    barrier = threading.Barrier(8)
    request = space_pb2.CreateSpaceRequest(space=new_space("Race"), request_id="race-1")

    def send(_: int) -> str:
        barrier.wait(timeout=10)
        return str(call("CreateSpace", request, token=token).name)

    with ThreadPoolExecutor(8) as pool:
        results = set(pool.map(send, range(8)))
    assert len(results) == 1
    assert [s.name for s in chat.store.spaces()] == list(results)
    assert len(members(chat, S(name=results.pop()))) == 1  # the creator joined once


# ------------------------------------------------------------------ SetUpSpace


def test_set_up_space_adds_the_caller_users_and_groups(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    request = space_setup_pb2.SetUpSpaceRequest(
        space=new_space("Launch"),
        memberships=[
            human("users/bob@example.com"),  # the email alias
            human(ws.carol.name),  # auto-accept off: invited
            human(ws.alice.name),  # the caller: added anyway, once
            membership_pb2.Membership(group_member=group_pb2.Group(name=ws.group.name)),
        ],
    )
    space = call("SetUpSpace", request, as_=ws.alice)
    assert space.space_type == S.SPACE and space.display_name == "Launch"
    assert members(chat, space) == {
        ws.alice.id: ("HUMAN", "ROLE_MANAGER", "JOINED"),
        ws.bob.id: ("HUMAN", "ROLE_MEMBER", "JOINED"),
        ws.carol.id: ("HUMAN", "ROLE_MEMBER", "INVITED"),
        ws.group.id: ("GROUP", "MEMBERSHIP_ROLE_UNSPECIFIED", "JOINED"),  # groups have no role
    }
    assert (space.membership_count.joined_direct_human_user_count, space.membership_count.joined_group_count) == (2, 1)


def test_set_up_space_takes_up_to_twenty_memberships(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace
) -> None:
    users = [chat.store.add_user(f"user{i}@example.com") for i in range(21)]
    space = set_up(call, ws.alice, new_space("Twenty"), *(u.name for u in users[:20]))
    assert len(members(chat, space)) == 21  # 20 + the caller
    request = space_setup_pb2.SetUpSpaceRequest(space=new_space("Too many"), memberships=[human(u.name) for u in users])
    rpc_error(INVALID, "SetUpSpace", request, as_=ws.alice, match="at most 20")


def test_set_up_group_chat(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    space = set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.carol.name)
    assert space.space_type == S.GROUP_CHAT and space.display_name == "" and space.HasField("create_time")
    assert not space.HasField("permission_settings") and not space.HasField("access_settings")  # SPACE only
    assert members(chat, space) == {
        u.id: ("HUMAN", "ROLE_MEMBER", "JOINED") for u in (ws.alice, ws.bob, ws.carol)
    }  # no managers, and nobody is merely invited to a group chat


def test_set_up_direct_message_returns_an_existing_one(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    dm = set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.bob.name)
    assert dm.space_type == S.DIRECT_MESSAGE and not dm.single_user_bot_dm
    assert not dm.HasField("customer") and not dm.HasField("create_time")  # not populated for DMs
    assert set(members(chat, dm)) == {ws.alice.id, ws.bob.id}
    assert set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), "users/bob@example.com").name == dm.name
    assert set_up(call, ws.bob, S(space_type=S.DIRECT_MESSAGE), ws.alice.name).name == dm.name
    assert len(chat.store.spaces()) == 1


def test_set_up_direct_message_with_the_calling_app(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace
) -> None:
    bot_dm = S(space_type=S.DIRECT_MESSAGE, single_user_bot_dm=True)
    dm = set_up(call, ws.alice, bot_dm, app=ws.app)
    assert dm.space_type == S.DIRECT_MESSAGE and dm.single_user_bot_dm
    assert members(chat, dm) == {
        ws.alice.id: ("HUMAN", "ROLE_MEMBER", "JOINED"),
        ws.app.id: ("BOT", "ROLE_MEMBER", "JOINED"),
    }
    assert set_up(call, ws.alice, bot_dm, app=ws.app).name == dm.name
    assert set_up(call, ws.alice, bot_dm, app=ws.other_app).name != dm.name  # a DM per app
    request = space_setup_pb2.SetUpSpaceRequest(space=bot_dm)
    rpc_error(INVALID, "SetUpSpace", request, as_=ws.alice, match="single_user_bot_dm")  # no app behind the token


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_blocked_users(call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, blocker: str) -> None:
    existing = set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.erin.name)
    blocked = ws.bob if blocker == "alice" else ws.alice
    chat.store.block(getattr(ws, blocker).id, blocked.id)
    chat.store.block(ws.erin.id, ws.alice.id)
    dm = space_setup_pb2.SetUpSpaceRequest(space=S(space_type=S.DIRECT_MESSAGE), memberships=[human(ws.bob.name)])
    rpc_error(PRECONDITION, "SetUpSpace", dm, as_=ws.alice, match="blocks")
    # An existing DM is returned even though erin now blocks alice.
    assert set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.erin.name).name == existing.name
    # In a group chat or a space, blocked users are silently left out.
    group = set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.carol.name)
    assert set(members(chat, group)) == {ws.alice.id, ws.carol.id}
    space = set_up(call, ws.alice, new_space("No Bob"), ws.bob.name, ws.carol.name)
    assert set(members(chat, space)) == {ws.alice.id, ws.carol.id}


def test_set_up_space_leaves_out_external_users_unless_allowed(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    internal = set_up(call, ws.alice, new_space("Internal"), ws.bob.name, ws.dave.name)
    assert set(members(chat, internal)) == {ws.alice.id, ws.bob.id}
    external = set_up(call, ws.alice, new_space("External", external_user_allowed=True), ws.dave.name)
    assert set(members(chat, external)) == {ws.alice.id, ws.dave.id}


def _group(name: str) -> membership_pb2.Membership:
    return membership_pb2.Membership(group_member=group_pb2.Group(name=name))


def _bot(name: str) -> membership_pb2.Membership:
    return membership_pb2.Membership(member=user_pb2.User(name=name, type=user_pb2.User.BOT))


SETUP_ERRORS = [
    pytest.param(None, [], "alice", {}, INVALID, "space is required", id="no-space"),
    pytest.param(S(display_name="X"), [], "alice", {}, INVALID, "space.space_type", id="type-unspecified"),
    pytest.param(new_space(""), [], "alice", {}, INVALID, "space.display_name is required", id="space-no-name"),
    pytest.param(new_space("n" * 129), [], "alice", {}, INVALID, "space.display_name is 129", id="name-129"),
    pytest.param(
        new_space("X", space_details=S.SpaceDetails(description="d" * 151)),
        [],
        "alice",
        {},
        INVALID,
        "space.space_details.description",
        id="description-151",
    ),
    pytest.param(
        S(space_type=S.GROUP_CHAT, display_name="Named"),
        ["bob", "erin"],
        "alice",
        {},
        INVALID,
        "space.display_name",
        id="group-chat-with-name",
    ),
    pytest.param(S(space_type=S.GROUP_CHAT), ["bob"], "alice", {}, INVALID, "at least 2", id="group-chat-one-member"),
    pytest.param(S(space_type=S.GROUP_CHAT), [], "alice", {}, INVALID, "at least 2", id="group-chat-no-member"),
    pytest.param(
        S(space_type=S.GROUP_CHAT), ["bob", "alice"], "alice", {}, INVALID, "at least 2", id="group-chat-self-counted"
    ),
    pytest.param(S(space_type=S.DIRECT_MESSAGE), [], "alice", {}, INVALID, "exactly one", id="dm-no-member"),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE), ["bob", "erin"], "alice", {}, INVALID, "exactly one", id="dm-two-members"
    ),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE, display_name="X"), ["bob"], "alice", {}, INVALID, "display_name", id="dm-name"
    ),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE, space_details=S.SpaceDetails(description="d")),
        ["bob"],
        "alice",
        {},
        INVALID,
        "space_details",
        id="dm-details",
    ),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE, single_user_bot_dm=True),
        ["bob"],
        "alice",
        {"app": "app"},
        INVALID,
        "memberships",
        id="bot-dm-with-members",
    ),
    pytest.param(
        S(space_type=S.GROUP_CHAT), ["group", "bob"], "alice", {}, INVALID, "only be added to a SPACE", id="group-in-gc"
    ),
    pytest.param(
        S(space_type=S.DIRECT_MESSAGE), ["group"], "alice", {}, INVALID, "only be added to a SPACE", id="group-in-dm"
    ),
    pytest.param(new_space("X"), ["bot:app"], "alice", {}, INVALID, "human users and groups only", id="bot-member"),
    pytest.param(new_space("X"), ["users/nobody@example.com"], "alice", {}, NOT_FOUND, "users/nobody", id="unknown"),
    pytest.param(
        new_space("X"), ["bob@example.com"], "alice", {}, INVALID, "memberships[0].member.name", id="bad-name"
    ),
    pytest.param(new_space("X", import_mode=True), [], "alice", {}, INVALID, "import_mode", id="import-mode"),
    pytest.param(new_space("X"), [], "app", {}, DENIED, "app authentication", id="app-auth"),
    pytest.param(new_space("X"), [], "alice", {"scopes": ["chat.spaces.readonly"]}, DENIED, "OAuth scopes", id="scope"),
]


@pytest.mark.parametrize(("space", "member_keys", "who", "options", "code", "match"), SETUP_ERRORS)
def test_set_up_space_errors(
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    space: S | None,
    member_keys: list[str],
    who: str,
    options: dict[str, Any],
    code: grpc.StatusCode,
    match: str,
) -> None:
    def membership(key: str) -> membership_pb2.Membership:
        if key == "group":
            return _group(ws.group.name)
        if key.startswith("bot:"):
            return _bot(getattr(ws, key[4:]).name)
        return human(key if "/" in key or "@" in key else getattr(ws, key).name)

    request = space_setup_pb2.SetUpSpaceRequest(space=space, memberships=[membership(k) for k in member_keys])
    if "app" in options:
        options = {**options, "app": getattr(ws, options["app"])}
    rpc_error(code, "SetUpSpace", request, as_=getattr(ws, who), match=match, **options)
    assert chat.store.spaces() == []


# ------------------------------------------------------------------ GetSpace


def test_get_space_as_member_and_outsider(call: Caller, rpc_error: ErrorCheck, ws: Workspace, team: S) -> None:
    space = call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.bob, scopes=["chat.spaces.readonly"])
    assert space.name == team.name and space.HasField("permission_settings") and space.HasField("access_settings")
    assert space.membership_count.joined_direct_human_user_count == 2
    rpc_error(NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.erin, match=team.name)
    rpc_error(NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name="spaces/AAAAnone"), as_=ws.alice, match="not found")
    rpc_error(INVALID, "GetSpace", space_pb2.GetSpaceRequest(name="rooms/x"), as_=ws.alice, match="spaces/{space}")
    rpc_error(INVALID, "GetSpace", space_pb2.GetSpaceRequest(), as_=ws.alice, match="name is required")
    rpc_error(
        DENIED,
        "GetSpace",
        space_pb2.GetSpaceRequest(name=team.name),
        as_=ws.bob,
        scopes=["chat.messages"],
        match="OAuth scopes",
    )


@pytest.mark.parametrize(
    ("creator", "scopes", "permission_settings", "access_settings"),
    [
        ("app", ["chat.bot"], True, False),
        ("app", ["chat.app.spaces"], True, True),
        ("alice", ["chat.bot"], False, False),
        ("alice", ["chat.app.spaces"], False, True),
    ],
)
def test_get_space_as_app(
    call: Caller,
    ws: Workspace,
    team: S,
    creator: str,
    scopes: list[str],
    permission_settings: bool,
    access_settings: bool,
) -> None:
    """Permission settings only for spaces the app created; access settings only with chat.app.spaces."""
    if creator == "app":
        space = create_as_app(call, ws.app, "Bot Lab")
    else:
        space = team
        add_app(call, ws, team)
    got = call("GetSpace", space_pb2.GetSpaceRequest(name=space.name), as_=ws.app, scopes=scopes)
    assert got.name == space.name
    assert got.HasField("permission_settings") is permission_settings
    assert got.HasField("access_settings") is access_settings


def test_get_space_as_app_outside_the_space(rpc_error: ErrorCheck, ws: Workspace, team: S) -> None:
    rpc_error(NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.app, match="not found")


@pytest.mark.parametrize(
    ("owner", "who", "admin", "scopes", "code", "match"),
    [
        pytest.param("bob", "alice", True, None, None, "", id="admin"),
        pytest.param("bob", "alice", True, ["chat.admin.spaces.readonly"], None, "", id="admin-readonly"),
        pytest.param("bob", "alice", True, ["chat.spaces"], DENIED, "OAuth scopes", id="admin-no-admin-scope"),
        pytest.param("bob", "alice", False, None, NOT_FOUND, "not found", id="admin-without-admin-access"),
        pytest.param("alice", "bob", True, None, DENIED, "not a Workspace administrator", id="not-an-admin"),
        pytest.param("dave", "alice", True, None, NOT_FOUND, "not found", id="other-organization"),
        pytest.param("bob", "app", True, None, DENIED, "user authentication", id="app"),
    ],
)
def test_get_space_with_admin_access(
    call: Caller,
    rpc_error: ErrorCheck,
    ws: Workspace,
    owner: str,
    who: str,
    admin: bool,
    scopes: list[str] | None,
    code: grpc.StatusCode | None,
    match: str,
) -> None:
    space = create(call, getattr(ws, owner), "Owned")
    request = space_pb2.GetSpaceRequest(name=space.name, use_admin_access=admin)
    options = {} if scopes is None else {"scopes": scopes}
    if code is None:
        assert call("GetSpace", request, as_=getattr(ws, who), **options).display_name == "Owned"
    else:
        rpc_error(code, "GetSpace", request, as_=getattr(ws, who), match=match, **options)


# ------------------------------------------------------------------ ListSpaces


def test_list_spaces_lists_only_the_callers_joined_named_spaces(
    call: Caller, rpc_error: ErrorCheck, ws: Workspace
) -> None:
    a = create(call, ws.alice, "A")
    create(call, ws.alice, "B")
    create(call, ws.bob, "C")
    add_member(call, ws.alice, a, ws.bob.name)
    add_member(call, ws.alice, a, ws.carol.name)  # invited, not joined
    dm = set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.bob.name)
    set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name)
    create_as_app(call, ws.app, "App's")

    assert names(list_spaces(call, ws.alice)) == ["A", "B"]  # DM and group chat: hidden until their first message
    assert names(list_spaces(call, ws.bob, scopes=["chat.spaces.readonly"])) == ["A", "C"]
    assert list_spaces(call, ws.erin) == [] and list_spaces(call, ws.carol) == []
    assert names(list_spaces(call, ws.app, scopes=["chat.bot"])) == ["App's"]
    assert list_spaces(call, ws.alice, filter='space_type = "DIRECT_MESSAGE"') == []
    # ... though the DM exists.
    found = call("FindDirectMessage", space_pb2.FindDirectMessageRequest(name=ws.bob.name), as_=ws.alice)
    assert found.name == dm.name
    rpc_error(
        DENIED,
        "ListSpaces",
        space_pb2.ListSpacesRequest(),
        as_=ws.alice,
        scopes=["chat.messages"],
        match="OAuth scopes",
    )


def test_list_spaces_omits_permission_settings(call: Caller, ws: Workspace, team: S) -> None:
    (listed,) = list_spaces(call, ws.alice)
    assert listed.name == team.name and not listed.HasField("permission_settings")
    assert listed.HasField("access_settings") and listed.display_name == "Team"


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ('space_type = "SPACE"', ["A", "B"]),
        ('spaceType = "SPACE"', ["A", "B"]),
        ('space_type = "GROUP_CHAT"', []),
        ('spaceType = "GROUP_CHAT" OR spaceType = "DIRECT_MESSAGE"', []),
        ('space_type = "SPACE" OR space_type = "GROUP_CHAT"', ["A", "B"]),
        ("", ["A", "B"]),
    ],
)
def test_list_spaces_filter(call: Caller, ws: Workspace, filter: str, expected: list[str]) -> None:
    create(call, ws.alice, "A")
    create(call, ws.alice, "B")
    set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name)
    assert names(list_spaces(call, ws.alice, filter=filter)) == expected


@pytest.mark.parametrize(
    "filter",
    [
        'space_type = "SPACE_TYPE_UNSPECIFIED"',
        'space_type = "ROOM"',
        'space_type != "SPACE"',
        'display_name = "A"',
        'space_type = "SPACE" AND space_type = "GROUP_CHAT"',
        "space_type =",
        'space_type = "SPACE" OR',
    ],
)
def test_list_spaces_invalid_filter(rpc_error: ErrorCheck, ws: Workspace, filter: str) -> None:
    rpc_error(INVALID, "ListSpaces", space_pb2.ListSpacesRequest(filter=filter), as_=ws.alice, match="filter")


def test_list_spaces_pages_through_three_pages(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    for i in range(7):
        create(call, ws.alice, f"S{i}")
    pages = []
    token = ""
    while True:
        page = call("ListSpaces", space_pb2.ListSpacesRequest(page_size=3, page_token=token), as_=ws.alice)
        pages.append(names(page.spaces))
        token = page.next_page_token
        if not token:
            break
    assert pages == [["S0", "S1", "S2"], ["S3", "S4", "S5"], ["S6"]]  # creation order

    first = call("ListSpaces", space_pb2.ListSpacesRequest(page_size=3), as_=ws.alice)
    # The page size may change between pages; the filter may not.
    rest = call("ListSpaces", space_pb2.ListSpacesRequest(page_size=10, page_token=first.next_page_token), as_=ws.alice)
    assert names(rest.spaces) == [f"S{i}" for i in range(3, 7)] and rest.next_page_token == ""
    other_filter = space_pb2.ListSpacesRequest(filter='space_type = "SPACE"', page_token=first.next_page_token)
    rpc_error(INVALID, "ListSpaces", other_filter, as_=ws.alice, match="page_token")
    tampered = first.next_page_token[:-3] + ("AAA" if not first.next_page_token.endswith("AAA") else "BBB")
    rpc_error(INVALID, "ListSpaces", space_pb2.ListSpacesRequest(page_token=tampered), as_=ws.alice, match="page_token")
    garbage = space_pb2.ListSpacesRequest(page_token="not-a-token")
    rpc_error(INVALID, "ListSpaces", garbage, as_=ws.alice, match="page_token")


@pytest.mark.parametrize("rpc", ["ListSpaces", "SearchSpaces"])
def test_page_size_default_maximum_and_negative(
    call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, rpc: str
) -> None:
    seed_spaces(chat, ws.alice, 1001)

    def page(size: int, token: str = "") -> Any:
        if rpc == "ListSpaces":
            return call(rpc, space_pb2.ListSpacesRequest(page_size=size, page_token=token), as_=ws.alice)
        request = space_pb2.SearchSpacesRequest(
            use_admin_access=True, query=SEARCH_ALL, page_size=size, page_token=token
        )
        return call(rpc, request, as_=ws.alice)

    default = page(0)
    assert len(default.spaces) == 100 and default.next_page_token
    largest = page(5000)
    assert len(largest.spaces) == 1000 and largest.next_page_token
    last = page(5000, largest.next_page_token)
    assert len(last.spaces) == 1 and last.next_page_token == ""
    assert {s.name for s in largest.spaces}.isdisjoint({s.name for s in last.spaces})
    negative: Any = (
        space_pb2.ListSpacesRequest(page_size=-1)
        if rpc == "ListSpaces"
        else space_pb2.SearchSpacesRequest(use_admin_access=True, query=SEARCH_ALL, page_size=-1)
    )
    rpc_error(INVALID, rpc, negative, as_=ws.alice, match="page_size")


# ------------------------------------------------------------------ SearchSpaces


def test_search_spaces_display_name_prefix_matching(call: Caller, ws: Workspace) -> None:
    for who, display_name in [
        (ws.alice, "Fun event"),
        (ws.bob, "The evening was fun"),
        (ws.erin, "notFun event"),
        (ws.bob, "even"),
    ]:
        create(call, who, display_name)
    create(call, ws.dave, "Fun event")  # another organization
    set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name)  # not a SPACE
    import_space(call, ws.alice, "Fun import")  # in import mode

    everything = search(call, ws.alice)
    assert sorted(names(everything.spaces)) == ["Fun event", "The evening was fun", "even", "notFun event"]
    assert everything.total_size == 4 and everything.next_page_token == ""
    assert all(not s.HasField("permission_settings") for s in everything.spaces)
    found = search(call, ws.alice, SEARCH_ALL + ' AND display_name:"Fun Eve"')
    assert sorted(names(found.spaces)) == ["Fun event", "The evening was fun"] and found.total_size == 2
    either = search(call, ws.alice, SEARCH_ALL + ' AND (display_name:"notfun" OR display_name:"evening")')
    assert sorted(names(either.spaces)) == ["The evening was fun", "notFun event"]
    assert sorted(names(search(call, ws.alice, SEARCH_ALL + ' AND display_name:"EVEN"').spaces)) == [
        "Fun event",
        "The evening was fun",
        "even",
        "notFun event",
    ]  # a prefix of any word, case-insensitively


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("", ["A", "B", "C"]),
        ("create_time ASC", ["A", "B", "C"]),
        ("create_time DESC", ["C", "B", "A"]),
        ("last_active_time ASC", ["A", "B", "C"]),
        ("last_active_time DESC", ["C", "B", "A"]),
        ("membership_count.joined_direct_human_user_count ASC", ["B", "C", "A"]),
        ("membership_count.joined_direct_human_user_count DESC", ["A", "C", "B"]),
    ],
)
def test_search_spaces_order_by(
    call: Caller, ws: Workspace, clock: ManualClock, order_by: str, expected: list[str]
) -> None:
    for display_name, people in [("A", (ws.bob, ws.erin)), ("B", ()), ("C", (ws.bob,))]:
        set_up(call, ws.alice, new_space(display_name), *(p.name for p in people))
        clock.advance(timedelta(hours=1))
    assert names(search(call, ws.alice, order_by=order_by).spaces) == expected


def test_search_spaces_by_create_time(call: Caller, ws: Workspace, clock: ManualClock) -> None:
    times = []
    for display_name in ("Old", "Middle", "New"):
        times.append(clock.now())
        create(call, ws.bob, display_name)
        clock.advance(timedelta(days=1))
    after = times[1] - timedelta(hours=1)
    query = SEARCH_ALL + f' AND create_time > "{after.isoformat()}" AND create_time < "{times[2].isoformat()}"'
    assert names(search(call, ws.alice, query).spaces) == ["Middle"]
    outside = SEARCH_ALL + f' AND (create_time < "{after.isoformat()}" OR create_time >= "{times[2].isoformat()}")'
    assert names(search(call, ws.alice, outside).spaces) == ["Old", "New"]


def test_search_spaces_pages_with_total_size(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    for i in range(5):
        create(call, ws.bob, f"P{i}")
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = search(call, ws.alice, page_size=2, page_token=token, order_by="create_time DESC")
        assert page.total_size == 5
        seen += names(page.spaces)
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert pages == 3 and seen == [f"P{i}" for i in reversed(range(5))]
    first = search(call, ws.alice, page_size=2)
    for changed in ({"query": SEARCH_ALL + ' AND display_name:"P"'}, {"order_by": "create_time DESC"}):
        fields: dict[str, Any] = {"query": SEARCH_ALL, "page_token": first.next_page_token, **changed}
        request = space_pb2.SearchSpacesRequest(use_admin_access=True, **fields)
        rpc_error(INVALID, "SearchSpaces", request, as_=ws.alice, match="page_token")


@pytest.mark.parametrize(
    ("fields", "who", "scopes", "code", "match"),
    [
        pytest.param({"use_admin_access": False}, "alice", None, INVALID, "use_admin_access", id="no-admin-access"),
        pytest.param({}, "bob", None, DENIED, "not a Workspace administrator", id="not-an-admin"),
        pytest.param({}, "app", None, DENIED, "user authentication", id="app"),
        pytest.param({"use_admin_access": False}, "app", None, DENIED, "app authentication", id="app-no-admin"),
        pytest.param({}, "alice", ["chat.spaces"], DENIED, "OAuth scopes", id="no-admin-scope"),
        pytest.param({"query": ""}, "alice", None, INVALID, "query is required", id="no-query"),
        pytest.param({"query": "  "}, "alice", None, INVALID, "query is required", id="blank-query"),
        pytest.param(
            {"query": 'space_type = "SPACE"'}, "alice", None, INVALID, "customer is required", id="no-customer"
        ),
        pytest.param(
            {"query": 'customer = "customers/my_customer"'}, "alice", None, INVALID, "space_type", id="no-space-type"
        ),
        pytest.param(
            {"query": 'customer = "customers/C0demo00" AND space_type = "SPACE"'},
            "alice",
            None,
            INVALID,
            "customers/my_customer",
            id="other-customer",
        ),
        pytest.param(
            {"query": 'customer = "customers/my_customer" AND space_type = "GROUP_CHAT"'},
            "alice",
            None,
            INVALID,
            "space_type",
            id="group-chat",
        ),
        pytest.param(
            {"query": 'customer = "customers/my_customer" AND space_type = "SPACE" OR display_name:"Hello"'},
            "alice",
            None,
            INVALID,
            "query",
            id="or-across-fields",
        ),
        pytest.param(
            {"query": SEARCH_ALL + ' AND display_name = "Hello"'}, "alice", None, INVALID, "display_name", id="name-eq"
        ),
        pytest.param(
            {"query": SEARCH_ALL + ' AND external_user_allowed = "maybe"'},
            "alice",
            None,
            INVALID,
            "external_user_allowed",
            id="external-value",
        ),
        pytest.param(
            {"query": SEARCH_ALL + ' AND create_time > "yesterday"'}, "alice", None, INVALID, "create_time", id="time"
        ),
        pytest.param({"order_by": "display_name ASC"}, "alice", None, INVALID, "order_by", id="order-field"),
        pytest.param({"order_by": "create_time UP"}, "alice", None, INVALID, "order_by", id="order-direction"),
        pytest.param({"page_token": "garbage"}, "alice", None, INVALID, "page_token", id="bad-token"),
    ],
)
def test_search_spaces_errors(
    rpc_error: ErrorCheck,
    ws: Workspace,
    fields: dict[str, Any],
    who: str,
    scopes: list[str] | None,
    code: grpc.StatusCode,
    match: str,
) -> None:
    request = space_pb2.SearchSpacesRequest(**{"use_admin_access": True, "query": SEARCH_ALL, **fields})
    options = {} if scopes is None else {"scopes": scopes}
    rpc_error(code, "SearchSpaces", request, as_=getattr(ws, who), match=match, **options)


def test_search_spaces_with_the_readonly_admin_scope(call: Caller, ws: Workspace, team: S) -> None:
    request = space_pb2.SearchSpacesRequest(use_admin_access=True, query=SEARCH_ALL)
    found = call("SearchSpaces", request, as_=ws.alice, scopes=["chat.admin.spaces.readonly"])
    assert [s.name for s in found.spaces] == [team.name]


# ------------------------------------------------------------------ UpdateSpace


def _update(space: S, *paths: str, **fields: Any) -> space_pb2.UpdateSpaceRequest:
    return space_pb2.UpdateSpaceRequest(space=S(name=space.name, **fields), update_mask=mask(*paths))


def _last_event(chat: ChatServer, space: S) -> tuple[str, str]:
    event = chat.store.events(sid(space))[-1]
    return event.event_type, event.resource_name


@pytest.mark.parametrize(
    ("paths", "fields", "check"),
    [
        (("display_name",), {"display_name": "Renamed"}, lambda s: s.display_name == "Renamed"),
        (("displayName",), {"display_name": "Camel"}, lambda s: s.display_name == "Camel"),
        (
            ("space_details",),
            {"space_details": S.SpaceDetails(description="d" * 150, guidelines="g" * 5000)},
            lambda s: s.space_details.description == "d" * 150 and len(s.space_details.guidelines) == 5000,
        ),
        (
            ("display_name,space_details",),
            {"display_name": "Both", "space_details": S.SpaceDetails(description="new")},
            lambda s: s.display_name == "Both" and s.space_details == S.SpaceDetails(description="new"),
        ),
        (
            ("space_type", "display_name"),
            {"space_type": S.SPACE, "display_name": "Still a space"},
            lambda s: s.display_name == "Still a space" and not s.permission_settings.toggle_history.members_allowed,
        ),
        (
            ("space_history_state",),
            {"space_history_state": history_state_pb2.HISTORY_OFF},
            lambda s: s.space_history_state == history_state_pb2.HISTORY_OFF,
        ),
        (
            ("access_settings.audience",),
            {"access_settings": S.AccessSettings(audience="audiences/default")},
            lambda s: (
                s.access_settings
                == S.AccessSettings(audience="audiences/default", access_state=S.AccessSettings.DISCOVERABLE)
            ),
        ),
        (
            ("permission_settings.manageMembersAndGroups", "permission_settings.use_at_mention_all"),
            {
                "permission_settings": S.PermissionSettings(
                    manage_members_and_groups=S.PermissionSetting(managers_allowed=True, members_allowed=False),
                    use_at_mention_all=S.PermissionSetting(managers_allowed=True, members_allowed=False),
                )
            },
            lambda s: (
                not s.permission_settings.manage_members_and_groups.members_allowed
                and not s.permission_settings.use_at_mention_all.members_allowed
                and s.permission_settings.manage_apps.members_allowed
            ),  # unnamed settings unchanged
        ),
    ],
)
def test_update_space(
    call: Caller, chat: ChatServer, ws: Workspace, team: S, paths: tuple[str, ...], fields: dict[str, Any], check: Any
) -> None:
    chat.store.set_space_permission(sid(team), "toggle_history", managers=True, members=False)
    before = len(chat.store.events(sid(team)))
    updated = call("UpdateSpace", _update(team, *paths, **fields), as_=ws.alice)
    assert check(updated) and updated.name == team.name
    assert check(call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.alice))
    assert len(chat.store.events(sid(team))) == before + 1
    assert _last_event(chat, team) == (UPDATED, team.name)


def test_update_space_removes_the_audience(call: Caller, ws: Workspace, team: S) -> None:
    audience = S.AccessSettings(audience="audiences/default")
    call("UpdateSpace", _update(team, "access_settings.audience", access_settings=audience), as_=ws.alice)
    cleared = call("UpdateSpace", _update(team, "access_settings.audience"), as_=ws.alice)
    assert cleared.access_settings == S.AccessSettings(access_state=S.AccessSettings.PRIVATE)


def test_update_group_chat_into_a_space(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    group = set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name)
    space = call(
        "UpdateSpace",
        _update(group, "space_type", "display_name", space_type=S.SPACE, display_name="Grown"),
        as_=ws.bob,
    )
    assert (space.space_type, space.display_name) == (S.SPACE, "Grown")
    assert space.HasField("permission_settings") and space.HasField("access_settings")
    assert _last_event(chat, group) == (UPDATED, group.name)
    roles = {m.member_id: m.role for m in chat.store.memberships(group.name.split("/")[1])}
    assert roles == {ws.alice.id: "ROLE_MEMBER", ws.bob.id: "ROLE_MANAGER", ws.erin.id: "ROLE_MEMBER"}


UPDATE_ERRORS = [
    pytest.param("absent", {}, (), "alice", {}, INVALID, "space is required", id="no-space"),
    pytest.param(
        "unnamed",
        {"display_name": "X"},
        ("display_name",),
        "alice",
        {},
        INVALID,
        "space.name is required",
        id="no-name",
    ),
    pytest.param("team", {"display_name": "X"}, None, "alice", {}, INVALID, "update_mask is required", id="no-mask"),
    pytest.param(
        "team", {"display_name": "X"}, ("name",), "alice", {}, INVALID, "'name' is not supported", id="unknown-path"
    ),
    pytest.param("team", {"display_name": "X"}, ("*",), "alice", {}, INVALID, "update_mask", id="star"),
    pytest.param(
        "team", {}, ("permission_settings.post_messages",), "alice", {}, INVALID, "not supported", id="post-messages"
    ),
    pytest.param(
        "team", {}, ("display_name",), "alice", {}, INVALID, "space.display_name is required", id="empty-name"
    ),
    pytest.param(
        "team",
        {"display_name": "n" * 129},
        ("display_name",),
        "alice",
        {},
        INVALID,
        "space.display_name is 129",
        id="name-129",
    ),
    pytest.param(
        "team",
        {"space_details": S.SpaceDetails(description="d" * 151)},
        ("space_details",),
        "alice",
        {},
        INVALID,
        "space.space_details.description is 151",
        id="description-151",
    ),
    pytest.param(
        "team",
        {"space_details": S.SpaceDetails(guidelines="g" * 5001)},
        ("space_details",),
        "alice",
        {},
        INVALID,
        "space.space_details.guidelines is 5001",
        id="guidelines-5001",
    ),
    pytest.param(
        "team",
        {"space_type": S.GROUP_CHAT, "display_name": "X"},
        ("space_type", "display_name"),
        "alice",
        {},
        INVALID,
        "only change from GROUP_CHAT to SPACE",
        id="space-to-group-chat",
    ),
    pytest.param(
        "group",
        {"display_name": "X"},
        ("display_name",),
        "alice",
        {},
        INVALID,
        "only be set on a SPACE",
        id="name-on-group-chat",
    ),
    pytest.param(
        "group",
        {"space_type": S.SPACE},
        ("space_type",),
        "alice",
        {},
        INVALID,
        "display_name",
        id="convert-without-name",
    ),
    pytest.param(
        "group",
        {"space_type": S.SPACE, "display_name": " "},
        ("space_type", "display_name"),
        "alice",
        {},
        INVALID,
        "space.display_name",
        id="convert-blank-name",
    ),
    pytest.param(
        "group",
        {"space_type": S.DIRECT_MESSAGE},
        ("space_type",),
        "alice",
        {},
        INVALID,
        "space_type",
        id="group-chat-to-dm",
    ),
    pytest.param(
        "dm",
        {"space_type": S.SPACE, "display_name": "X"},
        ("space_type", "display_name"),
        "alice",
        {},
        INVALID,
        "only change from GROUP_CHAT to SPACE",
        id="dm-to-space",
    ),
    pytest.param(
        "team",
        {"space_history_state": history_state_pb2.HISTORY_OFF, "display_name": "X"},
        ("space_history_state", "display_name"),
        "alice",
        {},
        INVALID,
        "must be the only path",
        id="history-not-alone",
    ),
    pytest.param(
        "team",
        {},
        ("space_history_state",),
        "alice",
        {},
        INVALID,
        "space.space_history_state",
        id="history-unspecified",
    ),
    pytest.param(
        "team",
        {"display_name": "X"},
        ("access_settings.audience", "display_name"),
        "alice",
        {},
        INVALID,
        "must be the only path",
        id="audience-not-alone",
    ),
    pytest.param(
        "team",
        {"access_settings": S.AccessSettings(audience="audiences/default")},
        ("access_settings.audience",),
        "bob",
        {},
        DENIED,
        "space manager",
        id="audience-by-member",
    ),
    pytest.param(
        "app_space",
        {"access_settings": S.AccessSettings(audience="audiences/default")},
        ("access_settings.audience",),
        "app",
        {},
        INVALID,
        "user authentication",
        id="audience-by-app",
    ),
    pytest.param(
        "team",
        {"access_settings": S.AccessSettings(audience="everyone")},
        ("access_settings.audience",),
        "alice",
        {},
        INVALID,
        "audiences/{audience}",
        id="audience-malformed",
    ),
    pytest.param(
        "team",
        {"display_name": "X", "permission_settings": S.PermissionSettings(manage_apps=S.PermissionSetting())},
        ("permission_settings.manage_apps", "display_name"),
        "alice",
        {},
        INVALID,
        "permission_settings paths cannot be combined",
        id="permissions-not-alone",
    ),
    pytest.param(
        "team",
        {"permission_settings": S.PermissionSettings(manage_apps=S.PermissionSetting())},
        ("permission_settings.manage_apps",),
        "bob",
        {},
        DENIED,
        "space manager",
        id="permissions-by-member",
    ),
    pytest.param(
        "team",
        {"permission_settings": S.PermissionSettings(manage_apps=S.PermissionSetting())},
        ("permission_settings.manage_apps",),
        "app",
        {"scopes": ["chat.app.spaces"]},
        DENIED,
        "app that created the space",
        id="permissions-by-other-app",
    ),
    pytest.param(
        "team", {}, ("permission_settings.toggle_history",), "alice", {}, INVALID, "not set", id="permission-unset"
    ),
    pytest.param(
        "team",
        {"space_type": S.SPACE, "display_name": "X"},
        ("space_type", "display_name"),
        "alice",
        {"use_admin_access": True},
        INVALID,
        "admin access",
        id="admin-space-type",
    ),
    pytest.param(
        "team",
        {"space_history_state": history_state_pb2.HISTORY_OFF},
        ("space_history_state",),
        "alice",
        {"use_admin_access": True},
        INVALID,
        "admin access",
        id="admin-history",
    ),
    pytest.param(
        "team",
        {},
        ("access_settings.audience",),
        "alice",
        {"use_admin_access": True},
        INVALID,
        "admin access",
        id="admin-audience",
    ),
    pytest.param(
        "team",
        {"permission_settings": S.PermissionSettings(manage_apps=S.PermissionSetting())},
        ("permission_settings.manage_apps",),
        "alice",
        {"use_admin_access": True},
        INVALID,
        "admin access",
        id="admin-permissions",
    ),
    pytest.param(
        "team",
        {"display_name": "X"},
        ("display_name",),
        "alice",
        {"use_admin_access": True, "scopes": ["chat.admin.spaces.readonly"]},
        DENIED,
        "OAuth scopes",
        id="admin-readonly-scope",
    ),
    pytest.param(
        "team",
        {"display_name": "X"},
        ("display_name",),
        "bob",
        {"use_admin_access": True},
        DENIED,
        "not a Workspace administrator",
        id="admin-not-admin",
    ),
    pytest.param("team", {"display_name": "X"}, ("display_name",), "erin", {}, NOT_FOUND, "not found", id="non-member"),
    pytest.param(
        "team",
        {"display_name": "X"},
        ("display_name",),
        "alice",
        {"scopes": ["chat.spaces.readonly"]},
        DENIED,
        "OAuth scopes",
        id="readonly-scope",
    ),
    pytest.param(
        "group", {"display_name": "X"}, ("display_name",), "app", {}, NOT_FOUND, "not found", id="app-not-member"
    ),
]


@pytest.mark.parametrize(("target", "fields", "paths", "who", "extra", "code", "match"), UPDATE_ERRORS)
def test_update_space_errors(
    call: Caller,
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    team: S,
    target: str,
    fields: dict[str, Any],
    paths: tuple[str, ...] | None,
    who: str,
    extra: dict[str, Any],
    code: grpc.StatusCode,
    match: str,
) -> None:
    add_app(call, ws, team)
    spaces = {
        "team": team,
        "group": set_up(call, ws.alice, S(space_type=S.GROUP_CHAT), ws.bob.name, ws.erin.name),
        "dm": set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.bob.name),
        "app_space": create_as_app(call, ws.app, "Bot Lab"),
        "unnamed": S(),
    }
    options = dict(extra)
    admin = options.pop("use_admin_access", False)
    request = space_pb2.UpdateSpaceRequest(use_admin_access=admin)
    if target != "absent":
        request.space.CopyFrom(S(name=spaces[target].name, **fields))
    if paths is not None:
        request.update_mask.CopyFrom(mask(*paths))
    events = chat.store.events()
    rpc_error(code, "UpdateSpace", request, as_=getattr(ws, who), match=match, **options)
    assert chat.store.events() == events  # nothing changed, nothing recorded
    assert call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.alice).display_name == "Team"


@pytest.mark.parametrize(
    ("setting", "paths", "fields"),
    [
        ("modify_space_details", ("display_name",), {"display_name": "By member"}),
        ("modify_space_details", ("space_details",), {"space_details": S.SpaceDetails(description="By member")}),
        ("toggle_history", ("space_history_state",), {"space_history_state": history_state_pb2.HISTORY_OFF}),
    ],
)
@pytest.mark.parametrize("members_allowed", [True, False])
def test_update_space_follows_the_permission_settings(
    call: Caller,
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    team: S,
    setting: str,
    paths: tuple[str, ...],
    fields: dict[str, Any],
    members_allowed: bool,
) -> None:
    chat.store.set_space_permission(sid(team), setting, managers=True, members=members_allowed)
    request = _update(team, *paths, **fields)
    if members_allowed:
        call("UpdateSpace", request, as_=ws.bob)
    else:
        rpc_error(DENIED, "UpdateSpace", request, as_=ws.bob, match=f"permission setting {setting}")
        call("UpdateSpace", request, as_=ws.alice)  # managers still may
    chat.store.set_space_permission(sid(team), setting, managers=False, members=True)
    if members_allowed:
        rpc_error(DENIED, "UpdateSpace", request, as_=ws.alice, match=f"permission setting {setting}")


def test_update_space_as_app_and_admin(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    app_space = create_as_app(call, ws.app, "Bot Lab")
    settings = S.PermissionSettings(manage_webhooks=S.PermissionSetting(managers_allowed=True, members_allowed=False))
    request = _update(app_space, "permission_settings.manage_webhooks", permission_settings=settings)
    updated = call("UpdateSpace", request, as_=ws.app, scopes=["chat.app.spaces"])
    assert not updated.permission_settings.manage_webhooks.members_allowed
    renamed = call("UpdateSpace", _update(app_space, "display_name", display_name="Bot Lab 2"), as_=ws.app)
    assert renamed.display_name == "Bot Lab 2"

    bobs = create(call, ws.bob, "Bob's")
    admin_rename = _update(bobs, "display_name", display_name="Renamed by admin")
    admin_rename.use_admin_access = True
    assert call("UpdateSpace", admin_rename, as_=ws.alice, scopes=["chat.admin.spaces"]).display_name == (
        "Renamed by admin"
    )
    assert _last_event(chat, bobs) == (UPDATED, bobs.name)


# ------------------------------------------------------------------ DeleteSpace


def test_delete_space_cascades(call: Caller, rpc_error: ErrorCheck, chat: ChatServer, ws: Workspace, team: S) -> None:
    deleted = call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice, scopes=["chat.delete"])
    assert deleted == empty_pb2.Empty()
    assert chat.store.memberships(sid(team)) == [] and chat.store.spaces() == []
    rpc_error(NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.bob, match="not found")
    assert list_spaces(call, ws.bob) == [] and list_spaces(call, ws.alice) == []
    assert create(call, ws.alice, "Team").name != team.name  # the display name is free again


@pytest.mark.parametrize(
    ("target", "who", "options", "code", "match"),
    [
        pytest.param("team", "alice", {"scopes": ["chat.delete"]}, None, "", id="manager"),
        pytest.param("team", "bob", {}, DENIED, "only a space manager", id="member"),
        pytest.param("team", "erin", {}, NOT_FOUND, "not found", id="non-member"),
        pytest.param("team", "alice", {"scopes": ["chat.spaces"]}, DENIED, "OAuth scopes", id="spaces-scope"),
        pytest.param("app_space", "app", {"scopes": ["chat.app.delete"]}, None, "", id="app-created"),
        pytest.param("team", "app", {}, DENIED, "spaces it created", id="app-not-creator"),
        pytest.param("app_space", "app", {"scopes": ["chat.bot"]}, DENIED, "OAuth scopes", id="app-bot-scope"),
        pytest.param("bobs", "alice", {"admin": True, "scopes": ["chat.admin.delete"]}, None, "", id="admin"),
        pytest.param(
            "bobs", "alice", {"admin": True, "scopes": ["chat.admin.spaces"]}, DENIED, "OAuth scopes", id="admin-scope"
        ),
        pytest.param("bobs", "erin", {"admin": True}, DENIED, "not a Workspace administrator", id="admin-not-admin"),
        pytest.param("bobs", "alice", {}, NOT_FOUND, "not found", id="admin-without-admin-access"),
        pytest.param("imported", "alice", {"scopes": ["chat.import"]}, None, "", id="import-mode"),
        pytest.param("imported", "bob", {}, NOT_FOUND, "not found", id="import-mode-other-user"),
        pytest.param("rooms/1", "alice", {}, INVALID, "spaces/{space}", id="malformed"),
        pytest.param("", "alice", {}, INVALID, "name is required", id="no-name"),
    ],
)
def test_delete_space_rules(
    call: Caller,
    rpc_error: ErrorCheck,
    chat: ChatServer,
    ws: Workspace,
    team: S,
    target: str,
    who: str,
    options: dict[str, Any],
    code: grpc.StatusCode | None,
    match: str,
) -> None:
    add_app(call, ws, team)
    spaces = {
        "team": team.name,
        "app_space": create_as_app(call, ws.app, "Bot Lab").name,
        "bobs": create(call, ws.bob, "Bob's").name,
        "imported": import_space(call, ws.alice).name,
    }
    options = dict(options)
    request = space_pb2.DeleteSpaceRequest(
        name=spaces.get(target, target), use_admin_access=options.pop("admin", False)
    )
    if code is None:
        call("DeleteSpace", request, as_=getattr(ws, who), **options)
        assert request.name not in {s.name for s in chat.store.spaces()}
        assert chat.store.memberships(request.name.split("/")[1]) == []
    else:
        rpc_error(code, "DeleteSpace", request, as_=getattr(ws, who), match=match, **options)
        assert len(chat.store.spaces()) == 4


# ------------------------------------------------------------------ FindDirectMessage


def test_find_direct_message_with_user_authentication(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    dm = set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.bob.name)
    set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE, single_user_bot_dm=True), app=ws.app)

    def find(who: Any, name: str, **options: Any) -> S:
        return call("FindDirectMessage", space_pb2.FindDirectMessageRequest(name=name), as_=who, **options)

    assert find(ws.alice, ws.bob.name) == dm
    assert find(ws.alice, "users/BOB@example.com", scopes=["chat.spaces.readonly"]).name == dm.name
    assert find(ws.bob, "users/alice@example.com").name == dm.name
    request = space_pb2.FindDirectMessageRequest
    rpc_error(NOT_FOUND, "FindDirectMessage", request(name=ws.bob.name), as_=ws.erin, match="no direct message")
    rpc_error(NOT_FOUND, "FindDirectMessage", request(name=ws.carol.name), as_=ws.alice, match="no direct message")
    rpc_error(NOT_FOUND, "FindDirectMessage", request(name="users/nobody@example.com"), as_=ws.alice, match="not found")
    rpc_error(INVALID, "FindDirectMessage", request(name="bob"), as_=ws.alice, match="name")
    rpc_error(INVALID, "FindDirectMessage", request(name=ws.group.name), as_=ws.alice, match="name")
    rpc_error(INVALID, "FindDirectMessage", request(), as_=ws.alice, match="name is required")
    rpc_error(
        DENIED,
        "FindDirectMessage",
        request(name=ws.bob.name),
        as_=ws.alice,
        scopes=["chat.messages"],
        match="OAuth scopes",
    )


def test_find_direct_message_with_app_authentication(call: Caller, rpc_error: ErrorCheck, ws: Workspace) -> None:
    bot_dm = set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE, single_user_bot_dm=True), app=ws.app)
    set_up(call, ws.alice, S(space_type=S.DIRECT_MESSAGE), ws.bob.name)
    request = space_pb2.FindDirectMessageRequest
    found = call("FindDirectMessage", request(name=ws.alice.name), as_=ws.app, scopes=["chat.bot"])
    assert found.name == bot_dm.name and found.single_user_bot_dm
    rpc_error(INVALID, "FindDirectMessage", request(name="users/alice@example.com"), as_=ws.app, match="email alias")
    rpc_error(NOT_FOUND, "FindDirectMessage", request(name=ws.bob.name), as_=ws.app, match="no direct message")
    rpc_error(NOT_FOUND, "FindDirectMessage", request(name=ws.alice.name), as_=ws.other_app, match="no direct message")
