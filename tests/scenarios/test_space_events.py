"""Following a space through its events, as a sync job would: bob's busy afternoon in a new space produces
membership, message and reaction events; the job lists them page by page (a small page size), resumes from a
time window, reads one event by name, and sees the latest version of an edited message in its payload."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chat_grpc import InvalidArgument, NotFound, PermissionDenied
from tests.scenarios.conftest import ERIN, Chat

EVENT = "google.workspace.chat.{}.v1.{}"
MESSAGE_CREATED = EVENT.format("message", "created")
MESSAGE_UPDATED = EVENT.format("message", "updated")
MEMBERSHIP_CREATED = EVENT.format("membership", "created")
REACTION_CREATED = EVENT.format("reaction", "created")


def types(*names: str) -> str:
    return " OR ".join(f'event_types:"{name}"' for name in names)


def test_space_events_with_pagination(chat: Chat) -> None:
    chat.control.advance_clock(0)  # frozen: every step below has its own minute
    alice, bob = chat.user("alice@example.com"), chat.user("bob@example.com")
    space = alice.set_up_space(
        space={"space_type": "SPACE", "display_name": "Incidents"},
        memberships=[{"member": {"name": "users/bob@example.com"}}],
    )
    texts = [f"Incident #{n}: resolved" for n in range(1, 8)]
    sent = []
    for text in texts:
        chat.control.advance_clock(timedelta(minutes=1))
        sent.append(bob.create_message(parent=space, message={"text": text}))
    midway = chat.control.advance_clock(timedelta(minutes=1))
    alice.create_reaction(parent=sent[0], reaction={"emoji": {"unicode": "✅"}})
    chat.control.advance_clock(timedelta(minutes=1))
    bob.update_message(message={"name": sent[2].name, "text": "Incident #3: resolved (root cause found)"})
    chat.control.advance_clock(timedelta(minutes=1))
    alice.create_membership(parent=space, membership={"member": {"name": "users/erin@example.com"}})

    # Page by page: three at a time, oldest first; the pages re-send the same filter.
    pager = bob.list_space_events(parent=space, filter=types(MESSAGE_CREATED), page_size=3)
    pages = list(pager.pages)
    assert [len(page.space_events) for page in pages] == [3, 3, 1]
    assert not pages[-1].next_page_token
    events = [event for page in pages for event in page.space_events]
    assert [e.message_created_event_data.message.name for e in events] == [m.name for m in sent]
    # Payloads carry the latest version of the message.
    assert events[2].message_created_event_data.message.text == "Incident #3: resolved (root cause found)"
    for event, message in zip(events, sent, strict=True):  # the event is recorded as the message is made
        assert timedelta(0) <= event.event_time.ToDatetime() - message.create_time.ToDatetime() < timedelta(seconds=1)

    # Several types at once, from a point in time (exclusive) on.
    since = f'start_time="{midway.isoformat().replace("+00:00", "Z")}"'
    recent = list(
        bob.list_space_events(
            parent=space, filter=f"({types(REACTION_CREATED, MESSAGE_UPDATED, MEMBERSHIP_CREATED)}) AND {since}"
        )
    )
    assert [e.event_type for e in recent] == [REACTION_CREATED, MESSAGE_UPDATED, MEMBERSHIP_CREATED]
    assert recent[2].membership_created_event_data.membership.member.name == ERIN
    # Memberships from the set-up come before: alice's and bob's.
    joined = list(alice.list_space_events(parent=space, filter=types(MEMBERSHIP_CREATED)))
    assert len(joined) == 3

    # One event by its name.
    assert bob.get_space_event(name=recent[0].name) == recent[0]

    # A page token belongs to its request: another filter is refused.
    with pytest.raises(InvalidArgument) as wrong_token:
        bob.list_space_events(
            parent=space, filter=types(MEMBERSHIP_CREATED), page_size=3, page_token=pages[0].next_page_token
        )
    assert [v.field for v in wrong_token.value.field_violations] == ["page_token"]
    with pytest.raises(InvalidArgument):  # a filter is required, and must name event types
        bob.list_space_events(parent=space, filter="")
    with pytest.raises(NotFound):  # frank is no member
        chat.user("frank@example.com").list_space_events(parent=space, filter=types(MESSAGE_CREATED))
    with pytest.raises(PermissionDenied):  # message events need a messages scope
        chat.user("bob@example.com", scopes="chat.spaces.readonly").list_space_events(
            parent=space, filter=types(MESSAGE_CREATED)
        )
