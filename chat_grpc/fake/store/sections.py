"""Sections of each user's navigation panel and the items (spaces) in them: state and rules, no gRPC.

Every user has three system sections with fixed ids (``default-direct-messages``, ``default-spaces``,
``default-apps``) and any custom sections they create. The items are not stored: they are the spaces the user
has joined (group chats and direct messages once they have a message, like ListSpaces), each in its default
section — direct messages with an app in ``default-apps``, other direct messages and group chats in
``default-direct-messages``, spaces in ``default-spaces`` — unless the user moved it to a custom section. So
items follow the spaces a user joins and leaves, and leaving a space (or its deletion) forgets where it was
moved. Deleting a custom section sends its items back to their default sections.

Only the caller's own sections can be read or changed (``users/me``, their id or their email).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from chat_grpc.fake.errors import InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor

DIRECT_MESSAGES, SPACES, APPS = "default-direct-messages", "default-spaces", "default-apps"
SYSTEM_SECTIONS = {DIRECT_MESSAGES: "DEFAULT_DIRECT_MESSAGES", SPACES: "DEFAULT_SPACES", APPS: "DEFAULT_APPS"}
CUSTOM = "CUSTOM_SECTION"
MAX_DISPLAY_NAME = 80


@dataclass(frozen=True)
class Section:
    user_id: str
    id: str
    type: str  # CUSTOM_SECTION | DEFAULT_DIRECT_MESSAGES | DEFAULT_SPACES | DEFAULT_APPS
    display_name: str = ""
    sort_order: int = 0  # 1-based position among the user's sections

    @property
    def name(self) -> str:
        return f"users/{self.user_id}/sections/{self.id}"


@dataclass(frozen=True)
class SectionItem:
    user_id: str
    section_id: str
    space_id: str

    @property
    def name(self) -> str:
        return f"users/{self.user_id}/sections/{self.section_id}/items/{self.space_id}"


@dataclass
class _UserSections:
    order: builtins.list[str] = field(default_factory=lambda: [DIRECT_MESSAGES, SPACES, APPS])  # display order
    custom: dict[str, str] = field(default_factory=dict)  # section id -> display name
    placement: dict[str, str] = field(default_factory=dict)  # space id -> custom section id


class SectionBook:
    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._users: dict[str, _UserSections] = {}
        core.on_member_removed.append(self._forget_placement)
        core.on_space_deleted.append(self._forget_space)

    def _forget_placement(self, space_id: str, member_id: str) -> None:
        sections = self._users.get(member_id)
        if sections is not None:
            sections.placement.pop(space_id, None)

    def _forget_space(self, space_id: str) -> None:
        for sections in self._users.values():
            sections.placement.pop(space_id, None)

    # ------------------------------------------------------------------ helpers (lock held)

    def _own(self, actor: Actor, user_id: str, field_name: str) -> _UserSections:
        if user_id != actor.principal.id:
            raise PermissionDenied(
                f"{field_name}: users/{user_id} is not the caller; only the caller's own sections (users/me)"
                " can be read or changed",
                reason="NOT_THE_CALLER",
            )
        return self._users.setdefault(user_id, _UserSections())

    def _section(self, user_id: str, sections: _UserSections, section_id: str) -> Section:
        if section_id in SYSTEM_SECTIONS:
            kind, display_name = SYSTEM_SECTIONS[section_id], ""
        elif section_id in sections.custom:
            kind, display_name = CUSTOM, sections.custom[section_id]
        else:
            raise NotFound(f"section users/{user_id}/sections/{section_id} not found", field="name")
        return Section(user_id, section_id, kind, display_name, sections.order.index(section_id) + 1)

    def _find(self, actor: Actor, user_id: str, section_id: str, field_name: str) -> tuple[_UserSections, Section]:
        sections = self._own(actor, user_id, field_name)
        try:
            return sections, self._section(user_id, sections, section_id)
        except NotFound:
            raise NotFound(f"section users/{user_id}/sections/{section_id} not found", field=field_name) from None

    def _default_section(self, space_id: str) -> str:
        space = self._core._spaces[space_id].space
        if space.space_type == "SPACE":
            return SPACES
        return APPS if space.single_user_bot_dm else DIRECT_MESSAGES

    def _items(self, user_id: str, sections: _UserSections) -> builtins.list[SectionItem]:
        """Every item of the user, by space id: the spaces they joined that ListSpaces shows them."""
        items = []
        for space_id in sorted(self._core._spaces_of.get(user_id, ())):
            state = self._core._spaces[space_id]
            membership = state.members.get(user_id)
            space = state.space
            if membership is None or membership.state != "JOINED" or space.import_mode:
                continue
            if space.space_type != "SPACE" and not space.has_messages:
                continue
            section_id = sections.placement.get(space_id) or self._default_section(space_id)
            items.append(SectionItem(user_id, section_id, space_id))
        return items

    # ------------------------------------------------------------------ sections

    def create(self, actor: Actor, user_id: str, section_type: str, display_name: str) -> Section:
        core = self._core
        with core.lock:
            sections = self._own(actor, user_id, "parent")
            if section_type != CUSTOM:
                raise InvalidArgument(
                    f"section.type must be CUSTOM_SECTION (system sections cannot be created), got {section_type}",
                    field="section.type",
                )
            self._check_display_name(display_name)
            section_id = core.ids.opaque_id(11)
            sections.custom[section_id] = display_name
            sections.order.append(section_id)
            return self._section(user_id, sections, section_id)

    @staticmethod
    def _check_display_name(display_name: str) -> None:
        if not display_name.strip():
            raise InvalidArgument("section.display_name is required for a custom section", field="section.display_name")
        if len(display_name) > MAX_DISPLAY_NAME:
            raise InvalidArgument(
                f"section.display_name is {len(display_name)} characters long; at most {MAX_DISPLAY_NAME}",
                field="section.display_name",
            )

    def rename(self, actor: Actor, user_id: str, section_id: str, display_name: str) -> Section:
        with self._core.lock:
            sections, section = self._find(actor, user_id, section_id, "section.name")
            if section.type != CUSTOM:
                raise InvalidArgument(
                    f"{section.name} is a system section: its display name cannot be changed", field="section.name"
                )
            self._check_display_name(display_name)
            sections.custom[section_id] = display_name
            return self._section(user_id, sections, section_id)

    def delete(self, actor: Actor, user_id: str, section_id: str) -> None:
        with self._core.lock:
            sections, section = self._find(actor, user_id, section_id, "name")
            if section.type != CUSTOM:
                raise InvalidArgument(f"{section.name} is a system section: it cannot be deleted", field="name")
            del sections.custom[section_id]
            sections.order.remove(section_id)
            for space_id in [s for s, placed in sections.placement.items() if placed == section_id]:
                del sections.placement[space_id]

    def get(self, actor: Actor, user_id: str, section_id: str) -> Section:
        with self._core.lock:
            return self._find(actor, user_id, section_id, "name")[1]

    def list(self, actor: Actor, user_id: str, *, offset: int, limit: int) -> tuple[builtins.list[Section], int | None]:
        with self._core.lock:
            sections = self._own(actor, user_id, "parent")
            ids = sections.order[offset : offset + limit]
            found = [self._section(user_id, sections, s) for s in ids]
            more = offset + limit < len(sections.order)
            return found, (offset + limit if more else None)

    def position(
        self, actor: Actor, user_id: str, section_id: str, *, sort_order: int = 0, end: bool = False
    ) -> Section:
        """Move a section to the 1-based ``sort_order`` (past the end appends), or to the start / ``end``."""
        with self._core.lock:
            sections, _ = self._find(actor, user_id, section_id, "name")
            sections.order.remove(section_id)
            if end:
                sections.order.append(section_id)
            else:
                sections.order.insert(max(sort_order, 1) - 1, section_id)
            return self._section(user_id, sections, section_id)

    # ------------------------------------------------------------------ items

    def list_items(
        self, actor: Actor, user_id: str, section_id: str, *, space_id: str | None, after: str, limit: int
    ) -> tuple[builtins.list[SectionItem], str | None]:
        """Items of one section (``-``: of all), optionally of one space, after the space id ``after``."""
        with self._core.lock:
            sections = self._own(actor, user_id, "parent")
            if section_id != "-":
                self._find(actor, user_id, section_id, "parent")
            found: builtins.list[SectionItem] = []
            for item in self._items(user_id, sections):
                if item.space_id <= after or (section_id != "-" and item.section_id != section_id):
                    continue
                if space_id is not None and item.space_id != space_id:
                    continue
                if len(found) == limit:
                    return found, found[-1].space_id
                found.append(item)
            return found, None

    def move_item(self, actor: Actor, user_id: str, section_id: str, space_id: str, target: str) -> SectionItem:
        with self._core.lock:
            sections = self._own(actor, user_id, "name")
            current = next((i for i in self._items(user_id, sections) if i.space_id == space_id), None)
            if current is None or current.section_id != section_id:
                raise NotFound(f"section item users/{user_id}/sections/{section_id}/items/{space_id} not found")
            target_user, _, target_id = target.removeprefix("users/").partition("/sections/")
            if self._resolve_user(target_user, actor) != user_id:
                raise InvalidArgument(
                    f"target_section {target!r} must be a section of the same user", field="target_section"
                )
            _, destination = self._find(actor, user_id, target_id, "target_section")
            default = self._default_section(space_id)
            if destination.type != CUSTOM and destination.id != default:
                raise InvalidArgument(
                    f"spaces/{space_id} can only move to a custom section or back to {default}",
                    field="target_section",
                )
            if destination.type == CUSTOM:
                sections.placement[space_id] = destination.id
            else:
                sections.placement.pop(space_id, None)
            return SectionItem(user_id, destination.id, space_id)

    def _resolve_user(self, user: str, actor: Actor) -> str:
        if user == "me":
            return actor.principal.id
        if "@" in user:
            found = self._core.user_by_email(user)
            return found.id if found else user
        return user

    # ------------------------------------------------------------------ introspection and seeding

    def sections_of(self, user_id: str) -> builtins.list[Section]:
        with self._core.lock:
            sections = self._users.get(user_id) or _UserSections()
            return [self._section(user_id, sections, s) for s in sections.order]

    def items_of(self, user_id: str) -> builtins.list[SectionItem]:
        with self._core.lock:
            return self._items(user_id, self._users.get(user_id) or _UserSections())

    def users(self) -> builtins.list[str]:
        """Users whose sections differ from the defaults (for exports)."""
        with self._core.lock:
            return [
                user_id
                for user_id, s in self._users.items()
                if s.custom or s.placement or s.order != [DIRECT_MESSAGES, SPACES, APPS]
            ]

    def placed(self, user_id: str) -> builtins.list[SectionItem]:
        """The user's spaces moved to custom sections (joined or not): what an export must keep."""
        with self._core.lock:
            sections = self._users.get(user_id) or _UserSections()
            return [SectionItem(user_id, s, space) for space, s in sorted(sections.placement.items())]

    def seed(
        self,
        user_id: str,
        order: builtins.list[tuple[str, str, str, str | None]],
        placement: dict[str, str],
    ) -> dict[str, str]:
        """Seeding: a user's sections in display order as (key, type, display name, id or None) — a custom
        section without an id gets a new one; system sections left out go last — and which space goes to which
        section key; returns key -> section id."""
        core = self._core
        with core.lock:
            sections = _UserSections(order=[])
            ids: dict[str, str] = {}
            for key, kind, display_name, given in order:
                if kind == CUSTOM:
                    section_id = given or core.ids.opaque_id(11)
                    if given:
                        core.ids.reserve(given)
                    sections.custom[section_id] = display_name
                else:
                    section_id = next(s for s, k in SYSTEM_SECTIONS.items() if k == kind)
                ids[key] = section_id
                sections.order.append(section_id)
            for system in SYSTEM_SECTIONS:
                if system not in sections.order:
                    sections.order.append(system)
            for space_id, key in placement.items():
                if ids.get(key) in sections.custom:
                    sections.placement[space_id] = ids[key]
            self._users[user_id] = sections
            return ids
