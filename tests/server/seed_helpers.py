"""Helpers for the workspace-file tests: what a store shows through the API (to compare two stores), and a
randomized workspace made through the store's domain operations, as RPCs would make it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from google.protobuf import json_format

from chat_grpc.fake import codec
from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES
from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore, MemberRef, Space, SpaceChanges, User
from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest
from tests.server.test_custom_emojis import png


def _json(message: Any) -> dict[str, Any]:
    found: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return found


def as_user(user: User, app: App | None = None) -> Actor:
    return Actor(user, AuthKind.USER, USER_SCOPES, app=app)


def as_app(app: App) -> Actor:
    return Actor(app, AuthKind.APP, APP_SCOPES, app=app)


def _message(message: Any) -> dict[str, Any]:
    """A message as GetMessage shows it; its emoji reaction summaries in a canonical order (their order follows
    the history of the reactions, which a workspace file does not keep)."""
    shown = _json(codec.message_to_proto(message))
    if "emoji_reaction_summaries" in shown:
        shown["emoji_reaction_summaries"].sort(key=repr)
    return shown


def observe(store: ChatStore) -> dict[str, Any]:
    """Everything a client can see of the store (as the handlers render it), plus the directory: two stores
    that observe the same are the same workspace for every RPC."""
    users = {u.id: u for u in store.users()}
    result: dict[str, Any] = {
        "users": [
            (
                u.id,
                u.email,
                u.display_name,
                u.customer,
                u.is_admin,
                u.auto_accept,
                u.can_manage_custom_emojis,
                *sorted(u.blocked_user_ids),
            )
            for u in users.values()
        ],
        "apps": [(a.id, a.display_name, a.customer) for a in store.apps()],
        "groups": [(g.id, g.display_name, sorted(g.member_ids)) for g in store.groups()],
        "emojis": [
            (_json(codec.custom_emoji_to_proto(e)), e.customer, e.creator_id, e.filename, e.file_content, e.create_time)
            for e in store.custom_emojis.emojis()
        ],
        "emojis_enabled": {c: store.custom_emojis.enabled(c) for c in {u.customer for u in users.values()}},
    }
    read_states = {(r.user_id, r.space_id, r.thread_id): r.last_read_time for r in store.read_states.all()}
    settings = {  # a setting changed back to the defaults reads like one never changed
        (s.user_id, s.space_id): (s.notification_setting, s.mute_setting)
        for s in store.notification_settings.all()
        if (s.notification_setting, s.mute_setting) != ("ALL", "UNMUTED")
    }
    spaces = []
    for space in sorted(store.spaces(), key=lambda s: s.id):
        members = store.memberships(space.id)
        member_ids = {m.member_id for m in members}
        messages = store.messages.all(space.id)
        spaces.append(
            {
                "space": _json(codec.space_to_proto(space, member_counts=store.joined_human_count(space.id))),
                "creator": (space.creator_key, space.created_by_app, space.has_messages),
                "members": [_json(codec.membership_to_proto(m)) for m in members],
                "messages": [_message(m) for m in messages],
                "message_keys": [m.key for m in messages],
                "reactions": {
                    m.id: [
                        (_json(codec.reaction_to_proto(r)), r.create_time) for r in store.reactions.all(space.id, m.id)
                    ]
                    for m in messages
                },
                "thread_keys": store.messages.thread_keys(space.id),
                # what members can read of their own read states and settings (the others are not observable)
                "read_states": {k: v for k, v in read_states.items() if k[1] == space.id and k[0] in member_ids},
                "settings": {k: v for k, v in settings.items() if k[1] == space.id and k[0] in member_ids},
            }
        )
    result["spaces"] = spaces
    result["pins"] = [(pin.name, pin.message_name) for pin in store.pins.all()]
    result["sections"] = {
        u.id: (store.sections.sections_of(u.id), store.sections.items_of(u.id)) for u in users.values()
    }
    result["availability"] = sorted(store.availability.all(), key=lambda a: a.user_id)
    return result


# ------------------------------------------------------------------ a randomized workspace

EMOJIS = ["\N{THUMBS UP SIGN}", "\N{HEAVY BLACK HEART}\N{VARIATION SELECTOR-16}", "\N{PARTY POPPER}", "\N{EYES}"]


def random_workspace(store: ChatStore, clock: ManualClock, seed: int, steps: int = 220) -> dict[str, int]:
    """Spaces of every kind (one imported, one turned from a group chat into a space), then ``steps`` random
    operations: members come, leave and change roles, people post, reply, edit, delete, react, read, mute,
    block. Failing operations (the store's rules) are skipped. Returns how many of each operation succeeded."""
    rng = random.Random(seed)
    people = [
        store.add_user(f"user{i}@example.com", f"User {i}", is_admin=i == 0, auto_accept=i % 4 != 3) for i in range(8)
    ]
    people.append(store.add_user("ext@partner.example", "Ext", customer="customers/C0partner"))
    apps = [store.add_app("Bot One"), store.add_app("Bot Two")]
    group = store.add_group("Crew", [people[1].id, people[2].id])
    for i, person in enumerate(people[:3]):
        store.custom_emojis.create(as_user(person), f":e{i}:", f"e{i}.png", png())
    done: dict[str, int] = {}

    def attempt(name: str, action: Any) -> Any:
        try:
            result = action()
        except ChatError:
            return None
        done[name] = done.get(name, 0) + 1
        return result

    def tick() -> None:
        clock.advance(timedelta(seconds=rng.randint(1, 600), microseconds=rng.randint(0, 999_999)))

    spaces: list[Space] = []
    for i in range(4):
        owner = people[i]
        predefined = "ANNOUNCEMENT_SPACE" if i == 1 else ""
        template = Space(
            id="", space_type="SPACE", display_name=f"Space {i}", customer=owner.customer, external_user_allowed=i == 2
        )
        spaces.append(store.create_space(as_user(owner), template, predefined=predefined))
        tick()
    spaces.append(
        store.create_space(
            as_app(apps[0]), Space(id="", space_type="SPACE", display_name="Bot space", customer=apps[0].customer)
        )
    )
    spaces.append(
        store.set_up_space(
            as_user(people[0]), Space(id="", space_type="DIRECT_MESSAGE"), [MemberRef("HUMAN", people[1].id)]
        )
    )
    spaces.append(
        store.set_up_space(
            as_user(people[2], apps[1]), Space(id="", space_type="DIRECT_MESSAGE", single_user_bot_dm=True), []
        )
    )
    chat = store.set_up_space(
        as_user(people[3]),
        Space(id="", space_type="GROUP_CHAT", customer=people[3].customer),
        [MemberRef("HUMAN", people[4].id), MemberRef("HUMAN", people[5].id), MemberRef("HUMAN", people[6].id)],
    )
    spaces.append(chat)
    # A space imported with history, then completed; another left in import mode.
    importer = Actor(people[1], AuthKind.USER, frozenset({"chat.import"}))
    for name, complete in (("Imported", True), ("Importing", False)):
        past = clock.now() - timedelta(days=400)
        imported = store.create_space(
            importer,
            Space(
                id="",
                space_type="SPACE",
                display_name=name,
                customer=people[1].customer,
                import_mode=True,
                create_time=past,
            ),
        )
        store.create_membership(importer, imported.id, MemberRef("HUMAN", people[3].id), create_time=past)
        for n in range(3):
            when = past + timedelta(days=n + 1)
            store.messages.create(
                importer, imported.id, MessageContent(text=f"old {n}"), ThreadRequest(), create_time=when
            )
        if complete:
            store.complete_import(importer, imported.id)
        spaces.append(imported)
    tick()
    # the group chat becomes a space, by one of its members
    attempt(
        "convert",
        lambda: store.update_space(
            as_user(people[4]),
            chat.id,
            SpaceChanges(
                paths=frozenset({"space_type", "display_name"}), space_type="SPACE", display_name="Was a chat"
            ),
        ),
    )
    live = [s for s in spaces if not s.import_mode]

    def member_ids(space: Space) -> list[str]:
        return [m.member_id for m in store.memberships(space.id)]

    def a_member(space: Space) -> User | App | None:
        ids = member_ids(space)
        if not ids:
            return None
        found = store.principal(rng.choice(ids))
        return found

    def actor_for(who: User | App) -> Actor:
        if isinstance(who, App):
            return as_app(who)
        return as_user(who, rng.choice([None, None, apps[0]]))

    def step() -> None:
        tick()
        space = rng.choice(live)
        who = a_member(space)
        if who is None:
            return
        actor = actor_for(who)
        kind = rng.random()
        book = store.messages
        messages = [m for m in book.all(space.id)]
        if kind < 0.30:
            reply_to = rng.choice(messages) if messages and rng.random() < 0.4 else None
            thread = (
                ThreadRequest(name=reply_to.thread_id, reply_option="REPLY_MESSAGE_OR_FAIL")
                if reply_to
                else ThreadRequest(key=rng.choice(["a", "b", ""]), reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
                if rng.random() < 0.3
                else ThreadRequest()
            )
            tokens: tuple[str, ...] = ()
            if rng.random() < 0.15 and isinstance(who, User):
                tokens = (book.upload(space.id, "notes.txt", "text/plain"),)
            viewer = ""
            if isinstance(who, App) and rng.random() < 0.3:
                humans = [m.member_id for m in store.memberships(space.id) if m.member_kind == "HUMAN"]
                viewer = rng.choice(humans) if humans else ""
            mention = f" <users/{rng.choice(people).id}>" if rng.random() < 0.2 else ""
            attempt(
                "post",
                lambda: book.create(
                    actor,
                    space.id,
                    MessageContent(text=f"message {rng.random():.6f}{mention}", attachment_tokens=tokens),
                    thread,
                    client_id=f"client-m{rng.randint(0, 10**9)}" if rng.random() < 0.2 else "",
                    private_viewer_id=viewer,
                ),
            )
        elif kind < 0.40 and messages:
            target = rng.choice(messages)
            attempt(
                "edit",
                lambda: book.update(actor, space.id, target.id, MessageContent(text="edited"), frozenset({"text"})),
            )
        elif kind < 0.46 and messages:
            target = rng.choice(messages)
            attempt("delete", lambda: book.delete(actor, space.id, target.id, force=rng.random() < 0.5))
        elif kind < 0.60 and messages and isinstance(who, User):
            target = rng.choice(messages)
            if rng.random() < 0.3:
                emojis = store.custom_emojis.emojis(who.customer)
                if emojis:
                    uid = rng.choice(emojis).uid
                    attempt("react", lambda: store.reactions.create(actor, space.id, target.id, custom_emoji_uid=uid))
            else:
                emoji = rng.choice(EMOJIS)
                attempt("react", lambda: store.reactions.create(actor, space.id, target.id, unicode=emoji))
        elif kind < 0.64 and messages and isinstance(who, User):
            target = rng.choice(messages)
            mine = [r for r in store.reactions.all(space.id, target.id) if r.user_id == who.id]
            if mine:
                attempt("unreact", lambda: store.reactions.delete(actor, space.id, target.id, mine[0].id))
        elif kind < 0.74:
            newcomer = rng.choice([*people, apps[0], apps[1], group])
            if newcomer.id in member_ids(space) or space.creator_key == f"users/{newcomer.id}":
                return  # a creator who left stays out (a load lists the creator first)
            if isinstance(newcomer, App):
                if not isinstance(who, User):
                    return
                adder = as_user(who, newcomer)
                ref = MemberRef("BOT", newcomer.id)
            else:
                adder = actor
                ref = MemberRef("GROUP" if newcomer is group else "HUMAN", newcomer.id)
            attempt("join", lambda: store.create_membership(adder, space.id, ref))
        elif kind < 0.79 and isinstance(who, User):
            if space.creator_key != who.name or rng.random() < 0.3:
                attempt("leave", lambda: store.delete_membership(actor, space.id, who.id))
        elif kind < 0.84 and isinstance(who, User):
            target_id = rng.choice(member_ids(space))
            role = rng.choice(["ROLE_MANAGER", "ROLE_MEMBER"])
            attempt("role", lambda: store.update_membership_role(actor, space.id, target_id, role))
        elif kind < 0.88 and isinstance(who, User):
            when = clock.now() - timedelta(minutes=rng.randint(0, 300))
            attempt("read", lambda: store.read_states.update_space_state(actor, who.id, space.id, when))
        elif kind < 0.92 and isinstance(who, User):
            notification = rng.choice(["ALL", "OFF", "FOR_YOU", None])
            mute = rng.choice(["MUTED", "UNMUTED", None])
            attempt(
                "settings",
                lambda: store.notification_settings.update(
                    actor, who.id, space.id, notification=notification, mute=mute
                ),
            )
        elif kind < 0.95 and space.space_type == "SPACE":
            setting = rng.choice(["post_messages", "reply_messages", "manage_members_and_groups"])
            store.set_space_permission(space.id, setting, managers=True, members=rng.random() < 0.5)
            done["permissions"] = done.get("permissions", 0) + 1
        elif kind < 0.97 and isinstance(who, User) and space.space_type == "SPACE":
            changes = SpaceChanges(paths=frozenset({"space_details"}), description=f"about {rng.randint(0, 99)}")
            attempt("details", lambda: store.update_space(actor, space.id, changes))
        else:
            a, b = rng.sample(people, 2)
            store.block(a.id, b.id)

    for _ in range(steps):
        step()

    # The RPCs added after the reference: pins, sections and their items, availability.
    for space in live:
        pinner = next((p for p in people if p.id in member_ids(space)), None)
        candidates = [m for m in store.messages.all(space.id) if m.delete_time is None and not m.private_viewer_id]
        for message in rng.sample(candidates, k=min(2, len(candidates))) if pinner else []:
            attempt("pin", lambda m=message, u=pinner, s=space: store.pins.create(as_user(u), s.id, m.name))
    for person in people[:4]:
        actor = as_user(person)
        section = attempt("section", lambda a=actor, p=person: store.sections.create(a, p.id, "CUSTOM_SECTION", "Mine"))
        items = store.sections.items_of(person.id)
        if section is not None and items:
            item = rng.choice(items)
            attempt(
                "move",
                lambda a=actor, p=person, i=item, s=section: store.sections.move_item(
                    a, p.id, i.section_id, i.space_id, s.name
                ),
            )
        tick()
        if rng.random() < 0.5:
            attempt(
                "dnd",
                lambda a=actor, p=person: store.availability.mark(a, p.id, "DO_NOT_DISTURB", ttl=timedelta(hours=2)),
            )
        attempt(
            "status",
            lambda a=actor, p=person: store.availability.set_custom_status(a, p.id, ("Busy", "🐝", None, None)),
        )
    store.custom_emojis.set_manager(people[2].id)
    store.custom_emojis.set_enabled("customers/C0partner", False)
    store.set_space_permission(spaces[0].id, "manage_apps", managers=True, members=False)
    return done
