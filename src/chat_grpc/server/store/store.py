"""The state of the fake Chat service and its rules: one lock, typed operations, copies out.

No gRPC here. Each public method takes the acting ``Actor`` (who, how authenticated, which scopes let them
in), holds the store's lock for the whole operation (checks, writes and the events they record), and returns
copies. Failures are ``chat_grpc.server.errors`` exceptions.

Visibility rule used throughout: a space, and everything in it, is visible to its members (joined or
invited), to the administrators of its customer when they use admin access, and — while in import mode —
only to its creator acting through ``chat.import``. Anything else answers NOT_FOUND, so the existence of a
space is not revealed to outsiders; PERMISSION_DENIED is for visible things the caller may not change.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chat_grpc.server.clock import Clock, SystemClock
from chat_grpc.server.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from chat_grpc.server.ids import IdGenerator
from chat_grpc.server.store.availability import AvailabilityBook
from chat_grpc.server.store.emojis import CustomEmojiBook
from chat_grpc.server.store.events import EventLog
from chat_grpc.server.store.messages import MessageBook
from chat_grpc.server.store.model import (
    PERMISSION_SETTINGS,
    Actor,
    App,
    Event,
    Group,
    MemberRef,
    Membership,
    PermissionSetting,
    Principal,
    Space,
    User,
    clone,
    default_permission_settings,
)
from chat_grpc.server.store.notification_settings import NotificationSettingBook
from chat_grpc.server.store.ordering import InsertionOrder
from chat_grpc.server.store.pins import PinBook
from chat_grpc.server.store.reactions import ReactionBook
from chat_grpc.server.store.read_states import ReadStateBook
from chat_grpc.server.store.search import MessageSearch
from chat_grpc.server.store.sections import SectionBook
from chat_grpc.server.store.space_events import SpaceEventReader

IMPORT = "chat.import"
MEMBERSHIPS_APP = "chat.memberships.app"
IMPORT_MODE_LIFETIME = timedelta(days=90)
EARLIEST_IMPORT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SETUP_MEMBERSHIPS = 20


@dataclass
class _SpaceState:
    """A space with its memberships, kept in insertion order for pagination."""

    space: Space
    members: dict[str, Membership] = field(default_factory=dict)  # member_id -> membership
    order: InsertionOrder = field(default_factory=InsertionOrder)  # members by seq, for paging
    next_seq: int = 1

    # (member kind, state) -> how many: kept by add/remove, the only ways a membership's kind or state
    # changes, so Space.membership_count costs O(1) in a space of any size.
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, membership: Membership) -> None:
        membership.seq = self.next_seq
        self.next_seq += 1
        self.members[membership.member_id] = membership
        self.order.append(membership.seq, membership.member_id)
        self.counts[membership.member_kind, membership.state] += 1

    def remove(self, member_id: str) -> Membership:
        membership = self.members.pop(member_id)
        self.counts[membership.member_kind, membership.state] -= 1
        self.order.compact(self.members)
        return membership

    def iter_from(self, after_seq: int) -> Iterator[Membership]:
        """Live memberships after a position: O(skipped + yielded), never a scan of the whole space."""
        return self.order.after(after_seq, self.members)


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


class ChatStore:
    def __init__(self, *, clock: Clock | None = None, ids: IdGenerator | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.ids = ids or IdGenerator()
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._apps: dict[str, App] = {}
        self._groups: dict[str, Group] = {}
        self._emails: dict[str, str] = {}  # lower-case email -> user id
        self._spaces: dict[str, _SpaceState] = {}
        self._spaces_of: dict[str, set[str]] = {}  # member_id -> space ids
        self._request_ids: dict[tuple[str | None, str], tuple[str, str]] = {}  # (app, request_id) -> (caller, space)
        self.event_log = EventLog()
        # Components that keep their own state under this store's lock, and the hooks they listen on.
        self.on_space_deleted: list[Callable[[str], object]] = []
        self.on_message_created: list[Callable[[Actor, Any], object]] = []
        self.on_message_deleted: list[Callable[[str, str], object]] = []  # (space id, message id)
        self.on_message_updated: list[Callable[[Any, str], object]] = []  # (message, its text before)
        self.on_member_removed: list[Callable[[str, str], object]] = []  # (space id, member id)
        self.request_ids: dict[tuple[str, ...], str] = {}  # idempotency keys of the components' create RPCs
        self.messages = MessageBook(self)
        self.custom_emojis = CustomEmojiBook(self)
        self.reactions = ReactionBook(self)
        self.read_states = ReadStateBook(self)
        self.notification_settings = NotificationSettingBook(self)
        self.space_events = SpaceEventReader(self)
        self.pins = PinBook(self)
        self.sections = SectionBook(self)
        self.availability = AvailabilityBook(self)
        self.search = MessageSearch(self)
        self.space_events.resolvers.update(
            space=lambda space_id, _name: self._spaces[space_id].space if space_id in self._spaces else None,
            membership=self._live_membership,
            message=lambda space_id, name: self.messages.live(space_id, name.rsplit("/", 1)[1]),
            reaction=lambda space_id, name: self.reactions.find(space_id, *name.split("/")[3::2]),
        )

    def attachment_media(self, resource_name: str, actor: Actor | None = None) -> tuple[bytes, str]:
        """For a media download endpoint: the bytes and content type of an uploaded file, by the resource name an
        upload answered or a message attachment shows in ``attachment_data_ref.resource_name``. NotFound when no
        such upload exists (or its space was deleted) and, with ``actor``, when the actor cannot see its space."""
        return self.messages.media(resource_name, actor)

    def _live_membership(self, space_id: str, name: str) -> Membership | None:
        state = self._spaces.get(space_id)
        return state.members.get(name.rsplit("/", 1)[1]) if state else None

    # ------------------------------------------------------------------ principals

    def add_user(
        self,
        email: str,
        display_name: str | None = None,
        *,
        user_id: str | None = None,
        customer: str | None = None,
        is_admin: bool = False,
        auto_accept: bool = True,
    ) -> User:
        with self._lock:
            if email.lower() in self._emails:
                raise AlreadyExists(f"a user with email {email} already exists")
            user = User(
                id=user_id or self.ids.numeric_id(),
                email=email,
                display_name=display_name or email.split("@")[0].title(),
                is_admin=is_admin,
                auto_accept=auto_accept,
            )
            if customer:
                user.customer = customer
            self._users[user.id] = user
            self._emails[email.lower()] = user.id
            return clone(user)

    def add_app(self, display_name: str, *, app_id: str | None = None, customer: str | None = None) -> App:
        with self._lock:
            app = App(id=app_id or self.ids.numeric_id(), display_name=display_name)
            if customer:
                app.customer = customer
            self._apps[app.id] = app
            return clone(app)

    def add_group(self, display_name: str, member_ids: Iterable[str] = (), *, group_id: str | None = None) -> Group:
        with self._lock:
            group = Group(id=group_id or self.ids.numeric_id(), display_name=display_name, member_ids=set(member_ids))
            self._groups[group.id] = group
            return clone(group)

    def block(self, blocker_id: str, blocked_id: str) -> None:
        with self._lock:
            self._users[blocker_id].blocked_user_ids.add(blocked_id)

    def principal(self, principal_id: str, *, copy: bool = True) -> Principal | None:
        """A user or app by id. ``copy=False`` hands out the live record, read-only, for the one place that
        resolves the caller on every call (auth.authorize); everyone else gets a copy."""
        with self._lock:
            found = self._users.get(principal_id) or self._apps.get(principal_id)
            return (clone(found) if copy else found) if found else None

    def user_by_email(self, email: str) -> User | None:
        with self._lock:
            user_id = self._emails.get(email.lower())
            return clone(self._users[user_id]) if user_id else None

    def group(self, group_id: str) -> Group | None:
        with self._lock:
            found = self._groups.get(group_id)
            return clone(found) if found else None

    def resolve_member(self, actor: Actor, name: str, *, field_path: str, allow_email: bool = True) -> MemberRef:
        """``users/{id|email|app}`` or ``groups/{id}`` -> a MemberRef (canonical ids)."""
        with self._lock:
            kind, _, key = name.partition("/")
            if kind == "groups" and key and "/" not in key:
                if "@" in key:
                    raise InvalidArgument(
                        f"{field_path}: group emails can't be used; name the group as groups/{{id}}, got {name!r}",
                        field=field_path,
                    )
                if key not in self._groups:
                    raise NotFound(f"group {name} not found", field=field_path)
                return MemberRef("GROUP", key)
            if kind != "users" or not key or "/" in key:
                raise InvalidArgument(
                    f"{field_path} must be users/{{user}} or groups/{{group}}, got {name!r}", field=field_path
                )
            if key == "app":
                if actor.app is None:
                    raise InvalidArgument(
                        f"{field_path} is {name} but these credentials belong to no Chat app", field=field_path
                    )
                return MemberRef("BOT", actor.app.id)
            if "@" in key:
                if not allow_email:
                    raise InvalidArgument(
                        f"{field_path}: the email alias {name!r} works only with user authentication",
                        field=field_path,
                    )
                user_id = self._emails.get(key.lower())
                if user_id is None:
                    raise NotFound(f"user {name} not found", field=field_path)
                return MemberRef("HUMAN", user_id)
            if key in self._users:
                return MemberRef("HUMAN", key)
            if key in self._apps:
                return MemberRef("BOT", key)
            raise NotFound(f"user {name} not found", field=field_path)

    # ------------------------------------------------------------------ events

    def _record(self, space_id: str, event_type: str, resource: object, snapshot: object | None = None) -> None:
        """Log an event about ``resource`` (a record, or its name); a deletion passes a ``snapshot`` of it."""
        self.event_log.append(
            space_id,
            self.clock.now(),
            event_type,
            snapshot if snapshot is not None else resource,
            snapshot=snapshot is not None,
        )

    def events(self, space_id: str | None = None) -> list[Event]:
        with self._lock:
            return [clone(e) for e in self.event_log.all(space_id)]

    # ------------------------------------------------------------------ helpers (lock held)

    def _state(self, actor: Actor, space_id: str) -> _SpaceState:
        """The space if the actor may see it; NOT_FOUND otherwise (existence is not revealed)."""
        state = self._spaces.get(space_id)
        if state is None or not self._visible(actor, state):
            raise NotFound(f"space spaces/{space_id} not found, or the caller is not a member", field="name")
        return state

    def _visible(self, actor: Actor, state: _SpaceState) -> bool:
        space = state.space
        if space.import_mode:
            return IMPORT in actor.granted_scopes and space.creator_key == actor.key
        if actor.admin:
            return space.customer == getattr(actor.principal, "customer", None)
        return actor.principal.id in state.members

    def _membership_of(self, actor: Actor, state: _SpaceState) -> Membership | None:
        return state.members.get(actor.principal.id)

    def _is_manager(self, actor: Actor, state: _SpaceState) -> bool:
        membership = self._membership_of(actor, state)
        return membership is not None and membership.role == "ROLE_MANAGER" and membership.state == "JOINED"

    def _app_created(self, actor: Actor, state: _SpaceState) -> bool:
        return state.space.created_by_app and state.space.creator_key == actor.key

    def _require_permission(self, actor: Actor, state: _SpaceState, setting: str, what: str) -> None:
        """Space permission settings: managers and/or members may do ``what``; admins and creating apps may."""
        if actor.admin or actor.only_through(IMPORT) or (actor.is_app and self._app_created(actor, state)):
            return
        if state.space.space_type != "SPACE":
            return  # group chats and DMs have no managers: every member may
        membership = self._membership_of(actor, state)
        rule = state.space.permission_settings.get(setting, PermissionSetting())
        allowed = (
            membership is not None
            and membership.state == "JOINED"
            and (
                (membership.role == "ROLE_MANAGER" and rule.managers_allowed)
                or (membership.role == "ROLE_MEMBER" and rule.members_allowed)
            )
        )
        if not allowed:
            raise PermissionDenied(
                f"the caller may not {what} in {state.space.name} (permission setting {setting})",
                reason="SPACE_PERMISSION_DENIED",
            )

    def _require_import_space_if_import_only(self, actor: Actor, space: Space) -> None:
        if actor.only_through(IMPORT) and not space.import_mode:
            raise PermissionDenied(
                f"the chat.import scope only works on spaces in import mode; {space.name} is not",
                reason="IMPORT_SCOPE_REQUIRES_IMPORT_MODE",
            )

    def _check_display_name_free(self, customer: str | None, display_name: str, *, except_id: str = "") -> None:
        wanted = display_name.strip().casefold()
        for state in self._spaces.values():
            space = state.space
            if (
                space.id != except_id
                and space.space_type == "SPACE"
                and space.customer == customer
                and space.display_name.strip().casefold() == wanted
            ):
                raise AlreadyExists(
                    f"a space named {display_name!r} already exists in {customer}",
                    field="space.display_name",
                    reason="DISPLAY_NAME_TAKEN",
                )

    def _add_member(
        self, state: _SpaceState, ref: MemberRef, *, role: str, state_name: str, when: datetime | None = None
    ) -> Membership:
        membership = Membership(
            space_id=state.space.id,
            member_id=ref.id,
            member_kind=ref.kind,
            role="MEMBERSHIP_ROLE_UNSPECIFIED" if ref.kind == "GROUP" else role,
            state=state_name,
            create_time=when or self.clock.now(),
        )
        state.add(membership)
        self._spaces_of.setdefault(ref.id, set()).add(state.space.id)
        self._record(state.space.id, "google.workspace.chat.membership.v1.created", membership)
        return membership

    def _remove_member(self, state: _SpaceState, member_id: str) -> Membership:
        membership = state.remove(member_id)
        self._spaces_of.get(member_id, set()).discard(state.space.id)
        for hook in self.on_member_removed:
            hook(state.space.id, member_id)
        membership.delete_time = self.clock.now()
        self._record(state.space.id, "google.workspace.chat.membership.v1.deleted", membership, clone(membership))
        return membership

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

    def _new_space(self, actor: Actor, template: Space, *, predefined: str) -> _SpaceState:
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
        state = _SpaceState(space)
        self._spaces[space.id] = state
        return state

    # ------------------------------------------------------------------ spaces

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

    def _find_dm(self, member_ids: set[str], *, with_app: bool) -> _SpaceState | None:
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

    def get_space(self, actor: Actor, space_id: str) -> Space:
        with self._lock:
            return clone(self._state(actor, space_id).space)

    def list_spaces(
        self, actor: Actor, accept: Callable[[Space], bool], *, after: tuple[str, str] | None, limit: int
    ) -> tuple[list[Space], tuple[str, str] | None]:
        """The caller's spaces in (create_time, id) order, starting after the cursor."""
        with self._lock:
            spaces = []
            for space_id in self._spaces_of.get(actor.principal.id, ()):
                space = self._spaces[space_id].space
                if space.import_mode or (space.space_type != "SPACE" and not space.has_messages):
                    continue
                if self._spaces[space_id].members[actor.principal.id].state != "JOINED":
                    continue
                spaces.append(space)
            return self._page(spaces, accept, after=after, limit=limit)

    @staticmethod
    def _sort_key(space: Space) -> tuple[str, str]:
        return (space.create_time.isoformat() if space.create_time else "", space.id)

    def _page(
        self, spaces: list[Space], accept: Callable[[Space], bool], *, after: tuple[str, str] | None, limit: int
    ) -> tuple[list[Space], tuple[str, str] | None]:
        ordered = sorted((s for s in spaces if accept(s)), key=self._sort_key)
        if after is not None:
            ordered = ordered[bisect_right([self._sort_key(s) for s in ordered], after) :]
        page = ordered[:limit]
        more = len(ordered) > limit
        return [clone(s) for s in page], (self._sort_key(page[-1]) if more and page else None)

    def search_spaces(
        self,
        actor: Actor,
        accept: Callable[[Space], bool],
        sort_key: Callable[[Space], Any],
        *,
        offset: int,
        limit: int,
    ) -> tuple[list[Space], int]:
        """Admin search over the admin's customer: the page at ``offset`` and the total match count."""
        with self._lock:
            customer = getattr(actor.principal, "customer", None)
            matches = [
                state.space
                for state in self._spaces.values()
                if state.space.customer == customer and not state.space.import_mode and accept(state.space)
            ]
            matches.sort(key=lambda s: (sort_key(s), s.id))
            return [clone(s) for s in matches[offset : offset + limit]], len(matches)

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
            if converting and not actor.is_app:
                # A group chat has no managers; whoever turns it into a space becomes its manager, so the new
                # space can be administered (a choice: the reference does not say).
                caller = state.members.get(actor.principal.id)
                if caller is not None and caller.role != "ROLE_MANAGER":
                    caller.role = "ROLE_MANAGER"
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

    # ------------------------------------------------------------------ memberships

    def create_membership(
        self, actor: Actor, space_id: str, ref: MemberRef, *, create_time: datetime | None = None
    ) -> Membership:
        with self._lock:
            state = self._state(actor, space_id)
            space = state.space
            self._require_import_space_if_import_only(actor, space)
            calling_app = actor.app is not None and ref.kind == "BOT" and ref.id == actor.app.id
            if ref.kind == "BOT" and not calling_app:
                raise InvalidArgument(
                    "membership.member.name: memberships can be created for users, groups or the calling app,"
                    " not for other apps",
                    field="membership.member.name",
                )
            if calling_app and not actor.is_app and not actor.admin and MEMBERSHIPS_APP not in actor.granted_scopes:
                raise PermissionDenied(
                    "adding the calling app (users/app) needs the chat.memberships.app scope",
                    reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                )
            if actor.only_through(MEMBERSHIPS_APP) and not calling_app:
                raise PermissionDenied("the chat.memberships.app scope only lets the caller add the calling app")
            if actor.is_app and ref.kind != "HUMAN":
                raise InvalidArgument(
                    "membership.member.name: with app authentication only human users can be added",
                    field="membership.member.name",
                )
            if actor.admin and ref.kind == "BOT":
                raise InvalidArgument(
                    "membership.member.name: admin access cannot manage app memberships", field="membership.member.name"
                )
            if ref.kind == "GROUP" and space.space_type != "SPACE":
                raise InvalidArgument(
                    f"membership.group_member.name: groups can only be added to a SPACE; {space.name} is a"
                    f" {space.space_type}",
                    field="membership.group_member.name",
                )
            if space.space_type == "DIRECT_MESSAGE" and not calling_app:
                raise InvalidArgument(
                    "membership.member.name: only the calling app can be added to a direct message",
                    field="membership.member.name",
                )
            if ref.id in state.members:
                raise AlreadyExists(f"{space.name}/members/{ref.id} already exists", reason="ALREADY_A_MEMBER")
            if actor.is_app and not self._membership_of(actor, state):
                raise PermissionDenied(f"the app is not a member of {space.name}")
            self._require_permission(
                actor, state, "manage_apps" if calling_app else "manage_members_and_groups", "add members"
            )
            state_name = "JOINED"
            if ref.kind == "HUMAN":
                user = self._users[ref.id]
                external = user.customer != space.customer and space.customer is not None
                if external and (actor.is_app or actor.admin or not space.external_user_allowed):
                    raise PermissionDenied(
                        f"{user.email} is outside the space's organization and cannot be added",
                        reason="EXTERNAL_USER_NOT_ALLOWED",
                    )
                if not user.auto_accept and not space.import_mode:
                    state_name = "INVITED"
            when = create_time if (create_time and space.import_mode) else None
            membership = self._add_member(state, ref, role="ROLE_MEMBER", state_name=state_name, when=when)
            return clone(membership)

    def _membership(self, actor: Actor, state: _SpaceState, member_id: str) -> Membership:
        membership = state.members.get(member_id)
        if membership is None:
            raise NotFound(f"membership {state.space.name}/members/{member_id} not found", field="name")
        if actor.admin and membership.member_kind == "BOT":
            raise PermissionDenied("admin access cannot see or manage app memberships")
        return membership

    def get_membership(self, actor: Actor, space_id: str, member_id: str) -> Membership:
        with self._lock:
            state = self._state(actor, space_id)
            membership = self._membership(actor, state, member_id)
            if actor.is_app and membership.member_kind == "GROUP":
                raise PermissionDenied(
                    "reading Google Group memberships needs user authentication", reason="APP_AUTH_NOT_SUPPORTED"
                )
            return clone(membership)

    def list_memberships(
        self, actor: Actor, space_id: str, accept: Callable[[Membership], bool], *, after: int, limit: int
    ) -> tuple[list[Membership], int | None]:
        """A page of memberships in insertion order after position ``after``; cost ∝ what the page skips."""
        with self._lock:
            state = self._state(actor, space_id)
            self._require_import_space_if_import_only(actor, state.space)
            page: list[Membership] = []
            for membership in state.iter_from(after):
                if not accept(membership):
                    continue
                if len(page) == limit:
                    return page, page[-1].seq
                page.append(clone(membership))
            return page, None

    def update_membership_role(self, actor: Actor, space_id: str, member_id: str, role: str) -> Membership:
        with self._lock:
            state = self._state(actor, space_id)
            self._require_import_space_if_import_only(actor, state.space)
            membership = self._membership(actor, state, member_id)
            if role == "ROLE_MANAGER" and state.space.space_type != "SPACE":
                raise InvalidArgument(
                    f"membership.role ROLE_MANAGER exists only in a SPACE; {state.space.name} is a"
                    f" {state.space.space_type}",
                    field="membership.role",
                )
            if actor.is_app:
                if not self._app_created(actor, state):
                    raise PermissionDenied("an app may only change roles in spaces it created")
            elif not (actor.admin or actor.only_through(IMPORT) or self._is_manager(actor, state)):
                raise PermissionDenied(f"only a space manager may change roles in {state.space.name}")
            if membership.member_kind != "HUMAN":
                raise InvalidArgument(
                    f"membership.name {membership.name} is not a human user's membership; only those have roles",
                    field="membership.name",
                )
            if membership.role == "ROLE_MANAGER" and role != "ROLE_MANAGER" and self._last_manager(state, member_id):
                raise FailedPrecondition("a space needs at least one manager", reason="LAST_MANAGER")
            if membership.role != role:
                membership.role = role
                self._record(space_id, "google.workspace.chat.membership.v1.updated", membership.name)
            return clone(membership)

    @staticmethod
    def _last_manager(state: _SpaceState, member_id: str) -> bool:
        return not any(
            m.role == "ROLE_MANAGER" and m.member_id != member_id and m.member_kind == "HUMAN"
            for m in state.members.values()
        )

    def delete_membership(self, actor: Actor, space_id: str, member_id: str) -> Membership:
        with self._lock:
            state = self._state(actor, space_id)
            self._require_import_space_if_import_only(actor, state.space)
            membership = self._membership(actor, state, member_id)
            own_app = actor.app is not None and member_id == actor.app.id
            if membership.member_kind == "BOT" and not own_app:
                raise PermissionDenied("an app membership can only be removed by that app")
            if actor.only_through(MEMBERSHIPS_APP) and not own_app:
                raise PermissionDenied("the chat.memberships.app scope only lets the caller remove the calling app")
            if actor.is_app and membership.member_kind == "BOT":
                raise PermissionDenied(
                    "removing a Chat app from a space needs user authentication (members/app, chat.memberships.app)",
                    reason="APP_AUTH_NOT_SUPPORTED",
                )
            if own_app and MEMBERSHIPS_APP not in actor.granted_scopes:
                raise PermissionDenied(
                    "removing the calling app (members/app) needs the chat.memberships.app scope",
                    reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                )
            if actor.is_app and membership.member_kind == "GROUP":
                raise InvalidArgument(
                    "name: removing a Google Group needs user authentication, not app authentication", field="name"
                )
            leaving = member_id == actor.principal.id
            if not leaving and not own_app:
                if membership.role == "ROLE_MANAGER":
                    allowed = actor.admin or actor.only_through(IMPORT) or self._is_manager(actor, state)
                    if actor.is_app:
                        allowed = self._app_created(actor, state)
                    if not allowed:
                        raise PermissionDenied("only a space manager may remove another manager")
                else:
                    self._require_permission(actor, state, "manage_members_and_groups", "remove members")
            if (
                membership.role == "ROLE_MANAGER"
                and state.space.space_type == "SPACE"
                and self._last_manager(state, member_id)
                and len(state.members) > 1
            ):
                raise FailedPrecondition(
                    "the last manager cannot leave while others remain; make someone else a manager first",
                    reason="LAST_MANAGER",
                )
            return clone(self._remove_member(state, member_id))

    # ------------------------------------------------------------------ introspection for tests and seeding

    def spaces(self) -> list[Space]:
        with self._lock:
            return [clone(s.space) for s in self._spaces.values()]

    def memberships(self, space_id: str) -> list[Membership]:
        with self._lock:
            state = self._spaces.get(space_id)
            return [clone(m) for m in state.members.values()] if state else []

    def users(self) -> list[User]:
        """Every user, in the order they were added."""
        with self._lock:
            return [clone(u) for u in self._users.values()]

    def apps(self) -> list[App]:
        with self._lock:
            return [clone(a) for a in self._apps.values()]

    def groups(self) -> list[Group]:
        with self._lock:
            return [clone(g) for g in self._groups.values()]

    def set_membership_state(self, space_id: str, member_id: str, state: str) -> None:
        """Seeding: make a membership JOINED or INVITED, whatever the member's auto-accept setting made it (a
        workspace file states the outcome; e.g. a group chat turned into a space keeps its joined members)."""
        if state not in ("JOINED", "INVITED"):
            raise ValueError(f"a membership is JOINED or INVITED, not {state!r}")
        with self._lock:
            space = self._spaces[space_id]
            membership = space.members[member_id]
            space.counts[membership.member_kind, membership.state] -= 1
            membership.state = state
            space.counts[membership.member_kind, membership.state] += 1

    def set_space_permission(self, space_id: str, setting: str, *, managers: bool, members: bool) -> None:
        if setting not in PERMISSION_SETTINGS:
            raise KeyError(setting)
        with self._lock:
            self._spaces[space_id].space.permission_settings[setting] = PermissionSetting(managers, members)

    @property
    def lock(self) -> threading.RLock:
        """For later parts that compose operations over several stores under the same lock."""
        return self._lock
