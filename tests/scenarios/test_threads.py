"""A threaded conversation in the seeded General space: a release announcement keyed by its version, replies by
key and by thread name, reactions and their summaries, edits (only by the sender), and deleting a thread that
has replies."""

from __future__ import annotations

import pytest
from google.chat.v1 import deletion_metadata_pb2

from chat_grpc import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied
from tests.scenarios.conftest import ALICE, ERIN, GENERAL, Chat

FALLBACK = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"


def summaries(message: object) -> dict[str, int]:
    return {s.emoji.unicode: s.reaction_count for s in message.emoji_reaction_summaries}  # type: ignore[attr-defined]


def test_threaded_conversation_with_reactions_and_edits(chat: Chat) -> None:
    alice, bob, erin, frank = (chat.user(f"{who}@example.com") for who in ("alice", "bob", "erin", "frank"))

    # The seeded thread is there: alice's welcome and bob's reply.
    seeded = list(bob.list_messages(parent=GENERAL))
    assert [m.text for m in seeded] == ["Welcome to General", "Thanks!"]
    assert seeded[1].thread.name == seeded[0].thread.name == f"{GENERAL}/threads/hello000001"

    # bob announces a release in a thread keyed by the version; erin replies with the same key.
    head = bob.create_message(
        parent=GENERAL,
        message={"text": "Release 1.2 is out", "thread": {"thread_key": "release-1.2"}},
        message_reply_option=FALLBACK,
    )
    assert not head.thread_reply
    by_key = erin.create_message(
        parent=GENERAL,
        message={"text": "Congrats!", "thread": {"thread_key": "release-1.2"}},
        message_reply_option=FALLBACK,
    )
    assert by_key.thread.name == head.thread.name and by_key.thread_reply
    by_name = alice.create_message(
        parent=GENERAL,
        message={"text": "Great work <users/bob@example.com>", "thread": {"name": head.thread.name}},
        message_reply_option="REPLY_MESSAGE_OR_FAIL",
    )
    assert by_name.text == "Great work @Bob" and by_name.thread.name == head.thread.name
    with pytest.raises(NotFound):
        alice.create_message(
            parent=GENERAL,
            message={"text": "lost", "thread": {"name": f"{GENERAL}/threads/nosuchthread"}},
            message_reply_option="REPLY_MESSAGE_OR_FAIL",
        )

    thread = list(frank.list_messages(parent=GENERAL, filter=f'thread.name = "{head.thread.name}"'))
    assert [m.text for m in thread] == ["Release 1.2 is out", "Congrats!", "Great work @Bob"]

    # Reactions: one per user and emoji; the message counts them.
    alice.create_reaction(parent=head, reaction={"emoji": {"unicode": "👍"}})
    erins = erin.create_reaction(parent=head, reaction={"emoji": {"unicode": "👍"}})
    frank.create_reaction(parent=head, reaction={"emoji": {"unicode": "🎉"}})
    with pytest.raises(AlreadyExists) as twice:
        frank.create_reaction(parent=head, reaction={"emoji": {"unicode": "🎉"}})
    assert twice.value.reason == "REACTION_ALREADY_EXISTS"
    assert summaries(bob.get_message(name=head.name)) == {"👍": 2, "🎉": 1}
    thumbs = list(bob.list_reactions(parent=head, filter='emoji.unicode = "👍"'))
    assert [r.user.name for r in thumbs] == [ALICE, ERIN]
    with pytest.raises(PermissionDenied):
        alice.delete_reaction(name=erins.name)  # only its user removes a reaction
    erin.delete_reaction(name=erins.name)
    assert summaries(bob.get_message(name=head.name)) == {"👍": 1, "🎉": 1}

    # Edits: bob fixes the version; nobody else may edit his message.
    edited = bob.update_message(message={"name": head.name, "text": "Release 1.2.1 is out"})
    assert edited.text == "Release 1.2.1 is out" and edited.HasField("last_update_time")
    with pytest.raises(PermissionDenied) as not_yours:
        erin.update_message(message={"name": head.name, "text": "Release 2.0 is out"})
    assert not_yours.value.reason == "NOT_THE_SENDER"
    assert frank.get_message(name=head.name).text == "Release 1.2.1 is out"

    # Deleting the head of a thread with replies needs force; then the whole thread goes.
    with pytest.raises(FailedPrecondition) as has_replies:
        bob.delete_message(name=head.name)
    assert has_replies.value.reason == "MESSAGE_HAS_REPLIES"
    bob.delete_message(name=head.name, force=True)
    assert [m.text for m in frank.list_messages(parent=GENERAL)] == ["Welcome to General", "Thanks!"]
    gone = list(frank.list_messages(parent=GENERAL, filter=f'thread.name = "{head.thread.name}"', show_deleted=True))
    assert [m.name for m in gone] == [head.name, by_key.name, by_name.name]
    assert all(m.HasField("delete_time") and not m.text for m in gone)
    assert gone[0].deletion_metadata.deletion_type == deletion_metadata_pb2.DeletionMetadata.CREATOR
