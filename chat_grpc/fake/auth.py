"""Who is calling, and may they call this RPC: bearer tokens, OAuth scopes and the per-RPC policy table.

A token stands for a principal (a user or a Chat app), the kind of authentication and the granted scopes.
Two kinds of token are accepted:

* tokens the server issues (``ChatServer.token_for(...)``), opaque strings registered in memory;
* documented tokens any client can write by hand, e.g. from grpcurl or another language::

      user:alice@example.com                     a user (by email or id), every user scope
      user:alice@example.com;scopes=chat.spaces.readonly,chat.messages
      user:alice@example.com;app=<app id>         user credentials issued to a Chat app's OAuth client
      app:<app id>                               a Chat app, chat.bot and the chat.app.* scopes

Scopes are written short (``chat.spaces``) or in full (``https://www.googleapis.com/auth/chat.spaces``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from chat_grpc.fake.errors import InvalidArgument, PermissionDenied, Unauthenticated
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore

SCOPE_PREFIX = "https://www.googleapis.com/auth/"

APP_SCOPES = frozenset(
    {"chat.bot", "chat.app.spaces", "chat.app.spaces.create", "chat.app.memberships", "chat.app.delete"}
)
USER_SCOPES = frozenset(
    {
        "chat.spaces", "chat.spaces.readonly", "chat.spaces.create", "chat.delete", "chat.import",
        "chat.memberships", "chat.memberships.readonly", "chat.memberships.app",
        "chat.messages", "chat.messages.readonly", "chat.messages.create",
        "chat.messages.reactions", "chat.messages.reactions.readonly", "chat.messages.reactions.create",
        "chat.customemojis", "chat.customemojis.readonly",
        "chat.users.readstate", "chat.users.readstate.readonly", "chat.users.spacesettings",
        "chat.spaces.pins", "chat.spaces.pins.readonly", "chat.users.sections", "chat.users.sections.readonly",
        "chat.users.availability", "chat.users.availability.readonly",
        "chat.admin.spaces", "chat.admin.spaces.readonly", "chat.admin.memberships",
        "chat.admin.memberships.readonly", "chat.admin.delete",
    }
)  # fmt: skip


def short_scope(scope: str) -> str:
    return scope.removeprefix(SCOPE_PREFIX)


def full_scope(scope: str) -> str:
    return SCOPE_PREFIX + short_scope(scope)


def _scopes(*names: str) -> frozenset[str]:
    return frozenset(f"chat.{n}" for n in names)


@dataclass(frozen=True)
class Policy:
    """Scopes an RPC accepts under user authentication, app authentication and admin access (empty: not
    accepted that way). A caller needs at least one of the scopes of the way it calls."""

    user: frozenset[str] = frozenset()
    app: frozenset[str] = frozenset()
    admin: frozenset[str] = frozenset()


_EVENT_SCOPES = _scopes(
    "spaces", "spaces.readonly", "messages", "messages.readonly", "memberships", "memberships.readonly",
    "messages.reactions", "messages.reactions.readonly",
)  # fmt: skip

# From the reference's per-RPC scope lists and the auth kinds it (and Google's protos) document.
POLICIES: dict[str, Policy] = {
    "CreateSpace": Policy(_scopes("spaces.create", "spaces", "import"), _scopes("app.spaces.create", "app.spaces")),
    "SetUpSpace": Policy(_scopes("spaces.create", "spaces")),
    "GetSpace": Policy(
        _scopes("spaces.readonly", "spaces"),
        _scopes("bot", "app.spaces"),
        _scopes("admin.spaces.readonly", "admin.spaces"),
    ),
    "ListSpaces": Policy(_scopes("spaces.readonly", "spaces"), _scopes("bot")),
    "SearchSpaces": Policy(admin=_scopes("admin.spaces.readonly", "admin.spaces")),
    "UpdateSpace": Policy(_scopes("spaces", "import"), _scopes("app.spaces"), _scopes("admin.spaces")),
    "DeleteSpace": Policy(_scopes("delete", "import"), _scopes("app.delete"), _scopes("admin.delete")),
    "CompleteImportSpace": Policy(_scopes("import")),
    "FindDirectMessage": Policy(_scopes("spaces.readonly", "spaces"), _scopes("bot")),
    "CreateMembership": Policy(
        _scopes("memberships", "memberships.app", "import"), _scopes("app.memberships"), _scopes("admin.memberships")
    ),
    "GetMembership": Policy(
        _scopes("memberships.readonly", "memberships"),
        _scopes("bot"),  # not chat.app.memberships: the reference lists only chat.bot for apps
        _scopes("admin.memberships.readonly", "admin.memberships"),
    ),
    "ListMemberships": Policy(
        _scopes("memberships.readonly", "memberships", "import"),
        _scopes("bot"),
        _scopes("admin.memberships.readonly", "admin.memberships"),
    ),
    "UpdateMembership": Policy(
        _scopes("memberships", "import"), _scopes("app.memberships"), _scopes("admin.memberships")
    ),
    "DeleteMembership": Policy(
        _scopes("memberships", "memberships.app", "import"), _scopes("app.memberships"), _scopes("admin.memberships")
    ),
    "CreateMessage": Policy(_scopes("messages.create", "messages", "import"), _scopes("bot")),
    "GetMessage": Policy(_scopes("messages.readonly", "messages"), _scopes("bot")),
    "ListMessages": Policy(_scopes("messages.readonly", "messages", "import")),
    "UpdateMessage": Policy(_scopes("messages", "import"), _scopes("bot")),
    "DeleteMessage": Policy(_scopes("messages", "import"), _scopes("bot")),
    "GetAttachment": Policy(app=_scopes("bot")),
    "CreateReaction": Policy(_scopes("messages.reactions.create", "messages.reactions", "messages", "import")),
    "ListReactions": Policy(
        _scopes("messages.reactions.readonly", "messages.reactions", "messages.readonly", "messages")
    ),
    "DeleteReaction": Policy(_scopes("messages.reactions", "messages", "import")),
    "CreateCustomEmoji": Policy(_scopes("customemojis")),
    "GetCustomEmoji": Policy(_scopes("customemojis.readonly", "customemojis")),
    "ListCustomEmojis": Policy(_scopes("customemojis.readonly", "customemojis")),
    "DeleteCustomEmoji": Policy(_scopes("customemojis")),
    "GetSpaceReadState": Policy(_scopes("users.readstate.readonly", "users.readstate")),
    "UpdateSpaceReadState": Policy(_scopes("users.readstate")),
    "GetThreadReadState": Policy(_scopes("users.readstate.readonly", "users.readstate")),
    "GetSpaceNotificationSetting": Policy(_scopes("users.spacesettings")),
    "UpdateSpaceNotificationSetting": Policy(_scopes("users.spacesettings")),
    "GetSpaceEvent": Policy(_EVENT_SCOPES),
    "ListSpaceEvents": Policy(_EVENT_SCOPES),
    # Added after the reference, from Google's reference pages.
    "SearchMessages": Policy(_scopes("messages.readonly", "messages")),
    "FindGroupChats": Policy(_scopes("memberships.readonly", "memberships")),
    "UploadAttachment": Policy(_scopes("messages.create", "messages", "import"), _scopes("bot")),
    "CreateMessagePin": Policy(_scopes("spaces.pins", "spaces")),
    "ListMessagePins": Policy(_scopes("spaces.pins.readonly", "spaces.pins", "spaces.readonly", "spaces")),
    "DeleteMessagePin": Policy(_scopes("spaces.pins", "spaces")),
    "CreateSection": Policy(_scopes("users.sections")),
    "UpdateSection": Policy(_scopes("users.sections")),
    "DeleteSection": Policy(_scopes("users.sections")),
    "PositionSection": Policy(_scopes("users.sections")),
    "MoveSectionItem": Policy(_scopes("users.sections")),
    "ListSections": Policy(_scopes("users.sections.readonly", "users.sections")),
    "ListSectionItems": Policy(_scopes("users.sections.readonly", "users.sections")),
    "GetAvailability": Policy(_scopes("users.availability.readonly", "users.availability")),
    "UpdateAvailability": Policy(_scopes("users.availability")),
    "MarkAsActive": Policy(_scopes("users.availability")),
    "MarkAsAway": Policy(_scopes("users.availability")),
    "MarkAsDoNotDisturb": Policy(_scopes("users.availability")),
}


@dataclass(frozen=True)
class Credentials:
    """What a bearer token stands for."""

    principal_id: str
    kind: AuthKind
    scopes: frozenset[str]
    app_id: str | None = None


class TokenRegistry:
    """Issued tokens, plus the parser for the documented hand-written ones."""

    def __init__(self, *, strict: bool = False) -> None:
        self._tokens: dict[str, Credentials] = {}
        self._lock = threading.Lock()
        self.strict = strict  # only issued tokens (--strict-tokens): no hand-written 'user:...' tokens

    def issue(self, credentials: Credentials) -> str:
        token = f"fake-chat-{secrets.token_urlsafe(18)}"
        with self._lock:
            self._tokens[token] = credentials
        return token

    def lookup(self, token: str, store: ChatStore) -> Credentials:
        with self._lock:
            found = self._tokens.get(token)
        if found is not None:
            return found
        if self.strict:
            raise Unauthenticated("the bearer token is not one this server issued (the server accepts only those)")
        return _parse_documented_token(token, store)


def _parse_documented_token(token: str, store: ChatStore) -> Credentials:
    kind_text, _, rest = token.partition(":")
    if kind_text not in ("user", "app") or not rest:
        raise Unauthenticated("the bearer token is not one this server issued or understands")
    who, *options = rest.split(";")
    settings = dict(option.partition("=")[::2] for option in options)
    unknown = set(settings) - {"scopes", "app"}
    if unknown:
        raise Unauthenticated(f"unknown token option(s) {sorted(unknown)}; use scopes= and app=")
    kind = AuthKind(kind_text)
    principal = store.user_by_email(who) if "@" in who else store.principal(who)
    if principal is None or (kind is AuthKind.APP) != isinstance(principal, App):
        raise Unauthenticated(f"no {kind.value} {who!r} in this fake workspace")
    default = APP_SCOPES if kind is AuthKind.APP else USER_SCOPES
    scopes = frozenset(short_scope(s) for s in settings["scopes"].split(",") if s) if "scopes" in settings else default
    app_id = principal.id if kind is AuthKind.APP else settings.get("app") or None
    if app_id is not None and not isinstance(store.principal(app_id), App):
        raise Unauthenticated(f"token option app={app_id!r} names no Chat app")
    return Credentials(principal.id, kind, scopes, app_id)


def bearer_token(metadata: Iterable[tuple[str, str | bytes]]) -> str | None:
    for key, value in metadata:
        if key.lower() == "authorization":
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("the authorization metadata must be 'Bearer <token>'")
            return token.strip()
    return None


def authorize(rpc: str, credentials: Credentials, store: ChatStore, *, use_admin_access: bool) -> Actor:
    """Check the kind of authentication and the scopes for ``rpc``; return the acting Actor."""
    policy = POLICIES[rpc]
    principal = store.principal(credentials.principal_id, copy=False)  # read-only, for this call
    if principal is None:
        raise Unauthenticated(f"the principal users/{credentials.principal_id} of this token no longer exists")
    is_app = credentials.kind is AuthKind.APP
    if use_admin_access:
        if is_app:
            raise PermissionDenied(f"{rpc}: administrator access needs user authentication", reason="ADMIN_NEEDS_USER")
        if not getattr(principal, "is_admin", False):
            raise PermissionDenied(
                f"{rpc}: {principal.name} is not a Workspace administrator", reason="NOT_AN_ADMINISTRATOR"
            )
        accepted = policy.admin
    elif is_app:
        if not policy.app:
            raise PermissionDenied(
                f"{rpc} does not support app authentication; call it with user authentication",
                reason="APP_AUTH_NOT_SUPPORTED",
            )
        accepted = policy.app
    else:
        if not policy.user:
            if policy.admin:
                raise InvalidArgument(f"{rpc} requires use_admin_access=true", field="use_admin_access")
            raise PermissionDenied(
                f"{rpc} does not support user authentication; call it with app authentication",
                reason="USER_AUTH_NOT_SUPPORTED",
            )
        accepted = policy.user
    granted = credentials.scopes & accepted
    if not granted:
        needed = ", ".join(full_scope(s) for s in sorted(accepted))
        raise PermissionDenied(
            f"{rpc} needs one of these OAuth scopes: {needed}", reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        )
    app = principal if isinstance(principal, App) else None
    if app is None and credentials.app_id:
        found = store.principal(credentials.app_id)
        app = found if isinstance(found, App) else None
    return Actor(principal, credentials.kind, frozenset(granted), admin=use_admin_access, app=app)
