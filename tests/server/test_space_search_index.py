"""SearchSpaces answers from its index (store/space_index.py) exactly what a scan of every space would: the same
page at every offset, in every order and direction (ties in time broken by id), with the same total, after the
changes that move a space in the index (rename, history toggled, import completed, messages, deletion)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from chat_grpc.fake.auth import USER_SCOPES
from chat_grpc.fake.space_query import SpaceQuery, parse_search_spaces_query
from chat_grpc.fake.store import Actor, AuthKind, ChatStore, Space, SpaceChanges
from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest
from chat_grpc.server import ChatServer, ManualClock

BASE = 'customer = "customers/my_customer" AND space_type = "SPACE"'
WORDS = ["alpha", "alpine", "beta", "gamma", "garden", "delta"]


def scan(store: ChatStore, customer: str | None, query: SpaceQuery, order: str, descending: bool) -> list[str]:
    """The reference: every space, filtered and sorted as the handler's sort key says."""
    sign = -1 if descending else 1

    def key(space: Space) -> tuple[float, str]:
        when = space.last_active_time if order == "last_active_time" else space.create_time
        return (sign * (when.timestamp() if when else 0.0), space.id)

    found = [
        s
        for s in store.spaces()
        if s.customer == customer and not s.import_mode and s.space_type == "SPACE" and query.matches(s)
    ]
    return [s.name for s in sorted(found, key=key)]


@pytest.fixture(scope="module")
def world() -> tuple[ChatStore, Actor]:
    rng = random.Random(5)
    clock = ManualClock(tick=timedelta(0))  # the clock moves only when told: spaces made together tie
    store = ChatServer(seed=3, clock=clock).store
    alice = store.add_user("alice@example.com", "Alice", is_admin=True)
    me = Actor(alice, AuthKind.USER, USER_SCOPES)
    spaces = []
    for i in range(60):
        if rng.random() < 0.5:
            clock.advance(timedelta(seconds=rng.choice([1, 60, 3600])))  # otherwise: the same time as the last
        name = " ".join(rng.sample(WORDS, 2)) + f" {i}"
        template = Space(
            id="",
            space_type="SPACE",
            display_name=name,
            customer=alice.customer,
            external_user_allowed=rng.random() < 0.3,
            history_state=rng.choice(["HISTORY_ON", "HISTORY_OFF"]),
        )
        spaces.append(store.create_space(me, template))
    store.create_space(me, Space(id="", space_type="SPACE", display_name="alpha elsewhere", customer="customers/other"))
    for space in rng.sample(spaces, 15):
        clock.advance(timedelta(seconds=rng.choice([0, 5])))
        store.messages.create(me, space.id, MessageContent(text="hello"), ThreadRequest())
    for space in rng.sample(spaces, 5):
        changes = SpaceChanges(frozenset({"display_name"}), display_name=f"renamed {space.id}")
        store.update_space(me, space.id, changes)
    for space in rng.sample(spaces, 5):
        toggled = "HISTORY_OFF" if space.history_state == "HISTORY_ON" else "HISTORY_ON"
        store.update_space(me, space.id, SpaceChanges(frozenset({"space_history_state"}), history_state=toggled))
    store.delete_space(me, spaces[7].id)
    importer = Actor(alice, AuthKind.USER, USER_SCOPES)
    imported = Space(
        id="", space_type="SPACE", display_name="alpha imported", customer=alice.customer, import_mode=True
    )
    imported = store.create_space(importer, imported)
    store.create_space(
        importer,
        Space(
            id="", space_type="SPACE", display_name="alpha still importing", customer=alice.customer, import_mode=True
        ),
    )
    store.complete_import(importer, imported.id)
    clock.advance(timedelta(minutes=1))
    return store, me


def times(store: ChatStore, field: str) -> list[str]:
    values = sorted({getattr(s, field) for s in store.spaces() if getattr(s, field)})
    return [values[len(values) // 4].isoformat(), values[len(values) // 2].isoformat()]


QUERIES = [
    "",
    ' AND display_name:"alp"',
    ' AND display_name:"ga al"',
    ' AND (display_name:"delta" OR display_name:"renamed")',
    " AND external_user_allowed = true",
    " AND external_user_allowed = false",
    ' AND space_history_state = "HISTORY_OFF"',
    ' AND space_history_state = "HISTORY_ON" AND external_user_allowed = false',
    ' AND create_time > "T1"',
    ' AND create_time >= "T1" AND create_time <= "T2"',
    ' AND (create_time < "T1" OR create_time = "T2")',
    ' AND last_active_time > "A1"',
    ' AND last_active_time > "A1" AND display_name:"beta"',
]


@pytest.mark.parametrize("order", ["create_time", "last_active_time", "membership_count"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("extra", QUERIES)
def test_search_spaces_from_the_index_equals_a_scan(
    world: tuple[ChatStore, Actor], extra: str, order: str, descending: bool
) -> None:
    store, me = world
    t1, t2 = times(store, "create_time")
    a1, _ = times(store, "last_active_time")
    text = BASE + extra.replace("T1", t1.replace("+00:00", "Z")).replace("T2", t2.replace("+00:00", "Z"))
    query = parse_search_spaces_query(text.replace("A1", a1.replace("+00:00", "Z")))
    customer = me.principal.customer  # type: ignore[attr-defined]
    if order == "membership_count":  # every space has one member: the order is by id, in either direction
        expected = sorted(scan(store, customer, query, "create_time", descending), key=lambda n: n)

        def sort_key(space: Space) -> float:
            return (-1 if descending else 1) * store.joined_human_count(space.id)[0]

    else:
        expected = scan(store, customer, query, order, descending)
        sign = -1 if descending else 1

        def sort_key(space: Space) -> float:
            when = space.last_active_time if order == "last_active_time" else space.create_time
            return sign * (when.timestamp() if when else 0.0)

    for limit in (1, 4, 7, 100):
        got: list[str] = []
        for offset in range(0, len(expected) + limit, limit):
            page, total = store.search_spaces(me, query, order, descending, sort_key, offset=offset, limit=limit)
            assert total == len(expected)
            got += [s.name for s in page]
        assert got == expected, (text, order, descending, limit)
