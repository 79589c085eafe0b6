"""The membership RPCs through the real gRPC channel: Create/Get/List/Update/DeleteMembership.

Rules come from the reference (spec/004: the RPC descriptions and the CreateMembershipRequest,
GetMembershipRequest, ListMembershipsRequest, UpdateMembershipRequest, DeleteMembershipRequest and Membership
field texts) and chat-api-facts §2-§10. Every error is checked for its status code, a message naming the problem
and, for INVALID_ARGUMENT, a google.rpc.BadRequest violation naming the request field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import grpc
import pytest
from google.chat.v1 import group_pb2, membership_pb2, space_pb2, space_setup_pb2, user_pb2
from google.protobuf import field_mask_pb2

from chat_grpc.fake.store import Actor, AuthKind, MemberRef
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
Membership = membership_pb2.Membership
HUMAN, BOT = user_pb2.User.HUMAN, user_pb2.User.BOT
JOINED, INVITED = Membership.JOINED, Membership.INVITED
MEMBER, MANAGER = Membership.ROLE_MEMBER, Membership.ROLE_MANAGER
CREATED = "google.workspace.chat.membership.v1.created"
UPDATED = "google.workspace.chat.membership.v1.updated"
DELETED = "google.workspace.chat.membership.v1.deleted"
RpcError = Callable[..., grpc.RpcError]


# ------------------------------------------------------------------ builders and helpers


def bot(name: str = "users/app", type_: int = BOT) -> Membership:
    return Membership(member=user_pb2.User(name=name, type=type_))  # type: ignore[arg-type]


def group(name: str) -> Membership:
    return Membership(group_member=group_pb2.Group(name=name))


def create(parent: str, membership: Membership | None = None, **fields: Any) -> membership_pb2.CreateMembershipRequest:
    request = membership_pb2.CreateMembershipRequest(parent=parent, **fields)
    if membership is not None:
        request.membership.CopyFrom(membership)
    return request


def update(name: str, role: int = MANAGER, paths: tuple[str, ...] = ("role",), **fields: Any) -> Any:
    return membership_pb2.UpdateMembershipRequest(
        membership=Membership(name=name, role=role),  # type: ignore[arg-type]
        update_mask=field_mask_pb2.FieldMask(paths=list(paths)),
        **fields,
    )


def get(name: str, **fields: Any) -> membership_pb2.GetMembershipRequest:
    return membership_pb2.GetMembershipRequest(name=name, **fields)


def delete(name: str, **fields: Any) -> membership_pb2.DeleteMembershipRequest:
    return membership_pb2.DeleteMembershipRequest(name=name, **fields)


def listing(parent: str, **fields: Any) -> membership_pb2.ListMembershipsRequest:
    return membership_pb2.ListMembershipsRequest(parent=parent, **fields)


def of(space: space_pb2.Space, who: Any) -> str:
    """The canonical membership name of ``who`` (a user, app or group record) in ``space``."""
    return f"{space.name}/members/{who.id}"


def app_user(ws: Workspace, *scopes: str) -> dict[str, Any]:
    """User authentication whose token was issued to ws.app's OAuth client (what ``users/app`` needs)."""
    return {"as_": ws.alice, "app": ws.app, "scopes": list(scopes or ["chat.memberships.app"])}


def expect(
    rpc_error: RpcError,
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


def member_ids(response: membership_pb2.ListMembershipsResponse) -> list[str]:
    return [m.name.rsplit("/", 1)[1] for m in response.memberships]


def event_log(chat: ChatServer, space: space_pb2.Space) -> list[tuple[str, str]]:
    return [(e.event_type, e.resource_name) for e in chat.store.events(space.name.split("/")[1])]


# ------------------------------------------------------------------ spaces used below


@pytest.fixture
def crowd(call: Caller, ws: Workspace) -> space_pb2.Space:
    """alice (manager), bob (member), erin (promoted to manager), carol (invited), the app (joined via users/app)
    and the group: one of every kind of membership."""
    space = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Crowd")), as_=ws.alice)
    for name in (ws.bob.name, ws.erin.name, ws.carol.name):
        call("CreateMembership", create(space.name, human(name)), as_=ws.alice)
    call("CreateMembership", create(space.name, group(ws.group.name)), as_=ws.alice)
    call("CreateMembership", create(space.name, bot()), **app_user(ws))
    call("UpdateMembership", update(of(space, ws.erin)), as_=ws.alice)
    return space


@pytest.fixture
def bobs_space(call: Caller, ws: Workspace) -> space_pb2.Space:
    """A space bob manages and alice (the Workspace admin) is not in: admin access reaches it anyway."""
    space = call(
        "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Bob's", external_user_allowed=True)), as_=ws.bob
    )
    call("CreateMembership", create(space.name, human(ws.erin.name)), as_=ws.bob)
    call("CreateMembership", create(space.name, bot()), as_=ws.bob, app=ws.app, scopes=["chat.memberships.app"])
    return space


@pytest.fixture
def with_app(call: Caller, ws: Workspace, team: space_pb2.Space) -> space_pb2.Space:
    """The team space with the app as a member (added by alice through users/app)."""
    call("CreateMembership", create(team.name, bot()), **app_user(ws))
    return team


def set_up(call: Caller, as_: Any, space_type: int, *others: str) -> space_pb2.Space:
    request = space_setup_pb2.SetUpSpaceRequest(
        space=space_pb2.Space(space_type=space_type),  # type: ignore[arg-type]
        memberships=[human(name) for name in others],
    )
    return call("SetUpSpace", request, as_=as_)  # type: ignore[no-any-return]


def bulk_add(chat: ChatServer, space: space_pb2.Space, manager: Any, count: int) -> list[str]:
    """``count`` new users added straight through the store (fast); returns their ids in insertion order."""
    store = chat.store
    actor = Actor(store.principal(manager.id), AuthKind.USER, frozenset({"chat.memberships"}))  # type: ignore[arg-type]
    ids = []
    for i in range(count):
        user = store.add_user(f"crowd{i:04d}@example.com")
        store.create_membership(actor, space.name.split("/")[1], MemberRef("HUMAN", user.id))
        ids.append(user.id)
    return ids


# ================================================================== CreateMembership


@pytest.mark.parametrize("alias", ["id", "email", "EMAIL"])
def test_create_human_by_id_or_email_answers_canonical_names(
    call: Caller, ws: Workspace, team: space_pb2.Space, alias: str
) -> None:
    name = {"id": ws.erin.name, "email": "users/erin@example.com", "EMAIL": "users/ERIN@Example.COM"}[alias]
    created = call("CreateMembership", create(team.name, human(name)), as_=ws.alice)
    assert created.name == of(team, ws.erin)
    assert created.member.name == ws.erin.name and created.member.type == HUMAN
    assert created.WhichOneof("memberType") == "member"
    assert (created.state, created.role) == (JOINED, MEMBER)
    assert created.HasField("create_time") and not created.HasField("delete_time")
    assert call("GetMembership", get(created.name), as_=ws.erin) == created


def test_create_assigns_the_name_and_ignores_role_and_state(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    # "The server assigns a name and overwrites whatever was given"; role is input only in UpdateMembership;
    # state is output only. carol has auto-accept off, so she is INVITED whatever the request says.
    sent = human(ws.carol.name)
    sent.name, sent.role, sent.state = "spaces/elsewhere/members/someone", MANAGER, JOINED
    created = call("CreateMembership", create(team.name, sent), as_=ws.alice)
    assert created.name == of(team, ws.carol)
    assert (created.state, created.role) == (INVITED, MEMBER)


def test_auto_accept_decides_invited_or_joined(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    carol = call("CreateMembership", create(team.name, human(ws.carol.name)), as_=ws.alice)
    erin = call("CreateMembership", create(team.name, human(ws.erin.name)), as_=ws.alice)
    assert (carol.state, erin.state) == (INVITED, JOINED)
    assert call("GetMembership", get(of(team, ws.carol)), as_=ws.bob).state == INVITED


def test_create_group_membership(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    created = call("CreateMembership", create(team.name, group(ws.group.name)), as_=ws.alice)
    assert created.name == of(team, ws.group)
    assert created.WhichOneof("memberType") == "group_member"
    assert created.group_member.name == ws.group.name
    assert created.state == JOINED
    # Membership.role: "For Google Groups: they're always assigned MEMBERSHIP_ROLE_UNSPECIFIED".
    assert created.role == Membership.MEMBERSHIP_ROLE_UNSPECIFIED


def test_the_calling_app_adds_itself_with_user_auth(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    created = call("CreateMembership", create(team.name, bot()), **app_user(ws))
    assert created.name == of(team, ws.app)
    assert (created.member.name, created.member.type) == (ws.app.name, BOT)
    assert (created.state, created.role) == (JOINED, MEMBER)
    # members/app (user auth) reads the app's membership back.
    assert (
        call("GetMembership", get(f"{team.name}/members/app"), **app_user(ws, "chat.memberships.readonly")) == created
    )


def test_the_app_joins_with_the_full_user_scope_set_too(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    # Default tokens carry every user scope, chat.memberships.app included.
    created = call("CreateMembership", create(team.name, bot()), as_=ws.alice, app=ws.app)
    assert created.member.name == ws.app.name


@dataclass(frozen=True)
class Bad:
    """One failing CreateMembership in the team space: the request, the caller, the expected status."""

    id: str
    build: Callable[[Workspace, str], membership_pb2.CreateMembershipRequest]
    code: grpc.StatusCode
    match: str
    field: str | None = None
    caller: Callable[[Workspace], dict[str, Any]] = dc_field(default=lambda ws: {"as_": ws.alice})


def _in_team(membership: Callable[[Workspace], Membership]) -> Callable[[Workspace, str], Any]:
    return lambda ws, team: create(team, membership(ws))


CREATE_ERRORS = [
    Bad("no membership", lambda ws, team: create(team), Code.INVALID_ARGUMENT, "membership is required", "membership"),
    Bad("no member", _in_team(lambda ws: Membership()), Code.INVALID_ARGUMENT, "required", "membership.member"),
    Bad(
        "empty member name", _in_team(lambda ws: human("")), Code.INVALID_ARGUMENT, "required", "membership.member.name"
    ),
    Bad(
        "empty group name",
        _in_team(lambda ws: group("")),
        Code.INVALID_ARGUMENT,
        "required",
        "membership.group_member.name",
    ),
    Bad("no parent", lambda ws, team: create("", human(ws.erin.name)), Code.INVALID_ARGUMENT, "parent", "parent"),
    Bad(
        "bad parent",
        lambda ws, team: create("rooms/x", human(ws.erin.name)),
        Code.INVALID_ARGUMENT,
        "spaces/{space}",
        "parent",
    ),
    Bad(
        "email without users/",
        _in_team(lambda ws: human("erin@example.com")),
        Code.INVALID_ARGUMENT,
        "users/{user}",
        "membership.member.name",
    ),
    Bad(
        "users/ only",
        _in_team(lambda ws: human("users/")),
        Code.INVALID_ARGUMENT,
        "users/{user}",
        "membership.member.name",
    ),
    Bad(
        "nested user name",
        _in_team(lambda ws: human(f"{ws.erin.name}/x")),
        Code.INVALID_ARGUMENT,
        "users/{user}",
        "membership.member.name",
    ),
    Bad("unknown user id", _in_team(lambda ws: human("users/424242")), Code.NOT_FOUND, "users/424242 not found"),
    Bad(
        "unknown email",
        _in_team(lambda ws: human("users/nobody@example.com")),
        Code.NOT_FOUND,
        "nobody@example.com not found",
    ),
    Bad("unknown group", _in_team(lambda ws: group("groups/424242")), Code.NOT_FOUND, "groups/424242 not found"),
    Bad(
        "group in member",
        _in_team(lambda ws: human(ws.group.name)),
        Code.INVALID_ARGUMENT,
        "group_member",
        "membership.member.name",
    ),
    # "Group emails can't be used": groups/{group} takes the Cloud Identity group id only.
    Bad(
        "group email",
        _in_team(lambda ws: group("groups/engineers@example.com")),
        Code.INVALID_ARGUMENT,
        "email",
        "membership.group_member.name",
    ),
    Bad(
        "human typed BOT",
        _in_team(lambda ws: bot(ws.erin.name)),
        Code.INVALID_ARGUMENT,
        "BOT",
        "membership.member.type",
    ),
    Bad(
        "users/app typed HUMAN",
        _in_team(lambda ws: bot(type_=HUMAN)),
        Code.INVALID_ARGUMENT,
        "HUMAN",
        "membership.member.type",
        caller=lambda ws: app_user(ws),
    ),
    # Never another app: not by id, and not through a token of a different app.
    Bad(
        "another app by id",
        _in_team(lambda ws: bot(ws.other_app.name)),
        Code.INVALID_ARGUMENT,
        "not for other apps",
        "membership.member.name",
    ),
    Bad(
        "another app, app token",
        _in_team(lambda ws: bot(ws.other_app.name)),
        Code.INVALID_ARGUMENT,
        "not for other apps",
        "membership.member.name",
        caller=lambda ws: app_user(ws),
    ),
    Bad(
        "users/app without an app",
        _in_team(lambda ws: bot()),
        Code.INVALID_ARGUMENT,
        "no Chat app",
        "membership.member.name",
    ),
    # The app adding itself needs chat.memberships.app; that scope adds nobody else.
    Bad(
        "users/app without memberships.app",
        _in_team(lambda ws: bot()),
        Code.PERMISSION_DENIED,
        "chat.memberships.app",
        caller=lambda ws: app_user(ws, "chat.memberships"),
    ),
    Bad(
        "memberships.app adding a human",
        _in_team(lambda ws: human(ws.erin.name)),
        Code.PERMISSION_DENIED,
        "chat.memberships.app",
        caller=lambda ws: app_user(ws),
    ),
    Bad("existing member by id", _in_team(lambda ws: human(ws.bob.name)), Code.ALREADY_EXISTS, "already exists"),
    Bad(
        "existing member by email",
        _in_team(lambda ws: human("users/bob@example.com")),
        Code.ALREADY_EXISTS,
        "already exists",
    ),
    Bad("the creator", _in_team(lambda ws: human(ws.alice.name)), Code.ALREADY_EXISTS, "already exists"),
    Bad(
        "external user, space closed to them",
        _in_team(lambda ws: human("users/dave@partner.example")),
        Code.PERMISSION_DENIED,
        "outside",
    ),
    Bad(
        "caller not a member",
        _in_team(lambda ws: human(ws.carol.name)),
        Code.NOT_FOUND,
        "not found",
        caller=lambda ws: {"as_": ws.erin},
    ),
    Bad(
        "no such space",
        lambda ws, team: create("spaces/AAAAnope", human(ws.erin.name)),
        Code.NOT_FOUND,
        "spaces/AAAAnope",
    ),
    Bad(
        "app not in the space",
        _in_team(lambda ws: human(ws.erin.name)),
        Code.NOT_FOUND,
        "not found",
        caller=lambda ws: {"as_": ws.app},
    ),
]


@pytest.mark.parametrize("case", CREATE_ERRORS, ids=lambda c: c.id)
def test_create_membership_errors(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, case: Bad) -> None:
    expect(
        rpc_error,
        case.code,
        "CreateMembership",
        case.build(ws, team.name),
        match=case.match,
        field=case.field,
        **case.caller(ws),
    )


def test_the_app_can_only_join_once(
    call: Caller, rpc_error: RpcError, ws: Workspace, with_app: space_pb2.Space
) -> None:
    expect(
        rpc_error,
        Code.ALREADY_EXISTS,
        "CreateMembership",
        create(with_app.name, bot()),
        match="already exists",
        **app_user(ws),
    )


def test_groups_only_join_named_spaces(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    chat_group = set_up(call, ws.alice, space_pb2.Space.GROUP_CHAT, ws.bob.name, ws.carol.name)
    expect(
        rpc_error, Code.INVALID_ARGUMENT, "CreateMembership", create(chat_group.name, group(ws.group.name)),
        match="SPACE", field="membership.group_member.name", as_=ws.alice,
    )  # fmt: skip


def test_a_direct_message_takes_no_third_person(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    dm = set_up(call, ws.alice, space_pb2.Space.DIRECT_MESSAGE, ws.bob.name)
    expect(
        rpc_error, Code.INVALID_ARGUMENT, "CreateMembership", create(dm.name, human(ws.erin.name)),
        match="direct message", field="membership.member.name", as_=ws.alice,
    )  # fmt: skip


def test_external_users_only_where_the_space_allows_them(call: Caller, ws: Workspace) -> None:
    open_space = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space("Partners", external_user_allowed=True)),
        as_=ws.alice,
    )
    created = call("CreateMembership", create(open_space.name, human("users/dave@partner.example")), as_=ws.alice)
    assert created.name == of(open_space, ws.dave) and created.member.name == ws.dave.name
    assert created.state == JOINED


def test_app_auth_adds_humans(call: Caller, ws: Workspace, with_app: space_pb2.Space) -> None:
    created = call("CreateMembership", create(with_app.name, human("users/erin@example.com")), as_=ws.app)
    assert created.name == of(with_app, ws.erin) and created.state == JOINED


@pytest.mark.parametrize(
    ("member", "code", "match", "field"),
    [
        (lambda ws: group(ws.group.name), Code.INVALID_ARGUMENT, "user authentication", "membership.group_member.name"),
        (lambda ws: bot(), Code.INVALID_ARGUMENT, "human", "membership.member.name"),
        (lambda ws: bot(ws.other_app.name), Code.INVALID_ARGUMENT, "other apps", "membership.member.name"),
        (lambda ws: human("users/dave@partner.example"), Code.PERMISSION_DENIED, "outside", None),
    ],
    ids=["group", "itself", "another app", "external user"],
)
def test_app_auth_adds_no_groups_apps_or_external_users(
    call: Caller,
    rpc_error: RpcError,
    ws: Workspace,
    bobs_space: space_pb2.Space,
    member: Any,
    code: Any,
    match: str,
    field: Any,
) -> None:
    # bobs_space allows external users, and the app is in it: the refusal is about app authentication.
    expect(
        rpc_error, code, "CreateMembership", create(bobs_space.name, member(ws)), match=match, field=field, as_=ws.app
    )


def test_admin_access_adds_org_users_to_any_space_of_the_org(
    call: Caller, ws: Workspace, bobs_space: space_pb2.Space
) -> None:
    created = call(
        "CreateMembership", create(bobs_space.name, human(ws.carol.name), use_admin_access=True), as_=ws.alice
    )
    assert created.name == of(bobs_space, ws.carol)


@pytest.mark.parametrize(
    ("member", "code", "match", "field", "app_token"),
    [
        (lambda ws: bot(), Code.INVALID_ARGUMENT, "app memberships", "membership.member.name", True),
        (lambda ws: human("users/dave@partner.example"), Code.PERMISSION_DENIED, "outside", None, False),
    ],
    ids=["the app", "user of another org"],
)
def test_admin_access_adds_no_apps_or_outsiders(
    rpc_error: RpcError,
    ws: Workspace,
    bobs_space: space_pb2.Space,
    member: Any,
    code: Any,
    match: str,
    field: Any,
    app_token: bool,
) -> None:
    # bobs_space allows external users; the refusals are about admin access.
    kwargs = {"as_": ws.alice, "app": ws.app if app_token else None}
    request = create(bobs_space.name, member(ws), use_admin_access=True)
    expect(rpc_error, code, "CreateMembership", request, match=match, field=field, **kwargs)


def test_admin_access_stops_at_the_org_boundary(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    theirs = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Partner team")), as_=ws.dave)
    for rpc, request in [
        ("CreateMembership", create(theirs.name, human(ws.bob.name), use_admin_access=True)),
        ("GetMembership", get(of(theirs, ws.dave), use_admin_access=True)),
        ("ListMemberships", listing(theirs.name, filter='member.type = "HUMAN"', use_admin_access=True)),
    ]:
        expect(rpc_error, Code.NOT_FOUND, rpc, request, match="not found", as_=ws.alice)


def test_space_permission_settings_limit_who_adds_members(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    news = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(
            space=new_space("News", predefined_permission_settings=space_pb2.Space.ANNOUNCEMENT_SPACE)
        ),
        as_=ws.alice,
    )
    call("CreateMembership", create(news.name, human(ws.bob.name)), as_=ws.alice)
    expect(
        rpc_error,
        Code.PERMISSION_DENIED,
        "CreateMembership",
        create(news.name, human(ws.erin.name)),
        match="add members",
        as_=ws.bob,
    )
    # In a collaboration space (the default) members may add members.
    call("CreateMembership", create(news.name, human(ws.erin.name)), as_=ws.alice)


def test_members_add_members_in_a_collaboration_space(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    assert call("CreateMembership", create(team.name, human(ws.erin.name)), as_=ws.bob).state == JOINED


# ================================================================== GetMembership


@pytest.mark.parametrize("alias", ["id", "email"])
def test_get_by_id_or_email_answers_the_canonical_name(
    call: Caller, ws: Workspace, team: space_pb2.Space, alias: str
) -> None:
    key = ws.bob.id if alias == "id" else "bob@example.com"
    got = call("GetMembership", get(f"{team.name}/members/{key}"), as_=ws.alice, scopes=["chat.memberships.readonly"])
    assert got.name == of(team, ws.bob)
    assert (got.member.name, got.member.type, got.role, got.state) == (ws.bob.name, HUMAN, MEMBER, JOINED)


def test_get_every_kind_of_membership(call: Caller, ws: Workspace, crowd: space_pb2.Space) -> None:
    assert call("GetMembership", get(of(crowd, ws.alice)), as_=ws.bob).role == MANAGER
    assert call("GetMembership", get(of(crowd, ws.erin)), as_=ws.bob).role == MANAGER
    assert call("GetMembership", get(of(crowd, ws.carol)), as_=ws.bob).state == INVITED
    got_group = call("GetMembership", get(of(crowd, ws.group)), as_=ws.bob)
    assert got_group.group_member.name == ws.group.name
    got_app = call("GetMembership", get(of(crowd, ws.app)), as_=ws.bob)
    assert (got_app.member.name, got_app.member.type) == (ws.app.name, BOT)


def test_app_auth_gets_human_memberships(call: Caller, ws: Workspace, with_app: space_pb2.Space) -> None:
    assert call("GetMembership", get(of(with_app, ws.bob)), as_=ws.app, scopes=["chat.bot"]).member.name == ws.bob.name


def test_reading_group_memberships_needs_user_auth(
    call: Caller, rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space
) -> None:
    # Membership.group_member: "Reading or mutating memberships for Google Groups requires user authentication."
    expect(
        rpc_error,
        Code.PERMISSION_DENIED,
        "GetMembership",
        get(of(crowd, ws.group)),
        match="user authentication",
        as_=ws.app,
    )
    listed = call("ListMemberships", listing(crowd.name, show_groups=True), as_=ws.app)
    assert ws.group.id not in member_ids(listed)


@pytest.mark.parametrize(
    ("name", "code", "match"),
    [
        ("", Code.INVALID_ARGUMENT, "name is required"),
        ("spaces/{s}", Code.INVALID_ARGUMENT, "spaces/{space}/members/{member}"),
        ("spaces/{s}/members", Code.INVALID_ARGUMENT, "spaces/{space}/members/{member}"),
        ("spaces/{s}/messages/x", Code.INVALID_ARGUMENT, "spaces/{space}/members/{member}"),
        ("spaces/{s}/members/x/y", Code.INVALID_ARGUMENT, "spaces/{space}/members/{member}"),
        ("users/{b}", Code.INVALID_ARGUMENT, "spaces/{space}/members/{member}"),
        ("spaces/{s}/members/424242", Code.NOT_FOUND, "not found"),
        ("spaces/{s}/members/nobody@example.com", Code.NOT_FOUND, "not found"),
        ("spaces/{s}/members/erin@example.com", Code.NOT_FOUND, "not found"),  # a user, but not in the space
        ("spaces/AAAAnope/members/{b}", Code.NOT_FOUND, "not found"),
        ("spaces/{s}/members/app", Code.INVALID_ARGUMENT, "members/app"),  # the token belongs to no app
    ],
)
@pytest.mark.parametrize("rpc", ["GetMembership", "DeleteMembership", "UpdateMembership"])
def test_membership_names(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str, name: str, code: Any, match: str
) -> None:
    name = name.format(s=team.name.split("/")[1], b=ws.bob.id)
    request = update(name) if rpc == "UpdateMembership" else membership_pb2.DeleteMembershipRequest(name=name)
    if rpc == "GetMembership":
        request = get(name)
    field = ("membership.name" if rpc == "UpdateMembership" else "name") if code == Code.INVALID_ARGUMENT else None
    expect(rpc_error, code, rpc, request, match=match, field=field, as_=ws.alice)


def test_members_app_when_the_app_is_not_in_the_space(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space
) -> None:
    expect(
        rpc_error,
        Code.NOT_FOUND,
        "GetMembership",
        get(f"{team.name}/members/app"),
        match="not found",
        **app_user(ws, "chat.memberships"),
    )


def test_outsiders_get_not_found(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    # Existence is not revealed: the same answer as for a space that does not exist.
    expect(rpc_error, Code.NOT_FOUND, "GetMembership", get(of(team, ws.bob)), match="not found", as_=ws.erin)


def test_admin_access_gets_humans_but_not_apps(
    call: Caller, rpc_error: RpcError, ws: Workspace, bobs_space: space_pb2.Space
) -> None:
    got = call(
        "GetMembership",
        get(of(bobs_space, ws.erin), use_admin_access=True),
        as_=ws.alice,
        scopes=["chat.admin.memberships.readonly"],
    )
    assert got.name == of(bobs_space, ws.erin)
    expect(
        rpc_error, Code.PERMISSION_DENIED, "GetMembership", get(of(bobs_space, ws.app), use_admin_access=True),
        match="app memberships", as_=ws.alice,
    )  # fmt: skip


# ================================================================== ListMemberships


def test_list_defaults_to_joined_humans_and_apps(call: Caller, ws: Workspace, crowd: space_pb2.Space) -> None:
    listed = call("ListMemberships", listing(crowd.name), as_=ws.bob)
    assert member_ids(listed) == [ws.alice.id, ws.bob.id, ws.erin.id, ws.app.id]  # no invitee, no group
    assert listed.next_page_token == ""
    assert all(m.state == JOINED for m in listed.memberships)


def test_list_under_app_auth_leaves_out_every_app_including_itself(
    call: Caller, ws: Workspace, crowd: space_pb2.Space
) -> None:
    listed = call("ListMemberships", listing(crowd.name), as_=ws.app)
    assert member_ids(listed) == [ws.alice.id, ws.bob.id, ws.erin.id]


@pytest.mark.parametrize(
    ("show_groups", "show_invited", "extra"),
    [(False, False, []), (True, False, ["group"]), (False, True, ["carol"]), (True, True, ["carol", "group"])],
)
def test_show_groups_and_show_invited(
    call: Caller, ws: Workspace, crowd: space_pb2.Space, show_groups: bool, show_invited: bool, extra: list[str]
) -> None:
    listed = call(
        "ListMemberships", listing(crowd.name, show_groups=show_groups, show_invited=show_invited), as_=ws.alice
    )
    expected = {ws.alice.id, ws.bob.id, ws.erin.id, ws.app.id} | {getattr(ws, who).id for who in extra}
    assert set(member_ids(listed)) == expected


def test_show_invited_needs_user_auth(rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space) -> None:
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        listing(crowd.name, show_invited=True),
        match="user authentication",
        field="show_invited",
        as_=ws.app,
    )


# Who has which role in `crowd`: alice, erin managers; bob member; carol invited member; the app a BOT member.
FILTERS = [
    ("", "alice bob erin carol app"),
    ('role = "ROLE_MANAGER"', "alice erin"),
    ('role = "ROLE_MEMBER"', "bob carol app"),
    ('role = "ROLE_MANAGER" OR role = "ROLE_MEMBER"', "alice bob erin carol app"),
    ('member.type = "HUMAN"', "alice bob erin carol"),
    ('member.type = "BOT"', "app"),
    ('member.type != "BOT"', "alice bob erin carol"),
    ('member.type != "HUMAN"', "app"),
    ('member.type = "HUMAN" OR member.type = "BOT"', "alice bob erin carol app"),
    ('member.type = "HUMAN" AND role = "ROLE_MANAGER"', "alice erin"),
    ('member.type = "BOT" AND role = "ROLE_MANAGER"', ""),
    ('role = "ROLE_MEMBER" AND member.type != "BOT"', "bob carol"),
    ('(role = "ROLE_MANAGER" OR role = "ROLE_MEMBER") AND member.type = "BOT"', "app"),
]


@pytest.mark.parametrize(("text", "who"), FILTERS, ids=[f or "no filter" for f, _ in FILTERS])
def test_list_filters(call: Caller, ws: Workspace, crowd: space_pb2.Space, text: str, who: str) -> None:
    listed = call("ListMemberships", listing(crowd.name, filter=text, show_invited=True), as_=ws.alice)
    assert set(member_ids(listed)) == {getattr(ws, name).id for name in who.split()}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('member.type = "HUMAN" AND member.type = "BOT"', "member.type"),  # the reference's invalid examples
        ('role = "ROLE_MANAGER" AND role = "ROLE_MEMBER"', "role"),
        ('role != "ROLE_MANAGER"', "!="),  # != is for member.type only
        ('role = "ROLE_OWNER"', "ROLE_OWNER"),
        ('member.type = "GROUP"', "GROUP"),
        ('state = "JOINED"', "state"),
        ('role = "ROLE_MANAGER" OR', "filter"),
        ('role = "ROLE_MANAGER" OR role = "ROLE_MEMBER" AND member.type = "HUMAN"', "parentheses"),
    ],
)
def test_invalid_filters(rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space, text: str, match: str) -> None:
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        listing(crowd.name, filter=text),
        match=match,
        field="filter",
        as_=ws.alice,
    )


def test_filters_still_apply_to_groups_and_invitees(call: Caller, ws: Workspace, crowd: space_pb2.Space) -> None:
    everyone = {"show_groups": True, "show_invited": True}
    humans = call("ListMemberships", listing(crowd.name, filter='member.type = "HUMAN"', **everyone), as_=ws.alice)
    assert set(member_ids(humans)) == {ws.alice.id, ws.bob.id, ws.erin.id, ws.carol.id}  # a group is no HUMAN user
    members = call("ListMemberships", listing(crowd.name, filter='role = "ROLE_MEMBER"', **everyone), as_=ws.alice)
    assert set(member_ids(members)) == {ws.bob.id, ws.carol.id, ws.app.id}  # groups have no role


@pytest.mark.parametrize(
    "text", ['member.type = "HUMAN"', 'member.type != "BOT"', 'member.type = "HUMAN" AND role = "ROLE_MANAGER"']
)
def test_admin_access_lists_humans_only(call: Caller, ws: Workspace, bobs_space: space_pb2.Space, text: str) -> None:
    listed = call("ListMemberships", listing(bobs_space.name, filter=text, use_admin_access=True), as_=ws.alice)
    ids = set(member_ids(listed))
    assert ws.app.id not in ids and ws.alice.id not in ids
    assert ids == ({ws.bob.id} if "MANAGER" in text else {ws.bob.id, ws.erin.id})


@pytest.mark.parametrize(
    "text", ["", 'member.type = "BOT"', 'role = "ROLE_MANAGER"', 'member.type = "HUMAN" OR member.type = "BOT"']
)
def test_admin_access_needs_a_humans_only_filter(
    rpc_error: RpcError, ws: Workspace, bobs_space: space_pb2.Space, text: str
) -> None:
    request = listing(bobs_space.name, filter=text, use_admin_access=True)
    expect(
        rpc_error, Code.INVALID_ARGUMENT, "ListMemberships", request, match="member.type", field="filter", as_=ws.alice
    )


def test_list_outsiders_get_not_found(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    expect(rpc_error, Code.NOT_FOUND, "ListMemberships", listing(team.name), match="not found", as_=ws.erin)
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        listing("spaces/"),
        match="parent",
        field="parent",
        as_=ws.erin,
    )


def test_import_scope_lists_only_import_mode_spaces(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    # chat.import "works only on import-mode spaces" (facts §2); team is a normal space.
    expect(
        rpc_error,
        Code.PERMISSION_DENIED,
        "ListMemberships",
        listing(team.name),
        match="import",
        as_=ws.alice,
        scopes=["chat.import"],
    )


@pytest.mark.parametrize(
    ("page_size", "expected"), [(0, 100), (None, 100), (7, 7), (1000, 1000), (1001, 1000), (5000, 1000)]
)
def test_page_size_default_and_maximum(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, page_size: int | None, expected: int
) -> None:
    bulk_add(chat, team, ws.alice, 1005)  # 1007 memberships in all
    request = listing(team.name) if page_size is None else listing(team.name, page_size=page_size)
    page = call("ListMemberships", request, as_=ws.alice)
    assert len(page.memberships) == expected
    assert page.next_page_token


def test_negative_page_size_is_invalid(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        listing(team.name, page_size=-1),
        match="negative",
        field="page_size",
        as_=ws.alice,
    )


def test_paging_through_three_pages(call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space) -> None:
    added = bulk_add(chat, team, ws.alice, 250)
    seen: list[str] = []
    pages = 0
    token = ""
    while True:
        page = call("ListMemberships", listing(team.name, page_token=token), as_=ws.bob)
        pages += 1
        seen += member_ids(page)
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [ws.alice.id, ws.bob.id, *added]  # every membership exactly once, in a stable order


def test_page_size_may_change_between_pages(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space
) -> None:
    added = bulk_add(chat, team, ws.alice, 10)
    first = call("ListMemberships", listing(team.name, page_size=3), as_=ws.alice)
    rest = call("ListMemberships", listing(team.name, page_size=50, page_token=first.next_page_token), as_=ws.alice)
    assert member_ids(first) + member_ids(rest) == [ws.alice.id, ws.bob.id, *added]
    assert rest.next_page_token == ""


def test_removals_between_pages_skip_nobody(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space
) -> None:
    added = bulk_add(chat, team, ws.alice, 6)
    first = call("ListMemberships", listing(team.name, page_size=4), as_=ws.alice)
    call("DeleteMembership", delete(of(team, ws.bob)), as_=ws.alice)  # bob was on the first page
    rest = call("ListMemberships", listing(team.name, page_size=4, page_token=first.next_page_token), as_=ws.alice)
    assert member_ids(first) + member_ids(rest) == [ws.alice.id, ws.bob.id, *added][:4] + added[2:6]


@pytest.mark.parametrize(
    "changed",
    [{"filter": 'member.type = "HUMAN"'}, {"show_invited": True}, {"show_groups": True}, {"parent": "other"}],
    ids=["filter", "show_invited", "show_groups", "parent"],
)
def test_a_page_token_is_bound_to_its_request(
    call: Caller, rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space, changed: dict[str, Any]
) -> None:
    bulk_add(chat, team, ws.alice, 5)
    token = call("ListMemberships", listing(team.name, page_size=2), as_=ws.alice).next_page_token
    if changed.get("parent"):
        other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.alice)
        changed = {"parent": other.name}
    request = listing(**{"parent": team.name, "page_size": 2, "page_token": token, **changed})
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        request,
        match="page_token",
        field="page_token",
        as_=ws.alice,
    )


def test_a_forged_page_token_is_invalid(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    request = listing(team.name, page_token="eyJiIjoiIiwiYyI6MH0.forged")
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "ListMemberships",
        request,
        match="page_token",
        field="page_token",
        as_=ws.alice,
    )


# ================================================================== UpdateMembership


@pytest.mark.parametrize("paths", [("role",), ("*",), ("role", "role")])
def test_a_manager_promotes_and_demotes(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, paths: tuple[str, ...]
) -> None:
    promoted = call("UpdateMembership", update(of(team, ws.bob), MANAGER, paths), as_=ws.alice)
    assert (promoted.name, promoted.role, promoted.member.name) == (of(team, ws.bob), MANAGER, ws.bob.name)
    assert call("GetMembership", get(of(team, ws.bob)), as_=ws.bob).role == MANAGER
    demoted = call("UpdateMembership", update(of(team, ws.alice), MEMBER, paths), as_=ws.bob)  # bob now manages too
    assert demoted.role == MEMBER
    assert event_log(chat, team)[-2:] == [(UPDATED, of(team, ws.bob)), (UPDATED, of(team, ws.alice))]


def test_update_by_email_answers_the_canonical_name(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    updated = call("UpdateMembership", update(f"{team.name}/members/bob@example.com"), as_=ws.alice)
    assert updated.name == of(team, ws.bob) and updated.role == MANAGER


@pytest.mark.parametrize(
    ("request_of", "match", "field"),
    [
        (lambda name: update(name, paths=()), "update_mask", "update_mask"),
        (lambda name: update(name, paths=("state",)), "state", "update_mask"),
        (lambda name: update(name, paths=("role", "state")), "state", "update_mask"),
        (lambda name: update(name, paths=("*", "role")), "*", "update_mask"),
        (lambda name: update(name, paths=("member",)), "member", "update_mask"),
        (
            lambda name: update(name, role=Membership.MEMBERSHIP_ROLE_UNSPECIFIED),
            "ROLE_MEMBER or ROLE_MANAGER",
            "membership.role",
        ),
        (
            lambda name: membership_pb2.UpdateMembershipRequest(update_mask=field_mask_pb2.FieldMask(paths=["role"])),
            "membership",
            "membership",
        ),
    ],
    ids=["no mask", "state", "role+state", "star+role", "member", "no role", "no membership"],
)
def test_update_validation(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, request_of: Any, match: str, field: str
) -> None:
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "UpdateMembership",
        request_of(of(team, ws.bob)),
        match=match,
        field=field,
        as_=ws.alice,
    )


def test_role_manager_only_in_named_spaces(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    chat_group = set_up(call, ws.alice, space_pb2.Space.GROUP_CHAT, ws.bob.name, ws.erin.name)
    expect(
        rpc_error, Code.INVALID_ARGUMENT, "UpdateMembership", update(of(chat_group, ws.bob)),
        match="ROLE_MANAGER", field="membership.role", as_=ws.alice,
    )  # fmt: skip


@pytest.mark.parametrize("target", ["bob", "erin"], ids=["themselves", "another member"])
def test_only_managers_change_roles(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, target: str
) -> None:
    call("CreateMembership", create(team.name, human(ws.erin.name)), as_=ws.alice)
    who = getattr(ws, target)
    expect(rpc_error, Code.PERMISSION_DENIED, "UpdateMembership", update(of(team, who)), match="manager", as_=ws.bob)
    expect(
        rpc_error,
        Code.PERMISSION_DENIED,
        "UpdateMembership",
        update(of(team, ws.alice), MEMBER),
        match="manager",
        as_=ws.bob,
    )


def test_the_last_manager_cannot_be_demoted(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space
) -> None:
    expect(
        rpc_error,
        Code.FAILED_PRECONDITION,
        "UpdateMembership",
        update(of(team, ws.alice), MEMBER),
        match="manager",
        as_=ws.alice,
    )
    call("UpdateMembership", update(of(team, ws.bob)), as_=ws.alice)
    assert call("UpdateMembership", update(of(team, ws.alice), MEMBER), as_=ws.alice).role == MEMBER


@pytest.mark.parametrize("target", ["group", "app"])
def test_only_human_memberships_have_roles(
    rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space, target: str
) -> None:
    name = of(crowd, getattr(ws, target))
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "UpdateMembership",
        update(name),
        match="human",
        field="membership.name",
        as_=ws.alice,
    )


def test_app_auth_changes_roles_only_in_spaces_it_created(
    call: Caller, rpc_error: RpcError, ws: Workspace, with_app: space_pb2.Space
) -> None:
    expect(
        rpc_error, Code.PERMISSION_DENIED, "UpdateMembership", update(of(with_app, ws.bob)), match="created", as_=ws.app
    )
    own = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space("Bot room", customer="customers/my_customer")),
        as_=ws.app,
    )
    call("CreateMembership", create(own.name, human(ws.bob.name)), as_=ws.app)
    assert call("UpdateMembership", update(of(own, ws.bob)), as_=ws.app).role == MANAGER


def test_admin_access_changes_roles_of_humans_not_apps(
    call: Caller, rpc_error: RpcError, ws: Workspace, bobs_space: space_pb2.Space
) -> None:
    promoted = call(
        "UpdateMembership",
        update(of(bobs_space, ws.erin), use_admin_access=True),
        as_=ws.alice,
        scopes=["chat.admin.memberships"],
    )
    assert promoted.role == MANAGER
    expect(
        rpc_error, Code.PERMISSION_DENIED, "UpdateMembership", update(of(bobs_space, ws.app), use_admin_access=True),
        match="app memberships", as_=ws.alice,
    )  # fmt: skip


def test_update_by_outsiders_is_not_found(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    expect(rpc_error, Code.NOT_FOUND, "UpdateMembership", update(of(team, ws.bob)), match="not found", as_=ws.erin)


# ================================================================== DeleteMembership


@pytest.mark.parametrize("alias", ["id", "email"])
def test_delete_answers_the_deleted_membership(
    call: Caller, rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space, alias: str
) -> None:
    key = ws.bob.id if alias == "id" else "bob@example.com"
    deleted = call("DeleteMembership", delete(f"{team.name}/members/{key}"), as_=ws.alice)
    assert isinstance(deleted, Membership)
    assert (deleted.name, deleted.member.name, deleted.member.type) == (of(team, ws.bob), ws.bob.name, HUMAN)
    assert deleted.HasField("delete_time") and deleted.delete_time.ToDatetime() >= deleted.create_time.ToDatetime()
    expect(rpc_error, Code.NOT_FOUND, "GetMembership", get(of(team, ws.bob)), match="not found", as_=ws.alice)
    expect(
        rpc_error, Code.NOT_FOUND, "GetMembership", get(of(team, ws.bob)), match="not found", as_=ws.bob
    )  # gone: can't see it
    assert event_log(chat, team)[-1] == (DELETED, of(team, ws.bob))


def test_members_can_leave(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    assert call("DeleteMembership", delete(of(team, ws.bob)), as_=ws.bob, scopes=["chat.memberships"]).name == of(
        team, ws.bob
    )
    assert member_ids(call("ListMemberships", listing(team.name), as_=ws.alice)) == [ws.alice.id]


def test_an_invitation_can_be_withdrawn(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    call("CreateMembership", create(team.name, human(ws.carol.name)), as_=ws.alice)
    assert call("DeleteMembership", delete(of(team, ws.carol)), as_=ws.alice).state == INVITED


def test_groups_are_removed_with_user_auth(
    call: Caller, rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space
) -> None:
    expect(
        rpc_error,
        Code.INVALID_ARGUMENT,
        "DeleteMembership",
        delete(of(crowd, ws.group)),
        match="user authentication",
        field="name",
        as_=ws.app,
    )
    assert call("DeleteMembership", delete(of(crowd, ws.group)), as_=ws.bob).group_member.name == ws.group.name


def test_removing_a_manager_needs_a_manager(
    call: Caller, rpc_error: RpcError, ws: Workspace, crowd: space_pb2.Space
) -> None:
    expect(
        rpc_error, Code.PERMISSION_DENIED, "DeleteMembership", delete(of(crowd, ws.erin)), match="manager", as_=ws.bob
    )
    assert call("DeleteMembership", delete(of(crowd, ws.erin)), as_=ws.alice).role == MANAGER


def test_members_remove_members_only_where_permitted(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    news = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(
            space=new_space("News", predefined_permission_settings=space_pb2.Space.ANNOUNCEMENT_SPACE)
        ),
        as_=ws.alice,
    )
    for who in (ws.bob, ws.erin):
        call("CreateMembership", create(news.name, human(who.name)), as_=ws.alice)
    expect(
        rpc_error,
        Code.PERMISSION_DENIED,
        "DeleteMembership",
        delete(of(news, ws.erin)),
        match="remove members",
        as_=ws.bob,
    )
    call("DeleteMembership", delete(of(news, ws.bob)), as_=ws.bob)  # leaving is always allowed


def test_the_last_manager_cannot_leave_others_behind(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space
) -> None:
    expect(
        rpc_error,
        Code.FAILED_PRECONDITION,
        "DeleteMembership",
        delete(of(team, ws.alice)),
        match="manager",
        as_=ws.alice,
    )
    call("UpdateMembership", update(of(team, ws.bob)), as_=ws.alice)
    assert call("DeleteMembership", delete(of(team, ws.alice)), as_=ws.alice).role == MANAGER


def test_the_app_removes_itself_with_user_auth(
    call: Caller, chat: ChatServer, ws: Workspace, with_app: space_pb2.Space
) -> None:
    deleted = call("DeleteMembership", delete(f"{with_app.name}/members/app"), **app_user(ws))
    assert (deleted.name, deleted.member.name, deleted.member.type) == (of(with_app, ws.app), ws.app.name, BOT)
    assert event_log(chat, with_app)[-1] == (DELETED, of(with_app, ws.app))


@pytest.mark.parametrize(
    ("name_of", "caller", "code", "match"),
    [
        # Removing an app membership: only that app, through members/app and chat.memberships.app.
        (lambda ws, s: of(s, ws.app), lambda ws: {"as_": ws.alice}, Code.PERMISSION_DENIED, "that app"),
        (
            lambda ws, s: of(s, ws.app),
            lambda ws: {"as_": ws.alice, "app": ws.other_app},
            Code.PERMISSION_DENIED,
            "that app",
        ),
        (
            lambda ws, s: f"{s.name}/members/app",
            lambda ws: app_user(ws, "chat.memberships"),
            Code.PERMISSION_DENIED,
            "chat.memberships.app",
        ),
        (lambda ws, s: of(s, ws.bob), lambda ws: app_user(ws), Code.PERMISSION_DENIED, "chat.memberships.app"),
        (
            lambda ws, s: of(s, ws.app),
            lambda ws: {"as_": ws.alice, "use_admin": True},
            Code.PERMISSION_DENIED,
            "app memberships",
        ),
        # "App authentication is not supported for removing a Chat app from a space" (itself included).
        (
            lambda ws, s: f"{s.name}/members/app",
            lambda ws: {"as_": ws.app},
            Code.PERMISSION_DENIED,
            "user authentication",
        ),
        (lambda ws, s: of(s, ws.other_app), lambda ws: {"as_": ws.alice}, Code.NOT_FOUND, "not found"),
    ],
    ids=[
        "a user",
        "another app's token",
        "without memberships.app",
        "memberships.app on a human",
        "admin access",
        "app auth",
        "not a member",
    ],
)
def test_app_membership_removal_rules(
    rpc_error: RpcError, ws: Workspace, with_app: space_pb2.Space, name_of: Any, caller: Any, code: Any, match: str
) -> None:
    kwargs = caller(ws)
    request = delete(name_of(ws, with_app), use_admin_access=kwargs.pop("use_admin", False))
    expect(rpc_error, code, "DeleteMembership", request, match=match, **kwargs)


def test_app_auth_removes_humans(call: Caller, ws: Workspace, with_app: space_pb2.Space) -> None:
    assert call("DeleteMembership", delete(of(with_app, ws.bob)), as_=ws.app).name == of(with_app, ws.bob)


def test_admin_access_removes_humans_and_managers(call: Caller, ws: Workspace, bobs_space: space_pb2.Space) -> None:
    call("UpdateMembership", update(of(bobs_space, ws.erin)), as_=ws.bob)
    deleted = call("DeleteMembership", delete(of(bobs_space, ws.bob), use_admin_access=True), as_=ws.alice)
    assert deleted.role == MANAGER


def test_delete_by_outsiders_is_not_found(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    expect(rpc_error, Code.NOT_FOUND, "DeleteMembership", delete(of(team, ws.bob)), match="not found", as_=ws.erin)


# ================================================================== events


def test_membership_events_are_recorded(call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space) -> None:
    before = len(event_log(chat, team))
    call("CreateMembership", create(team.name, human(ws.erin.name)), as_=ws.alice)
    call("CreateMembership", create(team.name, group(ws.group.name)), as_=ws.alice)
    call("UpdateMembership", update(of(team, ws.erin)), as_=ws.alice)
    call("UpdateMembership", update(of(team, ws.erin)), as_=ws.alice)  # no change, no event
    call("DeleteMembership", delete(of(team, ws.group)), as_=ws.alice)
    call("DeleteMembership", delete(of(team, ws.erin)), as_=ws.alice)
    assert event_log(chat, team)[before:] == [
        (CREATED, of(team, ws.erin)),
        (CREATED, of(team, ws.group)),
        (UPDATED, of(team, ws.erin)),
        (DELETED, of(team, ws.group)),
        (DELETED, of(team, ws.erin)),
    ]
    # The space's own creation recorded alice's and bob's memberships first.
    assert event_log(chat, team)[:2] == [(CREATED, of(team, ws.alice)), (CREATED, of(team, ws.bob))]


def test_failed_calls_record_no_event(
    rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space
) -> None:
    before = event_log(chat, team)
    rpc_error(Code.ALREADY_EXISTS, "CreateMembership", create(team.name, human(ws.bob.name)), as_=ws.alice)
    rpc_error(Code.FAILED_PRECONDITION, "UpdateMembership", update(of(team, ws.alice), MEMBER), as_=ws.alice)
    rpc_error(Code.PERMISSION_DENIED, "DeleteMembership", delete(of(team, ws.alice)), as_=ws.bob)
    assert event_log(chat, team) == before
