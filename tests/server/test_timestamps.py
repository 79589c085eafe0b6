"""The one RFC 3339 parser and formatter (chat_grpc.fake.timestamps) and how each caller words its errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chat_grpc.doors.grpc import control
from chat_grpc.fake import filters
from chat_grpc.fake.timestamps import TimestampError, format_rfc3339, parse_rfc3339
from chat_grpc.workspace.check_people import _parse_time
from chat_grpc.workspace.export import _time


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("yesterday", "format"),
        ("2026-01-05 09:00:00Z", "format"),
        ("2026-01-05T09:00:00", "zone"),
        ("2026-01-05T09:00:00+24:00", "offset"),
        ("2026-02-30T09:00:00Z", "range"),
    ],
)
def test_each_broken_rule_has_a_kind(text: str, kind: str) -> None:
    with pytest.raises(TimestampError) as info:
        parse_rfc3339(text)
    assert info.value.kind == kind


def test_a_space_for_the_t_only_where_the_caller_allows_it() -> None:
    assert parse_rfc3339("2026-01-05 09:00:00Z", space=True) == datetime(2026, 1, 5, 9, tzinfo=UTC)
    with pytest.raises(TimestampError):
        parse_rfc3339("2026-01-05 09:00:00Z")


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 1, 5, 9, tzinfo=UTC),
        datetime(2026, 1, 5, 9, 0, 0, 120, tzinfo=UTC),
        datetime(2026, 1, 5, 10, 30, tzinfo=timezone(timedelta(hours=1, minutes=30))),
    ],
)
def test_what_is_formatted_parses_back(when: datetime) -> None:
    text = format_rfc3339(when)
    assert text.endswith("Z") and parse_rfc3339(text) == when


def test_the_callers_share_the_parser_and_keep_their_words() -> None:
    text = "2026-01-05T10:00:00.5+01:00"
    expected = datetime(2026, 1, 5, 9, 0, 0, 500000, tzinfo=UTC)
    assert filters.parse_timestamp(text) == control.parse_rfc3339(f" {text} ") == _parse_time(text) == expected
    with pytest.raises(control.ControlError, match="needs a UTC offset"):
        control.parse_rfc3339("2026-01-05T10:00:00")
    with pytest.raises(control.ControlError, match="not an RFC-3339 time"):
        control.parse_rfc3339("soon")
    assert str(_parse_time("2026-01-05T10:00:00")).startswith("needs a time zone")
    assert control.rfc3339(expected) == _time(expected) == "2026-01-05T09:00:00.500000Z"
