"""The sample backend's tests: Google's client in the code under test, chat-grpc's fake and facade in the tests,
one process, one pytest run (driven by tests/coexist/test_coexist.py in .venv-coexist)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest
from google.api_core import exceptions
from release_notes import AsyncReleaseNotes, ReleaseNotes


def test_open_a_channel_and_announce(chat_server, chat_factory, google_chat):
    alice = chat_factory.user("alice@example.com", admin=True)
    bob = chat_factory.user("bob@example.com")

    notes = ReleaseNotes(google_chat(alice))
    space = notes.open_channel("Release 1.2", [bob.name])
    posted = notes.announce(space.name, "1.2", ["faster search", "dark mode"])

    assert posted.text == "Release 1.2:\n- faster search\n- dark mode"
    assert posted.sender.name == alice.name
    # what the fake received, call by call
    assert [c.method for c in chat_server.journal.calls()] == ["CreateSpace", "CreateMembership", "CreateMessage"]
    assert chat_server.journal.last("CreateMembership").request.membership.member.name == bob.name
    assert chat_server.journal.last("CreateMessage").request.request_id == "release-1.2"


def test_a_retried_announcement_is_posted_once(chat_server, chat_factory, google_chat):
    alice = chat_factory.user("alice@example.com")
    space = chat_factory.space(alice, "Releases")

    chat_server.faults.fail("CreateMessage", grpc.StatusCode.UNAVAILABLE, times=2)
    ReleaseNotes(google_chat(alice)).announce(space.name, "2.0", ["new API"])

    assert [c.code for c in chat_server.journal.calls("CreateMessage")] == ["UNAVAILABLE", "UNAVAILABLE", "OK"]
    assert len(list(google_chat(alice).list_messages(parent=space.name))) == 1


def test_a_permission_error_reaches_the_backend(chat_server, chat_factory, google_chat):
    alice = chat_factory.user("alice@example.com")
    space = chat_factory.space(alice, "Releases")

    chat_server.faults.fail("CreateMessage", "PERMISSION_DENIED")
    with pytest.raises(exceptions.PermissionDenied):
        ReleaseNotes(google_chat(alice)).announce(space.name, "2.1", ["oops"])


@pytest.mark.chat_server(manual_clock=True)
def test_announcements_since_follow_the_fake_clock(chat_server, chat_factory, google_chat):
    assert chat_server.clock.frozen  # 2026-01-05 09:00 UTC until the test moves it
    alice = chat_factory.user("alice@example.com")
    space = chat_factory.space(alice, "Releases")
    notes = ReleaseNotes(google_chat(alice))

    notes.announce(space.name, "3.0", ["big one"])
    chat_server.clock.advance(timedelta(hours=2))
    posted_at = chat_server.clock.now()
    fix = notes.announce(space.name, "3.1", ["fix"])
    chat_server.clock.advance(timedelta(minutes=5))

    since = chat_server.clock.now() - timedelta(hours=1)
    assert [m.text.splitlines()[0] for m in notes.announcements_since(space.name, since)] == ["Release 3.1:"]
    assert abs(fix.create_time - posted_at) < timedelta(seconds=1)  # the server's time is the fake clock's


def test_the_facade_and_googles_client_side_by_side(chat_server, chat_factory, chat_client, google_chat):
    alice = chat_factory.user("alice@example.com", admin=True)
    bot = chat_factory.app("Release bot")
    space = chat_factory.space(alice, "Releases", members=[bot])

    # the code under test posts a card with Google's client, as the app...
    card_message = ReleaseNotes(google_chat(bot)).announce_card(space.name, "4.0")
    # ...and the test reads it, and writes, with chat-grpc's facade as alice
    facade = chat_client(alice)
    read = facade.get_message(name=card_message.name)
    assert read.cards_v2[0].card.header.title == "Release 4.0"
    assert read.sender.name == bot.name
    facade.create_message(parent=space, message={"text": "Release 4.0 is out, thanks all"})

    # Google's client sees what the facade wrote; the names match across the two type systems
    listed = list(google_chat(alice).list_messages(parent=space.name))
    assert [m.name for m in listed] == [m.name for m in facade.list_messages(parent=space)]
    assert listed[-1].text == "Release 4.0 is out, thanks all"


def test_the_asyncio_side(chat_server, chat_factory, async_google_chat):
    alice = chat_factory.user("alice@example.com")
    bob = chat_factory.user("bob@example.com")
    space = chat_factory.space(alice, "Releases", members=[bob])
    chat_factory.message(space, alice, "Release 5.0:\n- async")
    chat_factory.message(space, alice, "lunch?")

    async def main():
        notes = AsyncReleaseNotes(async_google_chat(bob))
        chat_server.faults.fail("ListMessages", grpc.StatusCode.UNAVAILABLE, times=1)
        latest = await notes.latest(space.name)
        read_at = await notes.mark_read(space.name)
        await notes.chat.transport.close()
        return latest, read_at

    latest, read_at = asyncio.run(main())
    assert latest == "Release 5.0:\n- async"
    assert [c.code for c in chat_server.journal.calls("ListMessages")] == ["UNAVAILABLE", "OK"]
    update = chat_server.journal.last("UpdateSpaceReadState")
    assert update.principal == bob.name
    assert read_at.timestamp() == pytest.approx(update.request.space_read_state.last_read_time.ToSeconds(), abs=1)


def test_the_same_backend_over_rest(chat_server, chat_factory, rest_google_chat):
    """Google's client with transport="rest" against the same in-process fake's REST door (HTTP/1.1 + JSON)."""
    alice = chat_factory.user("alice@example.com", admin=True)
    bob = chat_factory.user("bob@example.com")

    notes = ReleaseNotes(rest_google_chat(alice))
    space = notes.open_channel("Release 6.0", [bob.name])
    chat_server.faults.fail("CreateMessage", grpc.StatusCode.UNAVAILABLE, times=1)  # 503 over REST: retried
    posted = notes.announce(space.name, "6.0", ["REST works"])
    assert posted.text == "Release 6.0:\n- REST works" and posted.sender.name == alice.name
    calls = chat_server.journal.calls("CreateMessage")
    assert [(c.face, c.code) for c in calls] == [("rest", "UNAVAILABLE"), ("rest", "OK")]
    assert calls[-1].request.request_id == "release-6.0"

    listed = notes.announcements_since(space.name, posted.create_time - timedelta(minutes=1))
    assert [m.name for m in listed] == [posted.name]  # filter and paging (page_size=2) over REST
    with pytest.raises(exceptions.NotFound):
        rest_google_chat(alice).get_space(name="spaces/missing")
