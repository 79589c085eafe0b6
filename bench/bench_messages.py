"""Message benchmarks of the fake Chat server, run by ``make bench`` after bench_server.py (same method and table).

All three run against one server process (spawned fresh, so its memory is the server's alone), with this process
as the gRPC client:

1. CreateMessage through ``ChatServicer`` vs the echo servicer of bench_server.py answering a prebuilt Message
   (the same bytes ours answers): sequential unary calls with a bearer token, alternating slots.
   Informational goal: calls/s(ours) / calls/s(echo) >= 0.8.
2. Resident memory of 1,000,000 messages of ~500 bytes of text each, created through the store API
   (``store.messages.create``, as the CreateMessage handler does): the growth of VmRSS over the seeding.
   Goal: <= 1 GiB. A tracemalloc sample of 10,000 more messages shows where the bytes go, per source file.
3. ListMessages, first page of 100, in a space of 1,000 vs 1,000,000 messages, plain and with a
   ``create_time >`` filter in the middle of each space's range. Goal: time(1M) / time(1k) <= 1.5.

A missed goal is reported as MISS and does not fail the run; an error (wrong answer, failed RPC, a server process
that dies) exits non-zero.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import grpc
from bench_server import WORKERS, echo_server, new_space, user_actor
from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2, user_pb2
from runner import Paired, Table, arguments, at_least, at_most, banner, compare, sized

from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.store import Actor, ChatStore
from chat_grpc.fake.store.message_records import MessageContent, NewMessage
from chat_grpc.fake.store.model import clone
from chat_grpc.server import ChatServer

SMALL, LARGE, PAGE = sized(1_000, smoke=250), sized(1_000_000, smoke=400), 100  # smoke: > 2 pages
SAMPLE = sized(10_000, smoke=200)  # messages created under tracemalloc for the per-file breakdown
TEXT_BYTES = 500
CREATE_GOAL, LIST_GOAL, MEMORY_GOAL_MIB = 0.8, 1.5, 1024.0
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
    "consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum. "
    "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem "
    "aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo."
)
CREATE_TEXT = "Hello from the CreateMessage benchmark"
SRC = Path(__file__).resolve().parents[1] / "chat_grpc"


def message_text(i: int, label: str) -> str:
    """A distinct text of TEXT_BYTES ASCII characters (plain prose: no mentions, single spaces)."""
    return f"Message {i} in the {label} space. {LOREM}"[:TEXT_BYTES]


def rss_mib() -> float:
    """This process's resident set (VmRSS), in MiB, after a full collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------------- server process


@dataclass
class CreatePhase:
    """Phase 1: our server and the echo, both ready for CreateMessage."""

    ours: str
    echo: str
    token: str
    parent: str


@dataclass
class ListPhase:
    """Phase 2: the seeded spaces, the memory they took, and the store-only timings."""

    address: str
    token: str
    names: dict[int, str]  # space size -> space name
    middles: dict[int, datetime]  # space size -> create time of its middle message
    seed_seconds: float
    rss_before: float  # MiB, after the 1,000-message space, before the 1,000,000-message one
    rss_after: float
    breakdown: list[tuple[str, float]]  # (source file, bytes per message), from the tracemalloc sample
    store_plain: Paired  # ms per store.messages.list page: large (a), small (b)
    store_filtered: Paired
    store_calls: int


def seed_messages(store: ChatStore, actor: Actor, space_id: str, count: int, label: str) -> datetime:
    """``count`` messages, each a new thread, seeded in bulk through the store API (``create_many``: the state
    of one create per message); the middle one's create time."""
    made = store.messages.create_many(
        actor, space_id, (NewMessage(MessageContent(text=message_text(i, label))) for i in range(count))
    )
    middle = store.messages.get(actor, space_id, made[count // 2])
    return middle.create_time


def allocation_breakdown(store: ChatStore, actor: Actor, space_id: str) -> list[tuple[str, float]]:
    """Bytes per message still allocated after SAMPLE creates, grouped by the source file that allocated them."""
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        seed_messages(store, actor, space_id, SAMPLE, "sample")
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    rows: dict[str, float] = {}
    for stat in after.compare_to(before, "filename"):
        path = Path(stat.traceback[0].filename)
        if path == Path(__file__).resolve():
            label = "the text itself (the caller's str)"
        elif path.is_relative_to(SRC):
            label = str(path.relative_to(SRC))
        elif path.name == "<string>":
            label = "<string> (dataclass field defaults)"
        else:
            label = path.name
        rows[label] = rows.get(label, 0.0) + stat.size_diff / SAMPLE
    return sorted(rows.items(), key=lambda row: -row[1])


def bench_store_list(
    store: ChatStore, actor: Actor, ids: dict[int, str], middles: dict[int, datetime], budget: float
) -> tuple[Paired, Paired, int]:
    """The ListMessages page without gRPC: large vs small, plain and filtered."""
    list_ = store.messages.list

    def slot(size: int, filtered: bool, calls: int) -> float:
        after = middles[size] if filtered else None
        start = time.perf_counter()
        for _ in range(calls):
            page, last = list_(
                actor,
                ids[size],
                after=after,
                before=None,
                thread_id=None,
                descending=False,
                show_deleted=False,
                cursor=None,
                limit=PAGE,
                view=clone,  # each message copied, as the store handed them out before views
            )
        elapsed = time.perf_counter() - start
        if len(page) != PAGE or last is None or (after is not None and page[0].create_time <= after):
            raise RuntimeError(f"store.messages.list returned {len(page)} messages, {last=}")
        return elapsed / calls * 1000

    def pair(filtered: bool) -> Paired:
        return compare(
            lambda n: slot(LARGE, filtered, n), lambda n: slot(SMALL, filtered, n), budget=budget, rate=False, probe=20
        )

    plain, filtered = pair(False), pair(True)
    return plain, filtered, plain.calls


def serve(conn: Connection, budget: float) -> None:
    """The server process: CreateMessage phase, then seeding and memory, then ListMessages; until told to stop."""
    with ChatServer(seed=3, clock=ManualClock(), max_workers=WORKERS) as chat:
        store = chat.store
        owner = store.add_user("owner@example.com", "Owner")
        actor = user_actor(owner)
        token = chat.token_for(owner)
        create_space = new_space(store, owner, "CreateMessage bench")
        with grpc.insecure_channel(chat.address) as channel:
            prebuilt = chat_service_pb2_grpc.ChatServiceStub(channel).CreateMessage(
                message_pb2.CreateMessageRequest(
                    parent=create_space.name, message=message_pb2.Message(text=CREATE_TEXT)
                ),
                metadata=(("authorization", f"Bearer {token}"),),
            )
        if prebuilt.text != CREATE_TEXT or not prebuilt.name.startswith(f"{create_space.name}/messages/"):
            raise RuntimeError(f"CreateMessage answered an unexpected message: {prebuilt}")
        echo, echo_address = echo_server(space_pb2.Space(), prebuilt)
        try:
            conn.send(CreatePhase(chat.address, echo_address, token, create_space.name))
            if conn.recv() == "stop":  # the client is done with CreateMessage, or gave up
                return

            small = new_space(store, owner, "1k messages")
            large = new_space(store, owner, "1M messages")
            ids = {SMALL: small.id, LARGE: large.id}
            middles = {SMALL: seed_messages(store, actor, small.id, SMALL, "small")}
            rss_before = rss_mib()
            start = time.perf_counter()
            middles[LARGE] = seed_messages(store, actor, large.id, LARGE, "large")
            seed_seconds = time.perf_counter() - start
            rss_after = rss_mib()
            breakdown = allocation_breakdown(store, actor, new_space(store, owner, "tracemalloc sample").id)
            store_plain, store_filtered, store_calls = bench_store_list(store, actor, ids, middles, budget * 0.1)
            conn.send(
                ListPhase(
                    chat.address,
                    token,
                    {SMALL: small.name, LARGE: large.name},
                    middles,
                    seed_seconds,
                    rss_before,
                    rss_after,
                    breakdown,
                    store_plain,
                    store_filtered,
                    store_calls,
                )
            )
            conn.recv()  # the client is done with ListMessages
        finally:
            echo.stop(None).wait()


class ServerProcess:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def next_phase(self, timeout: float) -> object:
        if not self._conn.poll(timeout):
            raise RuntimeError(f"the server process did not answer within {timeout:.0f} s")
        return self._conn.recv()  # EOFError if the server process died

    def go_on(self) -> None:
        self._conn.send("next")


@contextmanager
def server_process(budget: float) -> Iterator[ServerProcess]:
    context = multiprocessing.get_context("spawn")
    client_end, server_end = context.Pipe()
    process = context.Process(target=serve, args=(server_end, budget), name="bench-messages", daemon=True)
    process.start()
    server_end.close()  # the child's end is the child's alone: if it dies, the client reads EOF
    try:
        yield ServerProcess(client_end)
    finally:
        with suppress(OSError):
            client_end.send("stop")
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the server process exited with {process.exitcode}")


# ---------------------------------------------------------------------------------------------------- client side


@dataclass
class CreateResult:
    ours: Paired  # calls/s of ours (a) and echo (b)
    calls_per_slot: int


def bench_create(phase: CreatePhase, budget: float) -> CreateResult:
    metadata = (("authorization", f"Bearer {phase.token}"),)
    request = message_pb2.CreateMessageRequest(parent=phase.parent, message=message_pb2.Message(text=CREATE_TEXT))
    with grpc.insecure_channel(phase.ours) as ours_channel, grpc.insecure_channel(phase.echo) as echo_channel:
        ours_stub = chat_service_pb2_grpc.ChatServiceStub(ours_channel)
        echo_stub = chat_service_pb2_grpc.ChatServiceStub(echo_channel)

        def slot(stub: chat_service_pb2_grpc.ChatServiceStub, calls: int) -> float:
            create = stub.CreateMessage
            start = time.perf_counter()
            for _ in range(calls):
                answer = create(request, metadata=metadata)
            elapsed = time.perf_counter() - start
            if answer.text != CREATE_TEXT or answer.sender.type != user_pb2.User.HUMAN:
                raise RuntimeError(f"CreateMessage answered an unexpected message: {answer}")
            return calls / elapsed

        paired = compare(
            lambda n: slot(ours_stub, n), lambda n: slot(echo_stub, n), budget=budget, probe=300, min_calls=20
        )
    return CreateResult(paired, paired.calls)


@dataclass
class ListResult:
    plain: Paired  # ms per call: large space (a), small space (b)
    filtered: Paired
    calls_per_slot: int


def bench_list(phase: ListPhase, budget: float) -> ListResult:
    metadata = (("authorization", f"Bearer {phase.token}"),)
    requests = {
        (size, filtered): message_pb2.ListMessagesRequest(
            parent=phase.names[size],
            page_size=PAGE,
            filter=f'create_time > "{rfc3339(phase.middles[size])}"' if filtered else "",
        )
        for size in (SMALL, LARGE)
        for filtered in (False, True)
    }
    with grpc.insecure_channel(phase.address) as channel:
        list_rpc = chat_service_pb2_grpc.ChatServiceStub(channel).ListMessages

        def slot(size: int, filtered: bool, calls: int) -> float:
            request = requests[size, filtered]
            start = time.perf_counter()
            for _ in range(calls):
                page = list_rpc(request, metadata=metadata)
            elapsed = time.perf_counter() - start
            first = page.messages[0].create_time.ToDatetime(tzinfo=UTC) if page.messages else None
            if len(page.messages) != PAGE or not page.next_page_token or first is None:
                raise RuntimeError(f"ListMessages: {len(page.messages)} messages, token {page.next_page_token!r}")
            if filtered and first <= phase.middles[size]:
                raise RuntimeError(f"ListMessages filter {request.filter!r} answered a message of {first}")
            return elapsed / calls * 1000

        def pair(filtered: bool) -> Paired:
            return compare(
                lambda n: slot(LARGE, filtered, n),
                lambda n: slot(SMALL, filtered, n),
                budget=budget,
                rate=False,
                probe=10,
            )

        plain, filtered = pair(False), pair(True)
    return ListResult(plain, filtered, plain.calls)


# ---------------------------------------------------------------------------------------------------- report


def report(create: CreateResult, seeded: ListPhase, lst: ListResult) -> Table:
    cr = create.ours
    grown = seeded.rss_after - seeded.rss_before
    per_message = grown * 1024 * 1024 / LARGE
    table = Table()
    table.paired("CreateMessage (server process)", cr, ("ours", "echo"), "calls/s", at_least(CREATE_GOAL, info=True))
    table.value(
        f"Seeding {LARGE:,} messages (store API)",
        f"{seeded.seed_seconds:.1f} s",
        "",
        f"{LARGE / seeded.seed_seconds:,.0f} messages/s",
    )
    table.checked(
        f"RSS growth, {LARGE:,} messages of {TEXT_BYTES} B text",
        f"{grown:,.0f} MiB",
        grown,
        at_most(MEMORY_GOAL_MIB),
        "MiB",
    )
    table.value(
        "  per message", f"{per_message:,.0f} B", "", f"RSS {seeded.rss_before:,.0f} -> {seeded.rss_after:,.0f} MiB"
    )
    traced = sum(size for _, size in seeded.breakdown)
    table.value(f"  tracemalloc, {SAMPLE:,} more (info)", f"{traced:,.0f} B", "", "per message, by allocating file:")
    shown = [(label, size) for label, size in seeded.breakdown if size >= traced * 0.02]
    for label, size in shown:
        table.value(f"    {label}", f"{size:,.0f} B")
    rest = traced - sum(size for _, size in shown)
    if round(rest):
        table.value("    everything else", f"{rest:,.0f} B")
    for name, rpc, store in (("", lst.plain, seeded.store_plain), (" filtered", lst.filtered, seeded.store_filtered)):
        table.measured(f"ListMessages{name} page {PAGE}, {SMALL:,} messages", rpc.b, "ms")
        table.measured(f"ListMessages{name} page {PAGE}, {LARGE:,} messages", rpc.a, "ms")
        table.ratio("  ratio 1M/1k", rpc, at_most(LIST_GOAL))
        table.measured(f"  store only, {SMALL:,} messages (info)", store.b, "ms")
        table.measured(f"  store only, {LARGE:,} messages (info)", store.a, "ms")
        table.ratio("  store ratio 1M/1k (info)", store)
    table.notes.append(
        f"Rounds (slots per variant x calls): CreateMessage {cr.rounds} x {create.calls_per_slot}; ListMessages "
        f"{lst.plain.rounds} + {lst.filtered.rounds} x {lst.calls_per_slot}; store {seeded.store_plain.rounds} + "
        f"{seeded.store_filtered.rounds} x {seeded.store_calls}. Filter: create_time > the middle message's. "
        f"{WORKERS} server threads. Ratios: medians of per-round paired ratios."
    )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 30.0, "per benchmark; seeding 1M messages adds about a minute")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    banner("chat-grpc message benchmarks")
    with server_process(args.budget) as server:
        create_phase = server.next_phase(120)
        assert isinstance(create_phase, CreatePhase)
        print("CreateMessage: ours vs echo, servers in a separate process ...", flush=True)
        create = bench_create(create_phase, args.budget * 0.5)
        print(f"Seeding {SMALL:,} + {LARGE:,} messages in the server process, measuring its memory ...", flush=True)
        server.go_on()
        list_phase = server.next_phase(600)
        assert isinstance(list_phase, ListPhase)
        print(f"ListMessages: {SMALL:,} vs {LARGE:,} messages, plain and filtered ...", flush=True)
        lst = bench_list(list_phase, args.budget * 0.3)
    report(create, list_phase, lst).print()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
