"""Workspace files, loading: seed the fake from a JSON or YAML description of a whole workspace. Its shape is
declared in ``schema``, its export is ``export``, and ``seed`` is the public entry to all of them
(``docs/emulator.md`` documents the format, with a complete example). Reading a file is ``read``; step 1 below
is ``check`` (with ``check_people``), into the ``plan``; the seeding clock and ids of steps 2 and 3 are in
``seeding``, and the making of each space's messages in ``load_messages``.

Loading happens in three steps, so that a bad file changes nothing:

1. **check**: the file's shape (``workspace_schema``: unknown keys, types, enum values, time formats), then
   every reference (a member who is nobody, a reply to a message that is not there, a custom emoji the
   reacting user cannot see, ...) are checked; each problem names its place, e.g.
   ``spaces[2].messages[5].sender: no user 'zed@example.com'``.
2. **dry run**: the workspace is built in a scratch store (holding copies of the people and custom emojis
   already in the target store) through the same operations as step 3, so that the store's own rules (a
   third person in a direct message, an external user where the space does not allow them, a reaction by
   someone who has not joined, ...) are reported with the place of the item they refuse. A target store that
   is still empty needs none: step 3 builds in it directly, and a failure empties it again (``rollback``) —
   the same problems, the same untouched store, half the work.
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

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore, MemberRef, Space, User
from chat_grpc.fake.store.availability import CustomStatus
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.check import Checker
from chat_grpc.workspace.load_messages import IMPORT_SCOPES, MessageMaker
from chat_grpc.workspace.plain import ShapeReadings, without_cleared_messages
from chat_grpc.workspace.plan import (
    EmojiPlan,
    LoadedMessages,
    MemberPlan,
    Plan,
    SpacePlan,
    Who,
    Workspace,
)
from chat_grpc.workspace.read import SeedError, read_source
from chat_grpc.workspace.rollback import empty_store_restore
from chat_grpc.workspace.seeding import (
    SeedClock,
    SeedIds,
    app_actor,
    collector_resting,
    scratch_store,
    seeding,
    user_actor,
)

IMPORT_MODE_LIFETIME = timedelta(days=90)
MAX_PROBLEMS = 25


def _more(problems: list[str]) -> list[str]:
    return [f"... and {len(problems) - MAX_PROBLEMS} more problems"] if len(problems) > MAX_PROBLEMS else []


class _Loader(MessageMaker):
    """Steps 2 and 3: the plan, made through the store's operations."""

    def __init__(self, store: ChatStore, plan: Plan, clock: SeedClock, ids: SeedIds, *, dry_run: bool = False) -> None:
        self.store, self.plan, self.clock, self.ids, self.dry_run = store, plan, clock, ids, dry_run
        self.principals: dict[Who, User | App] = {}
        self.group_ids: dict[Who, str] = {}
        self.emoji_uids: dict[tuple[str, str], str] = {}
        self.spaces: list[tuple[SpacePlan, Space]] = []
        self.message_ids: dict[str, list[str]] = {}  # space id -> its message ids, by index (file order)

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
            self.principals[Who("user", f"user:{user.email.lower()}", user.email)] = user
        for app in store.apps():
            self.principals[Who("app", f"app:id:{app.id}", app.display_name)] = app
        for group in store.groups():
            self.group_ids[Who("group", f"group:id:{group.id}", group.display_name)] = group.id
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

    def user(self, who: Who) -> User:
        found = self.principals[who]
        assert isinstance(found, User)
        return found

    def app(self, who: Who) -> App:
        found = self.principals[who]
        assert isinstance(found, App)
        return found

    def actor(self, who: Who, via_app: Who | None = None) -> Actor:
        principal = self.principals[who]
        if isinstance(principal, App):
            return app_actor(principal)
        return user_actor(principal, self.app(via_app) if via_app else None)

    def _emoji(self, emoji_plan: EmojiPlan) -> None:
        creator = self.user(emoji_plan.creator)
        with (
            self.place(emoji_plan.path),
            self.clock.pinned(emoji_plan.create_time),
            self.ids.preset(("opaque", 16, emoji_plan.uid)),
        ):
            emoji = self.store.custom_emojis.create(
                user_actor(creator), emoji_plan.name, emoji_plan.filename, emoji_plan.content
            )
        self.emoji_uids[(emoji.customer, emoji.emoji_name)] = emoji.uid

    # -------------------------------------------------------------- spaces

    def _ref(self, who: Who) -> MemberRef:
        if who.kind == "group":
            return MemberRef("GROUP", self.group_ids[who])
        return MemberRef(who.member_kind, self.principals[who].id)

    def _space(self, plan: SpacePlan) -> None:
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

    def _set_up(self, plan: SpacePlan, template: Space, members: dict[Who, MemberPlan]) -> Space:
        """A GROUP_CHAT or DIRECT_MESSAGE, set up by its creator with the other people (SetUpSpace)."""
        everyone = [*(m.who for m in plan.members), *plan.former_members]
        others = [who for who in everyone if who.kind == "user" and who != plan.creator]
        apps = [who for who in everyone if who.kind == "app"]
        creator = self.user(plan.creator)

        def when(who: Who) -> datetime | None:
            member = members.get(who)
            return (member.create_time if member else None) or plan.create_time

        # The operation reads the clock for the space, then twice per member (the membership, its event).
        times = [plan.create_time, when(plan.creator), when(plan.creator)]
        if plan.space_type == "DIRECT_MESSAGE" and not others:
            template.single_user_bot_dm = True
            app = apps[0]
            with self.clock.pinned(*times, when(app)):
                space = self.store.set_up_space(user_actor(creator, self.app(app)), template, [])
            return space
        for who in others:
            times += [when(who), when(who)]
        with self.clock.pinned(*times):
            return self.store.set_up_space(user_actor(creator), template, [self._ref(who) for who in others])

    def _creator_joins_later(self, plan: SpacePlan) -> bool:
        listed = [m.who for m in plan.members]
        return (
            plan.space_type == "SPACE"
            and plan.creator.kind == "user"
            and plan.creator in listed
            and listed.index(plan.creator) > 0
        )

    def _importer(self, plan: SpacePlan) -> Actor:
        return Actor(self.user(plan.creator), AuthKind.USER, IMPORT_SCOPES)

    def _add_member(self, plan: SpacePlan, space: Space, who: Who, *, importing: bool = False) -> None:
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
                store.create_membership(app_actor(creator), space.id, MemberRef("HUMAN", helper.id))
                store.set_membership_state(space.id, helper.id, "JOINED")
                try:
                    store.create_membership(self._as_adder(helper, ref), space.id, ref)
                finally:
                    store.delete_membership(user_actor(helper), space.id, helper.id)
                return
        store.create_membership(app_actor(creator), space.id, ref)  # the store says why it cannot

    def _as_adder(self, person: User, ref: MemberRef) -> Actor:
        app = self.store.principal(ref.id) if ref.kind == "BOT" else None  # an app is added through its client
        return user_actor(person, app if isinstance(app, App) else None)

    def _adder(self, plan: SpacePlan, space: Space, ref: MemberRef) -> Actor | None:
        """Who adds a member: the creator (an app adds itself through a user's credentials) or, where the
        creator may not (an app creator adding a group, an app or an external user), a joined person."""
        creator = self.principals[plan.creator]
        if isinstance(creator, User):
            return self._as_adder(creator, ref)
        person = self.store.principal(ref.id) if ref.kind == "HUMAN" else None
        external = isinstance(person, User) and person.customer != space.customer
        if ref.kind == "HUMAN" and not external:
            return app_actor(creator)
        for membership in self.store.memberships(space.id):
            principal = self.store.principal(membership.member_id)
            if membership.member_kind == "HUMAN" and membership.state == "JOINED" and isinstance(principal, User):
                return self._as_adder(principal, ref)
        return None

    def _check_members(self, plan: SpacePlan, space: Space) -> None:
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

    # -------------------------------------------------------------- after the content

    def _finish_space(self, plan: SpacePlan, space: Space) -> None:
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
                        user_actor(user),
                        user.id,
                        space.id,
                        notification=member.notification_setting,
                        mute=member.mute_setting,
                    )
            if member.last_read_time is not None:
                store.read_states.set_read_time(self.user(member.who).id, space.id, "", member.last_read_time)
        for state in plan.thread_read_states:
            thread = self.message_ids[space.id][state.root].partition(".")[0]
            store.read_states.set_read_time(self.user(state.user).id, space.id, thread, state.last_read_time)
        for index in plan.pins:
            with self.place(f"{plan.path}.pins"):
                store.pins.seed(space.id, self.message_ids[space.id][index])
        # Former members leave, managers last (the last manager may leave only a space nobody else is in).
        roles = {m.member_id: m.role for m in store.memberships(space.id)}
        leaving = sorted(enumerate(plan.former_members), key=lambda e: roles.get(self._ref(e[1]).id) == "ROLE_MANAGER")
        for i, who in leaving:
            with self.place(f"{plan.path}.former_members[{i}]"), self.clock.pinned(None):
                self._leave(plan, space, who)

    def _role_actor(self, plan: SpacePlan) -> Actor:
        creator = self.principals[plan.creator]
        if plan.import_mode and isinstance(creator, User):
            return Actor(creator, AuthKind.USER, IMPORT_SCOPES)
        return self.actor(plan.creator)

    def _roles(self, plan: SpacePlan, space: Space) -> None:
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

    def _leave(self, plan: SpacePlan, space: Space, who: Who) -> None:
        store = self.store
        principal = self.principals[who]
        if plan.import_mode:
            store.delete_membership(self._importer(plan), space.id, principal.id)
        elif isinstance(principal, User):
            store.delete_membership(user_actor(principal), space.id, principal.id)
        else:  # an app leaves through a user's credentials issued to it (members/app)
            for membership in store.memberships(space.id):
                person = store.principal(membership.member_id)
                if isinstance(person, User):
                    store.delete_membership(user_actor(person, principal), space.id, principal.id)
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
        made_messages: list[tuple[str, list[str], list[str | None] | None]] = []
        for space_plan, made in self.spaces:
            space = all_spaces[made.id]
            unique = space_plan.display_name and names.count(space_plan.display_name) == 1
            spaces[space_plan.ref or (space_plan.display_name if unique else space.name)] = space
            refs = [m.ref for m in space_plan.messages]
            made_messages.append((space.id, self.message_ids[space.id], refs if any(refs) else None))
        emojis = {e.emoji_name: e for e in store.custom_emojis.emojis() if e.uid in set(self.emoji_uids.values())}
        made_emojis = {p.name for p in self.plan.emojis}
        return Workspace(
            users=users,
            apps=apps,
            groups=groups,
            spaces=spaces,
            custom_emojis={name: e for name, e in emojis.items() if name in made_emojis},
            messages=LoadedMessages(store, made_messages),
        )


def _check(store: ChatStore, source: str | os.PathLike[str] | Mapping[str, Any]) -> Plan:
    """Step 1 (no change to ``store``): the checked plan, or SeedError."""
    return _checked(store, *read_source(source))


def _checked(store: ChatStore, data: dict[str, Any], base_dir: Path) -> Plan:
    # the shape pass sees what the quick check of plain messages does not clear (the same places, the same words)
    times = ShapeReadings()  # what it read of create times and cleared, for the quick plan of plain messages
    shape, refused = workspace_schema.shape_problems(without_cleared_messages(data, times))
    if refused:
        data = workspace_schema.repaired(data, refused)
    try:
        plan = Checker(store, data, base_dir, times).check()
    except SeedError as error:
        found = shape + error.problems
        raise SeedError(found[:MAX_PROBLEMS] + _more(found)) from None
    if shape:
        raise SeedError(shape[:MAX_PROBLEMS] + _more(shape))
    return plan


def _dry_run(store: ChatStore, plan: Plan) -> None:
    """Step 2 (no change to ``store``, but one reading of its clock: the scratch store's start)."""
    scratch = scratch_store(store)
    with seeding(scratch) as (clock, ids):
        _Loader(scratch, plan, clock, ids, dry_run=True).load()


def _build(store: ChatStore, plan: Plan) -> Workspace:
    with seeding(store) as (clock, ids):
        made = _Loader(store, plan, clock, ids).load()
    assert made is not None
    return made


def load_workspace(store: ChatStore, source: str | os.PathLike[str] | Mapping[str, Any]) -> Workspace:
    """Load a workspace file (a path to JSON or YAML, or the mapping itself) into ``store``.

    Raises SeedError, naming the place of each problem, before anything is loaded. An empty store is built
    straight into, without the dry run: a failure empties it again (``rollback``)."""
    with store.lock, collector_resting():
        plan = _check(store, source)
        restore = empty_store_restore(store)
        if restore is None:
            _dry_run(store, plan)
            return _build(store, plan)
        store.clock.now()  # what the dry run reads of it, so the times are those of a load with one
        restore = empty_store_restore(store)  # from this reading on
        assert restore is not None
        try:
            return _build(store, plan)
        except BaseException:
            restore()
            raise
