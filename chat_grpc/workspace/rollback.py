"""Workspace files, building straight into an empty store: when the target store holds nothing yet, a load skips
the dry run (which builds the whole workspace once more, in a scratch store) and builds in the target itself; if
that build fails, the store is put back exactly as it was — empty, with its clock and id generator where they
stood — so a bad file still leaves it untouched.

A store is *pristine* when every part of it (its state and its books, walked attribute by attribute) holds what a
newly made ``ChatStore`` holds; its clock and id generator must be able to set themselves back (their
``checkpoint``: ``SystemClock``, ``ManualClock``, ``ServerClock`` over those; ``IdGenerator``). Anything else (a
store with content, a state file's recording clock and ids, a clock of the caller's own) keeps the dry run."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from chat_grpc.fake.store import ChatStore

_STORE_MODULES = "chat_grpc.fake.store"
_CONTAINERS = (dict, list, set, frozenset, tuple, deque)
_PLAIN = (int, float, str, bytes, bool, type(None))

Restore = Callable[[], None]


def _fingerprint(obj: Any, seen: set[int]) -> Any:
    """What a store-owned object holds, for comparing with a new store's: containers by size, plain values as
    they are, the store's own objects (books, indexes, logs) walked; anything else (locks, the clock, the id
    generator, callables) by its type."""
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, _CONTAINERS):
        return (type(obj).__name__, len(obj))
    if not type(obj).__module__.startswith(_STORE_MODULES):
        return type(obj).__name__
    if id(obj) in seen:
        return "seen"
    seen.add(id(obj))
    return (type(obj).__name__, tuple((k, _fingerprint(v, seen)) for k, v in sorted(_attributes(obj).items())))


def _attributes(obj: object) -> dict[str, Any]:
    found = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(obj, name):
                found[name] = getattr(obj, name)
    return found


def empty_store_restore(store: ChatStore) -> Restore | None:
    """For a pristine store, a function that empties it again and sets its clock and ids back to where they
    are now (call it holding the store's lock, with no seeding clock or ids installed); None otherwise."""
    clock_checkpoint = getattr(store.clock, "checkpoint", None)
    restore_clock = clock_checkpoint() if clock_checkpoint is not None else None
    restore_ids = store.ids.checkpoint()
    if restore_clock is None or restore_ids is None:
        return None
    if _fingerprint(store, set()) != _fingerprint(ChatStore(clock=store.clock, ids=store.ids), set()):
        return None

    def restore() -> None:
        store.reset()
        restore_clock()
        restore_ids()

    return restore
