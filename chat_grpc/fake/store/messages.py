"""Messages, threads and attachments: state and rules (no gRPC).

Cards and accessory widgets are opaque to the domain: the store keeps their serialized bytes and never looks
inside. Each space keeps its messages in a timeline sorted by ``key`` (create time in microseconds and a
sequence number, packed in one int) — plus a timeline for each thread that has replies — so a page of
ListMessages, with or without a create_time range, costs O(log n + page), not a scan. Deleted messages stay in
the timelines (shown with ``show_deleted``).

Ids are shaped like Google's: ``{thread}.{message}``, a thread's first message being ``{thread}.{thread}``; the
thread id is read from the message id, not stored. A space may hold millions of messages, so records stay lean
(see bench/README.md): no per-message empty containers, times kept as the packed key.
"""

from __future__ import annotations

import builtins
import gc
import itertools
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chat_grpc.fake.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import SpaceState, StoreCore
from chat_grpc.fake.store.model import Actor, User, clone

IMPORT = "chat.import"
CREATE_PATHS = frozenset({"text", "fallback_text", "cards_v2", "accessory_widgets", "attachment"})
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # Google Chat accepts files of up to 200 MB
CREATED = "google.workspace.chat.message.v1.created"
CLIENT_ID = re.compile(r"^client-[a-z0-9-]{1,56}$")  # "client-" + up to 56 more: at most 63 characters
MENTION = re.compile(r"<users/([^>\s]+)>")


_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
SEQ_BITS = 24


def _micros(when: datetime) -> int:
    """Microseconds since the epoch, exactly (``int(timestamp() * 1e6)`` is one off for about 1% of times)."""
    return (when - _EPOCH) // _MICROSECOND


def _by_key(message: Message) -> int:
    return message.key


@dataclass(slots=True)
class Attachment:
    id: str
    content_name: str
    content_type: str
    source: str = "UPLOADED_CONTENT"  # UPLOADED_CONTENT | DRIVE_FILE
    resource_name: str = ""  # the Media API resource of the bytes
    drive_file_id: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """The message a message quotes, as it was when quoted (Google's QuotedMessageMetadata)."""

    name: str  # spaces/{space}/messages/{message}
    last_update_time: datetime
    quote_type: str  # REPLY | FORWARD
    sender_name: str
    text: str
    formatted_text: str
    forwarded_space: str = ""  # FORWARD: spaces/{space} it comes from
    forwarded_space_display_name: str = ""


@dataclass(frozen=True)
class QuoteRequest:
    space_id: str
    message_id: str
    last_update_time: datetime
    quote_type: str = "REPLY"


@dataclass(slots=True)
class Mention:
    start: int
    length: int
    user_id: str  # "all" for @all
    user_kind: str  # HUMAN | BOT


@dataclass(slots=True)
class Message:
    space_id: str
    id: str
    sender_id: str
    sender_kind: str  # HUMAN | BOT
    key: int  # (create time in µs << SEQ_BITS) | sequence in the space: the timeline order
    text: str = ""
    formatted_text: str = ""
    argument_text: str = ""
    # Content collections are tuples: most messages have none of them, and an empty tuple is one shared object
    # (a million empty lists would take ~56 bytes each).
    mentions: tuple[Mention, ...] = ()
    fallback_text: str = ""
    cards_v2: tuple[tuple[str, bytes], ...] = ()  # (card_id, serialized google.apps.card.v1.Card)
    accessory_widgets: tuple[bytes, ...] = ()  # serialized AccessoryWidget
    attachments: tuple[Attachment, ...] = ()
    thread_reply: bool = False
    client_id: str = ""
    private_viewer_id: str = ""
    last_update_time: datetime | None = None
    delete_time: datetime | None = None
    deletion_type: str = ""
    reaction_counts: dict[str, int] | None = None  # emoji key -> count, kept by reactions (None: never reacted)
    quote: Quote | None = None  # the message it quotes (set on create, may be removed by an update)

    @property
    def name(self) -> str:
        return f"spaces/{self.space_id}/messages/{self.id}"

    @property
    def create_time(self) -> datetime:
        return _EPOCH + (self.key >> SEQ_BITS) * _MICROSECOND

    @property
    def thread_id(self) -> str:
        return self.id.partition(".")[0]

    @property
    def thread_name(self) -> str:
        return f"spaces/{self.space_id}/threads/{self.thread_id}"

    @property
    def sender_name(self) -> str:
        return f"users/{self.sender_id}"


@dataclass(frozen=True)
class MessageContent:
    """What a create or update request asks for (already validated by the handler)."""

    text: str = ""
    fallback_text: str = ""
    cards_v2: tuple[tuple[str, bytes], ...] = ()
    accessory_widgets: tuple[bytes, ...] = ()
    attachment_tokens: tuple[str, ...] = ()  # attachment_data_ref.attachment_upload_token or resource_name
    quote: QuoteRequest | None = None  # CreateMessage only: the message to quote


@dataclass(frozen=True)
class ThreadRequest:
    name: str = ""  # thread id from spaces/{s}/threads/{t}
    key: str = ""
    reply_option: str = "MESSAGE_REPLY_OPTION_UNSPECIFIED"


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs twice as much, for a million of them
class NewMessage:
    """One message of a :meth:`MessageBook.create_many` batch: what ``create`` takes for it, plus what a seed
    knows in advance.

    ``create_time``: when it was posted (its timeline position and the time of its ``created`` event; None:
    the store clock's time, read per message as ``create`` does). ``reply_to``: reply in the thread of the
    batch's message at that index (instead of ``thread``). ``own_id``: the id part ``create`` would draw — the
    thread id of a message that starts a thread, the part after the dot of a reply (None: drawn). ``sender``:
    who posts it, if not the batch's actor (a conversation is one batch)."""

    content: MessageContent
    thread: ThreadRequest = ThreadRequest()
    client_id: str = ""
    private_viewer_id: str = ""
    create_time: datetime | None = None
    reply_to: int | None = None
    own_id: str | None = None
    sender: Actor | None = None


@dataclass
class _SpaceMessages:
    by_id: dict[str, Message] = field(default_factory=dict)
    client_ids: dict[str, str] = field(default_factory=dict)
    timeline: list[Message] = field(default_factory=list)  # sorted by key
    replies: dict[str, list[Message]] = field(default_factory=dict)  # thread id -> its first message and replies
    thread_keys: dict[tuple[str | None, str], str] = field(default_factory=dict)  # (app id, key) -> thread id
    next_seq: int = 1

    def next_key(self, when: datetime) -> int:
        self.next_seq += 1
        return (_micros(when) << SEQ_BITS) | (self.next_seq % (1 << SEQ_BITS))

    def add(self, message: Message) -> None:
        """Put a new message in every index of its space (the timeline, its thread's, by id, by client id)."""
        timeline = self.timeline
        if not timeline or timeline[-1].key < message.key:
            timeline.append(message)  # the usual case, and every seed in time order: no bisect
        else:
            insort(timeline, message, key=_by_key)
        if message.thread_reply:
            thread = self.replies.get(message.thread_id)
            if thread is None:
                root = self.by_id.get(f"{message.thread_id}.{message.thread_id}")
                thread = self.replies[message.thread_id] = [root] if root is not None else []
            insort(thread, message, key=_by_key)
        self.by_id[message.id] = message
        if message.client_id:
            self.client_ids[message.client_id] = message.id

    def thread(self, thread_id: str) -> list[Message]:
        """A thread's messages in order (its first message alone when nobody replied)."""
        if thread_id in self.replies:
            return self.replies[thread_id]
        root = self.by_id.get(f"{thread_id}.{thread_id}")
        return [root] if root is not None else []

    def has_thread(self, thread_id: str) -> bool:
        return thread_id in self.replies or f"{thread_id}.{thread_id}" in self.by_id


class MessageBook:
    """The messages of every space, with their threads and attachments."""

    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._spaces: dict[str, _SpaceMessages] = {}
        self._uploads: dict[str, Attachment] = {}  # upload token -> attachment waiting for a message
        self._upload_tokens: dict[str, str] = {}  # an upload's resource name -> its token (also accepted)
        # Uploaded bytes by resource name (spaces/{space}/attachments/{id}: the name an upload answers and the
        # attachment_data_ref.resource_name of the message attachment it becomes); content type for all uploads.
        self._media: dict[str, bytes] = {}
        self._content_types: dict[str, str] = {}
        core.on_space_deleted.append(self._forget_space)

    def _forget_space(self, space_id: str) -> None:
        self._spaces.pop(space_id, None)
        prefix = f"spaces/{space_id}/"
        for resource in [r for r in self._content_types if r.startswith(prefix)]:
            self._media.pop(resource, None)
            del self._content_types[resource]
            token = self._upload_tokens.pop(resource, None)
            if token is not None:
                self._uploads.pop(token, None)

    # ------------------------------------------------------------------ helpers (lock held)

    def _space(self, space_id: str) -> _SpaceMessages:
        book = self._spaces.get(space_id)
        if book is None:  # not setdefault: that would build a book (five containers) on every call
            book = self._spaces[space_id] = _SpaceMessages()
        return book

    def _find(self, actor: Actor, state: SpaceState, message_id: str, *, field: str = "name") -> Message:
        book = self._space(state.space.id)
        message = book.by_id.get(book.client_ids.get(message_id, message_id))
        if message is None or not self._can_see(actor, message):
            raise NotFound(f"message spaces/{state.space.id}/messages/{message_id} not found", field=field)
        return message

    @staticmethod
    def _can_see(actor: Actor, message: Message) -> bool:
        """Private messages are seen only by their viewer and the app that sent them."""
        if not message.private_viewer_id:
            return True
        return actor.principal.id in (message.private_viewer_id, message.sender_id)

    def _joined(self, actor: Actor, state: SpaceState) -> None:
        membership = state.members.get(actor.principal.id)
        if membership is None or membership.state != "JOINED":
            if state.space.import_mode:
                return  # only its creator, through chat.import, sees an import-mode space (no members yet)
            raise PermissionDenied(f"the caller has not joined {state.space.name}", reason="NOT_A_MEMBER")

    def _render_mentions(self, text: str) -> tuple[str, list[Mention], str]:
        """``<users/{id|email|all}>`` -> ``@Name`` with a USER_MENTION; plain text without app mentions."""
        if "<users/" not in text:  # no mention: the text as it is (most messages)
            return text, [], text
        core = self._core
        pieces: list[str] = []
        argument: list[str] = []
        mentions: list[Mention] = []
        position = 0
        length = 0
        for match in MENTION.finditer(text):
            who = match.group(1)
            if who == "all":
                label, user_id, kind = "@all", "all", "HUMAN"
            else:
                principal = core.user_by_email(who) if "@" in who else core.principal(who)
                if principal is None:
                    continue  # not a mention of anyone we know: left as written
                label, user_id = f"@{principal.display_name}", principal.id
                kind = "HUMAN" if isinstance(principal, User) else "BOT"
            before = text[position : match.start()]
            pieces.append(before)
            argument.append(before)
            length += len(before)
            mentions.append(Mention(length, len(label), user_id, kind))
            pieces.append(label)
            if kind == "HUMAN":
                argument.append(label)
            length += len(label)
            position = match.end()
        pieces.append(text[position:])
        argument.append(text[position:])
        return "".join(pieces), mentions, "".join(argument)

    def _set_content(self, message: Message, content: MessageContent, paths: frozenset[str]) -> None:
        if "text" in paths:
            message.formatted_text = content.text
            message.text, mentions, message.argument_text = self._render_mentions(content.text)
            message.mentions = tuple(mentions)
        if "fallback_text" in paths:
            message.fallback_text = content.fallback_text
        if "cards_v2" in paths:
            message.cards_v2 = tuple(content.cards_v2)
        if "accessory_widgets" in paths:
            message.accessory_widgets = tuple(content.accessory_widgets)
        if "attachment" in paths:
            message.attachments = tuple(self._claim_uploads(message, content.attachment_tokens))
        if "quoted_message_metadata" in paths:
            message.quote = None  # an update may only remove a quote (the handler refuses adding or replacing)

    def _claim_uploads(self, message: Message, tokens: tuple[str, ...]) -> list[Attachment]:
        """The attachments named by upload tokens of this space, or by the resource names of the message's own
        attachments (what GetMessage returned); checked before any token is used up."""
        if not tokens:
            return []
        own = {a.resource_name: a for a in message.attachments}
        prefix = f"spaces/{message.space_id}/attachments/"
        if len(set(tokens)) != len(tokens):
            raise InvalidArgument("message.attachment names the same attachment twice", field="message.attachment")
        tokens = tuple(self._upload_tokens.get(t, t) if t not in own else t for t in tokens)
        for token in tokens:
            upload = self._uploads.get(token)
            if token not in own and (upload is None or not upload.resource_name.startswith(prefix)):
                raise InvalidArgument(
                    f"message.attachment: attachment_data_ref {token!r} names no attachment uploaded to"
                    f" spaces/{message.space_id}",
                    field="message.attachment",
                )
        claimed = [own[token] if token in own else self._uploads.pop(token) for token in tokens]
        for attachment in claimed:
            self._upload_tokens.pop(attachment.resource_name, None)
        return claimed

    def _thread_for(
        self, actor: Actor, state: SpaceState, book: _SpaceMessages, request: ThreadRequest
    ) -> tuple[str, bool, str]:
        """(thread id, is a reply, new thread key) for a new message, per message_reply_option."""
        if state.space.space_type != "SPACE" or request.reply_option == "MESSAGE_REPLY_OPTION_UNSPECIFIED":
            return self._core.ids.opaque_id(11), False, ""  # a new thread; thread name and key are ignored
        scope = actor.app.id if actor.app else None
        if request.name:
            if book.has_thread(request.name):
                return request.name, True, ""
            if request.reply_option == "REPLY_MESSAGE_OR_FAIL" and not request.key:
                raise NotFound(
                    f"thread spaces/{state.space.id}/threads/{request.name} not found", field="message.thread.name"
                )
        if request.key:
            existing = book.thread_keys.get((scope, request.key))
            if existing is not None:
                return existing, True, ""
            return self._core.ids.opaque_id(11), False, request.key
        if request.reply_option == "REPLY_MESSAGE_OR_FAIL":
            raise NotFound(
                "REPLY_MESSAGE_OR_FAIL needs an existing thread.name or a thread_key", field="message.thread"
            )
        return self._core.ids.opaque_id(11), False, ""

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
            if client_id:
                if not CLIENT_ID.match(client_id):
                    raise InvalidArgument(
                        "message_id must start with 'client-' and have at most 63 characters of a-z, 0-9 and '-'",
                        field="message_id",
                    )
                if client_id in book.client_ids:
                    raise AlreadyExists(
                        f"a message with id {client_id!r} already exists in {state.space.name}",
                        field="message_id",
                        reason="MESSAGE_ID_TAKEN",
                    )
            if private_viewer_id:
                viewer = state.members.get(private_viewer_id)
                if viewer is None or viewer.member_kind != "HUMAN":
                    raise InvalidArgument(
                        "message.private_message_viewer must be a human member of the space",
                        field="message.private_message_viewer",
                    )
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
        exactly the state one ``create`` per message (same arguments, same clock and id generator) leaves —
        the same records, timelines, threads and thread keys, client ids, ``created`` events, read states and
        search postings — at several times the speed.

        What it skips is per-call work a seed does not need: the space, membership, import-scope and
        permission checks are made once per sender (senders and the space do not change during it), no
        request id is kept (a seed is not retried), no copy of each message is handed back (only its id), and
        content without mentions or attachments takes a short path. Quotes are not supported (a seed has
        none). A message that breaks a rule (a thread that does not exist, a client id taken, a private
        viewer who is not a human member) raises as ``create`` does; the messages before it stay made."""
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            space = state.space
            book = self._space(space_id)
            # Per sender, checked at its first message: (actor, sender id, sender kind, thread key scope) and
            # the permission settings already checked for it (post_messages, reply_messages).
            senders: dict[int, tuple[Actor, str, str, str | None, set[str]]] = {}

            def sender(who: Actor) -> tuple[Actor, str, str, str | None, set[str]]:
                core._state(who, space_id)
                core._require_import_space_if_import_only(who, space)
                self._joined(who, state)
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
            clock, log_event = core.clock, core.event_log.append  # what core._record does, one call less
            hooks = core.on_message_created
            all_content = frozenset({"text", "fallback_text", "cards_v2", "accessory_widgets", "attachment"})
            made: builtins.list[str] = []
            newest: Message | None = None  # the latest of the batch: the space's last activity, if later
            # The cyclic garbage collector rests during the batch: it would walk every record made so far again
            # and again (a third of the time of a million messages), and the batch makes no cycles to collect.
            collecting = gc.isenabled()
            gc.disable()
            try:
                # Ids drawn ahead in chunks where nothing records the order of draws and clock readings; else
                # each where create draws it (a state file's tape replays them in that order).
                bulk = core.ids.draws_in_bulk()
                draw = core.ids.opaque_id
                for item, drawn in self._with_ids(messages) if bulk else ((m, "") for m in messages):
                    who = item.sender or actor
                    found = senders.get(id(who))
                    who, sender_id, sender_kind, scope, checked = sender(who) if found is None else found
                    thread = item.thread
                    if item.reply_to is not None:
                        root = made[item.reply_to].partition(".")[0]
                        thread = ThreadRequest(name=root, reply_option="REPLY_MESSAGE_OR_FAIL")
                    client_id = item.client_id
                    if client_id:
                        if not CLIENT_ID.match(client_id):
                            raise InvalidArgument(
                                "message_id must start with 'client-' and have at most 63 characters of a-z, 0-9"
                                " and '-'",
                                field="message_id",
                            )
                        if client_id in book.client_ids:
                            raise AlreadyExists(
                                f"a message with id {client_id!r} already exists in {space.name}",
                                field="message_id",
                                reason="MESSAGE_ID_TAKEN",
                            )
                    if item.private_viewer_id:
                        viewer = state.members.get(item.private_viewer_id)
                        if viewer is None or viewer.member_kind != "HUMAN":
                            raise InvalidArgument(
                                "message.private_message_viewer must be a human member of the space",
                                field="message.private_message_viewer",
                            )
                    # The thread, as _thread_for decides it; the id part drawn here unless the batch gives it.
                    thread_id, reply, new_key = "", False, ""
                    option = thread.reply_option
                    if is_space and option != "MESSAGE_REPLY_OPTION_UNSPECIFIED":
                        if thread.name and book.has_thread(thread.name):
                            thread_id, reply = thread.name, True
                        elif thread.key:
                            existing = book.thread_keys.get((scope, thread.key))
                            if existing is not None:
                                thread_id, reply = existing, True
                            else:
                                new_key = thread.key
                        elif option == "REPLY_MESSAGE_OR_FAIL":
                            self._thread_for(who, state, book, thread)  # raises NOT_FOUND, worded as create's
                    own = item.own_id if item.own_id is not None else (drawn or draw(11))
                    message_id = f"{thread_id}.{own}" if reply else f"{own}.{own}"
                    setting = "reply_messages" if reply else "post_messages"
                    if setting not in checked and not who.is_app and not importing:
                        core._require_permission(who, state, setting, "reply in threads" if reply else "post messages")
                        checked.add(setting)
                    now = item.create_time or clock.now()
                    message = Message(
                        space_id=space_id,
                        id=message_id,
                        sender_id=sender_id,
                        sender_kind=sender_kind,
                        key=book.next_key(now),
                        thread_reply=reply,
                        client_id=client_id,
                        private_viewer_id=item.private_viewer_id,
                    )
                    content = item.content
                    if content.attachment_tokens or content.quote or "<users/" in content.text:
                        if content.quote:
                            raise InvalidArgument("create_many does not quote messages", field="message")
                        self._set_content(message, content, all_content)
                    else:  # what _set_content makes of text without mentions and of no attachments
                        message.text = message.formatted_text = message.argument_text = content.text
                        message.fallback_text = content.fallback_text
                        message.cards_v2 = tuple(content.cards_v2)
                        message.accessory_widgets = tuple(content.accessory_widgets)
                    if new_key:
                        book.thread_keys[(scope, new_key)] = message.thread_id
                    book.add(message)
                    if newest is None or message.key > newest.key:
                        newest = message
                    # The event's time: the message's when the batch gives it, else a second reading (as create).
                    log_event(space_id, item.create_time or clock.now(), CREATED, message, snapshot=False)
                    for hook in hooks:
                        hook(who, message)
                    made.append(message_id)
            finally:
                if collecting:
                    gc.enable()
                if newest is not None:
                    space.has_messages = True
                    if space.last_active_time is None or newest.create_time > space.last_active_time:
                        space.last_active_time = newest.create_time
            return made

    def _with_ids(self, messages: Iterable[NewMessage]) -> Iterator[tuple[NewMessage, str]]:
        """Each message with the id part drawn for it ("" when it brings its own), drawn a chunk at a time: as
        many as the chunk needs, in order, so a seeded generator gives what one draw per create gives."""
        chunk: builtins.list[NewMessage] = []
        iterator = iter(messages)
        while True:
            chunk[:] = itertools.islice(iterator, 4096)
            if not chunk:
                return
            drawn = iter(self._core.ids.opaque_ids(11, sum(1 for m in chunk if m.own_id is None)))
            for item in chunk:
                yield item, next(drawn) if item.own_id is None else ""

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
    ) -> tuple[list[Message], int | None]:
        """A page of messages in create-time order within (after, before), resuming after ``cursor``."""
        core = self._core
        with core.lock:
            state = core._state(actor, space_id)
            core._require_import_space_if_import_only(actor, state.space)
            book = self._space(space_id)
            timeline = book.thread(thread_id) if thread_id is not None else book.timeline
            page: list[Message] = []
            for message in self._window(timeline, after, before, cursor, descending):
                core.steps.count += 1
                if (message.delete_time and not show_deleted) or not self._can_see(actor, message):
                    continue
                if len(page) == limit:
                    return page, page[-1].key
                page.append(clone(message))
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
