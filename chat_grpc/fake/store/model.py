"""The domain model of the fake Chat service: plain records, no protocol types.

Enum-like values are the API's enum value names (``"SPACE"``, ``"ROLE_MANAGER"``), so the boundary can map
them to protobuf enums by name. Records are mutable inside the store only; the store hands out copies.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum, StrEnum
from typing import Any, NamedTuple, TypeVar

DEFAULT_CUSTOMER = "customers/C0demo00"

T = TypeVar("T")


def clone(record: T) -> T:
    """A deep copy: what the store hands out, so callers never hold live state.

    Several times faster than ``copy.deepcopy`` on the store's records (the hot path of every RPC): immutable
    values are shared (so are frozen slotted dataclasses of immutable fields, e.g. ``PermissionSetting``),
    other slotted dataclasses are rebuilt field by field, and dicts, lists, sets and tuples are copied element
    by element; anything else falls back to ``copy.deepcopy``. Unlike ``deepcopy`` it does not
    preserve aliasing inside a record (an object reachable twice is copied twice); records do not rely on that.
    """
    copied: T = _clone(record)
    return copied


_IMMUTABLE: set[type] = {str, int, float, bool, bytes, complex, type(None), datetime, date, time, timedelta, frozenset}
# Field annotations (strings under postponed evaluation) of immutable values.
_IMMUTABLE_FIELDS = frozenset(
    {"str", "int", "float", "bool", "bytes", "datetime", "str | None", "int | None", "datetime | None"}
) | {"frozenset[str]"}
_COPIERS: dict[type, Callable[[Any], Any]] = {}


def _clone(value: Any) -> Any:
    cls = type(value)
    if cls in _IMMUTABLE:  # frozensets in records hold strings
        return value
    copier = _COPIERS.get(cls)
    if copier is None:
        copier = _COPIERS.setdefault(cls, _copier(cls))
    return copier(value)


def _copier(cls: type) -> Callable[[Any], Any]:
    immutable = _IMMUTABLE
    if cls is dict:  # immutable values (most are) are shared without a call each
        return lambda d: {k: v if v.__class__ in immutable else _clone(v) for k, v in d.items()}
    if cls is list:
        return lambda items: [v if v.__class__ in immutable else _clone(v) for v in items]
    if cls is set:
        return lambda items: {_clone(v) for v in items}
    if cls is tuple:
        return _copy_tuple
    if issubclass(cls, Enum):
        return lambda member: member
    if dataclasses.is_dataclass(cls) and cls.__dictoffset__ == 0:  # slots only: the fields are the whole state
        names = tuple(f.name for f in dataclasses.fields(cls))
        slots = {s for k in cls.__mro__ for s in getattr(k, "__slots__", ()) if s != "__weakref__"}
        if slots == set(names):
            frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
            if frozen and all(f.type in _IMMUTABLE_FIELDS or f.type in _IMMUTABLE for f in dataclasses.fields(cls)):
                _IMMUTABLE.add(cls)  # a value: shared, like a str
                return lambda record: record
            return _record_copier(cls, names)
    return copy.deepcopy


def _copy_tuple(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """A tuple of immutable values is one itself: shared (the empty tuple of most content fields, too)."""
    immutable = _IMMUTABLE
    for value in items:
        if type(value) not in immutable:
            return tuple(_clone(v) for v in items)
    return items


def _record_copier(cls: type, names: tuple[str, ...]) -> Callable[[Any], Any]:
    """A copier written for ``cls``: one straight-line function (made once per class) that copies each field,
    sharing the fields whose annotation is an immutable type and cloning the others unless their value is
    immutable (or the empty tuple, which most content collections are)."""
    frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    lines = ["def copy_record(record):", "    copied = new(cls)"]
    for name in names:
        kind = types[name]
        if kind in _IMMUTABLE_FIELDS or kind in _IMMUTABLE:
            value = f"record.{name}"
        else:
            lines.append(f"    value = record.{name}")
            value = "value if value.__class__ in immutable or value == () else clone(value)"
        # A frozen record is assigned through object's __setattr__, a plain one through its slots.
        lines.append(f"    assign(copied, {name!r}, {value})" if frozen else f"    copied.{name} = {value}")
    lines.append("    return copied")
    scope: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "assign": object.__setattr__,
        "immutable": _IMMUTABLE,
        "clone": _clone,
    }
    exec("\n".join(lines), scope)
    copier: Callable[[Any], Any] = scope["copy_record"]
    return copier


class AuthKind(StrEnum):
    USER = "user"
    APP = "app"


# ------------------------------------------------------------------ principals


@dataclass(slots=True)
class User:
    id: str
    email: str
    display_name: str
    customer: str = DEFAULT_CUSTOMER
    is_admin: bool = False  # Workspace admin with the "manage Chat and spaces conversations" privilege
    auto_accept: bool = True  # False: added to a space, the user is INVITED rather than JOINED
    blocked_user_ids: set[str] = field(default_factory=set)
    can_manage_custom_emojis: bool = False

    @property
    def name(self) -> str:
        return f"users/{self.id}"


@dataclass(slots=True)
class App:
    id: str
    display_name: str
    customer: str = DEFAULT_CUSTOMER

    @property
    def name(self) -> str:
        return f"users/{self.id}"


@dataclass(slots=True)
class Group:
    id: str
    display_name: str
    email: str = ""
    member_ids: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"groups/{self.id}"


Principal = User | App


class Actor(NamedTuple):
    """Who performs an operation: the principal, how it authenticated, what it may do (made on every call: an
    immutable named tuple, built in a third of a frozen dataclass's time).

    ``granted_scopes`` are the short scope names (``chat.spaces``) of the caller's token that the RPC
    accepts; ``admin`` is True when the caller asked for administrator access and is entitled to it.
    ``app`` is the Chat app behind the credentials: the caller itself under app authentication, or the
    OAuth client of a user's token (used for ``users/app`` and request-id bookkeeping).
    """

    principal: Principal
    kind: AuthKind
    granted_scopes: frozenset[str]
    admin: bool = False
    app: App | None = None

    @property
    def key(self) -> str:
        return self.principal.name

    @property
    def is_app(self) -> bool:
        return self.kind is AuthKind.APP

    def only_through(self, *scopes: str) -> bool:
        """True when every scope that let the caller in is one of ``scopes`` (e.g. only chat.import)."""
        return bool(self.granted_scopes) and self.granted_scopes <= set(scopes)


# ------------------------------------------------------------------ spaces and memberships

PERMISSION_SETTINGS = (
    "manage_members_and_groups",
    "modify_space_details",
    "toggle_history",
    "use_at_mention_all",
    "manage_apps",
    "manage_webhooks",
    "post_messages",
    "reply_messages",
)


class PermissionSetting(NamedTuple):
    """Who may do one thing in a space. A value (a named tuple: hashed and compared in C, shared by copies), part
    of the key of every rendered space."""

    managers_allowed: bool = True
    members_allowed: bool = True


_IMMUTABLE.add(PermissionSetting)


def default_permission_settings(predefined: str) -> dict[str, PermissionSetting]:
    """COLLABORATION_SPACE: everyone may do everything; ANNOUNCEMENT_SPACE: only managers post and manage."""
    members = {"reply_messages"} if predefined == "ANNOUNCEMENT_SPACE" else set(PERMISSION_SETTINGS)
    return {s: PermissionSetting(True, s in members) for s in PERMISSION_SETTINGS}


@dataclass(slots=True)
class Space:
    id: str
    space_type: str  # SPACE | GROUP_CHAT | DIRECT_MESSAGE
    display_name: str = ""
    description: str = ""
    guidelines: str = ""
    external_user_allowed: bool = False
    history_state: str = "HISTORY_ON"
    import_mode: bool = False
    import_mode_expire_time: datetime | None = None
    single_user_bot_dm: bool = False
    create_time: datetime | None = None
    last_active_time: datetime | None = None
    customer: str | None = None
    creator_key: str = ""  # users/{id} of the user or app that created it
    created_by_app: bool = False
    access_state: str = "PRIVATE"
    audience: str = ""
    permission_settings: dict[str, PermissionSetting] = field(default_factory=dict)
    has_messages: bool = False  # group chats and DMs are listed only after their first message

    @property
    def name(self) -> str:
        return f"spaces/{self.id}"

    @property
    def space_history_state(self) -> str:
        """The API's name for ``history_state`` (what the SearchSpaces query language matches on)."""
        return self.history_state

    @property
    def threading_state(self) -> str:
        return "THREADED_MESSAGES" if self.space_type == "SPACE" else "UNTHREADED_MESSAGES"


@dataclass(slots=True)
class Membership:
    space_id: str
    member_id: str  # the user's, app's or group's id; the membership is spaces/{space}/members/{member_id}
    member_kind: str  # HUMAN | BOT | GROUP
    role: str = "ROLE_MEMBER"  # ROLE_MEMBER | ROLE_MANAGER; groups always MEMBERSHIP_ROLE_UNSPECIFIED
    state: str = "JOINED"  # JOINED | INVITED
    create_time: datetime | None = None
    delete_time: datetime | None = None
    seq: int = 0  # insertion order within the space, for stable pagination

    @property
    def name(self) -> str:
        return f"spaces/{self.space_id}/members/{self.member_id}"

    @property
    def member_name(self) -> str:
        return f"groups/{self.member_id}" if self.member_kind == "GROUP" else f"users/{self.member_id}"


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member named in a request, already resolved to a principal or group."""

    kind: str  # HUMAN | BOT | GROUP
    id: str


# ------------------------------------------------------------------ events


@dataclass(slots=True)
class Event:
    """One state change in a space, served by Get/ListSpaceEvents.

    ``resource_name`` names the changed resource; ``snapshot`` keeps a deleted resource's last state,
    since the payload of other events is the resource's latest version, read when the event is served.
    """

    id: str
    space_id: str
    time: datetime
    event_type: str
    resource_name: str
    snapshot: object | None = None

    @property
    def name(self) -> str:
        return f"spaces/{self.space_id}/spaceEvents/{self.id}"
