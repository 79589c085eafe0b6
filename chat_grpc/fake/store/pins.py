"""Message pins: the pinned messages of each space (state and rules, no gRPC).

A pin is named after its message (``spaces/{space}/messagePins/{message}``), so a message is pinned at most once.
Pins are user-only (the policy table admits no app authentication): a joined member of the space may pin a
message of it that everyone can see (not a private message) and that is not deleted, up to 100 pins per space.
Deleting a message unpins it; deleting the space drops its pins. Pins list in the order they were made (our
choice: the reference does not say), and a page costs O(page) through an insertion-ordered index.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chat_grpc.fake.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor

if TYPE_CHECKING:
    from chat_grpc.fake.store.messages import MessageBook


class _Store(StoreCore, Protocol):
    """The store with the books this one reads."""

    messages: MessageBook


MAX_PINS_PER_SPACE = 100


@dataclass(frozen=True)
class MessagePin:
    space_id: str
    message_id: str
    seq: int
    create_time: datetime

    @property
    def name(self) -> str:
        return f"spaces/{self.space_id}/messagePins/{self.message_id}"

    @property
    def message_name(self) -> str:
        return f"spaces/{self.space_id}/messages/{self.message_id}"


@dataclass
class _SpacePins:
    by_message: dict[str, MessagePin] = field(default_factory=dict)  # insertion order is pin order
    next_seq: int = 1


class PinBook:
    def __init__(self, core: _Store) -> None:
        self._core = core
        self._spaces: dict[str, _SpacePins] = {}
        core.on_space_deleted.append(lambda space_id: self._spaces.pop(space_id, None))
        core.on_message_deleted.append(self._unpin_deleted)

    def _unpin_deleted(self, space_id: str, message_id: str) -> None:
        pins = self._spaces.get(space_id)
        if pins is not None:
            pins.by_message.pop(message_id, None)

    def _joined(self, actor: Actor, space_id: str) -> None:
        state = self._core._state(actor, space_id)
        membership = state.members.get(actor.principal.id)
        if membership is None or membership.state != "JOINED":
            raise PermissionDenied(f"the caller has not joined {state.space.name}", reason="NOT_A_MEMBER")

    def create(self, actor: Actor, space_id: str, message_name: str) -> MessagePin:
        core = self._core
        with core.lock:
            self._joined(actor, space_id)
            prefix = f"spaces/{space_id}/messages/"
            if not message_name.startswith(prefix) or "/" in message_name.removeprefix(prefix):
                raise InvalidArgument(
                    f"message_pin.message must name a message of spaces/{space_id}"
                    f" (spaces/{space_id}/messages/{{message}}), got {message_name!r}",
                    field="message_pin.message",
                )
            message = core.messages.resolve(actor, space_id, message_name.removeprefix(prefix))
            if message.delete_time is not None:
                raise NotFound(f"message {message.name} was deleted", field="message_pin.message")
            if message.private_viewer_id:
                raise FailedPrecondition(
                    f"{message.name} is a private message, visible to one user only: it cannot be pinned",
                    reason="PRIVATE_MESSAGE",
                )
            pins = self._spaces.setdefault(space_id, _SpacePins())
            if message.id in pins.by_message:
                raise AlreadyExists(
                    f"{message.name} is already pinned as spaces/{space_id}/messagePins/{message.id}",
                    field="message_pin.message",
                )
            if len(pins.by_message) >= MAX_PINS_PER_SPACE:
                raise FailedPrecondition(
                    f"spaces/{space_id} already has {MAX_PINS_PER_SPACE} pinned messages; unpin one first",
                    reason="TOO_MANY_PINS",
                )
            pin = MessagePin(space_id, message.id, pins.next_seq, core.clock.now())
            pins.next_seq += 1
            pins.by_message[message.id] = pin
            return pin

    def list(
        self, actor: Actor, space_id: str, *, after: int, limit: int
    ) -> tuple[builtins.list[MessagePin], int | None]:
        """Pins made after the pin numbered ``after`` (0: from the first), at most ``limit``; the cursor of the
        next page or None."""
        with self._core.lock:
            self._joined(actor, space_id)
            pins = self._spaces.get(space_id)
            found: builtins.list[MessagePin] = []
            for pin in pins.by_message.values() if pins else ():
                if pin.seq <= after:
                    continue
                if len(found) == limit:
                    return found, found[-1].seq
                found.append(pin)
            return found, None

    def delete(self, actor: Actor, space_id: str, pin_id: str) -> None:
        with self._core.lock:
            self._joined(actor, space_id)
            pins = self._spaces.get(space_id)
            if pins is None or pins.by_message.pop(pin_id, None) is None:
                raise NotFound(f"message pin spaces/{space_id}/messagePins/{pin_id} not found", field="name")

    # ------------------------------------------------------------------ introspection and seeding

    def all(self, space_id: str | None = None) -> builtins.list[MessagePin]:
        with self._core.lock:
            spaces = [space_id] if space_id is not None else list(self._spaces)
            return [pin for s in spaces for pin in (self._spaces[s].by_message.values() if s in self._spaces else ())]

    def seed(self, space_id: str, message_id: str) -> MessagePin:
        """Seeding: pin a live message of a space, as given (no caller's rights checked)."""
        core = self._core
        with core.lock:
            message = core.messages.live(space_id, message_id)
            if message is None or message.delete_time is not None:
                raise NotFound(f"message spaces/{space_id}/messages/{message_id} not found")
            pins = self._spaces.setdefault(space_id, _SpacePins())
            if message_id not in pins.by_message:
                pins.by_message[message_id] = MessagePin(space_id, message_id, pins.next_seq, core.clock.now())
                pins.next_seq += 1
            return pins.by_message[message_id]
