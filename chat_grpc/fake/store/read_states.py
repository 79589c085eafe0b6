"""Read states: how far each user has read a space (top-level messages) and each thread (its replies).

How they advance (the reference only describes UpdateSpaceReadState; the rest is our choice, written down in
docs/fidelity.md): a user's own message marks what came before it as read — a top-level message moves the
space read state to its create time, a message in a thread moves that thread's read state. Reading through
the API (GetMessage, ListMessages) does not mark anything read. Unset means "never read".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chat_grpc.fake.errors import NotFound, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor

if TYPE_CHECKING:
    from chat_grpc.fake.store.message_records import Message
    from chat_grpc.fake.store.messages import MessageBook


class _Store(StoreCore, Protocol):
    """The store with the books this one reads."""

    messages: MessageBook


@dataclass(frozen=True)
class ReadState:
    user_id: str
    space_id: str
    thread_id: str  # "" for the space read state
    last_read_time: datetime | None

    @property
    def name(self) -> str:
        if self.thread_id:
            return f"users/{self.user_id}/spaces/{self.space_id}/threads/{self.thread_id}/threadReadState"
        return f"users/{self.user_id}/spaces/{self.space_id}/spaceReadState"


class ReadStateBook:
    def __init__(self, core: _Store) -> None:
        self._core = core
        self._read: dict[tuple[str, str, str], datetime] = {}  # (user, space, thread or "") -> last read
        core.on_message_created.append(self._on_message_created)
        core.on_space_deleted.append(self._forget_space)

    def _forget_space(self, space_id: str) -> None:
        for key in [k for k in self._read if k[1] == space_id]:
            del self._read[key]

    def _on_message_created(self, actor: Actor, message: Message) -> None:
        if actor.is_app:
            return
        key = (actor.principal.id, message.space_id, message.thread_id if message.thread_reply else "")
        previous, created = self._read.get(key), message.create_time
        if previous is None or created > previous:
            self._read[key] = created

    def messages_created(self, space_id: str, people: list[str | None], messages: list[Message]) -> None:
        """What ``_on_message_created`` once per message, in order, leaves, in one pass: ``messages`` of
        ``space_id`` and, for each, the id of the person who posted it (``people``; None for an app, which
        reads nothing).
        Each (person, space or thread) read state moves to the newest create time among them — compared by
        timeline key, which orders a space's messages as their create times do — and states first set here
        are added in the order of their first message, as one call each adds them."""
        newest: dict[tuple[str, str, str], Message] = {}
        for person, message in zip(people, messages, strict=True):
            if person is None:
                continue
            key = (person, space_id, message.id.partition(".")[0] if message.thread_reply else "")
            best = newest.get(key)
            if best is None or message.key > best.key:
                newest[key] = message
        read = self._read
        for key, message in newest.items():
            previous, created = read.get(key), message.create_time
            if previous is None or created > previous:
                read[key] = created

    def _check_caller(self, actor: Actor, user_id: str, space_id: str) -> None:
        """Only the caller's own state; the space must be one the caller can see."""
        if user_id != actor.principal.id:
            raise PermissionDenied(
                f"users/{user_id}: only the caller's own read state can be read or changed (use users/me)",
                reason="NOT_THE_CALLER",
            )
        self._core._state(actor, space_id)

    def space_state(self, actor: Actor, user_id: str, space_id: str) -> ReadState:
        with self._core.lock:
            self._check_caller(actor, user_id, space_id)
            return ReadState(user_id, space_id, "", self._read.get((user_id, space_id, "")))

    def update_space_state(self, actor: Actor, user_id: str, space_id: str, when: datetime) -> ReadState:
        """Set the last read time; a time after the newest top-level message is clamped to that message (to now
        when there is none)."""
        core = self._core
        with core.lock:
            self._check_caller(actor, user_id, space_id)
            # No top-level message yet: clamp to now, so a message posted later is still unread.
            newest = core.messages.newest_top_level_time(space_id, actor) or core.clock.now()
            when = min(when, newest)
            self._read[(user_id, space_id, "")] = when
            return ReadState(user_id, space_id, "", when)

    def thread_state(self, actor: Actor, user_id: str, space_id: str, thread_id: str) -> ReadState:
        core = self._core
        with core.lock:
            self._check_caller(actor, user_id, space_id)
            if not core.messages.has_thread(space_id, thread_id):
                raise NotFound(f"thread spaces/{space_id}/threads/{thread_id} not found", field="name")
            return ReadState(user_id, space_id, thread_id, self._read.get((user_id, space_id, thread_id)))

    def read_time(self, user_id: str, space_id: str, thread_id: str) -> datetime | None:
        """The user's last read time of a space (``thread_id`` "") or thread (lock held by the caller)."""
        return self._read.get((user_id, space_id, thread_id))

    # ------------------------------------------------------------------ introspection and seeding

    def all(self) -> list[ReadState]:
        """Every read state that was ever set, space read states before thread ones of the same space."""
        with self._core.lock:
            return [ReadState(user, space, thread, when) for (user, space, thread), when in self._read.items()]

    def set_read_time(self, user_id: str, space_id: str, thread_id: str, when: datetime) -> None:
        """Seeding: a user's read state of a space (``thread_id`` "") or of one of its threads, as given."""
        with self._core.lock:
            self._read[(user_id, space_id, thread_id)] = when
