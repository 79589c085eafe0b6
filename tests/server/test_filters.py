"""The filter and query languages of chat_grpc.fake.filters.

The first tables are the valid and invalid example queries of the API reference (spec/004, the field
descriptions of the List*/SearchSpaces requests; spec/000 repeats some in English). Then more cases per
language, the semantics of ``matches``, timestamps, order_by, and a no-crash fuzz.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.filters import (
    MAX_EVENT_WINDOW,
    SPACE_EVENT_TYPES,
    CustomEmojiFilter,
    MembershipFilter,
    MessageFilter,
    ReactionFilter,
    SpaceEventFilter,
    SpaceFilter,
    parse_custom_emoji_filter,
    parse_membership_filter,
    parse_message_filter,
    parse_message_order_by,
    parse_reaction_filter,
    parse_space_event_filter,
    parse_space_filter,
    parse_timestamp,
)
from chat_grpc.fake.space_query import display_name_matches, parse_search_order_by, parse_search_spaces_query

UTC = UTC
NOW = datetime(2023, 8, 30, 12, 0, tzinfo=UTC)  # within 28 days of the reference's 2023-08-23 examples
CUSTOMER = 'customer = "customers/my_customer" AND space_type = "SPACE"'
MSG_CREATED = "google.workspace.chat.message.v1.created"
SPACE_UPDATED = "google.workspace.chat.space.v1.updated"


def _events(text: str) -> object:
    return parse_space_event_filter(text, now=NOW)


def _admin_members(text: str) -> object:
    return parse_membership_filter(text, admin=True)


PARSERS: dict[str, Callable[[str], object]] = {
    "spaces": parse_space_filter,
    "memberships": parse_membership_filter,
    "memberships_admin": _admin_members,
    "search": parse_search_spaces_query,
    "search_order_by": parse_search_order_by,
    "messages": parse_message_filter,
    "messages_order_by": parse_message_order_by,
    "reactions": parse_reaction_filter,
    "custom_emojis": parse_custom_emoji_filter,
    "space_events": _events,
}
FIELD = {"search": "query", "search_order_by": "order_by", "messages_order_by": "order_by"}


def _expect_invalid(language: str, text: str) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as info:
        PARSERS[language](text)
    error = info.value
    assert error.violations and error.violations[0].field == FIELD.get(language, "filter")
    return error


# ----------------------------------------------------------------------------------------------------------------
# The reference's examples (spec/004, verbatim, line breaks included)

REFERENCE_VALID = [
    # ListSpacesRequest.filter
    ("spaces", 'space_type = "SPACE"'),
    ("spaces", 'spaceType = "GROUP_CHAT" OR spaceType = "DIRECT_MESSAGE"'),
    # ListMembershipsRequest.filter
    ("memberships", 'role = "ROLE_MANAGER" OR role = "ROLE_MEMBER"'),
    ("memberships", 'member.type = "HUMAN" AND role = "ROLE_MANAGER"'),
    ("memberships", 'member.type != "BOT"'),
    # ListMessagesRequest.filter
    ("messages", 'create_time > "2012-04-21T11:30:00-04:00"'),
    ("messages", 'create_time > "2012-04-21T11:30:00-04:00" AND\n  thread.name = spaces/AAAAAAAAAAA/threads/123'),
    (
        "messages",
        'create_time > "2012-04-21T11:30:00+00:00" AND\n\ncreate_time < "2013-01-01T00:00:00+00:00" AND\n'
        "  thread.name = spaces/AAAAAAAAAAA/threads/123",
    ),
    ("messages", "thread.name = spaces/AAAAAAAAAAA/threads/123"),
    # ListReactionsRequest.filter
    ("reactions", 'user.name = "users/{user}"'),
    ("reactions", 'emoji.unicode = "🙂"'),
    ("reactions", 'emoji.custom_emoji.uid = "{uid}"'),
    ("reactions", 'emoji.unicode = "🙂" OR emoji.unicode = "👍"'),
    ("reactions", 'emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}"'),
    ("reactions", 'emoji.unicode = "🙂" AND user.name = "users/{user}"'),
    ("reactions", '(emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}")\nAND user.name = "users/{user}"'),
    # prose examples of ListReactionsRequest.filter
    ("reactions", 'user.name = "users/AAAAAA" OR user.name = "users/BBBBBB"'),
    ("reactions", 'emoji.unicode = "🙂" AND user.name = "users/AAAAAA"'),
    # ListCustomEmojisRequest.filter
    ("custom_emojis", 'creator("users/me")'),
    ("custom_emojis", 'NOT creator("users/me")'),
    # ListSpaceEventsRequest.filter (the first documented example, start AND end without an event type, is
    # covered by test_space_events_reference_example_without_event_type)
    (
        "space_events",
        'start_time="2023-08-23T19:20:33+00:00" AND\n(event_types:"google.workspace.chat.space.v1.updated" OR\n'
        'event_types:"google.workspace.chat.message.v1.created")',
    ),
    # SearchSpacesRequest.query
    ("search", 'customer = "customers/my_customer" AND space_type = "SPACE"'),
    ("search", 'customer = "customers/my_customer" AND space_type = "SPACE" AND\ndisplay_name:"Hello World"'),
    (
        "search",
        'customer = "customers/my_customer" AND space_type = "SPACE" AND\n'
        '(last_active_time < "2020-01-01T00:00:00+00:00" OR last_active_time >\n"2022-01-01T00:00:00+00:00")',
    ),
    (
        "search",
        'customer = "customers/my_customer" AND space_type = "SPACE" AND\n'
        '(display_name:"Hello World" OR display_name:"Fun event") AND\n'
        '(last_active_time > "2020-01-01T00:00:00+00:00" AND last_active_time <\n"2022-01-01T00:00:00+00:00")',
    ),
    (
        "search",
        'customer = "customers/my_customer" AND space_type = "SPACE" AND\n'
        '(create_time > "2019-01-01T00:00:00+00:00" AND create_time <\n'
        '"2020-01-01T00:00:00+00:00") AND (external_user_allowed = "true") AND\n'
        '(space_history_state = "HISTORY_ON" OR space_history_state = "HISTORY_OFF")',
    ),
    # prose: 'a valid example is space_type = "SPACE" AND display_name:"Hello"' (plus the required customer)
    ("search", 'customer = "customers/my_customer" AND space_type = "SPACE" AND display_name:"Hello"'),
    # prose: the range example of AND (an empty range, but well formed)
    (
        "search",
        f'{CUSTOMER} AND last_active_time < "2022-01-01T00:00:00+00:00" AND '
        'last_active_time > "2023-01-01T00:00:00+00:00"',
    ),
    # SearchSpacesRequest.order_by: the six accepted syntaxes
    ("search_order_by", "membership_count.joined_direct_human_user_count DESC"),
    ("search_order_by", "membership_count.joined_direct_human_user_count ASC"),
    ("search_order_by", "last_active_time DESC"),
    ("search_order_by", "last_active_time ASC"),
    ("search_order_by", "create_time DESC"),
    ("search_order_by", "create_time ASC"),
    # ListMessagesRequest.order_by: "the default ordering is create_time ASC"
    ("messages_order_by", "create_time ASC"),
    ("messages_order_by", "create_time DESC"),
]

# (language, text, substrings the message must contain: the problem and the offending field / operator)
REFERENCE_INVALID = [
    ("memberships", 'member.type = "HUMAN" AND member.type = "BOT"', ["member.type", "AND"]),
    ("memberships", 'role = "ROLE_MANAGER" AND role = "ROLE_MEMBER"', ["role", "AND"]),
    ("reactions", 'emoji.unicode = "🙂" AND emoji.unicode = "👍"', ["emoji", "AND"]),
    ("reactions", 'emoji.unicode = "🙂" AND emoji.custom_emoji.uid = "{uid}"', ["emoji", "AND"]),
    ("reactions", 'emoji.unicode = "🙂" OR user.name = "users/{user}"', ["user.name", "OR"]),
    (
        "reactions",
        'emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}" OR\nuser.name = "users/{user}"',
        ["user.name", "OR"],
    ),
    (
        "reactions",
        'emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}"\nAND user.name = "users/{user}"',
        ["AND", "OR", "parentheses"],
    ),
    (
        "space_events",
        'start_time="2023-08-23T19:20:33+00:00" OR\nend_time="2023-08-23T19:21:54+00:00"',
        ["OR", "_time"],
    ),
    (
        "space_events",
        'event_types:"google.workspace.chat.space.v1.updated" AND\n'
        'event_types:"google.workspace.chat.message.v1.created"',
        ["event types", "AND"],
    ),
    # SearchSpaces prose: 'an invalid example is space_type = "SPACE" OR display_name:"Hello"'
    ("search", 'space_type = "SPACE" OR display_name:"Hello"', ["space_type", "display_name", "OR"]),
    ("search", 'customer = "customers/my_customer" AND space_type = "SPACE" OR display_name:"Hello"', ["AND", "OR"]),
    ("search", f'{CUSTOMER} AND (space_type = "SPACE" OR display_name:"Hello")', ["OR", "display_name"]),
    # ListSpaces prose: space_type can't be SPACE_TYPE_UNSPECIFIED
    ("spaces", 'space_type = "SPACE_TYPE_UNSPECIFIED"', ["SPACE_TYPE_UNSPECIFIED"]),
    # ListMemberships prose: admin access needs member.type = "HUMAN" or member.type != "BOT"
    ("memberships_admin", 'member.type = "BOT"', ["member.type", "HUMAN"]),
    ("memberships_admin", 'role = "ROLE_MANAGER"', ["member.type"]),
    ("memberships_admin", "", ["required"]),
    # ListCustomEmojis prose: only creator("users/me") and NOT creator("users/me")
    ("custom_emojis", 'creator("users/someone")', ["creator", "users/me"]),
    # ListSpaceEvents prose: at least one event type
    ("space_events", 'start_time="2023-08-23T19:20:33+00:00"', ["event type"]),
]


@pytest.mark.parametrize(("language", "text"), REFERENCE_VALID)
def test_reference_valid(language: str, text: str) -> None:
    assert PARSERS[language](text) is not None


@pytest.mark.parametrize(("language", "text", "needles"), REFERENCE_INVALID)
def test_reference_invalid(language: str, text: str, needles: list[str]) -> None:
    error = _expect_invalid(language, text)
    for needle in needles:
        assert needle in error.message, (needle, error.message)


def test_space_events_reference_example_without_event_type() -> None:
    """The reference lists ``start_time=… AND end_time=…`` as valid, but its prose (and the facts) say at least
    one event type is required. The prose wins: the times alone are rejected, with an event type they parse."""
    times = 'start_time="2023-08-23T19:20:33+00:00" AND\nend_time="2023-08-23T19:21:54+00:00"'
    error = _expect_invalid("space_events", times)
    assert "event type" in error.message
    parsed = parse_space_event_filter(f'{times} AND event_types:"{MSG_CREATED}"', now=NOW)
    assert parsed.start_time == datetime(2023, 8, 23, 19, 20, 33, tzinfo=UTC)
    assert parsed.end_time == datetime(2023, 8, 23, 19, 21, 54, tzinfo=UTC)


# ----------------------------------------------------------------------------------------------------------------
# More valid / invalid cases per language

MORE_VALID = [
    ("spaces", 'space_type = "SPACE" OR space_type = "GROUP_CHAT" OR spaceType = "DIRECT_MESSAGE"'),
    ("spaces", '(space_type = "SPACE")'),
    ("spaces", "space_type = SPACE"),
    ("spaces", 'space_type="SPACE"'),
    ("memberships", 'member.type = "BOT"'),
    ("memberships", '(role = "ROLE_MANAGER" OR role = "ROLE_MEMBER") AND member.type = "HUMAN"'),
    ("memberships", 'member.type = "HUMAN" OR member.type = "BOT"'),
    ("memberships_admin", 'member.type = "HUMAN"'),
    ("memberships_admin", 'member.type != "BOT"'),
    ("memberships_admin", 'role = "ROLE_MANAGER" AND member.type != "BOT"'),
    ("memberships_admin", 'member.type = "HUMAN" AND (role = "ROLE_MANAGER" OR role = "ROLE_MEMBER")'),
    ("messages", 'create_time < "2013-01-01T00:00:00Z"'),
    ("messages", 'thread.name = "spaces/AAA/threads/123" AND create_time > "2012-04-21T11:30:00.123456789Z"'),
    ("messages", 'createTime > "2012-04-21T11:30:00Z"'),
    ("reactions", 'emoji.custom_emoji.uid = "a" OR emoji.unicode = "👍" OR emoji.unicode = "🙂"'),
    ("reactions", 'user.name = "users/A" AND (emoji.unicode = "🙂" OR emoji.unicode = "👍")'),
    (
        "reactions",
        '(user.name = "users/A" OR user.name = "users/B") AND (emoji.unicode = "🙂" OR emoji.unicode = "👍")',
    ),
    ("custom_emojis", ' creator( "users/me" ) '),
    ("custom_emojis", 'NOT (creator("users/me"))'),
    ("space_events", f'event_types:"{MSG_CREATED}"'),
    ("space_events", f"event_types:{MSG_CREATED}"),
    ("space_events", f'event_type:"{MSG_CREATED}" OR eventTypes:"{SPACE_UPDATED}"'),
    (
        "space_events",
        f'eventTypes:"{MSG_CREATED}" AND startTime="2023-08-23T00:00:00Z" AND endTime="2023-08-24T00:00:00Z"',
    ),
    ("space_events", f'end_time="2023-08-24T00:00:00Z" AND event_types:"{MSG_CREATED}"'),
    ("space_events", 'event_types:"google.workspace.chat.reaction.v1.batchCreated"'),
    ("search", 'spaceType = "SPACE" AND customer = "customers/my_customer"'),
    ("search", f'{CUSTOMER} AND displayName:"fun" AND externalUserAllowed = "false"'),
    ("search", f'{CUSTOMER} AND spaceHistoryState = "HISTORY_OFF"'),
    ("search", f'{CUSTOMER} AND createTime >= "2020-01-01T00:00:00Z" AND lastActiveTime <= "2021-01-01T00:00:00Z"'),
    ("search", f'{CUSTOMER} AND create_time = "2020-01-01T00:00:00Z"'),
    ("search", f'{CUSTOMER} AND create_time > "2020-01-01T00:00:00Z" AND create_time < "2021-01-01T00:00:00Z"'),
    (
        "search",
        f'{CUSTOMER} AND ((create_time > "2019-01-01T00:00:00Z" AND create_time < "2019-02-01T00:00:00Z") OR '
        'create_time = "2020-01-01T00:00:00Z")',
    ),
    ("search", f'{CUSTOMER} AND (external_user_allowed = "true" OR external_user_allowed = "false")'),
    ("search_order_by", "create_time"),
    ("search_order_by", "  last_active_time   desc "),
    ("search_order_by", "lastActiveTime DESC"),
    ("messages_order_by", "create_time"),
    ("messages_order_by", "createTime desc"),
]

MORE_INVALID = [
    # ListSpaces
    ("spaces", 'space_type = "SPACE" AND space_type = "GROUP_CHAT"', ["AND", "space_type"]),
    ("spaces", 'space_type != "SPACE"', ["'!='", "space_type"]),
    ("spaces", 'space_type = "ROOM"', ["ROOM", "space_type"]),
    ("spaces", 'display_name = "x"', ["display_name", "unknown field"]),
    ("spaces", 'space_type = "SPACE" OR', ["end of input"]),
    ("spaces", 'space_type = "SPACE" space_type = "DM"', ["AND, OR"]),
    ("spaces", 'space_type = "SPACE', ["unterminated"]),
    ("spaces", 'space_type = "SPACE")', ["')'"]),
    ("spaces", '(space_type = "SPACE"', ["missing ')'"]),
    ("spaces", 'space_type == "SPACE"', ["'='"]),
    ("spaces", 'space_type ! "SPACE"', ["'!'"]),
    ("spaces", 'NOT space_type = "SPACE"', ["NOT"]),
    ("spaces", 'space_type = "SPACE" or space_type = "GROUP_CHAT"', ["'or'"]),
    ("spaces", "()", ["empty parentheses"]),
    ("spaces", 'space_type("SPACE")', ["space_type(...)"]),
    # ListMemberships
    ("memberships", 'role = "ROLE_MANAGER" OR member.type = "HUMAN"', ["role", "member.type", "OR"]),
    ("memberships", 'role != "ROLE_MANAGER"', ["'!='", "role"]),
    ("memberships", 'role = "OWNER"', ["OWNER", "role"]),
    ("memberships", 'member.type = "HUMAN" AND member.type != "BOT"', ["member.type", "AND"]),
    ("memberships", 'member.type != "BOT" OR member.type != "HUMAN"', ["member.type", "!=", "OR"]),
    ("memberships", 'member.type > "BOT"', ["'>'", "member.type"]),
    ("memberships", 'member.name = "users/1"', ["member.name"]),
    ("memberships", 'role = "ROLE_MANAGER" OR role = "ROLE_MEMBER" AND member.type = "HUMAN"', ["parentheses"]),
    ("memberships_admin", 'member.type = "HUMAN" OR member.type = "BOT"', ["member.type", "HUMAN"]),
    ("memberships_admin", "   ", ["required"]),
    # ListMessages
    ("messages", 'create_time >= "2012-04-21T11:30:00Z"', ["'>='", "create_time"]),
    ("messages", 'create_time = "2012-04-21T11:30:00Z"', ["'='", "create_time"]),
    ("messages", "create_time > 2012-04-21", ["create_time", "quoted"]),
    ("messages", 'create_time > "yesterday"', ["yesterday", "RFC-3339"]),
    ("messages", 'create_time > "2012-04-21T11:30:00"', ["RFC-3339"]),
    ("messages", 'create_time > "2012-02-30T11:30:00Z"', ["out of range"]),
    ("messages", 'create_time > "2012-04-21T11:30:00Z" OR create_time < "2013-01-01T00:00:00Z"', ["OR"]),
    ("messages", 'create_time > "2012-04-21T11:30:00Z" AND create_time > "2012-05-21T11:30:00Z"', ["create_time >"]),
    ("messages", "thread.name = spaces/A/threads/1 AND thread.name = spaces/A/threads/2", ["one thread.name"]),
    ("messages", "thread.name = threads/1", ["thread.name", "threads/1"]),
    ("messages", "thread.name != spaces/A/threads/1", ["'!='", "thread.name"]),
    ("messages", 'text = "hello"', ["text", "unknown field"]),
    # ListReactions
    ("reactions", 'emoji.unicode != "🙂"', ["'!='", "emoji.unicode"]),
    ("reactions", 'user.name = "AAAA"', ["user.name", "users/"]),
    ("reactions", 'user.name = "users/A" AND user.name = "users/B"', ["user.name", "AND"]),
    ("reactions", 'emoji.unicode = ""', ["emoji.unicode", "non-empty"]),
    ("reactions", '(emoji.unicode = "🙂" AND user.name = "users/A") OR user.name = "users/B"', ["AND", "OR"]),
    ("reactions", 'emoji.name = "x"', ["emoji.name"]),
    # ListCustomEmojis
    ("custom_emojis", 'creator = "users/me"', ["creator", "users/me"]),
    ("custom_emojis", 'owner("users/me")', ["creator"]),
    ("custom_emojis", "creator()", ["users/me"]),
    ("custom_emojis", 'creator("users/me", "users/me")', ["users/me"]),
    ("custom_emojis", 'NOT NOT creator("users/me")', ["creator"]),
    ("custom_emojis", 'creator("users/me") AND NOT creator("users/me")', ["creator"]),
    ("custom_emojis", '-creator("users/me")', ["-creator", "NOT creator"]),
    # ListSpaceEvents
    ("space_events", "", ["required"]),
    ("space_events", 'event_types:"google.workspace.chat.message.v1.exploded"', ["unknown event type", "exploded"]),
    ("space_events", f'event_types = "{MSG_CREATED}"', ["'='", "':'"]),
    ("space_events", f'event_types:"{MSG_CREATED}" OR start_time="2023-08-23T00:00:00Z"', ["start_time", "OR"]),
    ("space_events", f'event_types:"{MSG_CREATED}" AND start_time > "2023-08-23T00:00:00Z"', ["'>'", "start_time"]),
    (
        "space_events",
        f'event_types:"{MSG_CREATED}" AND start_time="2023-08-25T00:00:00Z" AND end_time="2023-08-24T00:00:00Z"',
        ["start_time", "before end_time"],
    ),
    (
        "space_events",
        f'event_types:"{MSG_CREATED}" AND start_time="2023-08-23T00:00:00Z" AND start_time="2023-08-24T00:00:00Z"',
        ["start_time", "once"],
    ),
    ("space_events", f'event_types:"{MSG_CREATED}" AND start_time="2023-07-01T00:00:00Z"', ["28 days"]),
    ("space_events", f'event_types:"{MSG_CREATED}" AND start_time="2023-09-01T00:00:00Z"', ["before end_time"]),
    ("space_events", f'event_types:"{MSG_CREATED}" AND end_time="2023-07-01T00:00:00Z"', ["before end_time"]),
    ("space_events", f'event_types:"{MSG_CREATED}" AND user.name = "users/1"', ["user.name", "unknown field"]),
    # SearchSpaces
    ("search", "", ["required"]),
    ("search", 'space_type = "SPACE"', ["customer", "required"]),
    ("search", 'customer = "customers/my_customer"', ["space_type", "required"]),
    ("search", 'customer = "customers/C0123" AND space_type = "SPACE"', ["customer", "customers/my_customer"]),
    ("search", 'customer = "customers/my_customer" AND space_type = "GROUP_CHAT"', ["space_type", "SPACE"]),
    ("search", f'{CUSTOMER} AND space_type = "SPACE"', ["space_type", "AND or OR"]),
    (
        "search",
        'customer = "customers/my_customer" AND (space_type = "SPACE" OR space_type = "SPACE")',
        ["space_type"],
    ),
    ("search", f'{CUSTOMER} AND display_name = "Hello"', ["'='", "display_name", "':'"]),
    ("search", f'{CUSTOMER} AND display_name:"a" AND display_name:"b"', ["display_name", "only OR"]),
    ("search", f'{CUSTOMER} AND display_name:"  "', ["display_name", "word"]),
    ("search", f'{CUSTOMER} AND external_user_allowed = "maybe"', ["external_user_allowed", "maybe"]),
    (
        "search",
        f'{CUSTOMER} AND external_user_allowed = "true" AND external_user_allowed = "false"',
        ["external_user_allowed", "only OR"],
    ),
    ("search", f'{CUSTOMER} AND space_history_state = "HISTORY_STATE_UNSPECIFIED"', ["space_history_state"]),
    ("search", f'{CUSTOMER} AND space_history_state : "HISTORY_ON"', ["':'", "space_history_state"]),
    ("search", f'{CUSTOMER} AND create_time != "2020-01-01T00:00:00Z"', ["'!='", "create_time"]),
    ("search", f'{CUSTOMER} AND create_time > "2020"', ["create_time", "RFC-3339"]),
    (
        "search",
        f'{CUSTOMER} AND create_time > "2020-01-01T00:00:00Z" AND create_time >= "2020-02-01T00:00:00Z"',
        ["create_time", "lower bound"],
    ),
    (
        "search",
        f'{CUSTOMER} AND create_time = "2020-01-01T00:00:00Z" AND create_time < "2020-02-01T00:00:00Z"',
        ["create_time", "range"],
    ),
    (
        "search",
        f'{CUSTOMER} AND (create_time < "2020-01-01T00:00:00Z" OR create_time > "2021-01-01T00:00:00Z") '
        'AND create_time > "2019-01-01T00:00:00Z"',
        ["create_time", "OR group"],
    ),
    ("search", f'{CUSTOMER} AND (create_time > "2020-01-01T00:00:00Z" OR display_name:"x")', ["create_time", "OR"]),
    ("search", f"{CUSTOMER} AND membership_count > 3", ["membership_count", "unknown field"]),
    ("search", f'{CUSTOMER} AND NOT display_name:"x"', ["NOT"]),
    # order_by
    ("search_order_by", "display_name", ["display_name"]),
    ("search_order_by", "create_time UP", ["ASC or DESC", "UP"]),
    ("search_order_by", "create_time DESC, last_active_time", ["more than one field"]),
    ("search_order_by", "create_time DESC DESC", ["DESC"]),
    ("search_order_by", '"create_time"', ["create_time"]),
    ("search_order_by", "relevance DESC", ["relevance"]),
    ("messages_order_by", "DESC", ["DESC"]),
    ("messages_order_by", "last_active_time DESC", ["last_active_time"]),
    ("messages_order_by", "create_time sideways", ["sideways"]),
]


@pytest.mark.parametrize(("language", "text"), MORE_VALID)
def test_more_valid(language: str, text: str) -> None:
    PARSERS[language](text)


@pytest.mark.parametrize(("language", "text", "needles"), MORE_INVALID)
def test_more_invalid(language: str, text: str, needles: list[str]) -> None:
    error = _expect_invalid(language, text)
    for needle in needles:
        assert needle in error.message, (needle, error.message)


def test_error_message_has_offset_and_offending_text() -> None:
    error = _expect_invalid("memberships", 'role = "ROLE_MANAGER" AND role = "ROLE_MEMBER"')
    assert error.message.startswith("invalid filter: ")
    assert "at offset 26" in error.message
    assert 'role = "ROLE_MEMBER"' in error.message
    assert error.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    "parser", [parse_space_filter, parse_membership_filter, parse_message_filter, parse_reaction_filter]
)
@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_blank_optional_filters_mean_no_filter(parser: Callable[[str], object], blank: str) -> None:
    assert parser(blank) is None
    assert parse_custom_emoji_filter(blank) is None


def test_deep_nesting_is_rejected_not_crashing() -> None:
    for text in ["(" * 5000 + 'space_type = "SPACE"' + ")" * 5000, "NOT " * 5000 + 'creator("users/me")']:
        with pytest.raises(InvalidArgument, match="levels deep"):
            parse_space_filter(text)
    assert parse_space_filter("(" * 20 + 'space_type = "SPACE"' + ")" * 20) == SpaceFilter(frozenset({"SPACE"}))


# ----------------------------------------------------------------------------------------------------------------
# Semantics


def test_space_filter_matches() -> None:
    f = parse_space_filter('spaceType = "GROUP_CHAT" OR spaceType = "DIRECT_MESSAGE"')
    assert f == SpaceFilter(frozenset({"GROUP_CHAT", "DIRECT_MESSAGE"}))
    assert f.matches("GROUP_CHAT") and f.matches("DIRECT_MESSAGE") and not f.matches("SPACE")


def test_membership_filter_matches() -> None:
    f = parse_membership_filter('member.type = "HUMAN" AND role = "ROLE_MANAGER"')
    assert f == MembershipFilter(frozenset({"ROLE_MANAGER"}), frozenset({"HUMAN"}), frozenset())
    assert f.matches("ROLE_MANAGER", "HUMAN")
    assert not f.matches("ROLE_MEMBER", "HUMAN")
    assert not f.matches("ROLE_MANAGER", "BOT")

    not_bot = parse_membership_filter('member.type != "BOT"')
    assert not_bot is not None
    assert not_bot.matches("ROLE_MEMBER", "HUMAN") and not_bot.matches("ROLE_MANAGER", "HUMAN")
    assert not not_bot.matches("ROLE_MEMBER", "BOT")
    assert not_bot.humans_only

    roles = parse_membership_filter('role = "ROLE_MANAGER" OR role = "ROLE_MEMBER"')
    assert roles is not None and roles.matches("ROLE_MEMBER", "BOT") and roles.matches("ROLE_MANAGER", "HUMAN")
    assert not roles.humans_only


def test_membership_admin_filter() -> None:
    f = parse_membership_filter('role = "ROLE_MANAGER" AND member.type = "HUMAN"', admin=True)
    assert f is not None and f.humans_only and f.matches("ROLE_MANAGER", "HUMAN")
    assert parse_membership_filter("", admin=False) is None


@dataclass
class FakeSpace:
    display_name: str = "Fun event"
    external_user_allowed: bool = False
    space_history_state: str = "HISTORY_ON"
    create_time: datetime | None = datetime(2019, 6, 1, tzinfo=UTC)
    last_active_time: datetime | None = datetime(2021, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Fun event", True),
        ("The evening was fun", True),
        ("FUN EVENTS", True),
        ("fun-eve", True),
        ("notFun event", False),
        ("even", False),
        ("Fun", False),
        ("", False),
    ],
)
def test_display_name_prefix_examples(name: str, expected: bool) -> None:
    assert display_name_matches("Fun Eve", name) is expected
    query = parse_search_spaces_query(f'{CUSTOMER} AND display_name:"Fun Eve"')
    assert query.display_names == ("Fun Eve",)
    assert query.matches(FakeSpace(display_name=name)) is expected


def test_search_query_matches() -> None:
    q = parse_search_spaces_query(
        'customer = "customers/my_customer" AND space_type = "SPACE" AND\n'
        '(create_time > "2019-01-01T00:00:00+00:00" AND create_time <\n'
        '"2020-01-01T00:00:00+00:00") AND (external_user_allowed = "true") AND\n'
        '(space_history_state = "HISTORY_ON" OR space_history_state = "HISTORY_OFF")'
    )
    assert q.customer == "customers/my_customer" and q.space_type == "SPACE"
    assert q.external_user_allowed == frozenset({True})
    assert q.space_history_states == frozenset({"HISTORY_ON", "HISTORY_OFF"})
    assert q.matches(FakeSpace(external_user_allowed=True))
    assert not q.matches(FakeSpace(external_user_allowed=False))
    assert not q.matches(FakeSpace(external_user_allowed=True, create_time=datetime(2020, 1, 1, tzinfo=UTC)))
    assert not q.matches(FakeSpace(external_user_allowed=True, create_time=None))
    assert q.matches(FakeSpace(external_user_allowed=True, display_name="anything"))


def test_search_query_time_union_and_bounds() -> None:
    q = parse_search_spaces_query(
        f'{CUSTOMER} AND (last_active_time < "2020-01-01T00:00:00+00:00" OR '
        'last_active_time >= "2022-01-01T00:00:00+00:00")'
    )
    assert len(q.last_active_time) == 2
    assert q.matches(FakeSpace(last_active_time=datetime(2019, 12, 31, tzinfo=UTC)))
    assert not q.matches(FakeSpace(last_active_time=datetime(2020, 1, 1, tzinfo=UTC)))
    assert q.matches(FakeSpace(last_active_time=datetime(2022, 1, 1, tzinfo=UTC)))
    assert not q.matches(FakeSpace(last_active_time=None))

    eq = parse_search_spaces_query(f'{CUSTOMER} AND create_time = "2019-06-01T02:00:00+02:00"')
    assert eq.matches(FakeSpace())
    assert not eq.matches(FakeSpace(create_time=datetime(2019, 6, 1, 0, 0, 1, tzinfo=UTC)))

    closed = parse_search_spaces_query(
        f'{CUSTOMER} AND create_time >= "2019-06-01T00:00:00Z" AND create_time <= "2019-06-01T00:00:00Z"'
    )
    assert closed.matches(FakeSpace())

    empty = parse_search_spaces_query(
        f'{CUSTOMER} AND last_active_time < "2022-01-01T00:00:00+00:00" AND '
        'last_active_time > "2023-01-01T00:00:00+00:00"'
    )
    assert not empty.matches(FakeSpace(last_active_time=datetime(2022, 6, 1, tzinfo=UTC)))


def test_search_query_without_optional_fields_matches_everything() -> None:
    q = parse_search_spaces_query('spaceType = "SPACE" AND customer = "customers/my_customer"')
    assert q.matches(FakeSpace(create_time=None, last_active_time=None, display_name=""))


def test_search_display_name_alternatives() -> None:
    q = parse_search_spaces_query(f'{CUSTOMER} AND (display_name:"Hello World" OR display_name:"Fun event")')
    assert q.matches(FakeSpace(display_name="hello worldwide"))
    assert q.matches(FakeSpace(display_name="Fun events"))
    assert not q.matches(FakeSpace(display_name="Hello"))


def test_message_filter_bounds_are_exclusive() -> None:
    f = parse_message_filter(
        'create_time > "2012-04-21T11:30:00-04:00" AND create_time < "2013-01-01T00:00:00+00:00" AND '
        "thread.name = spaces/AAAAAAAAAAA/threads/123"
    )
    after = datetime(2012, 4, 21, 15, 30, tzinfo=UTC)
    before = datetime(2013, 1, 1, tzinfo=UTC)
    assert f == MessageFilter(after, before, "spaces/AAAAAAAAAAA/threads/123")
    assert f.created_after is not None and f.created_after.tzinfo is not None
    thread = "spaces/AAAAAAAAAAA/threads/123"
    assert f.matches(after + timedelta(microseconds=1), thread)
    assert not f.matches(after, thread)
    assert not f.matches(before, thread)
    assert not f.matches(after + timedelta(days=1), "spaces/AAAAAAAAAAA/threads/124")
    only_thread = parse_message_filter('thread.name = "spaces/A/threads/1"')
    assert only_thread == MessageFilter(None, None, "spaces/A/threads/1")


def test_reaction_filter_matches() -> None:
    f = parse_reaction_filter('(emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "U1")\nAND user.name = "users/Y"')
    assert f == ReactionFilter(frozenset({"🙂"}), frozenset({"U1"}), frozenset({"users/Y"}))
    assert f.matches("🙂", None, "users/Y")
    assert f.matches(None, "U1", "users/Y")
    assert not f.matches("👍", None, "users/Y")
    assert not f.matches("🙂", None, "users/Z")
    users = parse_reaction_filter('user.name = "users/A" OR user.name = "users/B"')
    assert users is not None and users.matches("👍", None, "users/B") and users.matches(None, "X", "users/A")
    assert not users.matches("👍", None, "users/C")
    emoji = parse_reaction_filter('emoji.unicode = "🙂"')
    assert emoji is not None and emoji.matches("🙂", None, "users/anyone") and not emoji.matches(None, "🙂", "users/a")


def test_custom_emoji_filter() -> None:
    mine = parse_custom_emoji_filter('creator("users/me")')
    others = parse_custom_emoji_filter('NOT creator("users/me")')
    assert mine == CustomEmojiFilter(created_by_caller=True)
    assert others == CustomEmojiFilter(created_by_caller=False)
    assert mine.matches(True) and not mine.matches(False)
    assert others.matches(False) and not others.matches(True)


def test_space_event_types() -> None:
    assert len(SPACE_EVENT_TYPES) == 18
    assert all(t.startswith("google.workspace.chat.") for t in SPACE_EVENT_TYPES)
    assert "google.workspace.chat.space.v1.batchUpdated" in SPACE_EVENT_TYPES
    assert "google.workspace.chat.space.v1.created" not in SPACE_EVENT_TYPES
    assert "google.workspace.chat.reaction.v1.updated" not in SPACE_EVENT_TYPES
    assert timedelta(days=28) == MAX_EVENT_WINDOW


@pytest.mark.parametrize("event_type", sorted(SPACE_EVENT_TYPES))
def test_every_event_type_is_accepted(event_type: str) -> None:
    assert parse_space_event_filter(f'event_types:"{event_type}"', now=NOW).event_types == {event_type}


def test_space_event_defaults_and_matching() -> None:
    f = parse_space_event_filter(f'event_types:"{MSG_CREATED}" OR event_types:"{SPACE_UPDATED}"', now=NOW)
    assert f == SpaceEventFilter(frozenset({MSG_CREATED, SPACE_UPDATED}), NOW - MAX_EVENT_WINDOW, NOW)
    assert f.matching_event_types == {
        MSG_CREATED,
        "google.workspace.chat.message.v1.batchCreated",
        SPACE_UPDATED,
        "google.workspace.chat.space.v1.batchUpdated",
    }
    assert f.matches(MSG_CREATED, NOW)  # end inclusive
    assert not f.matches(MSG_CREATED, NOW - MAX_EVENT_WINDOW)  # start exclusive
    assert f.matches("google.workspace.chat.message.v1.batchCreated", NOW - timedelta(days=1))
    assert not f.matches("google.workspace.chat.message.v1.deleted", NOW - timedelta(days=1))


def test_space_event_window_edge() -> None:
    edge = NOW - timedelta(days=28)
    ok = parse_space_event_filter(f'event_types:"{MSG_CREATED}" AND start_time="{edge.isoformat()}"', now=NOW)
    assert ok.start_time == edge and ok.end_time == NOW
    too_old = (edge - timedelta(seconds=1)).isoformat()
    with pytest.raises(InvalidArgument, match="28 days") as info:
        parse_space_event_filter(f'event_types:"{MSG_CREATED}" AND start_time="{too_old}"', now=NOW)
    assert info.value.violations[0].field == "filter"


def test_space_event_now_is_normalised() -> None:
    naive = datetime(2023, 8, 30, 12, 0)
    other_zone = datetime(2023, 8, 30, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    for now in (naive, other_zone):
        f = parse_space_event_filter(f'event_types:"{MSG_CREATED}"', now=now)
        assert f.end_time == NOW and f.end_time.tzinfo == UTC


# ----------------------------------------------------------------------------------------------------------------
# Timestamps and order_by


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-21T11:30:00-04:00", datetime(2023, 4, 21, 15, 30, tzinfo=UTC)),
        ("2023-04-21T11:30:00+00:00", datetime(2023, 4, 21, 11, 30, tzinfo=UTC)),
        ("2023-04-21T11:30:00Z", datetime(2023, 4, 21, 11, 30, tzinfo=UTC)),
        ("2023-04-21t11:30:00z", datetime(2023, 4, 21, 11, 30, tzinfo=UTC)),
        ("2023-04-21T11:30:00.5Z", datetime(2023, 4, 21, 11, 30, 0, 500000, tzinfo=UTC)),
        ("2023-04-21T11:30:00.123456789+05:30", datetime(2023, 4, 21, 6, 0, 0, 123456, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2023-04-21",
        "2023-04-21T11:30:00",
        "2023-04-21 11:30:00Z",
        "2023-04-21T11:30Z",
        "2023-04-21T11:30:00.Z",
        "2023-04-21T11:30:00.1234567890Z",
        "2023-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2023-04-21T24:00:00Z",
        "2023-04-21T11:60:00Z",
        "2023-04-21T11:30:60Z",
        "2023-04-21T11:30:00+24:00",
        "2023-04-21T11:30:00+05:60",
        "2023-04-21T11:30:00+0500",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "\uff12\uff10\uff12\uff13-04-21T11:30:00Z",  # full-width digits
        " 2023-04-21T11:30:00Z",
    ],
)
def test_parse_timestamp_rejects(text: str) -> None:
    with pytest.raises(InvalidArgument, match="timestamp"):
        parse_timestamp(text)
    with pytest.raises(InvalidArgument) as info:
        parse_timestamp(text, field="filter")
    assert info.value.violations[0].field == "filter"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("create_time", False)),
        ("   ", ("create_time", False)),
        ("create_time", ("create_time", False)),
        ("create_time DESC", ("create_time", True)),
        ("last_active_time", ("last_active_time", False)),
        ("last_active_time ASC", ("last_active_time", False)),
        (
            "membership_count.joined_direct_human_user_count DESC",
            ("membership_count.joined_direct_human_user_count", True),
        ),
        ("membershipCount.joinedDirectHumanUserCount asc", ("membership_count.joined_direct_human_user_count", False)),
    ],
)
def test_search_order_by(text: str, expected: tuple[str, bool]) -> None:
    assert parse_search_order_by(text) == expected


@pytest.mark.parametrize(
    ("text", "descending"),
    [
        ("", False),
        ("create_time", False),
        ("create_time ASC", False),
        ("create_time DESC", True),
        ("createTime desc", True),
    ],
)
def test_message_order_by(text: str, descending: bool) -> None:
    assert parse_message_order_by(text) is descending


# ----------------------------------------------------------------------------------------------------------------
# Fuzz: any string gives a result or InvalidArgument, never another exception

_FRAGMENTS = [
    " ",
    " AND ",
    " OR ",
    "NOT ",
    "(",
    ")",
    '"',
    "\\",
    ",",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    ":",
    "!",
    "-",
    "space_type",
    "role",
    "member.type",
    "create_time",
    "thread.name",
    "emoji.unicode",
    "user.name",
    "creator",
    "event_types",
    "start_time",
    "end_time",
    "customer",
    "display_name",
    "last_active_time",
    '"SPACE"',
    '"HUMAN"',
    '"users/me"',
    '"2023-08-23T19:20:33+00:00"',
    '"2023-08-29T19:20:33.123456789Z"',
    f'"{MSG_CREATED}"',
    '"customers/my_customer"',
    "spaces/A/threads/1",
    '"🙂"',
    "DESC",
    "ASC",
    "\x00",
    "\ud800",
    "\u00a0",
    "é",
]


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 30)))
    return "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randrange(0, 14)))


def _mutations(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randrange(1, 4)):
        if not chars:
            break
        i = rng.randrange(len(chars))
        action = rng.randrange(3)
        if action == 0:
            del chars[i]
        elif action == 1:
            chars.insert(i, rng.choice(_FRAGMENTS))
        else:
            chars[i] = rng.choice(_FRAGMENTS)
    return "".join(chars)


def test_fuzz_never_crashes() -> None:
    rng = random.Random(20230823)
    seeds = [text for _, text in REFERENCE_VALID + MORE_VALID]
    outcomes = {"ok": 0, "invalid": 0}
    for i in range(6000):
        text = _random_text(rng) if i % 2 else _mutations(rng, rng.choice(seeds))
        for parser in PARSERS.values():
            try:
                parser(text)
                outcomes["ok"] += 1
            except InvalidArgument as error:
                assert error.message.startswith("invalid "), error.message
                assert error.violations, text
                outcomes["invalid"] += 1
    assert outcomes["ok"] > 0 and outcomes["invalid"] > 0


def test_a_filter_text_is_parsed_once_and_a_bad_one_fails_every_time() -> None:
    """Paging repeats the same filter call after call: its parse is kept (the values are immutable); errors are not
    kept, so a bad filter answers INVALID_ARGUMENT with its message on every call."""
    text = 'emoji.unicode = "🙂" OR emoji.unicode = "👍"'
    assert parse_reaction_filter(text) is parse_reaction_filter(text)
    assert parse_search_spaces_query('customer = "customers/my_customer" AND space_type = "SPACE"') is (
        parse_search_spaces_query('customer = "customers/my_customer" AND space_type = "SPACE"')
    )
    member_filter = 'role = "ROLE_MANAGER"'
    assert parse_membership_filter(member_filter) is parse_membership_filter(member_filter)
    with pytest.raises(InvalidArgument, match="use_admin_access"):  # the arguments are the key, not the text alone
        parse_membership_filter(member_filter, admin=True)
    for _ in range(2):
        with pytest.raises(InvalidArgument, match="filter"):
            parse_reaction_filter('emoji.unicode = "🙂" AND OR')
