"""Bulk seeding puts a batch in the space's indexes one call per index (``message_seeding._Pending``): random
batches leave exactly what one ``create`` per message leaves — records, list pages, events (ids, order), read
states (values and order), search postings — also when a message in the middle fails; and each bulk method leaves
what its one-at-a-time form leaves."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.space_query import parse_search_spaces_query
from chat_grpc.fake.store import AuthKind, ChatStore, Space
from chat_grpc.fake.store.events import EventLog, _micros
from chat_grpc.fake.store.message_records import Message, MessageContent, NewMessage, ThreadRequest
from chat_grpc.fake.store.message_timeline import SpaceMessages
from chat_grpc.fake.store.model import Actor
from tests.server.seed_helpers import as_app, as_user
from tests.server.test_bulk_seed import START, _state, _world
from tests.server.test_bulk_seed import _one_by_one as one_by_one

_KEY = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"


def _random_batch(rng: random.Random, w: dict[str, Any], size: int, where: str = "space") -> list[NewMessage]:
    """Messages from three senders (a person through an app too; in the group chat, people only), new
    threads, thread keys, replies, client ids (now and then one the batch already took: the batch fails
    there), times given out of order or not."""
    senders = [None, as_user(w["bob"])]
    if where == "space":
        senders += [as_app(w["bot"]), as_user(w["ann"], w["bot"])]
    items: list[NewMessage] = []
    for i in range(size):
        thread, reply_to = ThreadRequest(), None
        roll = rng.random()
        if roll < 0.25:
            thread = ThreadRequest(key=f"k{rng.randrange(4)}", reply_option=_KEY)
        elif roll < 0.45 and i:
            reply_to = rng.randrange(i)
        client_id = f"client-{rng.randrange(size * 20)}" if rng.random() < 0.2 else ""
        when = None
        if rng.random() < 0.5:  # now in order, now back in time, now the same time as another
            when = START + timedelta(seconds=rng.choice([i, i, i, rng.randrange(size)]), microseconds=rng.randrange(3))
        mention = " <users/bob@example.com>" if rng.random() < 0.1 else ""
        items.append(
            NewMessage(
                MessageContent(text=f"word{rng.randrange(5)} note {i}{mention}"),
                thread,
                client_id,
                create_time=when,
                reply_to=reply_to,
                sender=rng.choice(senders),
            )
        )
    return items


def _one_by_one(store: ChatStore, clock: Any, actor: Actor, space_id: str, items: list[NewMessage]) -> None:
    """One create per message (test_bulk_seed's reference), the store's clock put back after."""
    one_by_one(store, clock, [(actor, space_id, items)])


def _full_state(store: ChatStore, space_id: str) -> dict[str, Any]:
    with store.lock:
        book = store.messages._spaces.get(space_id) or SpaceMessages()
        return {
            **_state(store),
            "read order": [(r.user_id, r.space_id, r.thread_id, r.last_read_time) for r in store.read_states.all()],
            "timeline": [m.id for m in book.timeline],
            "threads": {t: [m.id for m in found] for t, found in book.replies.items()},
            "by id": list(book.by_id),
            "client ids": dict(book.client_ids),
            "thread keys": dict(book.thread_keys),
            "event log": [
                (list(log.keys), bytes(log.codes), [getattr(r, "id", r) for r in log.resources], log.next_seq)
                for log in store.event_log._spaces.values()
            ],
            "event types": [
                {code: list(keys) for code, keys in log.by_type.items()} for log in store.event_log._spaces.values()
            ],
            "pages": [m.id for m in store.messages.all(space_id)],
        }


@pytest.mark.parametrize("where", ["space", "chat"])
@pytest.mark.parametrize("seed", range(12))
def test_a_random_batch_leaves_what_one_create_per_message_leaves(seed: int, where: str) -> None:
    rng = random.Random(seed)
    tick = rng.choice([timedelta(microseconds=1), timedelta(0), timedelta(seconds=1)])
    size = rng.choice([1, 5, 40, 120])
    one, one_clock, w1 = _world(tick)
    bulk, _, w2 = _world(tick)
    outcomes = []
    for store, clock, w in ((one, one_clock, w1), (bulk, None, w2)):
        for round_ in range(2):  # a second batch lands after the first (threads, keys and client ids taken)
            items = _random_batch(random.Random(seed * 100 + round_), w, size, where)
            try:
                if clock is not None:
                    _one_by_one(store, clock, as_user(w["ann"]), w[where].id, items)
                else:
                    store.messages.create_many(as_user(w["ann"]), w[where].id, items)
                outcomes.append((round_, None))
            except ChatError as error:
                outcomes.append((round_, (type(error), str(error))))
    assert outcomes[:2] == outcomes[2:]
    one_state, bulk_state = _full_state(one, w1[where].id), _full_state(bulk, w2[where].id)
    if any(error for _, error in outcomes):  # a failed batch drew ids ahead for its chunk (as it always has)
        del one_state["next id"], bulk_state["next id"]
    assert bulk_state == one_state


def test_a_batch_that_fails_midway_keeps_the_messages_before_it_indexed() -> None:
    one, one_clock, w1 = _world(timedelta(microseconds=1))
    bulk, _, w2 = _world(timedelta(microseconds=1))
    for store, clock, w in ((one, one_clock, w1), (bulk, None, w2)):
        items = [NewMessage(MessageContent(text=f"m{i}"), client_id=f"client-{i % 7}") for i in range(10)]
        with pytest.raises(ChatError, match="already exists"):
            if clock is not None:
                _one_by_one(store, clock, as_user(w["ann"]), w["space"].id, items)
            else:
                store.messages.create_many(as_user(w["ann"]), w["space"].id, items)
    assert bulk.messages.count(w2["space"].id) == 7
    one_state, bulk_state = _full_state(one, w1["space"].id), _full_state(bulk, w2["space"].id)
    del one_state["next id"], bulk_state["next id"]  # a failed batch drew ids ahead for its chunk
    assert bulk_state == one_state


@pytest.mark.parametrize("seed", range(20))
def test_append_many_logs_what_append_logs(seed: int) -> None:
    """Times in order, back in time, many in one microsecond (the sequence number wraps), after and before
    other events."""
    rng = random.Random(seed)
    one, bulk = EventLog(), EventLog()
    later = START + timedelta(seconds=rng.choice([0, 1]))
    for log in (one, bulk):  # events before and after the batches' times: they go in between
        log.append("s", START, "other", "spaces/s", snapshot=False)
        log.append("s", later, "other", "spaces/s", snapshot=False)
    base = _micros(START)
    for _ in range(3):
        size = rng.choice([0, 1, 10, 5000])
        spread = rng.choice([0, 1, 1000])
        micros = sorted(base + rng.randrange(spread + 1) for _ in range(size))
        if rng.random() < 0.4 and micros:
            micros[rng.randrange(len(micros))] -= rng.randrange(1, 5)
        names = [f"spaces/s/messages/{i}" for i in range(size)]
        for when, name in zip(micros, names, strict=True):
            one.append("s", START + timedelta(microseconds=when - base), "created", name, snapshot=False)
        bulk.append_many("s", "created", micros, names)
    assert [(e.id, e.time, e.event_type, e.resource_name) for e in bulk.all()] == [
        (e.id, e.time, e.event_type, e.resource_name) for e in one.all()
    ]
    a, b = one._spaces["s"], bulk._spaces["s"]
    assert (list(a.keys), a.codes, a.resources, a.next_seq) == (list(b.keys), b.codes, b.resources, b.next_seq)
    assert {c: list(k) for c, k in a.by_type.items()} == {c: list(k) for c, k in b.by_type.items()}


@pytest.mark.parametrize("seed", range(20))
def test_add_many_indexes_what_add_indexes(seed: int) -> None:
    rng = random.Random(seed)
    one, bulk = SpaceMessages(), SpaceMessages()
    ids: list[str] = []
    for _ in range(3):
        batch: list[tuple[str, int, bool, str]] = []
        for _ in range(rng.choice([0, 1, 30])):
            key = rng.randrange(1000) if rng.random() < 0.3 else 1000 + len(ids)
            if ids and rng.random() < 0.4:
                thread = rng.choice(ids).partition(".")[0]
                message_id, reply = f"{thread}.r{len(ids)}", True
            else:
                message_id, reply = f"t{len(ids)}.t{len(ids)}", False
            if rng.random() < 0.1:  # a reply to a thread whose first message is not kept
                message_id, reply = f"gone{len(ids)}.r{len(ids)}", True
            ids.append(message_id)
            batch.append((message_id, key, reply, f"client-{len(ids)}" if rng.random() < 0.3 else ""))

        def made(entry: tuple[str, int, bool, str]) -> Message:
            return Message("s", entry[0], "u", "HUMAN", entry[1], thread_reply=entry[2], client_id=entry[3])

        for entry in batch:
            one.add(made(entry))
        bulk.add_many([made(entry) for entry in batch])
    for book in (one, bulk):
        assert [m.id for m in book.timeline] == [m.id for m in sorted(book.timeline, key=lambda m: m.key)]
    assert [m.id for m in bulk.timeline] == [m.id for m in one.timeline]
    assert {t: [m.id for m in ms] for t, ms in bulk.replies.items()} == {
        t: [m.id for m in ms] for t, ms in one.replies.items()
    }
    assert list(bulk.by_id) == list(one.by_id)
    assert bulk.client_ids == one.client_ids


def test_searching_spaces_by_last_activity_sees_a_batch() -> None:
    """SearchSpaces' index is told, as by create, when a batch moves a space's last activity."""
    store = ChatStore(clock=ManualClock(START, tick=timedelta(seconds=1)), ids=IdGenerator(11))
    admin = store.add_user("root@example.com", "Root", is_admin=True)
    actor = Actor(admin, AuthKind.USER, frozenset({"chat.admin.spaces"}))
    spaces = [
        store.create_space(
            as_user(admin), Space(id="", space_type="SPACE", display_name=f"Room {i}", customer=admin.customer)
        )
        for i in range(2)
    ]
    query = parse_search_spaces_query('customer = "customers/my_customer" AND space_type = "SPACE"')

    def by_activity() -> list[str]:
        found, _ = store.search_spaces(actor, query, "last_active_time", True, lambda s: 0.0, offset=0, limit=10)
        return [s.id for s in found]

    for space in spaces:
        store.messages.create(as_user(admin), space.id, MessageContent(text="hi"), ThreadRequest())
    assert by_activity() == [spaces[1].id, spaces[0].id]
    store.messages.create_many(as_user(admin), spaces[0].id, [NewMessage(MessageContent(text="later"))])
    assert by_activity() == [spaces[0].id, spaces[1].id]
