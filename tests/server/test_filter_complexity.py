"""A filtered page costs what the page holds, not what the collection holds (issue 18, item 3).

Guarded by counting store steps, not by timing: the store counts the entries its list calls read
(``ChatStore.steps``), and for every filter the API documents — rare matches included, where a scan would read the
whole collection to find nothing more — the first page over a collection ten times larger must read no more
entries than over the small one, give or take a small constant. Every call goes through the protocol-neutral core,
so the handlers' parsing and auth rules are the ones in use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from google.chat.v1 import membership_pb2, message_pb2, reaction_pb2, space_event_pb2, space_pb2

from chat_grpc.fake.auth import USER_SCOPES
from chat_grpc.fake.core import PlainDoor
from chat_grpc.fake.store import Actor, AuthKind, MemberRef, Space, SpaceChanges
from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest
from chat_grpc.server import ChatServer, ManualClock
from tests.server.test_custom_emojis import png

SMALL, LARGE = 100, 1000
PAGE = 20
SLACK = 12  # steps a page may take beyond the small collection's (bisections, merge heads, a compaction's leftovers)

MESSAGE_CREATED = "google.workspace.chat.message.v1.created"
MESSAGE_DELETED = "google.workspace.chat.message.v1.deleted"
MEMBERSHIP_CREATED = "google.workspace.chat.membership.v1.created"
MEMBERSHIP_UPDATED = "google.workspace.chat.membership.v1.updated"
REACTION_CREATED = "google.workspace.chat.reaction.v1.created"
SPACE_UPDATED = "google.workspace.chat.space.v1.updated"


def rfc3339(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


@dataclass
class World:
    """``n`` of each crowd: invited users, joined users (each reacting 👍 to one message), messages, spaces; and the
    few rare records every filter below picks out of the crowds."""

    chat: ChatServer
    token: str
    space: str  # spaces/…: the crowded space (memberships, reactions, events)
    message: str  # its message with n reactions
    chatter: str  # spaces/…: n messages
    thread: str  # spaces/…/threads/…: a thread of the chatter space with a few replies, started early
    window: tuple[str, str]  # create_time bounds around two messages in the middle of the chatter space
    late: str  # a time after every crowd, before the rare records
    last_user: str  # users/…: the last joined member
    emoji_uid: str

    def call(self, rpc: str, request: Any) -> Any:
        return self.chat.core.serve(rpc, request, PlainDoor(headers=(("authorization", f"Bearer {self.token}"),)))


def build(n: int) -> World:
    clock = ManualClock()
    chat = ChatServer(seed=11, clock=clock)  # not started: calls go straight to its core
    store = chat.store
    alice = store.add_user("alice@example.com", "Alice", is_admin=True)
    me = Actor(alice, AuthKind.USER, USER_SCOPES)
    app = store.add_app("Helper Bot")
    group = store.add_group("Engineers")

    # The crowded space: alice (manager), the app, a group, n invited users, then n joined users.
    space = store.create_space(me, Space(id="", space_type="SPACE", display_name="Crowd", customer=alice.customer))
    store.create_membership(Actor(alice, AuthKind.USER, USER_SCOPES, app=app), space.id, MemberRef("BOT", app.id))
    store.create_membership(me, space.id, MemberRef("GROUP", group.id))
    for i in range(n):
        user = store.add_user(f"invited{i}@example.com", auto_accept=False)
        store.create_membership(me, space.id, MemberRef("HUMAN", user.id))
    joined = []
    for i in range(n):
        user = store.add_user(f"joined{i}@example.com")
        store.create_membership(me, space.id, MemberRef("HUMAN", user.id))
        joined.append(user)
    message = store.messages.create(me, space.id, MessageContent(text="React to me"), ThreadRequest())
    for user in joined:
        store.reactions.create(Actor(user, AuthKind.USER, USER_SCOPES), space.id, message.id, unicode="👍")

    # The chatter space: n messages a second apart; a thread started first and replied to last.
    chatter = store.create_space(me, Space(id="", space_type="SPACE", display_name="Chatter", customer=alice.customer))
    reply_to = ThreadRequest(reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
    root = store.messages.create(me, chatter.id, MessageContent(text="thread root"), reply_to)
    middle: list[Any] = []
    for i in range(n):
        clock.advance(timedelta(seconds=1))
        posted = store.messages.create(me, chatter.id, MessageContent(text=f"chatter {i}"), ThreadRequest())
        if i in (n // 2, n // 2 + 1):
            middle.append(posted.create_time)
    clock.advance(timedelta(seconds=1))
    for i in range(3):
        thread = ThreadRequest(name=root.thread_id, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        store.messages.create(me, chatter.id, MessageContent(text=f"reply {i}"), thread)

    # n spaces of alice's organization, for SearchSpaces.
    for i in range(n):
        store.create_space(me, Space(id="", space_type="SPACE", display_name=f"Room {i}", customer=alice.customer))

    # The rare records, after every crowd.
    clock.advance(timedelta(minutes=5))
    late = clock.now()
    clock.advance(timedelta(minutes=5))
    emoji = store.custom_emojis.create(me, ":partyparrot:", "parrot.png", png())
    store.reactions.create(me, space.id, message.id, unicode="🎉")
    store.reactions.create(me, space.id, message.id, custom_emoji_uid=emoji.uid)
    rare = store.messages.create(me, space.id, MessageContent(text="a zanzibar sighting"), ThreadRequest())
    store.messages.delete(me, space.id, rare.id, force=False)
    store.update_membership_role(me, space.id, joined[-1].id, "ROLE_MANAGER")
    store.update_space(me, space.id, SpaceChanges(frozenset({"display_name"}), display_name="Crowd, renamed"))
    store.messages.create(me, chatter.id, MessageContent(text="the zanzibar report"), ThreadRequest())
    odd = Space(
        id="",
        space_type="SPACE",
        display_name="Zebra crossing",
        customer=alice.customer,
        external_user_allowed=True,
        history_state="HISTORY_OFF",
    )
    store.create_space(me, odd)
    clock.advance(timedelta(minutes=5))
    return World(
        chat=chat,
        token=chat.token_for(alice),
        space=space.name,
        message=message.name,
        chatter=chatter.name,
        thread=root.thread_name,
        window=(rfc3339(middle[0] - timedelta(microseconds=1)), rfc3339(middle[1] + timedelta(microseconds=1))),
        late=rfc3339(late),
        last_user=f"users/{joined[-1].id}",
        emoji_uid=emoji.uid,
    )


# (RPC, request for a world, how many results the first page must hold)
Case = tuple[str, Callable[[World], Any], int]


def events(types: str, extra: str = "") -> Callable[[World], Any]:
    def request(w: World) -> Any:
        text = " OR ".join(f'event_types:"{t}"' for t in types.split())
        text = f"({text})" if " OR " in text and extra else text
        return space_event_pb2.ListSpaceEventsRequest(
            parent=w.space, filter=text + (extra.replace("LATE", w.late) if extra else ""), page_size=PAGE
        )

    return request


def memberships(text: str, **options: Any) -> Callable[[World], Any]:
    return lambda w: membership_pb2.ListMembershipsRequest(parent=w.space, filter=text, page_size=PAGE, **options)


def reactions(text: str) -> Callable[[World], Any]:
    return lambda w: reaction_pb2.ListReactionsRequest(
        parent=w.message,
        filter=text.replace("UID", w.emoji_uid).replace("LAST", w.last_user),
        page_size=PAGE,
    )


def messages(text: str, order_by: str = "") -> Callable[[World], Any]:
    def request(w: World) -> Any:
        wanted = text.replace("THREAD", w.thread).replace("LOW", w.window[0]).replace("HIGH", w.window[1])
        wanted = wanted.replace("LATE", w.late)
        return message_pb2.ListMessagesRequest(parent=w.chatter, filter=wanted, order_by=order_by, page_size=PAGE)

    return request


def search_spaces(extra: str, order_by: str = "") -> Callable[[World], Any]:
    base = 'customer = "customers/my_customer" AND space_type = "SPACE"'
    return lambda w: space_pb2.SearchSpacesRequest(
        query=base + extra.replace("LATE", w.late), order_by=order_by, page_size=PAGE, use_admin_access=True
    )


CASES: dict[str, Case] = {
    # ListSpaceEvents: common and rare types, batch counterparts, OR-ed types, start/end time.
    "events: message.created (rare)": ("ListSpaceEvents", events(MESSAGE_CREATED), 2),
    "events: membership.created (common)": ("ListSpaceEvents", events(MEMBERSHIP_CREATED), PAGE),
    "events: reaction.created (common)": ("ListSpaceEvents", events(REACTION_CREATED), PAGE),
    "events: message.deleted (rare)": ("ListSpaceEvents", events(MESSAGE_DELETED), 1),
    "events: space.updated (rare)": ("ListSpaceEvents", events(SPACE_UPDATED), 1),
    "events: membership.updated OR space.updated (rare)": (
        "ListSpaceEvents",
        events(f"{MEMBERSHIP_UPDATED} {SPACE_UPDATED}"),
        2,
    ),
    "events: membership.created after start_time": (
        "ListSpaceEvents",
        events(MEMBERSHIP_CREATED, ' AND start_time="LATE"'),
        0,
    ),
    "events: reaction.created after start_time (rare)": (
        "ListSpaceEvents",
        events(REACTION_CREATED, ' AND start_time="LATE"'),
        2,
    ),
    "events: reaction.created until end_time": (
        "ListSpaceEvents",
        events(REACTION_CREATED, ' AND end_time="LATE"'),
        PAGE,
    ),
    # ListMessages: create_time ranges, thread.name, both orders.
    "messages: no filter": ("ListMessages", messages(""), PAGE),
    "messages: no filter, newest first": ("ListMessages", messages("", "create_time desc"), PAGE),
    "messages: create_time window (rare)": (
        "ListMessages",
        messages('create_time > "LOW" AND create_time < "HIGH"'),
        2,
    ),
    "messages: create_time > late (rare)": ("ListMessages", messages('create_time > "LATE"'), 1),
    "messages: thread.name": ("ListMessages", messages("thread.name = THREAD"), 4),
    "messages: thread.name, newest first": ("ListMessages", messages("thread.name = THREAD", "create_time desc"), 4),
    # ListReactions: emoji (unicode, custom), user, OR-ed lists, emoji AND user.
    "reactions: no filter": ("ListReactions", reactions(""), PAGE),
    "reactions: common emoji": ("ListReactions", reactions('emoji.unicode = "👍"'), PAGE),
    "reactions: rare emoji": ("ListReactions", reactions('emoji.unicode = "🎉"'), 1),
    "reactions: unused emoji": ("ListReactions", reactions('emoji.unicode = "🦄"'), 0),
    "reactions: custom emoji": ("ListReactions", reactions('emoji.custom_emoji.uid = "UID"'), 1),
    "reactions: rare emojis OR-ed": (
        "ListReactions",
        reactions('emoji.unicode = "🎉" OR emoji.unicode = "🦄" OR emoji.custom_emoji.uid = "UID"'),
        2,
    ),
    "reactions: rare user": ("ListReactions", reactions('user.name = "users/alice@example.com"'), 2),
    "reactions: users OR-ed": ("ListReactions", reactions('user.name = "LAST" OR user.name = "users/nobody"'), 1),
    "reactions: common emoji AND rare user": (
        "ListReactions",
        reactions('emoji.unicode = "👍" AND user.name = "LAST"'),
        1,
    ),
    "reactions: emoji AND user, no match": (
        "ListReactions",
        reactions('(emoji.unicode = "🎉" OR emoji.unicode = "👍") AND user.name = "users/nobody"'),
        0,
    ),
    # ListMemberships: role, member.type (= and !=), show_groups, show_invited (n invited come first).
    "memberships: default (skips n invited)": ("ListMemberships", memberships(""), PAGE),
    "memberships: show_invited": ("ListMemberships", memberships("", show_invited=True), PAGE),
    "memberships: role manager (rare)": ("ListMemberships", memberships('role = "ROLE_MANAGER"'), 2),
    "memberships: member.type BOT (rare)": ("ListMemberships", memberships('member.type = "BOT"'), 1),
    "memberships: member.type != HUMAN, show_groups (rare)": (
        "ListMemberships",
        memberships('member.type != "HUMAN"', show_groups=True),
        2,
    ),
    "memberships: role member AND HUMAN, show_invited": (
        "ListMemberships",
        memberships('role = "ROLE_MEMBER" AND member.type = "HUMAN"', show_invited=True),
        PAGE,
    ),
    "memberships: manager OR member, HUMAN, no invited": (
        "ListMemberships",
        memberships('(role = "ROLE_MANAGER" OR role = "ROLE_MEMBER") AND member.type = "HUMAN"'),
        PAGE,
    ),
    # SearchSpaces: each documented query field, rare matches.
    "search spaces: all": ("SearchSpaces", search_spaces(""), PAGE),
    "search spaces: display_name (rare)": ("SearchSpaces", search_spaces(' AND display_name:"zebra"'), 1),
    "search spaces: display_name (common)": ("SearchSpaces", search_spaces(' AND display_name:"room"'), PAGE),
    "search spaces: all, newest first": ("SearchSpaces", search_spaces("", "create_time desc"), PAGE),
    "search spaces: external_user_allowed = false (common)": (
        "SearchSpaces",
        search_spaces(" AND external_user_allowed = false"),
        PAGE,
    ),
    "search spaces: external_user_allowed (rare)": (
        "SearchSpaces",
        search_spaces(" AND external_user_allowed = true"),
        1,
    ),
    "search spaces: space_history_state (rare)": (
        "SearchSpaces",
        search_spaces(' AND space_history_state = "HISTORY_OFF"'),
        1,
    ),
    "search spaces: create_time (rare)": ("SearchSpaces", search_spaces(' AND create_time > "LATE"'), 1),
    "search spaces: last_active_time (rare)": (
        "SearchSpaces",
        search_spaces(' AND last_active_time > "LATE"', "last_active_time desc"),
        -1,
    ),
    # SearchMessages (its index is built by the first search of a space: the warm-up call).
    "search messages: rare word": (
        "SearchMessages",
        lambda w: message_pb2.SearchMessagesRequest(parent="spaces/-", filter="zanzibar", page_size=PAGE),
        1,
    ),
}


@pytest.fixture(scope="module")
def worlds() -> dict[int, World]:
    return {SMALL: build(SMALL), LARGE: build(LARGE)}


def results(response: Any) -> int:
    for field in ("space_events", "messages", "reactions", "memberships", "spaces", "results"):
        if hasattr(response, field):
            return len(getattr(response, field))
    raise AssertionError(f"unexpected response {type(response).__name__}")


def steps_of_first_page(world: World, rpc: str, request: Any) -> tuple[int, int]:
    world.call(rpc, request)  # warm-up: lazily built indexes are built here
    steps = world.chat.store.steps
    before = steps.count
    response = world.call(rpc, request)
    return steps.count - before, results(response)


@pytest.mark.parametrize("name", list(CASES))
def test_a_filtered_page_reads_as_many_entries_in_a_ten_times_larger_collection(
    name: str, worlds: dict[int, World]
) -> None:
    rpc, request, expected = CASES[name]
    small, small_found = steps_of_first_page(worlds[SMALL], rpc, request(worlds[SMALL]))
    large, large_found = steps_of_first_page(worlds[LARGE], rpc, request(worlds[LARGE]))
    assert small_found == large_found, f"{name}: {small_found} results over {SMALL}, {large_found} over {LARGE}"
    if expected >= 0:
        assert large_found == expected, f"{name}: expected {expected} results, got {large_found}"
    assert large <= small + SLACK, f"{name}: the page read {small} entries over {SMALL}, {large} over {LARGE}"
