"""Google's ``google-apps-chat`` with ``transport="rest"`` against the emulator process's REST port.

The emulator runs as users run it (``python -m chat_grpc.server --demo --port 0 --rest-port 0``); the flow runs
in the oracle virtualenv (``tests/oracle/google_rest_flow.py``; Google's package is never installed in the
project's venv) with ``api_endpoint="http://127.0.0.1:PORT"`` and static google-auth credentials carrying
``user:`` tokens. Its REST transport asks for ``$alt=json;enum-encoding=int``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oracle import oracle

pytestmark = pytest.mark.oracle

ROOT = Path(__file__).resolve().parents[2]
READY = "chat-grpc emulator listening on "


@pytest.fixture(scope="module")
def rest_url() -> Iterator[str]:
    """The demo emulator in its own process; yields its REST URL, stops it with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chat_grpc.server", "--demo", "--port", "0", "--rest-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stream = process.stdout

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    url = None
    deadline = time.monotonic() + 30
    try:
        while url is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the emulator did not report its address within 30 s:\n{''.join(output)}")
            if line is None:
                pytest.fail(f"the emulator exited ({process.wait()}) before listening:\n{''.join(output)}")
            output.append(line)
            if line.startswith(READY):  # "HOST:PORT (gRPC) and http://HOST:PORT (REST)"
                words = line.split()
                url = next(word for word in words if word.startswith("http://"))
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_google_apps_chat_over_rest(rest_url: str) -> None:
    summary = json.loads(oracle.run("google_rest_flow.py", rest_url))
    assert {
        "CreateSpace", "GetSpace", "UpdateSpace", "DeleteSpace", "ListSpaces",
        "CreateMembership", "ListMemberships",
        "CreateMessage", "GetMessage", "ListMessages", "UpdateMessage", "DeleteMessage",
        "CreateReaction", "ListReactions", "DeleteReaction",
    } == set(summary["rpcs"])  # fmt: skip
    assert summary["messages"] == {"posted": 7, "listed": 7, "pages_of_3": [3, 3, 1]}  # the pager, page by page
    assert summary["reactions"] == {"listed": 3, "after_delete": 2}
    errors = {error["case"]: error for error in summary["errors"]}
    expected = {  # api-core over REST picks its exception class by HTTP status, as it does against Google
        "GetSpace of a missing space": ("NotFound", 404, "NOT_FOUND"),
        "CreateSpace with a taken display name": ("Conflict", 409, "DISPLAY_NAME_TAKEN"),
        "UpdateMessage of someone else's message": ("Forbidden", 403, "NOT_THE_SENDER"),
        "CreateReaction twice": ("Conflict", 409, "REACTION_ALREADY_EXISTS"),
        "ListMessages with a negative page_size": ("BadRequest", 400, "INVALID_ARGUMENT"),
        "unknown token": ("RefreshError", 401, None),  # google-auth tries to refresh static credentials on 401
        "GetSpace after DeleteSpace": ("NotFound", 404, "NOT_FOUND"),
    }
    assert {case: (e["exception"], e["http"], e.get("reason")) for case, e in errors.items()} == expected
    assert "page_size must not be negative" in errors["ListMessages with a negative page_size"]["message"]
