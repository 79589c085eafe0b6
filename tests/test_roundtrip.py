"""Bytes and JSON made by our stubs mean the same to Google's own types, and the reverse.

Every message of google.chat.v1 and google.apps.card.v1 is filled with every field (one oneof member per
variant, until each member has been used) and sent through Google's types in the oracle virtualenv.
"""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil

import pytest
from google.protobuf import descriptor, json_format, message, unknown_fields

from tests.oracle import oracle
from tests.oracle.sample_messages import variants

PACKAGES = ("google.chat.v1", "google.apps.card.v1")


def all_descriptors() -> list[descriptor.Descriptor]:
    found: list[descriptor.Descriptor] = []

    def walk(desc: descriptor.Descriptor) -> None:
        if not desc.GetOptions().map_entry:
            found.append(desc)
            for nested in desc.nested_types:
                walk(nested)

    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            if info.name.endswith("_pb2"):
                pb2 = importlib.import_module(f"{package}.{info.name}")
                for desc in pb2.DESCRIPTOR.message_types_by_name.values():
                    walk(desc)
    return sorted(found, key=lambda d: d.full_name)


SAMPLES: list[message.Message] = [sample for desc in all_descriptors() for sample in variants(desc)]


def ask_oracle(requests: list[dict]) -> list[dict]:
    stdin = "".join(json.dumps(r) + "\n" for r in requests).encode()
    return [json.loads(line) for line in oracle.run("roundtrip.py", stdin=stdin).decode().splitlines()]


@pytest.fixture(scope="module")
def their_json() -> list[dict]:
    requests = [
        {"type": m.DESCRIPTOR.full_name, "wire": base64.b64encode(m.SerializeToString()).decode()} for m in SAMPLES
    ]
    return [answer["json"] for answer in ask_oracle(requests)]


def test_samples_cover_every_message_and_the_chat_message_in_full() -> None:
    names = {m.DESCRIPTOR.full_name for m in SAMPLES}
    assert len(names) == len(all_descriptors()) > 150
    chat_messages = [m for m in SAMPLES if m.DESCRIPTOR.full_name == "google.chat.v1.Message"]
    set_fields = {f.name for m in chat_messages for f, _ in m.ListFields()}
    assert {"cards_v2", "annotations", "attachment", "accessory_widgets", "thread", "space"} <= set_fields
    assert set_fields == {f.name for f in chat_messages[0].DESCRIPTOR.fields}


def test_our_bytes_parse_to_the_same_json_with_googles_types(their_json: list[dict]) -> None:
    mismatches = [
        m.DESCRIPTOR.full_name
        for m, theirs in zip(SAMPLES, their_json, strict=True)
        if json_format.MessageToDict(m) != theirs
    ]
    assert mismatches == []


def test_googles_bytes_parse_to_the_same_message_with_ours() -> None:
    requests = [{"type": m.DESCRIPTOR.full_name, "json": json_format.MessageToDict(m)} for m in SAMPLES]
    mismatches = []
    for m, answer in zip(SAMPLES, ask_oracle(requests), strict=True):
        ours = type(m).FromString(base64.b64decode(answer["wire"]))
        if ours != m or len(unknown_fields.UnknownFieldSet(ours)):
            mismatches.append(m.DESCRIPTOR.full_name)
    assert mismatches == []
