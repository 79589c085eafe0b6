"""Workspace files, seeding: the clock and id generator stacked on a store's while a workspace is made, the
scratch store of the dry run, and the garbage collector's rest."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES
from chat_grpc.fake.clock import ClockProxy, ManualClock
from chat_grpc.fake.ids import IdGenerator, IdGeneratorProxy
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore, User


class SeedClock(ClockProxy):
    """The store's clock, except while an item of the file is made on this thread: then it answers with that
    item's times, in the order the operation reads the clock, the last one repeating (None: the real time)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._local = threading.local()

    def now(self) -> datetime:
        times: list[datetime | None] | None = getattr(self._local, "times", None)
        if times:
            when = times[0] if len(times) == 1 else times.pop(0)
            if when is not None:
                return when
        return self.inner.now()

    @contextmanager
    def pinned(self, *times: datetime | None) -> Iterator[None]:
        self._local.times = list(times)
        try:
            yield
        finally:
            self._local.times = None


class SeedIds(IdGeneratorProxy):
    """Hands the ids the file gives to the operation that would draw one (and reserves them)."""

    def __init__(self, inner: IdGenerator) -> None:
        super().__init__(inner)
        self._local = threading.local()

    def _next(self, kind: str, n: int, make: Any) -> str:
        presets: list[tuple[str, int, str]] | None = getattr(self._local, "presets", None)
        if presets and presets[0][:2] == (kind, n):
            value = presets.pop(0)[2]
            if self.remembered(kind, n):
                self.inner.reserve(value)
            return value
        made: str = make()
        return made

    def draws_in_bulk(self) -> bool:
        return not getattr(self._local, "presets", None) and self.inner.draws_in_bulk()

    def opaque_ids(self, n: int, count: int) -> list[str]:
        if getattr(self._local, "presets", None):
            return super().opaque_ids(n, count)  # one by one, through the presets
        return self.inner.opaque_ids(n, count)  # nothing to hand out: drawn in bulk

    @contextmanager
    def preset(self, *entries: tuple[str, int, str | None]) -> Iterator[None]:
        self._local.presets = [(kind, n, value) for kind, n, value in entries if value is not None]
        try:
            yield
            if self._local.presets:
                raise RuntimeError(f"seeding: ids {self._local.presets} were not used; the store changed")
        finally:
            self._local.presets = None


def user_actor(user: User, app: App | None = None) -> Actor:
    return Actor(user, AuthKind.USER, USER_SCOPES, app=app)


def app_actor(app: App) -> Actor:
    return Actor(app, AuthKind.APP, APP_SCOPES, app=app)


def scratch_store(store: ChatStore) -> ChatStore:
    """A store holding copies of the target's people and custom emojis, for the dry run."""
    scratch = ChatStore(clock=ManualClock(store.clock.now()), ids=IdGenerator())
    users = store.users()
    for user in users:
        scratch.add_user(
            user.email,
            user.display_name,
            user_id=user.id,
            customer=user.customer,
            is_admin=user.is_admin,
            auto_accept=user.auto_accept,
        )
    for user in users:
        for blocked in user.blocked_user_ids:
            scratch.block(user.id, blocked)
    for app in store.apps():
        scratch.add_app(app.display_name, app_id=app.id, customer=app.customer)
    for group in store.groups():
        scratch.add_group(group.display_name, group.member_ids, group_id=group.id)
    ids = SeedIds(scratch.ids)
    scratch.ids = ids
    for emoji in store.custom_emojis.emojis():
        creator = scratch.principal(emoji.creator_id)
        if isinstance(creator, User):
            with ids.preset(("opaque", 16, emoji.uid)):
                scratch.custom_emojis.create(user_actor(creator), emoji.emoji_name, emoji.filename, emoji.file_content)
    for customer in {u.customer for u in users}:
        scratch.custom_emojis.set_enabled(customer, store.custom_emojis.enabled(customer))
    scratch.ids = ids.inner
    return scratch


@contextmanager
def seeding(store: ChatStore) -> Iterator[tuple[SeedClock, SeedIds]]:
    original_clock, original_ids = store.clock, store.ids
    clock, ids = SeedClock(original_clock), SeedIds(original_ids)
    store.clock, store.ids = clock, ids
    try:
        yield clock, ids
    finally:
        store.clock, store.ids = original_clock, original_ids


@contextmanager
def collector_resting() -> Iterator[None]:
    """The cyclic garbage collector rests while a workspace is checked and made: every plan, record and index
    it makes lives on, so each collection would walk them all again for nothing (a third of a large load).

    When it wakes, what was made goes to its oldest generation at once (``gc.freeze`` then ``gc.unfreeze``, which
    move lists of objects without walking them), instead of being walked by the young collection the next
    allocation would start (~0.5 s for a million messages) and by the middle one after it: records that live on
    are walked by full collections only, as if they had aged there. Not done while the process keeps objects
    frozen (``gc.freeze`` of its own, which the unfreeze would undo)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
