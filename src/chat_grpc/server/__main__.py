"""``python -m chat_grpc.server``: run the fake Chat API in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chat_grpc.server.clock import ManualClock
from chat_grpc.server.config import Config, parse_args
from chat_grpc.server.control import SERVICE as CONTROL_SERVICE
from chat_grpc.server.demo import DemoWorkspace, demo_from, demo_workspace
from chat_grpc.server.persistence import StateError, StateFile
from chat_grpc.server.seed import SeedError, Workspace, dump, load_workspace
from chat_grpc.server.server import ChatServer


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


def serve(config: Config) -> int:
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
    )
    state: StateFile | None = None
    try:
        state = StateFile.attach(server, config.state) if config.state else None
        notes = _seed(server, state, config)
    except (SeedError, StateError) as error:
        if state is not None:
            if not state.replayed:
                state.forget()  # a new state file: the next start seeds it again
            state.close()
        print(f"chat-grpc emulator: {error}", file=sys.stderr, flush=True)
        return 2
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server.start()
    except OSError as error:
        print(f"chat-grpc emulator: cannot listen: {error}", file=sys.stderr, flush=True)
        return 2
    rest = f" (gRPC) and {server.rest_url} (REST); web UI: {server.ui_url}" if config.rest else ""
    print(f"chat-grpc emulator listening on {server.address}{rest}", flush=True)
    if config.control:
        print(f"control service {CONTROL_SERVICE} on the same port (unauthenticated, for tests)", flush=True)
    if server.clock.frozen:
        print(f"manual clock, frozen at {server.clock.now().isoformat()}", flush=True)
    for note in notes:
        rest_url = server.rest_url if config.rest else "(REST is off)"
        print(note.replace("{address}", server.address).replace("{rest_url}", rest_url), flush=True)
    # Wait in short steps: a signal the kernel delivers to another thread (gRPC's, uvicorn's) only sets a flag,
    # and Python runs the handler when the main thread next runs bytecode; an endless wait would never return.
    while not stopping.wait(0.25):
        pass
    server.stop(grace=2.0)
    if state is not None:
        state.close()
    if config.export:
        try:
            dump(server.store, config.export)
        except (OSError, SeedError) as error:
            print(f"chat-grpc emulator: cannot export the workspace to {config.export}: {error}", file=sys.stderr)
            return 1
        print(f"workspace exported to {config.export}", flush=True)
    print("chat-grpc emulator stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return serve(parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
