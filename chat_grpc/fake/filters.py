"""The list-filter and query languages of the Chat API, and what each RPC accepts.

Every language is parsed by the one tokenizer and parser in :mod:`chat_grpc.fake._filter_syntax`; the
functions here check the resulting tree against the rules documented for each request field and return
a small frozen value that the store can apply (``matches``). Invalid input raises
:class:`~chat_grpc.fake.errors.InvalidArgument` whose ``field`` is the request field (``filter``, ``query``
or ``order_by``) and whose message names the problem, the offset and the offending text. No other
exception escapes for any input string.

Choices where the reference is silent or ambiguous:

* AND and OR may never be mixed at one level without parentheses (required for ListReactions; applied
  to every language).
* Enum, boolean and name values may be quoted or bare (``space_type = SPACE``); timestamps must be
  quoted RFC-3339 strings. Keywords AND / OR / NOT are upper case only. Juxtaposition (implicit AND),
  ``-`` negation and NOT are rejected except where documented (``NOT creator("users/me")``).
* Repeating the same alternative (``role = "ROLE_MEMBER" OR role = "ROLE_MEMBER"``) is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chat_grpc.fake._filter_syntax import (
    And,
    Call,
    Comparison,
    Kind,
    Node,
    Not,
    Or,
    Source,
    cache_parsed,
    conjuncts,
    describe,
    disjuncts,
    parse,
    tokenize,
)
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.timestamps import TimestampError, parse_rfc3339

__all__ = [
    "MAX_EVENT_WINDOW",
    "SPACE_EVENT_TYPES",
    "CustomEmojiFilter",
    "MembershipFilter",
    "MessageFilter",
    "ReactionFilter",
    "SpaceEventFilter",
    "SpaceFilter",
    "parse_custom_emoji_filter",
    "parse_membership_filter",
    "parse_message_filter",
    "parse_message_order_by",
    "parse_reaction_filter",
    "parse_space_event_filter",
    "parse_space_filter",
    "parse_timestamp",
]

UTC = UTC
MAX_EVENT_WINDOW = timedelta(days=28)

_EVENT_PREFIX = "google.workspace.chat."
SPACE_EVENT_TYPES: frozenset[str] = frozenset(
    [
        f"{_EVENT_PREFIX}{resource}.v1.{verb}"
        for resource in ("message", "membership")
        for verb in ("created", "updated", "deleted", "batchCreated", "batchUpdated", "batchDeleted")
    ]
    + [f"{_EVENT_PREFIX}reaction.v1.{verb}" for verb in ("created", "deleted", "batchCreated", "batchDeleted")]
    + [f"{_EVENT_PREFIX}space.v1.{verb}" for verb in ("updated", "batchUpdated")]
)
# A filter on a single-resource event type also returns the batch events of the same kind.
_BATCH_OF = {"created": "batchCreated", "updated": "batchUpdated", "deleted": "batchDeleted"}


# --------------------------------------------------------------------------------------------------------------
# Timestamps


def parse_timestamp(text: str, *, field: str | None = None) -> datetime:
    """An RFC-3339 timestamp (``Z`` or ``±hh:mm`` offset, up to 9 fractional digits) as an aware UTC datetime.

    Digits beyond microseconds are truncated. Raises InvalidArgument (for ``field``, if given).
    """
    try:
        return parse_rfc3339(text)
    except TimestampError as error:
        # A filter names the grammar, not the missing zone: "2023-04-21T11:30:00" is simply not RFC 3339 here.
        reason = _NOT_RFC3339 if error.kind == "zone" else error.reason
        raise InvalidArgument(f"invalid timestamp {text!r}: {reason}", field=field) from None


_NOT_RFC3339 = "not an RFC-3339 timestamp like 2023-04-21T11:30:00-04:00 or 2023-04-21T15:30:00.5Z"


# --------------------------------------------------------------------------------------------------------------
# Helpers over the syntax tree


def _leaf(src: Source, node: Node, where: str) -> Comparison:
    """``node`` as a single comparison; anything else is rejected with a message about ``where``."""
    if isinstance(node, Comparison):
        return node
    if isinstance(node, Not):
        src.fail(f"NOT is not supported in {where}", node.start, node.end)
    if isinstance(node, Call):
        src.fail(f"function calls such as {node.name}(...) are not supported in {where}", node.start, node.end)
    if isinstance(node, And):
        src.fail(f"an AND group can't be nested inside an OR group in {where}", node.start, node.end)
    src.fail(f"an OR group is not supported at this position in {where}", node.start, node.end)


def _field(src: Source, cmp: Comparison, aliases: Mapping[str, str]) -> str:
    canonical = aliases.get(cmp.field)
    if canonical is None:
        supported = ", ".join(sorted(set(aliases.values())))
        src.fail(f"unknown field {cmp.field!r} (supported: {supported})", cmp.start, cmp.end)
    return canonical


def _require_op(src: Source, cmp: Comparison, field: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if cmp.op not in allowed:
        choices = " or ".join(repr(op) for op in allowed)
        src.fail(f"operator {cmp.op!r} is not supported for {field} (use {choices})", cmp.start, cmp.end)


def _enum(src: Source, cmp: Comparison, field: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if cmp.value.text not in allowed:
        choices = ", ".join(f'"{v}"' for v in allowed)
        src.fail(
            f"invalid value {cmp.value.text!r} for {field} (expected one of {choices})", cmp.value.start, cmp.value.end
        )
    return cmp.value.text


def _time(src: Source, cmp: Comparison, field: str) -> datetime:
    if not cmp.value.quoted:
        src.fail(f"{field} needs a double-quoted RFC-3339 timestamp", cmp.value.start, cmp.value.end)
    try:
        return parse_rfc3339(cmp.value.text)
    except TimestampError as error:
        reason = _NOT_RFC3339 if error.kind == "zone" else error.reason
        src.fail(f"invalid timestamp {cmp.value.text!r} for {field}: {reason}", cmp.value.start, cmp.value.end)


def _parse_order_by(text: str, aliases: Mapping[str, str], default: tuple[str, bool]) -> tuple[str, bool]:
    src = Source(text, "order_by")
    tokens = tokenize(src)
    if tokens[0].kind is Kind.EOF:
        return default
    first = tokens[0]
    if first.kind is not Kind.WORD or first.value not in aliases:
        supported = ", ".join(sorted(set(aliases.values())))
        src.fail(f"unsupported ordering field {describe(first)} (supported: {supported})", first.start, first.end)
    descending = default[1]
    direction = tokens[1]
    if direction.kind is not Kind.EOF:
        if direction.kind is not Kind.WORD or direction.value.upper() not in ("ASC", "DESC"):
            src.fail(
                f"expected ASC or DESC after {first.value}, found {describe(direction)}", direction.start, direction.end
            )
        descending = direction.value.upper() == "DESC"
        extra = tokens[2]
        if extra.kind is Kind.COMMA:
            src.fail("ordering by more than one field is not supported", extra.start, extra.end)
        if extra.kind is not Kind.EOF:
            src.fail(f"unexpected {describe(extra)} after the sort direction", extra.start, extra.end)
    return aliases[first.value], descending


# --------------------------------------------------------------------------------------------------------------
# ListSpaces

SPACE_TYPES = ("SPACE", "GROUP_CHAT", "DIRECT_MESSAGE")
_SPACE_FIELDS = {"space_type": "space_type", "spaceType": "space_type"}


@dataclass(frozen=True)
class SpaceFilter:
    space_types: frozenset[str]

    def matches(self, space_type: str) -> bool:
        return space_type in self.space_types


@cache_parsed
def parse_space_filter(text: str) -> SpaceFilter | None:
    """ListSpaces ``filter``: ``space_type = "SPACE" OR spaceType = "GROUP_CHAT"`` ...; None when blank."""
    src, node = parse(text, "filter")
    if node is None:
        return None
    if isinstance(node, And):
        src.fail("space_type can't be combined with AND; join space types with OR", node.start, node.end)
    types: set[str] = set()
    for term in disjuncts(node):
        cmp = _leaf(src, term, "a ListSpaces filter")
        field = _field(src, cmp, _SPACE_FIELDS)
        _require_op(src, cmp, field, "=")
        if cmp.value.text == "SPACE_TYPE_UNSPECIFIED":
            src.fail("space_type can't be SPACE_TYPE_UNSPECIFIED", cmp.value.start, cmp.value.end)
        types.add(_enum(src, cmp, field, SPACE_TYPES))
    return SpaceFilter(frozenset(types))


# --------------------------------------------------------------------------------------------------------------
# ListMemberships

_MEMBERSHIP_FIELDS = {"role": "role", "member.type": "member.type"}
_ROLES = ("ROLE_MEMBER", "ROLE_MANAGER")
_MEMBER_TYPES = ("HUMAN", "BOT")


@dataclass(frozen=True)
class MembershipFilter:
    """Empty sets don't constrain. ``member.type != X`` is kept as an exclusion (other types still match)."""

    roles: frozenset[str] = frozenset()
    member_types: frozenset[str] = frozenset()
    excluded_member_types: frozenset[str] = frozenset()

    def matches(self, role: str, member_type: str) -> bool:
        if self.roles and role not in self.roles:
            return False
        if self.member_types and member_type not in self.member_types:
            return False
        return member_type not in self.excluded_member_types

    @property
    def humans_only(self) -> bool:
        """True when the filter restricts members to humans, as admin access requires."""
        return self.member_types == {"HUMAN"} or self.excluded_member_types == {"BOT"}


@cache_parsed
def parse_membership_filter(text: str, *, admin: bool = False) -> MembershipFilter | None:
    """ListMemberships ``filter``: role (``=``) and member.type (``=``/``!=``); with ``admin`` it is required and
    must restrict member.type to humans (``member.type = "HUMAN"`` or ``member.type != "BOT"``)."""
    src, node = parse(text, "filter")
    if node is None:
        if admin:
            src.fail('filter is required with use_admin_access: use member.type = "HUMAN" or member.type != "BOT"')
        return None
    groups: dict[str, list[Comparison]] = {}
    for clause in conjuncts(node):
        terms = [_leaf(src, term, "a ListMemberships filter") for term in disjuncts(clause)]
        fields = [_field(src, cmp, _MEMBERSHIP_FIELDS) for cmp in terms]
        if len(set(fields)) > 1:
            src.fail("role and member.type can't be combined with OR; join them with AND", clause.start, clause.end)
        field = fields[0]
        if field in groups:
            src.fail(
                f"{field} can't be combined with AND (a member has one {field}); use OR for alternatives",
                clause.start,
                clause.end,
            )
        groups[field] = terms
    roles: set[str] = set()
    for cmp in groups.get("role", []):
        _require_op(src, cmp, "role", "=")
        roles.add(_enum(src, cmp, "role", _ROLES))
    included: set[str] = set()
    excluded: set[str] = set()
    type_terms = groups.get("member.type", [])
    for cmp in type_terms:
        _require_op(src, cmp, "member.type", ("=", "!="))
        value = _enum(src, cmp, "member.type", _MEMBER_TYPES)
        if cmp.op == "!=":
            if len(type_terms) > 1:
                src.fail("member.type != can't be combined with OR", cmp.start, cmp.end)
            excluded.add(value)
        else:
            included.add(value)
    result = MembershipFilter(frozenset(roles), frozenset(included), frozenset(excluded))
    if admin and not result.humans_only:
        src.fail(
            'with use_admin_access the filter must include member.type = "HUMAN" or member.type != "BOT"',
            node.start,
            node.end,
        )
    return result


# --------------------------------------------------------------------------------------------------------------
# ListMessages

_MESSAGE_FIELDS = {"create_time": "create_time", "createTime": "create_time", "thread.name": "thread.name"}
_THREAD_NAME = re.compile(r"spaces/[^/\s]+/threads/[^/\s]+")


@dataclass(frozen=True)
class MessageFilter:
    """Both bounds are exclusive; None doesn't constrain."""

    created_after: datetime | None = None
    created_before: datetime | None = None
    thread_name: str | None = None

    def matches(self, create_time: datetime, thread_name: str | None) -> bool:
        if self.created_after is not None and not create_time > self.created_after:
            return False
        if self.created_before is not None and not create_time < self.created_before:
            return False
        return self.thread_name is None or thread_name == self.thread_name


@cache_parsed
def parse_message_filter(text: str) -> MessageFilter | None:
    """ListMessages ``filter``: ``create_time > "…"``, ``create_time < "…"``, ``thread.name = spaces/S/threads/T``,
    joined with AND; None when blank."""
    src, node = parse(text, "filter")
    if node is None:
        return None
    if isinstance(node, Or):
        src.fail("OR is not supported in a ListMessages filter; join conditions with AND", node.start, node.end)
    after: datetime | None = None
    before: datetime | None = None
    thread: str | None = None
    for term in conjuncts(node):
        cmp = _leaf(src, term, "a ListMessages filter")
        field = _field(src, cmp, _MESSAGE_FIELDS)
        if field == "thread.name":
            _require_op(src, cmp, field, "=")
            if thread is not None:
                src.fail("only one thread.name is allowed per filter", cmp.start, cmp.end)
            if not _THREAD_NAME.fullmatch(cmp.value.text):
                src.fail(
                    f"thread.name must look like spaces/{{space}}/threads/{{thread}}, not {cmp.value.text!r}",
                    cmp.value.start,
                    cmp.value.end,
                )
            thread = cmp.value.text
            continue
        _require_op(src, cmp, field, (">", "<"))
        when = _time(src, cmp, field)
        if cmp.op == ">":
            if after is not None:
                src.fail("create_time > may appear only once (a range is one > and one <)", cmp.start, cmp.end)
            after = when
        else:
            if before is not None:
                src.fail("create_time < may appear only once (a range is one > and one <)", cmp.start, cmp.end)
            before = when
    return MessageFilter(after, before, thread)


@cache_parsed
def parse_message_order_by(text: str) -> bool:
    """ListMessages ``order_by``: blank / ``create_time`` / ``create_time ASC`` -> False; ``create_time DESC`` ->
    True (the result is "descending")."""
    return _parse_order_by(text, {"create_time": "create_time", "createTime": "create_time"}, ("create_time", False))[1]


# --------------------------------------------------------------------------------------------------------------
# ListReactions

_REACTION_FIELDS = {
    "emoji.unicode": "emoji.unicode",
    "emoji.custom_emoji.uid": "emoji.custom_emoji.uid",
    "emoji.customEmoji.uid": "emoji.custom_emoji.uid",
    "user.name": "user.name",
}
_USER_NAME = re.compile(r"users/[^/\s]+")


@dataclass(frozen=True)
class ReactionFilter:
    """Empty emoji sets = any emoji; empty ``users`` = any user."""

    unicodes: frozenset[str] = frozenset()
    custom_emoji_uids: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()

    def matches(self, unicode: str | None, custom_emoji_uid: str | None, user_name: str) -> bool:
        if self.unicodes or self.custom_emoji_uids:
            emoji_ok = (unicode is not None and unicode in self.unicodes) or (
                custom_emoji_uid is not None and custom_emoji_uid in self.custom_emoji_uids
            )
            if not emoji_ok:
                return False
        return not self.users or user_name in self.users


@cache_parsed
def parse_reaction_filter(text: str) -> ReactionFilter | None:
    """ListReactions ``filter``: emoji terms OR-ed, user terms OR-ed, the two groups AND-ed; None when blank."""
    src, node = parse(text, "filter")
    if node is None:
        return None
    kinds_seen: set[str] = set()
    unicodes: set[str] = set()
    uids: set[str] = set()
    users: set[str] = set()
    for clause in conjuncts(node):
        terms = [_leaf(src, term, "a ListReactions filter") for term in disjuncts(clause)]
        fields = [_field(src, cmp, _REACTION_FIELDS) for cmp in terms]
        kinds = {"user" if field == "user.name" else "emoji" for field in fields}
        if len(kinds) > 1:
            src.fail(
                "emoji and user.name terms can't be combined with OR; join them with AND", clause.start, clause.end
            )
        kind = kinds.pop()
        if kind in kinds_seen:
            what = "user.name" if kind == "user" else "emoji (emoji.unicode / emoji.custom_emoji.uid)"
            src.fail(f"{what} terms can't be combined with AND; use OR for alternatives", clause.start, clause.end)
        kinds_seen.add(kind)
        for cmp, field in zip(terms, fields, strict=True):
            _require_op(src, cmp, field, "=")
            value = cmp.value.text
            if not value:
                src.fail(f"{field} needs a non-empty value", cmp.value.start, cmp.value.end)
            if field == "user.name":
                if not _USER_NAME.fullmatch(value):
                    src.fail(f"user.name must look like users/{{user}}, not {value!r}", cmp.value.start, cmp.value.end)
                users.add(value)
            elif field == "emoji.unicode":
                unicodes.add(value)
            else:
                uids.add(value)
    return ReactionFilter(frozenset(unicodes), frozenset(uids), frozenset(users))


# --------------------------------------------------------------------------------------------------------------
# ListCustomEmojis


@dataclass(frozen=True)
class CustomEmojiFilter:
    """``created_by_caller``: True for ``creator("users/me")``, False for ``NOT creator("users/me")``."""

    created_by_caller: bool

    def matches(self, creator_is_caller: bool) -> bool:
        return creator_is_caller == self.created_by_caller


@cache_parsed
def parse_custom_emoji_filter(text: str) -> CustomEmojiFilter | None:
    """ListCustomEmojis ``filter``: only ``creator("users/me")`` or ``NOT creator("users/me")``; None when blank."""
    src, node = parse(text, "filter")
    if node is None:
        return None
    negated = isinstance(node, Not)
    call = node.operand if isinstance(node, Not) else node
    only = 'only creator("users/me") and NOT creator("users/me") are supported'
    if not isinstance(call, Call) or call.name != "creator":
        src.fail(only, call.start, call.end)
    if len(call.args) != 1 or call.args[0].text != "users/me":
        src.fail(f'{only}; creator() takes the single argument "users/me"', call.start, call.end)
    return CustomEmojiFilter(created_by_caller=not negated)


# --------------------------------------------------------------------------------------------------------------
# ListSpaceEvents

_EVENT_FIELDS = {
    "event_types": "event_types",
    "event_type": "event_types",
    "eventTypes": "event_types",
    "start_time": "start_time",
    "startTime": "start_time",
    "end_time": "end_time",
    "endTime": "end_time",
}


@dataclass(frozen=True)
class SpaceEventFilter:
    """``event_types`` as given; ``start_time`` exclusive, ``end_time`` inclusive (both always set)."""

    event_types: frozenset[str]
    start_time: datetime
    end_time: datetime

    @property
    def matching_event_types(self) -> frozenset[str]:
        """The requested types plus their batch counterparts, which the service returns automatically."""
        expanded = set(self.event_types)
        for event_type in self.event_types:
            prefix, _, verb = event_type.rpartition(".")
            if verb in _BATCH_OF:
                batch = f"{prefix}.{_BATCH_OF[verb]}"
                if batch in SPACE_EVENT_TYPES:
                    expanded.add(batch)
        return frozenset(expanded)

    def matches(self, event_type: str, event_time: datetime) -> bool:
        return event_type in self.matching_event_types and self.start_time < event_time <= self.end_time


def parse_space_event_filter(text: str, *, now: datetime) -> SpaceEventFilter:
    """ListSpaceEvents ``filter`` (required): ``event_types:"…"`` terms joined by OR, optional ``start_time="…"`` /
    ``end_time="…"``, all groups joined by AND. ``now`` (aware; naive is taken as UTC) anchors the 28-day window.

    What the text says is parsed once per text (``_event_terms``, without ``now``); ``now`` is applied to it
    here. A text that fails is parsed again with ``now``, so that it fails as it always did: with the first error
    met, the checks against ``now`` included."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    try:
        terms = _event_terms(text)
    except InvalidArgument:
        terms = _event_terms_at(text, now)
    types, start, start_span, end = terms
    if start is not None and start < now - MAX_EVENT_WINDOW:
        Source(text, "filter").fail(_TOO_OLD, *start_span)
    start = now - MAX_EVENT_WINDOW if start is None else start
    end = now if end is None else end
    if not start < end:
        Source(text, "filter").fail(f"start_time ({start.isoformat()}) must be before end_time ({end.isoformat()})")
    return SpaceEventFilter(types, start, end)


_TOO_OLD = f"start_time can be at most {MAX_EVENT_WINDOW.days} days in the past"
# event types, start_time (None: not given) and the offsets of its value, end_time (None: not given)
_EventTerms = tuple[frozenset[str], datetime | None, tuple[int, int], datetime | None]


@cache_parsed
def _event_terms(text: str) -> _EventTerms:
    return _event_terms_at(text, None)


def _event_terms_at(text: str, now: datetime | None) -> _EventTerms:
    """The terms of a ListSpaceEvents filter; with ``now``, a start_time older than the window fails where it is
    met (without, the caller checks it)."""
    src, node = parse(text, "filter")
    if node is None:
        src.fail('filter is required: give at least one event type, e.g. event_types:"google.workspace.chat.…"')
    types: set[str] = set()
    type_clause: Node | None = None
    start: datetime | None = None
    start_span = (0, 0)
    end: datetime | None = None
    for clause in conjuncts(node):
        terms = [_leaf(src, term, "a ListSpaceEvents filter") for term in disjuncts(clause)]
        fields = [_field(src, cmp, _EVENT_FIELDS) for cmp in terms]
        if len(terms) > 1:
            for cmp, field in zip(terms, fields, strict=True):
                if field != "event_types":
                    src.fail(f"{field} can't be combined with OR; join it with AND", cmp.start, cmp.end)
        if fields[0] == "event_types":
            if type_clause is not None:
                src.fail("event types can't be combined with AND; join them with OR", clause.start, clause.end)
            type_clause = clause
            for cmp in terms:
                _require_op(src, cmp, "event_types", ":")
                if cmp.value.text not in SPACE_EVENT_TYPES:
                    src.fail(f"unknown event type {cmp.value.text!r}", cmp.value.start, cmp.value.end)
                types.add(cmp.value.text)
            continue
        cmp, field = terms[0], fields[0]
        _require_op(src, cmp, field, "=")
        when = _time(src, cmp, field)
        if field == "start_time":
            if start is not None:
                src.fail("start_time may appear only once", cmp.start, cmp.end)
            start, start_span = when, (cmp.value.start, cmp.value.end)
            if now is not None and start < now - MAX_EVENT_WINDOW:
                src.fail(_TOO_OLD, *start_span)
        else:
            if end is not None:
                src.fail("end_time may appear only once", cmp.start, cmp.end)
            end = when
    if not types:
        src.fail('at least one event type is required, e.g. event_types:"google.workspace.chat.message.v1.created"')
    return frozenset(types), start, start_span, end
