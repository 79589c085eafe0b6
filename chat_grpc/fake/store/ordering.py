"""Insertion order for paging: one mechanism for every collection listed page by page by sequence number
(memberships of a space, reactions of a message, custom emojis of a customer), and the same order split by an
attribute (``SecondaryIndex``) for the collections whose list calls filter on it.

The order is an append-only list of ``(seq, key)``; removals leave stale entries behind (a record whose key is
gone, or was re-added with a new ``seq``), skipped while paging and compacted away once they outnumber the live
ones. A page starting after a sequence number costs O(log n + skipped + returned), never a scan.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


V = TypeVar("V", bound=Sequenced)


class Steps:
    """How many stored entries the list calls visited: what a page costs, counted rather than timed, so a test
    can check that a filtered page of a big collection visits about as many entries as one of a small one."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class InsertionOrder:
    def __init__(self) -> None:
        self._order: list[tuple[int, str]] = []

    def append(self, seq: int, key: str) -> None:
        self._order.append((seq, key))

    def compact(self, live: Mapping[str, Sequenced]) -> None:
        """Call after removing from ``live``: drops the stale entries once they are the majority."""
        if len(self._order) > 64 and len(self._order) > 2 * len(live):
            self._order = sorted((value.seq, key) for key, value in live.items())

    def after(self, seq: int, live: Mapping[str, V], steps: Steps | None = None) -> Iterator[V]:
        """The live values added after sequence number ``seq``, oldest first (each entry read counted in
        ``steps``, stale ones too)."""
        order = self._order  # indexed, not sliced: a slice would copy the rest of a long order
        for i in range(bisect_right(order, (seq, "\uffff")), len(order)):
            if steps is not None:
                steps.count += 1
            entry_seq, key = order[i]
            value = live.get(key)
            if value is not None and value.seq == entry_seq:
                yield value


K = TypeVar("K", bound=Hashable)


class SecondaryIndex(Generic[K]):
    """Insertion order split by the value of one attribute (or a tuple of a few): for each value, the ``(seq, key)``
    of the records that have it, sorted. A filtered page merges the orders of the values the filter accepts,
    starting after a sequence number by bisection, so it costs O(values · log n + returned + stale), never a scan
    of the records that don't match.

    Entries go stale when a record is removed or its attribute changes; they are skipped (a live record is read
    through ``live`` and must still have the entry's ``seq`` and value) and compacted away once they outnumber the
    live records. Call ``add`` for every new record (any path that inserts: one RPC or a batch) and ``changed``
    whenever an indexed attribute of a record changes.
    """

    def __init__(self, value_of: Callable[[Any], K]) -> None:
        self._value_of = value_of
        self._orders: dict[K, list[tuple[int, str]]] = {}
        self._entries = 0

    def add(self, seq: int, key: str, value: K) -> None:
        """Index a record (appending: the usual case is the newest record; an older one is inserted in order)."""
        order = self._orders.setdefault(value, [])
        entry = (seq, key)
        if not order or order[-1] < entry:
            order.append(entry)
        else:
            i = bisect_left(order, entry)
            if i < len(order) and order[i] == entry:
                return  # a record back to a value it had: its old entry is valid again
            order.insert(i, entry)
        self._entries += 1

    def changed(self, record: Sequenced, key: str) -> None:
        """A record's indexed attribute changed: list it under its new value (the old entry goes stale)."""
        self.add(record.seq, key, self._value_of(record))

    def compact(self, live: Mapping[str, Sequenced]) -> None:
        """Call after removing from ``live`` or changing values: rebuilds once the stale entries are the majority."""
        if self._entries > 64 and self._entries > 2 * len(live):
            self._orders = {}
            for key, record in sorted(live.items(), key=lambda item: (item[1].seq, item[0])):
                self._orders.setdefault(self._value_of(record), []).append((record.seq, key))
            self._entries = len(live)

    def values(self) -> list[K]:
        """The values some record has (or had, until compaction)."""
        return list(self._orders)

    def after(self, seq: int, values: Iterable[K], live: Mapping[str, V], steps: Steps | None = None) -> Iterator[V]:
        """The live records with one of ``values``, added after sequence number ``seq``, oldest first."""
        streams = []
        for value in dict.fromkeys(values):
            order = self._orders.get(value)
            if order:
                streams.append(self._stream(order, bisect_right(order, (seq, "\uffff")), value))
        if not streams:
            return
        merged = streams[0] if len(streams) == 1 else heapq.merge(*streams)
        for entry_seq, key, value in merged:
            if steps is not None:
                steps.count += 1
            record = live.get(key)
            if record is not None and record.seq == entry_seq and self._value_of(record) == value:
                yield record

    @staticmethod
    def _stream(order: list[tuple[int, str]], start: int, value: K) -> Iterator[tuple[int, str, K]]:
        for i in range(start, len(order)):  # indexed, not sliced: a slice would copy the rest of the order
            entry_seq, key = order[i]
            yield entry_seq, key, value
