"""The control service and the clock controls: out of process (the emulator driven through ControlClient,
checked through ChatService), in process (payload validation, the extension point), and the new flags."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from chat_grpc.doors.grpc import control as control_module
from chat_grpc.doors.grpc.control import ControlClient, control_method
from chat_grpc.server import ChatServer, ChatStore, ManualClock
from chat_grpc.server.config import Config, parse_args
from tests.server.conftest import Caller, Workspace, new_space

ROOT = Path(__file__).resolve().parents[2]
ALICE = [("authorization", "Bearer user:alice@example.com")]
ALICE_NAME = "users/100000000000000000001"  # the demo workspace's ids (chat_grpc.workspace.demo)


# ------------------------------------------------------------------ the emulator, out of process


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    address: str
    lines: list[str]


def start_emulator(*flags: str) -> Emulator:
    process = subprocess.Popen(
        [sys.executable, "-m", "chat_grpc.server", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready.startswith("chat-grpc emulator listening on "), ready + (
        process.stderr.read() if process.stderr else ""
    )
    lines = [ready]
    if "--no-control" not in flags or "--manual-clock" in flags:
        lines.append(process.stdout.readline())
    return Emulator(process, ready.removeprefix("chat-grpc emulator listening on ").split()[0], lines)


def stop_emulator(emulator: Emulator) -> None:
    emulator.process.send_signal(signal.SIGTERM)
    try:
        emulator.process.communicate(timeout=15)
    finally:
        if emulator.process.poll() is None:
            emulator.process.kill()
            emulator.process.communicate()
    assert emulator.process.returncode == 0


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = start_emulator("--demo")
    try:
        yield running
    finally:
        stop_emulator(running)


@pytest.fixture
def control(emulator: Emulator) -> Iterator[ControlClient]:
    with ControlClient(emulator.address) as client:
        client.clear_faults()
        client.clear_journal()
        yield client


@pytest.fixture
def emulated(emulator: Emulator) -> Iterator[chat_service_pb2_grpc.ChatServiceStub]:
    with grpc.insecure_channel(emulator.address) as channel:
        yield chat_service_pb2_grpc.ChatServiceStub(channel)


def list_spaces(stub: chat_service_pb2_grpc.ChatServiceStub) -> space_pb2.ListSpacesResponse:
    response: space_pb2.ListSpacesResponse = stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=ALICE, timeout=10)
    return response


def test_the_emulator_announces_its_control_service(emulator: Emulator) -> None:
    assert "chat_grpc.control.v1.Control" in emulator.lines[1] and "unauthenticated" in emulator.lines[1]


def test_faults_armed_from_outside_hit_chat_service_calls(
    control: ControlClient, emulated: chat_service_pb2_grpc.ChatServiceStub
) -> None:
    rule = control.add_fault("ListSpaces", code="UNAVAILABLE", times=2)
    assert rule == {"id": rule["id"], "rpc": "ListSpaces", "kind": "fail", "times": 2} | {
        "code": "UNAVAILABLE",
        "message": None,
        "retry_delay": None,
    }
    control.add_fault("ListSpaces", code=grpc.StatusCode.RESOURCE_EXHAUSTED, retry_delay=timedelta(seconds=3))
    for expected in ("UNAVAILABLE", "UNAVAILABLE", "RESOURCE_EXHAUSTED"):
        with pytest.raises(grpc.RpcError) as caught:
            list_spaces(emulated)
        assert caught.value.code().name == expected
    status = rpc_status.from_call(caught.value)
    assert status is not None
    retry = error_details_pb2.RetryInfo()
    assert any(d.Unpack(retry) for d in status.details if d.Is(retry.DESCRIPTOR))
    assert retry.retry_delay.seconds == 3
    assert "Project Falcon" in {s.display_name for s in list_spaces(emulated).spaces}

    report = control.fault_report()
    assert report["pending"] == []
    assert [f["fault"] for f in report["fired"]["ListSpaces"]] == ["fail UNAVAILABLE"] * 2 + ["fail RESOURCE_EXHAUSTED"]
    assert control.clear_faults() == 0


def test_a_delay_armed_from_outside(control: ControlClient, emulated: chat_service_pb2_grpc.ChatServiceStub) -> None:
    control.add_fault("ListSpaces", delay=0.25)
    started = time.monotonic()
    list_spaces(emulated)
    assert time.monotonic() - started >= 0.25
    (recorded,) = control.calls("ListSpaces")
    assert recorded["fault"] == "delay 0.25s" and recorded["latency_ms"] >= 250


def test_the_journal_read_from_outside(control: ControlClient, emulated: chat_service_pb2_grpc.ChatServiceStub) -> None:
    list_spaces(emulated)
    with pytest.raises(grpc.RpcError):
        emulated.GetSpace(space_pb2.GetSpaceRequest(name="spaces/none"), metadata=ALICE, timeout=10)
    calls = control.calls()
    assert [(c["method"], c["code"], c["principal"]) for c in calls] == [
        ("ListSpaces", "OK", ALICE_NAME),
        ("GetSpace", "NOT_FOUND", ALICE_NAME),
    ]
    assert calls[1]["request"] == {"name": "spaces/none"}
    assert ["authorization", "Bearer <redacted>"] in calls[1]["metadata"]
    assert [c["method"] for c in control.calls("GetSpace")] == ["GetSpace"]
    assert len(control.calls(limit=1)) == 1 and control.calls(limit=1)[0]["method"] == "GetSpace"
    assert control.call("Calls", {"limit": None})["total"] == 2
    assert control.clear_journal() == 2
    assert control.calls() == []


def test_the_clock_moved_from_outside(control: ControlClient, emulated: chat_service_pb2_grpc.ChatServiceStub) -> None:
    falcon = next(s for s in list_spaces(emulated).spaces if s.display_name == "Project Falcon")
    assert control.set_clock("2030-01-01T00:00:00Z") == datetime(2030, 1, 1, tzinfo=UTC)

    def post(text: str) -> datetime:
        request = message_pb2.CreateMessageRequest(parent=falcon.name, message=message_pb2.Message(text=text))
        created = emulated.CreateMessage(request, metadata=ALICE, timeout=10)
        when: datetime = created.create_time.ToDatetime(tzinfo=UTC)
        return when

    first = post("happy new year")
    assert datetime(2030, 1, 1, tzinfo=UTC) <= first < datetime(2030, 1, 1, 0, 0, 1, tzinfo=UTC)
    after = control.advance_clock(timedelta(hours=1))
    assert datetime(2030, 1, 1, 1, tzinfo=UTC) <= after < datetime(2030, 1, 1, 1, 0, 1, tzinfo=UTC)
    assert datetime(2030, 1, 1, 1, tzinfo=UTC) <= post("an hour later") < datetime(2030, 1, 1, 1, 0, 1, tzinfo=UTC)
    assert control.call("GetClock")["frozen"] is True


def test_control_errors(control: ControlClient) -> None:
    for method, payload, text in [
        ("AddFault", {"rpc": "ListSpaces"}, "either 'code'"),
        ("AddFault", {"rpc": "ListSpaces", "code": "UNAVAILABLE", "delay": 1}, "either 'code'"),
        ("AddFault", {"rpc": "NoSuchRpc", "code": "UNAVAILABLE"}, "unknown RPC"),
        ("AddFault", {"rpc": "ListSpaces", "code": "OK"}, "not a failure"),
        ("AddFault", {"rpc": "ListSpaces", "code": "UNAVAILABLE", "times": 0}, "times"),
        ("AddFault", {"rpc": "ListSpaces", "delay": 1, "retry_delay": 2}, "go with 'code'"),
        ("AddFault", {"rpc": "ListSpaces", "code": "UNAVAILABLE", "colour": "red"}, "unknown field"),
        ("AddFault", {"rpc": "ListSpaces", "delay": "soon"}, "wrong type"),
        ("Calls", {"method": "ListSpace"}, "not a ChatService method"),
        ("Calls", {"limit": -1}, "limit"),
        ("AdvanceClock", {}, "seconds"),
        ("AdvanceClock", {"seconds": -5}, "seconds"),
        ("SetClock", {"time": "yesterday"}, "RFC-3339"),
        ("SetClock", {"time": "2030-01-01T00:00:00"}, "offset"),
    ]:
        with pytest.raises(grpc.RpcError) as caught:
            control.call(method, payload)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, payload)
        assert text in (caught.value.details() or ""), (caught.value.details(), text)
    with pytest.raises(grpc.RpcError) as caught:
        control.call("NoSuchMethod")
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert control.fault_report() == {"fired": {}, "pending": []}


def test_manual_clock_flag_and_control_off() -> None:
    running = start_emulator("--demo", "--manual-clock", "--no-control")
    try:
        assert running.lines[1].startswith("manual clock, frozen at ")
        frozen_at = datetime.fromisoformat(running.lines[1].split()[-1])
        with ControlClient(running.address) as client, pytest.raises(grpc.RpcError) as caught:
            client.get_clock()
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
        time.sleep(0.05)  # real time passes; the emulator's does not
        with grpc.insecure_channel(running.address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            created = stub.CreateSpace(
                space_pb2.CreateSpaceRequest(space=new_space("Frozen")), metadata=ALICE, timeout=10
            )
        assert timedelta(0) < created.create_time.ToDatetime(tzinfo=UTC) - frozen_at < timedelta(milliseconds=1)
    finally:
        stop_emulator(running)


# ------------------------------------------------------------------ in process


def test_control_is_off_by_default_in_process(chat: ChatServer) -> None:
    with ControlClient(chat.address) as client, pytest.raises(grpc.RpcError) as caught:
        client.fault_report()
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_in_process_control_and_the_extension_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control_module, "_METHODS", dict(control_module._METHODS))

    @control_method("CountUsers")
    def count_users(server: ChatServer, payload: dict[str, Any]) -> dict[str, Any]:
        if "prefix" not in payload:
            raise ValueError("'prefix' is required")
        return {"count": sum(u.email.startswith(payload["prefix"]) for u in server.store.users())}

    with pytest.raises(RuntimeError, match="two control methods"):
        control_method("CountUsers")(count_users)
    assert "CountUsers" in control_module.methods() and "AddFault" in control_module.methods()

    with ChatServer(control=True) as server, ControlClient(server.address) as client:
        server.store.add_user("ann@example.com")
        assert client.call("CountUsers", {"prefix": "ann"}) == {"count": 1}
        with pytest.raises(grpc.RpcError) as caught:
            client.call("CountUsers")
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "prefix" in (caught.value.details() or "")
        client.add_fault("GetSpace", code="NOT_FOUND", times=None)
        ((rule, left),) = server.faults.pending()
        assert rule.code == "NOT_FOUND" and left is None


def test_in_process_control_rejects_what_is_not_a_json_object() -> None:
    with ChatServer(control=True) as server, grpc.insecure_channel(server.address) as channel:
        for body in (b"[1, 2]", b"{not json", b"\xff"):
            raw = channel.unary_unary("/chat_grpc.control.v1.Control/FaultReport")
            with pytest.raises(grpc.RpcError) as caught:
                raw(body, timeout=10)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, body
        assert channel.unary_unary("/chat_grpc.control.v1.Control/GetClock")(b"", timeout=10).startswith(b'{"now": ')


# ------------------------------------------------------------------ clock control in tests


def test_freeze_and_advance_a_running_clock() -> None:
    server = ChatServer()
    assert not server.clock.frozen
    manual = server.clock.freeze(datetime(2027, 3, 1, 12, tzinfo=UTC))
    assert server.clock.frozen and isinstance(manual, ManualClock)
    assert server.clock.advance(timedelta(minutes=30)) == datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    server.clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert server.clock.now() == datetime(2027, 1, 1, tzinfo=UTC)
    assert server.store.clock is server.clock
    server.clock.unfreeze()
    assert not server.clock.frozen and server.clock.now().year >= 2025
    with pytest.raises(ValueError, match="only advances"):
        server.clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone"):
        server.clock.freeze(datetime(2027, 1, 1))


def test_chat_clock_moves_the_manual_clock_a_test_holds(
    chat: ChatServer, clock: ManualClock, ws: Workspace, call: Caller
) -> None:
    assert chat.clock.frozen and chat.clock.freeze() is clock
    start = clock.now()
    chat.clock.advance(timedelta(days=2))
    created = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Later")), as_=ws.alice)
    assert created.create_time.ToDatetime(tzinfo=UTC) - start >= timedelta(days=2)
    assert clock.now() - start >= timedelta(days=2)


def test_a_given_store_gets_a_server_clock() -> None:
    store = ChatStore(clock=ManualClock(datetime(2026, 6, 1, tzinfo=UTC)))
    server = ChatServer(store=store)
    assert server.clock.frozen and store.clock is server.clock
    assert server.clock.advance(timedelta(hours=1)) == datetime(2026, 6, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------ configuration


def test_parse_args_new_flags() -> None:
    defaults = parse_args([], {})
    assert (defaults.manual_clock, defaults.control, defaults.journal_size) == (False, True, 10_000)
    env = {"CHAT_EMULATOR_MANUAL_CLOCK": "1", "CHAT_EMULATOR_CONTROL": "false", "CHAT_EMULATOR_JOURNAL_SIZE": "5"}
    assert parse_args([], env) == Config(manual_clock=True, control=False, journal_size=5)
    assert parse_args(["--no-manual-clock", "--control", "--journal-size", "0"], env) == Config(
        manual_clock=False, control=True, journal_size=0
    )
    assert parse_args(["--manual-clock", "--no-control"], {}) == Config(manual_clock=True, control=False)


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--journal-size", "-1"], {}),
        (["--journal-size", "many"], {}),
        ([], {"CHAT_EMULATOR_JOURNAL_SIZE": "many"}),
        ([], {"CHAT_EMULATOR_CONTROL": "maybe"}),
        ([], {"CHAT_EMULATOR_MANUAL_CLOCK": "sometimes"}),
    ],
)
def test_parse_args_rejects_bad_new_settings(argv: list[str], env: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv, env)
    assert exited.value.code != 0
