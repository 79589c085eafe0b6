"""Bulk seeding (``store.messages.create_many``) leaves exactly the state one ``create`` per message leaves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chat_grpc.fake.clock import ClockProxy, ManualClock
from chat_grpc.fake.errors import AlreadyExists, NotFound, PermissionDenied
from chat_grpc.fake.ids import IdGenerator, IdGeneratorProxy
from chat_grpc.fake.store import Actor, AuthKind, ChatStore, MemberRef, Space
from chat_grpc.fake.store.message_records import MessageContent, NewMessage, ThreadRequest
from chat_grpc.workspace.seeding import SeedClock as _SeedClock
from tests.server.seed_helpers import as_app, as_user, observe

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _world(tick: timedelta) -> tuple[ChatStore, ManualClock, dict[str, Any]]:
    clock = ManualClock(START, tick=tick)
    store = ChatStore(clock=clock, ids=IdGenerator(11))
    ann, bob, cy = (store.add_user(f"{n}@example.com", n.title()) for n in ("ann", "bob", "cy"))
    bot = store.add_app("Bot")
    space = store.create_space(as_user(ann), Space(id="", space_type="SPACE", display_name="Team"))
    for who in (bob, cy):
        store.create_membership(as_user(ann), space.id, MemberRef("HUMAN", who.id))
    store.create_membership(as_user(ann, bot), space.id, MemberRef("BOT", bot.id))
    chat = store.set_up_space(
        as_user(ann),
        Space(id="", space_type="GROUP_CHAT", customer=ann.customer),
        [MemberRef("HUMAN", bob.id), MemberRef("HUMAN", cy.id)],
    )
    imported = store.create_space(
        Actor(ann, AuthKind.USER, frozenset({"chat.import"})),
        Space(id="", space_type="SPACE", display_name="Old", import_mode=True, create_time=START - timedelta(days=9)),
    )
    store.search._space_index(space.id)  # an index already built is kept up to date message by message
    return store, clock, {"ann": ann, "bob": bob, "bot": bot, "space": space, "chat": chat, "imported": imported}


def _batches(w: dict[str, Any]) -> list[tuple[Actor, str, list[NewMessage]]]:
    """Messages of every shape: new threads, thread keys (new and existing), replies, client ids, mentions,
    cards, a private message, a group chat (no threads), an import with its own times."""
    ann, bob = w["ann"], w["bob"]
    key = ThreadRequest(key="standup", reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
    people = [
        NewMessage(MessageContent(text="hello <users/bob@example.com>")),
        NewMessage(MessageContent(text="standup"), key),
        NewMessage(MessageContent(text="again"), key),
        NewMessage(MessageContent(text="reply"), reply_to=0),
        NewMessage(MessageContent(text="mine", fallback_text="f"), client_id="client-mine"),
        NewMessage(MessageContent(text="old reply"), reply_to=3),
    ] + [NewMessage(MessageContent(text=f"note {i}"), sender=as_user(bob) if i % 3 else None) for i in range(30)]
    bot = [
        NewMessage(MessageContent(text="card", cards_v2=(("c1", b"\x0a\x00"),))),
        NewMessage(MessageContent(text="psst"), private_viewer_id=bob.id),
        NewMessage(MessageContent(text="bot thread"), key),  # the app's own key scope: a new thread
    ]
    chat = [NewMessage(MessageContent(text=f"chat {i}"), key) for i in range(3)]
    old = [NewMessage(MessageContent(text=f"past {i}"), create_time=START - timedelta(days=8 - i)) for i in range(3)]
    return [
        (as_user(ann), w["space"].id, people),
        (as_app(w["bot"]), w["space"].id, bot),
        (as_user(bob), w["chat"].id, chat),
        (Actor(ann, AuthKind.USER, frozenset({"chat.import"})), w["imported"].id, old),
    ]


def _one_by_one(store: ChatStore, clock: ManualClock, batches: list[tuple[Actor, str, list[NewMessage]]]) -> None:
    """One create per message; a message with a create_time is made with the clock pinned to it, as a workspace
    file's loader makes it (its created event at that time too)."""
    pinning = _SeedClock(clock)
    store.clock = pinning
    try:
        for actor, space_id, items in batches:
            made: list[str] = []
            for item in items:
                thread = item.thread
                if item.reply_to is not None:
                    root = made[item.reply_to].partition(".")[0]
                    thread = ThreadRequest(name=root, reply_option="REPLY_MESSAGE_OR_FAIL")
                with pinning.pinned(item.create_time):
                    created = store.messages.create(
                        item.sender or actor,
                        space_id,
                        item.content,
                        thread,
                        client_id=item.client_id,
                        private_viewer_id=item.private_viewer_id,
                        create_time=item.create_time,
                    )
                made.append(created.id)
    finally:
        store.clock = clock


def _state(store: ChatStore) -> dict[str, Any]:
    return {
        "observed": observe(store),
        "events": [(e.id, e.space_id, e.event_type, e.time, e.resource_name) for e in store.events()],
        "read": sorted((r.user_id, r.space_id, r.thread_id, r.last_read_time) for r in store.read_states.all()),
        "search": {
            space: {word: [m.id for m in found] for word, found in postings.items()}
            for space, postings in store.search._postings.items()
        },
        "activity": [(s.id, s.last_active_time, s.has_messages) for s in store.spaces()],
        "next id": store.ids.opaque_id(11),
        "clock": getattr(store.clock, "inner", store.clock).now(),
    }


@pytest.mark.parametrize("tick", [timedelta(microseconds=1), timedelta(0)], ids=["ticking", "still"])
def test_the_batch_leaves_the_state_one_create_per_message_leaves(tick: timedelta) -> None:
    one, one_clock, one_world = _world(tick)
    _one_by_one(one, one_clock, _batches(one_world))
    bulk, _, bulk_world = _world(tick)
    for actor, space_id, items in _batches(bulk_world):
        assert len(bulk.messages.create_many(actor, space_id, items)) == len(items)
    assert _state(bulk) == _state(one)


def test_create_time_says_when_each_message_was_posted() -> None:
    """Outside import mode too: what a seed means by a time (create pins the clock to it, as seeding does)."""
    times = [START + timedelta(hours=h) for h in (1, 2, 2, 5)]
    one, one_clock, w1 = _world(timedelta(0))
    for when in times:
        one_clock.set(when)
        one.messages.create(as_user(w1["ann"]), w1["space"].id, MessageContent(text=str(when)), ThreadRequest())
    bulk, bulk_clock, w2 = _world(timedelta(0))
    items = [NewMessage(MessageContent(text=str(when)), create_time=when) for when in times]
    bulk.messages.create_many(as_user(w2["ann"]), w2["space"].id, items)
    bulk_clock.set(times[-1])
    assert _state(bulk) == _state(one)


@pytest.mark.parametrize(
    ("items", "error"),
    [
        (lambda w: [NewMessage(MessageContent(text="a"), client_id="client-a")] * 2, AlreadyExists),
        (
            lambda w: [
                NewMessage(MessageContent(text="a"), ThreadRequest(name="nope", reply_option="REPLY_MESSAGE_OR_FAIL"))
            ],
            NotFound,
        ),
    ],
)
def test_the_rules_of_create_still_apply(items: Callable[[dict[str, Any]], list[NewMessage]], error: type) -> None:
    store, _, w = _world(timedelta(microseconds=1))
    with pytest.raises(error):
        store.messages.create_many(as_user(w["ann"]), w["space"].id, items(w))


def test_the_caller_is_checked_once_for_the_batch() -> None:
    store, _, w = _world(timedelta(microseconds=1))
    outsider = store.add_user("zed@example.com", "Zed")
    with pytest.raises(NotFound):
        store.messages.create_many(as_user(outsider), w["space"].id, [NewMessage(MessageContent(text="x"))])
    store.set_space_permission(w["space"].id, "post_messages", managers=True, members=False)
    with pytest.raises(PermissionDenied):
        store.messages.create_many(as_user(w["bob"]), w["space"].id, [NewMessage(MessageContent(text="x"))])
    assert store.messages.count(w["space"].id) == 0


class _Log:
    def __init__(self) -> None:
        self.entries: list[str] = []


def test_behind_a_recording_proxy_draws_and_clock_readings_keep_creates_order() -> None:
    """A state file's tape replays each id draw in its place among the clock readings: the batch must not draw
    ahead there (a workspace file recorded one create at a time replays through the batch)."""

    def logged(tick: timedelta) -> tuple[ChatStore, dict[str, Any], _Log]:
        store, clock, world = _world(tick)
        log = _Log()

        class Ids(IdGeneratorProxy):
            def _next(self, kind: str, n: int, make: Callable[[], str]) -> str:
                log.entries.append(f"{kind}{n}")
                return make()

        class Clock(ClockProxy):
            def now(self) -> datetime:
                log.entries.append("t")
                return self.inner.now()

        store.ids, store.clock = Ids(store.ids), Clock(clock)
        return store, world, log

    one, w1, one_log = logged(timedelta(microseconds=1))
    bulk, w2, bulk_log = logged(timedelta(microseconds=1))
    assert not bulk.ids.draws_in_bulk()
    for store, world in ((one, w1), (bulk, w2)):
        items = [NewMessage(MessageContent(text=f"m{i}")) for i in range(5)] + [
            NewMessage(MessageContent(text="r"), reply_to=0)
        ]
        if store is one:
            _one_by_one(store, store.clock, [(as_user(world["ann"]), world["space"].id, items)])  # type: ignore[arg-type]
        else:
            store.messages.create_many(as_user(world["ann"]), world["space"].id, items)
    assert bulk_log.entries == one_log.entries and "opaque11" in one_log.entries
