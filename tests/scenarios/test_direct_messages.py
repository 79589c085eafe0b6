"""A direct message's life: alice and bob have none, alice sets one up (setting it up again finds the same),
it shows in their lists from its first message, messages there have no threads, the Standup Bot gets a DM with
bob, and once deleted the DM is gone for both."""

from __future__ import annotations

import pytest
from google.chat.v1 import space_pb2

from chat_grpc import InvalidArgument, NotFound
from tests.scenarios.conftest import BOB, BOT, Chat


def test_direct_message_lifecycle(chat: Chat) -> None:
    alice, bob = chat.user("alice@example.com"), chat.user("bob@example.com")
    with pytest.raises(NotFound):
        alice.find_direct_message(name="users/bob@example.com")

    dm = alice.set_up_space(
        space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": "users/bob@example.com"}}]
    )
    assert dm.space_type == space_pb2.Space.DIRECT_MESSAGE and not dm.display_name
    again = alice.set_up_space(
        space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": "users/bob@example.com"}}]
    )
    assert again.name == dm.name  # one DM per pair
    assert bob.find_direct_message(name="users/alice@example.com").name == dm.name
    with pytest.raises(InvalidArgument):  # a third person never joins a DM
        alice.create_membership(parent=dm, membership={"member": {"name": "users/erin@example.com"}})

    # Listed from the first message on.
    assert dm.name not in [s.name for s in bob.list_spaces()]
    lunch = alice.create_message(parent=dm, message={"text": "Lunch?"})
    answer = bob.create_message(
        parent=dm,
        message={"text": "Sure", "thread": {"name": lunch.thread.name}},
        message_reply_option="REPLY_MESSAGE_OR_FAIL",
    )
    assert not answer.thread_reply and answer.thread.name != lunch.thread.name  # DMs have no threads
    assert dm.name in [s.name for s in bob.list_spaces(filter='space_type = "DIRECT_MESSAGE"')]
    assert [m.text for m in alice.list_messages(parent=dm)] == ["Lunch?", "Sure"]
    with pytest.raises(NotFound):  # nobody else reads it
        chat.user("erin@example.com").list_messages(parent=dm)

    # The bot's DM with bob: set up through bob's credentials issued to the app, found by the app itself.
    bot_dm = chat.user("bob@example.com", app=BOT).set_up_space(
        space={"space_type": "DIRECT_MESSAGE", "single_user_bot_dm": True}
    )
    assert bot_dm.single_user_bot_dm and bot_dm.name != dm.name
    bot = chat.app(BOT)
    assert bot.find_direct_message(name=BOB).name == bot_dm.name  # apps name people by id
    bot.create_message(parent=bot_dm, message={"text": "Your standup notes are ready"})
    assert [m.text for m in bob.list_messages(parent=bot_dm)] == ["Your standup notes are ready"]

    # Either person may delete the DM; it is then gone for both, and a new one can be set up.
    bob.delete_space(name=dm.name)
    for who in (alice, bob):
        with pytest.raises(NotFound):
            who.get_space(name=dm.name)
        with pytest.raises(NotFound):
            who.find_direct_message(name="users/erin@example.com")
    with pytest.raises(NotFound):
        alice.find_direct_message(name="users/bob@example.com")
    fresh = alice.set_up_space(
        space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": "users/bob@example.com"}}]
    )
    assert fresh.name != dm.name
