"""Workspace files, loading: seed the fake from a JSON or YAML description of a whole workspace. Its shape is
declared in ``workspace_schema``, its export is ``workspace_export``, and ``seed`` is the public entry to all
three (``docs/emulator.md`` documents the format, with a complete example).

Loading happens in three steps, so that a bad file changes nothing:

1. **check**: the file's shape (``workspace_schema``: unknown keys, types, enum values, time formats), then
   every reference (a member who is nobody, a reply to a message that is not there, a custom emoji the
   reacting user cannot see, ...) are checked; each problem names its place, e.g.
   ``spaces[2].messages[5].sender: no user 'zed@example.com'``.
2. **dry run**: the workspace is built in a scratch store (holding copies of the people and custom emojis
   already in the target store) through the same operations as step 3, so that the store's own rules (a
   third person in a direct message, an external user where the space does not allow them, a reaction by
   someone who has not joined, ...) are reported with the place of the item they refuse.
3. **load**: the workspace is built in the target store, under its lock, through the store's domain operations
   (``add_user``, ``create_space``, ``set_up_space``, ``create_membership``, ``messages.create``,
   ``reactions.create``, ...), so every rule, index, counter, read state and space event applies as if the
   workspace had been made by API calls.

**Times.** While an item is made, a seeding clock stacked on the store's clock answers with the times the file
gives for it (``create_time``, ``update_time``, ``delete_time``); items without times get the store clock's
time. The pins are per thread: other threads keep reading the real clock. **Ids** work the same way: ids the
file gives are handed to the operation that would have drawn one (a space's id, a thread's, a reaction's),
and reserved so that the generator never issues them again.

What no single operation can produce is set through the store's few seeding setters, each documented there:
a membership's final state (``set_membership_state``), permission settings (``set_space_permission``), read
states (``read_states.set_read_time``) and deleted messages (``messages.tombstone``). Roles, permission
settings, read states, blocks and the organizations' custom emoji switch are applied after the content, so a
file can hold messages posted by people who may no longer post. People who left a space but whose messages
or reactions remain are listed in the space's ``former_members``: they are added for the load and leave at
its end.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from google.apps.card.v1 import card_pb2
from google.chat.v1 import message_pb2
from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage
from pydantic_core import PydanticCustomError

from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES
from chat_grpc.fake.clock import ClockProxy, ManualClock
from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.ids import IdGenerator, IdGeneratorProxy
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore, Group, MemberRef, Space, User
from chat_grpc.fake.store.availability import CustomStatus
from chat_grpc.fake.store.emojis import CustomEmoji, check_emoji_name, check_image
from chat_grpc.fake.store.message_records import (
    Message,
    MessageContent,
    NewMessage,
    ThreadRequest,
)
from chat_grpc.fake.store.model import DEFAULT_CUSTOMER, PERMISSION_SETTINGS, default_permission_settings
from chat_grpc.fake.store.pins import MAX_PINS_PER_SPACE
from chat_grpc.fake.store.reactions import check_unicode_emoji
from chat_grpc.fake.store.sections import MAX_DISPLAY_NAME as SECTION_NAME_MAX
from chat_grpc.fake.store.sections import SYSTEM_SECTIONS
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.schema import (
    AVAILABILITY_STATES,
    DELETION_TYPES,
    HISTORY_STATES,
    MUTE_SETTINGS,
    NOTIFICATION_SETTINGS,
    PREDEFINED,
    ROLES,
    SECTION_TYPES,
    SPACE_TYPES,
    STATES,
)

IMPORT_SCOPES = frozenset({"chat.import"})
IMPORT_MODE_LIFETIME = timedelta(days=90)
MAX_PROBLEMS = 25


T = TypeVar("T")


class SeedError(ValueError):
    """A workspace file that cannot be loaded; ``problems`` lists each one with its place."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ------------------------------------------------------------------ reading files


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - exercised only without the extra
        return None
    return yaml


MAX_DEPTH = 100  # a workspace needs about 30 (cards inside messages inside spaces); deeper is a damaged file


def _depth(data: Any) -> int:
    """How deeply lists and mappings nest in ``data`` (without recursion: any depth is measured)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_workspace_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The workspace mapping of a ``.json``, ``.yaml`` or ``.yml`` file (others: JSON, else YAML)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError([f"{where}: cannot read the workspace file: {error}"]) from None
    suffix = Path(path).suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SeedError([f"{where}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"]) from None
        except RecursionError:
            raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"]) from None
    else:
        yaml = _yaml()
        if yaml is None:
            raise SeedError([f"{where}: reading YAML needs PyYAML: pip install 'chat-grpc[yaml]' (or use JSON)"])
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            place = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None else where
            problem = getattr(error, "problem", None) or str(error)
            raise SeedError([f"{place}: not valid YAML: {problem}"]) from None
        except RecursionError:
            raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"]) from None
    if _depth(data) > MAX_DEPTH:
        raise SeedError([f"{where}: nested too deeply (at most {MAX_DEPTH} levels)"])
    if not isinstance(data, dict):
        raise SeedError([f"{where}: a workspace file holds a mapping (users, apps, groups, spaces, ...)"])
    return data


# ------------------------------------------------------------------ the plan: a checked, resolved workspace


@dataclass(frozen=True)
class _Who:
    """A principal or group named by the file: ``key`` is stable before ids exist (users: by email)."""

    kind: str  # user | app | group
    key: str
    label: str  # how errors and the returned handles name it

    @property
    def member_kind(self) -> str:
        return {"user": "HUMAN", "app": "BOT", "group": "GROUP"}[self.kind]


@dataclass
class _UserPlan:
    path: str
    who: _Who
    email: str
    display_name: str | None
    id: str | None
    customer: str
    admin: bool
    auto_accept: bool
    emoji_manager: bool
    blocked: list[_Who] = field(default_factory=list)
    sections: list[_SectionPlan] = field(default_factory=list)
    availability: _AvailabilityPlan | None = None


@dataclass
class _SectionPlan:
    path: str
    type: str
    display_name: str
    id: str | None
    spaces: list[str] = field(default_factory=list)  # paths of the space plans placed in it


@dataclass
class _AvailabilityPlan:
    path: str
    state: str
    until: datetime | None
    status: tuple[str, str, datetime | None] | None  # text, emoji, expire time


@dataclass
class _AppPlan:
    path: str
    who: _Who
    display_name: str
    id: str | None
    customer: str | None


@dataclass
class _GroupPlan:
    path: str
    who: _Who
    display_name: str
    id: str | None
    members: list[_Who] = field(default_factory=list)


@dataclass
class _EmojiPlan:
    path: str
    name: str
    creator: _Who
    filename: str
    content: bytes
    uid: str | None
    create_time: datetime | None


@dataclass
class _MemberPlan:
    path: str
    who: _Who
    role: str | None
    state: str | None
    create_time: datetime | None
    notification_setting: str | None
    mute_setting: str | None
    last_read_time: datetime | None


@dataclass
class _ReactionPlan:
    path: str
    user: _Who
    unicode: str
    custom_emoji: tuple[str, str] | None  # (customer, :name:)
    id: str | None
    create_time: datetime | None


@dataclass
class _AttachmentPlan:
    path: str
    name: str
    content_type: str
    id: str | None


@dataclass
class _MessagePlan:
    path: str
    index: int
    ref: str | None
    id: str | None  # the full message id, thread.message
    sender: _Who
    via_app: _Who | None
    text: str
    fallback_text: str
    cards_v2: tuple[tuple[str, bytes], ...]
    accessory_widgets: tuple[bytes, ...]
    thread_key: str
    reply_to: int | None  # index of the thread's first message in the space's messages
    client_id: str
    private_viewer: _Who | None
    attachments: list[_AttachmentPlan]
    create_time: datetime | None
    update_time: datetime | None
    delete_time: datetime | None
    deletion_type: str
    reactions: list[_ReactionPlan]
    root: int = -1  # index of the first message of this message's thread (itself for a top-level message)


@dataclass
class _ThreadReadPlan:
    path: str
    user: _Who
    root: int  # index of the thread's first message
    last_read_time: datetime


@dataclass
class _SpacePlan:
    path: str
    ref: str | None
    id: str | None
    space_type: str
    display_name: str
    description: str
    guidelines: str
    creator: _Who
    create_time: datetime | None
    external_user_allowed: bool
    history_state: str
    audience: str
    import_mode: bool
    import_mode_expire_time: datetime | None
    permission_settings: dict[str, tuple[bool, bool]]  # final settings (SPACE)
    members: list[_MemberPlan]
    former_members: list[_Who]
    messages: list[_MessagePlan]
    thread_read_states: list[_ThreadReadPlan]
    customer: str | None
    pins: list[int] = field(default_factory=list)  # indexes of the pinned messages, in pin order


@dataclass
class _Plan:
    users: list[_UserPlan]
    apps: list[_AppPlan]
    groups: list[_GroupPlan]
    emojis: list[_EmojiPlan]
    spaces: list[_SpacePlan]
    disabled_customers: list[str]


@dataclass
class _Person:
    """What the checker knows of a principal, from the file or the target store."""

    who: _Who
    id: str | None
    customer: str
    auto_accept: bool = True
    display_name: str = ""


class _Node:
    """One mapping of the file, read by the reference pass. The shape pass (``workspace_schema``) has checked it
    and taken out the values it refused, so every value here has its declared type: an absent one reads as
    its default."""

    def __init__(self, checker: _Checker, path: str, value: object) -> None:
        self.checker, self.path = checker, path
        self.ok = isinstance(value, dict)
        self.value: dict[str, Any] = value if isinstance(value, dict) else {}

    def at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.value.get(key)

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        value = self.value.get(key)
        return default if value is None else str(value)

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.value.get(key)
        return default if value is None else bool(value)

    def choice(self, key: str, choices: Sequence[str], default: str | None = None) -> str | None:
        value = self.value.get(key)
        return default if value is None else str(value)

    def time(self, key: str) -> datetime | None:
        value = self.value.get(key)
        return None if value is None else self.checker.time(self.at(key), value)

    def items(self, key: str) -> list[tuple[str, Any]]:
        value = self.value.get(key)
        if not isinstance(value, list):
            return []
        return [(f"{self.path}.{key}[{i}]" if self.path else f"{key}[{i}]", item) for i, item in enumerate(value)]


_kind = workspace_schema.kind


def _parse_time(value: object) -> datetime | str:
    """A timezone-aware datetime, or the problem with ``value`` (the shape pass's words)."""
    try:
        return workspace_schema.parse_time(value).astimezone(UTC)
    except PydanticCustomError as error:
        return str(error)


class _Checker:
    """Step 1: the file's schema and references -> a plan whose references are resolved."""

    def __init__(self, store: ChatStore, data: Mapping[str, Any], base_dir: Path) -> None:
        self.store, self.base_dir = store, base_dir
        self.data = dict(data)
        self.problems: list[str] = []
        self.now = datetime.now(UTC)
        # directory: what references can name
        self.users: dict[str, _Person] = {}  # lower email -> person
        self.user_ids: dict[str, str] = {}  # id -> lower email
        self.apps_by_name: dict[str, list[_Person]] = {}
        self.app_ids: dict[str, _Person] = {}
        self.groups_by_name: dict[str, list[_Person]] = {}
        self.group_ids: dict[str, _Person] = {}
        self.emojis: dict[tuple[str, str], str] = {}  # (customer, :name:) -> where it is defined
        self.existing_uids: set[str] = set()
        self.space_ids: set[str] = set()
        self.space_names: dict[tuple[str | None, str], str] = {}  # (customer, folded display name) -> where
        self._directory_from_store()

    # -------------------------------------------------------------- problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def time(self, path: str, value: object) -> datetime | None:
        parsed = _parse_time(value)
        if isinstance(parsed, str):
            self.problem(path, parsed)
            return None
        return parsed

    # -------------------------------------------------------------- directory

    def _directory_from_store(self) -> None:
        store = self.store
        for user in store.users():
            who = _Who("user", f"user:{user.email.lower()}", user.email)
            self.users[user.email.lower()] = _Person(who, user.id, user.customer, user.auto_accept, user.display_name)
            self.user_ids[user.id] = user.email.lower()
        for app in store.apps():
            person = _Person(_Who("app", f"app:id:{app.id}", app.display_name), app.id, app.customer)
            self.apps_by_name.setdefault(app.display_name, []).append(person)
            self.app_ids[app.id] = person
        for group in store.groups():
            person = _Person(_Who("group", f"group:id:{group.id}", group.display_name), group.id, "")
            self.groups_by_name.setdefault(group.display_name, []).append(person)
            self.group_ids[group.id] = person
        for emoji in store.custom_emojis.emojis():
            self.emojis[(emoji.customer, emoji.emoji_name)] = "the store"
            self.existing_uids.add(emoji.uid)
        for space in store.spaces():
            self.space_ids.add(space.id)
            if space.space_type == "SPACE":
                self.space_names[(space.customer, space.display_name.strip().casefold())] = "the store"

    def person(self, who: _Who) -> _Person:
        if who.kind == "user":
            return self.users[who.key.removeprefix("user:")]
        table = self.app_ids if who.kind == "app" else self.group_ids
        for person in table.values():
            if person.who == who:
                return person
        for people in (self.apps_by_name if who.kind == "app" else self.groups_by_name).values():
            for person in people:
                if person.who == who:
                    return person
        raise KeyError(who)

    def _taken_principal_id(self, value: str) -> bool:
        return value in self.user_ids or value in self.app_ids

    def principal(self, path: str, value: object, *, allow: Sequence[str] = ("user", "app")) -> _Who | None:
        """A user (email or id) or an app (display name or id)."""
        wanted = " or ".join({"user": "a user's email", "app": "an app's display name or id"}[k] for k in allow)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"must be {wanted}; got {_kind(value)}")
            return None
        if "@" in value:
            person = self.users.get(value.lower())
            if person is None:
                self.problem(path, f"no user {value!r}")
                return None
            if "user" not in allow:
                self.problem(path, f"{value!r} is a user; {wanted} is needed here")
                return None
            return person.who
        apps = self.apps_by_name.get(value, [])
        if len(apps) > 1:
            self.problem(path, f"{len(apps)} apps are named {value!r}; name it by its id")
            return None
        found = apps[0] if apps else self.app_ids.get(value)
        if found is None and value in self.user_ids:
            found = self.users[self.user_ids[value]]
        if found is None:
            self.problem(path, f"no {' or '.join(allow)} {value!r}")
            return None
        if found.who.kind not in allow:
            self.problem(path, f"{value!r} is {'an app' if found.who.kind == 'app' else 'a user'}; {wanted} is needed")
            return None
        return found.who

    def user(self, path: str, value: object) -> _Who | None:
        return self.principal(path, value, allow=("user",))

    def app(self, path: str, value: object) -> _Who | None:
        return self.principal(path, value, allow=("app",))

    def group(self, path: str, value: object) -> _Who | None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            self.problem(path, f"must be a group's display name or id; got {_kind(value)}")
            return None
        groups = self.groups_by_name.get(value, [])
        if len(groups) > 1:
            self.problem(path, f"{len(groups)} groups are named {value!r}; name it by its id")
            return None
        found = groups[0] if groups else self.group_ids.get(value)
        if found is None:
            self.problem(path, f"no group {value!r}")
            return None
        return found.who

    def _id(self, node: _Node, key: str = "id") -> str | None:
        return node.optional_text(key)  # its form is the shape pass's

    # -------------------------------------------------------------- the whole file

    def check(self) -> _Plan:
        root = _Node(self, "", self.data)
        disabled = self._customers(root)
        users = [u for u in (self._user(p, v) for p, v in root.items("users")) if u is not None]
        apps = [a for a in (self._app(p, v) for p, v in root.items("apps")) if a is not None]
        groups = [g for g in (self._group(p, v) for p, v in root.items("groups")) if g is not None]
        # Blocks and group members may name users defined anywhere in the file.
        for user_plan in users:
            user_plan.blocked = self._users_at(user_plan.path, self._raw_at(user_plan.path).get("blocked"), "blocked")
        for group_plan in groups:
            group_plan.members = self._users_at(
                group_plan.path, self._raw_at(group_plan.path).get("members"), "members"
            )
        emojis = [e for e in (self._emoji(p, v) for p, v in root.items("custom_emojis")) if e is not None]
        spaces = [s for s in (self._space(p, v) for p, v in root.items("spaces")) if s is not None]
        for user_plan in users:  # sections name spaces, which come later in the file
            self._sections(user_plan, spaces)
            self._availability(user_plan)
        if self.problems:
            raise SeedError(self.problems)  # all of them: _check lists them after the shape problems, and cuts
        return _Plan(users, apps, groups, emojis, spaces, disabled)

    def _raw_at(self, path: str) -> dict[str, Any]:
        section, _, index = path.partition("[")
        found = self.data[section][int(index.rstrip("]"))]
        return found if isinstance(found, dict) else {}

    def _users_at(self, path: str, value: object, key: str) -> list[_Who]:
        found = []
        for i, item in enumerate(value if isinstance(value, list) else []):
            who = self.user(f"{path}.{key}[{i}]", item)
            if who is not None:
                found.append(who)
        return found

    def _customers(self, root: _Node) -> list[str]:
        disabled = []
        for path, value in root.items("customers"):
            node = _Node(self, path, value)
            name = node.text("name")
            if not node.flag("custom_emojis_enabled", True) and name:
                disabled.append(name)
        return disabled

    def _customer(self, node: _Node, default: str | None) -> str | None:
        return node.optional_text("customer") or default

    def _user(self, path: str, value: object) -> _UserPlan | None:
        node = _Node(self, path, value)
        email = node.text("email", required=True)
        if not node.ok or not email:
            return None
        user_id = self._id(node)
        if email.lower() in self.users:
            self.problem(node.at("email"), f"a user with email {email} already exists")
            return None
        if user_id is not None and self._taken_principal_id(user_id):
            self.problem(node.at("id"), f"id {user_id} is already a user's or an app's")
            user_id = None
        plan = _UserPlan(
            path=path,
            who=_Who("user", f"user:{email.lower()}", email),
            email=email,
            display_name=node.optional_text("display_name"),
            id=user_id,
            customer=self._customer(node, DEFAULT_CUSTOMER) or DEFAULT_CUSTOMER,
            admin=node.flag("admin"),
            auto_accept=node.flag("auto_accept", True),
            emoji_manager=node.flag("emoji_manager"),
        )
        self.users[email.lower()] = _Person(plan.who, user_id, plan.customer, plan.auto_accept, email)
        if user_id is not None:
            self.user_ids[user_id] = email.lower()
        return plan

    def _app(self, path: str, value: object) -> _AppPlan | None:
        node = _Node(self, path, value)
        name = node.text("display_name", required=True)
        if not node.ok or not name:
            return None
        app_id = self._id(node)
        if app_id is not None and self._taken_principal_id(app_id):
            self.problem(node.at("id"), f"id {app_id} is already a user's or an app's")
            app_id = None
        plan = _AppPlan(path, _Who("app", f"app:file:{path}", name), name, app_id, self._customer(node, None))
        person = _Person(plan.who, app_id, plan.customer or DEFAULT_CUSTOMER)
        self.apps_by_name.setdefault(name, []).append(person)
        if app_id is not None:
            self.app_ids[app_id] = person
        return plan

    def _group(self, path: str, value: object) -> _GroupPlan | None:
        node = _Node(self, path, value)
        name = node.text("display_name", required=True)
        if not node.ok or not name:
            return None
        group_id = self._id(node)
        if group_id is not None and group_id in self.group_ids:
            self.problem(node.at("id"), f"id {group_id} is already a group's")
            group_id = None
        plan = _GroupPlan(path, _Who("group", f"group:file:{path}", name), name, group_id)
        person = _Person(plan.who, group_id, "")
        self.groups_by_name.setdefault(name, []).append(person)
        if group_id is not None:
            self.group_ids[group_id] = person
        return plan

    def _emoji(self, path: str, value: object) -> _EmojiPlan | None:
        node = _Node(self, path, value)
        name = node.text("name", required=True)
        creator = self.user(node.at("creator"), node.raw("creator")) if node.has("creator") else None
        if name:
            try:
                check_emoji_name(name, "name")
            except ChatError as error:
                self.problem(node.at("name"), error.message.removeprefix("name "))
                name = ""
        content, filename = self._image(node)
        uid = self._id(node, "uid")
        if uid is not None and uid in self.existing_uids:
            self.problem(node.at("uid"), f"uid {uid} is already a custom emoji's")
        create_time = node.time("create_time")
        if not (node.ok and name and creator and content is not None and filename):
            return None
        customer = self.person(creator).customer
        if (customer, name) in self.emojis:
            self.problem(
                node.at("name"), f"{customer} already has a custom emoji {name} ({self.emojis[customer, name]})"
            )
            return None
        self.emojis[(customer, name)] = path
        if uid is not None:
            self.existing_uids.add(uid)
        return _EmojiPlan(path, name, creator, filename, content, uid, create_time)

    def _image(self, node: _Node) -> tuple[bytes | None, str]:
        filename = node.text("filename")
        if node.has("image") == node.has("image_base64"):
            return None, filename  # the shape pass says so
        if node.has("image"):
            relative = node.text("image")
            path = self.base_dir / relative
            try:
                content = path.read_bytes()
            except OSError as error:
                self.problem(node.at("image"), f"cannot read {path}: {error.strerror or error}")
                return None, filename
            filename = filename or Path(relative).name
            where = node.at("image")
        else:
            if not filename:
                self.problem(node.at("filename"), "is required with image_base64 (e.g. party.png)")
                return None, filename
            try:
                content = base64.b64decode(node.text("image_base64"), validate=True)
            except (binascii.Error, ValueError) as error:
                self.problem(node.at("image_base64"), f"is not valid base64: {error}")
                return None, filename
            where = node.at("image_base64")
        try:
            check_image(filename, content)
        except ChatError as error:
            self.problem(where, error.message.replace("custom_emoji.payload.", ""))
            return None, filename
        return content, filename

    # -------------------------------------------------------------- spaces

    def _space(self, path: str, value: object) -> _SpacePlan | None:
        node = _Node(self, path, value)
        if not node.ok:
            return None
        space_type = node.choice("type", SPACE_TYPES, "SPACE") or "SPACE"
        space_id = self._id(node)
        if space_id is not None:
            if space_id in self.space_ids:
                self.problem(node.at("id"), f"a space with id {space_id} already exists")
            self.space_ids.add(space_id)
        display_name = node.text("display_name")
        is_space = space_type == "SPACE"
        if is_space and not display_name.strip():
            self.problem(node.at("display_name"), "is required for a SPACE")
        elif not is_space and display_name:
            self.problem(node.at("display_name"), f"must be empty for a {space_type}")
        description, guidelines = node.text("description"), node.text("guidelines")
        if space_type == "DIRECT_MESSAGE" and (description or guidelines):
            self.problem(node.path, "a DIRECT_MESSAGE has no description or guidelines")
        import_mode = node.flag("import_mode")
        if import_mode and space_type == "DIRECT_MESSAGE":
            self.problem(node.at("import_mode"), "only a SPACE or a GROUP_CHAT can be in import mode")
        for key in ("audience", "predefined_permissions", "permission_settings"):
            if node.has(key) and not is_space:
                self.problem(node.at(key), f"only a SPACE has {key.replace('_', ' ')}")
        audience = node.text("audience")
        if audience and import_mode:
            self.problem(node.at("audience"), "cannot be set in import mode")
        members = [m for m in (self._member(p, v, space_type) for p, v in node.items("members")) if m is not None]
        creator = self.principal(node.at("creator"), node.raw("creator")) if node.has("creator") else None
        if not node.has("creator"):
            if members and members[0].who.kind != "group":
                creator = members[0].who
            else:
                self.problem(node.at("creator"), "is required (or list the creator first in members)")
        former: list[_Who] = []
        for i, raw in enumerate(
            node.raw("former_members") or [] if isinstance(node.raw("former_members"), list) else []
        ):
            who = self.principal(node.at(f"former_members[{i}]"), raw)
            if who is not None:
                if any(m.who == who for m in members) or who in former:
                    self.problem(node.at(f"former_members[{i}]"), f"{who.label} is listed twice")
                else:
                    former.append(who)
        permission_settings = self._permission_settings(node) if is_space else {}
        customer = None
        if creator is not None:
            person = self.person(creator)
            customer = person.customer if space_type != "DIRECT_MESSAGE" else None
            if import_mode and creator.kind != "user":
                self.problem(node.at("creator"), "an import-mode space is created by a user (with chat.import)")
            if is_space:
                folded = (customer, display_name.strip().casefold())
                if folded in self.space_names:
                    self.problem(
                        node.at("display_name"),
                        f"a space named {display_name!r} already exists in {customer} ({self.space_names[folded]})",
                    )
                else:
                    self.space_names[folded] = path
        if creator is None:  # the space's own problems are listed; its content is still checked
            return None
        plan = _SpacePlan(
            path=path,
            ref=node.optional_text("ref"),
            id=space_id,
            space_type=space_type,
            display_name=display_name,
            description=description,
            guidelines=guidelines,
            creator=creator,
            create_time=node.time("create_time"),
            external_user_allowed=node.flag("external_user_allowed"),
            history_state=node.choice("history_state", HISTORY_STATES, "HISTORY_ON") or "HISTORY_ON",
            audience=audience,
            import_mode=import_mode,
            import_mode_expire_time=node.time("import_mode_expire_time"),
            permission_settings=permission_settings,
            members=members,
            former_members=former,
            messages=[],
            thread_read_states=[],
            customer=customer,
        )
        if plan.import_mode_expire_time is not None and not import_mode:
            self.problem(node.at("import_mode_expire_time"), "is only for a space in import mode")
        self._membership_rules(node, plan)
        self._messages(node, plan)
        self._thread_read_states(node, plan)
        self._pins(node, plan)
        return plan

    def _pins(self, node: _Node, plan: _SpacePlan) -> None:
        refs: dict[str, int] = {}
        for message in plan.messages:
            for label in (message.ref, message.id, message.client_id):
                if label:
                    refs[label] = message.index
        by_index = {m.index: m for m in plan.messages}
        raw = node.raw("pins")
        if raw is None:
            return
        if not isinstance(raw, list):
            return
        if plan.import_mode and raw:
            self.problem(node.at("pins"), "a space in import mode has no pins yet")
        if len(raw) > MAX_PINS_PER_SPACE:
            self.problem(node.at("pins"), f"a space has at most {MAX_PINS_PER_SPACE} pinned messages")
        for i, label in enumerate(raw):
            where = node.at(f"pins[{i}]")
            index = refs.get(label) if isinstance(label, str) else None
            if index is None:
                self.problem(where, f"no message {label!r} in this space (a message's ref, id or client id)")
                continue
            message = by_index[index]
            if message.delete_time is not None:
                self.problem(where, "a deleted message cannot be pinned")
            elif message.private_viewer is not None:
                self.problem(where, "a private message cannot be pinned")
            elif index in plan.pins:
                self.problem(where, f"{label!r} is pinned twice")
            else:
                plan.pins.append(index)

    def _sections(self, user_plan: _UserPlan, spaces: list[_SpacePlan]) -> None:
        raw = self._raw_at(user_plan.path).get("sections")
        path = f"{user_plan.path}.sections"
        if raw is None:
            return
        if not isinstance(raw, list):
            return
        labels: dict[str, _SpacePlan] = {}
        for space in spaces:
            for label in (space.ref, space.id, space.display_name):
                if label:
                    labels.setdefault(label, space)
        placed: dict[str, str] = {}
        seen_types: set[str] = set()
        for i, value in enumerate(raw):
            node = _Node(self, f"{path}[{i}]", value)
            kind = node.choice("type", SECTION_TYPES, "CUSTOM_SECTION") or "CUSTOM_SECTION"
            display_name = node.text("display_name")
            section_id = node.optional_text("id")
            plan = _SectionPlan(node.path, kind, display_name, section_id)
            if kind != "CUSTOM_SECTION":
                if kind in seen_types:
                    self.problem(node.at("type"), f"{kind} is listed twice")
                seen_types.add(kind)
                for key in ("display_name", "id", "spaces"):
                    if node.has(key):
                        self.problem(node.at(key), f"a system section ({kind}) has no {key.replace('_', ' ')}")
            else:
                if not display_name.strip():
                    self.problem(node.at("display_name"), "is required for a custom section")
                elif len(display_name) > SECTION_NAME_MAX:
                    self.problem(node.at("display_name"), f"is longer than {SECTION_NAME_MAX} characters")
                if section_id is not None and (section_id in SYSTEM_SECTIONS or "/" in section_id):
                    self.problem(node.at("id"), f"{section_id!r} cannot be a custom section's id")
                members = node.raw("spaces") or []
                if not isinstance(members, list):
                    members = []
                for j, label in enumerate(members):
                    where = node.at(f"spaces[{j}]")
                    target = labels.get(label) if isinstance(label, str) else None
                    if target is None:
                        self.problem(where, f"no space {label!r} in this file (a space's ref, id or display name)")
                    elif not any(m.who == user_plan.who for m in target.members):
                        self.problem(where, f"{user_plan.email} is not a member of {label!r}")
                    elif target.path in placed:
                        self.problem(where, f"{label!r} is already in {placed[target.path]}")
                    else:
                        placed[target.path] = node.path
                        plan.spaces.append(target.path)
            user_plan.sections.append(plan)

    def _availability(self, user_plan: _UserPlan) -> None:
        raw = self._raw_at(user_plan.path).get("availability")
        if raw is None:
            return
        node = _Node(self, f"{user_plan.path}.availability", raw)
        state = node.choice("state", AVAILABILITY_STATES) or ""  # unset: the fake's default (ACTIVE)
        until = node.time("until")
        if state == "DO_NOT_DISTURB" and until is None:
            self.problem(node.at("until"), "is required for DO_NOT_DISTURB")
        if state == "AWAY" and until is not None:
            self.problem(node.at("until"), "AWAY lasts until changed: no until")
        status = None
        if node.has("custom_status"):
            inner = _Node(self, node.at("custom_status"), node.raw("custom_status"))
            text, emoji = inner.text("text"), inner.text("emoji")
            status = (text, emoji, inner.time("expire_time"))
        user_plan.availability = _AvailabilityPlan(node.path, state, until, status)

    def _permission_settings(self, node: _Node) -> dict[str, tuple[bool, bool]]:
        predefined = node.choice("predefined_permissions", PREDEFINED, "COLLABORATION_SPACE") or ""
        settings = {
            name: (value.managers_allowed, value.members_allowed)
            for name, value in default_permission_settings(predefined).items()
        }
        raw = node.raw("permission_settings")
        if raw is None:
            return settings
        inner = _Node(self, node.at("permission_settings"), raw)
        for name in PERMISSION_SETTINGS:
            if inner.has(name):
                rule = _Node(self, inner.at(name), inner.raw(name))
                managers, members = settings[name]
                settings[name] = (rule.flag("managers_allowed", managers), rule.flag("members_allowed", members))
        return settings

    def _member(self, path: str, value: object, space_type: str) -> _MemberPlan | None:
        node = _Node(self, path, value)
        named = [key for key in ("user", "app", "group") if node.has(key)]
        if len(named) != 1:
            return None  # the shape pass says so
        key = named[0]
        who = {"user": self.user, "app": self.app, "group": self.group}[key](node.at(key), node.raw(key))
        role = node.choice("role", ROLES)
        state = node.choice("state", STATES)
        if who is None or not node.ok:
            return None
        if role == "ROLE_MANAGER" and (who.kind != "user" or space_type != "SPACE"):
            where = "a SPACE" if who.kind == "user" else "human users"
            self.problem(node.at("role"), f"ROLE_MANAGER exists only for {where}")
        if state == "INVITED" and who.kind != "user":
            self.problem(node.at("state"), "only users can be INVITED")
        for field_name in ("notification_setting", "mute_setting", "last_read_time"):
            if node.has(field_name) and who.kind != "user":
                self.problem(node.at(field_name), "only users have notification settings and read states")
        return _MemberPlan(
            path=path,
            who=who,
            role=role,
            state=state,
            create_time=node.time("create_time"),
            notification_setting=node.choice("notification_setting", NOTIFICATION_SETTINGS),
            mute_setting=node.choice("mute_setting", MUTE_SETTINGS),
            last_read_time=node.time("last_read_time"),
        )

    def default_state(self, plan: _SpacePlan, member: _MemberPlan) -> str:
        if member.state is not None:
            return member.state
        if member.who == plan.creator or member.who.kind != "user":
            return "JOINED"
        person = self.person(member.who)
        invited = plan.space_type == "SPACE" and not plan.import_mode and not person.auto_accept
        return "INVITED" if invited else "JOINED"

    def _membership_rules(self, node: _Node, plan: _SpacePlan) -> None:
        seen: set[_Who] = set()
        for member in plan.members:
            member.state = self.default_state(plan, member)  # resolved: the loader makes exactly this
            if member.who in seen:
                self.problem(member.path, f"{member.who.label} is listed twice")
            seen.add(member.who)
            if plan.import_mode and (
                member.notification_setting or member.mute_setting or member.last_read_time is not None
            ):
                self.problem(member.path, "members of a space in import mode have no settings or read states yet")
        humans = [w for w in [*(m.who for m in plan.members), *plan.former_members] if w.kind == "user"]
        if plan.space_type == "DIRECT_MESSAGE":
            others = [w for w in humans if w != plan.creator]
            apps = [w for w in [*(m.who for m in plan.members), *plan.former_members] if w.kind == "app"]
            if plan.creator.kind != "user":
                self.problem(node.at("creator"), "a DIRECT_MESSAGE is set up by a user")
            elif len(others) > 1 or (not others and not apps):
                self.problem(
                    node.at("members"),
                    "a DIRECT_MESSAGE is between its creator and one other person (or one Chat app);"
                    f" found {len(others)} other people",
                )
            if any(m.who.kind == "group" for m in plan.members):
                self.problem(node.at("members"), "groups can only be members of a SPACE")
        elif plan.space_type == "GROUP_CHAT":
            if plan.creator.kind != "user":
                self.problem(node.at("creator"), "a GROUP_CHAT is set up by a user")
            if any(m.who.kind == "group" for m in plan.members):
                self.problem(node.at("members"), "groups can only be members of a SPACE")
            if not plan.import_mode and len([w for w in humans if w != plan.creator]) < 2:
                self.problem(node.at("members"), "a GROUP_CHAT has at least 2 people besides its creator")

    def _joined(self, plan: _SpacePlan) -> dict[_Who, str]:
        """Who can act in the space while it is loaded: member -> state (former members are JOINED)."""
        states = {m.who: self.default_state(plan, m) for m in plan.members}
        if not plan.import_mode:
            states.setdefault(plan.creator, "JOINED")
        for who in plan.former_members:
            states[who] = "JOINED"
        return states

    def _messages(self, node: _Node, plan: _SpacePlan) -> None:
        states = self._joined(plan)
        refs: dict[str, int] = {}  # ref, id and client id -> message index
        ids: set[str] = set()
        thread_keys: dict[tuple[_Who | None, str], int] = {}  # (scope, key) -> root index
        checked: list[_MessagePlan | None] = []  # by index (None: a message with problems)
        for index, (path, value) in enumerate(node.items("messages")):
            message = self._message(path, value, index, plan, states, refs, thread_keys, checked)
            checked.append(message)
            if message is None:
                continue
            plan.messages.append(message)
            if message.id is not None:
                if message.id in ids:
                    self.problem(f"{path}.id", f"message id {message.id} is used twice in this space")
                ids.add(message.id)
            for label in (message.ref, message.id, message.client_id):
                if label:
                    if label in refs and label != message.id:
                        self.problem(path, f"{label!r} names two messages of this space")
                    refs[label] = index

    def _message(
        self,
        path: str,
        value: object,
        index: int,
        plan: _SpacePlan,
        states: dict[_Who, str],
        refs: dict[str, int],
        thread_keys: dict[tuple[_Who | None, str], int],
        checked: list[_MessagePlan | None],
    ) -> _MessagePlan | None:
        node = _Node(self, path, value)
        if not node.ok:
            return None
        before = len(self.problems)
        sender = self.principal(node.at("sender"), node.raw("sender")) if node.has("sender") else None
        if sender is not None:
            self._can_act(node.at("sender"), sender, plan, states, "post")
        via_app = self.app(node.at("via_app"), node.raw("via_app")) if node.has("via_app") else None
        if via_app is not None and sender is not None and sender.kind != "user":
            self.problem(node.at("via_app"), "is for messages users send through a Chat app's credentials")
        is_app = sender is not None and sender.kind == "app"
        cards = self._cards(node, is_app)
        widgets = self._widgets(node, is_app)
        thread_key, reply_to = node.text("thread_key"), node.raw("reply_to")
        if (thread_key or reply_to is not None) and plan.space_type != "SPACE":
            self.problem(path, f"a {plan.space_type} has no threads: thread_key and reply_to are for a SPACE")
        if thread_key and reply_to is not None:
            self.problem(path, "give thread_key or reply_to, not both")
        root: int | None = None
        if reply_to is not None:
            label = str(reply_to)
            if label not in refs:
                self.problem(
                    node.at("reply_to"), f"no earlier message {label!r} in this space (a ref, id or client_id)"
                )
            else:
                earlier = checked[refs[label]]
                root = earlier.root if earlier is not None else None
        scope = via_app or (sender if is_app else None)
        new_key = ""
        if thread_key and plan.space_type == "SPACE":
            found = thread_keys.get((scope, thread_key))
            if found is None:
                new_key = thread_key
            else:
                root = found
        client_id = node.text("client_id")
        message_id = node.optional_text("id")
        if message_id is not None:
            thread, _, own = message_id.partition(".")  # thread.message: the shape pass checked the form
            if root is None and thread != own:
                self.problem(node.at("id"), f"the first message of a thread has an id like {own}.{own}")
            elif root is not None:
                root_plan = checked[root]
                root_id = root_plan.id if root_plan is not None else None
                if root_id is None:
                    self.problem(
                        node.at("id"), "a reply can have an id only when the first message of its thread has one"
                    )
                elif thread != root_id.partition(".")[0]:
                    self.problem(
                        node.at("id"), f"a reply in thread {root_id.partition('.')[0]} has an id like that.xyz"
                    )
        viewer = (
            self.user(node.at("private_viewer"), node.raw("private_viewer")) if node.has("private_viewer") else None
        )
        if viewer is not None:
            if not is_app:
                self.problem(node.at("private_viewer"), "only a Chat app sends private messages")
            if viewer not in states:
                self.problem(node.at("private_viewer"), f"{viewer.label} is not a member of the space")
        attachments = [a for a in (self._attachment(p, v) for p, v in node.items("attachments")) if a is not None]
        if viewer is not None and (attachments or widgets):
            self.problem(node.at("private_viewer"), "a private message cannot carry attachments or accessory widgets")
        create_time = node.time("create_time")
        update_time, delete_time = node.time("update_time"), node.time("delete_time")
        deletion_type = node.choice("deletion_type", DELETION_TYPES) or ""
        if deletion_type and not node.has("delete_time"):
            self.problem(node.at("deletion_type"), "needs delete_time")
        if delete_time is not None:
            deletion_type = deletion_type or "CREATOR"
        for key, later in (("update_time", update_time), ("delete_time", delete_time)):
            if later is not None and create_time is not None and later < create_time:
                self.problem(node.at(key), "is before create_time")
        text, fallback = node.text("text"), node.text("fallback_text")
        if delete_time is None and not (text or cards or widgets or attachments):
            self.problem(path, "is empty: give text, cards_v2, accessory_widgets or attachments")
        if plan.import_mode and sender is not None and sender != plan.creator:
            self.problem(
                node.at("sender"), "in import mode every message is sent by the space's creator (the importer)"
            )
        if len(self.problems) > before or sender is None:
            return None
        message = _MessagePlan(
            path=path,
            index=index,
            ref=node.optional_text("ref"),
            id=message_id,
            sender=sender,
            via_app=via_app,
            text=text,
            fallback_text=fallback,
            cards_v2=cards,
            accessory_widgets=widgets,
            thread_key=new_key or (thread_key if root is not None and thread_key else ""),
            reply_to=root,
            client_id=client_id,
            private_viewer=viewer,
            attachments=attachments,
            create_time=create_time,
            update_time=update_time,
            delete_time=delete_time,
            deletion_type=deletion_type,
            reactions=[],
            root=index if root is None else root,
        )
        if new_key:
            thread_keys[(scope, new_key)] = index
        seen: set[tuple[_Who, str]] = set()
        reaction_ids: set[str] = set()
        for reaction_path, raw in node.items("reactions"):
            reaction = self._reaction(reaction_path, raw, plan, states)
            if reaction is None:
                continue
            emoji = reaction.unicode or f"custom:{reaction.custom_emoji}"
            if (reaction.user, emoji) in seen:
                self.problem(reaction_path, f"{reaction.user.label} already reacted to this message with this emoji")
            seen.add((reaction.user, emoji))
            if reaction.id is not None:
                if reaction.id in reaction_ids:
                    self.problem(f"{reaction_path}.id", f"reaction id {reaction.id} is used twice on this message")
                reaction_ids.add(reaction.id)
            message.reactions.append(reaction)
        if message.reactions and delete_time is not None:
            self.problem(node.at("reactions"), "a deleted message has no reactions")
        return message

    def _can_act(self, path: str, who: _Who, plan: _SpacePlan, states: dict[_Who, str], what: str) -> None:
        if plan.import_mode:
            return  # only the importer acts, checked by the caller
        state = states.get(who)
        if state is None:
            self.problem(
                path,
                f"{who.label} is not a member of the space; list them in members (or in former_members if they left)",
            )
        elif state != "JOINED":
            self.problem(path, f"{who.label} is {state} in the space; only JOINED members {what}")

    def _cards(self, node: _Node, is_app: bool) -> tuple[tuple[str, bytes], ...]:
        cards = []
        for path, raw in node.items("cards_v2"):
            inner = _Node(self, path, raw)
            card = self._proto(inner.at("card"), inner.raw("card") or {}, card_pb2.Card())
            if card is not None:
                cards.append((inner.text("card_id"), card))
        if cards and not is_app:
            self.problem(node.at("cards_v2"), "only a Chat app sends cards")
        ids = [card_id for card_id, _ in cards]
        if len(ids) > 1 and (not all(ids) or len(set(ids)) != len(ids)):
            self.problem(node.at("cards_v2"), "card_id is required, and unique, when a message has several cards")
        return tuple(cards)

    def _widgets(self, node: _Node, is_app: bool) -> tuple[bytes, ...]:
        widgets = []
        for path, raw in node.items("accessory_widgets"):
            widget = self._proto(path, raw, message_pb2.AccessoryWidget())
            if widget is not None:
                widgets.append(widget)
        if widgets and not is_app:
            self.problem(node.at("accessory_widgets"), "only a Chat app sends accessory widgets")
        return tuple(widgets)

    def _proto(self, path: str, raw: object, message: ProtoMessage) -> bytes | None:
        if not isinstance(raw, dict):
            return None  # the shape pass says so
        try:
            json_format.ParseDict(raw, message)
        except json_format.ParseError as error:
            self.problem(path, f"is not a valid {message.DESCRIPTOR.full_name}: {error}")
            return None
        return message.SerializeToString()

    def _attachment(self, path: str, value: object) -> _AttachmentPlan | None:
        node = _Node(self, path, value)
        name, content_type = node.text("name", required=True), node.text("content_type", required=True)
        attachment_id = self._id(node)
        if not (node.ok and name and content_type):
            return None
        return _AttachmentPlan(path, name, content_type, attachment_id)

    def _reaction(self, path: str, value: object, plan: _SpacePlan, states: dict[_Who, str]) -> _ReactionPlan | None:
        node = _Node(self, path, value)
        user = self.user(node.at("user"), node.raw("user")) if node.has("user") else None
        if user is not None:
            if plan.import_mode and user != plan.creator:
                self.problem(node.at("user"), "in import mode only the space's creator (the importer) reacts")
            self._can_act(node.at("user"), user, plan, states, "react")
        if node.has("emoji") == node.has("custom_emoji"):
            return None  # the shape pass says so
        unicode, custom = node.text("emoji"), None
        if unicode:
            try:
                check_unicode_emoji(unicode, "emoji")
            except ChatError as error:
                self.problem(node.at("emoji"), error.message.removeprefix("emoji "))
                return None
        else:
            name = node.text("custom_emoji")
            if user is not None:
                customer = self.person(user).customer
                if (customer, name) not in self.emojis:
                    self.problem(node.at("custom_emoji"), f"no custom emoji {name!r} in {customer} ({user.label}'s)")
                    return None
                custom = (customer, name)
        if user is None or not node.ok:
            return None
        return _ReactionPlan(path, user, unicode, custom, self._id(node), node.time("create_time"))

    def _thread_read_states(self, node: _Node, plan: _SpacePlan) -> None:
        states = self._joined(plan)
        refs: dict[str, int] = {}
        for message in plan.messages:
            if message is not None:
                for label in (message.ref, message.id, message.client_id):
                    if label:
                        refs[label] = message.root
                if message.id:
                    refs.setdefault(message.id.partition(".")[0], message.root)
        for path, value in node.items("thread_read_states"):
            inner = _Node(self, path, value)
            user = self.user(inner.at("user"), inner.raw("user")) if inner.has("user") else None
            thread = inner.text("thread")
            when = inner.time("last_read_time")
            if plan.import_mode:
                self.problem(path, "members of a space in import mode have no read states yet")
            if user is not None and user not in states:
                self.problem(inner.at("user"), f"{user.label} is not a member of the space")
            if thread and thread not in refs:
                self.problem(
                    inner.at("thread"), f"no thread {thread!r} in this space (a message's ref, id or thread id)"
                )
            if user is not None and thread in refs and when is not None:
                plan.thread_read_states.append(_ThreadReadPlan(path, user, refs[thread], when))


def _more(problems: list[str]) -> list[str]:
    return [f"... and {len(problems) - MAX_PROBLEMS} more problems"] if len(problems) > MAX_PROBLEMS else []


# ------------------------------------------------------------------ loading


class _SeedClock(ClockProxy):
    """The store's clock, except while an item of the file is made on this thread: then it answers with that
    item's times, in the order the operation reads the clock, the last one repeating (None: the real time)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._local = threading.local()

    def now(self) -> datetime:
        times: list[datetime | None] | None = getattr(self._local, "times", None)
        if times:
            when = times[0] if len(times) == 1 else times.pop(0)
            if when is not None:
                return when
        return self.inner.now()

    @contextmanager
    def pinned(self, *times: datetime | None) -> Iterator[None]:
        self._local.times = list(times)
        try:
            yield
        finally:
            self._local.times = None


class _SeedIds(IdGeneratorProxy):
    """Hands the ids the file gives to the operation that would draw one (and reserves them)."""

    def __init__(self, inner: IdGenerator) -> None:
        super().__init__(inner)
        self._local = threading.local()

    def _next(self, kind: str, n: int, make: Any) -> str:
        presets: list[tuple[str, int, str]] | None = getattr(self._local, "presets", None)
        if presets and presets[0][:2] == (kind, n):
            value = presets.pop(0)[2]
            if self.remembered(kind, n):
                self.inner.reserve(value)
            return value
        made: str = make()
        return made

    def draws_in_bulk(self) -> bool:
        return not getattr(self._local, "presets", None) and self.inner.draws_in_bulk()

    def opaque_ids(self, n: int, count: int) -> list[str]:
        if getattr(self._local, "presets", None):
            return super().opaque_ids(n, count)  # one by one, through the presets
        return self.inner.opaque_ids(n, count)  # nothing to hand out: drawn in bulk

    @contextmanager
    def preset(self, *entries: tuple[str, int, str | None]) -> Iterator[None]:
        self._local.presets = [(kind, n, value) for kind, n, value in entries if value is not None]
        try:
            yield
            if self._local.presets:
                raise RuntimeError(f"seeding: ids {self._local.presets} were not used; the store changed")
        finally:
            self._local.presets = None


@dataclass(frozen=True)
class Workspace:
    """Handles on what a workspace file made (copies, as the store hands out)."""

    users: dict[str, User]  # by email, as the file writes it
    apps: dict[str, App]  # by display name
    groups: dict[str, Group]  # by display name
    spaces: dict[str, Space]  # by ref; without one by display name (if unique in the file), else resource name
    custom_emojis: dict[str, CustomEmoji]  # by :name:
    messages: dict[str, Message]  # by ref; without one by resource name


def _user_actor(user: User, app: App | None = None) -> Actor:
    return Actor(user, AuthKind.USER, USER_SCOPES, app=app)


def _app_actor(app: App) -> Actor:
    return Actor(app, AuthKind.APP, APP_SCOPES, app=app)


class _Loader:
    """Steps 2 and 3: the plan, made through the store's operations."""

    def __init__(
        self, store: ChatStore, plan: _Plan, clock: _SeedClock, ids: _SeedIds, *, dry_run: bool = False
    ) -> None:
        self.store, self.plan, self.clock, self.ids, self.dry_run = store, plan, clock, ids, dry_run
        self.principals: dict[_Who, User | App] = {}
        self.group_ids: dict[_Who, str] = {}
        self.emoji_uids: dict[tuple[str, str], str] = {}
        self.spaces: list[tuple[_SpacePlan, Space]] = []
        self.message_ids: dict[tuple[str, int], str] = {}  # (space id, index) -> message id

    @contextmanager
    def place(self, path: str) -> Iterator[None]:
        try:
            yield
        except ChatError as error:
            raise SeedError([f"{path}: {error}"]) from None

    def load(self) -> Workspace | None:
        """Make the plan; the handles on what was made (None for the dry run, which nobody holds)."""
        store = self.store
        for user in store.users():
            self.principals[_Who("user", f"user:{user.email.lower()}", user.email)] = user
        for app in store.apps():
            self.principals[_Who("app", f"app:id:{app.id}", app.display_name)] = app
        for group in store.groups():
            self.group_ids[_Who("group", f"group:id:{group.id}", group.display_name)] = group.id
        for emoji in store.custom_emojis.emojis():
            self.emoji_uids[(emoji.customer, emoji.emoji_name)] = emoji.uid
        self._principals()
        for emoji_plan in self.plan.emojis:
            self._emoji(emoji_plan)
        for space_plan in self.plan.spaces:
            self._space(space_plan)
        for space_plan, space in self.spaces:
            self._finish_space(space_plan, space)
        self._finish_workspace()
        return None if self.dry_run else self._handles()

    # -------------------------------------------------------------- people

    def _principals(self) -> None:
        store = self.store
        for user_plan in self.plan.users:
            with self.place(user_plan.path):
                if user_plan.id is not None:
                    store.ids.reserve(user_plan.id)
                self.principals[user_plan.who] = store.add_user(
                    user_plan.email,
                    user_plan.display_name,
                    user_id=user_plan.id,
                    customer=user_plan.customer,
                    is_admin=user_plan.admin,
                    auto_accept=user_plan.auto_accept,
                )
        for app_plan in self.plan.apps:
            if app_plan.id is not None:
                store.ids.reserve(app_plan.id)
            self.principals[app_plan.who] = store.add_app(
                app_plan.display_name, app_id=app_plan.id, customer=app_plan.customer
            )
        for group_plan in self.plan.groups:
            if group_plan.id is not None:
                store.ids.reserve(group_plan.id)
            members = [self.principals[who].id for who in group_plan.members]
            self.group_ids[group_plan.who] = store.add_group(
                group_plan.display_name, members, group_id=group_plan.id
            ).id

    def user(self, who: _Who) -> User:
        found = self.principals[who]
        assert isinstance(found, User)
        return found

    def app(self, who: _Who) -> App:
        found = self.principals[who]
        assert isinstance(found, App)
        return found

    def actor(self, who: _Who, via_app: _Who | None = None) -> Actor:
        principal = self.principals[who]
        if isinstance(principal, App):
            return _app_actor(principal)
        return _user_actor(principal, self.app(via_app) if via_app else None)

    def _emoji(self, emoji_plan: _EmojiPlan) -> None:
        creator = self.user(emoji_plan.creator)
        with (
            self.place(emoji_plan.path),
            self.clock.pinned(emoji_plan.create_time),
            self.ids.preset(("opaque", 16, emoji_plan.uid)),
        ):
            emoji = self.store.custom_emojis.create(
                _user_actor(creator), emoji_plan.name, emoji_plan.filename, emoji_plan.content
            )
        self.emoji_uids[(emoji.customer, emoji.emoji_name)] = emoji.uid

    # -------------------------------------------------------------- spaces

    def _ref(self, who: _Who) -> MemberRef:
        if who.kind == "group":
            return MemberRef("GROUP", self.group_ids[who])
        return MemberRef(who.member_kind, self.principals[who].id)

    def _space(self, plan: _SpacePlan) -> None:
        store = self.store
        template = Space(
            id="",
            space_type=plan.space_type,
            display_name=plan.display_name,
            description=plan.description,
            guidelines=plan.guidelines,
            external_user_allowed=plan.external_user_allowed,
            history_state=plan.history_state,
            import_mode=plan.import_mode,
            customer=plan.customer,
            audience=plan.audience,
            access_state="DISCOVERABLE" if plan.audience else "PRIVATE",
        )
        members = {m.who: m for m in plan.members}
        creator_member = members.get(plan.creator)
        creator_time = creator_member.create_time if creator_member else None
        with self.place(plan.path), self.ids.preset(("space", 0, plan.id)):
            if plan.import_mode:
                template.create_time = plan.create_time
                opened = (plan.import_mode_expire_time - IMPORT_MODE_LIFETIME) if plan.import_mode_expire_time else None
                with self.clock.pinned(opened):
                    space = store.create_space(self._importer(plan), template)
            elif self._creator_joins_later(plan):
                # Members listed before the creator joined first: an import, completed when the creator's turn
                # comes (CompleteImportSpace makes the importer a manager), which gives that order.
                template.import_mode, template.create_time = True, plan.create_time
                with self.clock.pinned(plan.create_time):
                    space = store.create_space(self._importer(plan), template)
            elif plan.space_type == "SPACE":
                # Created with everyone allowed everything; the file's permission settings come at the end.
                with self.clock.pinned(plan.create_time, creator_time or plan.create_time):
                    space = store.create_space(self.actor(plan.creator), template)
            else:
                space = self._set_up(plan, template, members)
        self.spaces.append((plan, space))
        made = {m.member_id for m in store.memberships(space.id)}
        # Former members first: they leave at the end, so where they are in the order does not matter, and
        # they can add who joined after them (a person adds an app or a group to a space an app created).
        for i, who in enumerate(plan.former_members):
            if self._ref(who).id not in made and (who != plan.creator or plan.import_mode):
                with self.place(f"{plan.path}.former_members[{i}]"), self.clock.pinned(plan.create_time):
                    self._add_member(plan, space, who, importing=space.import_mode)
        for member in plan.members:
            if space.import_mode and not plan.import_mode and member.who == plan.creator:
                with self.place(member.path), self.clock.pinned(member.create_time or plan.create_time):
                    space = store.complete_import(self._importer(plan), space.id)
            if member.who == plan.creator or self._ref(member.who).id in made:
                continue
            with self.place(member.path), self.clock.pinned(member.create_time or plan.create_time):
                self._add_member(plan, space, member.who, importing=space.import_mode)
        self._check_members(plan, space)
        current = {m.member_id: m.state for m in store.memberships(space.id)}
        wanted = {self._ref(m.who).id: m.state or "JOINED" for m in plan.members}
        wanted.update((self._ref(who).id, "JOINED") for who in plan.former_members)  # they act, then leave
        for member_id, state in wanted.items():  # what adding did not produce (auto-accept, group chats)
            if current.get(member_id) != state:
                store.set_membership_state(space.id, member_id, state)
        self._messages(plan, space)

    def _messages(self, plan: _SpacePlan, space: Space) -> None:
        """The space's messages in file order: runs of plain messages (no attachments, edits, reactions or
        deletion, whose operations come between creates) in one ``create_many`` batch each — the same state as
        one ``create`` apiece, several times faster — and the others one by one."""
        batch: list[_MessagePlan] = []
        for message in plan.messages:
            if not (message.attachments or message.reactions or message.update_time or message.delete_time):
                batch.append(message)
                continue
            if batch:
                self._batch(plan, space, batch)
                batch = []
            self._message(plan, space, message)
        if batch:
            self._batch(plan, space, batch)

    def _batch(self, plan: _SpacePlan, space: Space, batch: list[_MessagePlan]) -> None:
        store = self.store
        actors: dict[tuple[_Who, _Who | None], Actor] = {}  # one per sender: create_many checks each once
        importer = self._importer(plan) if plan.import_mode else None
        position = {message.index: i for i, message in enumerate(batch)}
        items = []
        for message in batch:
            actor = importer or actors.get((message.sender, message.via_app))
            if actor is None:
                actor = actors[(message.sender, message.via_app)] = self.actor(message.sender, message.via_app)
            thread, own = self._thread(space, message)
            reply_to = position.get(message.reply_to) if message.reply_to is not None else None
            if reply_to is not None:  # its thread starts in this batch: replied to by position
                thread = ThreadRequest()
            items.append(
                NewMessage(
                    MessageContent(
                        text=message.text,
                        fallback_text=message.fallback_text,
                        cards_v2=message.cards_v2,
                        accessory_widgets=message.accessory_widgets,
                    ),
                    thread,
                    client_id=message.client_id,
                    private_viewer_id=self.principals[message.private_viewer].id if message.private_viewer else "",
                    create_time=message.create_time,
                    reply_to=reply_to,
                    own_id=own,
                    sender=actor,
                )
            )
        before = store.messages.count(space.id)
        try:
            lead = items[0].sender
            assert lead is not None
            made = store.messages.create_many(lead, space.id, items)
        except ChatError as error:  # each message made before the failing one is one more in the space
            failed = batch[store.messages.count(space.id) - before]
            raise SeedError([f"{failed.path}: {error}"]) from None
        for message, message_id in zip(batch, made, strict=True):
            self.message_ids[(space.id, message.index)] = message_id

    def _thread(self, space: Space, message: _MessagePlan) -> tuple[ThreadRequest, str | None]:
        """How a message joins its thread (what create is asked), and the id part it brings, if any."""
        if message.reply_to is not None:
            root_id = self.message_ids.get((space.id, message.reply_to), "")
            thread = ThreadRequest(name=root_id.partition(".")[0], reply_option="REPLY_MESSAGE_OR_FAIL")
            return thread, message.id.partition(".")[2] if message.id else None
        if message.thread_key:
            thread = ThreadRequest(key=message.thread_key, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
            return thread, message.id.partition(".")[0] if message.id else None
        return ThreadRequest(), message.id.partition(".")[0] if message.id else None

    def _set_up(self, plan: _SpacePlan, template: Space, members: dict[_Who, _MemberPlan]) -> Space:
        """A GROUP_CHAT or DIRECT_MESSAGE, set up by its creator with the other people (SetUpSpace)."""
        everyone = [*(m.who for m in plan.members), *plan.former_members]
        others = [who for who in everyone if who.kind == "user" and who != plan.creator]
        apps = [who for who in everyone if who.kind == "app"]
        creator = self.user(plan.creator)

        def when(who: _Who) -> datetime | None:
            member = members.get(who)
            return (member.create_time if member else None) or plan.create_time

        # The operation reads the clock for the space, then twice per member (the membership, its event).
        times = [plan.create_time, when(plan.creator), when(plan.creator)]
        if plan.space_type == "DIRECT_MESSAGE" and not others:
            template.single_user_bot_dm = True
            app = apps[0]
            with self.clock.pinned(*times, when(app)):
                space = self.store.set_up_space(_user_actor(creator, self.app(app)), template, [])
            return space
        for who in others:
            times += [when(who), when(who)]
        with self.clock.pinned(*times):
            return self.store.set_up_space(_user_actor(creator), template, [self._ref(who) for who in others])

    def _creator_joins_later(self, plan: _SpacePlan) -> bool:
        listed = [m.who for m in plan.members]
        return (
            plan.space_type == "SPACE"
            and plan.creator.kind == "user"
            and plan.creator in listed
            and listed.index(plan.creator) > 0
        )

    def _importer(self, plan: _SpacePlan) -> Actor:
        return Actor(self.user(plan.creator), AuthKind.USER, IMPORT_SCOPES)

    def _add_member(self, plan: _SpacePlan, space: Space, who: _Who, *, importing: bool = False) -> None:
        store = self.store
        ref = self._ref(who)
        if plan.import_mode or importing:
            store.create_membership(self._importer(plan), space.id, ref)
            return
        adder = self._adder(plan, space, ref)
        if adder is not None:
            store.create_membership(adder, space.id, ref)
            return
        # Nobody present may add them (an app created the space; the person who added this app, group or
        # external user joined again later): a person listed later joins early to add them, and leaves.
        creator = self.app(plan.creator)
        present = {m.member_id for m in store.memberships(space.id)}
        for member in plan.members:
            helper = self.principals.get(member.who)
            if isinstance(helper, User) and helper.customer == space.customer and helper.id not in present:
                store.create_membership(_app_actor(creator), space.id, MemberRef("HUMAN", helper.id))
                store.set_membership_state(space.id, helper.id, "JOINED")
                try:
                    store.create_membership(self._as_adder(helper, ref), space.id, ref)
                finally:
                    store.delete_membership(_user_actor(helper), space.id, helper.id)
                return
        store.create_membership(_app_actor(creator), space.id, ref)  # the store says why it cannot

    def _as_adder(self, person: User, ref: MemberRef) -> Actor:
        app = self.store.principal(ref.id) if ref.kind == "BOT" else None  # an app is added through its client
        return _user_actor(person, app if isinstance(app, App) else None)

    def _adder(self, plan: _SpacePlan, space: Space, ref: MemberRef) -> Actor | None:
        """Who adds a member: the creator (an app adds itself through a user's credentials) or, where the
        creator may not (an app creator adding a group, an app or an external user), a joined person."""
        creator = self.principals[plan.creator]
        if isinstance(creator, User):
            return self._as_adder(creator, ref)
        person = self.store.principal(ref.id) if ref.kind == "HUMAN" else None
        external = isinstance(person, User) and person.customer != space.customer
        if ref.kind == "HUMAN" and not external:
            return _app_actor(creator)
        for membership in self.store.memberships(space.id):
            principal = self.store.principal(membership.member_id)
            if membership.member_kind == "HUMAN" and membership.state == "JOINED" and isinstance(principal, User):
                return self._as_adder(principal, ref)
        return None

    def _check_members(self, plan: _SpacePlan, space: Space) -> None:
        """SetUpSpace silently leaves out people the creator may not add: the file says they are members."""
        made = {m.member_id for m in self.store.memberships(space.id)}
        for member in plan.members:
            if self._ref(member.who).id not in made:
                raise SeedError(
                    [
                        f"{member.path}: {member.who.label} could not be added to the {plan.space_type} (blocked,"
                        " or outside the organization of a space that does not allow external users)"
                    ]
                )

    def _message(self, plan: _SpacePlan, space: Space, message: _MessagePlan) -> None:
        store = self.store
        actor = self._importer(plan) if plan.import_mode else self.actor(message.sender, message.via_app)
        with self.place(message.path):
            tokens = []
            for attachment in message.attachments:
                with self.ids.preset(("opaque", 24, attachment.id)):
                    tokens.append(store.messages.upload(space.id, attachment.name, attachment.content_type))
            thread, own = self._thread(space, message)
            viewer = self.principals[message.private_viewer].id if message.private_viewer else ""
            content = MessageContent(
                text=message.text,
                fallback_text=message.fallback_text,
                cards_v2=message.cards_v2,
                accessory_widgets=message.accessory_widgets,
                attachment_tokens=tuple(tokens),
            )
            with self.clock.pinned(message.create_time), self.ids.preset(("opaque", 11, own)):
                created = store.messages.create(
                    actor,
                    space.id,
                    content,
                    thread,
                    client_id=message.client_id,
                    private_viewer_id=viewer,
                    create_time=message.create_time,
                )
            self.message_ids[(space.id, message.index)] = created.id
            if message.update_time is not None:
                with self.clock.pinned(message.update_time):
                    store.messages.update(actor, space.id, created.id, content, frozenset({"text"}))
            for reaction in message.reactions:
                with self.place(reaction.path):
                    self._reaction(plan, space, created, reaction)
            if message.delete_time is not None:
                with self.clock.pinned(message.delete_time):
                    store.messages.tombstone(space.id, created.id, message.deletion_type)

    def _reaction(self, plan: _SpacePlan, space: Space, message: Message, reaction: _ReactionPlan) -> None:
        user = self.user(reaction.user)
        actor = Actor(user, AuthKind.USER, IMPORT_SCOPES) if plan.import_mode else _user_actor(user)
        uid = self.emoji_uids[reaction.custom_emoji] if reaction.custom_emoji else ""
        with self.clock.pinned(reaction.create_time), self.ids.preset(("opaque", 16, reaction.id)):
            self.store.reactions.create(actor, space.id, message.id, unicode=reaction.unicode, custom_emoji_uid=uid)

    # -------------------------------------------------------------- after the content

    def _finish_space(self, plan: _SpacePlan, space: Space) -> None:
        store = self.store
        if plan.space_type == "SPACE":
            self._roles(plan, space)
            for setting, (managers, members) in plan.permission_settings.items():
                store.set_space_permission(space.id, setting, managers=managers, members=members)
        for member in plan.members:
            if member.notification_setting or member.mute_setting:
                with self.place(member.path):
                    user = self.user(member.who)
                    store.notification_settings.update(
                        _user_actor(user),
                        user.id,
                        space.id,
                        notification=member.notification_setting,
                        mute=member.mute_setting,
                    )
            if member.last_read_time is not None:
                store.read_states.set_read_time(self.user(member.who).id, space.id, "", member.last_read_time)
        for state in plan.thread_read_states:
            thread = self.message_ids[(space.id, state.root)].partition(".")[0]
            store.read_states.set_read_time(self.user(state.user).id, space.id, thread, state.last_read_time)
        for index in plan.pins:
            with self.place(f"{plan.path}.pins"):
                store.pins.seed(space.id, self.message_ids[(space.id, index)])
        # Former members leave, managers last (the last manager may leave only a space nobody else is in).
        roles = {m.member_id: m.role for m in store.memberships(space.id)}
        leaving = sorted(enumerate(plan.former_members), key=lambda e: roles.get(self._ref(e[1]).id) == "ROLE_MANAGER")
        for i, who in leaving:
            with self.place(f"{plan.path}.former_members[{i}]"), self.clock.pinned(None):
                self._leave(plan, space, who)

    def _role_actor(self, plan: _SpacePlan) -> Actor:
        creator = self.principals[plan.creator]
        if plan.import_mode and isinstance(creator, User):
            return Actor(creator, AuthKind.USER, IMPORT_SCOPES)
        return self.actor(plan.creator)

    def _roles(self, plan: _SpacePlan, space: Space) -> None:
        """Promotions first, then demotions, the creator's (who makes the changes) last."""
        store = self.store
        current = {m.member_id: m.role for m in store.memberships(space.id)}
        creator_id = self.principals[plan.creator].id
        changes: list[tuple[str, str, str]] = []  # (where, member id, role)
        for member in plan.members:
            member_id = self._ref(member.who).id
            if member.role is not None and member.role != current.get(member_id):
                changes.append((f"{member.path}.role", member_id, member.role))
        changes.sort(key=lambda change: (change[2] != "ROLE_MANAGER", change[1] == creator_id))
        actor = self._role_actor(plan)
        for where, member_id, role in changes:
            with self.place(where):
                store.update_membership_role(actor, space.id, member_id, role)

    def _leave(self, plan: _SpacePlan, space: Space, who: _Who) -> None:
        store = self.store
        principal = self.principals[who]
        if plan.import_mode:
            store.delete_membership(self._importer(plan), space.id, principal.id)
        elif isinstance(principal, User):
            store.delete_membership(_user_actor(principal), space.id, principal.id)
        else:  # an app leaves through a user's credentials issued to it (members/app)
            for membership in store.memberships(space.id):
                person = store.principal(membership.member_id)
                if isinstance(person, User):
                    store.delete_membership(_user_actor(person, principal), space.id, principal.id)
                    return
            raise SeedError([f"{plan.path}.former_members: {who.label} cannot leave a space with no people left"])

    def _finish_workspace(self) -> None:
        store = self.store
        for user_plan in self.plan.users:
            user = self.user(user_plan.who)
            for blocked in user_plan.blocked:
                store.block(user.id, self.principals[blocked].id)
            if user_plan.emoji_manager:
                store.custom_emojis.set_manager(user.id)
            if user_plan.sections:
                space_ids = {plan.path: made.id for plan, made in self.spaces}
                order = [(str(i), s.type, s.display_name, s.id) for i, s in enumerate(user_plan.sections)]
                placement = {space_ids[p]: str(i) for i, s in enumerate(user_plan.sections) for p in s.spaces}
                with self.place(f"{user_plan.path}.sections"):
                    store.sections.seed(user.id, order, placement)
            availability = user_plan.availability
            if availability is not None:
                status = CustomStatus(*availability.status) if availability.status else None
                store.availability.seed(user.id, availability.state, availability.until, status)
        for customer in self.plan.disabled_customers:
            store.custom_emojis.set_enabled(customer, False)

    def _handles(self) -> Workspace:
        store = self.store
        users = {p.email: self.user(p.who) for p in self.plan.users}
        apps = {p.display_name: self.app(p.who) for p in self.plan.apps}
        groups = {}
        for group_plan in self.plan.groups:
            group = store.group(self.group_ids[group_plan.who])
            if group is not None:
                groups[group_plan.display_name] = group
        all_spaces = {s.id: s for s in store.spaces()}
        names = [p.display_name for p, _ in self.spaces if p.display_name]
        spaces: dict[str, Space] = {}
        messages: dict[str, Message] = {}
        for space_plan, made in self.spaces:
            space = all_spaces[made.id]
            unique = space_plan.display_name and names.count(space_plan.display_name) == 1
            spaces[space_plan.ref or (space_plan.display_name if unique else space.name)] = space
            by_id = {m.id: m for m in store.messages.all(space.id)}
            for message_plan in space_plan.messages:
                message = by_id[self.message_ids[(space.id, message_plan.index)]]
                messages[message_plan.ref or message.name] = message
        emojis = {e.emoji_name: e for e in store.custom_emojis.emojis() if e.uid in set(self.emoji_uids.values())}
        made_emojis = {p.name for p in self.plan.emojis}
        return Workspace(
            users=users,
            apps=apps,
            groups=groups,
            spaces=spaces,
            custom_emojis={name: e for name, e in emojis.items() if name in made_emojis},
            messages=messages,
        )


def _scratch(store: ChatStore) -> ChatStore:
    """A store holding copies of the target's people and custom emojis, for the dry run."""
    scratch = ChatStore(clock=ManualClock(store.clock.now()), ids=IdGenerator())
    users = store.users()
    for user in users:
        scratch.add_user(
            user.email,
            user.display_name,
            user_id=user.id,
            customer=user.customer,
            is_admin=user.is_admin,
            auto_accept=user.auto_accept,
        )
    for user in users:
        for blocked in user.blocked_user_ids:
            scratch.block(user.id, blocked)
    for app in store.apps():
        scratch.add_app(app.display_name, app_id=app.id, customer=app.customer)
    for group in store.groups():
        scratch.add_group(group.display_name, group.member_ids, group_id=group.id)
    ids = _SeedIds(scratch.ids)
    scratch.ids = ids
    for emoji in store.custom_emojis.emojis():
        creator = scratch.principal(emoji.creator_id)
        if isinstance(creator, User):
            with ids.preset(("opaque", 16, emoji.uid)):
                scratch.custom_emojis.create(_user_actor(creator), emoji.emoji_name, emoji.filename, emoji.file_content)
    for customer in {u.customer for u in users}:
        scratch.custom_emojis.set_enabled(customer, store.custom_emojis.enabled(customer))
    scratch.ids = ids.inner
    return scratch


@contextmanager
def _seeding(store: ChatStore) -> Iterator[tuple[_SeedClock, _SeedIds]]:
    original_clock, original_ids = store.clock, store.ids
    clock, ids = _SeedClock(original_clock), _SeedIds(original_ids)
    store.clock, store.ids = clock, ids
    try:
        yield clock, ids
    finally:
        store.clock, store.ids = original_clock, original_ids


def _check(store: ChatStore, source: str | os.PathLike[str] | Mapping[str, Any], *, dry_run: bool = True) -> _Plan:
    """Steps 1 and 2 (no change to ``store``): the checked plan, or SeedError."""
    if isinstance(source, Mapping):
        data, base_dir = dict(source), Path.cwd()
        if _depth(data) > MAX_DEPTH:
            raise SeedError([f"the workspace is nested too deeply (at most {MAX_DEPTH} levels)"])
    else:
        data, base_dir = read_workspace_file(source), Path(source).resolve().parent
    shape, refused = workspace_schema.shape_problems(data)
    if refused:
        data = workspace_schema.repaired(data, refused)
    try:
        plan = _Checker(store, data, base_dir).check()
    except SeedError as error:
        found = shape + error.problems
        raise SeedError(found[:MAX_PROBLEMS] + _more(found)) from None
    if shape:
        raise SeedError(shape[:MAX_PROBLEMS] + _more(shape))
    if dry_run:
        scratch = _scratch(store)
        with _seeding(scratch) as (clock, ids):
            _Loader(scratch, plan, clock, ids, dry_run=True).load()
    return plan


def load_workspace(store: ChatStore, source: str | os.PathLike[str] | Mapping[str, Any]) -> Workspace:
    """Load a workspace file (a path to JSON or YAML, or the mapping itself) into ``store``.

    Raises SeedError, naming the place of each problem, before anything is loaded."""
    with store.lock, collector_resting():
        plan = _check(store, source)
        with _seeding(store) as (clock, ids):
            made = _Loader(store, plan, clock, ids).load()
        assert made is not None
        return made


@contextmanager
def collector_resting() -> Iterator[None]:
    """The cyclic garbage collector rests while a workspace is checked and made: every plan, record and index
    it makes lives on, so each collection would walk them all again for nothing (a third of a large load)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def workspace_source(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """The mapping of a workspace file with its images inlined: what rebuilds it without the file's folder."""
    if isinstance(source, Mapping):
        data, base_dir = dict(source), Path.cwd()
    else:
        data, base_dir = read_workspace_file(source), Path(source).resolve().parent
    inlined = []
    for raw in data.get("custom_emojis") or []:
        if isinstance(raw, dict) and isinstance(raw.get("image"), str):
            path = base_dir / raw["image"]
            try:
                content = path.read_bytes()
            except OSError:
                inlined.append(raw)  # the check names the problem
                continue
            entry = {k: v for k, v in raw.items() if k != "image"}
            entry.setdefault("filename", Path(raw["image"]).name)
            entry["image_base64"] = base64.b64encode(content).decode()
            inlined.append(entry)
        else:
            inlined.append(raw)
    if inlined:
        data["custom_emojis"] = inlined
    return data
