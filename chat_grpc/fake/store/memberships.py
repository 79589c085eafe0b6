"""The store's operations on memberships: add (users, apps, groups), read, list, change role, remove."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chat_grpc.fake.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from chat_grpc.fake.store.base import (
    IMPORT,
    MEMBERSHIPS_APP,
    StoreBase,
)
from chat_grpc.fake.store.book import MemberClass, SpaceState
from chat_grpc.fake.store.model import (
    Actor,
    MemberRef,
    Membership,
    clone,
)


class MembershipOperations(StoreBase):
    """Memberships: what CreateMembership, GetMembership, ListMemberships, UpdateMembership and
    DeleteMembership do to the store."""

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

    def _membership(self, actor: Actor, state: SpaceState, member_id: str) -> Membership:
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
        self, actor: Actor, space_id: str, accept: Callable[[MemberClass], bool], *, after: int, limit: int
    ) -> tuple[list[Membership], int | None]:
        """A page of the memberships whose class ``accept`` keeps, in insertion order after position ``after``;
        cost ∝ the page (only the accepted classes' orders are read)."""
        with self._lock:
            state = self._state(actor, space_id)
            self._require_import_space_if_import_only(actor, state.space)
            page: list[Membership] = []
            wanted = [value for value in state.by_class.values() if accept(value)]
            for membership in state.by_class.after(after, wanted, state.members, self.steps):
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
                state.reindex(membership)
                self._record(space_id, "google.workspace.chat.membership.v1.updated", membership.name)
            return clone(membership)

    @staticmethod
    def _last_manager(state: SpaceState, member_id: str) -> bool:
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
