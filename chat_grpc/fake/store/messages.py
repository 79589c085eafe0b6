"""Messages, threads and attachments: the operations (no gRPC).

``MessageBook`` is what the store exposes as ``store.messages``: create, get, list, update and delete messages,
upload attachments and read their media. Its state and the checks its operations share are
``MessageRules`` (message_rules.py), the records ``message_records.py``, each space's timelines
``message_timeline.py`` and the bulk seeding path ``message_seeding.py``.
"""

from __future__ import annotations

import builtins
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from chat_grpc.fake.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.message_records import (
    CLIENT_ID,
    CREATE_PATHS,
    IMPORT,
    MAX_UPLOAD_BYTES,
    SEQ_BITS,
    Attachment,
    Message,
    MessageContent,
    NewMessage,
    Quote,
    QuoteRequest,
    ThreadRequest,
    _by_key,
    _micros,
    changed,
    stamp,
)
from chat_grpc.fake.store.message_rules import MessageRules
from chat_grpc.fake.store.message_seeding import create_many as _create_many
from chat_grpc.fake.store.model import Actor, clone

T = TypeVar("T")


class MessageBook(MessageRules):
    """The messages of every space, with their threads and attachments."""

    # ------------------------------------------------------------------ operations

    def upload(
        self,
        space_id: str,
        content_name: str,
        content_type: str,
        *,
        source: str = "UPLOADED_CONTENT",
        data: bytes | None = None,
    ) -> str:
        """Register an uploaded file (as the Media API would) and return its attachment upload token; ``data``
        are its bytes, served by :meth:`media` (seeded files may have none)."""
        with self._core.lock:
            if data is not None and len(data) > MAX_UPLOAD_BYTES:
                raise InvalidArgument(
                    f"media: the file is {len(data)} bytes; uploads are limited to {MAX_UPLOAD_BYTES} bytes (200 MB)",
                    field="media",
                )
            token = f"upload-{self._core.ids.opaque_id(20)}"
            attachment_id = self._core.ids.opaque_id(24)
            resource = f"spaces/{space_id}/attachments/{attachment_id}"
            self._uploads[token] = Attachment(
                id=attachment_id,
                content_name=content_name,
                content_type=content_type,
                source=source,
                resource_name=resource,
            )
            self._upload_tokens[resource] = token
            self._content_types[resource] = content_type
            if data is not None:
                self._media[resource] = data
            return token

    def upload_attachment(
        self, actor: Actor, space_id: str, filename: str, data: bytes, content_type: str
    ) -> tuple[str, str]:
        """UploadAttachment: a member who may post in the space uploads a file; (resource name, upload token)."""
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            self._joined(actor, state)
            if not actor.is_app and not state.space.import_mode:
                core._require_permission(actor, state, "post_messages", "upload attachments")
            token = self.upload(space_id, filename, content_type, data=data)
            return self._uploads[token].resource_name, token

    def media(self, resource_name: str, actor: Actor | None = None) -> tuple[bytes, str]:
        """The bytes and content type of an uploaded file, by its resource name (the upload's, which is also the
        message attachment's ``attachment_data_ref.resource_name``). With ``actor`` (a download's caller), only
        from a space the actor can see: NOT_FOUND otherwise, as for a name that does not exist."""
        with self._core.lock:
            content_type = self._content_types.get(resource_name)
            if content_type is not None and actor is not None:
                self._core._state(actor, resource_name.split("/", 2)[1])  # spaces/{space}/attachments/{id}
            if content_type is None:
                raise NotFound(f"no uploaded media {resource_name!r}", field="resource_name")
            return self._media.get(resource_name, b""), content_type

    def create(
        self,
        actor: Actor,
        space_id: str,
        content: MessageContent,
        thread: ThreadRequest,
        *,
        client_id: str = "",
        request_id: str = "",
        private_viewer_id: str = "",
        create_time: datetime | None = None,
    ) -> Message:
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            self._joined(actor, state)
            book = self._space(space_id)
            if request_id:
                seen = core.request_ids.get(("CreateMessage", space_id, actor.key, request_id))
                if seen is not None and seen in book.by_id:
                    return clone(book.by_id[seen])
            self._check_new_ids(state, book, client_id, private_viewer_id)
            thread_id, reply, new_key = self._thread_for(actor, state, book, thread)
            quote = self._quote(actor, space_id, thread_id, reply, content.quote) if content.quote else None
            message_id = f"{thread_id}.{core.ids.opaque_id(11) if reply else thread_id}"
            if not actor.is_app and not state.space.import_mode:  # the importer posts for everyone
                setting = "reply_messages" if reply else "post_messages"
                core._require_permission(actor, state, setting, "reply in threads" if reply else "post messages")
            now = core.clock.now()
            message = Message(
                space_id=space_id,
                id=message_id,
                sender_id=actor.principal.id,
                sender_kind="BOT" if actor.is_app else "HUMAN",
                key=book.next_key(create_time if (create_time and state.space.import_mode) else now),
                thread_reply=reply,
                client_id=client_id,
                private_viewer_id=private_viewer_id,
                quote=quote,
            )
            self._set_content(message, content, CREATE_PATHS)
            if new_key:
                book.thread_keys[(actor.app.id if actor.app else None, new_key)] = thread_id
            book.add(message)
            if request_id:
                core.request_ids[("CreateMessage", space_id, actor.key, request_id)] = message.id
            space = state.space
            space.has_messages = True
            created = message.create_time
            if space.last_active_time is None or created > space.last_active_time:
                space.last_active_time = created
                core.space_search.touched(space_id)
            core._record(space_id, "google.workspace.chat.message.v1.created", message)
            for hook in core.on_message_created:
                hook(actor, message)
            return clone(message)

    def create_many(self, actor: Actor, space_id: str, messages: Iterable[NewMessage]) -> builtins.list[str]:
        """Seed messages in bulk: the ids of ``messages``, made by ``actor`` in ``space_id`` in order, leaving
        exactly the state one ``create`` per message (same arguments, same clock and id generator) leaves, at
        several times the speed (see :func:`message_seeding.create_many`)."""
        return _create_many(self, actor, space_id, messages)

    def _quote(self, actor: Actor, space_id: str, thread_id: str, reply: bool, wanted: QuoteRequest) -> Quote:
        """Check what a new message may quote (lock held): a REPLY quotes a message of its own thread (a new
        thread: another thread's first message) in the same space; a FORWARD any message the caller can see."""
        core = self._core
        where = "message.quoted_message_metadata.name"
        if wanted.quote_type == "REPLY" and wanted.space_id != space_id:
            raise InvalidArgument(
                f"{where}: a REPLY quotes a message of the same space; use quote_type FORWARD", field=where
            )
        state = core._state(actor, wanted.space_id)
        quoted = self._find(actor, state, wanted.message_id, field=where)
        if quoted.delete_time is not None:
            raise NotFound(f"{where}: {quoted.name} was deleted", field=where)
        if wanted.quote_type == "REPLY":
            if reply and quoted.thread_id != thread_id:
                raise InvalidArgument(f"{where}: a reply can only quote a message of its own thread", field=where)
            if not reply and quoted.thread_reply:
                raise InvalidArgument(
                    f"{where}: a message that starts a thread can only quote another thread's first message",
                    field=where,
                )
        current = quoted.last_update_time or quoted.create_time
        if wanted.last_update_time != current:
            raise FailedPrecondition(
                f"message.quoted_message_metadata.last_update_time is not the quoted message's current version"
                f" ({current.isoformat()}): it changed since it was read",
                reason="QUOTED_MESSAGE_CHANGED",
            )
        source = state.space
        forwarded = wanted.quote_type == "FORWARD"
        return Quote(
            name=quoted.name,
            last_update_time=current,
            quote_type=wanted.quote_type,
            sender_name=quoted.sender_name,
            text=quoted.text,
            formatted_text=quoted.formatted_text,
            forwarded_space=source.name if forwarded else "",
            forwarded_space_display_name=source.display_name if forwarded else "",
        )

    def get(self, actor: Actor, space_id: str, message_id: str) -> Message:
        with self._core.lock:
            state = self._core._state(actor, space_id)
            return clone(self._find(actor, state, message_id))

    def view(self, actor: Actor, space_id: str, message_id: str, view: Callable[[Message], T]) -> T:
        """``get``, as ``view`` makes it of the live record, stamped, under the store's lock (as ``list``)."""
        with self._core.lock:
            message = self._find(actor, self._core._state(actor, space_id), message_id)
            stamp(message)
            return view(message)

    def resolve(self, actor: Actor, space_id: str, message_id: str) -> Message:
        """The live message (lock held by the caller): for reactions and read states in the same operation."""
        return self._find(actor, self._core._state(actor, space_id), message_id, field="parent")

    def list(
        self,
        actor: Actor,
        space_id: str,
        *,
        after: datetime | None,
        before: datetime | None,
        thread_id: str | None,
        descending: bool,
        show_deleted: bool,
        cursor: int | None,
        limit: int,
        view: Callable[[Message], T],
    ) -> tuple[builtins.list[T], int | None]:
        """A page of messages in create-time order within (after, before), resuming after ``cursor``; each
        message as ``view`` makes it of the live record, stamped (message_records.stamp), under the store's lock:
        ``clone`` for a copy, or the codec's rendering (cached by the stamp). ``view`` must not keep or change
        the record."""
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            book = self._space(space_id)
            timeline = book.thread(thread_id) if thread_id is not None else book.timeline
            page: builtins.list[T] = []
            last = 0
            for message in self._window(timeline, after, before, cursor, descending):
                core.steps.count += 1
                if (message.delete_time and not show_deleted) or not self._can_see(actor, message):
                    continue
                if len(page) == limit:
                    return page, last
                stamp(message)
                page.append(view(message))
                last = message.key
            return page, None

    @staticmethod
    def _window(
        timeline: builtins.list[Message],
        after: datetime | None,
        before: datetime | None,
        cursor: int | None,
        descending: bool,
    ) -> Iterator[Message]:
        """The messages with ``after < create_time < before``, from just past ``cursor`` (a key), in order."""
        low = bisect_right(timeline, ((_micros(after) + 1) << SEQ_BITS) - 1, key=_by_key) if after else 0
        high = bisect_left(timeline, _micros(before) << SEQ_BITS, key=_by_key) if before else len(timeline)
        if cursor is not None:
            if descending:
                high = min(high, bisect_left(timeline, cursor, key=_by_key))
            else:
                low = max(low, bisect_right(timeline, cursor, key=_by_key))
        indexes = range(high - 1, low - 1, -1) if descending else range(low, high)
        return (timeline[i] for i in indexes)

    def update(
        self,
        actor: Actor,
        space_id: str,
        message_id: str,
        content: MessageContent,
        paths: frozenset[str],
        *,
        allow_missing: bool = False,
    ) -> Message:
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            book = self._space(space_id)
            known = book.client_ids.get(message_id, message_id) in book.by_id
            if not known and allow_missing:
                if not CLIENT_ID.match(message_id):
                    raise InvalidArgument(
                        "message.name: allow_missing creates a message only for a client-assigned id (client-...)",
                        field="message.name",
                    )
                # The mask is ignored: the whole message is created, under the rules of CreateMessage.
                if not actor.is_app and (content.cards_v2 or content.accessory_widgets):
                    raise InvalidArgument(
                        "message.cards_v2 and message.accessory_widgets need app authentication", field="message"
                    )
                if not (content.text or content.cards_v2 or content.accessory_widgets or content.attachment_tokens):
                    raise InvalidArgument(
                        "message is empty: set message.text, cards_v2, accessory_widgets or attachment",
                        field="message.text",
                    )
                return self.create(actor, space_id, content, ThreadRequest(), client_id=message_id)
            message = self._find(actor, state, message_id, field="message.name")
            if not paths:
                raise InvalidArgument("update_mask is required when the message exists", field="update_mask")
            if message.delete_time is not None:
                raise NotFound(f"message {message.name} was deleted", field="message.name")
            if message.sender_id != actor.principal.id:
                raise PermissionDenied(f"only the sender can edit {message.name}", reason="NOT_THE_SENDER")
            before = message.text
            changed(message)
            self._set_content(message, content, paths)
            message.last_update_time = core.clock.now()
            core._record(space_id, "google.workspace.chat.message.v1.updated", message)
            if message.text != before:
                for hook in core.on_message_updated:
                    hook(message, before)
            return clone(message)

    def delete(self, actor: Actor, space_id: str, message_id: str, *, force: bool) -> None:
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            book = self._space(space_id)
            message = self._find(actor, state, message_id)
            if message.delete_time is not None:
                raise NotFound(f"message {message.name} was already deleted")
            own = message.sender_id == actor.principal.id
            if actor.is_app:
                if not own:
                    raise PermissionDenied(f"an app may only delete its own messages; {message.name} is not")
                deletion_type = "CREATOR"
            elif own or actor.only_through(IMPORT):
                deletion_type = "CREATOR_VIA_APP" if actor.app else "CREATOR"
            elif core._is_manager(actor, state):
                deletion_type = "SPACE_OWNER_VIA_APP" if actor.app else "SPACE_OWNER"
            else:
                raise PermissionDenied(f"only the sender or a space manager may delete {message.name}")
            replies = [
                reply
                for reply in book.thread(message.thread_id)
                if reply.id != message.id and reply.delete_time is None
            ]
            is_root = not message.thread_reply
            if is_root and replies and not actor.is_app:
                if not force:
                    raise FailedPrecondition(
                        f"{message.name} has {len(replies)} threaded replies; set force=true to delete them too",
                        reason="MESSAGE_HAS_REPLIES",
                    )
                # Each reply says who removed it: its own author, a manager removing someone else's reply, or
                # (a choice) a plain member whose thread, deleted with force, took others' replies with it.
                manager = core._is_manager(actor, state) and not actor.only_through(IMPORT)
                others = ("SPACE_OWNER_VIA_APP" if actor.app else "SPACE_OWNER") if manager else "SPACE_MEMBER"
                for reply in replies:
                    self._soft_delete(reply, deletion_type if reply.sender_id == actor.principal.id else others)
            self._soft_delete(message, deletion_type)

    def _soft_delete(self, message: Message, deletion_type: str) -> None:
        changed(message)
        snapshot = clone(message)
        message.delete_time = self._core.clock.now()
        message.deletion_type = deletion_type
        message.text = message.formatted_text = message.argument_text = message.fallback_text = ""
        message.mentions, message.cards_v2, message.accessory_widgets, message.attachments = (), (), (), ()
        message.reaction_counts = None
        snapshot.delete_time, snapshot.deletion_type = message.delete_time, deletion_type
        self._core._record(message.space_id, "google.workspace.chat.message.v1.deleted", message.name, snapshot)
        for hook in self._core.on_message_deleted:
            hook(message.space_id, message.id)

    def attachment(
        self, actor: Actor, space_id: str, message_id: str, attachment_id: str
    ) -> tuple[Message, Attachment]:
        with self._core.lock:
            state = self._core._state(actor, space_id)
            message = self._find(actor, state, message_id)
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return clone(message), clone(attachment)
            raise NotFound(f"attachment {message.name}/attachments/{attachment_id} not found", field="name")

    # ------------------------------------------------------------------ introspection

    def all(self, space_id: str) -> builtins.list[Message]:
        with self._core.lock:
            book = self._spaces.get(space_id)
            return [clone(message) for message in book.timeline] if book else []

    def copy_of(self, space_id: str, message_id: str) -> Message | None:
        """A copy of a message as it is now (a deleted one as its tombstone), or None if the store holds none by
        that id (introspection: no caller, no rights checked)."""
        with self._core.lock:
            book = self._spaces.get(space_id)
            message = book.by_id.get(message_id) if book else None
            return clone(message) if message is not None else None

    def count(self, space_id: str) -> int:
        with self._core.lock:
            book = self._spaces.get(space_id)
            return len(book.by_id) if book else 0

    def thread_keys(self, space_id: str) -> dict[tuple[str | None, str], str]:
        """The thread keys of a space: (id of the Chat app they are scoped to, or None; key) -> thread id."""
        with self._core.lock:
            book = self._spaces.get(space_id)
            return dict(book.thread_keys) if book else {}

    def tombstone(self, space_id: str, message_id: str, deletion_type: str) -> Message:
        """Seeding: delete a message as ``deletion_type`` says it was deleted (at the clock's time), recording
        its ``deleted`` event; no caller's rights are checked and its replies are left alone."""
        with self._core.lock:
            message = self._spaces[space_id].by_id[message_id]
            if message.delete_time is None:
                self._soft_delete(message, deletion_type)
            return clone(message)

    def for_each(self, space_id: str, visit: Callable[[Message], None]) -> None:
        """Visit live messages under the lock (for later parts, e.g. read states)."""
        with self._core.lock:
            book = self._spaces.get(space_id)
            for message in book.timeline if book else []:
                visit(message)

    # ------------------------------------------------------------------ for read states (lock held by the caller)

    def newest_top_level_time(self, space_id: str, viewer: Actor) -> datetime | None:
        """Create time of the newest live top-level message of a space that ``viewer`` can see (what their space
        read state can reach; private messages to others neither count nor reveal when they were posted)."""
        book = self._spaces.get(space_id)
        for message in reversed(book.timeline if book else []):
            if not message.thread_reply and message.delete_time is None and self._can_see(viewer, message):
                return message.create_time
        return None

    def has_thread(self, space_id: str, thread_id: str) -> bool:
        book = self._spaces.get(space_id)
        return book is not None and book.has_thread(thread_id)

    def live(self, space_id: str, message_id: str) -> Message | None:
        """The live record of a message, or None (lock held by the caller; for space event payloads)."""
        book = self._spaces.get(space_id)
        return book.by_id.get(message_id) if book else None
