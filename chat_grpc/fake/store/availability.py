"""Each user's availability (presence state and custom status): state and rules, no gRPC.

The fake does not watch activity: a user who never set a state is ``ACTIVE``. ``MarkAsActive`` (optionally
until a time), ``MarkAsAway`` (until changed) and ``MarkAsDoNotDisturb`` (until a required time at most one
year ahead) set the state; when a timed state expires the user is ``AWAY``, as the reference says of do not
disturb. A custom status (text of at most 64 characters and a Unicode emoji) may expire too and then
disappears. Times are read from the store's clock, so tests can move past an expiration. Only the caller's own
availability can be read or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chat_grpc.fake.errors import InvalidArgument, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor

MAX_STATUS_TEXT = 64
MAX_DO_NOT_DISTURB = timedelta(days=366)  # "at most one year ahead"; a leap year's worth is still one year


@dataclass(frozen=True)
class CustomStatus:
    text: str
    emoji: str  # a Unicode emoji
    expire_time: datetime | None = None


@dataclass(frozen=True)
class Availability:
    user_id: str
    state: str  # ACTIVE | IDLE | AWAY | DO_NOT_DISTURB
    do_not_disturb_until: datetime | None = None
    custom_status: CustomStatus | None = None

    @property
    def name(self) -> str:
        return f"users/{self.user_id}/availability"


@dataclass
class _Record:
    state: str = ""  # the state set by hand ("": none)
    until: datetime | None = None  # when that state ends (None: until changed)
    status: CustomStatus | None = None


class AvailabilityBook:
    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._records: dict[str, _Record] = {}

    def _own(self, actor: Actor, user_id: str, field: str) -> _Record:
        if user_id != actor.principal.id:
            raise PermissionDenied(
                f"{field}: users/{user_id}/availability is not the caller's; only the caller's own availability"
                " (users/me/availability) can be read or changed",
                reason="NOT_THE_CALLER",
            )
        return self._records.setdefault(user_id, _Record())

    def _view(self, user_id: str, record: _Record) -> Availability:
        now = self._core.clock.now()
        status = record.status
        if status is not None and status.expire_time is not None and status.expire_time <= now:
            status = record.status = None
        if not record.state:
            state = "ACTIVE"
        elif record.until is not None and record.until <= now:
            state = "AWAY"  # a timed state that ran out
        else:
            state = record.state
        until = record.until if state == "DO_NOT_DISTURB" else None
        return Availability(user_id, state, until, status)

    def _expiry(self, until: datetime | None, ttl: timedelta | None, prefix: str) -> datetime | None:
        """When a state or status ends: ``ttl`` from now, or ``until``; None when neither is given."""
        now = self._core.clock.now()
        if ttl is not None:
            if ttl <= timedelta(0):
                raise InvalidArgument(f"{prefix}ttl must be positive", field=f"{prefix}ttl")
            return now + ttl
        if until is not None and until <= now:
            raise InvalidArgument(f"{prefix}expire_time must be in the future", field=f"{prefix}expire_time")
        return until

    def get(self, actor: Actor, user_id: str) -> Availability:
        with self._core.lock:
            return self._view(user_id, self._own(actor, user_id, "name"))

    def mark(
        self, actor: Actor, user_id: str, state: str, *, until: datetime | None = None, ttl: timedelta | None = None
    ) -> Availability:
        with self._core.lock:
            record = self._own(actor, user_id, "name")
            expiry = self._expiry(until, ttl, "")
            if state == "DO_NOT_DISTURB":
                if expiry is None:
                    raise InvalidArgument("expire_time or ttl is required for do not disturb", field="expire_time")
                if expiry - self._core.clock.now() > MAX_DO_NOT_DISTURB:
                    raise InvalidArgument("do not disturb can last at most one year", field="expire_time")
            record.state, record.until = state, (None if state == "AWAY" else expiry)
            return self._view(user_id, record)

    def set_custom_status(
        self,
        actor: Actor,
        user_id: str,
        status: tuple[str, str, datetime | None, timedelta | None] | None,
    ) -> Availability:
        """Set (text, emoji, expire_time, ttl) or clear (None) the custom status."""
        with self._core.lock:
            record = self._own(actor, user_id, "availability.name")
            if status is None:
                record.status = None
                return self._view(user_id, record)
            text, emoji, until, ttl = status
            if not text.strip():
                raise InvalidArgument(
                    "availability.custom_status.text is required", field="availability.custom_status.text"
                )
            if len(text) > MAX_STATUS_TEXT:
                raise InvalidArgument(
                    f"availability.custom_status.text is {len(text)} characters long; at most {MAX_STATUS_TEXT}",
                    field="availability.custom_status.text",
                )
            if not emoji:
                raise InvalidArgument(
                    "availability.custom_status.emoji.unicode is required (custom emojis are not supported)",
                    field="availability.custom_status.emoji",
                )
            expiry = self._expiry(until, ttl, "availability.custom_status.")
            record.status = CustomStatus(text, emoji, expiry)
            return self._view(user_id, record)

    # ------------------------------------------------------------------ introspection and seeding

    def all(self) -> list[Availability]:
        with self._core.lock:
            return [self._view(user_id, record) for user_id, record in self._records.items()]

    def raw(self) -> dict[str, tuple[str, datetime | None, CustomStatus | None]]:
        """What was set by hand, per user: (state, until, custom status) — for exports."""
        with self._core.lock:
            return {u: (r.state, r.until, r.status) for u, r in self._records.items() if r.state or r.status}

    def seed(
        self, user_id: str, state: str = "", until: datetime | None = None, status: CustomStatus | None = None
    ) -> None:
        with self._core.lock:
            self._records[user_id] = _Record(state, until, status)
