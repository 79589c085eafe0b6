"""``python -m chat_grpc.server``: run the fake Chat API in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chat_grpc.doors.grpc.control import SERVICE as CONTROL_SERVICE
from chat_grpc.fake.clock import ManualClock
from chat_grpc.persistence import state_file as persistence
from chat_grpc.persistence.state_file import StateError, StateFile
from chat_grpc.server.config import Config, parse_args
from chat_grpc.server.server import ChatServer, is_loopback
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.demo import DemoWorkspace, demo_from, demo_workspace
from chat_grpc.workspace.seed import SeedError, Workspace, dump, load_workspace


def how_to_connect(address: str, demo: DemoWorkspace) -> str:
    return "\n".join(
        [
            "Demo workspace: alice@example.com (admin), bob@example.com, carol@example.com, dave@partner.example,",
            f"the app 'Demo Bot' (users/{demo.app.id}); spaces: "
            + ", ".join(f"{s.display_name or key} ({s.name})" for key, s in demo.spaces.items()),
            "Tokens anyone can write: 'user:<email>' (user auth, all scopes), 'app:<app id>' (app auth),",
            "optionally ';scopes=chat.spaces,chat.messages' and ';app=<app id>'. For example:",
            "  grpcurl -plaintext -H 'authorization: Bearer user:alice@example.com'"
            f" {address} google.chat.v1.ChatService/ListSpaces",
            f"  python: grpc.insecure_channel({address!r}) with metadata"
            " [('authorization', 'Bearer user:bob@example.com')]",
            "  curl -H 'Authorization: Bearer user:alice@example.com' {rest_url}/v1/spaces",
        ]
    )


def workspace_summary(source: str, workspace: Workspace) -> str:
    people = ", ".join(list(workspace.users)[:6]) + (", ..." if len(workspace.users) > 6 else "")
    return (
        f"Workspace from {source}: {len(workspace.users)} users ({people}), {len(workspace.apps)} apps,"
        f" {len(workspace.spaces)} spaces, {len(workspace.messages)} messages; tokens: 'user:<email>', 'app:<app id>'"
    )


def _seed(server: ChatServer, state: StateFile | None, config: Config) -> list[str]:
    """Load --demo and --seed (into a new state file only); the lines to print once listening."""
    if state is not None and state.replayed:
        note = " (--demo and --seed seed only a new state file)" if config.demo or config.seed_file else ""
        return [f"state: {state.replayed} recorded changes replayed from {state.path}{note}"]
    lines = [f"state: recording every change in {state.path}"] if state is not None else []

    def load(source: Any) -> Workspace:
        return state.load_workspace(source) if state is not None else load_workspace(server.store, source)

    if config.demo:
        lines.append(how_to_connect("{address}", demo_from(load(demo_workspace()))))
    if config.seed_file:
        lines.append(workspace_summary(config.seed_file, load(config.seed_file)))
    return lines


class _StopSignals:
    """SIGINT/SIGTERM ask the emulator to stop, whichever thread the kernel delivers them to.

    CPython runs a signal's Python handler on the main thread, and only once that thread runs Python code
    again; a signal delivered to one of the server's threads does not interrupt the main thread's blocking
    wait, so a plain ``Event.wait()`` there could sleep through it (F13). The C-level handler writes every
    signal to a wakeup pipe, which the main thread ``select``s on: it wakes at once. The Python handler only
    sets a flag (taking a lock in a handler can deadlock with the code it interrupted)."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._read, self._write = os.pipe()
        for fd in (self._read, self._write):
            os.set_blocking(fd, False)
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, signum: int, _frame: object) -> None:
        self.received = signum

    def wait(self) -> int:
        while self.received is None:
            select.select([self._read], [], [], 1.0)
            with contextlib.suppress(BlockingIOError):
                os.read(self._read, 512)
        return self.received

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        os.close(self._read)
        os.close(self._write)


def _problem(message: str) -> int:
    print(f"chat-grpc emulator: {message}", file=sys.stderr, flush=True)
    return 2


def _check_setup(config: Config) -> str | None:
    """Settings that parse but cannot work here: the one-line problem, or None."""
    if config.export:
        folder = os.path.dirname(os.path.abspath(config.export)) or "."
        if not os.path.isdir(folder):
            return f"--export {config.export}: the folder {folder} does not exist"
        if not os.access(folder, os.W_OK):
            return f"--export {config.export}: the folder {folder} is not writable"
    if config.seed_file and not os.path.isfile(config.seed_file):
        return f"--seed {config.seed_file}: no such file"
    try:  # gRPC's own bind failure logs lines of its own: find out first, and say it in one
        family = socket.getaddrinfo(config.host.strip("[]"), config.port, proto=socket.IPPROTO_TCP)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((config.host.strip("[]"), config.port))
    except (OSError, UnicodeError) as error:
        return f"cannot listen on {config.host}:{config.port}: {getattr(error, 'strerror', None) or error}"
    if config.control and config.control_token is None and not is_loopback(config.host):
        return (
            f"--host {config.host} is not a loopback address: the control service (faults, recorded requests,"
            " the clock) needs --control-token TOKEN there, or --no-control"
        )
    return None


def serve(config: Config) -> int:
    """Run until SIGINT/SIGTERM (on the main thread) or until ``stop`` is set (anywhere)."""
    problem = _check_setup(config)
    if problem is not None:
        return _problem(problem)
    on_main_thread = threading.current_thread() is threading.main_thread()
    signals = _StopSignals() if on_main_thread else None  # installed first: a signal during startup counts too
    try:
        return _serve(config, signals)
    finally:
        if signals is not None:
            signals.close()


def _serve(config: Config, signals: _StopSignals | None) -> int:
    server = ChatServer(
        host=config.host,
        port=config.port,
        seed=config.id_seed,
        max_workers=config.max_workers,
        default_principal=config.default_principal,
        clock=ManualClock(datetime.now(UTC)) if config.manual_clock else None,
        control=config.control,
        journal_size=config.journal_size,
        journal_bytes=config.journal_bytes,
        rest=config.rest,
        rest_port=config.effective_rest_port,
        max_concurrent_rpcs=config.max_concurrent_rpcs,
        call_timeout=config.call_timeout,
        max_request_bytes=config.max_request_bytes,
        control_token=config.control_token,
        strict_tokens=config.strict_tokens,
    )
    state: StateFile | None = None
    try:
        state = StateFile.attach(server.core, config.state) if config.state else None
        notes = _seed(server, state, config)
    except (SeedError, StateError) as error:
        if state is not None:
            if not state.replayed:
                state.forget()  # a new state file: the next start seeds it again
            state.close()
        return _problem(str(error))
    if signals is not None and signals.received is not None:  # asked to stop while loading
        if state is not None:
            state.close()
        print("chat-grpc emulator stopped before it listened", flush=True)
        return 0
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        if state is not None:
            state.close()
        return _problem(f"cannot listen on {config.host}:{config.port}: {error}")
    except KeyError as error:  # --default-principal names nobody
        if state is not None:
            state.close()
        return _problem(f"--default-principal: {error.args[0] if error.args else error}")
    rest = f" (gRPC) and {server.rest_url} (REST); web UI: {server.ui_url}" if config.rest else ""
    print(f"chat-grpc emulator listening on {server.address}{rest}", flush=True)
    if not is_loopback(config.host):
        print(
            f"warning: listening on {config.host}, beyond this machine: the emulator is a test fake with no real"
            " security; anyone who reaches the port can act as any user"
            + (" (--strict-tokens is off)" if not config.strict_tokens else ""),
            file=sys.stderr,
            flush=True,
        )
    if config.control:
        guarded = "needs the --control-token" if config.control_token else "unauthenticated"
        print(f"control service {CONTROL_SERVICE} on the same port ({guarded}, for tests)", flush=True)
    if server.clock.frozen:
        print(f"manual clock, frozen at {server.clock.now().isoformat()}", flush=True)
    for note in notes:
        rest_url = server.rest_url if config.rest else "(REST is off)"
        print(note.replace("{address}", server.address).replace("{rest_url}", rest_url), flush=True)
    if signals is not None:
        signals.wait()
    else:
        server.wait()  # off the main thread: until the embedding code calls server.stop()
    server.stop(grace=2.0)
    if state is not None:
        state.close()  # checkpoints the log into the file: the file alone is whole
    if config.export:
        try:
            dump(server.store, config.export)
        except (OSError, SeedError) as error:
            print(f"chat-grpc emulator: cannot export the workspace to {config.export}: {error}", file=sys.stderr)
            return 1
        print(f"workspace exported to {config.export}", flush=True)
    print("chat-grpc emulator stopped", flush=True)
    return 0


STATE_USAGE = """usage: python -m chat_grpc.server state backup SRC DST | state check PATH

  backup SRC DST   copy the state file SRC (of a stopped emulator; its -wal log included) to the new file DST
                   with SQLite's online backup, and check the copy
  check PATH       check a state file as the emulator does on start (records, digests, schema)"""


def state_command(argv: Sequence[str]) -> int:
    """``python -m chat_grpc.server state backup SRC DST`` / ``state check PATH``."""
    args = list(argv)
    try:
        if args[:1] == ["backup"] and len(args) == 3:
            records = persistence.backup(args[1], args[2])
            print(f"backed up {args[1]} to {args[2]} ({records} records)", flush=True)
            return 0
        if args[:1] == ["check"] and len(args) == 2:
            records = persistence.check(args[1])
            print(f"{args[1]}: a whole chat-grpc state file ({records} records)", flush=True)
            return 0
    except StateError as error:
        return _problem(str(error))
    if args[:1] in (["-h"], ["--help"]):
        print(STATE_USAGE)
        return 0
    print(STATE_USAGE.splitlines()[0], file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["state"]:
        return state_command(args[1:])
    if args == ["schema"]:  # the JSON Schema of workspace files (--seed, --export), for editors and CI checks
        sys.stdout.write(workspace_schema.json_schema_text())
        return 0
    try:
        config = parse_args(args)
    except SystemExit as exited:
        return exited.code if isinstance(exited.code, int) else 2
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
