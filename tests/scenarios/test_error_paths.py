"""When things go wrong: bad or missing tokens, too narrow scopes, the wrong kind of authentication, invalid
requests, spaces one cannot see, and an unreliable service — outages and quota errors injected through the
control service, retried (or not) by the client, and every attempt visible in the journal."""

from __future__ import annotations

import time

import pytest

from chat_grpc import (
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from tests.scenarios.conftest import BOT, GENERAL, OLD_IDEAS, Chat


def test_callers_that_are_refused(chat: Chat) -> None:
    with pytest.raises(Unauthenticated):
        chat.client(None).list_spaces()  # no token
    with pytest.raises(Unauthenticated):
        chat.user("zed@example.com").list_spaces()  # nobody in this workspace
    with pytest.raises(Unauthenticated):
        chat.client("not-a-token").list_spaces()

    reader = chat.user("bob@example.com", scopes="chat.spaces.readonly")
    assert [s.name for s in reader.list_spaces()] == [GENERAL]
    with pytest.raises(PermissionDenied) as narrow:
        reader.create_message(parent=GENERAL, message={"text": "hi"})
    assert narrow.value.reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert "https://www.googleapis.com/auth/chat.messages" in narrow.value.message

    with pytest.raises(PermissionDenied) as apps_cannot:
        chat.app(BOT).list_messages(parent=GENERAL)  # ListMessages takes user authentication only
    assert apps_cannot.value.reason == "APP_AUTH_NOT_SUPPORTED"

    bob = chat.user("bob@example.com")
    with pytest.raises(InvalidArgument) as invalid:
        bob.create_space(space={"space_type": "SPACE"})
    assert [v.field for v in invalid.value.field_violations] == ["space.display_name"]
    with pytest.raises(InvalidArgument):
        bob.list_messages(parent=GENERAL, filter='text = "hi"')
    with pytest.raises(NotFound):  # a space bob is not in does not exist for him
        bob.get_space(name=OLD_IDEAS)
    with pytest.raises(NotFound):
        bob.get_message(name=f"{GENERAL}/messages/nosuch.nosuch")


def test_an_unreliable_service(chat: Chat) -> None:
    bob = chat.user("bob@example.com")
    control = chat.control
    control.clear_journal()

    # Two outages: the client retries CreateMessage (it carries a request_id) and posts exactly once.
    control.add_fault("CreateMessage", code="UNAVAILABLE", times=2)
    posted = bob.create_message(parent=GENERAL, message={"text": "Deploying now"})
    calls = control.calls("CreateMessage")
    assert [(c["code"], c["fault"]) for c in calls] == [
        ("UNAVAILABLE", "fail UNAVAILABLE"),
        ("UNAVAILABLE", "fail UNAVAILABLE"),
        ("OK", None),
    ]
    assert len({c["request"]["requestId"] for c in calls}) == 1  # the same request each time
    assert [m.text for m in bob.list_messages(parent=GENERAL)][-1] == posted.text == "Deploying now"
    report = control.fault_report()
    assert len(report["fired"]["CreateMessage"]) == 2 and report["pending"] == []

    # CreateMembership is never retried: one outage reaches the caller.
    control.add_fault("CreateMembership", code="UNAVAILABLE")
    with pytest.raises(Unavailable) as outage:
        chat.user("alice@example.com").create_membership(
            parent=GENERAL, membership={"member": {"name": "users/carol@example.com"}}
        )
    assert outage.value.reason == "INJECTED_FAULT"
    assert [c["code"] for c in control.calls("CreateMembership")] == ["UNAVAILABLE"]

    # A quota error with RetryInfo: without retries the caller sees the delay; with them the call waits it out.
    control.add_fault("ListSpaces", code="RESOURCE_EXHAUSTED", retry_delay=0.2)
    with pytest.raises(ResourceExhausted) as quota:
        bob.list_spaces(retry=None)
    assert quota.value.retry_delay == pytest.approx(0.2)
    control.add_fault("ListSpaces", code="RESOURCE_EXHAUSTED", retry_delay=0.2)
    started = time.monotonic()
    assert [s.name for s in bob.list_spaces()] == [GENERAL]
    assert time.monotonic() - started >= 0.2

    # A slow answer past the caller's deadline: the call is abandoned, and the journal says so.
    control.add_fault("GetSpace", delay=5)
    with pytest.raises(DeadlineExceeded):
        bob.get_space(name=GENERAL, timeout=0.3, retry=None)
    deadline = time.monotonic() + 5
    while not control.calls("GetSpace") and time.monotonic() < deadline:
        time.sleep(0.02)  # recorded when the server gives up waiting, just after the caller did
    assert [c["code"] for c in control.calls("GetSpace")] == ["DEADLINE_EXCEEDED"]
    assert bob.get_space(name=GENERAL).display_name == "General"  # the fault was used up

    # Nothing left armed: every fault fired as planned.
    assert control.fault_report()["pending"] == []
    assert control.clear_faults() == 0
