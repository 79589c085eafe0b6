"""--state: the emulator's changes in an SQLite journal, replayed on start (chat_grpc.persistence.state_file).

A restart rebuilds the very same store (every resource, time, id, read state and space event); a write load
killed with SIGKILL loses nothing it acknowledged; a file that is not a state file, of another version, in use,
or whose journal does not replay, is a clear error."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.chat.v1 import (
    chat_service_pb2_grpc,
    membership_pb2,
    message_pb2,
    reaction_pb2,
    space_notification_setting_pb2,
    space_pb2,
    space_read_state_pb2,
    space_setup_pb2,
)
from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.persistence import state_file as persistence
from chat_grpc.persistence.state_file import MUTATING_RPCS, StateError, StateFile
from chat_grpc.server import ChatServer, ManualClock
from chat_grpc.workspace.demo import demo_workspace
from tests.server.conftest import human, new_space
from tests.server.seed_helpers import observe
from tests.server.test_custom_emojis import png

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = (sys.executable, "-X", "faulthandler", "-m", "chat_grpc.server")
ALICE, BOB, CAROL = "user:alice@example.com", "user:bob@example.com", "user:carol@example.com"


class Client:
    """A ChatService stub that sends the documented ``user:<email>`` tokens."""

    def __init__(self, address: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = chat_service_pb2_grpc.ChatServiceStub(self.channel)

    def __call__(self, rpc: str, request: Any, token: str = ALICE) -> Any:
        return getattr(self.stub, rpc)(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

    def close(self) -> None:
        self.channel.close()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "chat.state"


def start(
    path: Path, *, seed_demo: bool = False, clock: ManualClock | None = None, id_seed: int | None = None
) -> tuple[ChatServer, StateFile]:
    server = ChatServer(clock=clock, seed=id_seed)
    state = StateFile.attach(server.core, path)
    if seed_demo and not state.replayed:
        state.load_workspace(demo_workspace())
    server.start()
    return server, state


def stop(server: ChatServer, state: StateFile) -> None:
    server.stop()
    state.close()


def events(server: ChatServer) -> list[tuple[str, str, datetime, str, str]]:
    return [(e.space_id, e.id, e.time, e.event_type, e.resource_name) for e in server.store.events()]


def user_id(server: ChatServer, email: str) -> str:
    user = server.store.user_by_email(email)
    assert user is not None
    return user.id


def space_named(server: ChatServer, display_name: str) -> str:
    return next(s.name for s in server.store.spaces() if s.display_name == display_name)


def busy_day(client: Client, server: ChatServer) -> None:
    """Changes through most mutating RPCs (and a failing one, which changes nothing)."""
    falcon = space_named(server, "Project Falcon")
    team = client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Persisted"), request_id="req-1"))
    client(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=team.name, membership=human("users/bob@example.com")),
    )
    client(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=team.name, membership=human("users/carol@example.com")),
    )
    first = client(
        "CreateMessage",
        message_pb2.CreateMessageRequest(
            parent=team.name,
            message=message_pb2.Message(
                text="hello <users/bob@example.com>", thread=message_pb2.Thread(thread_key="k")
            ),
            message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
            message_id="client-first",
        ),
    )
    reply = client(
        "CreateMessage",
        message_pb2.CreateMessageRequest(
            parent=team.name,
            message=message_pb2.Message(text="reply", thread=first.thread),
            message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_OR_FAIL,
        ),
        BOB,
    )
    client(
        "UpdateMessage",
        message_pb2.UpdateMessageRequest(
            message=message_pb2.Message(name=first.name, text="hello, edited"),
            update_mask=field_mask_pb2.FieldMask(paths=["text"]),
        ),
    )
    emoji = client(
        "CreateCustomEmoji",
        reaction_pb2.CreateCustomEmojiRequest(
            custom_emoji=reaction_pb2.CustomEmoji(
                emoji_name=":saved:",
                payload=reaction_pb2.CustomEmoji.CustomEmojiPayload(file_content=png(), filename="s.png"),
            )
        ),
    )
    client(
        "CreateReaction",
        reaction_pb2.CreateReactionRequest(
            parent=first.name, reaction=reaction_pb2.Reaction(emoji=reaction_pb2.Emoji(unicode="🎉"))
        ),
        BOB,
    )
    kept = client(
        "CreateReaction",
        reaction_pb2.CreateReactionRequest(
            parent=reply.name,
            reaction=reaction_pb2.Reaction(
                emoji=reaction_pb2.Emoji(custom_emoji=reaction_pb2.CustomEmoji(uid=emoji.uid))
            ),
        ),
    )
    gone = client(
        "CreateReaction",
        reaction_pb2.CreateReactionRequest(
            parent=reply.name, reaction=reaction_pb2.Reaction(emoji=reaction_pb2.Emoji(unicode="👀"))
        ),
    )
    client("DeleteReaction", reaction_pb2.DeleteReactionRequest(name=gone.name))
    assert kept.name
    client(
        "UpdateSpace",
        space_pb2.UpdateSpaceRequest(
            space=space_pb2.Space(name=team.name, space_details=space_pb2.Space.SpaceDetails(description="kept")),
            update_mask=field_mask_pb2.FieldMask(paths=["space_details"]),
        ),
    )
    client(
        "UpdateMembership",
        membership_pb2.UpdateMembershipRequest(
            membership=membership_pb2.Membership(
                name=f"{team.name}/members/{user_id(server, 'bob@example.com')}",
                role=membership_pb2.Membership.ROLE_MANAGER,
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["role"]),
        ),
    )
    client(
        "UpdateSpaceReadState",
        space_read_state_pb2.UpdateSpaceReadStateRequest(
            space_read_state=space_read_state_pb2.SpaceReadState(
                name=f"users/me/{team.name}/spaceReadState",
                last_read_time=timestamp_pb2.Timestamp(seconds=1_700_000_000),
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["last_read_time"]),
        ),
        BOB,
    )
    client(
        "UpdateSpaceNotificationSetting",
        space_notification_setting_pb2.UpdateSpaceNotificationSettingRequest(
            space_notification_setting=space_notification_setting_pb2.SpaceNotificationSetting(
                name=f"users/me/{team.name}/spaceNotificationSetting",
                mute_setting=space_notification_setting_pb2.SpaceNotificationSetting.MUTED,
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["mute_setting"]),
        ),
        BOB,
    )
    doomed = client(
        "CreateMessage", message_pb2.CreateMessageRequest(parent=falcon, message=message_pb2.Message(text="oops"))
    )
    client("DeleteMessage", message_pb2.DeleteMessageRequest(name=doomed.name))
    dm = client(
        "SetUpSpace",
        space_setup_pb2.SetUpSpaceRequest(
            space=space_pb2.Space(space_type=space_pb2.Space.DIRECT_MESSAGE),
            memberships=[human("users/carol@example.com")],
        ),
        BOB,
    )
    client(
        "CreateMessage", message_pb2.CreateMessageRequest(parent=dm.name, message=message_pb2.Message(text="psst")), BOB
    )
    scratch = client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Scratch")))
    client("DeleteSpace", space_pb2.DeleteSpaceRequest(name=scratch.name))
    client(
        "DeleteMembership",
        membership_pb2.DeleteMembershipRequest(name=f"{team.name}/members/{user_id(server, 'carol@example.com')}"),
    )
    with pytest.raises(grpc.RpcError):  # a failure changes nothing and is not recorded
        client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Persisted")))


def test_a_restart_rebuilds_the_same_store(state_path: Path) -> None:
    server, state = start(state_path, seed_demo=True, clock=ManualClock())
    client = Client(server.address)
    busy_day(client, server)
    listed = client("ListSpaces", space_pb2.ListSpacesRequest(page_size=1))
    before, before_events, records = observe(server.store), events(server), state.records
    client.close()
    stop(server, state)
    assert records == 1 + 22  # the demo, then each acknowledged change

    again, state = start(state_path, seed_demo=True)  # --demo seeds only a new file
    try:
        assert state.replayed == records and state.records == records
        assert observe(again.store) == before
        assert events(again) == before_events  # same ids, times, types: the replay is exact
        client = Client(again.address)
        # page tokens issued before the restart still work; server-issued tokens are gone, documented ones work
        page = client("ListSpaces", space_pb2.ListSpacesRequest(page_size=1, page_token=listed.next_page_token))
        assert page.spaces
        made = client(
            "CreateMessage",
            message_pb2.CreateMessageRequest(
                parent=space_named(again, "Persisted"), message=message_pb2.Message(text="after")
            ),
        )
        client.close()
    finally:
        stop(again, state)
    third, state = start(state_path)
    try:
        assert made.name in {m.name for s in third.store.spaces() for m in third.store.messages.all(s.id)}
    finally:
        stop(third, state)


def test_only_mutating_rpcs_are_recorded(state_path: Path) -> None:
    resources = ("Space", "Membership", "Message", "Reaction", "CustomEmoji", "MessagePin", "Section")
    assert {
        *(f"{verb}{r}" for verb in ("Create", "Delete") for r in resources),
        *("UpdateSpace", "UpdateMembership", "UpdateMessage", "UpdateSpaceReadState", "UpdateSpaceNotificationSetting"),
        *("UpdateSection", "PositionSection", "MoveSectionItem", "UploadAttachment"),
        *("UpdateAvailability", "MarkAsActive", "MarkAsAway", "MarkAsDoNotDisturb"),
        *("SetUpSpace", "CompleteImportSpace"),
    } == MUTATING_RPCS
    server, state = start(state_path, seed_demo=True)
    try:
        client = Client(server.address)
        client("ListSpaces", space_pb2.ListSpacesRequest())
        client("GetSpace", space_pb2.GetSpaceRequest(name=space_named(server, "Project Falcon")))
        with pytest.raises(grpc.RpcError):
            client(
                "CreateMessage",
                message_pb2.CreateMessageRequest(parent="spaces/nothere", message=message_pb2.Message(text="x")),
            )
        client.close()
        assert state.records == 1
    finally:
        stop(server, state)


def test_deterministic_ids_do_not_repeat_after_a_restart(state_path: Path) -> None:
    names = set()
    for _ in range(3):
        server, state = start(state_path, seed_demo=True, id_seed=5)
        client = Client(server.address)
        space = client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space(f"Run {state.replayed}")))
        message = client(
            "CreateMessage", message_pb2.CreateMessageRequest(parent=space.name, message=message_pb2.Message(text="x"))
        )
        names |= {space.name, message.name}
        client.close()
        stop(server, state)
    assert len(names) == 6


# ------------------------------------------------------------------ SIGKILL in the middle of a write load


def emulator(path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    log = path.with_name(f"{path.name}.{time.monotonic_ns()}.stderr")  # a file: a pipe nobody reads can fill up
    with log.open("w") as errors:
        process = subprocess.Popen(
            [*EMULATOR, "--port", "0", "--no-control", "--state", str(path), *args],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    process.stderr_log = log  # type: ignore[attr-defined]
    assert process.stdout is not None
    ready = process.stdout.readline()
    if not ready.startswith("chat-grpc emulator listening on"):
        process.kill()
        process.wait()
        raise AssertionError(f"the emulator did not start: {ready!r} {log.read_text()}")
    threading.Thread(target=process.stdout.read, daemon=True).start()  # drain, so it never blocks on print
    return process, ready.removeprefix("chat-grpc emulator listening on ").split()[0]


def terminate(process: subprocess.Popen[str]) -> None:
    """SIGTERM: the emulator stops cleanly (exit status 0)."""
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # the emulator runs with faulthandler: its threads' stacks to stderr
        process.wait(timeout=10)
        raise AssertionError(f"the emulator did not stop: {process.stderr_log.read_text()}") from None  # type: ignore[attr-defined]
    assert status == 0, process.stderr_log.read_text()  # type: ignore[attr-defined]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_every_acknowledged_write_survives_sigkill(state_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    process, address = emulator(state_path, "--demo")
    processes.append(process)
    acknowledged: list[tuple[str, Any, str]] = []  # (kind, response, token), appended once the response arrived
    lock = threading.Lock()
    stop_writing = threading.Event()
    errors: list[BaseException] = []
    interrupted: list[int] = []  # writers whose call was in flight when the emulator died
    people = [ALICE, BOB, "user:dave@partner.example", CAROL]

    def writer(n: int) -> None:
        client = Client(address)
        token = people[n]
        step = 0
        try:
            space = client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space(f"Load {n}")), token)
            with lock:
                acknowledged.append(("space", space, token))
            while not stop_writing.is_set():
                step += 1
                if step % 7 == 0:
                    made = client(
                        "CreateSpace", space_pb2.CreateSpaceRequest(space=new_space(f"Load {n}.{step}")), token
                    )
                    kind = "space"
                elif step % 11 == 0:
                    member = people[(n + 1) % 4].removeprefix("user:")
                    request = membership_pb2.CreateMembershipRequest(
                        parent=space.name, membership=human(f"users/{member}")
                    )
                    try:
                        made, kind = client("CreateMembership", request, token), "membership"
                    except grpc.RpcError as error:  # already a member, or external: nothing acknowledged
                        if error.code() not in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.PERMISSION_DENIED):
                            raise
                        continue
                else:
                    text = f"writer {n} step {step}"
                    made = client(
                        "CreateMessage",
                        message_pb2.CreateMessageRequest(parent=space.name, message=message_pb2.Message(text=text)),
                        token,
                    )
                    kind = "message"
                with lock:
                    acknowledged.append((kind, made, token))
        except grpc.RpcError as error:  # UNAVAILABLE: the emulator was killed during the call
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                errors.append(error)
            interrupted.append(n)
        except BaseException as error:
            errors.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 200:
                break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # in the middle of the load: writers are mid-call
    process.wait(timeout=10)
    stop_writing.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert interrupted, "the emulator was killed between calls, not in the middle of the load"
    with lock:
        written = list(acknowledged)
    assert len(written) >= 200

    restarted, address = emulator(state_path, "--demo")
    processes.append(restarted)
    client = Client(address)
    try:
        for kind, made, token in written:
            if kind == "space":
                found = client("GetSpace", space_pb2.GetSpaceRequest(name=made.name), token)
                assert (found.name, found.display_name, found.create_time) == (
                    made.name,
                    made.display_name,
                    made.create_time,
                )
            elif kind == "membership":
                found = client("GetMembership", membership_pb2.GetMembershipRequest(name=made.name), token)
                assert (found.name, found.member.name, found.state) == (made.name, made.member.name, made.state)
            else:
                found = client("GetMessage", message_pb2.GetMessageRequest(name=made.name), token)
                assert (found.name, found.text, found.create_time, found.sender.name) == (
                    made.name,
                    made.text,
                    made.create_time,
                    made.sender.name,
                )
    finally:
        client.close()
    terminate(restarted)


# ------------------------------------------------------------------ files that are not usable


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(StateError, match="is not a chat-grpc state file"):
        StateFile.attach(ChatServer().core, garbage)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (x TEXT)")
    db.close()
    with pytest.raises(StateError, match="an SQLite database but not a chat-grpc state file"):
        StateFile.attach(ChatServer().core, other)


def test_another_version_is_refused(state_path: Path) -> None:
    server, state = start(state_path)
    stop(server, state)
    with sqlite3.connect(state_path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.close()
    with pytest.raises(StateError, match="written by state format version 99; this emulator reads version 2"):
        StateFile.attach(ChatServer().core, state_path)


def reseal(path: Path) -> None:
    """Recompute the record digests and the head, as an emulator with other rules would have written them: the
    file is whole, so what is checked next is whether it replays."""
    with sqlite3.connect(path) as db:
        previous, seq = "0" * 64, 0
        for seq, kind, rpc, credentials, payload, tape in db.execute(
            "SELECT seq, kind, rpc, credentials, payload, tape FROM journal ORDER BY seq"
        ).fetchall():
            previous = persistence._digest(previous, kind, rpc, credentials, bytes(payload), tape)
            db.execute("UPDATE journal SET digest = ? WHERE seq = ?", (previous, seq))
        db.execute("UPDATE meta SET value = ? WHERE key = 'head'", (f"{seq} {previous}",))
    db.close()


def test_a_journal_that_does_not_replay_names_the_record(state_path: Path) -> None:
    server, state = start(state_path, seed_demo=True)
    client = Client(server.address)
    client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("One")))
    client.close()
    stop(server, state)
    with sqlite3.connect(state_path) as db:  # as if the file had been changed by hand
        (original,) = db.execute("SELECT payload FROM journal WHERE seq = 2").fetchone()
        request = space_pb2.CreateSpaceRequest(space=new_space("Project Falcon")).SerializeToString()
        db.execute("UPDATE journal SET payload = ? WHERE seq = 2", (request,))
    db.close()
    with pytest.raises(StateError, match=r"record 2 \(CreateSpace\) was changed after it was written"):
        StateFile.attach(ChatServer().core, state_path)
    reseal(state_path)
    with pytest.raises(StateError, match=r"record 2 \(CreateSpace\) does not replay \(ALREADY_EXISTS: a space named"):
        StateFile.attach(ChatServer().core, state_path)
    with sqlite3.connect(state_path) as db:
        db.execute("UPDATE journal SET payload = ?, tape = '[]' WHERE seq = 2", (original,))
    db.close()
    reseal(state_path)
    with pytest.raises(StateError, match=r"record 2 \(CreateSpace\) does not replay: the call drew more"):
        StateFile.attach(ChatServer().core, state_path)


def test_the_emulator_reports_an_unusable_state_file_and_one_in_use(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "chat_grpc.server", "--port", "0", "--state", str(garbage)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode == 2
    assert "is not a chat-grpc state file" in result.stderr

    path = tmp_path / "busy.state"
    first, _ = emulator(path)
    processes.append(first)
    second = subprocess.run(
        [sys.executable, "-m", "chat_grpc.server", "--port", "0", "--state", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert second.returncode == 2
    assert "is in use by another emulator process" in second.stderr


def test_the_emulator_replays_instead_of_seeding_again(
    state_path: Path, processes: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "users": [{"email": "zoe@example.com"}],
                "spaces": [{"display_name": "Zoe's", "creator": "zoe@example.com"}],
            }
        )
    )
    process, address = emulator(state_path, "--seed", str(seed))
    processes.append(process)
    client = Client(address)
    made = client("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Later")), "user:zoe@example.com")
    client.close()
    terminate(process)
    again = subprocess.Popen(
        [sys.executable, "-m", "chat_grpc.server", "--port", "0", "--state", str(state_path), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    processes.append(again)
    assert again.stdout is not None
    address = again.stdout.readline().removeprefix("chat-grpc emulator listening on ").split()[0]
    lines = [again.stdout.readline() for _ in range(2)]
    assert any("2 recorded changes replayed" in line and "seed only a new state file" in line for line in lines), lines
    client = Client(address)
    spaces = client("ListSpaces", space_pb2.ListSpacesRequest(), "user:zoe@example.com").spaces
    client.close()
    assert sorted(s.display_name for s in spaces) == ["Later", "Zoe's"] and made.name in {s.name for s in spaces}


def test_a_failed_startup_seed_leaves_a_new_state_file_empty(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    path, workspace = tmp_path / "s.state", tmp_path / "w.json"
    workspace.write_text(json.dumps({"spaces": [{"display_name": "X", "creator": "nobody@example.com"}]}))
    failed = subprocess.run(
        [
            sys.executable,
            "-m",
            "chat_grpc.server",
            "--port",
            "0",
            "--state",
            str(path),
            "--demo",
            "--seed",
            str(workspace),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert failed.returncode == 2 and "spaces[0].creator: no user 'nobody@example.com'" in failed.stderr
    workspace.write_text(json.dumps({"spaces": [{"display_name": "X", "creator": "bob@example.com"}]}))  # fixed
    process, address = emulator(path, "--demo", "--seed", str(workspace))
    processes.append(process)
    client = Client(address)
    assert "X" in {s.display_name for s in client("ListSpaces", space_pb2.ListSpacesRequest(), BOB).spaces}
    client.close()


def test_the_rpcs_added_after_the_reference_and_uploaded_bytes_survive_a_restart(state_path: Path) -> None:
    from google.chat.v1 import attachment_pb2, availability_pb2, message_pin_pb2, section_pb2
    from google.protobuf import duration_pb2

    from chat_grpc.fake.rpc import Media

    server, state = start(state_path, seed_demo=True, clock=ManualClock())
    try:
        client = Client(server.address)
        falcon = space_named(server, "Project Falcon")
        credentials = server.core.tokens.lookup(ALICE, server.store)
        upload = attachment_pb2.UploadAttachmentRequest(parent=falcon, filename="notes.bin")
        data = bytes(range(256)) * 40  # not text: the bytes go through as they are
        uploaded = state.run("UploadAttachment", credentials, upload, server.core.execute, Media(data, "x-test/bin"))
        resource = uploaded.attachment_data_ref.resource_name
        with_file = client(
            "CreateMessage",
            message_pb2.CreateMessageRequest(
                parent=falcon,
                message=message_pb2.Message(
                    text="the notes",
                    attachment=[attachment_pb2.Attachment(attachment_data_ref={"resource_name": resource})],
                ),
            ),
        )
        client(
            "CreateMessagePin",
            message_pin_pb2.CreateMessagePinRequest(parent=falcon, message_pin={"message": with_file.name}),
        )
        work = client(
            "CreateSection",
            section_pb2.CreateSectionRequest(
                parent="users/me", section={"display_name": "Work", "type": "CUSTOM_SECTION"}
            ),
        )
        item = f"users/me/sections/default-spaces/items/{falcon.removeprefix('spaces/')}"
        client("MoveSectionItem", section_pb2.MoveSectionItemRequest(name=item, target_section=work.name))
        client(
            "MarkAsDoNotDisturb",
            availability_pb2.MarkAsDoNotDisturbRequest(
                name="users/me/availability", ttl=duration_pb2.Duration(seconds=600)
            ),
        )
        before = (
            server.store.pins.all(),
            server.store.sections.sections_of(user_id(server, "alice@example.com")),
            server.store.sections.items_of(user_id(server, "alice@example.com")),
            server.store.availability.all(),
        )
        client.close()
    finally:
        stop(server, state)
    again, state = start(state_path, clock=ManualClock())
    try:
        assert again.store.attachment_media(resource) == (data, "x-test/bin")
        (attachment,) = next(
            m for m in again.store.messages.all(falcon.split("/")[1]) if m.text == "the notes"
        ).attachments
        assert again.store.attachment_media(attachment.resource_name)[0] == data
        after = (
            again.store.pins.all(),
            again.store.sections.sections_of(user_id(again, "alice@example.com")),
            again.store.sections.items_of(user_id(again, "alice@example.com")),
            again.store.availability.all(),
        )
        assert after == before and before[0] and before[3][0].state == "DO_NOT_DISTURB"
    finally:
        stop(again, state)
