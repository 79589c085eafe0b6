"""The store's shared state and rules, under one lock: principals, spaces' memberships as the books see them
(``SpaceState``), who may see and change a space, the event log, and the books of every other resource.

The operations on spaces (``spaces.py``) and memberships (``memberships.py``) extend this base; ``ChatStore``
(``store.py``) is the three together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from chat_grpc.fake.clock import Clock, SystemClock
from chat_grpc.fake.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store.availability import AvailabilityBook
from chat_grpc.fake.store.book import SpaceState
from chat_grpc.fake.store.emojis import CustomEmojiBook
from chat_grpc.fake.store.events import EventLog
from chat_grpc.fake.store.messages import MessageBook
from chat_grpc.fake.store.model import (
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
)
from chat_grpc.fake.store.notification_settings import NotificationSettingBook
from chat_grpc.fake.store.ordering import Steps
from chat_grpc.fake.store.pins import PinBook
from chat_grpc.fake.store.reactions import ReactionBook
from chat_grpc.fake.store.read_states import ReadStateBook
from chat_grpc.fake.store.search import MessageSearch
from chat_grpc.fake.store.sections import SectionBook
from chat_grpc.fake.store.space_events import SpaceEventReader
from chat_grpc.fake.store.space_index import SpaceSearchIndex
from chat_grpc.fake.store.space_names import SpaceNames

IMPORT = "chat.import"
MEMBERSHIPS_APP = "chat.memberships.app"
_ALLOWED = PermissionSetting()  # a setting a space does not list: managers and members may
IMPORT_MODE_LIFETIME = timedelta(days=90)
EARLIEST_IMPORT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SETUP_MEMBERSHIPS = 20


class StoreBase:
    """State, principals, visibility and permission rules shared by the store's operations and its books."""

    def __init__(self, *, clock: Clock | None = None, ids: IdGenerator | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.ids = ids or IdGenerator()
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._apps: dict[str, App] = {}
        self._groups: dict[str, Group] = {}
        self._emails: dict[str, str] = {}  # lower-case email -> user id
        self._spaces: dict[str, SpaceState] = {}
        self._spaces_of: dict[str, set[str]] = {}  # member_id -> space ids
        self._request_ids: dict[tuple[str | None, str], tuple[str, str]] = {}  # (app, request_id) -> (caller, space)
        self.steps = Steps()  # entries visited by list calls (tests of their cost)
        self.event_log = EventLog(self.steps)
        self.space_search = SpaceSearchIndex(
            lambda space_id: self._spaces[space_id].space if space_id in self._spaces else None, self.steps
        )
        self.space_names = SpaceNames()  # display names taken, per customer
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

    def _state(self, actor: Actor, space_id: str) -> SpaceState:
        """The space if the actor may see it; NOT_FOUND otherwise (existence is not revealed)."""
        state = self._spaces.get(space_id)
        if state is None or not self._visible(actor, state):
            raise NotFound(f"space spaces/{space_id} not found, or the caller is not a member", field="name")
        return state

    def _visible(self, actor: Actor, state: SpaceState) -> bool:
        space = state.space
        if space.import_mode:
            return IMPORT in actor.granted_scopes and space.creator_key == actor.key
        if actor.admin:
            return space.customer == getattr(actor.principal, "customer", None)
        return actor.principal.id in state.members

    def _membership_of(self, actor: Actor, state: SpaceState) -> Membership | None:
        return state.members.get(actor.principal.id)

    def _is_manager(self, actor: Actor, state: SpaceState) -> bool:
        membership = self._membership_of(actor, state)
        return membership is not None and membership.role == "ROLE_MANAGER" and membership.state == "JOINED"

    def _app_created(self, actor: Actor, state: SpaceState) -> bool:
        return state.space.created_by_app and state.space.creator_key == actor.key

    def _require_permission(self, actor: Actor, state: SpaceState, setting: str, what: str) -> None:
        """Space permission settings: managers and/or members may do ``what``; admins and creating apps may."""
        if actor.admin or actor.only_through(IMPORT) or (actor.is_app and self._app_created(actor, state)):
            return
        if state.space.space_type != "SPACE":
            return  # group chats and DMs have no managers: every member may
        membership = self._membership_of(actor, state)
        rule = state.space.permission_settings.get(setting, _ALLOWED)
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

    def _add_member(
        self, state: SpaceState, ref: MemberRef, *, role: str, state_name: str, when: datetime | None = None
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

    def _remove_member(self, state: SpaceState, member_id: str) -> Membership:
        membership = state.remove(member_id)
        self._spaces_of.get(member_id, set()).discard(state.space.id)
        for hook in self.on_member_removed:
            hook(state.space.id, member_id)
        membership.delete_time = self.clock.now()
        self._record(state.space.id, "google.workspace.chat.membership.v1.deleted", membership, clone(membership))
        return membership

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
            space.reindex(membership)

    def set_space_permission(self, space_id: str, setting: str, *, managers: bool, members: bool) -> None:
        if setting not in PERMISSION_SETTINGS:
            raise KeyError(setting)
        with self._lock:
            self._spaces[space_id].space.permission_settings[setting] = PermissionSetting(managers, members)

    @property
    def lock(self) -> threading.RLock:
        """For later parts that compose operations over several stores under the same lock."""
        return self._lock

    def reset(self) -> None:
        """Empty the store in place (every book and index made anew, bound to this store), keeping its clock,
        id generator and lock: the lock a caller may hold (the books read it through the store at each call).
        Call it holding the lock."""
        lock, clock, ids = self._lock, self.clock, self.ids
        type(self).__init__(self, clock=clock, ids=ids)
        self._lock = lock
