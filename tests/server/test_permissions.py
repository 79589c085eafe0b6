"""The permission matrix of the 14 space and membership RPCs and of the 18 RPCs Google added after the
reference (message search and pins, sections, availability, group chats, uploads), through the real gRPC channel.

One table says, for every RPC and every kind of caller, what the reference lets happen: no or unusable
credentials (UNAUTHENTICATED), someone outside the space (NOT_FOUND: the space's existence is not revealed),
a member, a manager, the Chat app with app authentication, a Workspace admin with ``use_admin_access``.
A second table holds the OAuth scopes each RPC accepts per way of calling (chat-api-facts §2, from the
reference's per-RPC scope lists and auth kinds): a missing scope is PERMISSION_DENIED whose message lists
exactly those scope URLs. Every failure carries google.rpc details (ErrorInfo, BadRequest for bad fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
import pytest
from google.chat.v1 import (
    attachment_pb2,
    availability_pb2,
    chat_service_pb2_grpc,
    membership_pb2,
    message_pb2,
    message_pin_pb2,
    section_pb2,
    space_pb2,
    space_setup_pb2,
    user_pb2,
)
from google.protobuf import duration_pb2, field_mask_pb2

from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details, error_info

Code = grpc.StatusCode
SCOPE_URL = re.compile(r"https://www\.googleapis\.com/auth/(chat\.[a-z.]+[a-z])")
ADMIN_QUERY = 'customer = "customers/my_customer" AND space_type = "SPACE"'


@dataclass(frozen=True)
class World:
    """``space``: bob manages it, erin is a member, the app joined it; alice (admin) and carol are outside.
    ``imported``: bob's space in import mode. DMs: bob-erin, and bob with the app. ``message``: bob's message in
    ``space``, pinned as ``pin``. ``sections``: a custom section of each user (by id). ``me``: the id of the user
    a request is built for (sections, section items and availability are the caller's own)."""

    space: str
    imported: str
    erin: str
    bob: str
    carol: str
    message: str = ""
    pin: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    me: str = ""


@pytest.fixture
def world(call: Caller, ws: Workspace) -> World:
    space = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Matrix")), as_=ws.bob).name
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=space, membership=human(ws.erin.name)),
        as_=ws.bob,
    )
    app_member = membership_pb2.Membership(member=user_pb2.User(name="users/app", type=user_pb2.User.BOT))
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=space, membership=app_member),
        as_=ws.bob,
        app=ws.app,
    )
    imported = call(
        "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Imported", import_mode=True)), as_=ws.bob
    ).name
    dm = space_pb2.Space(space_type=space_pb2.Space.DIRECT_MESSAGE)
    call("SetUpSpace", space_setup_pb2.SetUpSpaceRequest(space=dm, memberships=[human(ws.erin.name)]), as_=ws.bob)
    bot_dm = space_pb2.Space(space_type=space_pb2.Space.DIRECT_MESSAGE, single_user_bot_dm=True)
    call("SetUpSpace", space_setup_pb2.SetUpSpaceRequest(space=bot_dm), as_=ws.bob, app=ws.app)
    message = call(
        "CreateMessage",
        message_pb2.CreateMessageRequest(parent=space, message=message_pb2.Message(text="hi")),
        as_=ws.bob,
    ).name
    pin = call(
        "CreateMessagePin",
        message_pin_pb2.CreateMessagePinRequest(parent=space, message_pin=message_pin_pb2.MessagePin(message=message)),
        as_=ws.bob,
    ).name
    custom = section_pb2.Section(display_name="Mine", type=section_pb2.Section.CUSTOM_SECTION)
    sections = {
        user.id: call(
            "CreateSection", section_pb2.CreateSectionRequest(parent="users/me", section=custom), as_=user
        ).name
        for user in (ws.alice, ws.bob, ws.carol, ws.erin)
    }
    return World(space, imported, ws.erin.id, ws.bob.id, ws.carol.id, message, pin, sections)


def _mine(w: World) -> str:
    return w.sections.get(w.me, "users/me/sections/default-spaces")


# One request per RPC, aimed at the world; `admin` adds use_admin_access=True where the request has it.
REQUESTS: dict[str, Callable[[World], Any]] = {
    "CreateSpace": lambda w: space_pb2.CreateSpaceRequest(space=new_space("Fresh", customer="customers/my_customer")),
    "SetUpSpace": lambda w: space_setup_pb2.SetUpSpaceRequest(space=new_space("Set up")),
    "GetSpace": lambda w: space_pb2.GetSpaceRequest(name=w.space),
    "ListSpaces": lambda w: space_pb2.ListSpacesRequest(),
    "SearchSpaces": lambda w: space_pb2.SearchSpacesRequest(query=ADMIN_QUERY),
    "UpdateSpace": lambda w: space_pb2.UpdateSpaceRequest(
        space=space_pb2.Space(name=w.space, display_name="Renamed"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
    ),
    "DeleteSpace": lambda w: space_pb2.DeleteSpaceRequest(name=w.space),
    "CompleteImportSpace": lambda w: space_pb2.CompleteImportSpaceRequest(name=w.imported),
    "FindDirectMessage": lambda w: space_pb2.FindDirectMessageRequest(name=f"users/{w.bob}"),
    "CreateMembership": lambda w: membership_pb2.CreateMembershipRequest(
        parent=w.space, membership=human(f"users/{w.carol}")
    ),
    "GetMembership": lambda w: membership_pb2.GetMembershipRequest(name=f"{w.space}/members/{w.erin}"),
    "ListMemberships": lambda w: membership_pb2.ListMembershipsRequest(parent=w.space, filter='member.type = "HUMAN"'),
    "UpdateMembership": lambda w: membership_pb2.UpdateMembershipRequest(
        membership=membership_pb2.Membership(
            name=f"{w.space}/members/{w.erin}", role=membership_pb2.Membership.ROLE_MANAGER
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["role"]),
    ),
    "DeleteMembership": lambda w: membership_pb2.DeleteMembershipRequest(name=f"{w.space}/members/{w.erin}"),
    # Added after the reference.
    "SearchMessages": lambda w: message_pb2.SearchMessagesRequest(
        parent="spaces/-", filter=f'space.name = "{w.space}"'
    ),
    "FindGroupChats": lambda w: space_pb2.FindGroupChatsRequest(users=[f"users/{w.erin}", f"users/{w.carol}"]),
    "UploadAttachment": lambda w: attachment_pb2.UploadAttachmentRequest(parent=w.space, filename="plan.pdf"),
    "CreateMessagePin": lambda w: message_pin_pb2.CreateMessagePinRequest(
        parent=w.space, message_pin=message_pin_pb2.MessagePin(message=w.message)
    ),
    "ListMessagePins": lambda w: message_pin_pb2.ListMessagePinsRequest(parent=w.space),
    "DeleteMessagePin": lambda w: message_pin_pb2.DeleteMessagePinRequest(name=w.pin),
    "CreateSection": lambda w: section_pb2.CreateSectionRequest(
        parent="users/me", section=section_pb2.Section(display_name="New", type=section_pb2.Section.CUSTOM_SECTION)
    ),
    "ListSections": lambda w: section_pb2.ListSectionsRequest(parent="users/me"),
    "UpdateSection": lambda w: section_pb2.UpdateSectionRequest(
        section=section_pb2.Section(name=_mine(w), display_name="Renamed"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
    ),
    "DeleteSection": lambda w: section_pb2.DeleteSectionRequest(name=_mine(w)),
    "PositionSection": lambda w: section_pb2.PositionSectionRequest(name=_mine(w), sort_order=1),
    "ListSectionItems": lambda w: section_pb2.ListSectionItemsRequest(parent="users/me/sections/-"),
    "MoveSectionItem": lambda w: section_pb2.MoveSectionItemRequest(
        name=f"users/me/sections/default-spaces/items/{w.space.removeprefix('spaces/')}", target_section=_mine(w)
    ),
    "GetAvailability": lambda w: availability_pb2.GetAvailabilityRequest(name="users/me/availability"),
    "UpdateAvailability": lambda w: availability_pb2.UpdateAvailabilityRequest(
        availability=availability_pb2.Availability(
            name="users/me/availability",
            custom_status=availability_pb2.CustomStatus(text="Out", emoji={"unicode": "🌴"}),
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["custom_status"]),
    ),
    "MarkAsActive": lambda w: availability_pb2.MarkAsActiveRequest(name="users/me/availability"),
    "MarkAsAway": lambda w: availability_pb2.MarkAsAwayRequest(name="users/me/availability"),
    "MarkAsDoNotDisturb": lambda w: availability_pb2.MarkAsDoNotDisturbRequest(
        name="users/me/availability", ttl=duration_pb2.Duration(seconds=3600)
    ),
}
RPCS = list(REQUESTS)
EMPTY: dict[str, type] = {rpc: type(REQUESTS[rpc](World("", "", "", "", ""))) for rpc in RPCS}
ADDED_AFTER_THE_REFERENCE = RPCS[14:]
ADMIN_RPCS = [rpc for rpc in RPCS if "use_admin_access" in EMPTY[rpc].DESCRIPTOR.fields_by_name]


def build(rpc: str, world: World, *, admin: bool = False) -> Any:
    request = REQUESTS[rpc](world)
    if admin:
        request.use_admin_access = True
    return request


# ------------------------------------------------------------------ the matrix

# outcome key -> (status code, text the message must contain, ErrorInfo reason or None)
OUTCOMES: dict[str, tuple[grpc.StatusCode, str, str | None]] = {
    "NF": (Code.NOT_FOUND, "not found", None),
    "NO_DM": (Code.NOT_FOUND, "no direct message", None),
    "APP": (Code.PERMISSION_DENIED, "does not support app authentication", "APP_AUTH_NOT_SUPPORTED"),
    "MANAGER": (Code.PERMISSION_DENIED, "manager", None),
    "CREATOR": (Code.PERMISSION_DENIED, "created", None),
    "NEEDS_ADMIN": (Code.INVALID_ARGUMENT, "use_admin_access", None),
    "NO_MEDIA": (Code.INVALID_ARGUMENT, "media upload endpoint", None),  # bytes never travel over gRPC
    "ALREADY": (Code.ALREADY_EXISTS, "already pinned", None),
    "NF_ITEM": (Code.NOT_FOUND, "section item", None),
}
CALLERS = ("non-member", "member", "manager", "app", "admin")

# fmt: off
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    #                        non-member     member      manager  app         admin ("-": no use_admin_access field)
    "CreateSpace":          ("OK",          "OK",       "OK",    "OK",       "-"),
    "SetUpSpace":           ("OK",          "OK",       "OK",    "APP",      "-"),
    "GetSpace":             ("NF",          "OK",       "OK",    "OK",       "OK"),
    "ListSpaces":           ("OK",          "OK",       "OK",    "OK",       "-"),
    "SearchSpaces":         ("NEEDS_ADMIN", "NEEDS_ADMIN", "NEEDS_ADMIN", "APP", "OK"),
    "UpdateSpace":          ("NF",          "OK",       "OK",    "OK",       "OK"),
    "DeleteSpace":          ("NF",          "MANAGER",  "OK",    "CREATOR",  "OK"),
    "CompleteImportSpace":  ("NF",          "NF",       "OK",    "APP",      "-"),
    "FindDirectMessage":    ("NO_DM",       "OK",       "NO_DM", "OK",       "-"),  # the DM with users/bob
    "CreateMembership":     ("NF",          "OK",       "OK",    "OK",       "OK"),
    "GetMembership":        ("NF",          "OK",       "OK",    "OK",       "OK"),
    "ListMemberships":      ("NF",          "OK",       "OK",    "OK",       "OK"),
    "UpdateMembership":     ("NF",          "MANAGER",  "OK",    "CREATOR",  "OK"),
    "DeleteMembership":     ("NF",          "OK",       "OK",    "OK",       "OK"),  # erin: leaving, or removed
    # Added after the reference (user authentication only, except UploadAttachment).
    "SearchMessages":       ("OK",          "OK",       "OK",    "APP",      "-"),  # carol finds nothing
    "FindGroupChats":       ("OK",          "OK",       "OK",    "APP",      "-"),
    "UploadAttachment":     ("NO_MEDIA",    "NO_MEDIA", "NO_MEDIA", "NO_MEDIA", "-"),  # see test_upload_matrix
    "CreateMessagePin":     ("NF",          "ALREADY",  "ALREADY", "APP",    "-"),  # bob pinned it already
    "ListMessagePins":      ("NF",          "OK",       "OK",    "APP",      "-"),
    "DeleteMessagePin":     ("NF",          "OK",       "OK",    "APP",      "-"),
    "CreateSection":        ("OK",          "OK",       "OK",    "APP",      "-"),
    "ListSections":         ("OK",          "OK",       "OK",    "APP",      "-"),
    "UpdateSection":        ("OK",          "OK",       "OK",    "APP",      "-"),  # each their own section
    "DeleteSection":        ("OK",          "OK",       "OK",    "APP",      "-"),
    "PositionSection":      ("OK",          "OK",       "OK",    "APP",      "-"),
    "ListSectionItems":     ("OK",          "OK",       "OK",    "APP",      "-"),
    "MoveSectionItem":      ("NF_ITEM",     "OK",       "OK",    "APP",      "-"),  # carol is not in the space
    "GetAvailability":      ("OK",          "OK",       "OK",    "APP",      "-"),
    "UpdateAvailability":   ("OK",          "OK",       "OK",    "APP",      "-"),
    "MarkAsActive":         ("OK",          "OK",       "OK",    "APP",      "-"),
    "MarkAsAway":           ("OK",          "OK",       "OK",    "APP",      "-"),
    "MarkAsDoNotDisturb":   ("OK",          "OK",       "OK",    "APP",      "-"),
}
# fmt: on
CELLS = [
    pytest.param(rpc, caller, outcome, id=f"{rpc}-{caller}")
    for rpc, row in MATRIX.items()
    for caller, outcome in zip(CALLERS, row, strict=True)
    if outcome != "-"
]


def test_the_matrix_covers_every_rpc_and_the_admin_column_matches_the_protos() -> None:
    assert len(MATRIX) == 32 and set(MATRIX) == set(RPCS)
    assert [rpc for rpc, row in MATRIX.items() if row[4] != "-"] == ADMIN_RPCS


def _caller(ws: Workspace, caller: str) -> dict[str, Any]:
    return {
        "non-member": {"as_": ws.carol},
        "member": {"as_": ws.erin},
        "manager": {"as_": ws.bob},
        "app": {"as_": ws.app},
        "admin": {"as_": ws.alice},
    }[caller]


@pytest.mark.parametrize(("rpc", "caller", "outcome"), CELLS)
def test_permission_matrix(call: Caller, ws: Workspace, world: World, rpc: str, caller: str, outcome: str) -> None:
    request = build(rpc, replace(world, me=_caller(ws, caller)["as_"].id), admin=caller == "admin")
    if outcome == "OK":
        call(rpc, request, **_caller(ws, caller))
        return
    code, match, reason = OUTCOMES[outcome]
    with pytest.raises(grpc.RpcError) as caught:
        call(rpc, request, **_caller(ws, caller))
    error = caught.value
    assert error.code() == code, f"{rpc} as {caller}: {error.code()} {error.details()}"
    assert match.lower() in error.details().lower()
    assert_details(error, reason=reason, field="use_admin_access" if outcome == "NEEDS_ADMIN" else None)


# ------------------------------------------------------------------ who may not call at all


UNUSABLE = {
    "no token": None,
    "garbled token": "Bearer not-a-token-this-server-knows",
    "unknown user": "Bearer user:nobody@example.com",
    "unknown app": "Bearer app:424242",
    "user id as an app": "Bearer app:{bob}",
    "unknown token option": "Bearer user:bob@example.com;colour=blue",
    "not a bearer token": "Basic Ym9iOnNlY3JldA==",
}


@pytest.mark.parametrize("rpc", RPCS)
@pytest.mark.parametrize("credentials", list(UNUSABLE), ids=list(UNUSABLE))
@pytest.mark.parametrize("valid", [True, False], ids=["request", "empty request"])
def test_without_usable_credentials_every_rpc_is_unauthenticated(
    stub: chat_service_pb2_grpc.ChatServiceStub, ws: Workspace, world: World, rpc: str, credentials: str, valid: bool
) -> None:
    # Authentication comes before anything else, even before the request is looked at.
    header = UNUSABLE[credentials]
    metadata = [] if header is None else [("authorization", header.format(bob=ws.bob.id))]
    request = build(rpc, world) if valid else EMPTY[rpc]()
    with pytest.raises(grpc.RpcError) as caught:
        getattr(stub, rpc)(request, metadata=metadata, timeout=10)
    error = caught.value
    assert error.code() == Code.UNAUTHENTICATED, f"{rpc}: {error.code()} {error.details()}"
    assert_details(error, reason="UNAUTHENTICATED")


@pytest.mark.parametrize("rpc", ADMIN_RPCS)
def test_admin_access_needs_a_workspace_admin(rpc_error: Any, ws: Workspace, world: World, rpc: str) -> None:
    error = rpc_error(
        Code.PERMISSION_DENIED, rpc, build(rpc, world, admin=True), as_=ws.bob, match="not a Workspace administrator"
    )
    assert_details(error, reason="NOT_AN_ADMINISTRATOR")


@pytest.mark.parametrize("rpc", ADMIN_RPCS)
def test_admin_access_needs_user_auth(rpc_error: Any, ws: Workspace, world: World, rpc: str) -> None:
    error = rpc_error(
        Code.PERMISSION_DENIED, rpc, build(rpc, world, admin=True), as_=ws.app, match="user authentication"
    )
    assert_details(error, reason="ADMIN_NEEDS_USER")


# ------------------------------------------------------------------ scopes

# Accepted scopes per RPC and way of calling (without the https://www.googleapis.com/auth/ prefix), and for each
# a near miss: a plausible scope that is NOT accepted. Union of the three = the reference's list (§2) exactly:
# chat.app.memberships does not read memberships (Get/ListMemberships list only chat.bot for apps).
# fmt: off
_SCOPE_TABLE: dict[str, dict[str, tuple[str, str]]] = {  # kind -> (near miss, accepted), short names without "chat."
    "CreateSpace":         {"user": ("spaces.readonly", "spaces.create spaces import"),
                            "app": ("bot", "app.spaces.create app.spaces")},
    "SetUpSpace":          {"user": ("spaces.readonly", "spaces.create spaces")},
    "GetSpace":            {"user": ("memberships.readonly", "spaces spaces.readonly"),
                            "app": ("app.memberships", "bot app.spaces"),
                            "admin": ("admin.memberships.readonly", "admin.spaces admin.spaces.readonly")},
    "ListSpaces":          {"user": ("memberships.readonly", "spaces spaces.readonly"),
                            "app": ("app.spaces", "bot")},
    "SearchSpaces":        {"admin": ("admin.memberships.readonly", "admin.spaces admin.spaces.readonly")},
    "UpdateSpace":         {"user": ("spaces.readonly", "spaces import"),
                            "app": ("bot", "app.spaces"),
                            "admin": ("admin.spaces.readonly", "admin.spaces")},
    "DeleteSpace":         {"user": ("spaces", "delete import"),
                            "app": ("app.spaces", "app.delete"),
                            "admin": ("admin.spaces", "admin.delete")},
    "CompleteImportSpace": {"user": ("spaces", "import")},
    "FindDirectMessage":   {"user": ("memberships.readonly", "spaces spaces.readonly"),
                            "app": ("app.spaces", "bot")},
    "CreateMembership":    {"user": ("memberships.readonly", "memberships memberships.app import"),
                            "app": ("bot", "app.memberships"),
                            "admin": ("admin.memberships.readonly", "admin.memberships")},
    "GetMembership":       {"user": ("spaces.readonly", "memberships memberships.readonly"),
                            "app": ("app.memberships", "bot"),
                            "admin": ("admin.spaces.readonly", "admin.memberships admin.memberships.readonly")},
    "ListMemberships":     {"user": ("spaces.readonly", "memberships memberships.readonly import"),
                            "app": ("app.memberships", "bot"),
                            "admin": ("admin.spaces.readonly", "admin.memberships admin.memberships.readonly")},
    "UpdateMembership":    {"user": ("memberships.readonly", "memberships import"),
                            "app": ("bot", "app.memberships"),
                            "admin": ("admin.memberships.readonly", "admin.memberships")},
    "DeleteMembership":    {"user": ("memberships.readonly", "memberships memberships.app import"),
                            "app": ("bot", "app.memberships"),
                            "admin": ("admin.memberships.readonly", "admin.memberships")},
    # Added after the reference (Google's reference pages): user authentication only, but UploadAttachment.
    "SearchMessages":      {"user": ("spaces.readonly", "messages messages.readonly")},
    "FindGroupChats":      {"user": ("spaces.readonly", "memberships memberships.readonly")},
    "UploadAttachment":    {"user": ("messages.readonly", "messages.create messages import"),
                            "app": ("app.spaces", "bot")},
    "CreateMessagePin":    {"user": ("spaces.pins.readonly", "spaces.pins spaces")},
    "ListMessagePins":     {"user": ("messages.readonly", "spaces.pins.readonly spaces.pins spaces.readonly spaces")},
    "DeleteMessagePin":    {"user": ("spaces.readonly", "spaces.pins spaces")},
    "CreateSection":       {"user": ("users.sections.readonly", "users.sections")},
    "ListSections":        {"user": ("users.spacesettings", "users.sections users.sections.readonly")},
    "UpdateSection":       {"user": ("users.sections.readonly", "users.sections")},
    "DeleteSection":       {"user": ("users.sections.readonly", "users.sections")},
    "PositionSection":     {"user": ("users.sections.readonly", "users.sections")},
    "ListSectionItems":    {"user": ("spaces.readonly", "users.sections users.sections.readonly")},
    "MoveSectionItem":     {"user": ("users.sections.readonly", "users.sections")},
    "GetAvailability":     {"user": ("users.readstate", "users.availability users.availability.readonly")},
    "UpdateAvailability":  {"user": ("users.availability.readonly", "users.availability")},
    "MarkAsActive":        {"user": ("users.availability.readonly", "users.availability")},
    "MarkAsAway":          {"user": ("users.availability.readonly", "users.availability")},
    "MarkAsDoNotDisturb":  {"user": ("users.availability.readonly", "users.availability")},
}
# The reference's (spec/004) scope list per RPC, verbatim, short names without "chat.".
_REFERENCE_TABLE: dict[str, str] = {
    "CreateSpace":         "app.spaces.create app.spaces import spaces spaces.create",
    "SetUpSpace":          "spaces spaces.create",
    "GetSpace":            "admin.spaces admin.spaces.readonly app.spaces bot spaces spaces.readonly",
    "ListSpaces":          "bot spaces spaces.readonly",
    "SearchSpaces":        "admin.spaces admin.spaces.readonly",
    "UpdateSpace":         "admin.spaces app.spaces import spaces",
    "DeleteSpace":         "admin.delete app.delete delete import",
    "CompleteImportSpace": "import",
    "FindDirectMessage":   "bot spaces spaces.readonly",
    "CreateMembership":    "admin.memberships app.memberships import memberships memberships.app",
    "GetMembership":       "admin.memberships admin.memberships.readonly bot memberships memberships.readonly",
    "ListMemberships":     "admin.memberships admin.memberships.readonly import bot memberships memberships.readonly",
    "UpdateMembership":    "app.memberships admin.memberships import memberships",
    "DeleteMembership":    "app.memberships admin.memberships import memberships memberships.app",
    # Added after the reference: the scope lists of Google's reference pages.
    "SearchMessages":      "messages messages.readonly",
    "FindGroupChats":      "memberships memberships.readonly",
    "UploadAttachment":    "bot import messages messages.create",
    "CreateMessagePin":    "spaces spaces.pins",
    "ListMessagePins":     "spaces spaces.pins spaces.pins.readonly spaces.readonly",
    "DeleteMessagePin":    "spaces spaces.pins",
    "CreateSection":       "users.sections",
    "ListSections":        "users.sections users.sections.readonly",
    "UpdateSection":       "users.sections",
    "DeleteSection":       "users.sections",
    "PositionSection":     "users.sections",
    "ListSectionItems":    "users.sections users.sections.readonly",
    "MoveSectionItem":     "users.sections",
    "GetAvailability":     "users.availability users.availability.readonly",
    "UpdateAvailability":  "users.availability",
    "MarkAsActive":        "users.availability",
    "MarkAsAway":          "users.availability",
    "MarkAsDoNotDisturb":  "users.availability",
}
# fmt: on
def _chat(names: str) -> set[str]:
    return {f"chat.{name}" for name in names.split()}


SCOPES: dict[str, dict[str, tuple[str, set[str]]]] = {
    rpc: {kind: (f"chat.{miss}", _chat(accepted)) for kind, (miss, accepted) in kinds.items()}
    for rpc, kinds in _SCOPE_TABLE.items()
}
REFERENCE_SCOPES = {rpc: _chat(names) for rpc, names in _REFERENCE_TABLE.items()}


def test_the_scope_table_is_the_references() -> None:
    for rpc, kinds in SCOPES.items():
        accepted = set().union(*(scopes for _, scopes in kinds.values()))
        assert accepted == REFERENCE_SCOPES[rpc], rpc
        assert all(miss not in scopes for miss, scopes in kinds.values()), rpc


def _as(ws: Workspace, kind: str) -> Any:
    return ws.app if kind == "app" else (ws.alice if kind == "admin" else ws.bob)


SCOPE_CASES = [pytest.param(rpc, kind, id=f"{rpc}-{kind}") for rpc, kinds in SCOPES.items() for kind in kinds]


@pytest.mark.parametrize(("rpc", "kind"), SCOPE_CASES)
def test_a_missing_scope_is_denied_naming_the_accepted_scopes(call: Caller, ws: Workspace, rpc: str, kind: str) -> None:
    near_miss, accepted = SCOPES[rpc][kind]
    # An empty request: authorization is decided before the request is validated (AIP-211).
    request = EMPTY[rpc](use_admin_access=True) if kind == "admin" else EMPTY[rpc]()
    with pytest.raises(grpc.RpcError) as caught:
        call(rpc, request, as_=_as(ws, kind), scopes=[near_miss])
    error = caught.value
    assert error.code() == Code.PERMISSION_DENIED, f"{rpc}: {error.code()} {error.details()}"
    assert rpc in error.details()
    assert set(SCOPE_URL.findall(error.details())) == accepted
    assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")


SINGLE_SCOPES = [
    pytest.param(rpc, kind, scope, id=f"{rpc}-{scope}")
    for rpc, kinds in SCOPES.items()
    for kind, (_, accepted) in kinds.items()
    for scope in sorted(accepted)
]


@pytest.mark.parametrize(("rpc", "kind", "scope"), SINGLE_SCOPES)
def test_each_accepted_scope_alone_gets_past_authorization(
    call: Caller, ws: Workspace, world: World, rpc: str, kind: str, scope: str
) -> None:
    # Past authorization, the call may still fail on the rules (e.g. chat.import outside import mode),
    # but never for want of a scope or of credentials.
    try:
        call(
            rpc,
            build(rpc, replace(world, me=_as(ws, kind).id), admin=kind == "admin"),
            as_=_as(ws, kind),
            scopes=[f"https://www.googleapis.com/auth/{scope}"],
        )
    except grpc.RpcError as error:
        assert error.code() != Code.UNAUTHENTICATED
        assert error_info(error).reason != "ACCESS_TOKEN_SCOPE_INSUFFICIENT", error.details()
        assert "needs one of these OAuth scopes" not in error.details()


@pytest.mark.parametrize("rpc", [rpc for rpc in RPCS if "app" not in SCOPES[rpc]])
def test_rpcs_without_app_auth_say_so(rpc_error: Any, ws: Workspace, rpc: str) -> None:
    error = rpc_error(
        Code.PERMISSION_DENIED, rpc, EMPTY[rpc](), as_=ws.app, match="does not support app authentication"
    )
    assert_details(error, reason="APP_AUTH_NOT_SUPPORTED")
    assert not SCOPE_URL.findall(error.details())  # no scope would help


@pytest.mark.parametrize(
    ("rpc", "kind"), [("UpdateSpace", "user"), ("DeleteSpace", "user"), ("GetMembership", "admin")]
)
def test_the_scope_message_spells_full_scope_urls(rpc_error: Any, ws: Workspace, rpc: str, kind: str) -> None:
    near_miss, accepted = SCOPES[rpc][kind]
    request = EMPTY[rpc](use_admin_access=True) if kind == "admin" else EMPTY[rpc]()
    error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=_as(ws, kind), scopes=[near_miss])
    for scope in accepted:
        assert f"https://www.googleapis.com/auth/{scope}" in error.details()
    assert f"https://www.googleapis.com/auth/{near_miss}," not in error.details() + ","


# ------------------------------------------------------------------ the RPCs added after the reference: more rules


@pytest.mark.parametrize("rpc", ["ListSections", "CreateSection", "ListSectionItems", "GetAvailability", "MarkAsAway"])
def test_sections_and_availability_are_the_callers_own(rpc_error: Any, ws: Workspace, world: World, rpc: str) -> None:
    request = build(rpc, replace(world, me=ws.bob.id))
    named = "parent" if hasattr(request, "parent") else "name"
    setattr(request, named, getattr(request, named).replace("users/me", f"users/{ws.erin.id}", 1))
    error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.bob, match="caller")
    assert_details(error, reason="NOT_THE_CALLER")


@pytest.mark.parametrize(
    ("caller", "outcome"), [("non-member", "NF"), ("member", "OK"), ("manager", "OK"), ("app", "OK")]
)
def test_upload_matrix(chat: Any, ws: Workspace, world: World, caller: str, outcome: str) -> None:
    """UploadAttachment with its bytes (as the REST face's media upload hands them to the core)."""
    from chat_grpc.fake.auth import Credentials
    from chat_grpc.fake.errors import NotFound
    from chat_grpc.fake.rpc import Media
    from chat_grpc.fake.store import AuthKind

    who = _caller(ws, caller)["as_"]
    kind = AuthKind.APP if caller == "app" else AuthKind.USER
    credentials = Credentials(who.id, kind, frozenset({"chat.bot"} if caller == "app" else {"chat.messages.create"}))
    request = build("UploadAttachment", world)
    if outcome == "NF":
        with pytest.raises(NotFound):
            chat.core.execute("UploadAttachment", credentials, request, Media(b"%PDF", "application/pdf"))
        return
    response = chat.core.execute("UploadAttachment", credentials, request, Media(b"%PDF", "application/pdf"))
    assert chat.store.attachment_media(response.attachment_data_ref.resource_name) == (b"%PDF", "application/pdf")
