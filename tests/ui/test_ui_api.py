"""The web UI's own HTTP API (``chat_grpc.doors.ui``), on the REST port of an in-process server: what it shows, that
it is read-only unless the control service is on, and that nothing secret leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
import httpx
import pytest
from google.chat.v1 import chat_service_pb2_grpc, message_pb2

from chat_grpc.server import ChatServer, ManualClock
from chat_grpc.workspace.demo import demo_workspace
from chat_grpc.workspace.seed import Workspace, load_workspace

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def ui(chat: ChatServer) -> httpx.Client:
    return httpx.Client(base_url=chat.rest_url, timeout=10)


@pytest.fixture
def demo() -> Iterator[tuple[ChatServer, Workspace]]:
    with ChatServer(clock=ManualClock(NOW), seed=7) as chat:
        yield chat, load_workspace(chat.store, demo_workspace())


def test_the_page_and_its_assets_are_served_with_a_strict_policy(demo: tuple[ChatServer, Workspace]) -> None:
    chat, _ = demo
    with ui(chat) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<script src="/_emulator/static/app.js"' in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
            asset = client.get(f"/_emulator/static/{name}")
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        script = client.get("/_emulator/static/app.js").text
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script  # the DOM is built from text nodes
        assert client.get("/_emulator/static/../__init__.py").status_code == 404
        assert client.get("/_emulator/nothing").status_code == 404
        assert client.get("/v1/spaces").status_code == 401  # the REST door is untouched beside it


def test_the_overview_lists_spaces_members_and_roles(demo: tuple[ChatServer, Workspace]) -> None:
    chat, ws = demo
    with ui(chat) as client:
        overview = client.get("/_emulator/api/overview").json()
    assert overview["clock"] == {"now": "2026-01-05T09:30:00.000001Z", "frozen": True} or overview["clock"]["frozen"]
    assert overview["control"] is False
    spaces = {s["name"]: s for s in overview["spaces"]}
    assert set(spaces) == {s.name for s in ws.spaces.values()}
    falcon = spaces[ws.spaces["falcon"].name]
    assert (falcon["type"], falcon["displayName"], falcon["memberCount"]) == ("SPACE", "Project Falcon", 3)
    alice = ws.users["alice@example.com"].name
    roles = {m["member"]: (m["role"], m["state"]) for m in falcon["members"]}
    assert roles[alice] == ("ROLE_MANAGER", "JOINED")
    assert roles[ws.users["carol@example.com"].name] == ("ROLE_MEMBER", "INVITED")  # auto-accept off
    assert overview["people"][alice] == {"displayName": "Alice Admin", "email": "alice@example.com", "kind": "HUMAN"}
    assert overview["faults"] == {"fired": {}, "pending": []}


def test_messages_come_by_thread_as_the_api_renders_them(demo: tuple[ChatServer, Workspace]) -> None:
    chat, ws = demo
    space = ws.spaces["bot_lab"]
    with ui(chat) as client:
        shown = client.get(f"/_emulator/api/spaces/{space.id}/messages").json()
        assert client.get("/_emulator/api/spaces/nope/messages").status_code == 404
    assert shown["threaded"] is True and shown["total"] == shown["shown"] == 4
    first, deleted, card = shown["threads"]
    assert [m["text"] for m in first["messages"]][1].startswith("Looks right.")  # the reply sits in its thread
    reply = first["messages"][1]
    assert reply["lastUpdateTime"] == "2026-01-05T09:03:00Z"
    assert {r["reactionCount"] for r in reply["emojiReactionSummaries"]} == {1}
    assert deleted["messages"][0]["deletionMetadata"] == {"deletionType": "CREATOR"}
    assert "text" not in deleted["messages"][0]
    widgets = [next(iter(w)) for s in card["messages"][0]["cardsV2"][0]["card"]["sections"] for w in s["widgets"]]
    assert set(widgets) >= {
        "textParagraph", "decoratedText", "image", "divider", "buttonList", "chipList", "grid", "columns",
        "carousel", "textInput", "selectionInput", "dateTimePicker",
    }  # fmt: skip
    emoji = next(iter(shown["customEmojis"]))
    with ui(chat) as client:
        image = client.get(f"/_emulator/emoji/{emoji}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_the_journal_shows_calls_with_their_requests_and_no_secret(demo: tuple[ChatServer, Workspace]) -> None:
    chat, ws = demo
    alice = ws.users["alice@example.com"]
    token = chat.token_for(alice)
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        stub.CreateMessage(
            message_pb2.CreateMessageRequest(parent=ws.spaces["falcon"].name, message=message_pb2.Message(text="hi")),
            metadata=[("authorization", f"Bearer {token}")],
        )
    with ui(chat) as client:
        calls = client.get("/_emulator/api/overview").json()["journal"]
        assert calls["total"] == 1
        row = calls["calls"][0]
        assert (row["method"], row["face"], row["code"]) == ("CreateMessage", "grpc", "OK")
        assert row["principal"] == alice.name
        detail = client.get(f"/_emulator/api/calls/{row['seq']}")
        assert client.get("/_emulator/api/calls/999").status_code == 404
    assert detail.json()["request"]["message"] == {"text": "hi"}
    response = detail.json()["response"]  # what the call answered: the created message
    assert response["text"] == "hi" and response["name"].startswith(ws.spaces["falcon"].name + "/messages/")
    assert ["authorization", "Bearer <redacted>"] in detail.json()["metadata"]
    assert token not in detail.text


def test_the_ui_is_read_only_without_the_control_service(demo: tuple[ChatServer, Workspace]) -> None:
    chat, _ = demo
    before = chat.clock.now()
    with ui(chat) as client:
        refused = client.post("/_emulator/api/control/AdvanceClock", json={"seconds": 60})
        assert refused.status_code == 403 and "read-only" in refused.json()["error"]["message"]
        assert client.post("/", json={}).status_code == 405
        assert client.delete("/_emulator/api/overview").status_code == 405
    assert chat.clock.now() - before < (datetime(2026, 1, 1, 0, 1) - datetime(2026, 1, 1))


def test_with_the_control_service_the_ui_advances_the_clock_by_its_rules() -> None:
    with ChatServer(clock=ManualClock(NOW), control=True) as chat, ui(chat) as client:
        moved = client.post("/_emulator/api/control/AdvanceClock", json={"seconds": 3600})
        assert moved.status_code == 200 and moved.json()["now"].startswith("2026-01-05T10:30:00")
        assert client.post("/_emulator/api/control/AdvanceClock", json={"seconds": -1}).status_code == 400
        assert client.post("/_emulator/api/control/ClearFaults", json={}).status_code == 404  # not the UI's
        form = client.post("/_emulator/api/control/AdvanceClock", data={"seconds": "60"})
        assert form.status_code == 415  # a cross-site form cannot post JSON
        cross = client.post(
            "/_emulator/api/control/AdvanceClock", json={"seconds": 60}, headers={"origin": "http://evil.example"}
        )
        assert cross.status_code == 403
        assert chat.clock.now().isoformat().startswith("2026-01-05T10:30:00")


def test_the_emulator_serves_the_ui_on_its_rest_port() -> None:
    with ChatServer() as chat:
        assert chat.ui_url == chat.rest_url + "/"
        page = httpx.get(chat.ui_url, timeout=10)
        assert page.status_code == 200 and "chat-grpc emulator" in page.text
