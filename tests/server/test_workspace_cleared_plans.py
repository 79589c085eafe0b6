"""The plan of a space whose messages the quick shape check cleared whole (``cleared_plan``, which looks at them
no more than the shape pass left to look at) is the one ``plain_plan`` and the general pass make."""

from __future__ import annotations

import copy

import pytest

from chat_grpc.fake.store import ChatStore
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace.plain import ShapeReadings, shape_cleared, without_cleared_messages
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
