"""Retry policy: exponential backoff with full jitter, bounded by the call's deadline. Pure: no I/O, no sleeping.

Defaults are those of Google's generated Chat clients: first delay 1 s, growing 1.3x per attempt up to 10 s,
each delay drawn uniformly from [0, nominal] ("full jitter"), at most 5 attempts, and a 30 s deadline per
call (:data:`DEFAULT_TIMEOUT`, set on the client) that bounds all attempts and sleeps together.

A failed attempt is retried when the RPC is idempotent (see ``chat_grpc.api.rpcs``) and the status is
UNAVAILABLE, or RESOURCE_EXHAUSTED carrying ``google.rpc.RetryInfo``. A RetryInfo delay is a floor: the sleep
is never shorter. When the next sleep would reach past the deadline, the last error is raised instead (so it is
when a sleep ended late, past the deadline: that retry is not sent).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

import grpc

DEFAULT_TIMEOUT: Final = 30.0


class _DefaultType(enum.Enum):
    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _DefaultType.DEFAULT
"""Sentinel for ``timeout=`` / ``retry=``: use the client's setting (``None`` means "none at all")."""

Default = Literal[_DefaultType.DEFAULT]


def uniform() -> float:
    """``random.random()``, the default jitter source; ``random`` is imported at the first retry, not with the
    client (it is among the modules that make ``from chat_grpc import ChatClient`` slower than ``import grpc``)."""
    import random

    return random.random()


@dataclass(frozen=True)
class RetryPolicy:
    """How to retry idempotent calls. Pass ``retry=None`` (client or call) to disable retries."""

    initial: float = 1.0
    """Nominal delay before the second attempt, in seconds."""
    maximum: float = 10.0
    """Cap on the nominal delay."""
    multiplier: float = 1.3
    """Growth of the nominal delay per attempt."""
    jitter: bool = True
    """Full jitter: sleep uniformly in [0, nominal]. False sleeps exactly the nominal delay."""
    max_attempts: int = 5
    """Attempts in all, the first included (1 = never retry)."""
    retry_codes: frozenset[grpc.StatusCode] = frozenset({grpc.StatusCode.UNAVAILABLE})
    """Codes always retried (for idempotent RPCs)."""
    retry_info_codes: frozenset[grpc.StatusCode] = frozenset({grpc.StatusCode.RESOURCE_EXHAUSTED})
    """Codes retried only when the error carries google.rpc.RetryInfo (its delay is honoured)."""

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0:
            raise ValueError("RetryPolicy delays must not be negative")
        if self.multiplier < 1:
            raise ValueError("RetryPolicy.multiplier must be at least 1")
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")

    def nominal_delay(self, retry: int) -> float:
        """The un-jittered delay before retry number ``retry`` (1 = the second attempt)."""
        return min(self.initial * self.multiplier ** (retry - 1), self.maximum)

    def backoff(self, rand: Callable[[], float] = uniform) -> Iterator[float]:
        """The sleeps before attempts 2, 3, ... ``max_attempts``: jittered, capped, exponential."""
        for retry in range(1, self.max_attempts):
            nominal = self.nominal_delay(retry)
            yield nominal * rand() if self.jitter else nominal

    def is_retryable(self, code: grpc.StatusCode | None, *, has_retry_info: bool) -> bool:
        return code in self.retry_codes or (has_retry_info and code in self.retry_info_codes)


def next_sleep(
    policy: RetryPolicy,
    backoff: Iterator[float],
    *,
    code: grpc.StatusCode | None,
    retry_delay: float | None,
    remaining: float | None,
) -> float | None:
    """The sleep before the next attempt, or None to give up and raise.

    ``backoff`` is ``policy.backoff()`` shared across the attempts of one call; ``retry_delay`` the error's
    RetryInfo delay (seconds) if any; ``remaining`` the seconds left before the deadline (None: no deadline).
    """
    if not policy.is_retryable(code, has_retry_info=retry_delay is not None):
        return None
    delay = next(backoff, None)
    if delay is None:  # attempts exhausted
        return None
    if retry_delay is not None:
        delay = max(delay, retry_delay)
    if remaining is not None and delay >= remaining:
        return None
    return delay


__all__ = ["DEFAULT", "DEFAULT_TIMEOUT", "Default", "RetryPolicy", "next_sleep"]
