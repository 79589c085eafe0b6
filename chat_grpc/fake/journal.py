"""The call journal: every ChatService call a server answered, for tests to assert on and for people to read.

Each entry holds the method, the request, the caller (``users/{id}``, or None when the call was
not authenticated), the metadata (``authorization`` redacted, binary values base64), the status code name,
the status message, the latency in milliseconds (injected delays included) and the wall-clock time the
call arrived. A call is recorded before its answer leaves the server, so a test sees it as soon as the
call returns. The journal keeps the last ``max_calls`` calls (10,000 by default) within ``max_bytes`` (64 MiB
by default: large requests push out old calls sooner; the latest call is always kept) and counts the rest in
``dropped``, so a long-running emulator cannot grow without limit.

A kept call holds its request and response as serialized bytes, parsed again when the call is first read: no
Python message objects stay alive per call (10,000 kept pages of messages would otherwise be objects the garbage
collector walks again and again), and serializing costs what measuring the size for ``max_bytes`` did.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os import PathLike
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from chat_grpc.fake import wire_bytes

DEFAULT_MAX_CALLS = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # what the kept calls may hold in all (requests, metadata, messages)
_ENTRY_OVERHEAD = 400  # bytes of Python objects per entry besides its request, metadata and message
REDACTED = "<redacted>"


@dataclass(frozen=True)
class RecordedCall:
    seq: int  # 1, 2, ... in the order calls arrived at the journal (never reused, also after clear())
    method: str  # "CreateMessage"
    request: Message = field(repr=False)
    principal: str | None  # "users/{id}" of the caller, None when not authenticated
    raw_metadata: tuple[tuple[str, str | bytes], ...] = field(repr=False)  # as received; read `metadata`
    code: str  # a grpc.StatusCode name: "OK", "NOT_FOUND", ...
    details: str  # the status message ("" when OK)
    latency_ms: float
    time: datetime  # when the call arrived (wall clock, UTC)
    fault: str | None = None  # the injected fault that fired on this call, e.g. "fail UNAVAILABLE"
    face: str = "grpc"  # the door the call came through: "grpc" or "rest"
    response: Message | None = field(default=None, repr=False)  # what the call answered (None when it failed)

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """The metadata with ``authorization`` redacted and binary values in base64 (cleaned when read, not
        on every call)."""
        return clean_metadata(self.raw_metadata)

    @property
    def ok(self) -> bool:
        return self.code == "OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "method": self.method,
            "request": json_format.MessageToDict(self.request),
            "principal": self.principal,
            "metadata": [list(pair) for pair in self.metadata],
            "code": self.code,
            "details": self.details,
            "latency_ms": round(self.latency_ms, 3),
            "fault": self.fault,
            "face": self.face,
            "response": json_format.MessageToDict(self.response) if self.response is not None else None,
        }


# Metadata whose whole value is a credential: recorded as "<redacted>" (never served by the control service).
SECRET_HEADERS = frozenset(
    {"x-api-key", "x-goog-api-key", "cookie", "set-cookie", "x-goog-iam-authorization-token", "x-csrf-token"}
)


def clean_metadata(metadata: Iterable[tuple[str, str | bytes]]) -> tuple[tuple[str, str], ...]:
    """Metadata as text pairs: credentials are redacted (``authorization`` and ``proxy-authorization`` keep
    only their scheme; ``x-api-key``, ``x-goog-api-key``, ``cookie``, ...: the whole value), binary values
    become base64."""
    out = []
    for key, value in metadata:
        lowered = key.lower()
        if lowered in SECRET_HEADERS:
            out.append((key, REDACTED))
        elif lowered in ("authorization", "proxy-authorization"):
            text = value.decode(errors="replace") if isinstance(value, bytes) else value
            scheme, _, credential = text.strip().partition(" ")
            out.append((key, f"{scheme} {REDACTED}" if credential.strip() else REDACTED))  # never a bare token
        elif isinstance(value, bytes):
            out.append((key, base64.b64encode(value).decode("ascii")))
        else:
            out.append((key, value))
    return tuple(out)


class Journal:
    """The calls of one server (``chat.journal``), oldest first. Thread-safe.

    ``method`` arguments take a ChatService method name (``"CreateMessage"``); None means every method. A
    name that is not a method of the service is a ValueError, so that a typo cannot pass as "no calls"."""

    def __init__(
        self,
        max_calls: int = DEFAULT_MAX_CALLS,
        *,
        methods: Iterable[str] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if max_calls < 0:
            raise ValueError(f"max_calls must be zero or more, got {max_calls}")
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be zero or more, got {max_bytes}")
        self.max_calls = max_calls
        self.max_bytes = max_bytes
        self._methods = frozenset(methods) if methods is not None else None
        # Each call as [entry, size in bytes, method]. ``add`` (the core, on every call) keeps the entry's fields as a
        # tuple, which becomes a RecordedCall when first read: a call costs an append, not an object.
        self._calls: deque[list[Any]] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._dropped = 0

    def record(
        self,
        method: str,
        request: Message,
        *,
        principal: str | None,
        metadata: Iterable[tuple[str, str | bytes]],
        code: str,
        details: str,
        latency_ms: float,
        time: datetime,
        fault: str | None = None,
        face: str = "grpc",
        response: Message | None = None,
    ) -> RecordedCall | None:
        """Add a call; returns it, or None when the journal keeps no calls."""
        slot = self.add(
            method, request, principal, tuple(metadata), code, details, latency_ms, time, fault, face, response
        )
        if slot is None:
            return None
        with self._lock:
            return _entry(slot)

    def add(
        self,
        method: str,
        request: Message,
        principal: str | None,
        metadata: Sequence[tuple[str, str | bytes]],
        code: str,
        details: str,
        latency_ms: float,
        time: datetime | float,
        fault: str | None,
        face: str,
        response: Message | None,
    ) -> list[Any] | None:
        """``record`` for the core, on every call: the same fields, positional; ``time`` may also be a POSIX
        timestamp (made a datetime when the call is read). Returns the journal's slot for the call (None when
        the journal keeps no calls)."""
        if self.max_calls == 0 or self.max_bytes == 0:
            return None
        metadata = tuple(metadata)
        sent = (request.__class__, request.SerializeToString())
        size = _ENTRY_OVERHEAD + len(sent[1]) + len(details)
        for key, value in metadata:
            size += len(key) + len(value)
        answered = None
        if response is not None:
            answered = (response.__class__, wire_bytes.kept(response))
            size += len(answered[1])
        calls = self._calls
        with self._lock:
            seq = next(self._seq)
            slot = [
                (seq, method, sent, principal, metadata, code, details, latency_ms, time, fault, face, answered),
                size,
                method,
            ]
            calls.append(slot)
            self._bytes += size
            while len(calls) > self.max_calls or (self._bytes > self.max_bytes and len(calls) > 1):
                self._bytes -= calls.popleft()[1]
                self._dropped += 1
        return slot

    @property
    def size_bytes(self) -> int:
        """What the kept calls hold, in bytes (approximately: requests, metadata and messages)."""
        with self._lock:
            return self._bytes

    def _check(self, method: str | None) -> None:
        if method is not None and self._methods is not None and method not in self._methods:
            raise ValueError(f"{method!r} is not a ChatService method (e.g. 'CreateMessage')")

    def calls(self, method: str | None = None, *, limit: int | None = None) -> list[RecordedCall]:
        """The recorded calls of ``method`` (all methods if None), oldest first; ``limit``: only the last ones."""
        self._check(method)
        with self._lock:
            found = [_entry(c) for c in self._calls if method is None or c[2] == method]
        return found if limit is None else found[max(len(found) - limit, 0) :]

    def count(self, method: str | None = None) -> int:
        return len(self.calls(method))

    def last(self, method: str | None = None) -> RecordedCall:
        """The latest call of ``method``; LookupError if there is none."""
        found = self.calls(method, limit=1)
        if not found:
            raise LookupError(f"no {method or 'ChatService'} call recorded")
        return found[0]

    @property
    def dropped(self) -> int:
        """How many calls were forgotten because the journal was full (since the last clear())."""
        with self._lock:
            return self._dropped

    def clear(self) -> int:
        """Forget every call; returns how many there were."""
        with self._lock:
            count = len(self._calls)
            self._calls.clear()
            self._bytes = 0
            self._dropped = 0
            return count

    def dump_jsonl(self, path: str | PathLike[str], method: str | None = None) -> int:
        """Write the calls as JSON Lines (one object per call, the request as protobuf JSON); returns the count."""
        calls = self.calls(method)
        with open(path, "w", encoding="utf-8") as out:
            for call in calls:
                out.write(json.dumps(call.to_json(), ensure_ascii=False) + "\n")
        return len(calls)


def _entry(slot: list[Any]) -> RecordedCall:
    """The RecordedCall of a journal slot ([entry or its fields, size, method]), made on first read (lock held)."""
    entry = slot[0]
    if type(entry) is tuple:
        seq, method, sent, principal, metadata, code, details, latency_ms, when, fault, face, answered = entry
        if type(when) is float:
            when = datetime.fromtimestamp(when, UTC)
        request = sent[0].FromString(sent[1])
        response = answered[0].FromString(answered[1]) if answered is not None else None
        entry = slot[0] = RecordedCall(
            seq, method, request, principal, metadata, code, details, latency_ms, when, fault, face, response
        )
    assert isinstance(entry, RecordedCall)
    return entry
