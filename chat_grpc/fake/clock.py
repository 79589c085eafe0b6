"""Time for the fake service: the real clock, or a manual one that tests freeze and advance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

Restore = Callable[[], None]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def checkpoint(self) -> Restore | None:
        """A function that sets the clock back to where it is now (real time: nothing to set back); None for a
        subclass, which may hold state of its own (so for each clock below)."""
        return (lambda: None) if type(self) is SystemClock else None


class ManualClock:
    """A clock that moves only when told to; ``tick`` advances it a little on every reading, so that
    consecutive events get distinct, ordered timestamps (as they would in real life)."""

    def __init__(self, start: datetime | None = None, *, tick: timedelta = timedelta(microseconds=1)) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = self._now
            self._now += self._tick
            return current

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def checkpoint(self) -> Restore | None:
        """A function that sets the clock back to where it is now."""
        if type(self) is not ManualClock:
            return None
        with self._lock:
            now = self._now
        return lambda: self.set(now)


class ServerClock:
    """The clock a ``ChatServer`` gives its store (``chat.clock``): it reads the clock it wraps (real time by
    default) until ``freeze()``, which switches it to a ``ManualClock`` that moves only when told to.

    Wrapping a ``ManualClock`` means frozen from the start: ``advance``/``set`` then move that very clock,
    so a test holding it and a test using ``chat.clock`` agree."""

    def __init__(self, base: Clock | None = None) -> None:
        self._clock: Clock = base if base is not None else SystemClock()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock.now()

    @property
    def frozen(self) -> bool:
        return isinstance(self._clock, ManualClock)

    def freeze(self, at: datetime | None = None) -> ManualClock:
        """Stop real time: from now on the clock reads ``at`` (default: the current time) and moves only by
        ``advance``/``set``. Already frozen: moves to ``at`` if given. Returns the manual clock."""
        if at is not None and at.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware time")
        with self._lock:
            if isinstance(self._clock, ManualClock):
                if at is not None:
                    self._clock.set(at)
                return self._clock
            manual = ManualClock(at or self._clock.now())
            self._clock = manual
            return manual

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by ``delta`` (freezing the clock first if it runs); returns the new time."""
        if delta < timedelta(0):
            raise ValueError("the clock only advances; use set() to move it back")
        return self.freeze().advance(delta)

    def set(self, when: datetime) -> None:
        """Freeze the clock at ``when`` (any time, also in the past)."""
        self.freeze(at=when)

    def unfreeze(self) -> None:
        """Back to real time (which may be earlier than the frozen time was)."""
        with self._lock:
            self._clock = SystemClock()

    def checkpoint(self) -> Restore | None:
        """A function that sets the clock back to where it is now (the clock it wraps, and where that one
        stands); None when the wrapped clock cannot say (a clock of the caller's own)."""
        if type(self) is not ServerClock:
            return None
        inner = self._clock
        checkpoint = getattr(inner, "checkpoint", None)
        restore_inner = checkpoint() if checkpoint is not None else None
        if restore_inner is None:
            return None

        def restore() -> None:
            with self._lock:
                self._clock = inner
            restore_inner()

        return restore


class ClockProxy(ServerClock):
    """A clock stacked on another one (seeding pins times, the state file records and replays them). It is a
    ``ServerClock`` whose controls (freeze, advance, set, unfreeze) act on the clock below, so ``chat.clock``
    keeps working while a proxy is installed; subclasses override ``now``."""

    def __init__(self, inner: Clock) -> None:  # no super().__init__: the clock below holds the time
        self.inner: ServerClock = inner if isinstance(inner, ServerClock) else ServerClock(inner)

    def now(self) -> datetime:
        return self.inner.now()

    @property
    def frozen(self) -> bool:
        return self.inner.frozen

    def freeze(self, at: datetime | None = None) -> ManualClock:
        return self.inner.freeze(at)

    def advance(self, delta: timedelta) -> datetime:
        return self.inner.advance(delta)

    def set(self, when: datetime) -> None:
        self.inner.set(when)

    def unfreeze(self) -> None:
        self.inner.unfreeze()
