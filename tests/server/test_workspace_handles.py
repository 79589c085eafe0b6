"""``Workspace.messages`` (``LoadedMessages``): the messages a load made, in file order, keyed by ref or
resource name, each read from the store when it is looked up."""

from __future__ import annotations

from typing import Any

import pytest

from chat_grpc.fake.store import Actor, AuthKind
from chat_grpc.fake.store.message_records import MessageContent
from chat_grpc.server import ChatStore
from chat_grpc.workspace.seed import load_workspace

UPDATED = "2026-01-01T00:00:00Z"


def _file() -> dict[str, Any]:
    people = [{"email": "ann@example.com"}, {"email": "bob@example.com"}]
    members = [{"user": p["email"]} for p in people]
    return {
        "users": people,
        "spaces": [
            {
                "display_name": "One",
                "members": members,
                "messages": [
                    {"sender": "ann@example.com", "text": "first", "ref": "first"},
                    {"sender": "bob@example.com", "text": "second"},
                    {
                        "sender": "ann@example.com",
                        "text": "third",
                        "ref": "third",
                        "update_time": "2026-01-01T00:00:00Z",
                    },
                    {"sender": "bob@example.com", "text": "fourth", "thread_key": "t"},
                ],
            },
            {
                "display_name": "Two",
                "members": members,
                "messages": [
                    {"sender": "bob@example.com", "text": "fifth"},
                    {"sender": "ann@example.com", "text": "sixth", "ref": "sixth"},
                ],
            },
        ],
    }


def _actor(store: ChatStore, email: str) -> Actor:
    user = next(u for u in store.users() if u.email == email)
    return Actor(user, AuthKind.USER, frozenset({"chat.messages"}))


def test_keys_in_file_order_by_ref_or_resource_name() -> None:
    store = ChatStore()
    loaded = load_workspace(store, _file())
    one, two = loaded.spaces["One"], loaded.spaces["Two"]
    made = {s.id: store.messages.all(s.id) for s in (one, two)}
    by_text = {m.text: m for messages in made.values() for m in messages}
    expected = ["first", by_text["second"].name, "third", by_text["fourth"].name, by_text["fifth"].name, "sixth"]
    assert list(loaded.messages) == expected
    assert len(loaded.messages) == 6
    assert [m.text for m in loaded.messages.values()] == ["first", "second", "third", "fourth", "fifth", "sixth"]
    assert all(key in loaded.messages for key in expected)
    assert "nothing" not in loaded.messages and 3 not in loaded.messages
    assert loaded.messages["first"] == by_text["first"]  # what the store holds, field by field
    assert loaded.messages.get("nothing") is None
    assert dict(loaded.messages) == {key: loaded.messages[key] for key in expected}


def test_an_unknown_key_is_a_key_error_naming_it() -> None:
    loaded = load_workspace(ChatStore(), _file())
    with pytest.raises(KeyError, match="'nowhere'"):
        loaded.messages["nowhere"]


def test_a_value_is_read_when_looked_up_and_is_a_copy() -> None:
    store = ChatStore()
    loaded = load_workspace(store, _file())
    before = loaded.messages["first"]
    message = store.messages.update(
        _actor(store, "ann@example.com"),
        before.space_id,
        before.id,
        MessageContent(text="first, edited"),
        frozenset({"text"}),
    )
    assert message.text == "first, edited"
    assert loaded.messages["first"].text == "first, edited" and before.text == "first"  # a copy, read again
    copy = loaded.messages["first"]
    copy.text = "changed by the caller"
    assert loaded.messages["first"].text == "first, edited"  # the store's record is not the caller's


def test_a_deleted_message_reads_as_its_tombstone_a_deleted_space_as_a_key_error() -> None:
    store = ChatStore()
    loaded = load_workspace(store, _file())
    third = loaded.messages["third"]
    store.messages.delete(_actor(store, "ann@example.com"), third.space_id, third.id, force=False)
    gone = loaded.messages["third"]
    assert gone.id == third.id and gone.delete_time is not None and gone.text == ""
    two = loaded.spaces["Two"]
    store.delete_space(_actor(store, "ann@example.com"), two.id)
    assert "sixth" in loaded.messages and len(loaded.messages) == 6  # the keys are what the load made
    with pytest.raises(KeyError, match=r"'sixth'.*no longer in the store"):
        loaded.messages["sixth"]
    assert loaded.messages["first"].text == "first"
