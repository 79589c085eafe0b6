"""One serialization per list page a call answers (``chat_grpc.fake.wire_bytes``): a page keeps the bytes it
was parsed from, for the journal and the wire. Shared bytes must never be stale: they go only with the object they
were made for, and the door lets them go when it sends them."""

from __future__ import annotations

import random
from typing import Any

import pytest
from google.chat.v1 import (
    membership_pb2,
    message_pb2,
    reaction_pb2,
    space_event_pb2,
    space_pb2,
)
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from chat_grpc.fake import wire_bytes
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace

# ------------------------------------------------------------------ the slot


def _page(token: str = "next") -> message_pb2.ListMessagesResponse:
    entry = message_pb2.ListMessagesResponse(messages=[message_pb2.Message(name="spaces/S/messages/M")])
    return wire_bytes.page(message_pb2.ListMessagesResponse, token, [entry.SerializeToString()])


def test_any_other_message_is_serialized_each_time_it_is_asked() -> None:
    space = space_pb2.Space(name="spaces/A", display_name="One")
    assert wire_bytes.kept(space) == space.SerializeToString()
    space.display_name = "Two"  # a caller's message may change between calls: nothing of it was kept
    assert wire_bytes.taken(space) == space.SerializeToString()
    assert space_pb2.Space.FromString(wire_bytes.kept(space)).display_name == "Two"


def test_a_pages_bytes_are_read_until_taken() -> None:
    page = _page()
    first = wire_bytes.kept(page)
    assert wire_bytes.kept(page) is first and wire_bytes.taken(page) is first  # the bytes it was made from
    assert message_pb2.ListMessagesResponse.FromString(first) == page
    again = wire_bytes.taken(page)
    assert again is not first and again == page.SerializeToString()  # let go: serialized now


def test_bytes_go_with_the_very_object_only() -> None:
    page = _page()
    twin = message_pb2.ListMessagesResponse()
    twin.CopyFrom(page)
    assert wire_bytes.kept(twin) == twin.SerializeToString()
    later = _page("other")  # the latest page takes the slot
    assert wire_bytes.taken(page) == page.SerializeToString()
    assert wire_bytes.taken(later) != later.SerializeToString()  # its own bytes: the token comes first
    assert message_pb2.ListMessagesResponse.FromString(wire_bytes.kept(later)) == later


# ------------------------------------------------------------------ pages made from their entries' bytes


def _entries(field: FieldDescriptor, rng: random.Random) -> list[Message]:
    """Up to 5 varied items of a page's repeated field."""
    item_class = GetMessageClass(field.message_type)
    made: list[Message] = []
    for i in range(rng.randrange(0, 6)):
        text = "é" * rng.randrange(0, 300)
        fields: dict[str, Any] = {}
        for name, value in (("name", f"spaces/S/things/{i}"), ("text", text), ("event_type", "google.workspace.x")):
            if name in field.message_type.fields_by_name:
                fields[name] = value
        if "message" in field.message_type.fields_by_name:  # a search result holds its message
            fields["message"] = message_pb2.Message(name=f"spaces/S/messages/{i}.{i}", text=text)
        made.append(item_class(**fields))
    return made


PAGES = [
    message_pb2.ListMessagesResponse,
    message_pb2.SearchMessagesResponse,
    membership_pb2.ListMembershipsResponse,
    reaction_pb2.ListReactionsResponse,
    space_event_pb2.ListSpaceEventsResponse,
]


@pytest.mark.parametrize("kind", PAGES, ids=lambda k: k.__name__)
def test_a_page_from_its_entries_equals_the_page_built_field_by_field(kind: type[Message]) -> None:
    rng = random.Random(kind.__name__)
    field = next(f for f in kind.DESCRIPTOR.fields if f.name != "next_page_token")
    for _ in range(40):
        items = _entries(field, rng)
        token = rng.choice(["", "tok", "t" * 300])
        expected: Any = kind(next_page_token=token)
        getattr(expected, field.name).extend(items)
        # each entry as the store hands it over: the encoded repeated field of one item
        entries = []
        for item in items:
            one: Any = kind()
            getattr(one, field.name).append(item)
            entries.append(one.SerializeToString())
        page = wire_bytes.page(kind, token, entries)
        assert page == expected
        data = wire_bytes.kept(page)
        assert kind.FromString(data) == expected  # the remembered bytes say the same
        assert wire_bytes.taken(page) is data and wire_bytes.kept(page) == page.SerializeToString()


# ------------------------------------------------------------------ through a real server


@pytest.fixture
def fresh_serializations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = wire_bytes._fresh

    def counted(message: Message) -> bytes:
        made.append(message.DESCRIPTOR.name)
        return original(message)

    monkeypatch.setattr(wire_bytes, "_fresh", counted)
    return made


def test_an_answer_that_is_not_a_page_is_serialized_for_the_journal_and_the_wire(
    chat: ChatServer, ws: Workspace, call: Caller, team: space_pb2.Space, fresh_serializations: list[str]
) -> None:
    got = call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.bob)
    assert fresh_serializations == ["Space", "Space"]  # a few hundred bytes: cheaper to make twice than to keep
    recorded = chat.journal.last("GetSpace")
    assert recorded.request == space_pb2.GetSpaceRequest(name=team.name) and recorded.response == got


def test_a_page_is_never_serialized_again(
    chat: ChatServer, ws: Workspace, call: Caller, team: space_pb2.Space, fresh_serializations: list[str]
) -> None:
    for text in ("one", "two", "three"):
        call("CreateMessage", message_pb2.CreateMessageRequest(parent=team.name, message={"text": text}), as_=ws.bob)
    fresh_serializations.clear()
    request = message_pb2.ListMessagesRequest(parent=team.name, page_size=2)
    first = call("ListMessages", request, as_=ws.bob)
    assert [m.text for m in first.messages] == ["one", "two"] and first.next_page_token
    assert fresh_serializations == []
    assert wire_bytes._last[0] is None  # the door took the page's bytes to send them (the journal only read them)
    assert chat.journal.last("ListMessages").response == first
    second = call(
        "ListMessages",
        message_pb2.ListMessagesRequest(**{**_fields(request), "page_token": first.next_page_token}),
        as_=ws.bob,
    )
    assert [m.text for m in second.messages] == ["three"] and not second.next_page_token


def _fields(message: Message) -> dict[str, Any]:
    return {f.name: v for f, v in message.ListFields()}
