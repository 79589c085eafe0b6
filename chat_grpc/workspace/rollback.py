"""Workspace files, building straight into an empty store: when the target store holds nothing yet, a load skips
the dry run (which builds the whole workspace once more, in a scratch store) and builds in the target itself; if
that build fails, the store is put back exactly as it was — empty, with its clock and id generator where they
stood — so a bad file still leaves it untouched.

A store is *pristine* when every part of it (its state and its books, walked attribute by attribute) holds what a
newly made ``ChatStore`` holds; its clock and id generator must be kinds whose position can be read and set again
(``SystemClock``, ``ManualClock``, ``ServerClock`` over those; ``IdGenerator``). Anything else (a store with
content, a state file's recording clock and ids) keeps the dry run."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from typing import Any

from chat_grpc.fake.clock import ManualClock, ServerClock, SystemClock
from chat_grpc.fake.ids import IdGenerator
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


def _clock_restore(clock: object) -> Restore | None:
    """A function that sets the clock back to where it is now; None for a clock of another kind."""
    if type(clock) is SystemClock:
        return lambda: None
    if type(clock) is ManualClock:
        manual, now = clock, clock._now
        return lambda: manual.set(now)
    if type(clock) is ServerClock:
        server, inner = clock, clock._clock
        restore_inner = _clock_restore(inner)
        if restore_inner is None:
            return None

        def restore() -> None:
            server._clock = inner
            restore_inner()

        return restore
    return None


def _ids_restore(ids: object) -> Restore | None:
    """A function that sets the id generator back to where it is now; None for a generator of another kind."""
    if type(ids) is not IdGenerator:
        return None
    generator, issued, stream = ids, set(ids._issued), ids._random
    if type(stream) is random.SystemRandom:  # nothing to put back: every draw is new
        state = None
    elif type(stream) is random.Random:
        state = stream.getstate()
    else:
        return None

    def restore() -> None:
        generator._issued = issued
        generator._random = stream
        if state is not None:
            stream.setstate(state)

    return restore


def empty_store_restore(store: ChatStore) -> Restore | None:
    """For a pristine store, a function that empties it again and sets its clock and ids back to where they
    are now (call it holding the store's lock, with no seeding clock or ids installed); None otherwise."""
    restore_clock, restore_ids = _clock_restore(store.clock), _ids_restore(store.ids)
    if restore_clock is None or restore_ids is None:
        return None
    if _fingerprint(store, set()) != _fingerprint(ChatStore(clock=store.clock, ids=store.ids), set()):
        return None

    def restore() -> None:
        lock, clock, ids = store._lock, store.clock, store.ids
        ChatStore.__init__(store, clock=clock, ids=ids)  # every book and index made anew, bound to this store
        store._lock = lock  # the lock the caller holds (the books read it through the store at each call)
        restore_clock()
        restore_ids()

    return restore
