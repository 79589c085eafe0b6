"""Concurrent clients against the out-of-process emulator, ours vs an echo on the same server stack (``make bench``).

One server process, spawned fresh: our ``ChatServer`` (what ``python -m chat_grpc.server`` runs: ChatService on a
``grpc.aio`` server, the core on the event loop when the store is free, else on its worker threads) and the echo
of ``bench_rpcs.py`` (the same aio stack, answering the prebuilt Space ours answered). GetSpace of a space of 6
members, with a bearer token, from:

* 1 client (sequential calls), the reference;
* 8 client threads in this process, each with its own channel;
* 8 client processes, each with its own channel (spawned once, told how many calls to make per slot);
* 8 asyncio tasks on one ``grpc.aio`` channel in this process.

Each slot: every client makes ``n`` calls; calls/s = all calls / wall time of the slot. ABBA slots, paired
ratios, medians (``runner.py``). Goals: ours / echo >= 0.9 for every row, and no failed call at all.

``--stacks`` adds the comparison that chose ChatServer's stack: the same core (same store, same ChatCore) behind
a thread-pool ``grpc.server`` (``ChatServicer``, 16 threads) and its echo, and ours-aio vs ours-threads directly.
``--profile SECONDS`` instead profiles the server process under 8 client threads for that long (cProfile on
every thread of the server process, ``threading.setprofile``) and prints the top frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import functools
import io
import multiprocessing
import os
import pstats
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import grpc
from bench_rpcs import echo_server, prime
from bench_server import echo_server as thread_echo_server
from bench_server import new_space, server_process, user_actor
from google.chat.v1 import chat_service_pb2_grpc, space_pb2
from runner import SMOKE, Paired, Table, arguments, at_least, at_most, banner, compare, sized

from chat_grpc.doors.grpc.service import add_to_server
from chat_grpc.fake.store import MemberRef
from chat_grpc.server import ChatServer

CLIENTS = sized(8, smoke=2)
GOAL = 0.9
WORKERS = 16


@dataclass
class Stacks:
    ours: str  # ChatServer's own gRPC address (aio)
    echo: str  # the aio echo
    token: str
    space: str
    threads: str | None = None  # the same core on a thread-pool grpc.server
    threads_echo: str | None = None


def profile_loop(chat: ChatServer, delay: float, seconds: float, path: str) -> None:
    """In the server process: after ``delay`` s, profile the event loop's thread (the gRPC door and the core's
    fast path run there) for ``seconds``, then write the top frames to ``path``."""
    time.sleep(delay)
    loop = chat._loop
    assert loop is not None
    profiler = cProfile.Profile()
    loop.call_soon_threadsafe(profiler.enable)
    time.sleep(seconds)
    stopped = threading.Event()

    def disable() -> None:
        profiler.disable()
        stopped.set()

    loop.call_soon_threadsafe(disable)
    stopped.wait(30)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(35)
    with open(path, "w", encoding="utf-8") as file:
        file.write(out.getvalue())


@contextlib.contextmanager
def stacks(with_threads: bool = False, profile: tuple[float, float, str] | None = None) -> Iterator[Stacks]:
    with ChatServer(seed=9, rest=False, max_workers=WORKERS) as chat, echo_server() as echo:
        owner = chat.store.add_user("owner@example.com", "Owner")
        space = new_space(chat.store, owner, "Concurrency bench")
        for i in range(5):
            member = chat.store.add_user(f"m{i}@example.com")
            chat.store.create_membership(user_actor(owner), space.id, MemberRef("HUMAN", member.id))
        token = chat.token_for(owner)
        found = Stacks(chat.address, echo, token, space.name)
        with contextlib.ExitStack() as stack:
            if with_threads:
                server = grpc.server(
                    futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="threads"),
                    maximum_concurrent_rpcs=256,
                )
                add_to_server(chat.servicer, server)
                port = server.add_insecure_port("127.0.0.1:0")
                server.start()
                stack.callback(lambda: server.stop(None).wait())
                with grpc.insecure_channel(chat.address) as channel:
                    prebuilt = chat_service_pb2_grpc.ChatServiceStub(channel).GetSpace(
                        space_pb2.GetSpaceRequest(name=space.name), metadata=(("authorization", f"Bearer {token}"),)
                    )
                echo_threads, echo_address = thread_echo_server(prebuilt)
                stack.callback(lambda: echo_threads.stop(None).wait())
                found.threads, found.threads_echo = f"127.0.0.1:{port}", echo_address
            if profile is not None:
                threading.Thread(target=profile_loop, args=(chat, *profile), daemon=True).start()
            yield found


# ---------------------------------------------------------------------------------------------------- clients


def metadata_for(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@dataclass
class Errors:
    count: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, error: BaseException) -> None:
        self.count += 1
        if len(self.first) < 3:
            self.first.append(repr(error)[:300])


def calls(stub: Any, request: space_pb2.GetSpaceRequest, metadata: Any, n: int, errors: Errors) -> None:
    get = stub.GetSpace
    for _ in range(n):
        try:
            answer = get(request, metadata=metadata, timeout=30)
        except grpc.RpcError as error:
            errors.add(error)
            continue
        if answer.name != request.name:
            errors.add(RuntimeError(f"GetSpace answered {answer.name}"))


class Sequential:
    def __init__(self, address: str, token: str, space: str, errors: Errors) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = chat_service_pb2_grpc.ChatServiceStub(self.channel)
        self.request, self.metadata, self.errors = space_pb2.GetSpaceRequest(name=space), metadata_for(token), errors

    def __call__(self, n: int) -> float:
        start = time.perf_counter()
        calls(self.stub, self.request, self.metadata, n, self.errors)
        return n / (time.perf_counter() - start)

    def close(self) -> None:
        self.channel.close()


class Threads:
    """CLIENTS threads, each with its own channel, kept for the whole run."""

    def __init__(self, address: str, token: str, space: str, errors: Errors) -> None:
        self.pool = futures.ThreadPoolExecutor(CLIENTS, thread_name_prefix="client")
        self.channels = [grpc.insecure_channel(address) for _ in range(CLIENTS)]
        self.stubs = [chat_service_pb2_grpc.ChatServiceStub(c) for c in self.channels]
        self.request, self.metadata, self.errors = space_pb2.GetSpaceRequest(name=space), metadata_for(token), errors

    def __call__(self, n: int) -> float:
        start = time.perf_counter()
        done = [self.pool.submit(calls, s, self.request, self.metadata, n, self.errors) for s in self.stubs]
        for future in done:
            future.result()
        return CLIENTS * n / (time.perf_counter() - start)

    def close(self) -> None:
        self.pool.shutdown()
        for channel in self.channels:
            channel.close()


def client_process(address: str, token: str, space: str, conn: Connection) -> None:
    """A client process: for each n received, make n calls; answer the count of failed calls."""
    channel = grpc.insecure_channel(address)
    stub = chat_service_pb2_grpc.ChatServiceStub(channel)
    request, metadata = space_pb2.GetSpaceRequest(name=space), metadata_for(token)
    while True:
        n = conn.recv()
        if n is None:
            break
        errors = Errors()
        calls(stub, request, metadata, n, errors)
        conn.send((errors.count, errors.first))
    channel.close()


class Processes:
    """CLIENTS spawned processes, each with its own channel, kept for the whole run."""

    def __init__(self, address: str, token: str, space: str, errors: Errors) -> None:
        context = multiprocessing.get_context("spawn")
        self.errors = errors
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for i in range(CLIENTS):
            ours, theirs = context.Pipe()
            proc = context.Process(target=client_process, args=(address, token, space, theirs), name=f"client-{i}")
            proc.start()
            theirs.close()  # the client process holds the only other end: EOF here if it dies
            self.conns.append(ours)
            self.procs.append(proc)
        self(5)  # every process is up and connected

    def __call__(self, n: int) -> float:
        start = time.perf_counter()
        for conn in self.conns:
            conn.send(n)
        for conn in self.conns:
            count, first = conn.recv()
            self.errors.count += count
            self.errors.first.extend(first[: max(0, 3 - len(self.errors.first))])
        return CLIENTS * n / (time.perf_counter() - start)

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(15)
            if proc.is_alive():
                proc.kill()


class AioTasks:
    """CLIENTS asyncio tasks sharing one grpc.aio channel, on an event loop thread of this process."""

    def __init__(self, address: str, token: str, space: str, errors: Errors) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="client-aio", daemon=True)
        self.thread.start()
        self.request, self.metadata, self.errors = space_pb2.GetSpaceRequest(name=space), metadata_for(token), errors

        async def connect() -> Any:
            channel = grpc.aio.insecure_channel(address)
            return channel, chat_service_pb2_grpc.ChatServiceStub(channel)

        self.channel, self.stub = asyncio.run_coroutine_threadsafe(connect(), self.loop).result(30)

    async def _task(self, n: int) -> None:
        get = self.stub.GetSpace
        for _ in range(n):
            try:
                answer = await get(self.request, metadata=self.metadata, timeout=30)
            except grpc.RpcError as error:
                self.errors.add(error)
                continue
            if answer.name != self.request.name:
                self.errors.add(RuntimeError(f"GetSpace answered {answer.name}"))

    async def _all(self, n: int) -> float:
        start = time.perf_counter()
        await asyncio.gather(*(self._task(n) for _ in range(CLIENTS)))
        return CLIENTS * n / (time.perf_counter() - start)

    def __call__(self, n: int) -> float:
        return asyncio.run_coroutine_threadsafe(self._all(n), self.loop).result(600)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.channel.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


KINDS: dict[str, Callable[[str, str, str, Errors], Any]] = {
    "1 client": Sequential,
    f"{CLIENTS} threads": Threads,
    f"{CLIENTS} processes": Processes,
    f"{CLIENTS} aio tasks": AioTasks,
}


@dataclass
class Result:
    label: str
    names: tuple[str, str]
    paired: Paired
    goal: bool


def prime_echo(found: Stacks) -> None:
    """The aio echo answers the Space ours answers (bench_rpcs' priming call)."""
    with grpc.insecure_channel(found.ours) as ours, grpc.insecure_channel(found.echo) as echo:
        request = space_pb2.GetSpaceRequest(name=found.space)
        answer = chat_service_pb2_grpc.ChatServiceStub(ours).GetSpace(request, metadata=metadata_for(found.token))
        prime(echo, "GetSpace", answer)


def run_pair(kind: str, a: str, b: str, found: Stacks, errors: Errors, budget: float) -> Paired:
    make = KINDS[kind]
    one, other = make(a, found.token, found.space, errors), make(b, found.token, found.space, errors)
    try:
        per_client = 1 if kind == "1 client" else CLIENTS
        return compare(lambda n: one(max(1, n // per_client)), lambda n: other(max(1, n // per_client)),
                       budget=budget, probe=200, min_calls=per_client * 5)  # fmt: skip
    finally:
        one.close()
        other.close()


def bench(found: Stacks, budget: float, with_threads: bool) -> tuple[list[Result], Errors]:
    errors = Errors()
    results: list[Result] = []
    prime_echo(found)
    for kind in KINDS:
        print(f"GetSpace, {kind}: ours vs echo (aio stack) ...", flush=True)
        results.append(
            Result(kind, ("ours", "echo"), run_pair(kind, found.ours, found.echo, found, errors, budget), True)
        )
    if with_threads and found.threads and found.threads_echo:
        for kind in ("1 client", f"{CLIENTS} threads"):
            print(f"GetSpace, {kind}: ours on a thread-pool server vs its echo ...", flush=True)
            paired = run_pair(kind, found.threads, found.threads_echo, found, errors, budget / 2)
            results.append(Result(f"{kind}, thread-pool stack (info)", ("ours", "echo"), paired, False))
            print(f"GetSpace, {kind}: ours aio vs ours thread-pool ...", flush=True)
            paired = run_pair(kind, found.ours, found.threads, found, errors, budget / 2)
            results.append(Result(f"{kind}, stacks (info)", ("aio", "threads"), paired, False))
    return results, errors


def report(results: list[Result], errors: Errors) -> Table:
    table = Table()
    for r in results:
        table.paired(f"GetSpace, {r.label}", r.paired, r.names, "calls/s", at_least(GOAL) if r.goal else None)
    table.checked("Failed calls (all rows)", f"{errors.count:,}", errors.count, at_most(0))
    table.notes.extend(f"  failure: {e}" for e in errors.first)
    rounds = "; ".join(f"{r.label} {r.paired.rounds} x {r.paired.calls}" for r in results)
    table.notes.append(f"Rounds (slots per variant x calls in all clients): {rounds}. {WORKERS} server threads.")
    return table


def profile(seconds: float) -> None:
    """8 client threads for ``seconds`` plus a warm-up, the server process profiling its event loop meanwhile."""
    path = f"/tmp/bench-concurrency-{time.time_ns()}.prof.txt"
    delay = sized(3.0, smoke=0.5)
    with server_process(functools.partial(stacks, profile=(delay, seconds, path)), "bench-concurrency-prof") as found:
        errors = Errors()
        clients = Threads(found.ours, found.token, found.space, errors)
        end = time.perf_counter() + delay + seconds + 1
        done = 0
        while time.perf_counter() < end:
            clients(50)
            done += CLIENTS * 50
        clients.close()
        for _ in range(300):
            if os.path.exists(path) and os.path.getsize(path):
                break
            time.sleep(0.1)
    with open(path, encoding="utf-8") as file:
        print(file.read())
    os.unlink(path)
    print(f"{done:,} calls from {CLIENTS} threads, {errors.count} failed")


def threads_stacks() -> Any:
    return stacks(with_threads=True)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 8.0, "per row (4 rows: ~5x that in all)")
    parser.add_argument(
        "--stacks",
        action="store_true",
        default=SMOKE,  # a smoke run runs every row
        help="also compare the aio and thread-pool stacks (on with --smoke)",
    )
    parser.add_argument("--profile", type=float, metavar="SECONDS", help="profile the server process instead")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile)
        return 0
    started = time.perf_counter()
    banner(f"chat-grpc concurrency: {CLIENTS} clients, ours vs echo")
    with server_process(threads_stacks if args.stacks else stacks, "bench-concurrency") as found:
        results, errors = bench(found, args.budget, args.stacks)
    report(results, errors).print()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 1 if errors.count else 0


if __name__ == "__main__":
    sys.exit(main())
