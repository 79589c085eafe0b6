"""Google's own ``google-apps-chat`` client against the emulator process, through a realistic flow.

The emulator runs as users run it (``python -m chat_grpc.server --demo --port 0``); the flow runs in the oracle
virtualenv (``tests/oracle/google_client_flow.py``: Google's ``ChatServiceClient`` and its asyncio twin over
plain gRPC, callers switched by ``authorization`` metadata) and prints what it did and checked. Any place where
Google's client and the fake disagree — a field, an enum, a pager, an error that api-core cannot decode — fails
the flow with the reason.
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

ROOT = Path(__file__).resolve().parents[1]
READY = "chat-grpc emulator listening on "


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """The demo emulator in its own process; yields its address, stops it with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chat_grpc.server", "--demo", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stream = process.stdout
    assert stream is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    address = None
    deadline = time.monotonic() + 30
    try:
        while address is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the emulator did not report its address within 30 s:\n{''.join(output)}")
            if line is None:
                pytest.fail(f"the emulator exited ({process.wait()}) before listening:\n{''.join(output)}")
            output.append(line)
            if line.startswith(READY):
                address = line[len(READY) :].split()[0]  # "HOST:PORT (gRPC) and http://... (REST)"
        yield address
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("the emulator did not stop within 15 s of SIGTERM")
    rest = []
    while (line := lines.get(timeout=5)) is not None:
        rest.append(line)
    assert code == 0, "".join(output + rest)
    assert "chat-grpc emulator stopped" in "".join(rest)


def test_google_client_flow(emulator: str) -> None:
    summary = json.loads(oracle.run("google_client_flow.py", emulator))

    assert {
        "CreateSpace", "GetSpace", "UpdateSpace", "DeleteSpace", "ListSpaces", "SearchSpaces",
        "FindDirectMessage", "GetMembership",
        "CreateMembership", "ListMemberships", "UpdateMembership", "DeleteMembership",
        "CreateMessage", "GetMessage", "ListMessages", "UpdateMessage", "DeleteMessage", "GetAttachment",
        "CreateReaction", "ListReactions", "DeleteReaction",
        "GetSpaceReadState", "UpdateSpaceReadState", "GetThreadReadState",
        "GetSpaceNotificationSetting", "UpdateSpaceNotificationSetting",
        "ListSpaceEvents", "GetSpaceEvent",
        "CreateMessagePin", "ListMessagePins", "DeleteMessagePin", "SearchMessages", "CreateSection",
        "MoveSectionItem", "ListSectionItems", "MarkAsDoNotDisturb", "UploadAttachment",
    } <= set(summary["rpcs"])  # fmt: skip
    assert summary["newer_api"] == {"pins": 1, "found": 1, "items": 1}

    # The client's pager walked ListMessages page by page (page_size 3), and its items across every page.
    pages = summary["messages"]["pages_of_3"]
    assert len(pages) >= 3 and all(0 < size <= 3 for size in pages)
    assert summary["messages"]["listed"] == summary["messages"]["posted"] == sum(pages)
    assert summary["asyncio"]["listed"] == summary["messages"]["posted"] + 2  # + the card and the private message
    assert summary["google_auth"]["listed"] == summary["messages"]["posted"] - 1  # the deleted one is not listed
    assert summary["reactions"] == {"listed": 3, "after_delete": 2}
    assert summary["attachment"] == {"name": "plan.pdf", "type": "application/pdf"}  # the app read the demo's file
    assert summary["space_events"]["by_type"]["membership.v1.created"] == 4

    # Our statuses arrive as api-core's exception types with the google.rpc details decoded.
    errors = {error["case"]: error for error in summary["errors"]}
    expected = {
        "GetSpace of a space the caller is not in": ("NotFound", "NOT_FOUND"),
        "CreateSpace with a taken display name": ("AlreadyExists", "DISPLAY_NAME_TAKEN"),
        "CreateMessage with a taken message_id": ("AlreadyExists", "MESSAGE_ID_TAKEN"),
        "CreateReaction twice": ("AlreadyExists", "REACTION_ALREADY_EXISTS"),
        "UpdateMessage of someone else's message": ("PermissionDenied", "NOT_THE_SENDER"),
        "DeleteMessage of a thread's first message with replies": ("FailedPrecondition", "MESSAGE_HAS_REPLIES"),
        "CreateMessage with too few scopes": ("PermissionDenied", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"),
        "ListMessages as a Chat app": ("PermissionDenied", "APP_AUTH_NOT_SUPPORTED"),
        "no credentials": ("Unauthenticated", "UNAUTHENTICATED"),
        "UploadAttachment over gRPC (bytes go through the media upload endpoint)": (
            "InvalidArgument",
            "INVALID_ARGUMENT",
        ),
    }
    for case, (exception, reason) in expected.items():
        assert (errors[case]["exception"], errors[case].get("reason")) == (exception, reason), errors[case]
    assert errors["ListMessages with a negative page_size"]["fields"] == ["page_size"]
    assert errors["CreateMessage with cards under user authentication"]["fields"] == ["message.cards_v2"]
    assert all(error.get("domain", "chat.googleapis.com") == "chat.googleapis.com" for error in errors.values())
