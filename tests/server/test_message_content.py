"""``MessageContent.plain``, the bulk paths' cheap construction, makes the value the constructor makes: equal,
with the same hash and fields, as frozen, and ``dataclasses.replace`` works on it."""

from __future__ import annotations

import dataclasses
import random

import pytest

from chat_grpc.fake.store.message_records import MessageContent


def _varied(rng: random.Random) -> tuple[str, str, tuple[tuple[str, bytes], ...], tuple[bytes, ...]]:
    text = rng.choice(["", "hello", "<users/123> hi", "ünïcödé 😀", "x" * rng.randint(0, 300)])
    fallback = rng.choice(["", "fb", "a longer fallback text"])
    cards = tuple((f"card{i}", bytes([i, 1, 2])) for i in range(rng.randint(0, 2)))
    widgets = tuple(bytes([i]) * i for i in range(rng.randint(0, 2)))
    return text, fallback, cards, widgets


def test_plain_content_is_the_constructors_value() -> None:
    rng = random.Random(7)
    for _ in range(500):
        text, fallback, cards, widgets = _varied(rng)
        made = MessageContent(text, fallback, cards, widgets)
        quick = MessageContent.plain(text, fallback, cards, widgets)
        assert quick == made and made == quick and hash(quick) == hash(made) and repr(quick) == repr(made)
        assert type(quick) is MessageContent
        assert dataclasses.astuple(quick) == dataclasses.astuple(made)
        assert all(getattr(quick, f.name) is getattr(made, f.name) for f in dataclasses.fields(made))
    assert MessageContent.plain("only text") == MessageContent(text="only text")


def test_plain_content_is_frozen_and_replaceable() -> None:
    quick = MessageContent.plain("hi", "fb")
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del quick.fallback_text  # type: ignore[misc]
    replaced = dataclasses.replace(quick, text="bye", attachment_tokens=("tok",))
    assert replaced == MessageContent("bye", "fb", attachment_tokens=("tok",))
    assert quick == MessageContent("hi", "fb")  # unchanged
