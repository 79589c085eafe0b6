"""The index behind SearchSpaces: the searchable spaces of each customer (type SPACE, not in import mode) by every
field its query can name, so that a page costs what the narrowest condition of the query matches, not a scan of
every space.

Per customer it keeps: the spaces in ``(create_time, id)`` and ``(last_active_time, id)`` order (sorted lists,
bisected for time ranges and sliced for pages), the words of display names (a sorted word list, so a
``display_name:"prefix"`` token is a bisected range of words, each with the set of spaces using it), and the
spaces by ``external_user_allowed`` and by ``space_history_state``.

A query is answered from its narrowest condition (the smallest candidate set); every candidate is checked against
the whole query, then sorted. When that condition is the whole query and the order is a time order, the page is a
slice of the order (no filter: the whole customer; one time range: the bisected part; one value set: the order
walked and the set consulted), and ``total_size`` is the candidate count. So a rare match costs O(log n + matches),
the plain listing O(log n + page); ordering by membership count, or several common conditions at once, costs
what the narrowest condition matches.

The store calls ``index`` for a space it creates or changes (a batch insert path must too), ``touched`` when a
message moves a space's last activity (cheap: the space is re-indexed at the next search), ``remove`` when a
space is deleted.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chat_grpc.fake.space_query import SpaceQuery, TimeRange
from chat_grpc.fake.store.model import Space
from chat_grpc.fake.store.ordering import Steps

_WORD = re.compile(r"\w+")  # the tokens display_name_matches compares (filters._name_tokens)
_MIN_TIME = datetime.min.replace(tzinfo=UTC)
Entry = tuple[datetime, str]


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.casefold()))


@dataclass(frozen=True)
class _Indexed:
    """What a space was indexed under (to take it out again)."""

    customer: str | None
    create: Entry
    active: Entry
    words: frozenset[str]
    external: bool
    history: str


@dataclass
class _Customer:
    by_create: list[Entry] = field(default_factory=list)
    by_active: list[Entry] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # sorted, distinct
    by_word: dict[str, set[str]] = field(default_factory=dict)
    by_external: dict[bool, set[str]] = field(default_factory=dict)
    by_history: dict[str, set[str]] = field(default_factory=dict)


def _remove(entries: list[Entry], entry: Entry) -> None:
    i = bisect_left(entries, entry)
    if i < len(entries) and entries[i] == entry:
        del entries[i]


def _add(entries: list[Entry], entry: Entry) -> None:
    if not entries or entries[-1] < entry:
        entries.append(entry)
    else:
        insort(entries, entry)


@dataclass
class _Condition:
    """One narrowing condition of a query: time ranges of an order (``ranges``) or a set of space ids."""

    size: int  # how many candidates
    ranges: list[tuple[list[Entry], int, int]] = field(default_factory=list)  # (order, lo, hi): entries[lo:hi]
    ids: set[str] | None = None

    def candidates(self) -> Iterable[str]:
        if self.ids is not None:
            return self.ids
        if len(self.ranges) == 1:
            entries, lo, hi = self.ranges[0]
            return (entries[i][1] for i in range(lo, hi))
        return {entries[i][1] for entries, lo, hi in self.ranges for i in range(lo, hi)}  # ranges may overlap


class SpaceSearchIndex:
    def __init__(self, space_of: Callable[[str], Space | None], steps: Steps) -> None:
        self._space_of = space_of  # the live space by id, or None
        self._steps = steps
        self._customers: dict[str | None, _Customer] = {}
        self._indexed: dict[str, _Indexed] = {}
        self._dirty: set[str] = set()

    # ------------------------------------------------------------------ maintenance (lock held)

    def index(self, space: Space) -> None:
        """Index a new space, or re-index one whose searchable fields changed; what any path that inserts or
        changes a space must call."""
        self._dirty.discard(space.id)
        old = self._indexed.get(space.id)
        if space.space_type != "SPACE" or space.import_mode:
            if old is not None:
                self.remove(space.id)
            return
        new = _Indexed(
            customer=space.customer,
            create=(space.create_time or _MIN_TIME, space.id),
            active=(space.last_active_time or _MIN_TIME, space.id),
            words=_words(space.display_name),
            external=bool(space.external_user_allowed),
            history=space.history_state,
        )
        if old == new:
            return
        if old is not None and old.customer != new.customer:
            self.remove(space.id)
            old = None
        c = self._customers.setdefault(new.customer, _Customer())
        if old is None or old.create != new.create:
            if old is not None:
                _remove(c.by_create, old.create)
            _add(c.by_create, new.create)
        if old is None or old.active != new.active:
            if old is not None:
                _remove(c.by_active, old.active)
            _add(c.by_active, new.active)
        before = old.words if old is not None else frozenset()
        for word in before - new.words:
            self._drop_word(c, word, space.id)
        for word in new.words - before:
            users = c.by_word.get(word)
            if users is None:
                users = c.by_word[word] = set()
                insort(c.words, word)
            users.add(space.id)
        if old is not None:
            c.by_external[old.external].discard(space.id)
            c.by_history[old.history].discard(space.id)
        c.by_external.setdefault(new.external, set()).add(space.id)
        c.by_history.setdefault(new.history, set()).add(space.id)
        self._indexed[space.id] = new

    @staticmethod
    def _drop_word(c: _Customer, word: str, space_id: str) -> None:
        users = c.by_word[word]
        users.discard(space_id)
        if not users:
            del c.by_word[word]
            del c.words[bisect_left(c.words, word)]

    def touched(self, space_id: str) -> None:
        """A space's last_active_time moved: re-indexed at the next search (costs a set insertion now)."""
        self._dirty.add(space_id)

    def remove(self, space_id: str) -> None:
        self._dirty.discard(space_id)
        old = self._indexed.pop(space_id, None)
        if old is None:
            return
        c = self._customers[old.customer]
        _remove(c.by_create, old.create)
        _remove(c.by_active, old.active)
        for word in old.words:
            self._drop_word(c, word, space_id)
        c.by_external[old.external].discard(space_id)
        c.by_history[old.history].discard(space_id)

    def _flush(self) -> None:
        for space_id in list(self._dirty):
            space = self._space_of(space_id)
            if space is None:
                self.remove(space_id)
            else:
                self.index(space)
        self._dirty.clear()

    # ------------------------------------------------------------------ search (lock held)

    def search(
        self,
        customer: str | None,
        query: SpaceQuery,
        order: str,
        descending: bool,
        sort_key: Callable[[Space], float],
        *,
        offset: int,
        limit: int,
    ) -> tuple[list[Space], int]:
        """The page at ``offset`` of the customer's spaces matching ``query`` in ``order`` (``create_time``,
        ``last_active_time`` or another field ``sort_key`` computes), ties by id; and the number of matches."""
        self._flush()
        c = self._customers.get(customer)
        if c is None:
            return [], 0
        timed = {"create_time": c.by_create, "last_active_time": c.by_active}.get(order)
        conditions = self._conditions(c, query)
        if not conditions and timed is not None:  # no condition: the order itself, sliced
            return self._slice(timed, 0, len(timed), descending, offset, limit), len(timed)
        if len(conditions) == 1 and timed is not None:
            only = conditions[0]
            if only.ids is None and len(only.ranges) == 1 and only.ranges[0][0] is timed:
                _, lo, hi = only.ranges[0]
                return self._slice(timed, lo, hi, descending, offset, limit), hi - lo
            common = only.size > 8 * (offset + limit) and 4 * only.size >= len(timed)
            if only.ids is not None and common:  # walk the order, checking the set: ~4 entries a result
                return self._walk(timed, only.ids, descending, offset, limit), only.size
        # The narrowest condition's candidates, each checked against the whole query, then sorted.
        if conditions:
            ids = min(conditions, key=lambda condition: condition.size).candidates()
        else:
            ids = (space_id for _, space_id in c.by_create)
        matches = []
        for space_id in ids:
            self._steps.count += 1
            space = self._space_of(space_id)
            if space is not None and query.matches(space):
                matches.append(space)
        matches.sort(key=lambda s: (sort_key(s), s.id))
        return matches[offset : offset + limit], len(matches)

    def _conditions(self, c: _Customer, query: SpaceQuery) -> list[_Condition]:
        """The conditions of the query that narrow the search, with their candidates."""
        conditions: list[_Condition] = []
        for ranges, entries in ((query.create_time, c.by_create), (query.last_active_time, c.by_active)):
            if ranges:
                bounds = [(entries, *self._bounds(entries, r)) for r in ranges]
                conditions.append(_Condition(sum(hi - lo for _, lo, hi in bounds), ranges=bounds))
        sets: list[set[str]] = []
        if len(query.external_user_allowed) == 1:
            sets.append(c.by_external.get(next(iter(query.external_user_allowed)), set()))
        if len(query.space_history_states) == 1:
            sets.append(c.by_history.get(next(iter(query.space_history_states)), set()))
        if query.display_names:
            named = [self._named(c, text) for text in query.display_names]
            sets.append(named[0] if len(named) == 1 else set().union(*named))
        conditions.extend(_Condition(len(ids), ids=ids) for ids in sets)
        return conditions

    def _named(self, c: _Customer, text: str) -> set[str]:
        """Spaces whose display name has, for every token of ``text``, a word starting with it (what
        ``display_name_matches`` says): the intersection over tokens of the union over their words. A token
        matching one word answers that word's own set, not a copy (callers only read it)."""
        result: set[str] | None = None
        for token in sorted(_words(text), key=len, reverse=True):  # longer tokens first: usually narrower
            having: list[set[str]] = []
            for i in range(bisect_left(c.words, token), len(c.words)):
                word = c.words[i]
                if not word.startswith(token):
                    break
                self._steps.count += 1
                having.append(c.by_word[word])
            union = having[0] if len(having) == 1 else set().union(*having)
            result = union if result is None else result & union
            if not result:
                return set()
        return result or set()

    @staticmethod
    def _bounds(entries: list[Entry], r: TimeRange) -> tuple[int, int]:
        lo = 0
        if r.start is not None:
            lo = (bisect_left if r.start_inclusive else bisect_right)(
                entries, (r.start, "" if r.start_inclusive else "\uffff")
            )
        hi = len(entries)
        if r.end is not None:
            hi = (bisect_right if r.end_inclusive else bisect_left)(
                entries, (r.end, "\uffff" if r.end_inclusive else "")
            )
        return lo, max(lo, hi)

    def _in_order(self, entries: list[Entry], lo: int, hi: int, descending: bool) -> Iterator[str]:
        """Ids of ``entries[lo:hi]`` by time, ties by id ascending, in either direction."""
        if not descending:
            for i in range(lo, hi):
                yield entries[i][1]
            return
        end = hi
        while end > lo:  # the last group of equal times, ascending by id, then the group before
            start = max(lo, bisect_left(entries, (entries[end - 1][0], ""), lo, end))
            for i in range(start, end):
                yield entries[i][1]
            end = start

    def _slice(self, entries: list[Entry], lo: int, hi: int, descending: bool, offset: int, limit: int) -> list[Space]:
        """The page at ``offset`` of ``entries[lo:hi]`` by time, ties by id ascending, in either direction."""
        if not descending:
            ids = [entries[i][1] for i in range(lo + offset, min(hi, lo + offset + limit))]
        else:
            # Groups of equal times are blocks of the list; newest first, they come in mirrored block order, each
            # still ascending by id: rank r lies in the block holding index hi - 1 - r, at its offset within it.
            ids = []
            for rank in range(offset, min(hi - lo, offset + limit)):
                when = entries[hi - 1 - rank][0]
                group_start = bisect_left(entries, (when, ""), lo, hi)
                group_end = bisect_right(entries, (when, "\uffff"), lo, hi)
                ids.append(entries[group_start + rank - (hi - group_end)][1])
        self._steps.count += len(ids)
        return [space for space_id in ids if (space := self._space_of(space_id)) is not None]

    def _walk(self, entries: list[Entry], members: set[str], descending: bool, offset: int, limit: int) -> list[Space]:
        page: list[Space] = []
        seen = 0
        for space_id in self._in_order(entries, 0, len(entries), descending):
            self._steps.count += 1
            if space_id not in members:
                continue
            seen += 1
            if seen > offset:
                space = self._space_of(space_id)
                if space is not None:
                    page.append(space)
                if len(page) == limit:
                    break
        return page
