"""The REST door keeps each answer's JSON by the bytes of the message it renders (``render.answer_json``): a
kept answer is the one a fresh rendering writes, for every chat message type, both enum spellings and both
layouts, however the message changes between two renderings."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from google.chat.v1 import message_pb2, reaction_pb2, space_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from chat_grpc.doors.rest import render
from chat_grpc.fake import wire_bytes
from tests.rest.test_protojson import SEED, TYPES, random_messages

CHAT_TYPES = [d for d in TYPES if d.file.package == "google.chat.v1"]


def outcome(call: Callable[..., bytes], message: Message, **options: bool) -> tuple[str, str | bytes]:
    """The bytes a call wrote, or its error's type and words."""
    try:
        return "json", call(message, **options)
    except Exception as error:
        return type(error).__name__, str(error)


def fresh(message: object, *, enums_as_ints: bool, pretty: bool) -> bytes:
    as_dict = json_format.MessageToDict(message, use_integers_for_enums=enums_as_ints)  # type: ignore[arg-type]
    return render.dumps(as_dict, pretty=pretty)


@pytest.mark.parametrize("descriptor", CHAT_TYPES, ids=lambda d: d.full_name)
def test_a_kept_answer_is_the_fresh_one(descriptor: Descriptor) -> None:
    rng = random.Random(f"{SEED}{descriptor.full_name}")
    for message in random_messages(descriptor, rng, rounds=4):
        for ints in (False, True):
            for pretty in (True, False):
                expected = outcome(fresh, message, enums_as_ints=ints, pretty=pretty)
                for _ in range(2):  # rendered, then kept
                    assert outcome(render.answer_json, message, enums_as_ints=ints, pretty=pretty) == expected


def test_a_changed_message_is_answered_anew() -> None:
    space = space_pb2.Space(name="spaces/A", display_name="Before")
    before = render.answer_json(space, enums_as_ints=False, pretty=True)
    space.display_name = "After"
    space.space_type = space_pb2.Space.SpaceType.SPACE
    after = render.answer_json(space, enums_as_ints=False, pretty=True)
    assert b"Before" in before and b"After" in after and b'"SPACE"' in after
    assert render.answer_json(space, enums_as_ints=True, pretty=True) == fresh(space, enums_as_ints=True, pretty=True)


def test_the_same_bytes_of_two_types_are_two_answers() -> None:
    """Field 1 is a Space's ``name`` and a reaction Emoji's ``unicode``: equal bytes, different JSON."""
    space, emoji = space_pb2.Space(name="x"), reaction_pb2.Emoji(unicode="x")
    assert space.SerializeToString() == emoji.SerializeToString()
    assert render.answer_json(space, enums_as_ints=False, pretty=False) == b'{"name":"x"}'
    assert render.answer_json(emoji, enums_as_ints=False, pretty=False) == b'{"unicode":"x"}'


def test_the_kept_answers_have_a_ceiling() -> None:
    kept = render._ANSWERS
    for i in range(kept.max_entries + 10):
        render.answer_json(message_pb2.Message(name=f"spaces/A/messages/{i}"), enums_as_ints=False, pretty=False)
    assert len(kept) <= kept.max_entries and kept.size <= kept.max_bytes


PAGE_TYPES = [d for d in CHAT_TYPES if "next_page_token" in d.fields_by_name and d.name.endswith("Response")]


@pytest.mark.parametrize("descriptor", PAGE_TYPES, ids=lambda d: d.full_name)
def test_a_page_is_kept_by_the_bytes_it_was_made_from(descriptor: Descriptor) -> None:
    """A list page remembers the bytes it was parsed from (``wire_bytes.page``), which key its JSON: the same
    answer as a fresh rendering, whether the page was made from its entries or built field by field."""
    response_class = GetMessageClass(descriptor)
    field = next(f for f in descriptor.fields if f.name != "next_page_token")
    rng = random.Random(f"{SEED}page{descriptor.full_name}")
    for made in random_messages(descriptor, rng, rounds=4):
        message = response_class(next_page_token=made.next_page_token)  # what a list handler fills in
        getattr(message, field.name).extend(getattr(made, field.name))
        entries = []
        for item in getattr(message, field.name):
            one = response_class()
            getattr(one, field.name).append(item)
            entries.append(one.SerializeToString())
        page = wire_bytes.page(response_class, message.next_page_token, entries)
        assert page == message and wire_bytes.remembered(page) is not None
        for ints in (False, True):
            expected = outcome(fresh, message, enums_as_ints=ints, pretty=False)
            for answered in (page, message):  # by the page's bytes, then by the deterministic bytes of its equal
                assert outcome(render.answer_json, answered, enums_as_ints=ints, pretty=False) == expected
