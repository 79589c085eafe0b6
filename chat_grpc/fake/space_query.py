"""The SearchSpaces query language (``query`` and ``order_by`` of SearchSpacesRequest), parsed with the shared filter
syntax into a ``SpaceQuery`` the store answers from its index of searchable spaces.

Errors are ``InvalidArgument`` naming ``query`` or ``order_by``, the offset and the offending text, as for the
list filters (``chat_grpc.fake.filters``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chat_grpc.fake._filter_syntax import (
    And,
    Comparison,
    Node,
    Or,
    Source,
    cache_parsed,
    comparisons,
    conjuncts,
    disjuncts,
    parse,
)
from chat_grpc.fake.filters import _enum, _field, _leaf, _parse_order_by, _require_op, _time

_SEARCH_FIELDS = {
    "customer": "customer",
    "space_type": "space_type",
    "spaceType": "space_type",
    "display_name": "display_name",
    "displayName": "display_name",
    "external_user_allowed": "external_user_allowed",
    "externalUserAllowed": "external_user_allowed",
    "space_history_state": "space_history_state",
    "spaceHistoryState": "space_history_state",
    "create_time": "create_time",
    "createTime": "create_time",
    "last_active_time": "last_active_time",
    "lastActiveTime": "last_active_time",
}
_SEARCH_ORDER_FIELDS = {
    "membership_count.joined_direct_human_user_count": "membership_count.joined_direct_human_user_count",
    "membershipCount.joinedDirectHumanUserCount": "membership_count.joined_direct_human_user_count",
    "last_active_time": "last_active_time",
    "lastActiveTime": "last_active_time",
    "create_time": "create_time",
    "createTime": "create_time",
}
_WORD = re.compile(r"\w+")
_LOWER_BOUND = (">", ">=")
_UPPER_BOUND = ("<", "<=")


def _name_tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def display_name_matches(query: str, display_name: str) -> bool:
    """SearchSpaces ``display_name:"query"``: every token of the query is a case-insensitive prefix of some
    word of the display name (``Fun Eve`` matches "The evening was fun", not "notFun event")."""
    wanted = _name_tokens(query)
    words = _name_tokens(display_name)
    return bool(wanted) and all(any(word.startswith(token) for word in words) for token in wanted)


@dataclass(frozen=True)
class TimeRange:
    """One interval of a time condition; a missing bound is open."""

    start: datetime | None = None
    start_inclusive: bool = False
    end: datetime | None = None
    end_inclusive: bool = False

    def contains(self, when: datetime) -> bool:
        if self.start is not None and (when < self.start or (when == self.start and not self.start_inclusive)):
            return False
        return not (self.end is not None and (when > self.end or (when == self.end and not self.end_inclusive)))


class SpaceLike(Protocol):
    @property
    def display_name(self) -> str: ...
    @property
    def external_user_allowed(self) -> bool: ...
    @property
    def space_history_state(self) -> str: ...
    @property
    def create_time(self) -> datetime | None: ...
    @property
    def last_active_time(self) -> datetime | None: ...


def _time_matches(ranges: tuple[TimeRange, ...], when: datetime | None) -> bool:
    if not ranges:
        return True
    return when is not None and any(r.contains(when) for r in ranges)


@dataclass(frozen=True)
class SpaceQuery:
    """A parsed SearchSpaces query. Empty collections don't constrain; time conditions are unions of ranges.

    ``customer`` and ``space_type`` are always ``customers/my_customer`` and ``SPACE``: the caller searches
    only spaces of type SPACE (``matches`` doesn't look at the space type).
    """

    customer: str = "customers/my_customer"
    space_type: str = "SPACE"
    display_names: tuple[str, ...] = ()
    external_user_allowed: frozenset[bool] = frozenset()
    space_history_states: frozenset[str] = frozenset()
    create_time: tuple[TimeRange, ...] = ()
    last_active_time: tuple[TimeRange, ...] = ()

    def matches(self, space: SpaceLike) -> bool:
        if self.display_names and not any(display_name_matches(q, space.display_name) for q in self.display_names):
            return False
        if self.external_user_allowed and bool(space.external_user_allowed) not in self.external_user_allowed:
            return False
        if self.space_history_states and space.space_history_state not in self.space_history_states:
            return False
        return _time_matches(self.create_time, space.create_time) and _time_matches(
            self.last_active_time, space.last_active_time
        )


def _single(src: Source, field: str, clauses: list[Node], expected: str) -> Comparison:
    """customer / space_type: exactly one ``field = expected``, no AND or OR."""
    if len(clauses) > 1 or isinstance(clauses[0], Or):
        where = clauses[1] if len(clauses) > 1 else clauses[0]
        src.fail(f"{field} doesn't accept AND or OR; give it once", where.start, where.end)
    cmp = _leaf(src, clauses[0], field)
    _require_op(src, cmp, field, "=")
    if cmp.value.text != expected:
        src.fail(f'{field} must be "{expected}", not {cmp.value.text!r}', cmp.value.start, cmp.value.end)
    return cmp


def _alternatives(src: Source, field: str, clauses: list[Node], op: str) -> list[Comparison]:
    """display_name / external_user_allowed / space_history_state: one OR group of ``field op value``."""
    if len(clauses) > 1:
        src.fail(f"{field} accepts only OR between its values, not AND", clauses[1].start, clauses[1].end)
    terms = []
    for term in disjuncts(clauses[0]):
        if isinstance(term, And):
            src.fail(f"{field} accepts only OR between its values, not AND", term.start, term.end)
        cmp = _leaf(src, term, field)
        _require_op(src, cmp, field, op)
        terms.append(cmp)
    return terms


def _time_range(src: Source, field: str, terms: Iterable[Node]) -> TimeRange:
    start: datetime | None = None
    end: datetime | None = None
    start_inclusive = end_inclusive = False
    seen: list[Comparison] = []
    for term in terms:
        cmp = _leaf(src, term, f"a {field} range")
        _require_op(src, cmp, field, ("=", "<", ">", "<=", ">="))
        when = _time(src, cmp, field)
        if seen and (cmp.op == "=" or seen[0].op == "="):
            src.fail(f"{field} = can't be combined with AND; AND only forms a range", cmp.start, cmp.end)
        if cmp.op == "=":
            start = end = when
            start_inclusive = end_inclusive = True
        elif cmp.op in _LOWER_BOUND:
            if start is not None:
                src.fail(f"a {field} range has at most one lower bound (> or >=)", cmp.start, cmp.end)
            start, start_inclusive = when, cmp.op == ">="
        else:
            if end is not None:
                src.fail(f"a {field} range has at most one upper bound (< or <=)", cmp.start, cmp.end)
            end, end_inclusive = when, cmp.op == "<="
        seen.append(cmp)
    return TimeRange(start, start_inclusive, end, end_inclusive)


def _time_condition(src: Source, field: str, clauses: list[Node]) -> tuple[TimeRange, ...]:
    """AND of simple comparisons = one range; a single OR group of comparisons / parenthesised ranges = a union."""
    if len(clauses) == 1 and isinstance(clauses[0], Or):
        return tuple(_time_range(src, field, conjuncts(alternative)) for alternative in clauses[0].items)
    for clause in clauses:
        if isinstance(clause, Or):
            src.fail(
                f"{field}: an OR group can't be combined with other {field} conditions by AND (AND only forms a range)",
                clause.start,
                clause.end,
            )
    return (_time_range(src, field, clauses),)


@cache_parsed
def parse_search_spaces_query(text: str) -> SpaceQuery:
    """SearchSpaces ``query`` (admin search); required. See the module doc and chat-api-facts §5."""
    src, node = parse(text, "query")
    if node is None:
        src.fail('query is required (at least customer = "customers/my_customer" AND space_type = "SPACE")')
    by_field: dict[str, list[Node]] = {}
    for clause in conjuncts(node):
        fields: list[str] = []
        for leaf in comparisons(clause):
            fields.append(_field(src, _leaf(src, leaf, "a SearchSpaces query"), _SEARCH_FIELDS))
        distinct = list(dict.fromkeys(fields))
        if len(distinct) > 1:
            src.fail(
                f"different fields ({', '.join(distinct)}) can only be joined with AND, not OR",
                clause.start,
                clause.end,
            )
        by_field.setdefault(distinct[0], []).append(clause)
    for required, value in (("customer", "customers/my_customer"), ("space_type", "SPACE")):
        if required not in by_field:
            src.fail(f'{required} is required: add {required} = "{value}"')
    _single(src, "customer", by_field["customer"], "customers/my_customer")
    _single(src, "space_type", by_field["space_type"], "SPACE")

    display_names: list[str] = []
    if "display_name" in by_field:
        for cmp in _alternatives(src, "display_name", by_field["display_name"], ":"):
            if not _name_tokens(cmp.value.text):
                src.fail("display_name needs at least one word to match", cmp.value.start, cmp.value.end)
            display_names.append(cmp.value.text)

    external: set[bool] = set()
    if "external_user_allowed" in by_field:
        for cmp in _alternatives(src, "external_user_allowed", by_field["external_user_allowed"], "="):
            if cmp.value.text.lower() not in ("true", "false"):
                src.fail(
                    f'external_user_allowed must be "true" or "false", not {cmp.value.text!r}',
                    cmp.value.start,
                    cmp.value.end,
                )
            external.add(cmp.value.text.lower() == "true")

    history: set[str] = set()
    if "space_history_state" in by_field:
        for cmp in _alternatives(src, "space_history_state", by_field["space_history_state"], "="):
            history.add(_enum(src, cmp, "space_history_state", ("HISTORY_ON", "HISTORY_OFF")))

    return SpaceQuery(
        display_names=tuple(display_names),
        external_user_allowed=frozenset(external),
        space_history_states=frozenset(history),
        create_time=_time_condition(src, "create_time", by_field["create_time"]) if "create_time" in by_field else (),
        last_active_time=(
            _time_condition(src, "last_active_time", by_field["last_active_time"])
            if "last_active_time" in by_field
            else ()
        ),
    )


@cache_parsed
def parse_search_order_by(text: str) -> tuple[str, bool]:
    """SearchSpaces ``order_by`` -> (field, descending); blank means ``create_time ASC``."""
    return _parse_order_by(text, _SEARCH_ORDER_FIELDS, ("create_time", False))
