"""The two ways a workspace file is built: with a dry run in a scratch store first (a store that holds something),
and straight into an empty store, emptied again if the build fails (chat_grpc.workspace.rollback). Both give
the same store — the same state, clock and id generator — after a success and after a failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chat_grpc.fake.clock import ManualClock, ServerClock
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store import ChatStore
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace.rollback import _fingerprint, empty_store_restore
from chat_grpc.workspace.seed import SeedError, export_workspace, load_workspace
from tests.server.seed_helpers import observe, random_workspace

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def dry_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the dry runs; ``forced`` in it makes every load take one (the path a non-empty store takes)."""
    runs: list[int] = []
    dry_run = workspace_load._dry_run

    def counted(store: ChatStore, plan: Any) -> None:
        runs.append(1)
        dry_run(store, plan)

    monkeypatch.setattr(workspace_load, "_dry_run", counted)
    yield runs


def _force_dry_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_load, "empty_store_restore", lambda store: None)


def _store(seed: int = 7, *, server_clock: bool = False) -> tuple[ChatStore, ManualClock]:
    clock = ManualClock(NOW)
    return ChatStore(clock=ServerClock(clock) if server_clock else clock, ids=IdGenerator(seed)), clock


def _after(store: ChatStore) -> tuple[Any, ...]:
    """What a store shows, and what its clock and id generator give next."""
    return (
        observe(store),
        export_workspace(store),
        store.clock.now(),
        store.ids.space_id(),
        store.ids.numeric_id(),
        store.ids.opaque_id(16),
        store.ids.opaque_id(11),
    )


def _messages(count: int, start: datetime) -> list[dict[str, Any]]:
    return [
        {"sender": "ann@example.com" if i % 2 else "bob@example.com", "text": f"message {i}"}
        | ({"create_time": (start + timedelta(minutes=i)).isoformat()} if i % 3 else {})
        for i in range(count)
    ]


def _failing_late() -> dict[str, Any]:
    """A file whose build fails after its messages are made: a store rule found at the end of the second space."""
    return {
        "users": [{"email": "ann@example.com"}, {"email": "bob@example.com"}],
        "spaces": [
            {
                "display_name": "Team",
                "members": [{"user": "ann@example.com"}, {"user": "bob@example.com"}],
                "messages": _messages(60, NOW - timedelta(days=3)),
            },
            {
                "type": "DIRECT_MESSAGE",
                "members": [
                    {"user": "ann@example.com"},
                    {"user": "bob@example.com", "notification_setting": "FOR_YOU"},
                ],
                "messages": _messages(5, NOW - timedelta(days=2)),
            },
        ],
    }


def _good() -> dict[str, Any]:
    data = _failing_late()
    del data["spaces"][1]["members"][1]["notification_setting"]
    return data


def test_an_empty_store_is_built_without_a_dry_run(dry_runs: list[int]) -> None:
    store, _ = _store()
    load_workspace(store, _good())
    assert dry_runs == []
    load_workspace(store, {"users": [{"email": "cy@example.com"}]})  # no longer empty
    assert dry_runs == [1]


@pytest.mark.parametrize("server_clock", [False, True])
def test_a_failed_build_leaves_an_empty_store_exactly_empty(
    monkeypatch: pytest.MonkeyPatch, dry_runs: list[int], server_clock: bool
) -> None:
    direct, _ = _store(server_clock=server_clock)
    with pytest.raises(SeedError) as direct_error:
        load_workspace(direct, _failing_late())
    assert dry_runs == []
    assert _fingerprint(direct, set()) == _fingerprint(ChatStore(clock=direct.clock, ids=direct.ids), set())
    assert empty_store_restore(direct) is not None  # still pristine: the next load builds straight in again
    _force_dry_run(monkeypatch)
    checked, _ = _store(server_clock=server_clock)
    with pytest.raises(SeedError) as checked_error:
        load_workspace(checked, _failing_late())
    assert dry_runs == [1]
    assert direct_error.value.problems == checked_error.value.problems
    assert direct_error.value.problems[0].startswith("spaces[1].members[1]: INVALID_ARGUMENT")
    assert _after(direct) == _after(checked)
    # and the store works as a new one: a good file then loads to the same state
    load_workspace(direct, _good())
    load_workspace(checked, _good())
    assert _after(direct) == _after(checked)


def test_a_failed_load_leaves_a_store_with_content_unchanged(dry_runs: list[int]) -> None:
    store, _ = _store()
    store.add_user("zoe@example.com")
    before = observe(store), export_workspace(store)
    with pytest.raises(SeedError):
        load_workspace(store, _failing_late())
    assert dry_runs == [1]
    assert (observe(store), export_workspace(store)) == before


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_paths_build_the_same_store(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Randomized workspaces (every kind of item) exported, then loaded straight in and through a dry run."""
    source, clock = _store(seed)
    random_workspace(source, clock, seed=seed)
    exported = json.loads(json.dumps(export_workspace(source)))
    direct, _ = _store(seed + 100)
    load_workspace(direct, exported)
    _force_dry_run(monkeypatch)
    checked, _ = _store(seed + 100)
    load_workspace(checked, exported)
    assert _after(direct) == _after(checked)


def test_unknown_ids_keep_the_dry_run() -> None:
    store, _ = _store()
    assert empty_store_restore(store) is not None
    store.ids = type("Ids", (IdGenerator,), {})()
    assert empty_store_restore(store) is None
