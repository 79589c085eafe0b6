"""Workspace files, the plan: a checked workspace whose references are resolved (what ``check`` makes and
``load`` builds), and the ``Workspace`` handles on what a load made."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from chat_grpc.fake.store import App, ChatStore, Group, Space, User
from chat_grpc.fake.store.emojis import CustomEmoji
from chat_grpc.fake.store.message_records import Message


@dataclass(frozen=True)
class Who:
    """A principal or group named by the file: ``key`` is stable before ids exist (users: by email)."""

    kind: str  # user | app | group
    key: str
    label: str  # how errors and the returned handles name it

    @property
    def member_kind(self) -> str:
        return {"user": "HUMAN", "app": "BOT", "group": "GROUP"}[self.kind]


@dataclass
class UserPlan:
    path: str
    who: Who
    email: str
    display_name: str | None
    id: str | None
    customer: str
    admin: bool
    auto_accept: bool
    emoji_manager: bool
    blocked: list[Who] = field(default_factory=list)
    sections: list[SectionPlan] = field(default_factory=list)
    availability: AvailabilityPlan | None = None


@dataclass
class SectionPlan:
    path: str
    type: str
    display_name: str
    id: str | None
    spaces: list[str] = field(default_factory=list)  # paths of the space plans placed in it


@dataclass
class AvailabilityPlan:
    path: str
    state: str
    until: datetime | None
    status: tuple[str, str, datetime | None] | None  # text, emoji, expire time


@dataclass
class AppPlan:
    path: str
    who: Who
    display_name: str
    id: str | None
    customer: str | None


@dataclass
class GroupPlan:
    path: str
    who: Who
    display_name: str
    id: str | None
    members: list[Who] = field(default_factory=list)


@dataclass
class EmojiPlan:
    path: str
    name: str
    creator: Who
    filename: str
    content: bytes
    uid: str | None
    create_time: datetime | None


@dataclass
class MemberPlan:
    path: str
    who: Who
    role: str | None
    state: str | None
    create_time: datetime | None
    notification_setting: str | None
    mute_setting: str | None
    last_read_time: datetime | None


@dataclass
class ReactionPlan:
    path: str
    user: Who
    unicode: str
    custom_emoji: tuple[str, str] | None  # (customer, :name:)
    id: str | None
    create_time: datetime | None


@dataclass
class AttachmentPlan:
    path: str
    name: str
    content_type: str
    id: str | None


@dataclass(slots=True)  # a file may hold a million: slots make each one smaller and quicker to make
class MessagePlan:
    path: str
    index: int
    ref: str | None
    id: str | None  # the full message id, thread.message
    sender: Who
    via_app: Who | None
    text: str
    fallback_text: str
    cards_v2: tuple[tuple[str, bytes], ...]
    accessory_widgets: tuple[bytes, ...]
    thread_key: str
    reply_to: int | None  # index of the thread's first message in the space's messages
    client_id: str
    private_viewer: Who | None
    attachments: list[AttachmentPlan]
    create_time: datetime | None
    update_time: datetime | None
    delete_time: datetime | None
    deletion_type: str
    reactions: list[ReactionPlan]
    root: int = -1  # index of the first message of this message's thread (itself for a top-level message)


_ROW = itemgetter  # a field of a PlainMessagePlan, read in C


class PlainMessagePlan(tuple):  # type: ignore[type-arg]
    """The plan of a plain message (``plain.py``: text from a sender, perhaps with a create time, a thread key, a
    fallback text, a client id or a ref, and nothing else), compact: the ``MessagePlan`` it stands for, as one
    tuple (a file may hold a million; a ``MessagePlan`` and its path take three times as long to make). It reads
    as that ``MessagePlan`` — every field by name, the path made when asked — and is equal to it.

    The row: (path prefix ``spaces[i].messages[``, index, ref, sender, text, fallback text, thread key, reply_to,
    client id, create time, root), which the loader unpacks."""

    __slots__ = ()

    # What a plain message does not have:
    id: None = None
    via_app: None = None
    cards_v2: tuple[tuple[str, bytes], ...] = ()
    accessory_widgets: tuple[bytes, ...] = ()
    private_viewer: None = None
    attachments: tuple[AttachmentPlan, ...] = ()
    update_time: None = None
    delete_time: None = None
    deletion_type = ""
    reactions: tuple[ReactionPlan, ...] = ()

    index: int = property(_ROW(1))  # type: ignore[assignment]  # tuple.index, the method, is not used on it
    ref: str | None = property(_ROW(2))  # type: ignore[assignment]
    sender: Who = property(_ROW(3))  # type: ignore[assignment]
    text: str = property(_ROW(4))  # type: ignore[assignment]
    fallback_text: str = property(_ROW(5))  # type: ignore[assignment]
    thread_key: str = property(_ROW(6))  # type: ignore[assignment]
    reply_to: int | None = property(_ROW(7))  # type: ignore[assignment]
    client_id: str = property(_ROW(8))  # type: ignore[assignment]
    create_time: datetime | None = property(_ROW(9))  # type: ignore[assignment]
    root: int = property(_ROW(10))  # type: ignore[assignment]

    @property
    def path(self) -> str:
        return f"{self[0]}{self[1]}]"

    def message_plan(self) -> MessagePlan:
        """The ``MessagePlan`` it stands for."""
        return MessagePlan(
            self.path,
            self.index,
            self.ref,
            None,
            self.sender,
            None,
            self.text,
            self.fallback_text,
            (),
            (),
            self.thread_key,
            self.reply_to,
            self.client_id,
            None,
            [],
            self.create_time,
            None,
            None,
            "",
            [],
            self.root,
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PlainMessagePlan):
            other = other.message_plan()
        return isinstance(other, MessagePlan) and self.message_plan() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # as a MessagePlan's

    def __repr__(self) -> str:
        return repr(self.message_plan())


AnyMessagePlan = MessagePlan | PlainMessagePlan


@dataclass
class ThreadReadPlan:
    path: str
    user: Who
    root: int  # index of the thread's first message
    last_read_time: datetime


@dataclass
class SpacePlan:
    path: str
    ref: str | None
    id: str | None
    space_type: str
    display_name: str
    description: str
    guidelines: str
    creator: Who
    create_time: datetime | None
    external_user_allowed: bool
    history_state: str
    audience: str
    import_mode: bool
    import_mode_expire_time: datetime | None
    permission_settings: dict[str, tuple[bool, bool]]  # final settings (SPACE)
    members: list[MemberPlan]
    former_members: list[Who]
    messages: list[AnyMessagePlan]  # in file order; plain ones compact
    thread_read_states: list[ThreadReadPlan]
    customer: str | None
    pins: list[int] = field(default_factory=list)  # indexes of the pinned messages, in pin order


@dataclass
class Plan:
    users: list[UserPlan]
    apps: list[AppPlan]
    groups: list[GroupPlan]
    emojis: list[EmojiPlan]
    spaces: list[SpacePlan]
    disabled_customers: list[str]


@dataclass
class Person:
    """What the checker knows of a principal, from the file or the target store."""

    who: Who
    id: str | None
    customer: str
    auto_accept: bool = True
    display_name: str = ""


class LoadedMessages(Mapping[str, Message]):
    """The messages a load made (``Workspace.messages``), in file order (space by space), each by its ``ref``, else
    its resource name: a read-only mapping whose keys are fixed at the load and whose values are read from the
    store at each lookup — a copy of the message as it is *now* (an update since the load shows; a message deleted
    since is its tombstone, with ``delete_time`` set and its content gone). A message the store no longer holds
    (its space was deleted, the store reset) is still a key, but looking it up raises KeyError, naming the key.

    Nothing is copied at the load (a million messages would take seconds): the keys are made at the first use."""

    def __init__(self, store: ChatStore, made: list[tuple[str, list[str], list[str | None] | None]]) -> None:
        # made: per space, in file order: (space id, its message ids in file order, their refs, None if none has one)
        self._store, self._made = store, made
        self._keys: dict[str, tuple[str, str]] | None = None  # key -> (space id, message id), in file order

    def _index(self) -> dict[str, tuple[str, str]]:
        keys = self._keys
        if keys is None:  # two threads may both make it: the same keys either way
            keys = {}
            for space_id, ids, refs in self._made:
                prefix = f"spaces/{space_id}/messages/"
                for i, message_id in enumerate(ids):
                    keys[(refs[i] if refs else None) or prefix + message_id] = (space_id, message_id)
            self._keys = keys
        return keys

    def __getitem__(self, key: str) -> Message:
        found = self._index().get(key)
        if found is None:
            raise KeyError(f"no message {key!r} in the workspace (a ref, or a resource name without one)")
        message = self._store.messages.copy_of(*found)
        if message is None:
            raise KeyError(f"message {key!r} of the workspace is no longer in the store")
        return message

    def __contains__(self, key: object) -> bool:
        return key in self._index()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())

    def __repr__(self) -> str:
        return f"<LoadedMessages: {len(self)} messages>"


@dataclass(frozen=True)
class Workspace:
    """Handles on what a workspace file made (copies, as the store hands out; ``messages`` reads each from the
    store when it is looked up: see ``LoadedMessages``)."""

    users: dict[str, User]  # by email, as the file writes it
    apps: dict[str, App]  # by display name
    groups: dict[str, Group]  # by display name
    spaces: dict[str, Space]  # by ref; without one by display name (if unique in the file), else resource name
    custom_emojis: dict[str, CustomEmoji]  # by :name:
    messages: Mapping[str, Message]  # by ref; without one by resource name (LoadedMessages: read on lookup)
