"""Workspace files, the plan: a checked workspace whose references are resolved (what ``check`` makes and
``load`` builds), and the ``Workspace`` handles on what a load made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chat_grpc.fake.store import App, Group, Space, User
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


@dataclass
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
    messages: list[MessagePlan]
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


@dataclass(frozen=True)
class Workspace:
    """Handles on what a workspace file made (copies, as the store hands out)."""

    users: dict[str, User]  # by email, as the file writes it
    apps: dict[str, App]  # by display name
    groups: dict[str, Group]  # by display name
    spaces: dict[str, Space]  # by ref; without one by display name (if unique in the file), else resource name
    custom_emojis: dict[str, CustomEmoji]  # by :name:
    messages: dict[str, Message]  # by ref; without one by resource name
