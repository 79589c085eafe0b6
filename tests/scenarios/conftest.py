"""Scenarios run in both modes a user can pick, through public surfaces only: ``ChatClient`` with the documented
``user:<email>`` / ``app:<id>`` tokens, a workspace file, and ``ControlClient`` for faults, journal and clock.

* ``in-process``: a ``ChatServer`` (with its control service) started in this process and seeded by
  ``chat_grpc.workspace.seed.load_workspace`` from the scenario's workspace file;
* ``emulator``: ``python -m chat_grpc.server --port 0 --seed FILE`` in a subprocess; the address comes from its
  first line (``chat-grpc emulator listening on HOST:PORT``), and it is stopped with SIGTERM, which must end it
  cleanly.

The ``chat`` fixture is parametrized over both, fresh for every test. A module may set ``WORKSPACE`` to the name
of another workspace file of this folder (default ``workspace.yaml``).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chat_grpc import ChatClient, RetryPolicy
from chat_grpc.doors.grpc.control import ControlClient
from chat_grpc.server import ChatServer
from chat_grpc.workspace.seed import load_workspace

HERE = Path(__file__).resolve().parent
READY = "chat-grpc emulator listening on "
STARTUP_TIMEOUT = 30.0
# The clients' usual retry rules with short sleeps, so that scenarios with outages stay fast.
FAST_RETRY = RetryPolicy(initial=0.01, maximum=0.1, multiplier=2.0, jitter=False)
MODES = ("in-process", "emulator")
# Names fixed by workspace.yaml (people and apps are named by id in responses).
ALICE, BOB, CAROL, ERIN, FRANK, DAVE = (f"users/10000000000000000000{n}" for n in range(1, 7))
BOT = "200000000000000000001"  # the Standup Bot's app id
ENGINEERS = "groups/300000000000000000001"
GENERAL = "spaces/AAAAgeneral"  # alice, bob, erin and frank; alice's welcome thread with bob's reply
OLD_PROJECT = "spaces/AAAAoldproj"  # frank (creator) and erin
OLD_IDEAS = "spaces/AAAAoldidea"  # erin alone


@dataclass
class Chat:
    """A running fake, however it was started: where it listens, its control client, and signed-in clients."""

    mode: str
    address: str
    control: ControlClient
    _clients: list[ChatClient] = field(default_factory=list)

    def client(self, token: str | None, **options: Any) -> ChatClient:
        options.setdefault("timeout", 10.0)
        options.setdefault("retry", FAST_RETRY)
        client = ChatClient.for_emulator(self.address, token=token, **options)
        self._clients.append(client)
        return client

    def user(self, email: str, *, scopes: str | None = None, app: str | None = None, **options: Any) -> ChatClient:
        """A client signed in as the user ``email`` (user authentication), optionally with only ``scopes``
        (comma-separated, short) or as credentials issued to the Chat app ``app`` (its id)."""
        token = f"user:{email}" + (f";scopes={scopes}" if scopes else "") + (f";app={app}" if app else "")
        return self.client(token, **options)

    def app(self, app_id: str, **options: Any) -> ChatClient:
        """A client signed in as the Chat app ``app_id`` (app authentication)."""
        return self.client(f"app:{app_id}", **options)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.control.close()


@contextmanager
def _in_process(workspace: Path) -> Iterator[str]:
    server = ChatServer(control=True)
    load_workspace(server.store, workspace)
    server.start()
    try:
        yield server.address
    finally:
        server.stop(grace=None)


@contextmanager
def _emulator(workspace: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_EMULATOR_")}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:  # a file: a chatty stderr never blocks it
        process = subprocess.Popen(
            [sys.executable, "-m", "chat_grpc.server", "--host", "127.0.0.1", "--port", "0", "--seed", str(workspace)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
        lines: queue.Queue[str] = queue.Queue()
        output: list[str] = []

        def read() -> None:  # one reader thread: the pipe never fills up, and startup can time out
            assert process.stdout is not None
            for line in process.stdout:
                output.append(line)
                lines.put(line)
            lines.put("")

        def errors() -> str:
            stderr.seek(0)
            return stderr.read()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            try:
                first = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                first = ""
            if not first.startswith(READY):
                process.kill()
                process.wait(timeout=10)
                pytest.fail(f"the emulator did not start: {first!r}\n{errors()}", pytrace=False)
            yield first.removeprefix(READY).split()[0]  # "HOST:PORT (gRPC) and http://... (REST)"
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # a clean shutdown, as a user's Ctrl-C or service stop
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        assert process.returncode == 0, f"the emulator exited with {process.returncode}: {errors()}"
        assert output[-1:] == ["chat-grpc emulator stopped\n"], output


@pytest.fixture(params=MODES)
def chat(request: pytest.FixtureRequest) -> Iterator[Chat]:
    workspace = HERE / getattr(request.module, "WORKSPACE", "workspace.yaml")
    start = _in_process if request.param == "in-process" else _emulator
    with start(workspace) as address:
        handle = Chat(request.param, address, ControlClient(address))
        try:
            yield handle
        finally:
            handle.close()
