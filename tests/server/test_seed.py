"""Workspace files (chat_grpc.workspace.seed): loading JSON and YAML through the store's operations, the checks that
name each problem's place before anything is loaded, and export: loading an export gives the same workspace,
for the demo and for randomized workspaces. Also the emulator's --seed, --export and --id-seed."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.chat.v1 import (
    chat_service_pb2_grpc,
    membership_pb2,
    message_pb2,
    space_event_pb2,
    space_notification_setting_pb2,
    space_pb2,
    space_read_state_pb2,
    thread_read_state_pb2,
)

from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer, ChatStore, ManualClock
from chat_grpc.server.config import Config, parse_args
from chat_grpc.workspace import read as workspace_read
from chat_grpc.workspace.demo import demo_workspace, seed_demo
from chat_grpc.workspace.seed import SeedError, dump, dumps, export_workspace, load_workspace, read_workspace_file
from tests.server.conftest import Caller, Workspace, new_space
from tests.server.seed_helpers import as_user, observe, random_workspace
from tests.server.test_custom_emojis import png

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def documented_example() -> dict[str, Any]:
    """The complete example of docs/emulator.md (so the documentation stays true)."""
    text = (ROOT / "docs" / "emulator.md").read_text()
    block = re.search(r"### A complete example\s+```yaml\n(.*?)```", text, re.S)
    assert block is not None
    data: dict[str, Any] = yaml.safe_load(block.group(1))
    return data


def fresh(when: datetime = NOW) -> ChatStore:
    return ChatStore(clock=ManualClock(when))


def problems(source: Any, store: ChatStore | None = None) -> list[str]:
    with pytest.raises(SeedError) as raised:
        load_workspace(store or fresh(), source)
    return raised.value.problems


def token(email: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer user:{email}")]


# ------------------------------------------------------------------ loading


def test_the_documented_example_loads_and_serves(chat: ChatServer, clock: ManualClock, call: Caller) -> None:
    loaded = load_workspace(chat.store, documented_example())
    launch = loaded.spaces["launch"]
    assert launch.name == "spaces/AAAAlaunch1" and launch.display_name == "Launch"
    alice, bob = loaded.users["alice@example.com"], loaded.users["bob@example.com"]
    assert alice.id == "100000000000000000001" and alice.is_admin and bob.display_name == "Bob Builder"
    assert loaded.users["carol@example.com"].display_name == "Carol"  # from the email

    def rpc(name: str, request: Any, who: str = "alice@example.com") -> Any:
        return call(name, request, token=f"user:{who}")

    # the thread, its times and its key, as the API shows them
    kickoff = rpc("GetMessage", message_pb2.GetMessageRequest(name=f"{launch.name}/messages/kickoff0001.kickoff0001"))
    assert kickoff.create_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, 5, tzinfo=UTC)
    assert kickoff.text == "Kick-off at 10:00, @Bob Builder brings the plan"  # the mention is rendered
    assert {
        (s.emoji.unicode, s.emoji.custom_emoji.uid, s.reaction_count) for s in kickoff.emoji_reaction_summaries
    } == {
        ("👍", "", 1),
        ("", loaded.custom_emojis[":falcon:"].uid, 1),
    }
    listed = rpc("ListMessages", message_pb2.ListMessagesRequest(parent=launch.name, show_deleted=True)).messages
    reply = next(m for m in listed if m.client_assigned_message_id == "client-bob-1")
    assert reply.thread.name == kickoff.thread.name and reply.thread_reply
    assert reply.last_update_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, 8, tzinfo=UTC)
    assert [a.content_name for a in reply.attachment] == ["plan.pdf"]
    deleted = next(m for m in listed if m.HasField("delete_time"))
    assert deleted.deletion_metadata.deletion_type == deleted.deletion_metadata.CREATOR and not deleted.text
    # app messages (a card; a private message only its viewer sees)
    private = [
        m
        for m in rpc("ListMessages", message_pb2.ListMessagesRequest(parent=launch.name), "bob@example.com").messages
        if m.private_message_viewer.name
    ]
    assert [m.text for m in private] == ["Only you can see this"]
    assert not [m for m in listed if m.private_message_viewer.name]  # alice does not see it
    card = next(m for m in listed if m.cards_v2)
    assert card.cards_v2[0].card_id == "status" and card.cards_v2[0].card.header.title == "Build green"
    # memberships: order, roles, states; erin left (former member) but her reaction stays
    members = rpc(
        "ListMemberships",
        membership_pb2.ListMembershipsRequest(parent=launch.name, show_groups=True, show_invited=True),
    ).memberships
    assert [(m.member.name or m.group_member.name, m.role, m.state) for m in members] == [
        (alice.name, membership_pb2.Membership.ROLE_MANAGER, membership_pb2.Membership.JOINED),
        (bob.name, membership_pb2.Membership.ROLE_MANAGER, membership_pb2.Membership.JOINED),
        (
            loaded.users["carol@example.com"].name,
            membership_pb2.Membership.ROLE_MEMBER,
            membership_pb2.Membership.INVITED,
        ),
        (
            loaded.users["dave@partner.example"].name,
            membership_pb2.Membership.ROLE_MEMBER,
            membership_pb2.Membership.JOINED,
        ),
        (loaded.apps["Helper Bot"].name, membership_pb2.Membership.ROLE_MEMBER, membership_pb2.Membership.JOINED),
        (
            loaded.groups["Engineers"].name,
            membership_pb2.Membership.MEMBERSHIP_ROLE_UNSPECIFIED,
            membership_pb2.Membership.JOINED,
        ),
    ]
    assert members[0].create_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, tzinfo=UTC)
    assert members[1].create_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, tzinfo=UTC)  # the space's time
    # settings and read states
    space = rpc("GetSpace", space_pb2.GetSpaceRequest(name=launch.name))
    assert space.permission_settings.manage_apps.members_allowed is False and space.external_user_allowed
    assert space.create_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, tzinfo=UTC)
    setting = rpc(
        "GetSpaceNotificationSetting",
        space_notification_setting_pb2.GetSpaceNotificationSettingRequest(
            name=f"users/me/{launch.name}/spaceNotificationSetting"
        ),
        "bob@example.com",
    )
    assert (setting.notification_setting, setting.mute_setting) == (setting.FOR_YOU, setting.MUTED)
    read = rpc(
        "GetSpaceReadState",
        space_read_state_pb2.GetSpaceReadStateRequest(name=f"users/me/{launch.name}/spaceReadState"),
        "bob@example.com",
    )
    assert read.last_read_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, 10, tzinfo=UTC)
    thread_read = rpc(
        "GetThreadReadState",
        thread_read_state_pb2.GetThreadReadStateRequest(name=f"users/me/{kickoff.thread.name}/threadReadState"),
        "bob@example.com",
    )
    assert thread_read.last_read_time.ToDatetime(UTC) == datetime(2026, 1, 2, 9, 6, 30, tzinfo=UTC)
    announcements = rpc("GetSpace", space_pb2.GetSpaceRequest(name=loaded.spaces["Announcements"].name))
    assert not announcements.permission_settings.post_messages.members_allowed
    # the import-mode space is only the importer's, with its history
    old = loaded.spaces["Old team"]
    assert old.import_mode and old.create_time == datetime(2024, 3, 1, tzinfo=UTC)
    # blocks, emoji managers, the organization's switch
    bob_now, alice_now = chat.store.user_by_email("bob@example.com"), chat.store.principal(alice.id)
    assert bob_now is not None and bob_now.blocked_user_ids == {loaded.users["erin@example.com"].id}
    assert isinstance(alice_now, User) and alice_now.can_manage_custom_emojis
    assert not chat.store.custom_emojis.enabled("customers/C0partner")
    # a reply through the thread key (last: it moves bob's read state), scoped to the app of the credentials
    again = call(
        "CreateMessage",
        message_pb2.CreateMessageRequest(
            parent=launch.name,
            message=message_pb2.Message(text="me too", thread=message_pb2.Thread(thread_key="kickoff")),
            message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
        ),
        as_=bob,
        app=loaded.apps["Helper Bot"],
    )
    assert again.thread.name == kickoff.thread.name


def test_loading_records_space_events_at_the_items_times(chat: ChatServer, clock: ManualClock, call: Caller) -> None:
    loaded = load_workspace(
        chat.store,
        {
            "users": [{"email": "a@example.com"}, {"email": "b@example.com"}],
            "spaces": [
                {
                    "ref": "s",
                    "display_name": "S",
                    "create_time": "2026-01-04T10:00:00Z",
                    "members": [
                        {"user": "a@example.com"},
                        {"user": "b@example.com", "create_time": "2026-01-04T11:00:00Z"},
                    ],
                    "messages": [{"sender": "b@example.com", "text": "hi", "create_time": "2026-01-04T12:00:00+01:00"}],
                }
            ],
        },
    )
    events = call(
        "ListSpaceEvents",
        space_event_pb2.ListSpaceEventsRequest(
            parent=loaded.spaces["s"].name,
            filter='event_types:"google.workspace.chat.membership.v1.created"'
            ' OR event_types:"google.workspace.chat.message.v1.created"',
        ),
        token="user:a@example.com",
    ).space_events
    assert [(e.event_type.split(".")[3], e.event_time.ToDatetime(UTC)) for e in events] == [
        ("membership", datetime(2026, 1, 4, 10, tzinfo=UTC)),
        ("membership", datetime(2026, 1, 4, 11, tzinfo=UTC)),
        ("message", datetime(2026, 1, 4, 11, tzinfo=UTC)),  # 12:00 at +01:00
    ]


def test_yaml_and_json_files_load_the_same(tmp_path: Path) -> None:
    data = documented_example()
    (tmp_path / "w.json").write_text(json.dumps(data, default=str))
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    (tmp_path / "w.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    exports = []
    for name in ("w.json", "w.yaml", "w.yml"):
        store = ChatStore(clock=ManualClock(NOW), ids=IdGenerator(3))
        load_workspace(store, tmp_path / name)
        exports.append(export_workspace(store))
    assert exports[0] == exports[1] == exports[2]


def test_an_image_file_is_read_relative_to_the_workspace_file(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "party.png").write_bytes(png(80, 80))
    (tmp_path / "w.json").write_text(
        json.dumps(
            {
                "users": [{"email": "a@example.com"}],
                "custom_emojis": [{"name": ":party:", "creator": "a@example.com", "image": "img/party.png"}],
            }
        )
    )
    store = fresh()
    emoji = load_workspace(store, tmp_path / "w.json").custom_emojis[":party:"]
    assert (emoji.filename, emoji.file_content, emoji.width) == ("party.png", png(80, 80), 80)


def test_handles_are_keyed_by_ref_then_display_name_then_name() -> None:
    loaded = load_workspace(fresh(), documented_example())
    group_chat = next(s for s in loaded.spaces.values() if s.space_type == "GROUP_CHAT")
    assert sorted(loaded.spaces) == sorted(["launch", "Announcements", "dm", group_chat.name, "Bot corner", "Old team"])
    assert loaded.messages["kickoff"].id == "kickoff0001.kickoff0001"
    assert set(loaded.apps) == {"Helper Bot"} and set(loaded.groups) == {"Engineers"}
    assert set(loaded.custom_emojis) == {":falcon:"}


def test_references_can_name_people_already_in_the_store(chat: ChatServer, ws: Workspace) -> None:
    loaded = load_workspace(
        chat.store,
        {
            "users": [{"email": "zoe@example.com"}],
            "spaces": [
                {
                    "display_name": "Mixed",
                    "creator": "alice@example.com",
                    "members": [
                        {"user": "zoe@example.com"},
                        {"user": ws.bob.id},
                        {"app": "Helper Bot"},
                        {"group": "Engineers"},
                    ],
                    "messages": [{"sender": "bob@example.com", "text": "hi"}],
                }
            ],
        },
    )
    members = {m.member_id for m in chat.store.memberships(loaded.spaces["Mixed"].id)}
    assert members == {ws.alice.id, loaded.users["zoe@example.com"].id, ws.bob.id, ws.app.id, ws.group.id}


def test_a_file_can_extend_the_demo() -> None:
    store = fresh()
    seed_demo(store)
    load_workspace(
        store,
        {
            "spaces": [
                {
                    "display_name": "More",
                    "creator": "bob@example.com",
                    "members": [{"user": "bob@example.com"}, {"user": "alice@example.com"}],
                }
            ]
        },
    )
    assert {s.display_name for s in store.spaces()} >= {"Project Falcon", "More"}


def test_defaults_follow_the_operations() -> None:
    store = fresh()
    loaded = load_workspace(
        store,
        {
            "users": [
                {"email": "ann@example.com"},
                {"email": "cy@example.com", "auto_accept": False},
                {"email": "di@example.com", "auto_accept": False},
            ],
            "spaces": [
                {"ref": "s", "display_name": "S", "members": [{"user": "ann@example.com"}, {"user": "cy@example.com"}]},
                {
                    "ref": "g",
                    "type": "GROUP_CHAT",
                    "members": [{"user": "ann@example.com"}, {"user": "cy@example.com"}, {"user": "di@example.com"}],
                },
                {
                    "ref": "joined",
                    "display_name": "J",
                    "members": [{"user": "ann@example.com"}, {"user": "di@example.com", "state": "JOINED"}],
                },
            ],
        },
    )
    roles = lambda ref: [(m.role, m.state) for m in store.memberships(loaded.spaces[ref].id)]  # noqa: E731
    assert roles("s") == [("ROLE_MANAGER", "JOINED"), ("ROLE_MEMBER", "INVITED")]  # the first member created it
    assert roles("g") == [("ROLE_MEMBER", "JOINED")] * 3  # group chats: joined, no managers
    assert roles("joined") == [("ROLE_MANAGER", "JOINED"), ("ROLE_MEMBER", "JOINED")]
    assert store.joined_human_count(loaded.spaces["joined"].id) == (2, 0)  # the counters follow the state


def test_a_creator_listed_after_other_members_joins_after_them() -> None:
    store = fresh()
    loaded = load_workspace(
        store,
        {
            "users": [{"email": "a@example.com"}, {"email": "b@example.com"}],
            "spaces": [
                {
                    "ref": "s",
                    "display_name": "S",
                    "creator": "a@example.com",
                    "members": [{"user": "b@example.com"}, {"user": "a@example.com"}],
                }
            ],
        },
    )
    space = loaded.spaces["s"]
    assert not space.import_mode and space.creator_key == loaded.users["a@example.com"].name
    assert [(m.member_id, m.role) for m in store.memberships(space.id)] == [
        (loaded.users["b@example.com"].id, "ROLE_MEMBER"),
        (loaded.users["a@example.com"].id, "ROLE_MANAGER"),
    ]


def test_former_members_post_then_leave() -> None:
    store = fresh()
    loaded = load_workspace(
        store,
        {
            "users": [{"email": "a@example.com"}, {"email": "gone@example.com"}],
            "apps": [{"display_name": "Bot"}],
            "spaces": [
                {
                    "ref": "s",
                    "display_name": "S",
                    "members": [{"user": "a@example.com"}],
                    "former_members": ["gone@example.com", "Bot"],
                    "messages": [
                        {
                            "sender": "gone@example.com",
                            "text": "bye",
                            "reactions": [{"user": "a@example.com", "emoji": "👋"}],
                        },
                        {"sender": "Bot", "text": "beep"},
                    ],
                }
            ],
        },
    )
    space = loaded.spaces["s"]
    assert [m.member_id for m in store.memberships(space.id)] == [loaded.users["a@example.com"].id]
    assert [m.sender_id for m in store.messages.all(space.id)] == [
        loaded.users["gone@example.com"].id,
        loaded.apps["Bot"].id,
    ]


# ------------------------------------------------------------------ problems, each with its place


def base() -> dict[str, Any]:
    return {
        "users": [
            {"email": "alice@example.com", "admin": True},
            {"email": "bob@example.com"},
            {"email": "carol@example.com", "auto_accept": False},
            {"email": "dave@partner.example", "customer": "customers/C0partner"},
        ],
        "apps": [{"display_name": "Bot"}],
        "groups": [{"display_name": "Team", "members": ["bob@example.com"]}],
        "custom_emojis": [
            {
                "name": ":ok:",
                "creator": "alice@example.com",
                "filename": "ok.png",
                "image_base64": b64encode(png()).decode(),
            }
        ],
        "spaces": [
            {
                "display_name": "Main",
                "creator": "alice@example.com",
                "members": [
                    {"user": "alice@example.com"},
                    {"user": "bob@example.com"},
                    {"user": "carol@example.com"},
                    {"app": "Bot"},
                ],
                "messages": [
                    {"ref": "root", "sender": "alice@example.com", "text": "root", "thread_key": "t"},
                    {"sender": "bob@example.com", "text": "reply", "reply_to": "root"},
                ],
            },
            {"type": "DIRECT_MESSAGE", "members": [{"user": "alice@example.com"}, {"user": "bob@example.com"}]},
        ],
    }


def change(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    data = copy.deepcopy(base())
    edit(data)
    return data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], object]:
    """An edit that sets data[...][...] along a dotted path of keys and list indexes."""

    def edit(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


def _append(path: str, value: Any) -> Callable[[dict[str, Any]], object]:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for part in [int(p) if p.isdigit() else p for p in path.split(".")]:
            target = target[part]
        target.append(value)

    return edit


BAD = [
    # schema
    (_set("colour", "red"), "unknown key 'colour' (known keys: version, customers, users,"),
    (_set("spaces.0.members.1.rol", "ROLE_MANAGER"), "spaces[0].members[1]: unknown key 'rol' (did you mean 'role'?)"),
    (
        _set("spaces.0.messages.1.sendr", "bob@example.com"),
        "spaces[0].messages[1]: unknown key 'sendr' (did you mean 'sender'?)",
    ),
    (_set("users.1.admin", "yes"), "users[1].admin: must be true or false, got a string"),
    (_set("spaces", {"a": 1}), "spaces: must be a list, got a mapping"),
    (
        _set("spaces.0.members.1.role", "OWNER"),
        "spaces[0].members[1].role: must be one of ROLE_MEMBER, ROLE_MANAGER; got 'OWNER'",
    ),
    (_set("spaces.0.type", "ROOM"), "spaces[0].type: must be one of SPACE, GROUP_CHAT, DIRECT_MESSAGE; got 'ROOM'"),
    (
        _set("spaces.0.create_time", "yesterday"),
        "spaces[0].create_time: must be an RFC 3339 time such as 2026-01-05T09:00:00Z; got 'yesterday'",
    ),
    (_set("spaces.0.create_time", "2026-01-02T09:00:00"), "spaces[0].create_time: needs a time zone"),
    (_set("version", 2), "version: this emulator reads workspace files of version 1; got 2"),
    (_set("users.0.email", "not-an-email"), "users[0].email: must be an email address; got 'not-an-email'"),
    (_set("users.0.customer", "C0demo"), "users[0].customer: must look like customers/C0123abcd; got 'C0demo'"),
    (
        _set("spaces.0.members.1", {"user": "bob@example.com", "app": "Bot"}),
        "spaces[0].members[1]: needs exactly one of user, app and group",
    ),
    (_set("spaces.0.messages.0.id", "nodot"), "spaces[0].messages[0].id: must look like thread.message"),
    (
        _set("spaces.0.messages.0.id", "aaa.bbb"),
        "spaces[0].messages[0].id: the first message of a thread has an id like bbb.bbb",
    ),
    (
        _set("spaces.0.messages.1.id", "xyz.abc"),
        "spaces[0].messages[1].id: a reply can have an id only when the first message of its thread has one",
    ),
    (_set("spaces.0.messages.1.client_id", "mine"), "spaces[0].messages[1].client_id: must start with 'client-'"),
    (
        _set("spaces.0.messages.1.text", ""),
        "spaces[0].messages[1]: is empty: give text, cards_v2, accessory_widgets or attachments",
    ),
    (_set("spaces.0.messages.0.deletion_type", "CREATOR"), "spaces[0].messages[0].deletion_type: needs delete_time"),
    (
        _set("spaces.0.messages.0.cards_v2", [{"card": {"header": {"title": "x"}}}]),
        "spaces[0].messages[0].cards_v2: only a Chat app sends cards",
    ),
    (
        _set("spaces.0.messages.0.cards_v2", [{"card": {"nope": 1}}]),
        "spaces[0].messages[0].cards_v2[0].card: is not a valid google.apps.card.v1.Card",
    ),
    (_set("custom_emojis.0.name", "ok"), "custom_emojis[0].name: 'ok' is not a valid emoji name"),
    (_set("custom_emojis.0.image_base64", "%%%"), "custom_emojis[0].image_base64: is not valid base64"),
    (
        _set("custom_emojis.0.image_base64", "R0lGODlhAQABAAAAACw="),
        "custom_emojis[0].image_base64: file_content is a truncated GIF image",
    ),
    (
        _set("custom_emojis.0.image", "nowhere.png"),
        "custom_emojis[0]: needs exactly one of image (a file) and image_base64",
    ),
    # references
    (_set("spaces.0.messages.1.sender", "zed@example.com"), "spaces[0].messages[1].sender: no user 'zed@example.com'"),
    (_set("spaces.0.members.1.user", "zed@example.com"), "spaces[0].members[1].user: no user 'zed@example.com'"),
    (_set("spaces.0.members.3.app", "Robot"), "spaces[0].members[3].app: no app 'Robot'"),
    (_set("spaces.0.members.3", {"group": "Nobody"}), "spaces[0].members[3].group: no group 'Nobody'"),
    (_set("spaces.0.members.1.user", "Bot"), "spaces[0].members[1].user: 'Bot' is an app; a user's email is needed"),
    (
        _set("spaces.0.messages.1.reply_to", "nope"),
        "spaces[0].messages[1].reply_to: no earlier message 'nope' in this space",
    ),
    (_set("groups.0.members", ["zed@example.com"]), "groups[0].members[0]: no user 'zed@example.com'"),
    (_set("users.0.blocked", ["zed@example.com"]), "users[0].blocked[0]: no user 'zed@example.com'"),
    (_set("custom_emojis.0.creator", "zed@example.com"), "custom_emojis[0].creator: no user 'zed@example.com'"),
    (
        _set("spaces.0.messages.1.reactions", [{"user": "bob@example.com", "custom_emoji": ":nope:"}]),
        "spaces[0].messages[1].reactions[0].custom_emoji: no custom emoji ':nope:' in customers/C0demo00",
    ),
    (
        _set("spaces.0.messages.1.reactions", [{"user": "bob@example.com", "emoji": "ok"}]),
        "spaces[0].messages[1].reactions[0].emoji: must be exactly one Unicode emoji, got 'ok'",
    ),
    (
        _set(
            "spaces.0.thread_read_states",
            [{"user": "bob@example.com", "thread": "zzz", "last_read_time": "2026-01-01T00:00:00Z"}],
        ),
        "spaces[0].thread_read_states[0].thread: no thread 'zzz'",
    ),
    # rules known before loading
    (
        _append("users", {"email": "ALICE@example.com"}),
        "users[4].email: a user with email ALICE@example.com already exists",
    ),
    (
        _set("spaces.0.messages.1.sender", "carol@example.com"),
        "spaces[0].messages[1].sender: carol@example.com is INVITED in the space; only JOINED members post",
    ),
    (
        _set("spaces.0.messages.1.sender", "dave@partner.example"),
        "spaces[0].messages[1].sender: dave@partner.example is not a member of the space; list them in members"
        " (or in former_members if they left)",
    ),
    (
        _set("spaces.0.messages.1.private_viewer", "bob@example.com"),
        "spaces[0].messages[1].private_viewer: only a Chat app sends private messages",
    ),
    (
        _set("spaces.1.messages", [{"sender": "bob@example.com", "text": "x", "thread_key": "k"}]),
        "spaces[1].messages[0]: a DIRECT_MESSAGE has no threads",
    ),
    (
        _append("spaces.1.members", {"user": "carol@example.com"}),
        "spaces[1].members: a DIRECT_MESSAGE is between its creator and one other person (or one Chat app);"
        " found 2 other people",
    ),
    (_set("spaces.1.display_name", "DM"), "spaces[1].display_name: must be empty for a DIRECT_MESSAGE"),
    (
        _append(
            "spaces", {"type": "GROUP_CHAT", "members": [{"user": "alice@example.com"}, {"user": "bob@example.com"}]}
        ),
        "spaces[2].members: a GROUP_CHAT has at least 2 people besides its creator",
    ),
    (
        _append("spaces", {"display_name": " main ", "creator": "bob@example.com"}),
        "spaces[2].display_name: a space named ' main ' already exists in customers/C0demo00 (spaces[0])",
    ),
    (_append("spaces.1.members", {"group": "Team"}), "spaces[1].members: groups can only be members of a SPACE"),
    (
        _set("spaces.0.members.3.role", "ROLE_MANAGER"),
        "spaces[0].members[3].role: ROLE_MANAGER exists only for human users",
    ),
    (
        _set(
            "spaces.0.messages.1.reactions",
            [{"user": "bob@example.com", "emoji": "👍"}, {"user": "bob@example.com", "emoji": "👍"}],
        ),
        "spaces[0].messages[1].reactions[1]: bob@example.com already reacted to this message with this emoji",
    ),
    (
        _set("spaces.0.import_mode", True),
        "spaces[0].messages[1].sender: in import mode every message is sent by the space's creator (the importer)",
    ),
    # the store's own rules, found by the dry run
    (
        _append("spaces.0.members", {"user": "dave@partner.example"}),
        "spaces[0].members[4]: PERMISSION_DENIED: dave@partner.example is outside the space's organization and"
        " cannot be added",
    ),
    (
        _set("spaces.1.members.1.notification_setting", "FOR_YOU"),
        "spaces[1].members[1]: INVALID_ARGUMENT: space_notification_setting.notification_setting FOR_YOU is not"
        " available in a direct message",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), BAD, ids=[e for _, e in BAD])
def test_each_problem_is_named_with_its_place(edit: Callable[[dict[str, Any]], object], expected: str) -> None:
    found = problems(change(edit))
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_the_base_file_is_valid() -> None:
    load_workspace(fresh(), base())


def test_every_problem_is_listed_at_once() -> None:
    data = base()
    data["spaces"][0]["messages"][1]["sender"] = "zed@example.com"
    data["spaces"][0]["members"][1]["rol"] = "x"
    data["users"][1]["admin"] = "yes"
    found = problems(data)
    assert len(found) == 3 and str(SeedError(found)).splitlines() == found


def test_nothing_is_loaded_when_there_is_a_problem(chat: ChatServer, ws: Workspace) -> None:
    before = observe(chat.store)
    problems(change(_set("spaces.0.messages.1.sender", "zed@example.com")), chat.store)  # found by the check
    problems(change(_append("spaces.0.members", {"user": "dave@partner.example"})), chat.store)  # by the dry run
    assert observe(chat.store) == before


def test_conflicts_with_the_store_are_problems(chat: ChatServer, ws: Workspace, call: Caller) -> None:
    call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Team")), as_=ws.alice)
    found = problems(
        {
            "users": [{"email": "bob@example.com"}, {"email": "new@example.com", "id": ws.alice.id}],
            "spaces": [{"display_name": "team", "creator": "alice@example.com"}],
        },
        chat.store,
    )
    assert found == [
        "users[0].email: a user with email bob@example.com already exists",
        f"users[1].id: id {ws.alice.id} is already a user's or an app's",
        "spaces[0].display_name: a space named 'team' already exists in customers/C0demo00 (the store)",
    ]


def test_loading_the_same_file_twice_is_a_clear_problem() -> None:
    store = fresh()
    load_workspace(store, base())
    found = problems(base(), store)
    assert found[0] == "users[0].email: a user with email alice@example.com already exists"


def test_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text("users:\n  - email: a@example.com\n  - {email: [\n")
    (tmp_path / "bad.json").write_text('{"users": [}')
    (tmp_path / "list.json").write_text("[]")
    assert re.match(r".*bad\.yaml:\d+:\d+: not valid YAML: ", problems(tmp_path / "bad.yaml")[0])
    assert problems(tmp_path / "bad.json")[0].endswith("bad.json:1:12: not valid JSON: Expecting value")
    assert problems(tmp_path / "list.json")[0].endswith(
        "list.json: a workspace file holds a mapping (users, apps, groups, spaces, ...)"
    )
    assert "cannot read the workspace file" in problems(tmp_path / "missing.json")[0]
    monkeypatch.setattr(workspace_read, "_yaml", lambda: None)  # where seed's reading and writing look for PyYAML
    assert problems(tmp_path / "bad.yaml")[0].endswith(
        "reading YAML needs PyYAML: pip install 'chat-grpc[yaml]' (or use JSON)"
    )
    with pytest.raises(SeedError, match="writing YAML needs PyYAML"):
        dump({"version": 1}, tmp_path / "out.yaml")


# ------------------------------------------------------------------ export


def test_the_demo_round_trips() -> None:
    store = fresh()
    seed_demo(store)
    exported = export_workspace(store)
    again = fresh()
    load_workspace(again, json.loads(json.dumps(exported)))  # through text, as a file would
    assert observe(again) == observe(store)
    assert export_workspace(again) == exported


@pytest.mark.parametrize("rounds", [1, 2, 3, 4, 5, 6, 7, 8])
def test_a_randomized_workspace_round_trips(rounds: int) -> None:
    clock = ManualClock(NOW)
    store = ChatStore(clock=clock, ids=IdGenerator(rounds))
    done = random_workspace(store, clock, seed=rounds)
    assert done["post"] > 30 and done["react"] > 5 and done["join"] > 5  # a busy workspace
    exported = export_workspace(store)
    again = ChatStore(clock=ManualClock(clock.now()))
    load_workspace(again, yaml.safe_load(dumps(exported, yaml=True)))
    assert observe(again) == observe(store)
    assert export_workspace(again) == exported


def test_dump_writes_json_or_yaml_by_extension(tmp_path: Path) -> None:
    store = fresh()
    seed_demo(store)
    dump(store, tmp_path / "w.json")
    dump(export_workspace(store), tmp_path / "w.yaml")
    assert json.loads((tmp_path / "w.json").read_text()) == export_workspace(store)
    assert read_workspace_file(tmp_path / "w.yaml") == export_workspace(store)
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".w.*"))  # no temporary left


def test_the_demo_file_is_the_demo() -> None:
    data = demo_workspace()
    assert [u["email"] for u in data["users"]] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "dave@partner.example",
    ]
    demo = seed_demo(fresh())
    assert (demo.alice.id, demo.app.id) == ("100000000000000000001", "100000000000000000005")
    assert set(demo.spaces) == {"falcon", "announcements", "partners", "dm", "group", "bot_lab"}


# ------------------------------------------------------------------ the emulator: --seed, --export, --id-seed


def test_parse_args_workspace_files_and_state() -> None:
    assert parse_args(["--seed", "w.yaml", "--export", "out.json", "--state", "s.db", "--id-seed", "4"], {}) == Config(
        seed_file="w.yaml", export="out.json", state="s.db", id_seed=4
    )
    env = {
        "CHAT_EMULATOR_SEED_FILE": "a.json",
        "CHAT_EMULATOR_EXPORT": "b.yaml",
        "CHAT_EMULATOR_STATE": "c",
        "CHAT_EMULATOR_ID_SEED": "9",
    }
    assert parse_args([], env) == Config(seed_file="a.json", export="b.yaml", state="c", id_seed=9)
    assert parse_args(["--seed", "x.json"], env).seed_file == "x.json"  # flags win


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--seed", "3"], {}, "--seed takes a workspace file; for deterministic ids use --id-seed 3"),
        (
            [],
            {"CHAT_EMULATOR_SEED": "3"},
            "CHAT_EMULATOR_SEED is no longer read: CHAT_EMULATOR_ID_SEED makes ids deterministic",
        ),
        (["--id-seed", "x"], {}, "invalid int value"),
    ],
)
def test_parse_args_explains_the_renamed_seed(
    argv: list[str], env: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv, env)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_emulator_seeds_from_a_file_and_exports_on_shutdown(tmp_path: Path) -> None:
    workspace = tmp_path / "w.yaml"
    workspace.write_text(yaml.safe_dump(documented_example(), allow_unicode=True))
    out = tmp_path / "out.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chat_grpc.server",
            "--port",
            "0",
            "--no-control",
            "--seed",
            str(workspace),
            "--export",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().removeprefix("chat-grpc emulator listening on ").split()[0]
        summary = process.stdout.readline()
        assert summary.startswith(f"Workspace from {workspace}: 5 users (alice@example.com,"), summary
        with grpc.insecure_channel(address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            spaces = stub.ListSpaces(
                space_pb2.ListSpacesRequest(), metadata=token("bob@example.com"), timeout=10
            ).spaces
            assert "Launch" in {s.display_name for s in spaces}
            stub.CreateMessage(
                message_pb2.CreateMessageRequest(
                    parent="spaces/AAAAlaunch1", message=message_pb2.Message(text="before the export")
                ),
                metadata=token("bob@example.com"),
                timeout=10,
            )
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr
        assert f"workspace exported to {out}" in stdout
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    exported = json.loads(out.read_text())
    launch = next(s for s in exported["spaces"] if s.get("display_name") == "Launch")
    assert launch["messages"][-1]["text"] == "before the export"
    store = fresh(datetime.now(UTC) + timedelta(minutes=1))
    load_workspace(store, exported)  # the export loads again


def test_the_emulator_names_the_problems_of_a_seed_file(tmp_path: Path) -> None:
    workspace = tmp_path / "w.json"
    workspace.write_text(json.dumps(change(_set("spaces.0.messages.1.sender", "zed@example.com"))))
    result = subprocess.run(
        [sys.executable, "-m", "chat_grpc.server", "--port", "0", "--seed", str(workspace)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "spaces[0].messages[1].sender: no user 'zed@example.com'" in result.stderr


def test_reactions_of_a_deleted_emoji_are_not_exported() -> None:
    store = fresh()
    loaded = load_workspace(store, documented_example())
    alice = loaded.users["alice@example.com"]
    store.custom_emojis.delete(as_user(alice), loaded.custom_emojis[":falcon:"].uid)
    exported = export_workspace(store)
    assert "custom_emojis" not in exported
    assert ":falcon:" not in json.dumps(exported)
    again = fresh()
    load_workspace(again, exported)
    assert observe(again) == observe(store)


# ------------------------------------------------------------------ pins, sections and availability


def _with_extras(**extras: Any) -> dict[str, Any]:
    ws: dict[str, Any] = {
        "users": [{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@example.com"}],
        "spaces": [
            {
                "ref": "team", "display_name": "Team", "create_time": "2026-01-01T00:00:00Z",
                "members": [{"user": "a@example.com"}, {"user": "b@example.com"}],
                "messages": [
                    {"ref": "hello", "sender": "a@example.com", "text": "hi", "create_time": "2026-01-02T00:00:00Z"},
                    {"ref": "gone", "sender": "b@example.com", "text": "oops", "create_time": "2026-01-02T01:00:00Z",
                     "delete_time": "2026-01-03T00:00:00Z"},
                    {"ref": "plan", "sender": "b@example.com", "text": "plan", "create_time": "2026-01-04T00:00:00Z"},
                ],
            }
        ],
    }  # fmt: skip
    for key, value in extras.items():
        where, _, field_name = key.partition("__")
        target = ws["spaces"][0] if where == "space" else ws["users"][0]
        target[field_name] = value
    return ws


def test_pins_sections_and_availability_load_and_serve(chat: ChatServer, call: Caller) -> None:
    from google.chat.v1 import availability_pb2, message_pin_pb2, section_pb2

    source = _with_extras(
        space__pins=["plan", "hello"],
        user__sections=[{"display_name": "Focus", "id": "focus1", "spaces": ["team"]}, {"type": "DEFAULT_APPS"}],
        user__availability={"state": "AWAY", "custom_status": {"text": "Lunch", "emoji": "🥪"}},
    )
    loaded = load_workspace(chat.store, source)
    team = loaded.spaces["team"].name
    pins = call("ListMessagePins", message_pin_pb2.ListMessagePinsRequest(parent=team), token="user:b@example.com")
    assert [p.message for p in pins.message_pins] == [loaded.messages["plan"].name, loaded.messages["hello"].name]
    sections = call("ListSections", section_pb2.ListSectionsRequest(parent="users/me"), token="user:a@example.com")
    assert [(s.display_name, s.sort_order) for s in sections.sections][:2] == [("Focus", 1), ("", 2)]
    assert sections.sections[0].name.endswith("/sections/focus1")
    items = call(
        "ListSectionItems",
        section_pb2.ListSectionItemsRequest(parent="users/me/sections/focus1"),
        token="user:a@example.com",
    )
    assert [i.space for i in items.section_items] == [team]
    availability = call(
        "GetAvailability",
        availability_pb2.GetAvailabilityRequest(name="users/me/availability"),
        token="user:a@example.com",
    )
    assert availability.state == availability_pb2.Availability.AWAY and availability.custom_status.text == "Lunch"


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        ({"space__pins": ["nothing"]}, "spaces[0].pins[0]: no message 'nothing' in this space"),
        ({"space__pins": ["gone"]}, "spaces[0].pins[0]: a deleted message cannot be pinned"),
        ({"space__pins": ["plan", "plan"]}, "spaces[0].pins[1]: 'plan' is pinned twice"),
        ({"user__sections": [{"spaces": ["team"]}]}, "users[0].sections[0].display_name: is required"),
        ({"user__sections": [{"display_name": "X", "spaces": ["nowhere"]}]}, "users[0].sections[0].spaces[0]: no"),
        ({"user__sections": [{"type": "DEFAULT_SPACES"}] * 2}, "users[0].sections[1].type: DEFAULT_SPACES is listed"),
        ({"user__availability": {"state": "DO_NOT_DISTURB"}}, "users[0].availability.until: is required"),
        ({"user__availability": {"custom_status": {"text": "x"}}}, "users[0].availability.custom_status.emoji"),
    ],
)  # fmt: skip
def test_pins_sections_and_availability_are_checked(extras: dict[str, Any], expected: str) -> None:
    found = problems(_with_extras(**extras))
    assert any(p.startswith(expected) for p in found), found


def test_a_section_names_only_spaces_of_its_user() -> None:
    source = _with_extras()
    source["users"][2]["sections"] = [{"display_name": "X", "spaces": ["team"]}]  # c is not in Team
    assert any("c@example.com is not a member of 'team'" in p for p in problems(source))


def test_pins_sections_and_availability_round_trip() -> None:
    store = fresh()
    load_workspace(
        store,
        _with_extras(
            space__pins=["plan"],
            user__sections=[{"type": "DEFAULT_SPACES"}, {"display_name": "Work", "spaces": ["team"]}],
            user__availability={"state": "DO_NOT_DISTURB", "until": "2026-02-01T00:00:00Z"},
        ),
    )
    exported = export_workspace(store)
    again = fresh()
    load_workspace(again, exported)
    assert observe(again) == observe(store) and export_workspace(again) == exported
    assert observe(store)["pins"] and exported["users"][0]["availability"]["state"] == "DO_NOT_DISTURB"
