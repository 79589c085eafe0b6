"""Workspace files, checking references and rules (step 1 of ``load``), the directory: who a name refers to,
and the users, apps, groups, custom emojis, sections and availability of a file. ``check`` adds the spaces."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError

from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.store import ChatStore
from chat_grpc.fake.store.emojis import check_emoji_name, check_image
from chat_grpc.fake.store.model import DEFAULT_CUSTOMER
from chat_grpc.fake.store.sections import MAX_DISPLAY_NAME as SECTION_NAME_MAX
from chat_grpc.fake.store.sections import SYSTEM_SECTIONS
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.plan import (
    AppPlan,
    AvailabilityPlan,
    EmojiPlan,
    GroupPlan,
    Person,
    SectionPlan,
    SpacePlan,
    UserPlan,
    Who,
)
from chat_grpc.workspace.schema import (
    AVAILABILITY_STATES,
    SECTION_TYPES,
)


class Node:
    """One mapping of the file, read by the reference pass. The shape pass (``workspace_schema``) has checked it
    and taken out the values it refused, so every value here has its declared type: an absent one reads as
    its default."""

    def __init__(self, checker: PeopleChecker, path: str, value: object) -> None:
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


class PeopleChecker:
    """Step 1, the directory: the problems found, what references can name, and the people's own items."""

    def __init__(self, store: ChatStore, data: Mapping[str, Any], base_dir: Path) -> None:
        self.store, self.base_dir = store, base_dir
        self.data = dict(data)
        self.problems: list[str] = []
        self.now = datetime.now(UTC)
        # directory: what references can name
        self.users: dict[str, Person] = {}  # lower email -> person
        self.user_ids: dict[str, str] = {}  # id -> lower email
        self.apps_by_name: dict[str, list[Person]] = {}
        self.app_ids: dict[str, Person] = {}
        self.groups_by_name: dict[str, list[Person]] = {}
        self.group_ids: dict[str, Person] = {}
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
            who = Who("user", f"user:{user.email.lower()}", user.email)
            self.users[user.email.lower()] = Person(who, user.id, user.customer, user.auto_accept, user.display_name)
            self.user_ids[user.id] = user.email.lower()
        for app in store.apps():
            person = Person(Who("app", f"app:id:{app.id}", app.display_name), app.id, app.customer)
            self.apps_by_name.setdefault(app.display_name, []).append(person)
            self.app_ids[app.id] = person
        for group in store.groups():
            person = Person(Who("group", f"group:id:{group.id}", group.display_name), group.id, "")
            self.groups_by_name.setdefault(group.display_name, []).append(person)
            self.group_ids[group.id] = person
        for emoji in store.custom_emojis.emojis():
            self.emojis[(emoji.customer, emoji.emoji_name)] = "the store"
            self.existing_uids.add(emoji.uid)
        for space in store.spaces():
            self.space_ids.add(space.id)
            if space.space_type == "SPACE":
                self.space_names[(space.customer, space.display_name.strip().casefold())] = "the store"

    def person(self, who: Who) -> Person:
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

    def principal(self, path: str, value: object, *, allow: Sequence[str] = ("user", "app")) -> Who | None:
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

    def user(self, path: str, value: object) -> Who | None:
        return self.principal(path, value, allow=("user",))

    def app(self, path: str, value: object) -> Who | None:
        return self.principal(path, value, allow=("app",))

    def group(self, path: str, value: object) -> Who | None:
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

    def _id(self, node: Node, key: str = "id") -> str | None:
        return node.optional_text(key)  # its form is the shape pass's

    def _raw_at(self, path: str) -> dict[str, Any]:
        section, _, index = path.partition("[")
        found = self.data[section][int(index.rstrip("]"))]
        return found if isinstance(found, dict) else {}

    def _users_at(self, path: str, value: object, key: str) -> list[Who]:
        found = []
        for i, item in enumerate(value if isinstance(value, list) else []):
            who = self.user(f"{path}.{key}[{i}]", item)
            if who is not None:
                found.append(who)
        return found

    def _customers(self, root: Node) -> list[str]:
        disabled = []
        for path, value in root.items("customers"):
            node = Node(self, path, value)
            name = node.text("name")
            if not node.flag("custom_emojis_enabled", True) and name:
                disabled.append(name)
        return disabled

    def _customer(self, node: Node, default: str | None) -> str | None:
        return node.optional_text("customer") or default

    def _user(self, path: str, value: object) -> UserPlan | None:
        node = Node(self, path, value)
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
        plan = UserPlan(
            path=path,
            who=Who("user", f"user:{email.lower()}", email),
            email=email,
            display_name=node.optional_text("display_name"),
            id=user_id,
            customer=self._customer(node, DEFAULT_CUSTOMER) or DEFAULT_CUSTOMER,
            admin=node.flag("admin"),
            auto_accept=node.flag("auto_accept", True),
            emoji_manager=node.flag("emoji_manager"),
        )
        self.users[email.lower()] = Person(plan.who, user_id, plan.customer, plan.auto_accept, email)
        if user_id is not None:
            self.user_ids[user_id] = email.lower()
        return plan

    def _app(self, path: str, value: object) -> AppPlan | None:
        node = Node(self, path, value)
        name = node.text("display_name", required=True)
        if not node.ok or not name:
            return None
        app_id = self._id(node)
        if app_id is not None and self._taken_principal_id(app_id):
            self.problem(node.at("id"), f"id {app_id} is already a user's or an app's")
            app_id = None
        plan = AppPlan(path, Who("app", f"app:file:{path}", name), name, app_id, self._customer(node, None))
        person = Person(plan.who, app_id, plan.customer or DEFAULT_CUSTOMER)
        self.apps_by_name.setdefault(name, []).append(person)
        if app_id is not None:
            self.app_ids[app_id] = person
        return plan

    def _group(self, path: str, value: object) -> GroupPlan | None:
        node = Node(self, path, value)
        name = node.text("display_name", required=True)
        if not node.ok or not name:
            return None
        group_id = self._id(node)
        if group_id is not None and group_id in self.group_ids:
            self.problem(node.at("id"), f"id {group_id} is already a group's")
            group_id = None
        plan = GroupPlan(path, Who("group", f"group:file:{path}", name), name, group_id)
        person = Person(plan.who, group_id, "")
        self.groups_by_name.setdefault(name, []).append(person)
        if group_id is not None:
            self.group_ids[group_id] = person
        return plan

    def _emoji(self, path: str, value: object) -> EmojiPlan | None:
        node = Node(self, path, value)
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
        return EmojiPlan(path, name, creator, filename, content, uid, create_time)

    def _image(self, node: Node) -> tuple[bytes | None, str]:
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

    # -------------------------------------------------------------- sections and availability

    def _sections(self, user_plan: UserPlan, spaces: list[SpacePlan]) -> None:
        raw = self._raw_at(user_plan.path).get("sections")
        path = f"{user_plan.path}.sections"
        if raw is None:
            return
        if not isinstance(raw, list):
            return
        labels: dict[str, SpacePlan] = {}
        for space in spaces:
            for label in (space.ref, space.id, space.display_name):
                if label:
                    labels.setdefault(label, space)
        placed: dict[str, str] = {}
        seen_types: set[str] = set()
        for i, value in enumerate(raw):
            node = Node(self, f"{path}[{i}]", value)
            kind = node.choice("type", SECTION_TYPES, "CUSTOM_SECTION") or "CUSTOM_SECTION"
            display_name = node.text("display_name")
            section_id = node.optional_text("id")
            plan = SectionPlan(node.path, kind, display_name, section_id)
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

    def _availability(self, user_plan: UserPlan) -> None:
        raw = self._raw_at(user_plan.path).get("availability")
        if raw is None:
            return
        node = Node(self, f"{user_plan.path}.availability", raw)
        state = node.choice("state", AVAILABILITY_STATES) or ""  # unset: the fake's default (ACTIVE)
        until = node.time("until")
        if state == "DO_NOT_DISTURB" and until is None:
            self.problem(node.at("until"), "is required for DO_NOT_DISTURB")
        if state == "AWAY" and until is not None:
            self.problem(node.at("until"), "AWAY lasts until changed: no until")
        status = None
        if node.has("custom_status"):
            inner = Node(self, node.at("custom_status"), node.raw("custom_status"))
            text, emoji = inner.text("text"), inner.text("emoji")
            status = (text, emoji, inner.time("expire_time"))
        user_plan.availability = AvailabilityPlan(node.path, state, until, status)
