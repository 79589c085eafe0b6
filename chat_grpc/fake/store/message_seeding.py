"""Bulk seeding of messages (``MessageBook.create_many``): the state one ``create`` per message leaves, at
several times the speed (no gRPC)."""

from __future__ import annotations

import dataclasses
import gc
import itertools
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.message_records import (
    CREATE_PATHS,
    CREATED,
    SEQ_BITS,
    Message,
    NewMessage,
    _micros,
)
from chat_grpc.fake.store.message_rules import MessageRules
from chat_grpc.fake.store.message_timeline import SpaceMessages
from chat_grpc.fake.store.model import Actor

# The fields a message without mentions or attachments is made with, in the order of Message's fields: passed by
# position (twice as fast as by name, for a million of them).
_PLAIN = (
    "space_id",
    "id",
    "sender_id",
    "sender_kind",
    "key",
    "text",
    "formatted_text",
    "argument_text",
    "mentions",
    "fallback_text",
    "cards_v2",
    "accessory_widgets",
    "attachments",
    "thread_reply",
    "client_id",
    "private_viewer_id",
)
if tuple(f.name for f in dataclasses.fields(Message))[: len(_PLAIN)] != _PLAIN:  # pragma: no cover - a guard
    raise ImportError("message_seeding makes Messages by position: Message's fields changed order")


def create_many(rules: MessageRules, actor: Actor, space_id: str, messages: Iterable[NewMessage]) -> list[str]:
    """Seed messages in bulk: the ids of ``messages``, made by ``actor`` in ``space_id`` in order, leaving
    exactly the state one ``create`` per message (same arguments, same clock and id generator) leaves —
    the same records, timelines, threads and thread keys, client ids, ``created`` events, read states and
    search postings — at several times the speed.

    What it skips is per-call work a seed does not need: the space, membership, import-scope and
    permission checks are made once per sender (senders and the space do not change during it), no
    request id is kept (a seed is not retried), no copy of each message is handed back (only its id), and
    content without mentions or attachments takes a short path. Quotes are not supported (a seed has
    none). A message that breaks a rule (a thread that does not exist, a client id taken, a private
    viewer who is not a human member) raises as ``create`` does; the messages before it stay made.

    ``rules`` is the message book (its spaces' timelines and the checks ``create`` makes)."""
    core = rules._core
    with core.lock:
        state = core._state(actor, space_id)
        space = state.space
        book = rules._space(space_id)
        # Per sender, checked at its first message: (actor, sender id, sender kind, thread key scope) and
        # the permission settings already checked for it (post_messages, reply_messages).
        senders: dict[int, tuple[Actor, str, str, str | None, set[str]]] = {}

        def sender(who: Actor) -> tuple[Actor, str, str, str | None, set[str]]:
            core._state(who, space_id)
            core._require_import_space_if_import_only(who, space)
            rules._joined(who, state)
            found = senders[id(who)] = (
                who,
                who.principal.id,
                "BOT" if who.is_app else "HUMAN",
                who.app.id if who.app else None,
                set(),
            )
            return found

        sender(actor)
        importing, is_space = space.import_mode, space.space_type == "SPACE"
        clock = core.clock
        pending = _Pending(core, space_id, book)
        add_message, add_time = pending.messages.append, pending.times.append
        add_person, add_actor = pending.people.append, pending.actors.append
        made: list[str] = []
        seq_bits = SEQ_BITS
        newest: Message | None = None  # the latest of the batch: the space's last activity, if later
        # The cyclic garbage collector rests during the batch: it would walk every record made so far again
        # and again (a third of the time of a million messages), and the batch makes no cycles to collect.
        collecting = gc.isenabled()
        gc.disable()
        try:
            # Ids drawn ahead a chunk at a time where nothing records the order of draws and clock readings (as
            # many as the chunk needs, in order: a seeded generator gives what one draw per create gives); else
            # each where create draws it (a state file's tape replays them in that order).
            bulk = core.ids.draws_in_bulk()
            draw = core.ids.opaque_id
            items, size = iter(messages), 4096 if bulk else 1  # taken as create would take them, unless drawn ahead
            while chunk := list(itertools.islice(items, size)):
                drawn = iter(core.ids.opaque_ids(11, sum(1 for m in chunk if m.own_id is None))) if bulk else None
                for item in chunk:
                    who = item.sender or actor
                    found = senders.get(id(who))
                    who, sender_id, sender_kind, scope, checked = sender(who) if found is None else found
                    client_id = item.client_id
                    if client_id or item.private_viewer_id:
                        if client_id in pending.client_ids:
                            pending.flush()  # a client id the batch took: the book says so, as create would
                        rules._check_new_ids(state, book, client_id, item.private_viewer_id)
                    # The thread, as _thread_for decides it; the id part drawn here unless the batch gives it.
                    thread_id, reply, new_key = "", False, ""
                    thread = item.thread
                    option = thread.reply_option
                    reply_to = item.reply_to
                    if reply_to is not None:  # in the thread of a message of the batch, which exists
                        if is_space:  # (asked as REPLY_MESSAGE_OR_FAIL by its name)
                            thread_id, reply = made[reply_to].partition(".")[0], True
                    elif is_space and option != "MESSAGE_REPLY_OPTION_UNSPECIFIED":
                        if thread.name:
                            pending.flush()  # the book must show the batch's threads to find this one
                        if thread.name and book.has_thread(thread.name):
                            thread_id, reply = thread.name, True
                        elif thread.key:
                            existing = book.thread_keys.get((scope, thread.key))
                            if existing is not None:
                                thread_id, reply = existing, True
                            else:
                                new_key = thread.key
                        elif option == "REPLY_MESSAGE_OR_FAIL":
                            rules._thread_for(who, state, book, thread)  # raises NOT_FOUND, worded as create's
                    own = item.own_id
                    if own is None:
                        own = next(drawn) if drawn else draw(11)
                    message_id = f"{thread_id}.{own}" if reply else f"{own}.{own}"
                    setting = "reply_messages" if reply else "post_messages"
                    if setting not in checked and not who.is_app and not importing:
                        core._require_permission(who, state, setting, "reply in threads" if reply else "post messages")
                        checked.add(setting)
                    given = item.create_time
                    key = book.next_key(given or clock.now())
                    content = item.content
                    text = content.text
                    if content.attachment_tokens or content.quote or "<users/" in text:
                        if content.quote:
                            raise InvalidArgument("create_many does not quote messages", field="message")
                        message = Message(
                            space_id=space_id,
                            id=message_id,
                            sender_id=sender_id,
                            sender_kind=sender_kind,
                            key=key,
                            thread_reply=reply,
                            client_id=client_id,
                            private_viewer_id=item.private_viewer_id,
                        )
                        rules._set_content(message, content, CREATE_PATHS)
                    else:  # what _set_content makes of text without mentions and of no attachments (_PLAIN fields)
                        message = Message(
                            space_id,
                            message_id,
                            sender_id,
                            sender_kind,
                            key,
                            text,
                            text,
                            text,
                            (),
                            content.fallback_text,
                            tuple(content.cards_v2),
                            tuple(content.accessory_widgets),
                            (),
                            reply,
                            client_id,
                            item.private_viewer_id,
                        )
                    if new_key:
                        book.thread_keys[(scope, new_key)] = message.thread_id
                    if newest is None or key > newest.key:
                        newest = message
                    # The event's time: the message's when the batch gives it, else a second reading (as create).
                    add_time(key >> seq_bits if given else _micros(clock.now()))
                    add_message(message)
                    add_person(None if sender_kind == "BOT" else sender_id)
                    add_actor(who)
                    if client_id:
                        pending.client_ids.add(client_id)
                    made.append(message_id)
        finally:
            try:
                pending.flush()
            finally:
                if collecting:
                    gc.enable()
                if newest is not None:
                    space.has_messages = True
                    if space.last_active_time is None or newest.create_time > space.last_active_time:
                        space.last_active_time = newest.create_time
                        core.space_search.touched(space_id)
        return made


class BatchListener(Protocol):
    """A book that hears of new messages through its ``_on_message_created`` hook and can also be told of a
    batch in one call, with the same result (read states, search postings)."""

    def _on_message_created(self, actor: Actor, message: Message) -> None: ...

    def messages_created(self, space_id: str, people: list[str | None], messages: list[Message]) -> None:
        """``messages`` of ``space_id``, in order; ``people[i]``: who posted ``messages[i]``, if a person."""
        ...


class _Pending:
    """The messages of a batch made but not yet in their space's indexes (timelines, event log, read states,
    search postings, other listeners), put there together by ``flush``: at the end of the batch, when it fails,
    and before a lookup of the book (a thread by name, a client id the batch took) that must see them. Each
    index is told of them in one call, leaving what one ``add``, ``append`` and hook call per message leave."""

    def __init__(self, core: StoreCore, space_id: str, book: SpaceMessages) -> None:
        self.core, self.space_id, self.book = core, space_id, book
        # Filled by create_many, one entry per message made, in order:
        self.messages: list[Message] = []
        self.times: list[int] = []  # each message's created event time (µs since the epoch)
        self.people: list[str | None] = []  # who posted each, if a person (whose read state it moves)
        self.actors: list[Actor] = []
        self.client_ids: set[str] = set()
        self.listeners: list[BatchListener] = []  # told of the batch at once
        self.hooks: list[Callable[[Actor, Any], object]] = []  # the other listeners: one call per message
        for hook in core.on_message_created:
            owner: Any = getattr(hook, "__self__", None)
            if hasattr(owner, "messages_created") and hook == getattr(owner, "_on_message_created", None):
                self.listeners.append(owner)
            else:
                self.hooks.append(hook)

    def flush(self) -> None:
        """Put the pending messages in the indexes (which keep none of these lists: they are emptied after)."""
        messages = self.messages
        if not messages:
            return
        self.book.add_many(messages)
        self.core.event_log.append_many(self.space_id, CREATED, self.times, messages)
        for listener in self.listeners:
            listener.messages_created(self.space_id, self.people, messages)
        for actor, message in zip(self.actors, messages, strict=True) if self.hooks else ():
            for hook in self.hooks:
                hook(actor, message)
        for pending in (self.messages, self.times, self.people, self.actors, self.client_ids):
            pending.clear()
