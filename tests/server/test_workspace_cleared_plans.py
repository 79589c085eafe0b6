"""The plan of a space whose messages the quick shape check cleared whole (``cleared_run``, which looks at them
no more than the shape pass left to look at) is the one ``plain_plan`` and the general pass make; the compact
plan of a plain message reads as, and is equal to, the ``MessagePlan`` the general pass makes of it."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from chat_grpc.fake.store import ChatStore
from chat_grpc.workspace import check as workspace_check
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace.plain import ShapeReadings, shape_cleared, without_cleared_messages
from chat_grpc.workspace.plan import MessagePlan, PlainMessagePlan
from chat_grpc.workspace.read import SeedError
from tests.server.test_workspace_fast_paths import _random_workspace


def _outcome(data: dict[str, object]) -> object:
    try:
        return workspace_load._check(ChatStore(), copy.deepcopy(data))
    except SeedError as error:
        return error.problems


@pytest.mark.parametrize("seed", range(12))
def test_cleared_spaces_plan_as_the_other_passes_do(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _random_workspace(seed)
    readings = ShapeReadings()
    without_cleared_messages(data, readings)
    spaces = data["spaces"]
    assert isinstance(spaces, list)
    whole = [s for s in spaces if s["messages"] and all(shape_cleared(m) for m in s["messages"])]
    assert whole and all(readings.cleared_whole(s["messages"]) for s in whole)  # the test sees the quick path
    assert not any(readings.cleared_whole(s["messages"]) for s in spaces if s not in whole)
    assert not readings.cleared_whole(copy.deepcopy(whole[0]["messages"]))  # the same list only, not an equal one
    quick = _outcome(data)
    monkeypatch.setattr(ShapeReadings, "cleared_whole", lambda self, messages: False)
    assert _outcome(data) == quick


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_a_compact_plan_reads_as_the_message_plan_it_stands_for(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _random_workspace(seed)  # odd seeds: a file with no problem
    quick = workspace_load._check(ChatStore(), copy.deepcopy(data))
    monkeypatch.setattr(workspace_check, "plain_plan", lambda *args: None)
    monkeypatch.setattr(workspace_load, "without_cleared_messages", lambda data, times=None: data)
    slow = workspace_load._check(ChatStore(), copy.deepcopy(data))
    compact = 0
    for quick_space, slow_space in zip(quick.spaces, slow.spaces, strict=True):
        for mine, theirs in zip(quick_space.messages, slow_space.messages, strict=True):
            assert type(theirs) is MessagePlan
            if type(mine) is not PlainMessagePlan:
                continue
            compact += 1
            assert mine == theirs and theirs == mine
            assert (mine != theirs, theirs != mine) == (False, False)
            assert mine.message_plan() == theirs and repr(mine) == repr(theirs)
            for field in dataclasses.fields(MessagePlan):
                value, expected = getattr(mine, field.name), getattr(theirs, field.name)
                assert (list(value) if isinstance(expected, list) else value) == expected, field.name
            other = dataclasses.replace(theirs, text=theirs.text + "!")
            assert mine != other and other != mine
            assert (mine == other, other == mine) == (False, False)
            with pytest.raises(TypeError):
                hash(mine)
    assert compact > 100


def _labelled(messages: list[dict[str, str]]) -> dict[str, object]:
    people = [{"email": "ann@example.com"}, {"email": "bob@example.com"}]
    sent = [{"sender": people[i % 2]["email"], "text": f"m{i}"} | m for i, m in enumerate(messages)]
    return {
        "users": people,
        "spaces": [{"display_name": "S", "members": [{"user": p["email"]} for p in people], "messages": sent}],
    }


@pytest.mark.parametrize(
    "labels",
    [
        [{}, {}, {"ref": "client-a", "client_id": "client-a"}],  # one message, the same label twice
        [{}, {}, {"client_id": "client-a"}, {"ref": "client-a"}],  # a ref another's client id
        [{}, {}, {"ref": "x"}, {"ref": "x"}, {"client_id": "client-b"}, {"client_id": "client-b"}],
        [{}, {}, {"ref": "x"}, {}, {"ref": "y", "client_id": "client-y"}, {"thread_key": "t"}, {"text": ""}],
    ],
)
def test_labels_in_a_cleared_space_are_checked_as_the_other_paths_check_them(
    labels: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _labelled(labels)
    quick = _outcome(data)
    monkeypatch.setattr(ShapeReadings, "cleared_whole", lambda self, messages: False)
    assert _outcome(data) == quick
    monkeypatch.setattr(workspace_check, "plain_plan", lambda *args: None)
    assert _outcome(data) == quick
