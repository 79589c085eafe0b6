"""Filtered list pages over small vs large collections, run by ``make bench``: a page must cost what it holds, not
what the collection holds (issue 18, item 3). Goal for every case: time(large) / time(small) <= 1.5.

Each case is a documented filter of ListSpaceEvents, ListMessages, ListReactions, ListMemberships, SearchSpaces or
SearchMessages, rare matches included (a page of one or two results whose end a scan would find only after reading
the whole collection). A case is a name, the group of records it needs and a function that, given that group's
seeded world, returns the call to time: one ``ChatCore.serve`` of the request (the handler's parsing, auth, store
and encoding; no transport). ``CASES`` is the list; ``run_case`` times one case at both sizes with the shared runner
(``bench/runner.py``: ABBA slots, the median of the paired ratios); ``--budget`` is the seconds per case.

Worlds are seeded in-process through the store API (``ManualClock``), one group at a time at both sizes, and freed
before the next group:

* ``chatter``: a space with N messages (a second apart), a thread started first and answered last, two rare
  messages after the crowd; its event log holds N + 4 ``message.created`` and 2 ``membership.created`` events.
* ``crowd``: a space with N joined members, each reacting 👍 to one message, plus the rare: a manager, the app,
  a group, an invited user, a 🎉 and a custom emoji reaction, a role change, a rename.
* ``spaces``: N spaces of one customer plus one odd space (rare name, external users allowed, history off). They
  are made through the store's space constructor, skipping CreateSpace's display-name uniqueness check, which
  reads every space of the customer (quadratic seeding; not what is measured here).

Run: ``python bench/bench_filters.py`` (1,000 vs 1,000,000), ``--large 100000`` for a quicker run, ``--only WORD``
to run the cases whose name contains WORD. A MISS is reported and does not fail the run; a wrong answer does.
"""

from __future__ import annotations

import gc
import struct
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from google.chat.v1 import membership_pb2, message_pb2, reaction_pb2, space_event_pb2, space_pb2
from runner import Paired, Table, arguments, at_most, banner, compare, sized

from chat_grpc.fake.auth import USER_SCOPES
from chat_grpc.fake.core import PlainDoor
from chat_grpc.fake.store import Actor, AuthKind, ChatStore, MemberRef, Space, SpaceChanges, User
from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest
from chat_grpc.server import ChatServer, ManualClock

GOAL = 1.5
PAGE = 100
BASE = 'customer = "customers/my_customer" AND space_type = "SPACE"'
EVENT = "google.workspace.chat.{}.v1.{}"


def _png() -> bytes:
    """A 64x64 black RGB PNG, for the custom emoji."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + bytes(3 * 64) for _ in range(64)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@dataclass
class World:
    chat: ChatServer
    door: PlainDoor
    names: dict[str, str] = field(default_factory=dict)  # what the requests refer to

    def call(self, rpc: str, request: Any) -> Any:
        return self.chat.core.serve(rpc, request, self.door)


def _world(clock: ManualClock) -> tuple[ChatServer, ChatStore, User, Actor]:
    chat = ChatServer(seed=5, clock=clock)  # never started: calls go straight to its core
    store = chat.store
    alice = store.add_user("alice@example.com", "Alice", is_admin=True)
    return chat, store, alice, Actor(alice, AuthKind.USER, USER_SCOPES)


def _finish(chat: ChatServer, alice: User, clock: ManualClock, names: dict[str, str]) -> World:
    clock.advance(timedelta(minutes=5))
    door = PlainDoor(headers=(("authorization", f"Bearer {chat.token_for(alice)}"),))
    return World(chat, door, names)


def _rfc3339(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


def seed_chatter(n: int) -> World:
    clock = ManualClock()
    chat, store, alice, me = _world(clock)
    space = store.create_space(me, Space(id="", space_type="SPACE", display_name="Chatter", customer=alice.customer))
    reply = ThreadRequest(reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
    root = store.messages.create(me, space.id, MessageContent(text="thread root"), reply)
    create, plain = store.messages.create, ThreadRequest()
    middle = None
    for i in range(n):
        clock.advance(timedelta(seconds=1))
        posted = create(me, space.id, MessageContent(text=f"chatter {i}"), plain)
        if i == n // 2:
            middle = posted.create_time
    clock.advance(timedelta(minutes=5))
    late = clock.now()
    for i in range(2):
        thread = ThreadRequest(name=root.thread_id, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        create(me, space.id, MessageContent(text=f"zanzibar reply {i}"), thread)
    bob = store.add_user("bob@example.com", "Bob")
    store.create_membership(me, space.id, MemberRef("HUMAN", bob.id))
    assert middle is not None
    low, high = middle - timedelta(milliseconds=500), middle + timedelta(milliseconds=500)  # one message
    names = {
        "space": space.name,
        "thread": root.thread_name,
        "late": _rfc3339(late),
        "low": _rfc3339(low),
        "high": _rfc3339(high),
    }
    return _finish(chat, alice, clock, names)


def seed_crowd(n: int) -> World:
    clock = ManualClock()
    chat, store, alice, me = _world(clock)
    space = store.create_space(me, Space(id="", space_type="SPACE", display_name="Crowd", customer=alice.customer))
    message = store.messages.create(me, space.id, MessageContent(text="React to me"), ThreadRequest())
    add_user, join, react = store.add_user, store.create_membership, store.reactions.create
    last = None
    for i in range(n):
        user = add_user(f"member{i}@example.com", f"Member {i}")
        join(me, space.id, MemberRef("HUMAN", user.id))
        react(Actor(user, AuthKind.USER, USER_SCOPES), space.id, message.id, unicode="👍")
        last = user
    assert last is not None
    clock.advance(timedelta(minutes=5))
    app, group = store.add_app("Helper Bot"), store.add_group("Engineers")
    store.create_membership(Actor(alice, AuthKind.USER, USER_SCOPES, app=app), space.id, MemberRef("BOT", app.id))
    store.create_membership(me, space.id, MemberRef("GROUP", group.id))
    invited = store.add_user("invited@example.com", auto_accept=False)
    store.create_membership(me, space.id, MemberRef("HUMAN", invited.id))
    emoji = store.custom_emojis.create(me, ":partyparrot:", "parrot.png", _png())
    react(me, space.id, message.id, unicode="🎉")
    react(me, space.id, message.id, custom_emoji_uid=emoji.uid)
    store.update_membership_role(me, space.id, last.id, "ROLE_MANAGER")
    store.update_space(me, space.id, SpaceChanges(frozenset({"display_name"}), display_name="Crowd, renamed"))
    names = {"space": space.name, "message": message.name, "uid": emoji.uid, "last": f"users/{last.id}"}
    return _finish(chat, alice, clock, names)


def seed_spaces(n: int) -> World:
    clock = ManualClock()
    chat, store, alice, me = _world(clock)
    make = store._new_space  # skips CreateSpace's display-name check, a scan of the customer (see the module doc)
    with store.lock:
        for i in range(n):
            clock.advance(timedelta(seconds=1))
            make(me, Space(id="", space_type="SPACE", display_name=f"Room {i}", customer=alice.customer), predefined="")
    clock.advance(timedelta(minutes=5))
    late = clock.now()
    odd = Space(
        id="",
        space_type="SPACE",
        display_name="Zebra crossing",
        customer=alice.customer,
        external_user_allowed=True,
        history_state="HISTORY_OFF",
    )
    store.create_space(me, odd)
    return _finish(chat, alice, clock, {"late": _rfc3339(late)})


SEEDERS: dict[str, Callable[[int], World]] = {"chatter": seed_chatter, "crowd": seed_crowd, "spaces": seed_spaces}


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # which world it needs (SEEDERS)
    rpc: str
    request: Callable[[World], Any]
    results: int | None = None  # how many the page must hold (None: a full page)

    def setup(self, world: World) -> Callable[[], Any]:
        """The call to time, checked once."""
        request = self.request(world)
        response = world.call(self.rpc, request)
        found = _count(response)
        wanted = PAGE if self.results is None else self.results
        if found != wanted:
            raise RuntimeError(f"{self.name}: the page holds {found} results, expected {wanted}")
        return lambda: world.call(self.rpc, request)


def _count(response: Any) -> int:
    for name in ("space_events", "messages", "reactions", "memberships", "spaces", "results"):
        if hasattr(response, name):
            return len(getattr(response, name))
    raise TypeError(type(response).__name__)


def _events(*types: str, extra: str = "") -> Callable[[World], Any]:
    def request(w: World) -> Any:
        terms = " OR ".join(f'event_types:"{EVENT.format(*t.split("."))}"' for t in types)
        text = (f"({terms})" if len(types) > 1 and extra else terms) + extra.format(**w.names)
        return space_event_pb2.ListSpaceEventsRequest(parent=w.names["space"], filter=text, page_size=PAGE)

    return request


def _messages(text: str, order_by: str = "") -> Callable[[World], Any]:
    return lambda w: message_pb2.ListMessagesRequest(
        parent=w.names["space"], filter=text.format(**w.names), order_by=order_by, page_size=PAGE
    )


def _reactions(text: str) -> Callable[[World], Any]:
    return lambda w: reaction_pb2.ListReactionsRequest(
        parent=w.names["message"], filter=text.format(**w.names), page_size=PAGE
    )


def _memberships(text: str, **options: Any) -> Callable[[World], Any]:
    return lambda w: membership_pb2.ListMembershipsRequest(
        parent=w.names["space"], filter=text, page_size=PAGE, **options
    )


def _search(extra: str, order_by: str = "") -> Callable[[World], Any]:
    return lambda w: space_pb2.SearchSpacesRequest(
        query=BASE + extra.format(**w.names), order_by=order_by, page_size=PAGE, use_admin_access=True
    )


CASES: list[Case] = [
    # ListSpaceEvents (chatter: N message.created, 2 membership.created)
    Case("events: message.created", "chatter", "ListSpaceEvents", _events("message.created")),
    Case("events: membership.created (rare)", "chatter", "ListSpaceEvents", _events("membership.created"), 2),
    Case("events: message.deleted (none)", "chatter", "ListSpaceEvents", _events("message.deleted"), 0),
    Case(
        "events: membership.created OR space.updated (rare)",
        "chatter",
        "ListSpaceEvents",
        _events("membership.created", "space.updated"),
        2,
    ),
    Case(
        "events: message.created after start_time (rare)",
        "chatter",
        "ListSpaceEvents",
        _events("message.created", extra=' AND start_time="{late}"'),
        2,
    ),
    Case(
        "events: membership.created until end_time (rare)",
        "chatter",
        "ListSpaceEvents",
        _events("membership.created", extra=' AND end_time="{late}"'),
        1,
    ),
    # ListSpaceEvents (crowd: N membership.created and N reaction.created, interleaved; rare updates)
    Case("events: reaction.created (crowd)", "crowd", "ListSpaceEvents", _events("reaction.created")),
    Case(
        "events: membership.updated OR space.updated (crowd, rare)",
        "crowd",
        "ListSpaceEvents",
        _events("membership.updated", "space.updated"),
        2,
    ),
    # ListMessages
    Case("messages: no filter", "chatter", "ListMessages", _messages("")),
    Case("messages: newest first", "chatter", "ListMessages", _messages("", "create_time desc")),
    Case(
        "messages: create_time window (rare)",
        "chatter",
        "ListMessages",
        _messages('create_time > "{low}" AND create_time < "{high}"'),
        1,
    ),
    Case("messages: create_time > late (rare)", "chatter", "ListMessages", _messages('create_time > "{late}"'), 2),
    Case("messages: thread.name (rare)", "chatter", "ListMessages", _messages("thread.name = {thread}"), 3),
    Case(
        "messages: thread.name, newest first (rare)",
        "chatter",
        "ListMessages",
        _messages("thread.name = {thread}", "create_time desc"),
        3,
    ),
    # SearchMessages (its index is built by the check call of ``setup``)
    Case(
        "search messages: rare word",
        "chatter",
        "SearchMessages",
        lambda w: message_pb2.SearchMessagesRequest(parent="spaces/-", filter="zanzibar", page_size=PAGE),
        2,
    ),
    # ListReactions (crowd: N 👍, one 🎉, one custom emoji)
    Case("reactions: no filter", "crowd", "ListReactions", _reactions("")),
    Case("reactions: common emoji", "crowd", "ListReactions", _reactions('emoji.unicode = "👍"')),
    Case("reactions: rare emoji", "crowd", "ListReactions", _reactions('emoji.unicode = "🎉"'), 1),
    Case("reactions: custom emoji", "crowd", "ListReactions", _reactions('emoji.custom_emoji.uid = "{uid}"'), 1),
    Case(
        "reactions: emojis OR-ed (rare)",
        "crowd",
        "ListReactions",
        _reactions('emoji.unicode = "🎉" OR emoji.unicode = "🦄" OR emoji.custom_emoji.uid = "{uid}"'),
        2,
    ),
    Case("reactions: user (rare)", "crowd", "ListReactions", _reactions('user.name = "users/alice@example.com"'), 2),
    Case(
        "reactions: users OR-ed AND emoji (rare)",
        "crowd",
        "ListReactions",
        _reactions('(user.name = "{last}" OR user.name = "users/nobody") AND emoji.unicode = "👍"'),
        1,
    ),
    # ListMemberships (crowd: N joined members; one manager besides alice, the app, a group, one invited)
    Case("memberships: no filter", "crowd", "ListMemberships", _memberships("")),
    Case("memberships: role manager (rare)", "crowd", "ListMemberships", _memberships('role = "ROLE_MANAGER"'), 2),
    Case("memberships: member.type BOT (rare)", "crowd", "ListMemberships", _memberships('member.type = "BOT"'), 1),
    Case(
        "memberships: != HUMAN, show_groups (rare)",
        "crowd",
        "ListMemberships",
        _memberships('member.type != "HUMAN"', show_groups=True),
        2,
    ),
    Case(
        "memberships: show_invited, role manager (rare)",
        "crowd",
        "ListMemberships",
        _memberships('role = "ROLE_MANAGER" AND member.type = "HUMAN"', show_invited=True),
        2,
    ),
    # SearchSpaces (spaces: N "Room i" spaces, one odd one)
    Case("search spaces: all", "spaces", "SearchSpaces", _search("")),
    Case("search spaces: all, newest first", "spaces", "SearchSpaces", _search("", "create_time desc")),
    Case("search spaces: display_name (rare)", "spaces", "SearchSpaces", _search(' AND display_name:"zeb"'), 1),
    Case("search spaces: display_name (common)", "spaces", "SearchSpaces", _search(' AND display_name:"room"')),
    Case(
        "search spaces: external_user_allowed (rare)",
        "spaces",
        "SearchSpaces",
        _search(" AND external_user_allowed = true"),
        1,
    ),
    Case(
        "search spaces: space_history_state (rare)",
        "spaces",
        "SearchSpaces",
        _search(' AND space_history_state = "HISTORY_OFF"'),
        1,
    ),
    Case("search spaces: create_time (rare)", "spaces", "SearchSpaces", _search(' AND create_time > "{late}"'), 1),
    Case(
        "search spaces: last_active_time (rare)",
        "spaces",
        "SearchSpaces",
        _search(' AND last_active_time > "{late}"', "last_active_time desc"),
        1,
    ),
]


def _ms_per_call(call: Callable[[], Any]) -> Callable[[int], float]:
    """``n`` calls of ``call``, as the runner wants them: ms per call."""

    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - start) / n * 1000

    return run


def run_case(case: Case, small: World, large: World, *, budget: float) -> Paired:
    """The large page against the small one, alternated by the shared runner (ABBA slots, paired ratios)."""
    return compare(_ms_per_call(case.setup(large)), _ms_per_call(case.setup(small)), budget=budget, rate=False)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else None, 1.0, "per case")
    parser.add_argument("--small", type=int, default=sized(1_000, smoke=120))  # a full page of 100 at least
    parser.add_argument("--large", type=int, default=sized(1_000_000, smoke=250))
    parser.add_argument("--only", default="", help="run the cases whose name contains this text")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.only in c.name]
    names = (f"{args.large:,}", f"{args.small:,}")
    banner(f"Filtered list pages, {names[0]} vs {names[1]} records; goal: ratio <= {GOAL}")
    table = Table()
    for group, seed in SEEDERS.items():
        group_cases = [c for c in cases if c.group == group]
        if not group_cases:
            continue
        started = time.perf_counter()
        small, large = seed(args.small), seed(args.large)
        table.value(f"{group}: seeding {names[1]} + {names[0]}", f"{time.perf_counter() - started:.1f} s")
        for case in group_cases:
            paired = run_case(case, small, large, budget=args.budget)
            table.paired(case.name, paired, names, "ms", at_most(GOAL))
        del small, large
        gc.collect()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
