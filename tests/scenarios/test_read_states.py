"""Read and notification states, the way a client shows unread badges: bob's read marker in a new space, the
messages after it (ListMessages filtered by create_time), marking read (clamped to the newest message), a
thread he replied in, and erin muting the space. The fake's clock is frozen and moved through the control
service, so the times are exact."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from google.chat.v1 import space_notification_setting_pb2
from google.protobuf import timestamp_pb2

from chat_grpc import InvalidArgument, PermissionDenied
from tests.scenarios.conftest import BOB, Chat

Setting = space_notification_setting_pb2.SpaceNotificationSetting


def rfc3339(stamp: timestamp_pb2.Timestamp) -> str:
    return stamp.ToJsonString()


def test_read_and_notification_states(chat: Chat) -> None:
    start = chat.control.advance_clock(0)  # frozen from here on
    alice, bob, erin = (chat.user(f"{who}@example.com") for who in ("alice", "bob", "erin"))
    space = alice.set_up_space(
        space={"space_type": "SPACE", "display_name": "Design"},
        memberships=[{"member": {"name": "users/bob@example.com"}}, {"member": {"name": "users/erin@example.com"}}],
    )
    read_state = f"users/me/{space.name}/spaceReadState"

    # Never read: no last_read_time, everything is unread.
    assert not bob.get_space_read_state(name=read_state).HasField("last_read_time")
    posted = []
    for text in ("Mockups are up", "Feedback by Friday please", "Updated the colours"):
        chat.control.advance_clock(timedelta(minutes=1))
        posted.append(alice.create_message(parent=space, message={"text": text}))
    assert chat.control.get_clock() >= start + timedelta(minutes=3)

    def unread() -> list[str]:
        state = bob.get_space_read_state(name=read_state)
        if not state.HasField("last_read_time"):
            return [m.text for m in bob.list_messages(parent=space)]
        after = f'create_time > "{rfc3339(state.last_read_time)}"'
        return [m.text for m in bob.list_messages(parent=space, filter=after)]

    assert len(unread()) == 3

    # bob read up to the second message; the name comes back with his id.
    marked = bob.update_space_read_state(space_read_state={"name": read_state, "last_read_time": posted[1].create_time})
    assert marked.name == f"{BOB}/{space.name}/spaceReadState"
    assert unread() == ["Updated the colours"]
    # Marking "everything" read is clamped to the newest message.
    later = timestamp_pb2.Timestamp()
    later.FromDatetime(datetime(2099, 1, 1))
    clamped = bob.update_space_read_state(space_read_state={"name": read_state, "last_read_time": later})
    assert clamped.last_read_time == posted[2].create_time and unread() == []
    # A new message is unread again; bob's own message marks what came before as read.
    chat.control.advance_clock(60)
    alice.create_message(parent=space, message={"text": "One more thing"})
    assert unread() == ["One more thing"]
    chat.control.advance_clock(60)
    mine = bob.create_message(parent=space, message={"text": "Looks great"})
    assert bob.get_space_read_state(name=read_state).last_read_time == mine.create_time and unread() == []

    # Replying in a thread moves bob's read state of that thread (and not the space's).
    chat.control.advance_clock(60)
    reply = bob.create_message(
        parent=space,
        message={"text": "Agreed", "thread": {"name": posted[0].thread.name}},
        message_reply_option="REPLY_MESSAGE_OR_FAIL",
    )
    thread_state = bob.get_thread_read_state(name=f"users/me/{posted[0].thread.name}/threadReadState")
    assert thread_state.last_read_time == reply.create_time
    assert bob.get_space_read_state(name=read_state).last_read_time == mine.create_time

    # Read states are private.
    with pytest.raises(PermissionDenied) as others:
        erin.get_space_read_state(name=f"users/bob@example.com/{space.name}/spaceReadState")
    assert others.value.reason == "NOT_THE_CALLER"

    # erin only wants to hear about what concerns her, and mutes the space.
    setting_name = f"users/me/{space.name}/spaceNotificationSetting"
    default = erin.get_space_notification_setting(name=setting_name)
    assert (default.notification_setting, default.mute_setting) == (Setting.ALL, Setting.UNMUTED)
    quiet = erin.update_space_notification_setting(
        space_notification_setting={"name": setting_name, "notification_setting": "FOR_YOU", "mute_setting": "MUTED"}
    )
    assert (quiet.notification_setting, quiet.mute_setting) == (Setting.FOR_YOU, Setting.MUTED)
    assert erin.get_space_notification_setting(name=setting_name).mute_setting == Setting.MUTED
    assert bob.get_space_notification_setting(name=setting_name).mute_setting == Setting.UNMUTED
    # "For you" has no meaning in a one-to-one DM.
    dm = erin.set_up_space(space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": BOB}}])
    with pytest.raises(InvalidArgument) as not_in_dms:
        erin.update_space_notification_setting(
            space_notification_setting={
                "name": f"users/me/{dm.name}/spaceNotificationSetting",
                "notification_setting": "FOR_YOU",
            }
        )
    assert [v.field for v in not_in_dms.value.field_violations] == ["space_notification_setting.notification_setting"]
