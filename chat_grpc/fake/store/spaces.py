"""The store's operations on spaces: create (incl. set up with members, direct messages), read, list, search,
update, delete, import mode, and the lookups FindDirectMessage and FindGroupChats."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from chat_grpc.fake.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from chat_grpc.fake.space_query import SpaceQuery
from chat_grpc.fake.store.base import (
    EARLIEST_IMPORT_TIME,
    IMPORT,
    IMPORT_MODE_LIFETIME,
    StoreBase,
)
from chat_grpc.fake.store.book import SpaceState
from chat_grpc.fake.store.model import (
    Actor,
    MemberRef,
    PermissionSetting,
    Space,
    User,
    clone,
    default_permission_settings,
)


@dataclass(frozen=True)
class SpaceChanges:
    """The fields of an UpdateSpace request that its mask names (already validated by the handler)."""

    paths: frozenset[str]
    display_name: str = ""
    description: str = ""
    guidelines: str = ""
    space_type: str = ""
    history_state: str = ""
    audience: str = ""
    permission_settings: dict[str, PermissionSetting] = field(default_factory=dict)


class SpaceOperations(StoreBase):
    """Spaces: what CreateSpace, SetUpSpace, GetSpace, ListSpaces, SearchSpaces, UpdateSpace, DeleteSpace,
    CompleteImportSpace, FindDirectMessage and FindGroupChats do to the store."""

    def _check_display_name_free(self, customer: str | None, display_name: str, *, except_id: str = "") -> None:
        if self.space_names.holders(customer, display_name) - {except_id}:
            raise AlreadyExists(
                f"a space named {display_name!r} already exists in {customer}",
                field="space.display_name",
                reason="DISPLAY_NAME_TAKEN",
            )

    def _idempotent(self, actor: Actor, request_id: str) -> Space | None:
        if not request_id:
            return None
        seen = self._request_ids.get((actor.app.id if actor.app else None, request_id))
        if seen is None:
            return None
        caller, space_id = seen
        if caller != actor.key:
            raise InvalidArgument(
                f"request_id {request_id!r} was already used by another user of the same app",
                field="request_id",
                reason="REQUEST_ID_REUSED",
            )
        state = self._spaces.get(space_id)
        if state is None:
            raise NotFound(f"the space created with request_id {request_id!r} was deleted", field="request_id")
        return clone(state.space)

    def _remember(self, actor: Actor, request_id: str, space: Space) -> None:
        if request_id:
            self._request_ids[(actor.app.id if actor.app else None, request_id)] = (actor.key, space.id)

    def _new_space(self, actor: Actor, template: Space, *, predefined: str) -> SpaceState:
        now = self.clock.now()
        space = clone(template)
        space.id = self.ids.space_id()
        space.creator_key = actor.key
        space.created_by_app = actor.is_app
        if space.create_time is None or not space.import_mode:
            space.create_time = now
        space.last_active_time = space.create_time
        if space.import_mode:
            space.import_mode_expire_time = now + IMPORT_MODE_LIFETIME
        if space.space_type == "DIRECT_MESSAGE":
            space.customer = None
        space.permission_settings = default_permission_settings(predefined) if space.space_type == "SPACE" else {}
        state = SpaceState(space)
        self._spaces[space.id] = state
        self.space_search.index(space)
        self.space_names.index(space)
        return state

    def create_space(self, actor: Actor, template: Space, *, predefined: str = "", request_id: str = "") -> Space:
        with self._lock:
            existing = self._idempotent(actor, request_id)
            if existing is not None:
                return existing
            if template.import_mode and IMPORT not in actor.granted_scopes:
                raise PermissionDenied(
                    "creating a space in import mode needs the chat.import scope", reason="IMPORT_SCOPE_REQUIRED"
                )
            self._require_import_space_if_import_only(actor, template)
            if template.create_time is not None and not (
                EARLIEST_IMPORT_TIME <= template.create_time <= self.clock.now()
            ):
                raise InvalidArgument(
                    "space.create_time must lie between 2000-01-01 and now", field="space.create_time"
                )
            if template.space_type == "SPACE":
                self._check_display_name_free(template.customer, template.display_name)
            state = self._new_space(actor, template, predefined=predefined)
            if not state.space.import_mode:
                # A user who creates a space manages it; an app joins as a plain member.
                kind, role = ("BOT", "ROLE_MEMBER") if actor.is_app else ("HUMAN", "ROLE_MANAGER")
                self._add_member(state, MemberRef(kind, actor.principal.id), role=role, state_name="JOINED")
            self._remember(actor, request_id, state.space)
            return clone(state.space)

    def set_up_space(self, actor: Actor, template: Space, members: list[MemberRef], *, request_id: str = "") -> Space:
        with self._lock:
            existing = self._idempotent(actor, request_id)
            if existing is not None:
                return existing
            me = actor.principal.id
            others = [m for m in dict.fromkeys(members) if m.id != me]
            if template.space_type == "DIRECT_MESSAGE":
                return self._set_up_direct_message(actor, template, others, request_id)
            if template.space_type == "SPACE":
                self._check_display_name_free(template.customer, template.display_name)
            elif len(others) < 2:
                raise InvalidArgument(
                    "a GROUP_CHAT needs at least 2 memberships besides the caller", field="memberships"
                )
            caller = self._users.get(me)
            state = self._new_space(actor, template, predefined="")
            role = "ROLE_MANAGER" if template.space_type == "SPACE" else "ROLE_MEMBER"
            self._add_member(state, MemberRef("HUMAN", me), role=role, state_name="JOINED")
            for ref in others:
                if ref.kind == "HUMAN" and caller is not None and self._blocked(caller.id, ref.id):
                    continue  # blocked members are silently left out
                if ref.kind == "GROUP":
                    self._add_member(state, ref, role="ROLE_MEMBER", state_name="JOINED")
                else:
                    user = self._users[ref.id]
                    if user.customer != state.space.customer and not state.space.external_user_allowed:
                        continue  # so are users the caller may not add (outside the organization)
                    joined = "JOINED" if user.auto_accept or template.space_type != "SPACE" else "INVITED"
                    self._add_member(state, ref, role="ROLE_MEMBER", state_name=joined)
            self._remember(actor, request_id, state.space)
            return clone(state.space)

    def _blocked(self, a: str, b: str) -> bool:
        user_a, user_b = self._users.get(a), self._users.get(b)
        return bool((user_a and b in user_a.blocked_user_ids) or (user_b and a in user_b.blocked_user_ids))

    def _find_dm(self, member_ids: set[str], *, with_app: bool) -> SpaceState | None:
        for space_id in self._spaces_of.get(next(iter(member_ids)), set()):
            state = self._spaces[space_id]
            if (
                state.space.space_type == "DIRECT_MESSAGE"
                and state.space.single_user_bot_dm == with_app
                and set(state.members) == member_ids
            ):
                return state
        return None

    def _set_up_direct_message(self, actor: Actor, template: Space, others: list[MemberRef], request_id: str) -> Space:
        me = actor.principal.id
        if template.single_user_bot_dm:
            if others:
                raise InvalidArgument("a DM with the calling app takes no memberships", field="memberships")
            if actor.app is None:
                raise InvalidArgument(
                    "single_user_bot_dm needs credentials issued to a Chat app", field="space.single_user_bot_dm"
                )
            pair, other = {me, actor.app.id}, MemberRef("BOT", actor.app.id)
        else:
            if len(others) != 1 or others[0].kind != "HUMAN":
                raise InvalidArgument(
                    "a DIRECT_MESSAGE needs exactly one human membership besides the caller", field="memberships"
                )
            other = others[0]
            pair = {me, other.id}
        existing = self._find_dm(pair, with_app=template.single_user_bot_dm)
        if existing is not None:
            return clone(existing.space)  # an existing DM is returned, even when one user blocks the other
        if other.kind == "HUMAN" and self._blocked(me, other.id):
            raise FailedPrecondition(
                "cannot set up a direct message: one of the users blocks the other", reason="USER_BLOCKED"
            )
        state = self._new_space(actor, template, predefined="")
        self._add_member(state, MemberRef("HUMAN", me), role="ROLE_MEMBER", state_name="JOINED")
        self._add_member(state, other, role="ROLE_MEMBER", state_name="JOINED")
        self._remember(actor, request_id, state.space)
        return clone(state.space)

    def get_space(self, actor: Actor, space_id: str, *, copy: bool = True) -> Space:
        """A space the actor may see. ``copy=False`` hands out the live record, read-only and only while the
        caller holds ``lock`` (GetSpace renders it there: no copy on the hot path); everyone else gets a copy."""
        with self._lock:
            space = self._state(actor, space_id).space
            return clone(space) if copy else space

    def list_spaces(
        self,
        actor: Actor,
        accept: Callable[[Space], bool],
        *,
        after: tuple[str, str] | None,
        limit: int,
        copy: bool = True,
    ) -> tuple[list[Space], tuple[str, str] | None]:
        """The caller's spaces in (create_time, id) order, starting after the cursor. ``copy=False``: the live
        records, read-only and only while the caller holds ``lock`` (as ``get_space``)."""
        with self._lock:
            spaces = []
            for space_id in self._spaces_of.get(actor.principal.id, ()):
                space = self._spaces[space_id].space
                if space.import_mode or (space.space_type != "SPACE" and not space.has_messages):
                    continue
                if self._spaces[space_id].members[actor.principal.id].state != "JOINED":
                    continue
                spaces.append(space)
            return self._page(spaces, accept, after=after, limit=limit, copy=copy)

    @staticmethod
    def _sort_key(space: Space) -> tuple[str, str]:
        return (space.create_time.isoformat() if space.create_time else "", space.id)

    def _page(
        self,
        spaces: list[Space],
        accept: Callable[[Space], bool],
        *,
        after: tuple[str, str] | None,
        limit: int,
        copy: bool,
    ) -> tuple[list[Space], tuple[str, str] | None]:
        ordered = sorted((s for s in spaces if accept(s)), key=self._sort_key)
        if after is not None:
            ordered = ordered[bisect_right([self._sort_key(s) for s in ordered], after) :]
        page = ordered[:limit]
        more = len(ordered) > limit
        return [clone(s) for s in page] if copy else page, (self._sort_key(page[-1]) if more and page else None)

    def search_spaces(
        self,
        actor: Actor,
        query: SpaceQuery,
        order: str,
        descending: bool,
        sort_key: Callable[[Space], float],
        *,
        offset: int,
        limit: int,
        copy: bool = True,
    ) -> tuple[list[Space], int]:
        """Admin search over the admin's customer (its spaces of type SPACE, not in import mode): the page at
        ``offset`` in ``order`` (``create_time``, ``last_active_time``, or by ``sort_key``), ties by id, and the
        total match count; from the search index (space_index.py), not a scan of every space. ``copy=False``:
        the live records (as ``list_spaces``)."""
        with self._lock:
            customer = getattr(actor.principal, "customer", None)
            page, total = self.space_search.search(
                customer, query, order, descending, sort_key, offset=offset, limit=limit
            )
            return [clone(s) for s in page] if copy else page, total

    def joined_human_count(self, space_id: str) -> tuple[int, int]:
        """(joined direct human members, joined groups) of a space, for Space.membership_count."""
        with self._lock:
            state = self._spaces.get(space_id)
            if state is None:
                return (0, 0)
            return state.counts["HUMAN", "JOINED"], state.counts["GROUP", "JOINED"]

    def update_space(self, actor: Actor, space_id: str, changes: SpaceChanges) -> Space:
        with self._lock:
            state = self._state(actor, space_id)
            space = state.space
            self._require_import_space_if_import_only(actor, space)
            if actor.is_app and not actor.admin and not self._membership_of(actor, state):
                raise PermissionDenied(f"the app is not a member of {space.name}")
            paths = changes.paths
            if "space_type" in paths:
                # GROUP_CHAT -> SPACE; space_type SPACE may also accompany a rename of a SPACE (a no-op)
                if space.space_type not in ("GROUP_CHAT", "SPACE") or changes.space_type != "SPACE":
                    raise InvalidArgument(
                        f"space_type can only change from GROUP_CHAT to SPACE (this space is {space.space_type},"
                        f" requested {changes.space_type or 'SPACE_TYPE_UNSPECIFIED'})",
                        field="space.space_type",
                    )
                if "display_name" not in paths or not changes.display_name.strip():
                    raise InvalidArgument(
                        "changing a group chat into a space needs a display_name in the same request",
                        field="space.display_name",
                    )
            elif "display_name" in paths and space.space_type != "SPACE":
                raise InvalidArgument(
                    f"display_name can only be set on a SPACE; {space.name} is a {space.space_type}",
                    field="space.display_name",
                )
            if "display_name" in paths or "space_details" in paths or "space_type" in paths:
                self._require_permission(actor, state, "modify_space_details", "change the space details")
            if "space_history_state" in paths:
                self._require_permission(actor, state, "toggle_history", "turn history on or off")
            if "access_settings.audience" in paths:
                if space.import_mode:
                    raise InvalidArgument("access_settings.audience cannot change in import mode", field="update_mask")
                if not self._is_manager(actor, state):
                    raise PermissionDenied("only a space manager may change access_settings.audience")
            if any(p.startswith("permission_settings.") for p in paths):
                allowed = self._is_manager(actor, state) or (actor.is_app and self._app_created(actor, state))
                if not allowed:
                    raise PermissionDenied(
                        "only a space manager, or the app that created the space, may change permission_settings"
                    )
            if "display_name" in paths:
                self._check_display_name_free(space.customer, changes.display_name, except_id=space.id)
            converting = "space_type" in paths and space.space_type != changes.space_type
            self._apply_space_changes(space, changes)
            self.space_search.index(space)
            self.space_names.index(space)
            if converting and not actor.is_app:
                # A group chat has no managers; whoever turns it into a space becomes its manager, so the new
                # space can be administered (a choice: the reference does not say).
                caller = state.members.get(actor.principal.id)
                if caller is not None and caller.role != "ROLE_MANAGER":
                    caller.role = "ROLE_MANAGER"
                    state.reindex(caller)
                    self._record(space.id, "google.workspace.chat.membership.v1.updated", caller.name)
            self._record(space.id, "google.workspace.chat.space.v1.updated", space)
            return clone(space)

    @staticmethod
    def _apply_space_changes(space: Space, changes: SpaceChanges) -> None:
        paths = changes.paths
        if "space_type" in paths and space.space_type != changes.space_type:
            space.space_type = changes.space_type
            space.permission_settings = default_permission_settings("")
        if "display_name" in paths:
            space.display_name = changes.display_name
        if "space_details" in paths:
            space.description, space.guidelines = changes.description, changes.guidelines
        if "space_history_state" in paths:
            space.history_state = changes.history_state
        if "access_settings.audience" in paths:
            space.audience = changes.audience
            space.access_state = "DISCOVERABLE" if changes.audience else "PRIVATE"
        for setting, value in changes.permission_settings.items():
            if f"permission_settings.{setting}" in paths:
                space.permission_settings[setting] = value

    def delete_space(self, actor: Actor, space_id: str) -> None:
        with self._lock:
            state = self._state(actor, space_id)
            space = state.space
            self._require_import_space_if_import_only(actor, space)
            if actor.is_app:
                if not self._app_created(actor, state):
                    raise PermissionDenied(f"an app may only delete spaces it created; {space.name} is not one")
            elif (
                not (actor.admin or actor.only_through(IMPORT) or space.import_mode)
                and space.space_type == "SPACE"
                and not self._is_manager(actor, state)
            ):
                raise PermissionDenied(f"only a space manager may delete {space.name}")
            for member_id in list(state.members):
                self._spaces_of.get(member_id, set()).discard(space_id)
            del self._spaces[space_id]
            self.space_search.remove(space_id)
            self.space_names.remove(space_id)
            self.event_log.drop_space(space_id)
            for drop in self.on_space_deleted:
                drop(space_id)

    def complete_import(self, actor: Actor, space_id: str) -> Space:
        with self._lock:
            state = self._state(actor, space_id)
            space = state.space
            if not space.import_mode:
                raise FailedPrecondition(f"{space.name} is not in import mode", reason="NOT_IN_IMPORT_MODE")
            space.import_mode = False
            space.import_mode_expire_time = None
            self.space_search.index(space)
            if actor.principal.id not in state.members:
                self._add_member(
                    state, MemberRef("HUMAN", actor.principal.id), role="ROLE_MANAGER", state_name="JOINED"
                )
            return clone(space)

    def find_direct_message(self, actor: Actor, user_id: str) -> Space:
        with self._lock:
            if user_id not in self._users:
                raise NotFound(f"user users/{user_id} not found", field="name")
            state = self._find_dm({user_id, actor.principal.id}, with_app=actor.is_app)
            if state is None:
                raise NotFound(f"no direct message with users/{user_id}", field="name")
            return clone(state.space)

    def find_group_chats(
        self, actor: Actor, user_names: list[str], *, after: str, limit: int
    ) -> tuple[list[Space], str | None]:
        """Group chats whose joined human members are exactly the caller and ``user_names`` (users/{id or email}),
        by space id after ``after``. Naming an app finds nothing. When the caller blocks, or is blocked by, some
        of the users and no chat has them all, chats of the others are returned."""
        with self._lock:
            me = actor.principal.id
            wanted: set[str] = set()
            for name in user_names:
                who = name.removeprefix("users/")
                principal = self.user_by_email(who) if "@" in who else self.principal(who, copy=False)
                if principal is None:
                    raise NotFound(f"user {name} not found", field="users")
                if not isinstance(principal, User):
                    return [], None  # a Chat app: no group chat matches
                wanted.add(principal.id)
            wanted.discard(me)

            def chats(members: set[str]) -> list[str]:
                found = []
                for space_id in self._spaces_of.get(me, ()):
                    state = self._spaces[space_id]
                    if state.space.space_type != "GROUP_CHAT" or state.space.import_mode:
                        continue
                    joined = {
                        m.member_id for m in state.members.values() if m.member_kind == "HUMAN" and m.state == "JOINED"
                    }
                    if joined == members | {me}:
                        found.append(space_id)
                return sorted(found)

            matches = chats(wanted)
            blocked = {u for u in wanted if self._blocked(me, u)}
            if not matches and blocked:
                matches = chats(wanted - blocked)
            page = [s for s in matches if s > after][: limit + 1]
            more = len(page) > limit
            page = page[:limit]
            return [clone(self._spaces[s].space) for s in page], (page[-1] if more else None)
