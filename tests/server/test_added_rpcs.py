"""The semantics of the 18 RPCs Google added after the reference, through the facade against the fake: what other
RPCs observe (pins and message deletion, section items and membership), validation, filters, paging, expiry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from google.chat.v1 import availability_pb2, message_pb2, section_pb2, space_pb2

import chat_grpc
from chat_grpc import AlreadyExists, ChatClient, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.errors import InvalidArgument as DomainInvalidArgument
from chat_grpc.fake.errors import NotFound as DomainNotFound
from chat_grpc.fake.rpc import Media
from chat_grpc.fake.store import User
from chat_grpc.fake.store.message_records import MAX_UPLOAD_BYTES
from chat_grpc.fake.store.pins import MAX_PINS_PER_SPACE
from chat_grpc.server import ChatServer
from tests.server.conftest import Workspace

Clients = Callable[..., ChatClient]


@pytest.fixture
def client(chat: ChatServer) -> Iterator[Clients]:
    made: dict[tuple[str, str], ChatClient] = {}

    def make(who: Any, **token: Any) -> ChatClient:
        key = (who.id, repr(sorted(token.items())))
        if key not in made:
            made[key] = ChatClient.for_emulator(chat.address, token=chat.token_for(who, **token), timeout=10)
        return made[key]

    yield make
    for c in made.values():
        c.close()


def humans(*users: User) -> list[dict[str, Any]]:
    return [{"member": {"name": u.name, "type": "HUMAN"}} for u in users]


@pytest.fixture
def room(client: Clients, ws: Workspace) -> space_pb2.Space:
    """alice's SPACE "Room" with bob and erin."""
    return client(ws.alice).set_up_space(
        space={"space_type": "SPACE", "display_name": "Room"}, memberships=humans(ws.bob, ws.erin)
    )


# ------------------------------------------------------------------ message pins


def test_a_deleted_message_is_unpinned(client: Clients, ws: Workspace, room: space_pb2.Space) -> None:
    alice, bob = client(ws.alice), client(ws.bob)
    first = alice.create_message(parent=room, message={"text": "agenda"})
    second = bob.create_message(parent=room, message={"text": "minutes"})
    for message in (first, second):
        bob.create_message_pin(parent=room, message_pin={"message": message.name})
    assert [p.message for p in alice.list_message_pins(parent=room)] == [first.name, second.name]
    alice.delete_message(name=first)
    assert [p.message for p in bob.list_message_pins(parent=room)] == [second.name]
    with pytest.raises(NotFound):
        bob.delete_message_pin(name=chat_grpc.message_pin_path(room.name.split("/")[1], first.name.split("/")[-1]))
    with pytest.raises(NotFound):  # a deleted message cannot be pinned again
        bob.create_message_pin(parent=room, message_pin={"message": first.name})


def test_pin_rules(client: Clients, chat: ChatServer, ws: Workspace, room: space_pb2.Space) -> None:
    alice = client(ws.alice)
    posted = alice.create_message(parent=room, message={"text": "x"})
    alice.create_message_pin(parent=room, message_pin={"message": posted.name})
    with pytest.raises(AlreadyExists):
        alice.create_message_pin(parent=room, message_pin={"message": posted.name})
    other = alice.create_space(space={"space_type": "SPACE", "display_name": "Elsewhere"})
    with pytest.raises(InvalidArgument, match=r"message_pin\.message"):
        alice.create_message_pin(parent=other, message_pin={"message": posted.name})
    with pytest.raises(NotFound):  # carol is not in the room: its pins do not exist for her
        client(ws.carol).list_message_pins(parent=room)
    private = client(ws.app).create_message(
        parent=client(ws.alice, app=ws.app, scopes=["chat.memberships.app"])
        .create_membership(parent=room, membership={"member": {"name": "users/app", "type": "BOT"}})
        .name.rsplit("/members/", 1)[0],
        message={"text": "only you", "private_message_viewer": {"name": ws.alice.name}},
    )
    with pytest.raises(FailedPrecondition, match="private"):
        alice.create_message_pin(parent=room, message_pin={"message": private.name})
    for i in range(MAX_PINS_PER_SPACE - 1):
        note = alice.create_message(parent=room, message={"text": f"note {i}"})
        alice.create_message_pin(parent=room, message_pin={"message": note.name})
    extra = alice.create_message(parent=room, message={"text": "one too many"})
    with pytest.raises(FailedPrecondition, match="100 pinned"):
        alice.create_message_pin(parent=room, message_pin={"message": extra.name})
    pages = list(alice.list_message_pins(parent=room, page_size=30).pages)
    assert [len(p.message_pins) for p in pages] == [30, 30, 30, 10]


# ------------------------------------------------------------------ sections and their items


def test_items_follow_the_spaces_a_user_joins_and_leaves(client: Clients, ws: Workspace, room: space_pb2.Space) -> None:
    bob = client(ws.bob)
    work = bob.create_section(parent="users/me", section={"display_name": "Work", "type": "CUSTOM_SECTION"})
    room_id = room.name.split("/")[1]
    assert [i.space for i in bob.list_section_items(parent="users/me/sections/default-spaces")] == [room.name]
    bob.move_section_item(name=f"users/me/sections/default-spaces/items/{room_id}", target_section=work)
    assert [i.space for i in bob.list_section_items(parent=work)] == [room.name]
    assert list(bob.list_section_items(parent="users/me/sections/default-spaces")) == []
    bob.delete_membership(name=f"{room.name}/members/{ws.bob.id}")  # bob leaves: the item goes away
    assert list(bob.list_section_items(parent="users/me/sections/-")) == []
    client(ws.alice).create_membership(parent=room, membership=humans(ws.bob)[0])  # back: in its default section
    assert [i.name for i in bob.list_section_items(parent="users/me/sections/-")] == [
        f"users/{ws.bob.id}/sections/default-spaces/items/{room_id}"
    ]
    chat_with = client(ws.bob).set_up_space(space={"space_type": "GROUP_CHAT"}, memberships=humans(ws.alice, ws.erin))
    assert [i.space for i in bob.list_section_items(parent="users/me/sections/default-direct-messages")] == []
    client(ws.bob).create_message(parent=chat_with, message={"text": "hi"})  # listed once it has a message
    assert [i.space for i in bob.list_section_items(parent="users/me/sections/default-direct-messages")] == [
        chat_with.name
    ]
    with pytest.raises(InvalidArgument, match="default-direct-messages"):  # a group chat cannot go to spaces
        bob.move_section_item(
            name=f"users/me/sections/default-direct-messages/items/{chat_with.name.split('/')[1]}",
            target_section="users/me/sections/default-spaces",
        )


def test_deleting_a_section_sends_its_items_home(client: Clients, ws: Workspace, room: space_pb2.Space) -> None:
    bob = client(ws.bob)
    work = bob.create_section(parent="users/me", section={"display_name": "Work", "type": "CUSTOM_SECTION"})
    bob.move_section_item(name=f"users/me/sections/default-spaces/items/{room.name.split('/')[1]}", target_section=work)
    bob.delete_section(name=work)
    assert [i.space for i in bob.list_section_items(parent="users/me/sections/default-spaces")] == [room.name]
    with pytest.raises(NotFound):
        bob.list_section_items(parent=work)


def test_section_rules_and_order(client: Clients, ws: Workspace) -> None:
    bob = client(ws.bob)
    with pytest.raises(InvalidArgument, match="CUSTOM_SECTION"):
        bob.create_section(parent="users/me", section={"display_name": "X", "type": "DEFAULT_SPACES"})
    with pytest.raises(InvalidArgument, match="display_name"):
        bob.create_section(parent="users/me", section={"type": "CUSTOM_SECTION"})
    with pytest.raises(InvalidArgument, match="at most 80"):
        bob.create_section(parent="users/me", section={"display_name": "x" * 81, "type": "CUSTOM_SECTION"})
    with pytest.raises(InvalidArgument, match="system section"):
        bob.update_section(section={"name": "users/me/sections/default-apps", "display_name": "Bots"})
    with pytest.raises(InvalidArgument, match="system section"):
        bob.delete_section(name="users/me/sections/default-apps")
    a, b = (bob.create_section(parent="users/me", section={"display_name": n, "type": "CUSTOM_SECTION"}) for n in "AB")
    assert bob.position_section(name=b, sort_order=1).section.sort_order == 1
    assert bob.position_section(name=a, sort_order=99).section.sort_order == 5  # past the end: appended
    assert (
        bob.position_section(name="users/me/sections/default-apps", relative_position="START").section.sort_order == 1
    )
    names = [
        s.display_name or section_pb2.Section.SectionType.Name(s.type) for s in bob.list_sections(parent="users/me")
    ]
    assert names == ["DEFAULT_APPS", "B", "DEFAULT_DIRECT_MESSAGES", "DEFAULT_SPACES", "A"]
    with pytest.raises(InvalidArgument, match="sort_order"):
        bob.position_section(name=a, sort_order=0)
    with pytest.raises(InvalidArgument, match="filter"):
        bob.list_section_items(parent="users/me/sections/-", filter="space.display_name = 'x'")
    with pytest.raises(PermissionDenied, match="caller"):
        bob.list_sections(parent=ws.erin.name)


# ------------------------------------------------------------------ availability


def test_availability_states_expire(client: Clients, ws: Workspace, clock: ManualClock) -> None:
    bob = client(ws.bob)
    state = availability_pb2.Availability
    assert bob.get_availability(name="users/me/availability").state == state.ACTIVE
    assert bob.mark_as_do_not_disturb(name="users/me/availability", ttl={"seconds": 1800}).state == state.DO_NOT_DISTURB
    clock.advance(timedelta(minutes=31))
    after = bob.get_availability(name="users/me/availability")
    assert after.state == state.AWAY and not after.HasField("do_not_disturb_metadata")  # DND ran out: away
    assert bob.mark_as_active(name="users/me/availability").state == state.ACTIVE
    assert bob.mark_as_away(name="users/bob@example.com/availability").state == state.AWAY
    clock.advance(timedelta(days=30))
    assert bob.get_availability(name="users/me/availability").state == state.AWAY  # until changed
    with pytest.raises(InvalidArgument, match="required"):
        bob.mark_as_do_not_disturb(name="users/me/availability")
    with pytest.raises(InvalidArgument, match="one year"):
        bob.mark_as_do_not_disturb(name="users/me/availability", ttl={"seconds": 400 * 86400})


def test_custom_status(client: Clients, ws: Workspace, clock: ManualClock) -> None:
    bob = client(ws.bob)
    name = "users/me/availability"
    with pytest.raises(InvalidArgument, match="at most 64"):
        bob.update_availability(
            availability={"name": name, "custom_status": {"text": "x" * 65, "emoji": {"unicode": "🙂"}}}
        )
    with pytest.raises(InvalidArgument, match="Unicode"):
        bob.update_availability(
            availability={"name": name, "custom_status": {"text": "x", "emoji": {"custom_emoji": {"uid": "u"}}}}
        )
    with pytest.raises(InvalidArgument, match="update_mask"):
        bob.update_availability(availability={"name": name}, update_mask=["state"])
    set_ = bob.update_availability(
        availability={
            "name": name,
            "custom_status": {"text": "Travelling", "emoji": {"unicode": "✈️"}, "ttl": {"seconds": 60}},
        }
    )
    assert set_.custom_status.expire_time.ToDatetime().year > 2000
    clock.advance(timedelta(minutes=2))
    assert not bob.get_availability(name=name).HasField("custom_status")  # it expired
    bob.update_availability(availability={"name": name, "custom_status": {"text": "Here", "emoji": {"unicode": "👋"}}})
    cleared = bob.update_availability(availability={"name": name}, update_mask=["custom_status"])
    assert not cleared.HasField("custom_status")
    with pytest.raises(PermissionDenied, match="caller"):
        bob.get_availability(name=f"{ws.erin.name}/availability")


# ------------------------------------------------------------------ SearchMessages


@pytest.fixture
def corpus(client: Clients, ws: Workspace, room: space_pb2.Space, clock: ManualClock) -> dict[str, Any]:
    alice, bob = client(ws.alice), client(ws.bob)
    other = alice.set_up_space(
        space={"space_type": "SPACE", "display_name": "Project Falcon"}, memberships=humans(ws.bob)
    )
    posted = {}
    for who, space, text in [
        (alice, room, "Launch review at noon"),
        (bob, other, "launch checklist attached"),
        (bob, room, "lunch plans?"),
        (alice, other, "The launch slipped to Friday"),
        (bob, room, "Post-launch retro"),
    ]:
        clock.advance(timedelta(minutes=1))
        posted[text] = who.create_message(parent=space, message={"text": text})
    secret = alice.create_space(space={"space_type": "SPACE", "display_name": "Alice only"})
    alice.create_message(parent=secret, message={"text": "launch secrets"})
    return {"room": room, "other": other, "posted": posted}


def texts(results: Any) -> list[str]:
    return [r.message.text for r in results]


def test_search_finds_keywords_newest_first_in_the_callers_spaces(client: Clients, ws: Workspace, corpus: Any) -> None:
    bob = client(ws.bob)
    assert texts(bob.search_messages(parent="spaces/-", filter="launch")) == [
        "Post-launch retro", "The launch slipped to Friday", "launch checklist attached", "Launch review at noon",
    ]  # fmt: skip
    assert texts(bob.search_messages(parent="spaces/-", filter="launch", order_by="create_time asc"))[0] == (
        "Launch review at noon"
    )
    assert texts(bob.search_messages(parent="spaces/-", filter='"launch slipped"')) == ["The launch slipped to Friday"]
    assert texts(bob.search_messages(parent="spaces/-", filter='"slipped launch"')) == []
    assert texts(bob.search_messages(parent="spaces/-", filter="launch sender.name = \"users/alice@example.com\"")) == [
        "The launch slipped to Friday", "Launch review at noon",
    ]  # fmt: skip
    room = corpus["room"].name
    assert texts(bob.search_messages(parent="spaces/-", filter=f'launch AND space.name = "{room}"')) == [
        "Post-launch retro", "Launch review at noon",
    ]  # fmt: skip
    assert texts(bob.search_messages(parent="spaces/-", filter="launch space.display_name:falcon")) == [
        "The launch slipped to Friday", "launch checklist attached",
    ]  # fmt: skip
    assert len(texts(bob.search_messages(parent="spaces/-", filter='space.space_type = "SPACE"'))) == 5
    assert texts(client(ws.carol).search_messages(parent="spaces/-", filter="launch")) == []


def test_search_pages_across_spaces_and_follows_edits_and_deletes(client: Clients, ws: Workspace, corpus: Any) -> None:
    bob = client(ws.bob)
    pages = list(bob.search_messages(parent="spaces/-", filter="launch", page_size=3).pages)
    assert [len(p.results) for p in pages] == [3, 1]
    posted = corpus["posted"]
    client(ws.alice).update_message(message={"name": posted["Launch review at noon"].name, "text": "Review at noon"})
    client(ws.alice).delete_message(name=posted["The launch slipped to Friday"])
    assert texts(bob.search_messages(parent="spaces/-", filter="launch")) == [
        "Post-launch retro", "launch checklist attached",
    ]  # fmt: skip
    assert texts(bob.search_messages(parent="spaces/-", filter="review")) == ["Review at noon"]
    client(ws.erin).create_message(parent=corpus["room"], message={"text": "launch party"})  # indexed as posted
    assert texts(bob.search_messages(parent="spaces/-", filter="launch"))[0] == "launch party"
    with pytest.raises(InvalidArgument, match="page_token"):
        bob.search_messages(parent="spaces/-", filter="lunch", page_token=pages[0].next_page_token)


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("", "filter"),
        ("launch OR lunch", "OR"),
        ("NOT launch", "NOT"),
        ('thread.name = "x"', "unsupported field"),
        ('create_time > "2026-01-01T00:00:00Z"', "supports < or >="),
        ('sender.name : "users/a"', "supports ="),
        ('space.space_type = "ROOM"', "space_type"),
        ('(space.name = "spaces/A" OR sender.name = "users/b")', "same field"),
        ('create_time < "yesterday"', "timestamp"),
        ('space.name = "nope"', "spaces/{space}"),
        ("(launch", "expected"),
    ],
)
def test_invalid_queries(client: Clients, ws: Workspace, query: str, needle: str) -> None:
    with pytest.raises(InvalidArgument, match=needle):
        client(ws.bob).search_messages(parent="spaces/-", filter=query)


def test_search_request_checks(client: Clients, ws: Workspace, room: space_pb2.Space) -> None:
    bob = client(ws.bob)
    with pytest.raises(InvalidArgument, match="spaces/-"):
        bob.search_messages(parent=room, filter="x")
    with pytest.raises(InvalidArgument, match="order_by"):
        bob.search_messages(parent="spaces/-", filter="x", order_by="relevance")
    ok = '(space.name = "spaces/A" OR space.name = "spaces/B") create_time >= "2026-01-01T00:00:00Z"'
    assert list(bob.search_messages(parent="spaces/-", filter=ok)) == []


def test_full_view_says_read_and_muted(client: Clients, ws: Workspace, corpus: Any) -> None:
    bob = client(ws.bob)
    room = corpus["room"]
    bob.update_space_notification_setting(
        space_notification_setting={
            "name": chat_grpc.space_notification_setting_path("me", room.name.split("/")[1]), "mute_setting": "MUTED",
        }
    )  # fmt: skip
    results = {
        r.message.text: r
        for r in bob.search_messages(parent="spaces/-", filter="launch", view="SEARCH_MESSAGES_VIEW_FULL")
    }
    assert results["Post-launch retro"].read  # his own
    assert results["Launch review at noon"].read  # before his own later message in that space
    unread = results["The launch slipped to Friday"]  # after his last message in Project Falcon
    assert unread.HasField("read") and not unread.read
    assert results["Post-launch retro"].space_mute_setting != unread.space_mute_setting  # room muted, falcon not
    basic = next(iter(bob.search_messages(parent="spaces/-", filter="retro")))
    assert not basic.HasField("read")


# ------------------------------------------------------------------ FindGroupChats


def test_find_group_chats(client: Clients, chat: ChatServer, ws: Workspace) -> None:
    alice = client(ws.alice)
    trio = alice.set_up_space(space={"space_type": "GROUP_CHAT"}, memberships=humans(ws.bob, ws.erin))
    names = [ws.bob.name, ws.erin.name]
    assert [s.name for s in alice.find_group_chats(users=names)] == [trio.name]
    assert [s.name for s in client(ws.bob).find_group_chats(users=["users/alice@example.com", ws.erin.name])] == [
        trio.name
    ]
    assert list(alice.find_group_chats(users=[ws.bob.name])) == []  # not exactly these members
    assert list(alice.find_group_chats(users=[*names, f"users/{ws.app.id}"])) == []  # an app: nothing
    with pytest.raises(InvalidArgument, match="at most 49"):
        alice.find_group_chats(users=[f"users/{i}" for i in range(50)])
    everyone = [ws.bob.name, ws.erin.name, ws.carol.name]
    assert list(alice.find_group_chats(users=everyone)) == []  # no chat has all four
    chat.store.block(ws.alice.id, ws.carol.id)
    # When the caller blocks (or is blocked by) some users and no chat has them all, chats without them count.
    assert [s.name for s in alice.find_group_chats(users=everyone)] == [trio.name]


# ------------------------------------------------------------------ UploadAttachment and media


def test_uploaded_bytes_become_a_message_attachment(
    chat: ChatServer, client: Clients, ws: Workspace, room: space_pb2.Space
) -> None:
    from google.chat.v1 import attachment_pb2

    from chat_grpc.fake.auth import Credentials
    from chat_grpc.fake.store import AuthKind

    credentials = Credentials(ws.bob.id, AuthKind.USER, frozenset({"chat.messages.create"}))
    request = attachment_pb2.UploadAttachmentRequest(parent=room.name, filename="report.pdf")
    uploaded = chat.core.execute("UploadAttachment", credentials, request, Media(b"%PDF-1.7", "application/pdf"))
    ref = uploaded.attachment_data_ref
    assert ref.resource_name.startswith(f"{room.name}/attachments/") and ref.attachment_upload_token
    assert chat.store.attachment_media(ref.resource_name) == (b"%PDF-1.7", "application/pdf")
    message = client(ws.bob).create_message(
        parent=room,
        message={"text": "the report", "attachment": [{"attachment_data_ref": {"resource_name": ref.resource_name}}]},
    )
    (attachment,) = message.attachment
    assert (attachment.content_name, attachment.content_type) == ("report.pdf", "application/pdf")
    assert attachment.attachment_data_ref.resource_name == ref.resource_name and attachment.download_uri
    app_view = client(ws.app)
    with pytest.raises(NotFound):
        app_view.get_attachment(name=attachment.name)  # the app is not in the room
    assert chat.store.attachment_media(attachment.attachment_data_ref.resource_name)[0] == b"%PDF-1.7"
    with pytest.raises(DomainNotFound):
        chat.store.attachment_media(f"{room.name}/attachments/none")
    with pytest.raises(DomainInvalidArgument, match="200 MB") as caught:
        chat.store.messages.upload(
            room.name.split("/")[1], "big.bin", "application/octet-stream", data=b"\\0" * (MAX_UPLOAD_BYTES + 1)
        )
    assert [v.field for v in caught.value.violations] == ["media"]


# ------------------------------------------------------------------ quoting (Google's change to CreateMessage)


def test_a_message_quotes_another(client: Clients, ws: Workspace, room: space_pb2.Space, clock: ManualClock) -> None:
    alice, bob = client(ws.alice), client(ws.bob)
    original = alice.create_message(parent=room, message={"text": "Ship on Friday?"})
    quote = {"name": original.name, "last_update_time": original.create_time}
    reply = bob.create_message(parent=room, message={"text": "Yes", "quoted_message_metadata": quote})
    quoted = reply.quoted_message_metadata
    assert (quoted.name, quoted.quote_type) == (original.name, message_pb2.QuotedMessageMetadata.REPLY)
    assert quoted.quoted_message_snapshot.text == "Ship on Friday?"
    assert quoted.quoted_message_snapshot.sender == ws.alice.name and not quoted.HasField("forwarded_metadata")
    assert bob.get_message(name=reply.name).quoted_message_metadata == quoted
    clock.advance(timedelta(seconds=5))
    alice.update_message(message={"name": original.name, "text": "Ship on Monday?"})
    with pytest.raises(FailedPrecondition, match="current version"):  # an old version cannot be quoted
        bob.create_message(parent=room, message={"text": "Hm", "quoted_message_metadata": quote})
    with pytest.raises(InvalidArgument, match="remove"):
        bob.update_message(
            message={"name": reply.name, "quoted_message_metadata": quote}, update_mask="quoted_message_metadata"
        )
    removed = bob.update_message(message={"name": reply.name}, update_mask="quoted_message_metadata")
    assert not removed.HasField("quoted_message_metadata")


def test_quote_rules_and_forwarding(client: Clients, ws: Workspace, room: space_pb2.Space) -> None:
    alice, bob = client(ws.alice), client(ws.bob)
    root = alice.create_message(parent=room, message={"text": "root"})
    in_thread = alice.create_message(
        parent=room, message={"text": "in thread", "thread": root.thread}, message_reply_option="REPLY_MESSAGE_OR_FAIL"
    )
    with pytest.raises(InvalidArgument, match="first message"):  # a new thread quotes another thread's root only
        bob.create_message(
            parent=room,
            message={
                "text": "x",
                "quoted_message_metadata": {"name": in_thread.name, "last_update_time": in_thread.create_time},
            },
        )
    other = alice.set_up_space(space={"space_type": "SPACE", "display_name": "Elsewhere"}, memberships=humans(ws.bob))
    with pytest.raises(InvalidArgument, match="FORWARD"):
        bob.create_message(
            parent=other,
            message={"text": "x", "quoted_message_metadata": {"name": root.name, "last_update_time": root.create_time}},
        )
    forwarded = bob.create_message(
        parent=other,
        message={
            "text": "fyi",
            "quoted_message_metadata": {
                "name": root.name,
                "last_update_time": root.create_time,
                "quote_type": "FORWARD",
            },
        },
    )
    assert forwarded.quoted_message_metadata.forwarded_metadata.space == room.name
    assert forwarded.quoted_message_metadata.forwarded_metadata.space_display_name == "Room"
    with pytest.raises(NotFound):  # carol cannot see the room: nothing to forward
        client(ws.carol).create_message(
            parent=client(ws.carol).create_space(space={"space_type": "SPACE", "display_name": "Carol's"}),
            message={
                "text": "x",
                "quoted_message_metadata": {
                    "name": root.name,
                    "last_update_time": root.create_time,
                    "quote_type": "FORWARD",
                },
            },
        )


def test_pages_of_section_items_and_group_chats(client: Clients, chat: ChatServer, ws: Workspace) -> None:
    alice = client(ws.alice)
    rooms = [alice.create_space(space={"space_type": "SPACE", "display_name": f"Room {i}"}) for i in range(3)]
    pages = list(alice.list_section_items(parent="users/me/sections/default-spaces", page_size=2).pages)
    assert [len(p.section_items) for p in pages] == [2, 1]
    assert sorted(i.space for p in pages for i in p.section_items) == sorted(r.name for r in rooms)
    chats = [
        alice.set_up_space(space={"space_type": "GROUP_CHAT"}, memberships=humans(ws.bob, ws.erin)) for _ in range(2)
    ]
    found = list(alice.find_group_chats(users=[ws.bob.name, ws.erin.name], page_size=1).pages)
    assert [len(p.spaces) for p in found] == [1, 1]  # two group chats with the same people, one per page
    assert sorted(s.name for p in found for s in p.spaces) == sorted(c.name for c in chats)
    space_id = rooms[0].name.split("/")[1]
    token = chat.store.messages.upload(space_id, "a.txt", "text/plain", data=b"abc")
    (resource,) = [r for r, t in chat.store.messages._upload_tokens.items() if t == token]
    assert chat.store.attachment_media(resource) == (b"abc", "text/plain")
    alice.delete_space(name=rooms[0])
    with pytest.raises(DomainNotFound):  # the bytes go with their space
        chat.store.attachment_media(resource)
