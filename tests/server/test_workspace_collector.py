"""``collector_resting`` (workspace loads and exports): the cyclic garbage collector rests during the work and wakes
as it was; what the work made goes to the oldest generation without a walk, unless the process keeps frozen
objects of its own, which stay frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from chat_grpc.server import ChatStore
from chat_grpc.workspace.seed import load_workspace
from chat_grpc.workspace.seeding import collector_resting


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()  # what a test froze
        (gc.enable if enabled else gc.disable)()


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_it_rests_and_wakes_with_what_it_made_in_the_oldest_generation(collector: None) -> None:
    with collector_resting():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 50 and gc.get_freeze_count() == 0
    assert _in_generation(made, 2) and _in_generation(made[500], 2)
    assert not _in_generation(made, 0)


def test_a_process_that_keeps_objects_frozen_keeps_them(collector: None) -> None:
    frozen = [[1], [2]]
    gc.freeze()
    count = gc.get_freeze_count()
    with collector_resting():
        made = [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() == count  # not unfrozen by the load
    assert not any(o is frozen for o in gc.get_objects())  # the permanent generation is not walked
    assert made


def test_a_collector_the_caller_stopped_stays_stopped(collector: None) -> None:
    gc.disable()
    with collector_resting():
        made = [[i] for i in range(10)]
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    assert made


def test_a_load_leaves_the_collector_as_it_found_it(collector: None) -> None:
    workspace = {
        "users": [{"email": "ann@example.com"}],
        "spaces": [{"display_name": "S", "members": [{"user": "ann@example.com"}]}],
    }
    load_workspace(ChatStore(), workspace)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    load_workspace(ChatStore(), workspace)
    assert not gc.isenabled()
