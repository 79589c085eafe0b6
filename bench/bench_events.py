"""Space-event benchmarks of the fake Chat server, run by ``make bench`` after bench_messages.py (same method and
table).

One server process (spawned fresh: our ``ChatServer`` with a ``ManualClock``, so the seeded events stay inside
the 28-day window of ListSpaceEvents however long the run takes), with this process as the gRPC client. Each of
two spaces holds its owner's ``membership.created`` event, then one ``message.created`` event per message (the
messages created through ``store.messages.create``, as the CreateMessage handler does), then the
``membership.created`` event of a member added last: 1,002 vs 1,000,002 events.

1. ListSpaceEvents, first page of 100, ``event_types:"google.workspace.chat.message.v1.created"``, in the small
   vs the large space. Goal: time(1M) / time(1k) <= 1.5.
2. Informational: the same with ``event_types:"google.workspace.chat.membership.v1.created"``, a type rare in
   the log. The page holds the two membership events, and finding that no third follows reads past every message
   event, so this shows what a skipped entry of the log costs.

A missed goal is reported as MISS and does not fail the run; an error (wrong answer, failed RPC, a server process
that dies) exits non-zero.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection

import grpc
from bench_server import WORKERS, new_space, user_actor
from google.chat.v1 import chat_service_pb2_grpc, space_event_pb2
from runner import SLOT, Paired, alternate, arguments, format_table, sized, spread, verdict

from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.filters import parse_space_event_filter
from chat_grpc.fake.store import Actor, ChatStore, MemberRef, Space
from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest
from chat_grpc.server import ChatServer

# Messages per space (the log holds 2 membership events more), and the page.
SMALL, LARGE, PAGE = sized(1_000, smoke=150), sized(1_000_000, smoke=300), 100
LIST_GOAL = 1.5
MESSAGE_CREATED = "google.workspace.chat.message.v1.created"
MEMBERSHIP_CREATED = "google.workspace.chat.membership.v1.created"


def event_filter(event_type: str) -> str:
    return f'event_types:"{event_type}"'


# ---------------------------------------------------------------------------------------------------- server process


@dataclass
class Seeded:
    """The seeded spaces (by message count), what their first pages must hold, and the store-only timings."""

    address: str
    token: str
    names: dict[int, str]  # space name
    first_messages: dict[int, str]  # name of the space's first message (the first event of the common page)
    members: dict[int, tuple[str, str]]  # user names of the owner and of the member added last (the rare page)
    seed_seconds: float
    store: Paired  # ms per store.space_events.list page, message.created: large (a), small (b)
    store_calls: int


def seed_space(store: ChatStore, actor: Actor, space: Space, count: int, label: str) -> tuple[str, str]:
    """``count`` messages (each a new thread) through the store API, then one more member; the first message's
    name and the new member's user name."""
    create = store.messages.create
    thread = ThreadRequest()
    first = create(actor, space.id, MessageContent(text=f"Message 0 in the {label} space"), thread).name
    for i in range(1, count):
        create(actor, space.id, MessageContent(text=f"Message {i} in the {label} space"), thread)
    late = store.add_user(f"late-{label}@example.com", f"Late member of the {label} space")
    store.create_membership(actor, space.id, MemberRef("HUMAN", late.id))
    return first, f"users/{late.id}"


def check_log(store: ChatStore, space: Space, count: int) -> None:
    """The small space's log is what the benchmark assumes: owner joined, ``count`` messages, a member joined."""
    types = [event.event_type for event in store.events(space.id)]
    if types != [MEMBERSHIP_CREATED, *[MESSAGE_CREATED] * count, MEMBERSHIP_CREATED]:
        raise RuntimeError(f"unexpected event log in {space.name}: {len(types)} events, {sorted(set(types))}")


def bench_store(store: ChatStore, actor: Actor, ids: dict[int, str], budget: float) -> tuple[Paired, int]:
    """The common page without gRPC (the filter parsed once per slot): large vs small."""
    list_ = store.space_events.list

    def slot(size: int, calls: int) -> float:
        wanted = parse_space_event_filter(event_filter(MESSAGE_CREATED), now=store.clock.now())
        types = wanted.matching_event_types
        start = time.perf_counter()
        for _ in range(calls):
            page, last = list_(
                actor,
                ids[size],
                types,
                after=wanted.start_time,
                until=wanted.end_time,
                cursor=None,
                limit=PAGE,
                view=lambda space_id, key, event_type, payload: (event_type, payload),
            )
        elapsed = time.perf_counter() - start
        if len(page) != PAGE or last is None or any(event_type != MESSAGE_CREATED for event_type, _ in page):
            raise RuntimeError(f"store.space_events.list returned {len(page)} events, {last=}")
        return elapsed / calls * 1000

    slot(SMALL, 20), slot(LARGE, 20)  # warm-up
    calls = max(5, int(SLOT * 1000 / slot(SMALL, 20)))
    paired = alternate(
        lambda: slot(LARGE, calls), lambda: slot(SMALL, calls), budget=budget, min_rounds=6, max_rounds=2000
    )
    return paired, calls


def serve(conn: Connection, budget: float) -> None:
    """The server process: seed both spaces, time the store alone, then serve until the client says stop."""
    with ChatServer(seed=4, clock=ManualClock(), max_workers=WORKERS) as chat:
        store = chat.store
        owner = store.add_user("owner@example.com", "Owner")
        actor = user_actor(owner)
        spaces = {SMALL: new_space(store, owner, "1k events"), LARGE: new_space(store, owner, "1M events")}
        start = time.perf_counter()
        seeded = {size: seed_space(store, actor, space, size, f"{size:,}") for size, space in spaces.items()}
        seed_seconds = time.perf_counter() - start
        check_log(store, spaces[SMALL], SMALL)
        ids = {size: space.id for size, space in spaces.items()}
        store_paired, store_calls = bench_store(store, actor, ids, budget * 0.1)
        conn.send(
            Seeded(
                chat.address,
                chat.token_for(owner),
                {size: space.name for size, space in spaces.items()},
                {size: first for size, (first, _) in seeded.items()},
                {size: (f"users/{owner.id}", late) for size, (_, late) in seeded.items()},
                seed_seconds,
                store_paired,
                store_calls,
            )
        )
        conn.recv()  # the client is done


@contextmanager
def server_process(budget: float) -> Iterator[Connection]:
    context = multiprocessing.get_context("spawn")
    client_end, server_end = context.Pipe()
    process = context.Process(target=serve, args=(server_end, budget), name="bench-events", daemon=True)
    process.start()
    server_end.close()  # the child's end is the child's alone: if it dies, the client reads EOF
    try:
        yield client_end
    finally:
        with suppress(OSError):
            client_end.send("stop")
        process.join(30)
        if process.is_alive():
            process.kill()
            process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the server process exited with {process.exitcode}")


# ---------------------------------------------------------------------------------------------------- client side


@dataclass
class ListResult:
    common: Paired  # ms per call, message.created: large space (a), small space (b)
    rare: Paired  # ms per call, membership.created: large (a), small (b)
    common_calls: int
    rare_calls: dict[int, int]  # calls per slot, by space size


def bench_list(seeded: Seeded, budget: float) -> ListResult:
    metadata = (("authorization", f"Bearer {seeded.token}"),)
    requests = {
        (size, rare): space_event_pb2.ListSpaceEventsRequest(
            parent=seeded.names[size],
            page_size=PAGE,
            filter=event_filter(MEMBERSHIP_CREATED if rare else MESSAGE_CREATED),
        )
        for size in (SMALL, LARGE)
        for rare in (False, True)
    }

    def check(size: int, rare: bool, page: space_event_pb2.ListSpaceEventsResponse) -> None:
        events = page.space_events
        if rare:
            members = tuple(event.membership_created_event_data.membership.member.name for event in events)
            if members != seeded.members[size] or page.next_page_token:
                raise RuntimeError(f"ListSpaceEvents (rare): {members}, token {page.next_page_token!r}")
            return
        if len(events) != PAGE or not page.next_page_token:
            raise RuntimeError(f"ListSpaceEvents: {len(events)} events, token {page.next_page_token!r}")
        first = events[0].message_created_event_data.message
        if first.name != seeded.first_messages[size] or not first.text:
            raise RuntimeError(f"ListSpaceEvents: the first event is about {first.name!r}")
        if any(event.event_type != MESSAGE_CREATED for event in events):
            raise RuntimeError("ListSpaceEvents answered an event of another type")

    with grpc.insecure_channel(seeded.address) as channel:
        list_rpc = chat_service_pb2_grpc.ChatServiceStub(channel).ListSpaceEvents

        def slot(size: int, rare: bool, calls: int) -> float:
            request = requests[size, rare]
            start = time.perf_counter()
            for _ in range(calls):
                page = list_rpc(request, metadata=metadata)
            elapsed = time.perf_counter() - start
            check(size, rare, page)
            return elapsed / calls * 1000

        slot(SMALL, False, 10), slot(LARGE, False, 10)  # warm-up
        common_calls = max(5, int(SLOT * 1000 / slot(SMALL, False, 10)))
        common = alternate(
            lambda: slot(LARGE, False, common_calls),
            lambda: slot(SMALL, False, common_calls),
            budget=budget * 0.6,
            min_rounds=6,
            max_rounds=2000,
        )
        # A rare page in the large space takes seconds: one call a slot there, a slot's worth in the small one.
        rare_calls = {size: max(1, int(SLOT * 1000 / slot(size, True, 1))) for size in (SMALL, LARGE)}
        rare = alternate(
            lambda: slot(LARGE, True, rare_calls[LARGE]),
            lambda: slot(SMALL, True, rare_calls[SMALL]),
            budget=budget * 0.3,
            min_rounds=4,
            max_rounds=2000,
        )
    return ListResult(common, rare, common_calls, rare_calls)


# ---------------------------------------------------------------------------------------------------- report


def report(seeded: Seeded, lst: ListResult) -> list[str]:
    med = statistics.median
    lc, lr, ls = lst.common, lst.rare, seeded.store
    ratio = med(lc.ratios)
    skipped = LARGE - SMALL  # message events the rare page reads past in the large space, beyond the small one's
    per_skipped = (med(lr.a) - med(lr.b)) / skipped * 1000
    rows = [
        (
            f"Seeding {SMALL:,} + {LARGE:,} messages (store API)",
            f"{seeded.seed_seconds:.1f} s",
            "",
            f"{(SMALL + LARGE) / seeded.seed_seconds:,.0f} messages/s",
        ),
        (f"ListSpaceEvents page {PAGE}, message.created, {SMALL:,}", f"{med(lc.b):.3f} ms", spread(lc.b), ""),
        (f"ListSpaceEvents page {PAGE}, message.created, {LARGE:,}", f"{med(lc.a):.3f} ms", spread(lc.a), ""),
        ("  ratio 1M/1k", f"{ratio:.3f}", spread(lc.ratios), f"<= {LIST_GOAL}  {verdict(ratio <= LIST_GOAL)}"),
        (f"  store only, {SMALL:,} (info)", f"{med(ls.b):.3f} ms", spread(ls.b), ""),
        (f"  store only, {LARGE:,} (info)", f"{med(ls.a):.3f} ms", spread(ls.a), ""),
        ("  store ratio 1M/1k (info)", f"{med(ls.ratios):.3f}", spread(ls.ratios), ""),
        (f"ListSpaceEvents membership.created (rare), {SMALL:,} (info)", f"{med(lr.b):.3f} ms", spread(lr.b), ""),
        (f"ListSpaceEvents membership.created (rare), {LARGE:,} (info)", f"{med(lr.a):.1f} ms", spread(lr.a), ""),
        ("  ratio 1M/1k (info)", f"{med(lr.ratios):,.0f}", spread(lr.ratios), ""),
        ("  per skipped entry (info)", f"{per_skipped:.2f} µs", "", f"(1M - 1k) / {skipped:,} entries"),
    ]
    out = format_table(rows)
    out.append(
        f"Rounds (slots per variant x calls): message.created {lc.rounds} x {lst.common_calls}; store {ls.rounds} x "
        f"{seeded.store_calls}; membership.created {lr.rounds} x {lst.rare_calls[SMALL]} (1k) / "
        f"{lst.rare_calls[LARGE]} (1M). Spaces of 1k and 1M messages; their logs hold 2 membership.created events "
        f"more. {WORKERS} server threads. Ratios: medians of per-round paired ratios."
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 30.0, "in all; seeding 1M messages adds about half a minute")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"chat-grpc space event benchmarks (Python {sys.version.split()[0]}, grpcio {grpc.__version__})", flush=True)
    print(f"Seeding {SMALL:,} + {LARGE:,} messages (and their events) in the server process ...", flush=True)
    with server_process(args.budget) as conn:
        if not conn.poll(600):
            raise RuntimeError("the server process did not answer within 600 s")
        seeded = conn.recv()  # EOFError if the server process died
        assert isinstance(seeded, Seeded)
        print(f"ListSpaceEvents: {SMALL:,} vs {LARGE:,} events, message.created and membership.created ...", flush=True)
        lst = bench_list(seeded, args.budget)
    print()
    print("\n".join(report(seeded, lst)))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
