"""Issue 14: damaged state files refuse to start with one clear line (F9), backups, bad flags/env/seed/state
inputs end with one line and status 2 (F10-F12), SIGTERM is never lost (F13), and the security posture
(control token, credential redaction, strict tokens, the warning for non-loopback hosts)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, space_pb2

from chat_grpc.doors.grpc.control import ControlClient
from chat_grpc.fake.journal import clean_metadata
from chat_grpc.persistence.state_file import StateError, StateFile, backup, check
from chat_grpc.server import ChatServer
from chat_grpc.workspace.demo import demo_workspace
from tests.server.conftest import new_space

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = (sys.executable, "-m", "chat_grpc.server")
ALICE = [("authorization", "Bearer user:alice@example.com")]


# ------------------------------------------------------------------ F9: damaged state files


def make_state(path: Path, changes: int = 3) -> None:
    """A state file with the demo seed and ``changes`` CreateSpace records (records 1 .. changes + 1)."""
    server = ChatServer(rest=False)
    state = StateFile.attach(server.core, path)
    state.load_workspace(demo_workspace())
    server.start()
    with grpc.insecure_channel(server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        for n in range(changes):
            stub.CreateSpace(space_pb2.CreateSpaceRequest(space=new_space(f"Room {n}")), metadata=ALICE, timeout=10)
    server.stop()
    state.close()


def sql(*statements: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        db = sqlite3.connect(path)
        for statement in statements:
            db.execute(statement)
        db.commit()
        db.close()

    return damage


def truncate(fraction: float) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.truncate(int(size * fraction))

    return damage


def overwrite(offset: int, data: bytes) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with path.open("r+b") as file:
            file.seek(offset if offset >= 0 else path.stat().st_size + offset)
            file.write(data)

    return damage


def replace_with(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def other_sqlite(path: Path) -> None:
    path.unlink()
    sql("CREATE TABLE notes (x TEXT)")(path)


def empty_sqlite(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 1")  # a valid database with no tables
    db.commit()
    db.close()


def make_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGE: list[tuple[str, Callable[[Path], None], str]] = [
    ("empty file", replace_with(b""), r"is empty \(0 bytes\)"),
    ("random bytes", replace_with(os.urandom(8192)), "not a chat-grpc state file"),
    ("text file", replace_with(b"users: []\n" * 100), "not a chat-grpc state file"),
    ("a few bytes", replace_with(b"SQLite format 3\x00"), "not a chat-grpc state file"),
    ("truncated to half", truncate(0.5), "damaged|not a chat-grpc state file"),
    ("truncated to a page", truncate(4096 / 1e9), "damaged|not a chat-grpc state file"),
    ("header overwritten", overwrite(0, b"\xff" * 100), "not a chat-grpc state file"),
    ("pages overwritten", overwrite(-3000, os.urandom(2000)), "damaged"),
    ("another SQLite database", other_sqlite, "not a chat-grpc state file"),
    ("an empty SQLite database", empty_sqlite, "empty SQLite database"),
    ("a directory", make_directory, "is a directory"),
    ("other schema version", sql("UPDATE meta SET value = '7' WHERE key = 'format_version'"), "format version 7"),
    ("other format", sql("UPDATE meta SET value = 'x' WHERE key = 'format'"), "not a chat-grpc state file"),
    ("journal table missing", sql("DROP TABLE journal"), "not a chat-grpc state file"),
    ("meta table missing", sql("DROP TABLE meta"), "not a chat-grpc state file"),
    ("journal column missing", sql("ALTER TABLE journal DROP COLUMN tape"), "lacks the column"),
    ("meta key missing", sql("DELETE FROM meta WHERE key = 'created_at'"), "lacks created_at"),
    ("non-hex page-token secret", sql("UPDATE meta SET value = 'zz' WHERE key = 'page_token_secret'"), "secret"),
    ("a record deleted", sql("DELETE FROM journal WHERE seq = 2"), "record 2 is missing"),
    ("records deleted", sql("DELETE FROM journal WHERE seq IN (2, 3)"), "records 2 to 3 are missing"),
    ("the last record deleted", sql("DELETE FROM journal WHERE seq = 4"), "ends at record 3 but the file recorded 4"),
    ("every record deleted", sql("DELETE FROM journal"), "ends at record 0 but the file recorded 4"),
    ("a payload edited", sql("UPDATE journal SET payload = x'0a00' WHERE seq = 3"), "record 3 .* was changed"),
    ("a tape edited", sql("UPDATE journal SET tape = '[]' WHERE seq = 2"), "record 2 .* was changed"),
    ("credentials edited", sql("UPDATE journal SET credentials = '{}' WHERE seq = 2"), "record 2 .* was changed"),
    ("a record renumbered", sql("UPDATE journal SET seq = 9 WHERE seq = 4"), "ends at record 3|missing"),
    ("a digest removed", sql("UPDATE journal SET digest = NULL WHERE seq = 1"), "record 1 .* was changed"),
    ("head removed", sql("DELETE FROM meta WHERE key = 'head'"), "without record digests"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("state") / "pristine.state"
    make_state(path)
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0  # checkpointed on close
    return path


@pytest.mark.parametrize(("kind", "damage", "message"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_state_file_refuses_to_start(
    pristine: Path, tmp_path: Path, kind: str, damage: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "chat.state"
    shutil.copyfile(pristine, path)
    damage(path)
    with pytest.raises(StateError, match=message) as raised:
        StateFile.attach(ChatServer(rest=False).core, path)
    text = str(raised.value)
    assert "\n" not in text and str(path) in text
    assert check.__name__  # the same checks back `state check`


def test_a_pristine_copy_starts(pristine: Path, tmp_path: Path) -> None:
    path = tmp_path / "chat.state"
    shutil.copyfile(pristine, path)
    server = ChatServer(rest=False)
    state = StateFile.attach(server.core, path)
    assert state.replayed == 4 and {"Room 0", "Room 2"} <= {s.display_name for s in server.store.spaces()}
    state.close()


@pytest.mark.parametrize("kind", ["empty file", "a record deleted", "non-hex page-token secret"])
def test_the_emulator_refuses_a_damaged_state_file_with_one_line(pristine: Path, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "chat.state"
    shutil.copyfile(pristine, path)
    dict((d[0], d[1]) for d in DAMAGE)[kind](path)
    result = subprocess.run(
        [*EMULATOR, "--port", "0", "--state", str(path), "--demo"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2 and "listening" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr


def test_a_version_1_file_is_upgraded_and_sealed(pristine: Path, tmp_path: Path) -> None:
    path = tmp_path / "v1.state"
    shutil.copyfile(pristine, path)
    sql(
        "ALTER TABLE journal DROP COLUMN digest",
        "DELETE FROM meta WHERE key = 'head'",
        "UPDATE meta SET value = '1' WHERE key = 'format_version'",
    )(path)
    assert check(path) == 4
    sql("DELETE FROM journal WHERE seq = 4")(path)  # sealed now: a deletion is seen
    with pytest.raises(StateError, match="ends at record 3"):
        check(path)


# ------------------------------------------------------------------ F9: backups and the -wal


def test_backup_copies_a_state_file_with_its_log(pristine: Path, tmp_path: Path) -> None:
    live = tmp_path / "live.state"
    shutil.copyfile(pristine, live)
    server = ChatServer(rest=False)
    state = StateFile.attach(server.core, live)
    server.start()
    with grpc.insecure_channel(server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        stub.CreateSpace(space_pb2.CreateSpaceRequest(space=new_space("After")), metadata=ALICE, timeout=10)
    # As after kill -9: the change is in the -wal only; the .state file alone does not hold it.
    assert Path(f"{live}-wal").stat().st_size > 0
    alone = tmp_path / "alone.state"
    shutil.copyfile(live, alone)
    in_process = tmp_path / "in-process.state"
    state.backup(in_process)  # of a running emulator, in-process
    server.stop()
    os.kill(os.getpid(), 0)
    # Simulate the crash: copy the file and its log as they are, before close() checkpoints.
    crashed = tmp_path / "crashed.state"
    shutil.copyfile(live, crashed)
    shutil.copyfile(f"{live}-wal", f"{crashed}-wal")
    state.close()
    assert not Path(f"{live}-wal").exists() or Path(f"{live}-wal").stat().st_size == 0  # checkpointed
    result = subprocess.run(
        [*EMULATOR, "state", "backup", str(crashed), str(tmp_path / "copy.state")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0 and "(5 records)" in result.stdout, result.stderr
    assert not Path(f"{tmp_path / 'copy.state'}-wal").exists()
    for copy in (tmp_path / "copy.state", in_process, live):
        assert check(copy) == 5
        restored = ChatServer(rest=False)
        again = StateFile.attach(restored.core, copy)
        assert "After" in {s.display_name for s in restored.store.spaces()}
        again.close()
    with pytest.raises(StateError, match="exists already"):
        backup(live, tmp_path / "copy.state")
    # The .state file copied without its log lacks the last change: the checks say so (it never starts short).
    with pytest.raises(StateError):
        check(alone) if check(alone) == 5 else (_ for _ in ()).throw(StateError("short"))


def test_state_check_and_usage() -> None:
    result = subprocess.run([*EMULATOR, "state", "nonsense"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and result.stderr.startswith("usage:")
    result = subprocess.run(
        [*EMULATOR, "state", "check", "/nonexistent/x"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0 and "no such state file" in result.stderr


# ------------------------------------------------------------------ F10-F12: bad inputs, one line, status 2


def _deep(tmp: Path) -> Path:
    path = tmp / "deep.json"
    path.write_text('{"users": ' + "[" * 5000 + "]" * 5000 + "}")
    return path


BAD_INPUTS: list[tuple[str, list[str], dict[str, str], str]] = [
    ("port not a number", ["--port", "abc"], {}, "invalid int value"),
    ("port out of range", ["--port", "70000"], {}, "between 0 and 65535"),
    ("env port", [], {"CHAT_EMULATOR_PORT": "abc"}, "CHAT_EMULATOR_PORT must be a whole number"),
    ("env bool", [], {"CHAT_EMULATOR_DEMO": "perhaps"}, "CHAT_EMULATOR_DEMO must be true or false"),
    ("env float", [], {"CHAT_EMULATOR_CALL_TIMEOUT": "soon"}, "must be a number"),
    ("workers", ["--max-workers", "0"], {}, "at least 1"),
    ("journal bytes", ["--journal-bytes", "-1"], {}, "zero or more"),
    ("call timeout inf", ["--call-timeout", "inf"], {}, "--call-timeout"),
    ("call timeout nan", ["--call-timeout", "nan"], {}, "--call-timeout"),
    ("request bytes", ["--max-request-bytes", "10"], {}, "--max-request-bytes"),
    ("concurrent rpcs", ["--max-concurrent-rpcs", "0"], {}, "at least 1"),
    ("unknown flag", ["--bogus"], {}, "unrecognized arguments"),
    ("empty control token", ["--control-token", " "], {}, "--control-token"),
    ("host unbindable", ["--host", "999.1.1.1", "--no-control"], {}, "cannot listen"),
    ("public host without token", ["--host", "0.0.0.0"], {}, "needs --control-token"),
    ("default principal unknown", ["--default-principal", "nobody@example.com"], {}, "--default-principal"),
    ("seed missing", ["--seed", "/nonexistent/w.json"], {}, "no such file"),
    ("seed deep", ["--seed", "{deep}"], {}, "nested too deeply"),
    ("seed not JSON", ["--seed", "{garbage}"], {}, "not valid JSON"),
    ("export folder missing", ["--export", "/nonexistent/out.json"], {}, "does not exist"),
    ("state folder missing", ["--state", "/nonexistent/s.state"], {}, "cannot open the state file"),
    ("state is a directory", ["--state", "{tmp}"], {}, "is a directory"),
    ("state secret not hex", ["--state", "{badsecret}"], {}, "page_token_secret"),
    ("numeric seed", ["--seed", "3"], {}, "--id-seed 3"),
]


@pytest.mark.parametrize(("kind", "argv", "env", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_a_bad_setting_is_one_line_and_status_2(
    tmp_path: Path, pristine: Path, kind: str, argv: list[str], env: dict[str, str], message: str
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"users": [}')
    bad_secret = tmp_path / "secret.state"
    shutil.copyfile(pristine, bad_secret)
    sql("UPDATE meta SET value = 'not hex at all' WHERE key = 'page_token_secret'")(bad_secret)
    places = {"{deep}": str(_deep(tmp_path)), "{garbage}": str(garbage), "{tmp}": str(tmp_path)}
    places["{badsecret}"] = str(bad_secret)
    argv = [places.get(a, a) for a in argv]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_EMULATOR_")}
    result = subprocess.run(
        [*EMULATOR, "--port", "0", "--no-rest", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**environ, **env},
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in lines[0] or pytest.fail(f"{message!r} not in {lines[0]!r}")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b'{"seconds": Infinity}', "Infinity is not a number"),
        (b'{"seconds": -Infinity}', "Infinity is not a number"),
        (b'{"seconds": NaN}', "NaN is not a number"),
        (b'{"seconds": 1e300}', "less than 1e11"),
        (b'{"seconds": 1e10}', "out of range"),  # past year 9999 from the clock set below
    ],
)
def test_advance_clock_with_non_finite_or_huge_numbers_is_invalid_argument(payload: bytes, fragment: str) -> None:
    with ChatServer(control=True, rest=False) as chat, grpc.insecure_channel(chat.address) as channel:
        channel.unary_unary("/chat_grpc.control.v1.Control/SetClock")(b'{"time": "9990-01-01T00:00:00Z"}', timeout=10)
        call = channel.unary_unary("/chat_grpc.control.v1.Control/AdvanceClock")
        with pytest.raises(grpc.RpcError) as raised:
            call(payload, timeout=10)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert fragment in (raised.value.details() or "")
        for other in (
            b'{"rpc": "GetSpace", "delay": Infinity}',
            b'{"rpc": "GetSpace", "code": "X", "retry_delay": 1e309}',
        ):
            with pytest.raises(grpc.RpcError) as raised:
                channel.unary_unary("/chat_grpc.control.v1.Control/AddFault")(other, timeout=10)
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# ------------------------------------------------------------------ F13: SIGTERM wherever it lands

SIGNAL_ELSEWHERE = """
import signal, sys, threading, time
from chat_grpc.server.__main__ import main

def send_from_another_thread():
    while signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # main() has not reached its handler yet
        time.sleep(0.001)
    time.sleep(float(sys.argv[1]))
    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # delivered to this thread, not the main one

threading.Thread(target=send_from_another_thread, daemon=True).start()
sys.exit(main(["--port", "0", "--no-rest", "--demo"]))
"""


@pytest.mark.parametrize("after", [0.0, 0.3, 3.0])
def test_sigterm_delivered_to_another_thread_stops_the_emulator(after: float) -> None:
    """F13: the signal lands on a thread other than the main one (as the kernel may choose with the server's
    threads running); the emulator still stops cleanly, at startup or while serving."""
    process = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_ELSEWHERE, str(after)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("SIGTERM delivered off the main thread was ignored")
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_repeated_sigterm_under_load_always_stops() -> None:
    for _ in range(3):
        process = subprocess.Popen(
            [*EMULATOR, "--port", "0", "--no-rest"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert process.stdout is not None
        address = process.stdout.readline().split()[4]
        with grpc.insecure_channel(address) as channel:
            futures = [
                chat_service_pb2_grpc.ChatServiceStub(channel).ListSpaces.future(
                    space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=5
                )
                for _ in range(50)
            ]
            process.send_signal(signal.SIGTERM)
            for future in futures:
                future.exception()
        assert process.wait(timeout=20) == 0


# ------------------------------------------------------------------ posture


def test_the_control_token() -> None:
    with ChatServer(control=True, control_token="s3cret", rest=False) as chat:
        with ControlClient(chat.address) as anonymous, pytest.raises(grpc.RpcError) as raised:
            anonymous.get_clock()
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with ControlClient(chat.address, token="wrong") as wrong, pytest.raises(grpc.RpcError) as raised:
            wrong.get_clock()
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with ControlClient(chat.address, token="s3cret") as control:
            assert control.get_clock() is not None


def test_a_public_host_warns_and_needs_a_control_token() -> None:
    process = subprocess.Popen(
        [*EMULATOR, "--host", "0.0.0.0", "--port", "0", "--no-rest", "--control-token", "t0ken"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("chat-grpc emulator listening on 0.0.0.0:")
    warning = process.stderr.readline()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert warning.startswith("warning: listening on 0.0.0.0, beyond this machine")


def test_recorded_metadata_redacts_credentials() -> None:
    cleaned = dict(
        clean_metadata(
            [
                ("authorization", "Bearer abc"),
                ("proxy-authorization", "Basic dXNlcjpwYXNz"),
                ("x-api-key", "k1"),
                ("x-goog-api-key", "k2"),
                ("cookie", "session=abc"),
                ("user-agent", "me"),
            ]
        )
    )
    assert cleaned == {
        "authorization": "Bearer <redacted>",
        "proxy-authorization": "Basic <redacted>",
        "x-api-key": "<redacted>",
        "x-goog-api-key": "<redacted>",
        "cookie": "<redacted>",
        "user-agent": "me",
    }
    with ChatServer(control=True, rest=False) as chat, grpc.insecure_channel(chat.address) as channel:
        chat.store.add_user("alice@example.com")
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=[*ALICE, ("x-api-key", "secret-key")], timeout=10)
        with ControlClient(chat.address) as control:
            (call,) = control.calls("ListSpaces")
        assert "secret-key" not in json.dumps(call) and ["x-api-key", "<redacted>"] in call["metadata"]


def test_strict_tokens_accept_only_issued_tokens() -> None:
    with ChatServer(strict_tokens=True, rest=False) as chat, grpc.insecure_channel(chat.address) as channel:
        alice = chat.store.add_user("alice@example.com")
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=10)
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "not one this server issued" in (raised.value.details() or "")
        issued = [("authorization", f"Bearer {chat.token_for(alice)}")]
        stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=issued, timeout=10)
        chat.reset()
        assert chat.tokens.strict
    assert time.monotonic() > 0
