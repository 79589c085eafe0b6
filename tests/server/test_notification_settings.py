"""The notification-setting RPCs through the real gRPC channel: Get/UpdateSpaceNotificationSetting.

Rules come from the reference (spec/004: SpaceNotificationSetting with its NotificationSetting and MuteSetting
enums, Get/UpdateSpaceNotificationSettingRequest and the two RPC descriptions) and chat-api-facts §2 (user
authentication only, ``chat.users.spacesettings``), §3 (``users/{me|email|id}``, the caller only;
MAIN_CONVERSATIONS and FOR_YOU do not exist in one-to-one direct messages) and §6 (masks ``notification_setting``,
``mute_setting``). Defaults for a new member (ALL, UNMUTED) are the fake's documented choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.chat.v1 import membership_pb2, space_pb2, space_setup_pb2
from google.chat.v1 import space_notification_setting_pb2 as pb
from google.protobuf import field_mask_pb2

from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
RpcError = Callable[..., grpc.RpcError]
Setting = pb.SpaceNotificationSetting
N = Setting.NotificationSetting
MUTE = Setting.MuteSetting
NOTIFY = "space_notification_setting.notification_setting"
MUTING = "space_notification_setting.mute_setting"


# ------------------------------------------------------------------ builders and helpers


def name_of(space: space_pb2.Space, user: str = "me") -> str:
    return f"users/{user}/spaces/{space.name.removeprefix('spaces/')}/spaceNotificationSetting"


def get(name: str) -> pb.GetSpaceNotificationSettingRequest:
    return pb.GetSpaceNotificationSettingRequest(name=name)


def update(name: str, *paths: str, **values: int) -> pb.UpdateSpaceNotificationSettingRequest:
    return pb.UpdateSpaceNotificationSettingRequest(
        space_notification_setting=Setting(name=name, **values), update_mask=field_mask_pb2.FieldMask(paths=paths)
    )


def current(call: Caller, space: space_pb2.Space, who: Any) -> tuple[str, str]:
    found = call("GetSpaceNotificationSetting", get(name_of(space)), as_=who)
    return N.Name(found.notification_setting), MUTE.Name(found.mute_setting)


def invalid(rpc_error: RpcError, rpc: str, request: Any, field: str, match: str = "", **kw: Any) -> grpc.RpcError:
    error = rpc_error(Code.INVALID_ARGUMENT, rpc, request, match=match or field, **kw)
    assert_details(error, field=field)
    return error


def set_up(call: Caller, who: Any, space_type: int, *others: Any, **kw: Any) -> space_pb2.Space:
    request = space_setup_pb2.SetUpSpaceRequest(
        space=space_pb2.Space(space_type=space_type, single_user_bot_dm=not others),
        memberships=[human(o.name) for o in others],
    )
    return call("SetUpSpace", request, as_=who, **kw)


@pytest.fixture
def dm(call: Caller, ws: Workspace) -> space_pb2.Space:
    return set_up(call, ws.bob, space_pb2.Space.DIRECT_MESSAGE, ws.erin)


@pytest.fixture
def spaces(call: Caller, ws: Workspace, team: space_pb2.Space, dm: space_pb2.Space) -> dict[str, space_pb2.Space]:
    """Bob is in all of them."""
    return {
        "SPACE": team,
        "GROUP_CHAT": set_up(call, ws.bob, space_pb2.Space.GROUP_CHAT, ws.alice, ws.erin),
        "DIRECT_MESSAGE": dm,
        "DIRECT_MESSAGE with the app": set_up(call, ws.bob, space_pb2.Space.DIRECT_MESSAGE, app=ws.app),
    }


# ------------------------------------------------------------------ GetSpaceNotificationSetting


@pytest.mark.parametrize("kind", ["SPACE", "GROUP_CHAT", "DIRECT_MESSAGE", "DIRECT_MESSAGE with the app"])
def test_a_new_member_gets_the_defaults(
    call: Caller, ws: Workspace, spaces: dict[str, space_pb2.Space], kind: str
) -> None:
    space = spaces[kind]
    found = call("GetSpaceNotificationSetting", get(name_of(space)), as_=ws.bob)
    assert found.name == name_of(space, ws.bob.id)
    assert found.HasField("notification_setting") and found.HasField("mute_setting")
    assert (N.Name(found.notification_setting), MUTE.Name(found.mute_setting)) == ("ALL", "UNMUTED")


@pytest.mark.parametrize("alias", ["me", "email", "EMAIL", "id"])
def test_each_spelling_of_the_caller_names_the_same_setting(
    call: Caller, ws: Workspace, team: space_pb2.Space, alias: str
) -> None:
    user = {"me": "me", "email": ws.bob.email, "EMAIL": ws.bob.email.upper(), "id": ws.bob.id}[alias]
    changed = call(
        "UpdateSpaceNotificationSetting",
        update(name_of(team, user), "mute_setting", mute_setting=MUTE.MUTED),
        as_=ws.bob,
    )
    found = call("GetSpaceNotificationSetting", get(name_of(team, user)), as_=ws.bob)
    assert changed == found
    assert found.name == name_of(team, ws.bob.id)
    assert found.mute_setting == MUTE.MUTED


@pytest.mark.parametrize(
    "other", ["another member by id", "another member by email", "a user outside the space", "an unknown email"]
)
def test_another_users_setting_is_permission_denied(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, other: str
) -> None:
    user = {
        "another member by id": ws.alice.id,
        "another member by email": ws.alice.email,
        "a user outside the space": ws.erin.id,
        "an unknown email": "nobody@example.com",
    }[other]
    requests = [
        ("GetSpaceNotificationSetting", get(name_of(team, user))),
        ("UpdateSpaceNotificationSetting", update(name_of(team, user), "mute_setting", mute_setting=MUTE.MUTED)),
    ]
    for rpc, request in requests:
        error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.bob, match="only the caller's own notification")
        assert_details(error, reason="NOT_THE_CALLER")
    assert current(call, team, ws.alice) == ("ALL", "UNMUTED")


@pytest.mark.parametrize("outsider", ["erin (not a member)", "unknown space"])
def test_a_space_the_caller_is_not_in_is_not_found(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, outsider: str
) -> None:
    space = team if outsider.startswith("erin") else space_pb2.Space(name="spaces/AAAAnope")
    who = ws.erin if outsider.startswith("erin") else ws.bob
    for rpc, request in [
        ("GetSpaceNotificationSetting", get(name_of(space))),
        ("UpdateSpaceNotificationSetting", update(name_of(space), "mute_setting", mute_setting=MUTE.MUTED)),
    ]:
        assert_details(rpc_error(Code.NOT_FOUND, rpc, request, as_=who, match=f"{space.name} not found"))


def test_an_invited_user_has_a_setting(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    """The space is visible to its invitees (docs/fidelity.md "Visibility"); they may set up notifications."""
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=team.name, membership=human(ws.carol.name)),
        as_=ws.alice,
    )
    call(
        "UpdateSpaceNotificationSetting",
        update(name_of(team), "notification_setting", notification_setting=N.OFF),
        as_=ws.carol,
    )
    assert current(call, team, ws.carol) == ("OFF", "UNMUTED")


SPACE_ID = "AAAA"


@pytest.mark.parametrize(
    "name",
    [
        "",
        f"spaces/{SPACE_ID}/spaceNotificationSetting",
        f"users/me/spaces/{SPACE_ID}",
        f"users/me/spaces/{SPACE_ID}/spaceReadState",
        f"users/me/spaces/{SPACE_ID}/spaceNotificationSetting/x",
        "users/me/spaces//spaceNotificationSetting",
        f"users/me/spaces/{SPACE_ID}/threads/t/spaceNotificationSetting",
    ],
)
@pytest.mark.parametrize("rpc", ["GetSpaceNotificationSetting", "UpdateSpaceNotificationSetting"])
def test_malformed_names_are_invalid(rpc_error: RpcError, ws: Workspace, rpc: str, name: str) -> None:
    if rpc == "GetSpaceNotificationSetting":
        request: Any = get(name)
        field = "name"
    else:
        request = update(name, "mute_setting", mute_setting=MUTE.MUTED)
        field = "space_notification_setting.name"
    invalid(rpc_error, rpc, request, field, match="is required" if not name else "must look like", as_=ws.bob)


# ------------------------------------------------------------------ UpdateSpaceNotificationSetting


@pytest.mark.parametrize(
    ("paths", "values", "expected"),
    [
        (("notification_setting",), {"notification_setting": N.OFF}, ("OFF", "UNMUTED")),
        (("notificationSetting",), {"notification_setting": N.FOR_YOU}, ("FOR_YOU", "UNMUTED")),
        (("mute_setting",), {"mute_setting": MUTE.MUTED}, ("ALL", "MUTED")),
        (("muteSetting",), {"mute_setting": MUTE.MUTED}, ("ALL", "MUTED")),
        (
            ("notification_setting", "mute_setting"),
            {"notification_setting": N.MAIN_CONVERSATIONS, "mute_setting": MUTE.MUTED},
            ("MAIN_CONVERSATIONS", "MUTED"),
        ),
        (
            ("notification_setting,mute_setting",),
            {"notification_setting": N.OFF, "mute_setting": MUTE.MUTED},
            ("OFF", "MUTED"),
        ),
        (("*",), {"notification_setting": N.FOR_YOU, "mute_setting": MUTE.MUTED}, ("FOR_YOU", "MUTED")),
        # fields outside the mask are ignored
        (("mute_setting",), {"notification_setting": N.OFF, "mute_setting": MUTE.MUTED}, ("ALL", "MUTED")),
        (("notification_setting",), {"notification_setting": N.OFF, "mute_setting": MUTE.MUTED}, ("OFF", "UNMUTED")),
        (("notification_setting",), {"notification_setting": N.OFF, "mute_setting": 0}, ("OFF", "UNMUTED")),
    ],
)
def test_update_changes_the_masked_fields_only(
    call: Caller,
    ws: Workspace,
    team: space_pb2.Space,
    paths: tuple[str, ...],
    values: dict[str, int],
    expected: tuple[str, str],
) -> None:
    updated = call("UpdateSpaceNotificationSetting", update(name_of(team), *paths, **values), as_=ws.bob)
    assert updated.name == name_of(team, ws.bob.id)
    assert (N.Name(updated.notification_setting), MUTE.Name(updated.mute_setting)) == expected
    assert current(call, team, ws.bob) == expected
    assert current(call, team, ws.alice) == ("ALL", "UNMUTED"), "each member has their own setting"


def test_updates_accumulate(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    call("UpdateSpaceNotificationSetting", update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED), as_=ws.bob)
    call(
        "UpdateSpaceNotificationSetting",
        update(name_of(team), "notification_setting", notification_setting=N.OFF),
        as_=ws.bob,
    )
    assert current(call, team, ws.bob) == ("OFF", "MUTED")
    call("UpdateSpaceNotificationSetting", update(name_of(team), "mute_setting", mute_setting=MUTE.UNMUTED), as_=ws.bob)
    assert current(call, team, ws.bob) == ("OFF", "UNMUTED")


@pytest.mark.parametrize(
    ("paths", "values", "field", "match"),
    [
        (("notification_setting",), {}, NOTIFY, "NOTIFICATION_SETTING_UNSPECIFIED"),
        (
            ("notification_setting",),
            {"notification_setting": N.NOTIFICATION_SETTING_UNSPECIFIED},
            NOTIFY,
            "UNSPECIFIED",
        ),
        (("mute_setting",), {}, MUTING, "MUTE_SETTING_UNSPECIFIED"),
        (("mute_setting",), {"mute_setting": MUTE.MUTE_SETTING_UNSPECIFIED}, MUTING, "UNSPECIFIED"),
        (("*",), {"notification_setting": N.OFF}, MUTING, "MUTE_SETTING_UNSPECIFIED"),
        (("*",), {"mute_setting": MUTE.MUTED}, NOTIFY, "NOTIFICATION_SETTING_UNSPECIFIED"),
        (("notification_setting", "mute_setting"), {"mute_setting": MUTE.MUTED}, NOTIFY, "UNSPECIFIED"),
        ((), {"mute_setting": MUTE.MUTED}, "update_mask", "update_mask is required"),
        (("name",), {"mute_setting": MUTE.MUTED}, "update_mask", "'name' is not supported"),
        (("mute_setting", "last_read_time"), {"mute_setting": MUTE.MUTED}, "update_mask", "'last_read_time' is not"),
        (("*", "mute_setting"), {"mute_setting": MUTE.MUTED}, "update_mask", "'*' must be alone"),
    ],
)
def test_invalid_updates(
    call: Caller,
    rpc_error: RpcError,
    ws: Workspace,
    team: space_pb2.Space,
    paths: tuple[str, ...],
    values: dict[str, int],
    field: str,
    match: str,
) -> None:
    invalid(
        rpc_error,
        "UpdateSpaceNotificationSetting",
        update(name_of(team), *paths, **values),
        field,
        match=match,
        as_=ws.bob,
    )
    assert current(call, team, ws.bob) == ("ALL", "UNMUTED"), "nothing changed"


def test_update_needs_the_setting(rpc_error: RpcError, ws: Workspace) -> None:
    request = pb.UpdateSpaceNotificationSettingRequest(update_mask=field_mask_pb2.FieldMask(paths=["mute_setting"]))
    invalid(
        rpc_error,
        "UpdateSpaceNotificationSetting",
        request,
        "space_notification_setting",
        match="is required",
        as_=ws.bob,
    )


@pytest.mark.parametrize("kind", ["SPACE", "GROUP_CHAT", "DIRECT_MESSAGE", "DIRECT_MESSAGE with the app"])
@pytest.mark.parametrize("value", ["ALL", "MAIN_CONVERSATIONS", "FOR_YOU", "OFF"])
def test_main_conversations_and_for_you_do_not_exist_in_direct_messages(
    call: Caller, rpc_error: RpcError, ws: Workspace, spaces: dict[str, space_pb2.Space], kind: str, value: str
) -> None:
    space = spaces[kind]
    request = update(name_of(space), "notification_setting", notification_setting=N.Value(value))
    if kind.startswith("DIRECT_MESSAGE") and value in ("MAIN_CONVERSATIONS", "FOR_YOU"):
        invalid(
            rpc_error, "UpdateSpaceNotificationSetting", request, NOTIFY, match=f"{value} is not available", as_=ws.bob
        )
        assert current(call, space, ws.bob) == ("ALL", "UNMUTED")
    else:
        updated = call("UpdateSpaceNotificationSetting", request, as_=ws.bob)
        assert N.Name(updated.notification_setting) == value
        assert current(call, space, ws.bob) == (value, "UNMUTED")


def test_muting_a_direct_message_is_fine(call: Caller, ws: Workspace, dm: space_pb2.Space) -> None:
    call("UpdateSpaceNotificationSetting", update(name_of(dm), "mute_setting", mute_setting=MUTE.MUTED), as_=ws.erin)
    assert current(call, dm, ws.erin) == ("ALL", "MUTED")
    assert current(call, dm, ws.bob) == ("ALL", "UNMUTED")


# ------------------------------------------------------------------ authentication, scopes, lifecycle


@pytest.mark.parametrize("rpc", ["GetSpaceNotificationSetting", "UpdateSpaceNotificationSetting"])
@pytest.mark.parametrize(
    ("scopes", "allowed"), [(["chat.users.spacesettings"], True), (["chat.users.readstate", "chat.spaces"], False)]
)
def test_scopes(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str, scopes: list[str], allowed: bool
) -> None:
    request = (
        get(name_of(team)) if rpc.startswith("Get") else update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED)
    )
    if allowed:
        call(rpc, request, as_=ws.bob, scopes=scopes)
    else:
        error = rpc_error(
            Code.PERMISSION_DENIED, rpc, request, as_=ws.bob, scopes=scopes, match="chat.users.spacesettings"
        )
        assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")


@pytest.mark.parametrize("rpc", ["GetSpaceNotificationSetting", "UpdateSpaceNotificationSetting"])
def test_app_authentication_is_refused(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str) -> None:
    request = (
        get(name_of(team)) if rpc.startswith("Get") else update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED)
    )
    error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.app, match="user authentication")
    assert_details(error, reason="APP_AUTH_NOT_SUPPORTED")


def test_a_deleted_space_takes_its_settings(
    call: Caller, rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space
) -> None:
    call("UpdateSpaceNotificationSetting", update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED), as_=ws.bob)
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    rpc_error(Code.NOT_FOUND, "GetSpaceNotificationSetting", get(name_of(team)), as_=ws.bob, match="not found")
    assert not chat.store.notification_settings._settings


def test_the_setting_of_another_space_is_separate(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.bob)
    call("UpdateSpaceNotificationSetting", update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED), as_=ws.bob)
    assert current(call, other, ws.bob) == ("ALL", "UNMUTED")


def test_a_setting_survives_leaving_and_rejoining(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space
) -> None:
    call("UpdateSpaceNotificationSetting", update(name_of(team), "mute_setting", mute_setting=MUTE.MUTED), as_=ws.bob)
    membership = f"{team.name}/members/{ws.bob.id}"
    call("DeleteMembership", membership_pb2.DeleteMembershipRequest(name=membership), as_=ws.bob)
    rpc_error(Code.NOT_FOUND, "GetSpaceNotificationSetting", get(name_of(team)), as_=ws.bob, match="not found")
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=team.name, membership=human(ws.bob.name)),
        as_=ws.alice,
    )
    assert current(call, team, ws.bob) == ("ALL", "MUTED")
