"""Serving space events: the log (events.py) read back with the payload each event carries.

The payload of an event is the **latest** version of the resource it is about, looked up when the event is
served: a message edited after its ``created`` event shows the edit. A resource deleted since then has no
latest version: a deleted resource's own ``deleted`` event carries the snapshot taken at deletion (the store
trims it to what the reference says those payloads hold), and other events about it carry an empty payload.
Deleted messages are the exception: they stay as tombstones (GetMessage returns them), so that is their latest
version.
Events are kept for 28 days, like Chat's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from chat_grpc.fake.errors import NotFound, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.message_records import Message, stamp
from chat_grpc.fake.store.model import Actor, Event, clone

if TYPE_CHECKING:
    from chat_grpc.fake.store.messages import MessageBook


class _Store(StoreCore, Protocol):
    """The store with the books this one reads."""

    messages: MessageBook


RETENTION = timedelta(days=28)
Resolver = Callable[[str, str], object | None]  # (space id, resource name) -> live record or None


_PRIVATE_KINDS = ("message", "reaction")  # events as private as the message they are about
T = TypeVar("T")
EventView = Callable[[str, int, str, object | None], T]


@functools.lru_cache(maxsize=256)  # a few dozen event types
def resource_kind(event_type: str) -> str:
    """google.workspace.chat.<kind>.v1.<verb> -> kind (message, membership, reaction, space)."""
    return event_type.split(".")[3]


class SpaceEventReader:
    def __init__(self, core: _Store) -> None:
        self._core = core
        self.resolvers: dict[str, Resolver] = {}

    def _member(self, actor: Actor, space_id: str) -> None:
        state = self._core._state(actor, space_id)
        membership = state.members.get(actor.principal.id)
        if membership is None or membership.state != "JOINED":
            raise PermissionDenied(f"only members of {state.space.name} can read its events", reason="NOT_A_MEMBER")

    def _visible(self, actor: Actor, event: Event) -> bool:
        return resource_kind(event.event_type) not in _PRIVATE_KINDS or self._sees(
            actor, event.space_id, event.resource_name
        )

    def _sees(self, actor: Actor, space_id: str, resource_name: str) -> bool:
        """Events about a private message, and about its reactions, exist only for those who see the message
        (its viewer and the app that sent it), as GetMessage answers NOT_FOUND to everyone else."""
        message = self._core.messages.live(space_id, resource_name.split("/")[3])
        return message is None or self._core.messages._can_see(actor, message)

    def _payload(self, event: Event) -> object | None:
        if event.snapshot is not None:
            return clone(event.snapshot)
        resolve = self.resolvers.get(resource_kind(event.event_type))
        found = resolve(event.space_id, event.resource_name) if resolve else None
        return clone(found) if found is not None else None

    def get(self, actor: Actor, space_id: str, event_id: str) -> tuple[Event, object | None]:
        core = self._core
        with core.lock:
            self._member(actor, space_id)
            event = core.event_log.get(space_id, event_id)
            if event is None or event.time <= core.clock.now() - RETENTION or not self._visible(actor, event):
                raise NotFound(f"space event spaces/{space_id}/spaceEvents/{event_id} not found", field="name")
            return clone(event), self._payload(event)

    def list(
        self,
        actor: Actor,
        space_id: str,
        event_types: frozenset[str],
        *,
        after: datetime,
        until: datetime,
        cursor: int | None,
        limit: int,
        view: EventView[T],
    ) -> tuple[list[T], int | None]:
        """A page of the events of ``event_types`` with ``after < time <= until``, resuming after ``cursor``; each
        as ``view`` makes it, under the store's lock, of (space id, log key, event type, payload): the payload is
        the live record (a message is stamped, message_records.stamp) or the deletion snapshot, or None.
        ``view`` must not keep or change the payload; ``events.event`` makes the ``Event`` of an entry."""
        core = self._core
        with core.lock:
            self._member(actor, space_id)
            oldest = core.clock.now() - RETENTION
            page: list[T] = []
            position: int | None = None
            entries = core.event_log.entries(
                space_id, event_types, after=max(after, oldest), until=until, cursor=cursor
            )
            messages = core.messages
            for key, event_type, resource, snapshot in entries:
                payload: object | None
                if not snapshot and isinstance(resource, Message):
                    # Most events are about messages: the payload is the live message, found by its id (the
                    # resolver's answer, without making its name), and who may see it decides.
                    live = messages.live(space_id, resource.id)
                    if live is not None:
                        if not messages._can_see(actor, live):
                            continue
                        stamp(live)
                    payload = live
                else:
                    kind = resource_kind(event_type)
                    name = resource if isinstance(resource, str) else resource.name  # type: ignore[attr-defined]
                    if snapshot:
                        payload = resource
                    else:
                        resolve = self.resolvers.get(kind)
                        payload = resolve(space_id, name) if resolve else None
                    if kind in _PRIVATE_KINDS and not self._sees(actor, space_id, name):
                        continue
                if len(page) == limit:
                    return page, position
                page.append(view(space_id, key, event_type, payload))
                position = key
            return page, None
