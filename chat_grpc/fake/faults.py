"""Deterministic fault injection, per RPC: "the next 2 CreateMessage calls fail with UNAVAILABLE, the third
waits half a second".

Rules are kept in the order they were added. Each ChatService call takes the first armed rule for its RPC
(or for ``"*"``, any RPC), which fires once and counts down; a rule with ``times=None`` fires on every call
until cleared. A fault acts *before anything else* in the call, like a network or frontend fault: before
authentication, validation and the handler, so the calls it hits change no state, and counting does not
depend on who calls or how. ``report()`` tells what fired, per RPC, in order.

* ``fail``: the call ends with that status code, through the server's one error boundary, with
  ``google.rpc.ErrorInfo`` (reason ``INJECTED_FAULT``, metadata ``rpc`` and ``fault_id``) and, when
  ``retry_delay`` is given, ``google.rpc.RetryInfo``.
* ``delay``: the call waits that many seconds of real time (whatever the server's clock), then runs
  normally. If the caller gives up meanwhile (deadline, cancellation), the call ends there and is not
  processed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any, Protocol, cast

from google.rpc import code_pb2

from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.timestamps import format_rfc3339

ANY_RPC = "*"
REASON = "INJECTED_FAULT"


@cache
def fault_error(code: str) -> type[ChatError]:
    """The ChatError class of an injected failure with status ``code`` (a ``grpc.StatusCode`` name)."""
    name = "Injected" + "".join(part.title() for part in code.split("_"))
    return cast(type[ChatError], type(name, (ChatError,), {"code": code, "default_reason": REASON}))


def _code_name(code: Enum | str) -> str:
    """The canonical name of a status code given as a name or an enum member (``grpc.StatusCode.UNAVAILABLE``)."""
    name = code.name if isinstance(code, Enum) else str(code).upper()
    if name not in code_pb2.Code.keys() or name == "OK":  # noqa: SIM118 (a protobuf enum wrapper)
        raise ValueError(f"not a failure status code: {code!r}")
    return name


MAX_SECONDS = 86_400.0 * 365  # a year: longer delays are mistakes (and overflow timers and timedeltas)


def _seconds(value: float | timedelta, what: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if not 0 <= seconds <= MAX_SECONDS:  # also rejects NaN and infinity
        raise ValueError(f"{what} must be between 0 and {MAX_SECONDS:g} seconds, got {value!r}")
    return seconds


@dataclass(frozen=True)
class Rule:
    """One armed rule: ``kind`` is ``"fail"`` (``code``, ``message``, ``retry_delay``) or ``"delay"``
    (``seconds``); ``times`` is how many calls it fires on (None: every call)."""

    id: int
    rpc: str
    kind: str
    times: int | None
    code: str | None = None
    message: str | None = None
    retry_delay: float | None = None
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "rpc": self.rpc, "kind": self.kind, "times": self.times}
        if self.kind == "fail":
            out.update(code=self.code, message=self.message, retry_delay=self.retry_delay)
        else:
            out["seconds"] = self.seconds
        return out


class Waiter(Protocol):
    def wait(self, seconds: float) -> str | None:
        """Wait; None when waited out, else the status code name of how the call ended meanwhile."""
        ...


@dataclass(frozen=True)
class Fired:
    """A rule firing on one call: which rule, on which RPC, when (wall-clock time), in which order overall."""

    seq: int
    rpc: str
    rule: Rule
    time: datetime = field(compare=False)

    @property
    def kind(self) -> str:
        return self.rule.kind

    def describe(self) -> str:
        rule = self.rule
        return f"fail {rule.code}" if rule.kind == "fail" else f"delay {rule.seconds:g}s"

    def error(self) -> ChatError:
        rule = self.rule
        assert rule.code is not None
        return fault_error(rule.code)(
            rule.message or f"injected fault: {self.rpc} failed with {rule.code}",
            metadata={"rpc": self.rpc, "fault_id": str(rule.id)},
            retry_delay=None if rule.retry_delay is None else timedelta(seconds=rule.retry_delay),
        )

    def apply(self, door: Waiter | None = None) -> None:
        """Act out the fault: raise the failure, or wait; a call that ends while waiting (deadline,
        cancellation: ``door.wait`` tells) ends the wait and is answered CANCELLED or DEADLINE_EXCEEDED,
        unprocessed."""
        if self.rule.kind == "fail":
            raise self.error()
        seconds = self.rule.seconds or 0.0
        if door is None:
            time.sleep(seconds)
            return
        ended = door.wait(seconds)
        if ended is not None:
            raise fault_error(ended)(
                f"the call ended during an injected delay of {seconds:g}s on {self.rpc}; it was not processed",
                metadata={"rpc": self.rpc, "fault_id": str(self.rule.id)},
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "rpc": self.rpc,
            "time": _rfc3339(self.time),
            "fault": self.describe(),
            "rule": self.rule.to_json(),
        }


_rfc3339 = format_rfc3339


class Faults:
    """The fault rules of one server (``chat.faults``). Thread-safe."""

    def __init__(self, rpcs: Iterable[str] | None = None) -> None:
        self._rpcs = frozenset(rpcs) if rpcs is not None else None
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._left: dict[int, int | None] = {}  # rule id -> calls left (None: unlimited)
        self._fired: list[Fired] = []
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------ arming

    def fail(
        self,
        rpc: str,
        code: Enum | str = "UNAVAILABLE",
        *,
        times: int | None = 1,
        message: str | None = None,
        retry_delay: float | timedelta | None = None,
    ) -> Rule:
        """The next ``times`` calls of ``rpc`` (``"*"``: any RPC) fail with ``code``; ``retry_delay`` adds
        ``google.rpc.RetryInfo`` (typical with RESOURCE_EXHAUSTED)."""
        delay = None if retry_delay is None else _seconds(retry_delay, "retry_delay")
        return self._add(rpc, "fail", times, code=_code_name(code), message=message, retry_delay=delay)

    def delay(self, rpc: str, seconds: float | timedelta, *, times: int | None = 1) -> Rule:
        """The next ``times`` calls of ``rpc`` (``"*"``: any RPC) wait ``seconds`` (real time) first."""
        return self._add(rpc, "delay", times, seconds=_seconds(seconds, "seconds"))

    def _add(self, rpc: str, kind: str, times: int | None, **fields: Any) -> Rule:
        if rpc != ANY_RPC and self._rpcs is not None and rpc not in self._rpcs:
            raise ValueError(f"unknown RPC {rpc!r}; use a ChatService method name such as 'CreateMessage', or '*'")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError(f"times must be a whole number of at least 1, or None for every call; got {times!r}")
        with self._lock:
            rule = Rule(next(self._ids), rpc, kind, times, **fields)
            self._rules.append(rule)
            self._left[rule.id] = times
        return rule

    # ------------------------------------------------------------------ firing

    def take(self, rpc: str) -> Fired | None:
        """Consume the first armed rule for ``rpc`` (the servicer calls this once per call)."""
        if not self._rules:  # nothing armed (most calls): no lock to take
            return None
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.rpc != rpc and rule.rpc != ANY_RPC:
                    continue
                left = self._left[rule.id]
                if left is not None:
                    if left <= 1:
                        del self._rules[index]
                        del self._left[rule.id]
                    else:
                        self._left[rule.id] = left - 1
                fired = Fired(next(self._seq), rpc, rule, datetime.now(UTC))
                self._fired.append(fired)
                return fired
        return None

    # ------------------------------------------------------------------ inspecting

    def pending(self) -> list[tuple[Rule, int | None]]:
        """Rules still armed, in order, each with the number of calls it will still fire on (None: all)."""
        with self._lock:
            return [(rule, self._left[rule.id]) for rule in self._rules]

    def fired(self) -> list[Fired]:
        """Every firing, in order."""
        with self._lock:
            return list(self._fired)

    def report(self) -> dict[str, list[Fired]]:
        """What fired, per RPC (RPCs in the order they were first hit), each list in order."""
        out: dict[str, list[Fired]] = {}
        for fired in self.fired():
            out.setdefault(fired.rpc, []).append(fired)
        return out

    def clear(self) -> int:
        """Disarm every rule and forget what fired; returns how many rules were still armed."""
        with self._lock:
            armed = len(self._rules)
            self._rules.clear()
            self._left.clear()
            self._fired.clear()
            return armed

    def report_json(self) -> dict[str, Any]:
        return {
            "fired": {rpc: [f.to_json() for f in fired] for rpc, fired in self.report().items()},
            "pending": [{**rule.to_json(), "left": left} for rule, left in self.pending()],
        }
