"""What a book of the store (messages, reactions, custom emojis, ...) may use of the ``ChatStore`` that holds it.

The store creates its books and hands itself in. A book names ``StoreCore`` (and, when it reads another book, a
protocol of its own that adds that book) instead of importing ``store.py``, so the dependency points one way: the
store imports its books, never the reverse. ``SpaceState`` is a space with its memberships, as the store keeps it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from chat_grpc.fake.clock import Clock
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store.events import EventLog
from chat_grpc.fake.store.model import Actor, Membership, Principal, Space, User
from chat_grpc.fake.store.ordering import SecondaryIndex, Steps
from chat_grpc.fake.store.space_index import SpaceSearchIndex


class MemberClass(NamedTuple):
    """All that ListMemberships (its filter, show_groups, show_invited and the caller's kind) looks at."""

    member_kind: str
    role: str
    state: str


def member_class(membership: Membership) -> MemberClass:
    return MemberClass(membership.member_kind, membership.role, membership.state)


@dataclass
class SpaceState:
    """A space with its memberships, kept in insertion order for pagination, split by ``MemberClass`` so that a
    page of ListMemberships reads only memberships of the classes it wants (an unfiltered page merges them all)."""

    space: Space
    members: dict[str, Membership] = field(default_factory=dict)  # member_id -> membership
    by_class: SecondaryIndex[MemberClass] = field(default_factory=lambda: SecondaryIndex(member_class))
    next_seq: int = 1

    # (member kind, state) -> how many: kept by add/remove, the only ways a membership's kind or state
    # changes, so Space.membership_count costs O(1) in a space of any size.
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, membership: Membership) -> None:
        membership.seq = self.next_seq
        self.next_seq += 1
        self.members[membership.member_id] = membership
        self.index(membership)
        self.counts[membership.member_kind, membership.state] += 1

    def index(self, membership: Membership) -> None:
        """Index a new membership (its ``seq`` set) for paging: what any path that inserts one must call."""
        self.by_class.add(membership.seq, membership.member_id, member_class(membership))

    def reindex(self, membership: Membership) -> None:
        """After a membership's role or state changed."""
        self.by_class.changed(membership, membership.member_id)
        self.by_class.compact(self.members)

    def remove(self, member_id: str) -> Membership:
        membership = self.members.pop(member_id)
        self.counts[membership.member_kind, membership.state] -= 1
        self.by_class.compact(self.members)
        return membership


class StoreCore(Protocol):
    """The store's shared state, rules and hooks, as its books see them (``ChatStore`` is the one)."""

    clock: Clock
    ids: IdGenerator
    event_log: EventLog
    steps: Steps  # entries the list calls visit (tests of their cost)
    space_search: SpaceSearchIndex  # SearchSpaces' index: told when a space's last activity moves
    request_ids: dict[tuple[str, ...], str]  # idempotency keys of the books' create RPCs
    _users: dict[str, User]
    _spaces: dict[str, SpaceState]
    _spaces_of: dict[str, set[str]]  # member id -> space ids
    # Hooks the books listen on (append a callable).
    on_space_deleted: list[Callable[[str], object]]
    on_message_created: list[Callable[[Actor, Any], object]]
    on_message_deleted: list[Callable[[str, str], object]]
    on_message_updated: list[Callable[[Any, str], object]]
    on_member_removed: list[Callable[[str, str], object]]

    @property
    def lock(self) -> threading.RLock:
        """The one lock every operation of the store and its books holds."""
        ...

    def principal(self, principal_id: str, *, copy: bool = True) -> Principal | None:
        """A user or app by id."""
        ...

    def user_by_email(self, email: str) -> User | None:
        """A user by email, case-insensitively."""
        ...

    def _state(self, actor: Actor, space_id: str) -> SpaceState:
        """A space the actor can see (NOT_FOUND otherwise)."""
        ...

    def _record(self, space_id: str, event_type: str, resource: object, snapshot: object | None = None) -> None:
        """Append a space event."""
        ...

    def _is_manager(self, actor: Actor, state: SpaceState) -> bool:
        """Whether the actor manages the space."""
        ...

    def _require_permission(self, actor: Actor, state: SpaceState, setting: str, what: str) -> None:
        """PERMISSION_DENIED unless the space's permission ``setting`` lets the actor do ``what``."""
        ...

    def _require_import_space_if_import_only(self, actor: Actor, space: Space) -> None:
        """PERMISSION_DENIED when an import-only caller acts on a space not in import mode."""
        ...
