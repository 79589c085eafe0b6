"""The space event log: every state change of a space, kept per space in time order, compactly.

A space can log millions of events, so an entry is three parallel slots (17 bytes): ``key`` packs the time in
microseconds with a per-space sequence number (it orders the log and *is* the event id, base-62 encoded, so no
id table is kept), ``code`` the event type and whether ``resource`` is a snapshot, and ``resource`` the record
the event is about (its ``name`` is read when the event is served) or, for deletions, a snapshot of it.
``Event`` objects are made only for the events a call returns. A page is found by bisecting on the key, so it
costs O(log n + page + skipped entries), never a scan of the log.
"""

from __future__ import annotations

import re
import string
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chat_grpc.server.store.model import Event

_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
_SEQ_BITS = 12  # events within one microsecond of one space: far more than ever happen (keys fit 64 bits)
_DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _micros(when: datetime) -> int:
    """Microseconds since the epoch, exactly (``int(timestamp() * 1e6)`` is one off for some times)."""
    return (when - _EPOCH) // _MICROSECOND


def event_id(key: int) -> str:
    digits = []
    while key:
        key, digit = divmod(key, 62)
        digits.append(_DIGITS[digit])
    return "".join(reversed(digits)).rjust(12, "0")


def event_key(event_id: str) -> int | None:
    key = 0
    for char in event_id:
        value = _DIGITS.find(char)
        if value < 0:
            return None
        key = key * 62 + value
    return key


@dataclass
class _SpaceLog:
    keys: array[int] = field(default_factory=lambda: array("Q"))
    codes: bytearray = field(default_factory=bytearray)
    resources: list[object] = field(default_factory=list)
    next_seq: int = 0

    def insert(self, key: int, code: int, resource: object) -> None:
        i = len(self.keys)
        if i and key < self.keys[-1]:
            i = bisect_right(self.keys, key)  # a clock set back: keep time order
        self.keys.insert(i, key)
        self.codes.insert(i, code)
        self.resources.insert(i, resource)


class EventLog:
    def __init__(self) -> None:
        self._spaces: dict[str, _SpaceLog] = {}
        self._types: list[str] = []  # event type by code // 2
        self._codes: dict[str, int] = {}

    def append(self, space_id: str, when: datetime, event_type: str, resource: object, *, snapshot: bool) -> None:
        """Log an event about ``resource`` (a record with a ``name``, or a name) or a snapshot of a deleted one."""
        log = self._spaces.get(space_id)
        if log is None:  # not setdefault: that would build a _SpaceLog (three containers) for every event
            log = self._spaces[space_id] = _SpaceLog()
        log.next_seq = (log.next_seq + 1) % (1 << _SEQ_BITS)
        code = self._codes.get(event_type)
        if code is None:
            code = self._codes[event_type] = len(self._types)
            self._types.append(event_type)
        log.insert((_micros(when) << _SEQ_BITS) | log.next_seq, code * 2 + snapshot, resource)

    def _event(self, space_id: str, log: _SpaceLog, i: int) -> Event:
        key, code, resource = log.keys[i], log.codes[i], log.resources[i]
        name = resource if isinstance(resource, str) else resource.name  # type: ignore[attr-defined]
        return Event(
            id=event_id(key),
            space_id=space_id,
            time=_EPOCH + (key >> _SEQ_BITS) * _MICROSECOND,
            event_type=self._types[code // 2],
            resource_name=name,
            snapshot=resource if code % 2 else None,
        )

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
        after ``cursor`` (an entry key). Entries of other types are skipped by their codes, at C speed."""
        log = self._spaces.get(space_id)
        if log is None:
            return [], None
        keys = log.keys
        low = bisect_right(keys, max(0, ((_micros(after) + 1) << _SEQ_BITS) - 1))
        if cursor is not None:
            low = max(low, bisect_right(keys, cursor))
        high = bisect_right(keys, max(0, ((_micros(until) + 1) << _SEQ_BITS) - 1))
        wanted = bytes(c for t in event_types if t in self._codes for c in (2 * self._codes[t], 2 * self._codes[t] + 1))
        if not wanted:
            return [], None
        of_wanted_type = re.compile(b"[" + re.escape(wanted) + b"]")
        page: list[Event] = []
        position: int | None = None
        i = low
        while (found := of_wanted_type.search(log.codes, i, high)) is not None:
            i = found.start()
            event = self._event(space_id, log, i)
            i += 1
            if not accept(event):
                continue
            if len(page) == limit:
                return page, position
            page.append(event)
            position = keys[i - 1]
        return page, None

    def all(self, space_id: str | None = None) -> list[Event]:
        spaces = list(self._spaces) if space_id is None else [space_id] if space_id in self._spaces else []
        return [self._event(s, self._spaces[s], i) for s in spaces for i in range(len(self._spaces[s].keys))]
