"""The space event log: every state change of a space, kept per space in time order, compactly.

A space can log millions of events, so an entry is three parallel slots (17 bytes): ``key`` packs the time in
microseconds with a per-space sequence number (it orders the log and *is* the event id, base-62 encoded, so no
id table is kept), ``code`` the event type and whether ``resource`` is a snapshot, and ``resource`` the record
the event is about (its ``name`` is read when the event is served) or, for deletions, a snapshot of it.
``Event`` objects are made only for the events a call returns.

Each event type also has its own sorted array of the keys of its events (8 more bytes an entry), the index that
ListSpaceEvents' filter needs: a page bisects the arrays of the wanted types to the time window and the cursor,
merges them, and finds each entry in the log by bisection, so it costs O(types · log n + page · log n) whatever
the mix of types — a type rare in the log costs no more than a common one, never a scan of the log.
"""

from __future__ import annotations

import heapq
import itertools
import string
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chat_grpc.fake.store.model import Event
from chat_grpc.fake.store.ordering import Steps

_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
_SEQ_BITS = 12  # events within one microsecond of one space: far more than ever happen (keys fit 64 bits)
_DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _micros(when: datetime) -> int:
    """Microseconds since the epoch, exactly (``int(timestamp() * 1e6)`` is one off for some times)."""
    return (when - _EPOCH) // _MICROSECOND


_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]  # the 3,844 two-digit numbers in base 62


def event_id(key: int) -> str:
    """A key (64 bits: less than 62**12) as 12 base-62 digits, two at a time."""
    key, f = divmod(key, 3844)
    key, e = divmod(key, 3844)
    key, d = divmod(key, 3844)
    key, c = divmod(key, 3844)
    a, b = divmod(key, 3844)
    return _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d] + _PAIRS[e] + _PAIRS[f]


def event_time(key: int) -> datetime:
    return _EPOCH + (key >> _SEQ_BITS) * _MICROSECOND


def event_key(event_id: str) -> int | None:
    key = 0
    for char in event_id:
        value = _DIGITS.find(char)
        if value < 0:
            return None
        key = key * 62 + value
    return key


Entry = tuple[int, str, object, bool]  # key, event type, resource (a record or a name) or snapshot, is a snapshot


def event(space_id: str, key: int, event_type: str, resource: object, snapshot: bool) -> Event:
    """The event of a log entry."""
    name = resource if isinstance(resource, str) else resource.name  # type: ignore[attr-defined]
    return Event(
        id=event_id(key),
        space_id=space_id,
        time=event_time(key),
        event_type=event_type,
        resource_name=name,
        snapshot=resource if snapshot else None,
    )


@dataclass
class _SpaceLog:
    keys: array[int] = field(default_factory=lambda: array("Q"))
    codes: bytearray = field(default_factory=bytearray)
    resources: list[object] = field(default_factory=list)
    by_type: dict[int, array[int]] = field(default_factory=dict)  # type code (code // 2) -> its keys, sorted
    next_seq: int = 0

    def insert(self, key: int, code: int, resource: object) -> None:
        i = len(self.keys)
        if i and key < self.keys[-1]:
            i = bisect_right(self.keys, key)  # a clock set back: keep time order
        self.keys.insert(i, key)
        self.codes.insert(i, code)
        self.resources.insert(i, resource)
        self.index(key, code)

    def index(self, key: int, code: int) -> None:
        """List an entry under its type: what any path that adds entries must call."""
        keys = self.by_type.get(code // 2)
        if keys is None:
            keys = self.by_type[code // 2] = array("Q")
        if not keys or keys[-1] < key:
            keys.append(key)
        else:
            keys.insert(bisect_right(keys, key), key)


class EventLog:
    def __init__(self, steps: Steps | None = None) -> None:
        self._steps = steps or Steps()  # log entries read by pages
        self._spaces: dict[str, _SpaceLog] = {}
        self._types: list[str] = []  # event type by code // 2
        self._codes: dict[str, int] = {}

    def append(self, space_id: str, when: datetime, event_type: str, resource: object, *, snapshot: bool) -> None:
        """Log an event about ``resource`` (a record with a ``name``, or a name) or a snapshot of a deleted one."""
        log = self._spaces.get(space_id)
        if log is None:  # not setdefault: that would build a log (three containers) on every call
            log = self._spaces[space_id] = _SpaceLog()
        log.next_seq = (log.next_seq + 1) % (1 << _SEQ_BITS)
        code = self._codes.get(event_type)
        if code is None:
            code = self._codes[event_type] = len(self._types)
            self._types.append(event_type)
        log.insert((_micros(when) << _SEQ_BITS) | log.next_seq, code * 2 + snapshot, resource)

    def append_many(self, space_id: str, event_type: str, micros: Sequence[int], resources: Sequence[object]) -> None:
        """Log one event of ``event_type`` about each of ``resources`` (records with a ``name``), the i-th at
        ``micros[i]`` (its time in microseconds since the epoch): the log ``append`` once each, in order, leaves
        — the same keys, entries and type index — extending the arrays at once when the keys come in order."""
        if not resources:
            return
        log = self._spaces.get(space_id)
        if log is None:
            log = self._spaces[space_id] = _SpaceLog()
        code = self._codes.get(event_type)
        if code is None:
            code = self._codes[event_type] = len(self._types)
            self._types.append(event_type)
        mask, seq = (1 << _SEQ_BITS) - 1, log.next_seq
        keys = [(when << _SEQ_BITS) | ((seq + i) & mask) for i, when in enumerate(micros, 1)]
        log.next_seq = (seq + len(keys)) & mask
        in_order = all(map(int.__le__, keys, itertools.islice(keys, 1, None)))
        at = bisect_right(log.keys, keys[0]) if in_order else 0
        if in_order and (at == len(log.keys) or log.keys[at] > keys[-1]):
            # Where append puts each one: all at ``at``, in order (after equal keys, as bisect_right does) —
            # at the end, or before the events of a later time (a seed of the past into a space made now).
            log.keys[at:at] = array("Q", keys)
            log.codes[at:at] = bytes((code * 2,)) * len(keys)
            log.resources[at:at] = resources
            typed = log.by_type.get(code)
            if typed is None:
                log.by_type[code] = array("Q", keys)
            else:  # its keys are some of the log's: none between the first and the last either
                typed_at = bisect_right(typed, keys[0])
                typed[typed_at:typed_at] = array("Q", keys)
            return
        for key, resource in zip(keys, resources, strict=True):
            log.insert(key, code * 2, resource)

    def _event(self, space_id: str, log: _SpaceLog, i: int) -> Event:
        code = log.codes[i]
        return event(space_id, log.keys[i], self._types[code // 2], log.resources[i], bool(code % 2))

    def drop_space(self, space_id: str) -> None:
        self._spaces.pop(space_id, None)

    def get(self, space_id: str, event_id_text: str) -> Event | None:
        log, key = self._spaces.get(space_id), event_key(event_id_text)
        if log is None or key is None:
            return None
        i = bisect_right(log.keys, key) - 1
        if i < 0 or log.keys[i] != key:
            return None
        return self._event(space_id, log, i)

    def page(
        self,
        space_id: str,
        event_types: frozenset[str],
        accept: Callable[[Event], bool],
        *,
        after: datetime,
        until: datetime,
        cursor: int | None,
        limit: int,
    ) -> tuple[list[Event], int | None]:
        """Events of ``event_types`` with ``after < time <= until`` that ``accept`` keeps, oldest first, resuming
        after ``cursor`` (an entry key); the next cursor or None."""
        page: list[Event] = []
        position: int | None = None
        for key, event_type, resource, snapshot in self.entries(
            space_id, event_types, after=after, until=until, cursor=cursor
        ):
            found = event(space_id, key, event_type, resource, snapshot)
            if not accept(found):
                continue
            if len(page) == limit:
                return page, position
            page.append(found)
            position = key
        return page, None

    def entries(
        self, space_id: str, event_types: frozenset[str], *, after: datetime, until: datetime, cursor: int | None
    ) -> Iterator[Entry]:
        """The entries of ``event_types`` with ``after < time <= until`` after ``cursor`` (an entry key), oldest
        first, as (key, event type, resource, whether it is a snapshot); ``event`` makes one an ``Event``. Only
        entries of the wanted types are read (from their types' indexes)."""
        log = self._spaces.get(space_id)
        if log is None:
            return
        low = max(0, ((_micros(after) + 1) << _SEQ_BITS) - 1)  # keys > low
        if cursor is not None:
            low = max(low, cursor)
        high = max(0, ((_micros(until) + 1) << _SEQ_BITS) - 1)  # keys <= high
        streams = [
            self._keys_between(keys, low, high)
            for t in sorted(event_types)
            if t in self._codes and (keys := log.by_type.get(self._codes[t])) is not None
        ]
        steps, keys, codes, resources, types = self._steps, log.keys, log.codes, log.resources, self._types
        for key in streams[0] if len(streams) == 1 else heapq.merge(*streams):
            steps.count += 1
            i = bisect_left(keys, key)
            code = codes[i]
            yield key, types[code >> 1], resources[i], code & 1 == 1

    @staticmethod
    def _keys_between(keys: array[int], low: int, high: int) -> Iterator[int]:
        """The keys ``low < key <= high`` of a sorted array, in order (indexed, not sliced: no copy)."""
        for i in range(bisect_right(keys, low), bisect_right(keys, high)):
            yield keys[i]

    def all(self, space_id: str | None = None) -> list[Event]:
        spaces = list(self._spaces) if space_id is None else [space_id] if space_id in self._spaces else []
        return [self._event(s, self._spaces[s], i) for s in spaces for i in range(len(self._spaces[s].keys))]
