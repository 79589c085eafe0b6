"""ChatServer.reset(): what the plugin's shared server relies on between tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from chat_grpc import ChatClient, InvalidArgument, Unauthenticated
from chat_grpc.doors.grpc.control import ControlClient
from chat_grpc.persistence.state_file import StateFile
from chat_grpc.server import ChatServer, ManualClock


def test_reset_starts_over_on_the_same_address() -> None:
    with ChatServer(control=True, journal_size=5) as chat:
        address = chat.address
        alice = chat.store.add_user("alice@example.com")
        token = chat.token_for(alice)
        with ChatClient.for_emulator(address, token=token, retry=None) as client:
            client.create_space(space={"space_type": "SPACE", "display_name": "Team"})
            client.create_space(space={"space_type": "SPACE", "display_name": "Other"})
            page = client.list_spaces(page_size=1).response
        chat.faults.fail("GetSpace", grpc.StatusCode.INTERNAL)

        chat.reset(clock=ManualClock(datetime(2030, 1, 1, tzinfo=UTC)), seed=3)
        assert chat.address == address
        assert chat.store.users() == [] and chat.store.spaces() == []
        assert chat.journal.count() == 0 and chat.journal.max_calls == 5
        assert chat.faults.pending() == []
        assert chat.clock.frozen and chat.clock.now().year == 2030
        with ChatClient.for_emulator(address, token=token, retry=None) as client, pytest.raises(Unauthenticated):
            client.list_spaces()  # tokens issued before the reset are gone
        alice = chat.store.add_user("alice@example.com")
        with ChatClient.for_emulator(address, token=chat.token_for(alice), retry=None) as client:
            with pytest.raises(InvalidArgument):  # so is the old page-token secret
                client.list_spaces(page_size=1, page_token=page.next_page_token)
            assert list(client.list_spaces()) == []
        assert [c.code for c in chat.journal.calls()] == ["UNAUTHENTICATED", "INVALID_ARGUMENT", "OK"]
        with ControlClient(address) as control:
            assert len(control.calls()) == 3  # the control service reads the new journal

        chat.reset(seed=3)  # the same seed draws the same ids again
        first = chat.store.add_user("bob@example.com").id
        chat.reset(seed=3)
        assert chat.store.add_user("bob@example.com").id == first
        assert not chat.clock.frozen  # default: real time


def test_a_server_recording_to_a_state_file_is_not_reset(tmp_path: Path) -> None:
    chat = ChatServer()
    state = StateFile.attach(chat.core, tmp_path / "state.db")
    try:
        with pytest.raises(RuntimeError, match="state file"):
            chat.reset()
    finally:
        state.close()
