"""Messages, threads and attachments: the records and their values (no gRPC, no rules).

Cards and accessory widgets are opaque to the domain: the store keeps their serialized bytes and never looks
inside. Ids are shaped like Google's: ``{thread}.{message}``, a thread's first message being
``{thread}.{thread}``; the thread id is read from the message id, not stored. A space may hold millions of
messages, so records stay lean (see bench/README.md): no per-message empty containers, times kept as the packed
``key`` (create time in microseconds and a sequence number, packed in one int).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chat_grpc.fake.store.model import Actor

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
    # This state's stamp (see ``stamp``): 0 until a reader stamps it, back to 0 on every change. Not compared.
    version: int = field(default=0, compare=False, repr=False)

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


_STAMPS = itertools.count(1)
_new, _assign = object.__new__, object.__setattr__


def stamp(message: Message) -> int:
    """The number of the message's current state, unique in the process (no other state of any message has it):
    what the codec's rendering cache is keyed by. Readers stamp the live record (under the store's lock) before
    they hand out copies, which carry the stamp; every change of a record calls ``changed`` first."""
    if not message.version:
        message.version = next(_STAMPS)
    return message.version


def changed(message: Message) -> None:
    """Mark a live message as changing: its stamp no longer names its state (a new one is drawn when it is next
    read). Call it before the change, so a copy taken during the change (a snapshot) carries no stamp either."""
    message.version = 0


@dataclass(frozen=True, slots=True)  # slots: a million are made by a bulk load (see ``plain``)
class MessageContent:
    """What a create or update request asks for (already validated by the handler)."""

    text: str = ""
    fallback_text: str = ""
    cards_v2: tuple[tuple[str, bytes], ...] = ()
    accessory_widgets: tuple[bytes, ...] = ()
    attachment_tokens: tuple[str, ...] = ()  # attachment_data_ref.attachment_upload_token or resource_name
    quote: QuoteRequest | None = None  # CreateMessage only: the message to quote

    @classmethod
    def plain(
        cls,
        text: str,
        fallback_text: str = "",
        cards_v2: tuple[tuple[str, bytes], ...] = (),
        accessory_widgets: tuple[bytes, ...] = (),
    ) -> MessageContent:
        """``MessageContent(text, fallback_text, cards_v2, accessory_widgets)``, made in half the time (for bulk
        paths: a frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``); the same value,
        as frozen (tests/server/test_message_content.py)."""
        content = _new(cls)
        set_text, set_fallback, set_cards, set_widgets, set_tokens, set_quote = _CONTENT_SLOTS
        set_text(content, text)  # each slot set as __init__ sets it, without the frozen class's checks
        set_fallback(content, fallback_text)
        set_cards(content, cards_v2)
        set_widgets(content, accessory_widgets)
        set_tokens(content, ())
        set_quote(content, None)
        return content


_CONTENT_SLOTS = tuple(getattr(MessageContent, f.name).__set__ for f in dataclasses.fields(MessageContent))
if tuple(f.name for f in dataclasses.fields(MessageContent)) != (  # pragma: no cover - a guard
    "text",
    "fallback_text",
    "cards_v2",
    "accessory_widgets",
    "attachment_tokens",
    "quote",
):
    raise ImportError("MessageContent.plain sets the fields by position: MessageContent's fields changed")


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
