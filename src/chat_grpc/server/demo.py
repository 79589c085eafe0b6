"""A small demo workspace for ``make run``: a few people, a Chat app, spaces of every kind, a conversation."""

from __future__ import annotations

from dataclasses import dataclass

from chat_grpc.server.auth import APP_SCOPES, USER_SCOPES
from chat_grpc.server.store import Actor, App, AuthKind, ChatStore, MemberRef, Space, User
from chat_grpc.server.store.messages import MessageContent, ThreadRequest

ALICE_ID, BOB_ID, CAROL_ID, DAVE_ID, APP_ID = (f"1000000000000000000{n:02d}" for n in range(1, 6))


@dataclass(frozen=True)
class DemoWorkspace:
    alice: User  # Workspace admin, manages the spaces she created
    bob: User
    carol: User  # auto-accept off: added to spaces, she is INVITED
    dave: User  # in another organization
    app: App
    spaces: dict[str, Space]


def _as_user(user: User, app: App | None = None) -> Actor:
    return Actor(user, AuthKind.USER, USER_SCOPES, app=app)


def seed_demo(store: ChatStore) -> DemoWorkspace:
    alice = store.add_user("alice@example.com", "Alice Admin", user_id=ALICE_ID, is_admin=True)
    bob = store.add_user("bob@example.com", "Bob Builder", user_id=BOB_ID)
    carol = store.add_user("carol@example.com", "Carol Cautious", user_id=CAROL_ID, auto_accept=False)
    dave = store.add_user("dave@partner.example", "Dave Partner", user_id=DAVE_ID, customer="customers/C0partner")
    app = store.add_app("Demo Bot", app_id=APP_ID)
    as_alice = _as_user(alice, app)

    def space(name: str, **fields: object) -> Space:
        return Space(id="", space_type="SPACE", display_name=name, customer=alice.customer, **fields)  # type: ignore[arg-type]

    falcon = store.create_space(as_alice, space("Project Falcon", description="Where the falcon team talks"))
    for member in (bob, carol):
        store.create_membership(as_alice, falcon.id, MemberRef("HUMAN", member.id))
    store.create_membership(as_alice, falcon.id, MemberRef("BOT", app.id))
    news = store.create_space(as_alice, space("Announcements"), predefined="ANNOUNCEMENT_SPACE")
    store.create_membership(as_alice, news.id, MemberRef("HUMAN", bob.id))
    partners = store.create_space(as_alice, space("Partners", external_user_allowed=True))
    store.create_membership(as_alice, partners.id, MemberRef("HUMAN", dave.id))
    dm = store.set_up_space(as_alice, Space(id="", space_type="DIRECT_MESSAGE"), [MemberRef("HUMAN", bob.id)])
    group = store.set_up_space(
        as_alice, Space(id="", space_type="GROUP_CHAT"), [MemberRef("HUMAN", bob.id), MemberRef("HUMAN", carol.id)]
    )
    app_space = store.create_space(
        Actor(app, AuthKind.APP, APP_SCOPES, app=app), space("Bot Lab", description="Created by the demo app")
    )
    _converse(store, falcon, as_alice, _as_user(bob), Actor(app, AuthKind.APP, APP_SCOPES, app=app))
    store.messages.create(as_alice, dm.id, MessageContent(text="Lunch at noon?"), ThreadRequest())
    store.messages.create(as_alice, group.id, MessageContent(text="Welcome, both of you!"), ThreadRequest())
    spaces = {"falcon": falcon, "announcements": news, "partners": partners, "dm": dm, "group": group}
    return DemoWorkspace(alice, bob, carol, dave, app, {**spaces, "bot_lab": app_space})


def _converse(store: ChatStore, space: Space, alice: Actor, bob: Actor, app: Actor) -> None:
    """A short threaded conversation with a mention, a reply, an app message and a reaction."""
    kickoff = store.messages.create(
        alice,
        space.id,
        MessageContent(text=f"Kick-off today at 10:00, <users/{BOB_ID}> can you bring the plan?"),
        ThreadRequest(key="kickoff", reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"),
    )
    store.messages.create(
        bob,
        space.id,
        MessageContent(text="On it!"),
        ThreadRequest(name=kickoff.thread_id, reply_option="REPLY_MESSAGE_OR_FAIL"),
    )
    store.messages.create(app, space.id, MessageContent(text="Reminder: the build is green."), ThreadRequest())
    store.reactions.create(bob, space.id, kickoff.id, unicode="\N{THUMBS UP SIGN}")
