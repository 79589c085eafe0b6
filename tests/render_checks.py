"""A check of the codec's rendering caches, on in every test (tests/conftest.py): each rendering the caches
serve is compared with a fresh one of the same record, so any test that changes a message and reads it back
also checks that the change reached the cache (message_records.changed)."""

from __future__ import annotations

from typing import Any

import pytest
from google.chat.v1 import message_pb2

from chat_grpc.fake import codec
from chat_grpc.fake.store.events import event
from chat_grpc.fake.store.model import Membership


def _fresh_message(message: Any) -> bytes:
    return codec.framed(codec.message_to_proto(message).SerializeToString())


def _fresh_event(space_id: str, key: int, event_type: str, payload: object | None, **options: Any) -> bytes:
    rendered = codec.space_event_to_proto(event(space_id, key, event_type, "", False), payload, **options)
    return codec.framed(rendered.SerializeToString())


def _same(got: bytes, fresh: bytes) -> bool:
    # Every rendering is field 1 of its container: equal bytes, or equal once parsed (any message whose field 1
    # is a message parses them; unknown fields compare too).
    as_list = message_pb2.ListMessagesResponse.FromString
    return got == fresh or as_list(got) == as_list(fresh)


def install(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap the cached renderers; returns the list the mismatches are reported in (also raised)."""
    mismatches: list[str] = []
    message_field, space_event_field, record_field = codec.message_field, codec.space_event_field, codec.record_field

    def checked_message(message: Any) -> bytes:
        got = message_field(message)
        if not _same(got, _fresh_message(message)):
            mismatches.append(f"stale rendering of {message.name} (stamp {message.version})")
            raise AssertionError(mismatches[-1])
        return got

    def checked_event(space_id: str, key: int, event_type: str, payload: object | None, **options: Any) -> bytes:
        got = space_event_field(space_id, key, event_type, payload, **options)
        if not _same(got, _fresh_event(space_id, key, event_type, payload, **options)):
            mismatches.append(f"stale rendering of event {key} of spaces/{space_id} ({event_type})")
            raise AssertionError(mismatches[-1])
        return got

    def checked_record(record: Any) -> bytes:
        got = record_field(record)
        if isinstance(record, Membership):
            fresh = codec.membership_to_proto(record).SerializeToString()
        else:
            fresh = codec.reaction_to_proto(record).SerializeToString()
        if not _same(got, codec.framed(fresh)):
            mismatches.append(f"stale rendering of {record.name}")
            raise AssertionError(mismatches[-1])
        return got

    space_field = codec.space_field

    def checked_space(space: Any, **options: Any) -> bytes:
        got = space_field(space, **options)
        fresh = codec._render_space(
            space,
            options.get("member_counts"),
            options.get("with_permission_settings", True),
            options.get("with_access_settings", True),
        )
        if not _same(got, codec.framed(fresh.SerializeToString())):
            mismatches.append(f"stale rendering of {space.name}")
            raise AssertionError(mismatches[-1])
        return got

    monkeypatch.setattr(codec, "message_field", checked_message)
    monkeypatch.setattr(codec, "space_field", checked_space)
    monkeypatch.setattr(codec, "record_field", checked_record)
    monkeypatch.setattr(codec, "space_event_field", checked_event)
    return mismatches
