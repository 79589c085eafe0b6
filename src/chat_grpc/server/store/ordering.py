"""Insertion order for paging: one mechanism for every collection listed page by page by sequence number
(memberships of a space, reactions of a message, custom emojis of a customer).

The order is an append-only list of ``(seq, key)``; removals leave stale entries behind (a record whose key is
gone, or was re-added with a new ``seq``), skipped while paging and compacted away once they outnumber the live
ones. A page starting after a sequence number costs O(log n + skipped + returned), never a scan.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from typing import Protocol, TypeVar


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
