"""RFC 3339 times: the one parser and the one formatter of the server.

Every place that reads a time from text — List filters (``create_time > "..."``), the control API
(``SetClock``), workspace files (``create_time: ...``) — parses it here, and every place that writes one
(the control API, the journal, fault records, workspace exports, the web UI) formats it here, so a time one
part writes is a time every other part reads. The REST face's times live inside request and response
messages and follow protobuf's JSON mapping of ``google.protobuf.Timestamp`` (the proto3 JSON rules that
Google's own REST endpoints and clients use), which accepts and produces the same RFC 3339 form.

The grammar is RFC 3339's ``date-time``: ``YYYY-MM-DDThh:mm:ss`` (a space for the ``T`` where the caller allows
it), an optional fraction of up to 9 digits
(digits beyond microseconds are dropped: datetimes hold microseconds), and ``Z`` or a ``±hh:mm`` offset
(``T`` and ``Z`` in either case). Callers strip surrounding blanks themselves where their input allows them.
Each caller words its own errors: :class:`TimestampError` says which rule the text broke.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["TimestampError", "format_rfc3339", "parse_rfc3339"]

_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})([Tt ])([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?",
    re.ASCII,
)


class TimestampError(ValueError):
    """Text that is not an RFC 3339 time. ``kind``: ``format`` (not the grammar), ``zone`` (a date-time without
    ``Z`` or an offset), ``offset`` (an offset past 23:59) or ``range`` (no such date or time, or outside years
    1..9999 once in UTC); ``reason`` words it."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def parse_rfc3339(text: str, *, space: bool = False) -> datetime:
    """An RFC 3339 time as an aware datetime in UTC; raises :class:`TimestampError`. ``space``: a space may
    separate the date from the time, as RFC 3339 (section 5.6, note) lets applications allow for readability —
    what people write in files (and what ``str()`` of a datetime gives); a List filter keeps to ``T``."""
    match = _DATE_TIME.fullmatch(text)
    if match is None or (match.group(4) == " " and not space):
        raise TimestampError(
            "format", "not an RFC-3339 timestamp like 2023-04-21T11:30:00-04:00 or 2023-04-21T15:30:00.5Z"
        )
    year, month, day, _, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if not zulu and not sign:
        raise TimestampError("zone", "needs a time zone: Z or a UTC offset such as +01:00")
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    if zulu:
        tz = UTC
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise TimestampError("offset", f"invalid UTC offset {sign}{off_h}:{off_m}")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=tz)
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise TimestampError("range", f"out of range ({exc})") from None


def format_rfc3339(when: datetime) -> str:
    """``when`` in UTC as RFC 3339 with a ``Z``: seconds, plus six fraction digits when it has microseconds
    (naive datetimes are taken as local time, as ``datetime.astimezone`` does)."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
