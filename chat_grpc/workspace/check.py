"""Workspace files, checking references and rules (step 1 of ``load``): the whole file, its spaces, members,
messages, reactions and read states (``check_people`` checks the directory)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from google.apps.card.v1 import card_pb2
from google.chat.v1 import message_pb2
from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.store import ChatStore
from chat_grpc.fake.store.model import PERMISSION_SETTINGS, default_permission_settings
from chat_grpc.fake.store.pins import MAX_PINS_PER_SPACE
from chat_grpc.fake.store.reactions import check_unicode_emoji
from chat_grpc.workspace.check_people import Node, PeopleChecker
from chat_grpc.workspace.plain import ShapeReadings, cleared_run, plain_plan
from chat_grpc.workspace.plan import (
    AnyMessagePlan,
    AttachmentPlan,
    MemberPlan,
    MessagePlan,
    Plan,
    ReactionPlan,
    SpacePlan,
    ThreadReadPlan,
    Who,
)
from chat_grpc.workspace.read import SeedError
from chat_grpc.workspace.schema import (
    DELETION_TYPES,
    HISTORY_STATES,
    MUTE_SETTINGS,
    NOTIFICATION_SETTINGS,
    PREDEFINED,
    ROLES,
    SPACE_TYPES,
    STATES,
)


class Checker(PeopleChecker):
    """Step 1: the file's schema and references -> a plan whose references are resolved. ``times``: create
    times the shape pass already read (text -> ``parse_time`` of it), if any."""

    def __init__(
        self, store: ChatStore, data: Mapping[str, Any], base_dir: Path, times: dict[str, datetime] | None = None
    ) -> None:
        super().__init__(store, data, base_dir)
        self.times: dict[str, datetime] = {} if times is None else times

    # -------------------------------------------------------------- the whole file

    def check(self) -> Plan:
        root = Node(self, "", self.data)
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
        return Plan(users, apps, groups, emojis, spaces, disabled)

    # -------------------------------------------------------------- spaces

    def _space(self, path: str, value: object) -> SpacePlan | None:
        node = Node(self, path, value)
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
        former: list[Who] = []
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
        plan = SpacePlan(
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

    def _pins(self, node: Node, plan: SpacePlan) -> None:
        raw = node.raw("pins")
        if not isinstance(raw, list):
            return  # none (or the shape pass says what is wrong): the space's messages are not looked up
        refs: dict[str, int] = {}
        for message in plan.messages:
            labels = (message.ref, message.id, message.client_id)
            for label in labels if any(labels) else ():
                if label:
                    refs[label] = message.index
        by_index = {m.index: m for m in plan.messages}
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

    def _permission_settings(self, node: Node) -> dict[str, tuple[bool, bool]]:
        predefined = node.choice("predefined_permissions", PREDEFINED, "COLLABORATION_SPACE") or ""
        settings = {
            name: (value.managers_allowed, value.members_allowed)
            for name, value in default_permission_settings(predefined).items()
        }
        raw = node.raw("permission_settings")
        if raw is None:
            return settings
        inner = Node(self, node.at("permission_settings"), raw)
        for name in PERMISSION_SETTINGS:
            if inner.has(name):
                rule = Node(self, inner.at(name), inner.raw(name))
                managers, members = settings[name]
                settings[name] = (rule.flag("managers_allowed", managers), rule.flag("members_allowed", members))
        return settings

    def _member(self, path: str, value: object, space_type: str) -> MemberPlan | None:
        node = Node(self, path, value)
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
        return MemberPlan(
            path=path,
            who=who,
            role=role,
            state=state,
            create_time=node.time("create_time"),
            notification_setting=node.choice("notification_setting", NOTIFICATION_SETTINGS),
            mute_setting=node.choice("mute_setting", MUTE_SETTINGS),
            last_read_time=node.time("last_read_time"),
        )

    def default_state(self, plan: SpacePlan, member: MemberPlan) -> str:
        if member.state is not None:
            return member.state
        if member.who == plan.creator or member.who.kind != "user":
            return "JOINED"
        person = self.person(member.who)
        invited = plan.space_type == "SPACE" and not plan.import_mode and not person.auto_accept
        return "INVITED" if invited else "JOINED"

    def _membership_rules(self, node: Node, plan: SpacePlan) -> None:
        seen: set[Who] = set()
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

    def _joined(self, plan: SpacePlan) -> dict[Who, str]:
        """Who can act in the space while it is loaded: member -> state (former members are JOINED)."""
        states = {m.who: self.default_state(plan, m) for m in plan.members}
        if not plan.import_mode:
            states.setdefault(plan.creator, "JOINED")
        for who in plan.former_members:
            states[who] = "JOINED"
        return states

    def _messages(self, node: Node, plan: SpacePlan) -> None:
        states = self._joined(plan)
        refs: dict[str, int] = {}  # ref, id and client id -> message index
        ids: set[str] = set()
        thread_keys: dict[tuple[Who | None, str], int] = {}  # (scope, key) -> root index
        checked: list[AnyMessagePlan | None] = []  # by index (None: a message with problems)
        senders: dict[str, Who] = {}  # what the file writes -> who, once a message of theirs passed the checks
        times = self.times
        values = node.raw("messages")
        values = values if isinstance(values, list) else []
        prefix = f"{node.path}.messages["  # node.items' paths, made only where needed
        # A space the quick shape check cleared whole is planned in runs, each message of a run as plain_plan
        # plans it; what a run stops at takes the path below (plain_plan, else the general pass).
        cleared = isinstance(times, ShapeReadings) and times.cleared_whole(values)
        index = 0
        while index < len(values):
            if cleared:
                index = cleared_run(prefix, values, index, plan, senders, thread_keys, times, refs, checked)
                if index == len(values):
                    break
            value = values[index]
            message: AnyMessagePlan | None = plain_plan(prefix, value, index, plan, senders, thread_keys, times)
            if message is None:
                message = self._message(f"{prefix}{index}]", value, index, plan, states, refs, thread_keys, checked)
                if message is not None and message.via_app is None and type(value["sender"]) is str:
                    senders[value["sender"]] = message.sender
            checked.append(message)
            if message is not None:
                plan.messages.append(message)
                ref, message_id, client_id = message.ref, message.id, message.client_id
                if message_id is not None:
                    if message_id in ids:
                        self.problem(f"{message.path}.id", f"message id {message_id} is used twice in this space")
                    ids.add(message_id)
                for label in (ref, message_id, client_id) if ref or message_id or client_id else ():
                    if label:
                        if label in refs and label != message.id:
                            self.problem(message.path, f"{label!r} names two messages of this space")
                        refs[label] = index
            index += 1

    def _message(
        self,
        path: str,
        value: object,
        index: int,
        plan: SpacePlan,
        states: dict[Who, str],
        refs: dict[str, int],
        thread_keys: dict[tuple[Who | None, str], int],
        checked: list[AnyMessagePlan | None],
    ) -> MessagePlan | None:
        node = Node(self, path, value)
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
        message = MessagePlan(
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
        seen: set[tuple[Who, str]] = set()
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

    def _can_act(self, path: str, who: Who, plan: SpacePlan, states: dict[Who, str], what: str) -> None:
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

    def _cards(self, node: Node, is_app: bool) -> tuple[tuple[str, bytes], ...]:
        cards = []
        for path, raw in node.items("cards_v2"):
            inner = Node(self, path, raw)
            card = self._proto(inner.at("card"), inner.raw("card") or {}, card_pb2.Card())
            if card is not None:
                cards.append((inner.text("card_id"), card))
        if cards and not is_app:
            self.problem(node.at("cards_v2"), "only a Chat app sends cards")
        ids = [card_id for card_id, _ in cards]
        if len(ids) > 1 and (not all(ids) or len(set(ids)) != len(ids)):
            self.problem(node.at("cards_v2"), "card_id is required, and unique, when a message has several cards")
        return tuple(cards)

    def _widgets(self, node: Node, is_app: bool) -> tuple[bytes, ...]:
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

    def _attachment(self, path: str, value: object) -> AttachmentPlan | None:
        node = Node(self, path, value)
        name, content_type = node.text("name", required=True), node.text("content_type", required=True)
        attachment_id = self._id(node)
        if not (node.ok and name and content_type):
            return None
        return AttachmentPlan(path, name, content_type, attachment_id)

    def _reaction(self, path: str, value: object, plan: SpacePlan, states: dict[Who, str]) -> ReactionPlan | None:
        node = Node(self, path, value)
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
        return ReactionPlan(path, user, unicode, custom, self._id(node), node.time("create_time"))

    def _thread_read_states(self, node: Node, plan: SpacePlan) -> None:
        items = node.items("thread_read_states")
        if not items:
            return  # the space's messages are not looked up
        states = self._joined(plan)
        refs: dict[str, int] = {}
        for message in plan.messages:
            if message is not None:
                for label in (message.ref, message.id, message.client_id):
                    if label:
                        refs[label] = message.root
                if message.id:
                    refs.setdefault(message.id.partition(".")[0], message.root)
        for path, value in items:
            inner = Node(self, path, value)
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
                plan.thread_read_states.append(ThreadReadPlan(path, user, refs[thread], when))
