"""Benchmarks of the fake Chat server core, measured side by side in one run (``make bench``).

1. GetSpace through ``ChatServicer`` vs a bare echo servicer that returns a prebuilt Space: two real gRPC servers
   on 127.0.0.1 with the same thread-pool size, sequential unary calls from one client with a bearer token.
   Goal: calls/s(ours) / calls/s(echo) >= 0.8.
2. ListMemberships, first page of 100, in a space of 100 members vs a space of 100,000 members (seeded through the
   store API, not RPCs). Goal: time(100k) / time(100) <= 1.5.

The machines this runs on are noisy, so the compared variants alternate in short slots (ABBA order), each round
yields a paired ratio, and the table reports medians over the rounds; every phase is bounded in time. A missed goal
is reported as MISS and does not fail the run; an error (wrong answer, failed RPC) exits non-zero.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2_grpc, membership_pb2, message_pb2, space_pb2
from runner import Paired, Table, arguments, at_least, at_most, banner, compare, sized

from chat_grpc.fake.auth import USER_SCOPES
from chat_grpc.fake.store import Actor, AuthKind, ChatStore, MemberRef, Space, User
from chat_grpc.server import ChatServer

WORKERS = 16  # thread-pool size of both servers (ChatServer's default)
SMALL, LARGE, PAGE = 100, sized(100_000, smoke=300), 100
GETSPACE_GOAL, LIST_GOAL = 0.8, 1.5


class EchoServicer(chat_service_pb2_grpc.ChatServiceServicer):
    """The floor: gRPC and protobuf costs only, no auth, no store, no rendering."""

    def __init__(self, space: space_pb2.Space, message: message_pb2.Message | None = None) -> None:
        self._space = space
        self._message = message or message_pb2.Message()

    def GetSpace(self, request: space_pb2.GetSpaceRequest, context: grpc.ServicerContext) -> space_pb2.Space:
        return self._space

    def CreateMessage(
        self, request: message_pb2.CreateMessageRequest, context: grpc.ServicerContext
    ) -> message_pb2.Message:
        return self._message


def user_actor(user: User) -> Actor:
    return Actor(user, AuthKind.USER, USER_SCOPES)


def new_space(store: ChatStore, owner: User, name: str) -> Space:
    template = Space(id="", space_type="SPACE", display_name=name, customer=owner.customer)
    return store.create_space(user_actor(owner), template)


def echo_server(space: space_pb2.Space, message: message_pb2.Message | None = None) -> tuple[grpc.Server, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="echo"))
    chat_service_pb2_grpc.add_ChatServiceServicer_to_server(EchoServicer(space, message), server)
    port = server.add_insecure_port("127.0.0.1:0")
    if port == 0:
        raise OSError("cannot bind 127.0.0.1 for the echo server")
    server.start()
    return server, f"127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------------- GetSpace


@dataclass
class GetSpaceResult:
    ours: Paired  # calls/s of ours (a) and echo (b)
    calls_per_slot: int


# What the client needs from the servers: our address, the echo's address, the bearer token, the space's name.
Servers = tuple[str, str, str, str]


@contextmanager
def get_space_servers() -> Iterator[Servers]:
    """Ours and the echo side by side, the echo answering exactly what ours answers."""
    with ChatServer(seed=1, max_workers=WORKERS) as chat:
        owner = chat.store.add_user("owner@example.com", "Owner")
        space = new_space(chat.store, owner, "GetSpace bench")
        for i in range(5):
            member = chat.store.add_user(f"m{i}@example.com")
            chat.store.create_membership(user_actor(owner), space.id, MemberRef("HUMAN", member.id))
        token = chat.token_for(owner)
        with grpc.insecure_channel(chat.address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            prebuilt = stub.GetSpace(
                space_pb2.GetSpaceRequest(name=space.name), metadata=(("authorization", f"Bearer {token}"),)
            )
        if prebuilt.name != space.name or prebuilt.membership_count.joined_direct_human_user_count != 6:
            raise RuntimeError(f"GetSpace answered an unexpected space: {prebuilt}")
        echo, echo_address = echo_server(prebuilt)
        try:
            yield chat.address, echo_address, token, space.name
        finally:
            echo.stop(None).wait()


def _serve_from(factory: Callable[[], Any], conn: Connection) -> None:
    """The server process: start what ``factory`` starts, send what it yields, serve until the client says stop."""
    with factory() as found:
        conn.send(found)
        conn.recv()


@contextmanager
def server_process(factory: Callable[[], Any], name: str) -> Iterator[Any]:
    """Run ``factory`` (a module-level context manager factory, picklable) in a fresh spawned process; yield
    what it reports (addresses, ports), and stop the process afterwards. Shared by the bench scripts."""
    context = multiprocessing.get_context("spawn")
    client_end, server_end = context.Pipe()
    process = context.Process(target=_serve_from, args=(factory, server_end), name=name, daemon=True)
    process.start()
    server_end.close()  # the child's end is the child's alone: if it dies, the client reads EOF
    try:
        if not client_end.poll(120):
            raise RuntimeError("the server process did not report its addresses within 120 s")
        yield client_end.recv()  # EOFError if the server process died
    finally:
        with suppress(OSError):
            client_end.send("stop")
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the server process exited with {process.exitcode}")


def bench_get_space(servers: Servers, budget: float) -> GetSpaceResult:
    ours_address, echo_address, token, space_name = servers
    metadata = (("authorization", f"Bearer {token}"),)
    request = space_pb2.GetSpaceRequest(name=space_name)
    with grpc.insecure_channel(ours_address) as ours_channel, grpc.insecure_channel(echo_address) as echo_channel:
        ours_stub = chat_service_pb2_grpc.ChatServiceStub(ours_channel)
        echo_stub = chat_service_pb2_grpc.ChatServiceStub(echo_channel)
        expected = ours_stub.GetSpace(request, metadata=metadata)

        def slot(stub: chat_service_pb2_grpc.ChatServiceStub, calls: int) -> float:
            get = stub.GetSpace
            start = time.perf_counter()
            for _ in range(calls):
                answer = get(request, metadata=metadata)
            elapsed = time.perf_counter() - start
            if answer != expected:
                raise RuntimeError("GetSpace answers differ between the servers")
            return calls / elapsed

        paired = compare(
            lambda n: slot(ours_stub, n), lambda n: slot(echo_stub, n), budget=budget, probe=300, min_calls=20
        )
    return GetSpaceResult(paired, paired.calls)


# ---------------------------------------------------------------------------------------------------- ListMemberships


@dataclass
class ListResult:
    seed_seconds: float
    rpc: Paired  # ms per call: large space (a), small space (b)
    store: Paired  # ms per store.list_memberships page: large (a), small (b)
    get_space: Paired  # ms per GetSpace RPC: large (a), small (b)
    calls_per_slot: int


def seed_members(store: ChatStore, owner: User, space_id: str, count: int, prefix: str) -> None:
    """``count`` members besides the owner, straight through the store API."""
    actor = user_actor(owner)
    for i in range(count):
        user = store.add_user(f"{prefix}{i}@example.com", f"Member {i}")
        store.create_membership(actor, space_id, MemberRef("HUMAN", user.id))


def bench_list_memberships(budget: float) -> ListResult:
    with ChatServer(seed=2, max_workers=WORKERS) as chat:
        store = chat.store
        owner = store.add_user("owner@example.com", "Owner")
        small = new_space(store, owner, "Small space")
        large = new_space(store, owner, "Large space")
        start = time.perf_counter()
        seed_members(store, owner, small.id, SMALL - 1, "small")
        seed_members(store, owner, large.id, LARGE - 1, "large")
        seed_seconds = time.perf_counter() - start
        metadata = (("authorization", f"Bearer {chat.token_for(owner)}"),)
        requests = {
            space.id: membership_pb2.ListMembershipsRequest(parent=space.name, page_size=PAGE)
            for space in (small, large)
        }
        with grpc.insecure_channel(chat.address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            list_rpc = stub.ListMemberships

            def check(space_id: str, page: membership_pb2.ListMembershipsResponse) -> None:
                more = space_id == large.id
                if len(page.memberships) != PAGE or bool(page.next_page_token) != more:
                    raise RuntimeError(f"ListMemberships: {len(page.memberships)} members, token {more=} expected")

            def rpc_slot(space_id: str, calls: int) -> float:
                request = requests[space_id]
                start = time.perf_counter()
                for _ in range(calls):
                    page = list_rpc(request, metadata=metadata)
                elapsed = time.perf_counter() - start
                check(space_id, page)
                return elapsed / calls * 1000

            actor = user_actor(owner)

            def store_slot(space_id: str, calls: int) -> float:
                start = time.perf_counter()
                for _ in range(calls):
                    page, _ = store.list_memberships(actor, space_id, lambda m: True, after=0, limit=PAGE)
                elapsed = time.perf_counter() - start
                if len(page) != PAGE:
                    raise RuntimeError(f"store.list_memberships returned {len(page)} memberships")
                return elapsed / calls * 1000

            rpc = compare(
                lambda n: rpc_slot(large.id, n),
                lambda n: rpc_slot(small.id, n),
                budget=budget * 0.6,
                rate=False,
                probe=30,
            )
            in_store = compare(
                lambda n: store_slot(large.id, n),
                lambda n: store_slot(small.id, n),
                budget=budget * 0.2,
                rate=False,
                probe=30,
                warmup=False,
            )

            def get_slot(space: Space, calls: int) -> float:
                request = space_pb2.GetSpaceRequest(name=space.name)
                start = time.perf_counter()
                for _ in range(calls):
                    answer = stub.GetSpace(request, metadata=metadata)
                elapsed = time.perf_counter() - start
                if answer.name != space.name:
                    raise RuntimeError(f"GetSpace answered {answer.name}, not {space.name}")
                return elapsed / calls * 1000

            get_space = compare(
                lambda n: get_slot(large, n),
                lambda n: get_slot(small, n),
                budget=budget * 0.2,
                rate=False,
                probe=5,
                warmup=False,
            )
    return ListResult(seed_seconds, rpc, in_store, get_space, rpc.calls)


# ---------------------------------------------------------------------------------------------------- report


def report(get: GetSpaceResult, get_in_process: GetSpaceResult, lst: ListResult) -> Table:
    gs, gi, lr, ls, lg = get.ours, get_in_process.ours, lst.rpc, lst.store, lst.get_space
    table = Table()
    table.paired("GetSpace (server process)", gs, ("ours", "echo"), "calls/s", at_least(GETSPACE_GOAL))
    table.measured("GetSpace, ours (in-process, info)", gi.a, "calls/s")
    table.measured("GetSpace, echo (in-process, info)", gi.b, "calls/s")
    table.ratio("  ratio ours/echo (info)", gi)
    table.value(f"Seeding {SMALL - 1:,} + {LARGE - 1:,} members (store API)", f"{lst.seed_seconds:.1f} s")
    table.measured(f"ListMemberships page {PAGE}, {SMALL:,} members", lr.b, "ms")
    table.measured(f"ListMemberships page {PAGE}, {LARGE:,} members", lr.a, "ms")
    table.ratio("  ratio 100k/100", lr, at_most(LIST_GOAL))
    table.measured(f"  store only, {SMALL:,} members (info)", ls.b, "ms")
    table.measured(f"  store only, {LARGE:,} members (info)", ls.a, "ms")
    table.ratio("  store ratio 100k/100 (info)", ls)
    table.measured(f"GetSpace, {SMALL:,} members (info)", lg.b, "ms")
    table.measured(f"GetSpace, {LARGE:,} members (info)", lg.a, "ms")
    table.ratio("  ratio 100k/100 (info)", lg)
    table.notes.append(
        f"Rounds (slots per variant x calls): GetSpace {gs.rounds} x {get.calls_per_slot}, "
        f"in-process {gi.rounds} x {get_in_process.calls_per_slot}; ListMemberships {lr.rounds} x "
        f"{lst.calls_per_slot}, store {ls.rounds}; GetSpace 100/100k {lg.rounds}. {WORKERS} server threads. "
        "Ratios: medians of per-round paired ratios."
    )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 30.0, "per benchmark (~2.5x in all)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    banner("chat-grpc server benchmarks")
    print("GetSpace: ours vs echo, servers in a separate process ...", flush=True)
    with server_process(get_space_servers, "bench-servers") as servers:
        get = bench_get_space(servers, args.budget)
    print("GetSpace: ours vs echo, servers in this process ...", flush=True)
    with get_space_servers() as servers:
        get_in_process = bench_get_space(servers, args.budget / 2)
    print(f"ListMemberships: seeding {LARGE:,} members, then {SMALL:,} vs {LARGE:,} ...", flush=True)
    lst = bench_list_memberships(args.budget)
    report(get, get_in_process, lst).print()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
