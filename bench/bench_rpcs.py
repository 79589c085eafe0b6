"""Every RPC of ChatService, ours vs an echo on the same server stack, in one table (``make bench``).

One server process, spawned fresh: our ``ChatServer`` (gRPC only) and an **echo** server built the way
``ChatServer`` builds its gRPC server (``grpc.aio``, every RPC registered stream-unary with raw bytes in, the
request read with ``context.read()`` and parsed, the same options and concurrency limit) whose handlers return a
prebuilt response: the very message ours answered to the same request (same bytes), or, for an RPC that can only
fail over gRPC (``UploadAttachment``: its bytes go through the media upload door), the same status and details.

The list of RPCs comes from the service descriptor (``chat_grpc.api.rpcs.RPCS``); every one must have a case here
(a request that succeeds on a seeded workspace, repeatable: writes get a fresh target per call, made before the
timed part of the slot, and what they created is deleted after it). Per RPC: warm-up, slots of ~0.1 s in ABBA
order for ``--budget`` seconds, the median of the paired ratios. Goals: ours / echo >= 0.85 calls/s for every
RPC, >= 0.9 for the reads (Get, List, Search, Find).

``--only GetSpace,ListSpaces`` runs some of them; ``--profile N`` instead runs N direct calls of each chosen RPC
through ``ChatCore.serve`` (no gRPC) under cProfile in this process and prints the top frames; ``--direct N``
times them (no profiler) and prints the µs per call of each RPC. ``--situ N`` runs N calls of each chosen RPC
through each server, several times, and prints where the server process's CPU went per call (``situ.py``): each
event-loop thread's, and the core's own measured between real calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import situ
from bench_server import new_space, server_process
from google.chat.v1 import chat_service_pb2_grpc
from google.protobuf.message import Message
from google.rpc import status_pb2
from rpc_cases import POOL, Case, People, World
from runner import Table, arguments, at_least, banner, compare

from chat_grpc.api.rpcs import BY_NAME, RPCS
from chat_grpc.doors.grpc.service import REQUEST_CLASSES, SERVICE
from chat_grpc.server import ChatServer
from chat_grpc.server.server import DEFAULT_MAX_CONCURRENT_RPCS, DEFAULT_MAX_REQUEST_BYTES

READ_GOAL, WRITE_GOAL = 0.9, 0.85
READS = ("Get", "List", "Search", "Find")
PRIME = "/bench.Echo/Prime"
SITU = "/bench.Echo/Situ"


def is_read(rpc: str) -> bool:
    return rpc.startswith(READS)


# ---------------------------------------------------------------------------------------------------- the echo


class Echo:
    """Prebuilt answers per RPC: a response message (returned, serialized by gRPC like ours) or a failure."""

    def __init__(self) -> None:
        self.answers: dict[str, Message | status_pb2.Status] = {}

    def prime(self, data: bytes) -> bytes:
        rpc, kind, body = data.split(b"\0", 2)
        name = rpc.decode()
        if kind == b"ok":
            self.answers[name] = BY_NAME[name].response.FromString(body)
        else:
            self.answers[name] = status_pb2.Status.FromString(body)
        return b""

    def handler(self, rpc: str) -> Callable[..., Any]:
        parse = REQUEST_CLASSES[rpc].FromString

        async def handle(requests: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            parse(await context.read())
            answer = self.answers[rpc]
            if isinstance(answer, status_pb2.Status):
                await context.abort(
                    grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == answer.code)),
                    answer.message,
                    (("grpc-status-details-bin", answer.SerializeToString()),),
                )
            return answer

        return handle


def serialize(response: Message) -> bytes:
    return response.SerializeToString()


async def start_echo(echo: Echo) -> tuple[grpc.aio.Server, int]:
    """The echo on the stack ChatServer uses (``ChatServer._start_aio``): same server class, options, limit and
    handler kind."""
    server = grpc.aio.server(
        maximum_concurrent_rpcs=DEFAULT_MAX_CONCURRENT_RPCS,
        options=[("grpc.max_receive_message_length", DEFAULT_MAX_REQUEST_BYTES), ("grpc.max_send_message_length", -1)],
    )
    handlers = {
        m.name: grpc.stream_unary_rpc_method_handler(
            echo.handler(m.name), request_deserializer=None, response_serializer=serialize
        )
        for m in SERVICE.methods
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    prime = grpc.unary_unary_rpc_method_handler(lambda data, context: echo.prime(data))
    counters = grpc.unary_unary_rpc_method_handler(lambda data, context: situ.snapshot(data))
    bench_service = grpc.method_handlers_generic_handler("bench.Echo", {"Prime": prime, "Situ": counters})
    server.add_generic_rpc_handlers((bench_service,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


@contextlib.contextmanager
def echo_server() -> Iterator[str]:
    """The echo server on an event loop thread of its own (like ChatServer's); yields its address."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="echo-aio", daemon=True)
    thread.start()
    server, port = asyncio.run_coroutine_threadsafe(start_echo(Echo()), loop).result(60)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


# ---------------------------------------------------------------------------------------------------- the world


@contextlib.contextmanager
def servers(chat: ChatServer | None = None) -> Iterator[People]:
    """Ours (seeded with people; spaces and the rest are made through RPCs by the client) and the echo."""
    with contextlib.ExitStack() as stack:
        if chat is None:
            chat = stack.enter_context(ChatServer(seed=18, rest=False))
        if situ.ENABLED:
            situ.install(chat.core)
        store = chat.store
        alice = store.add_user("alice@example.com", "Alice", is_admin=True)
        bob = store.add_user("bob@example.com", "Bob")
        carol = store.add_user("carol@example.com", "Carol")
        app = store.add_app("Helper Bot")
        pool = [store.add_user(f"u{i}@example.com", f"User {i}").id for i in range(POOL)]
        tokens = {
            "alice": chat.token_for(alice),
            "bob": chat.token_for(bob),
            "carol": chat.token_for(carol),
            "app": chat.token_for(app),
            "alice-for-app": chat.token_for(alice, app=app, scopes=["chat.memberships.app"]),
        }
        ids = {"alice": alice.id, "bob": bob.id, "carol": carol.id, "app": app.id}
        team = new_space(store, alice, "Team")
        upload_token = store.messages.upload(team.id, "plan.pdf", "application/pdf")
        echo = stack.enter_context(echo_server())
        yield People(chat.address, echo, tokens, ids, pool, team.name, upload_token)


# ---------------------------------------------------------------------------------------------------- measuring


@dataclass
class Row:
    rpc: str
    paired: Any  # runner.Paired: calls/s of ours (a) and echo (b)
    size: int  # bytes of the answer (the response, or the status details)


def prime(echo: grpc.Channel, rpc: str, answer: Message | status_pb2.Status) -> int:
    """Make the echo answer ``rpc`` with ``answer`` (a response, or a google.rpc.Status to fail with); its size."""
    kind = b"error" if isinstance(answer, status_pb2.Status) else b"ok"
    body = answer.SerializeToString()
    echo.unary_unary(PRIME)(rpc.encode() + b"\0" + kind + b"\0" + body, timeout=30)
    return len(body)


def send(rpc: str, stub_call: Any, requests: list[Message], metadata: Any, case: Case) -> list[Any]:
    """Make each call; the answers (a call failing as the case expects has none); any other failure raises."""
    out = []
    for request in requests:
        try:
            out.append(stub_call(request, metadata=metadata, timeout=30))
        except grpc.RpcError as error:
            if error.code() != case.fails:
                raise RuntimeError(f"{rpc} failed: {error.code()} {error.details()}") from None
    return out


@dataclass
class Bench:
    world: World
    ours: grpc.Channel
    echo: grpc.Channel
    rows: list[Row] = field(default_factory=list)
    samples: dict[str, Message] = field(default_factory=dict)  # the request the echo gets, per RPC (see run)

    def prime(self, rpc: str, answer: Message | status_pb2.Status) -> int:
        return prime(self.echo, rpc, answer)

    def run(self, rpc: str, budget: float) -> Row:
        case = self.world.cases[rpc]
        metadata = self.world.metadata(case.who)
        ours_call = getattr(chat_service_pb2_grpc.ChatServiceStub(self.ours), rpc)
        echo_call = getattr(chat_service_pb2_grpc.ChatServiceStub(self.echo), rpc)
        (sample,) = case.make(1)
        self.samples[rpc] = sample
        try:
            answer: Message | status_pb2.Status = ours_call(sample, metadata=metadata, timeout=30)
        except grpc.RpcError as error:
            if error.code() != case.fails:
                raise RuntimeError(f"{rpc} failed: {error.code()} {error.details()}") from None
            answer = status_pb2.Status(code=error.code().value[0], message=error.details() or "")
            for key, value in error.trailing_metadata() or ():
                if key == "grpc-status-details-bin":
                    answer = status_pb2.Status.FromString(value)
        else:
            if case.fails is not None:
                raise RuntimeError(f"{rpc} answered where {case.fails} was expected")
            if case.after:
                case.after([answer])
        size = self.prime(rpc, answer)

        def call(stub_call: Any, requests: list[Message]) -> list[Any]:
            return send(rpc, stub_call, requests, metadata, case)

        def ours(n: int) -> float:
            requests = case.make(n)
            start = time.perf_counter()
            answers = call(ours_call, requests)
            elapsed = time.perf_counter() - start
            if case.after:
                case.after(answers)
            return n / elapsed

        def echo(n: int) -> float:
            requests = [sample] * n
            start = time.perf_counter()
            answers = call(echo_call, requests)
            elapsed = time.perf_counter() - start
            if case.fails is None and answers[-1] != answer:
                raise RuntimeError(f"the echo answered another {rpc}")
            return n / elapsed

        paired = compare(ours, echo, budget=budget, probe=30, min_calls=10, max_calls=case.max_calls)
        row = Row(rpc, paired, size)
        self.rows.append(row)
        return row

    def situ(self, rpc: str, calls: int, rounds: int = 5) -> dict[str, dict[str, float]]:
        """Per call, medians over ``rounds``: wall µs and the server's CPU µs (``situ.py``) for ours and the echo."""
        self.run(rpc, 0.2)  # primes the echo with ours' answer, and warms both up
        case = self.world.cases[rpc]
        metadata = self.world.metadata(case.who)
        read = self.echo.unary_unary(SITU)
        found: dict[str, list[dict[str, float]]] = {"ours": [], "echo": []}
        for _ in range(rounds):
            for kind, channel in (("ours", self.ours), ("echo", self.echo)):
                stub_call = getattr(chat_service_pb2_grpc.ChatServiceStub(channel), rpc)
                # The echo gets the request whose target ours consumed in run(): a fresh one would make a target
                # on ours that nothing consumes (a membership of the pool's first user, which ours then re-creates).
                requests = case.make(calls) if kind == "ours" else [self.samples[rpc]] * calls
                before = json.loads(read(b"", timeout=30))
                start = time.perf_counter()
                answers = send(rpc, stub_call, requests, metadata, case)
                wall = (time.perf_counter() - start) / calls * 1e6
                measured = situ.per_call(before, json.loads(read(b"", timeout=30)), calls)
                found[kind].append({"wall": wall, **measured})
                if kind == "ours" and case.after:
                    case.after(answers)
        return {kind: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for kind, runs in found.items()}


def report(rows: list[Row], seconds: float) -> Table:
    table = Table()
    for row in rows:
        goal = at_least(READ_GOAL if is_read(row.rpc) else WRITE_GOAL)
        p = row.paired
        ours, echo = sorted(p.a)[len(p.a) // 2], sorted(p.b)[len(p.b) // 2]
        table.ratio(f"{row.rpc} ({ours:,.0f} vs {echo:,.0f} calls/s, {row.size:,} B)", p, goal)
    rounds = sorted(r.paired.rounds for r in rows)
    table.notes.append(
        f"{len(rows)} RPCs, ours / echo calls/s (median of paired ratios; rounds per RPC {rounds[0]}-{rounds[-1]}); "
        f"reads (Get/List/Search/Find) >= {READ_GOAL}, others >= {WRITE_GOAL}. {seconds:.0f} s."
    )
    return table


def chosen(only: str | None) -> list[str]:
    names = [rpc.name for rpc in RPCS]
    if not only:
        return names
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unknown = set(wanted) - set(names)
    if unknown:
        raise SystemExit(f"unknown RPCs: {sorted(unknown)}")
    return wanted


# ---------------------------------------------------------------------------------------------------- profile


class DirectDoor:
    face = "grpc"

    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def wait(self, seconds: float) -> str | None:
        time.sleep(seconds)
        return None


def direct(names: list[str], calls: int, profiled: bool) -> None:
    """N direct ``ChatCore.serve`` calls per RPC (no gRPC) in this process, on the same seeded workspace: with
    ``profiled``, one batch under cProfile and its top frames; else the median µs per call of 5 batches, as a
    table (the core's own cost per RPC: handler, store, codec and the per-call pipeline)."""
    table = Table()
    with (
        ChatServer(seed=18, rest=False) as chat,
        servers(chat) as people,
        grpc.insecure_channel(people.address) as channel,
    ):
        world = World(people, channel)
        world.build()
        for rpc in names:
            case = world.cases[rpc]
            door = DirectDoor(world.metadata(case.who))
            size = min(calls, case.max_calls)

            def run(requests: list[Message], rpc: str = rpc, door: DirectDoor = door, case: Case = case) -> float:
                out = []
                start = time.perf_counter()
                for request in requests:
                    try:
                        out.append(chat.core.serve(rpc, request, door))
                    except Exception:
                        if case.fails is None:
                            raise
                elapsed = time.perf_counter() - start
                if case.after:
                    case.after(out)
                return elapsed / len(requests) * 1e6

            run(case.make(size))  # warm-up
            if profiled:
                requests = case.make(size)
                profiler = cProfile.Profile()
                profiler.enable()
                elapsed = run(requests)
                profiler.disable()
                print(f"\n=== {rpc}: {elapsed:.0f} µs per direct call (profiled)")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
            else:
                times = [run(case.make(size)) for _ in range(5)]
                table.measured(f"{rpc}, µs per direct call", [t / 1000 for t in times], "ms")
                table.rows[-1] = (table.rows[-1][0], f"{statistics.median(times):,.1f} µs", table.rows[-1][2], "")
                print(f"{rpc}: {statistics.median(times):.1f} µs", flush=True)
    if not profiled:
        table.notes.append(f"Median of 5 batches of up to {calls} calls each (ChatCore.serve, no gRPC).")
        table.print()


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 2.0, "per RPC (52 RPCs: ~2x that in all, plus the seeding)")
    parser.add_argument("--only", help="comma-separated RPC names (default: every RPC of the service)")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N direct calls per RPC instead")
    parser.add_argument("--direct", type=int, metavar="N", help="time N direct calls per RPC (no gRPC) instead")
    parser.add_argument("--situ", type=int, metavar="N", help="the server's CPU per call, N calls a round, instead")
    args = parser.parse_args(argv)
    names = chosen(args.only)
    if args.profile or args.direct:
        direct(names, args.profile or args.direct, profiled=bool(args.profile))
        return 0
    if args.situ:
        os.environ["BENCH_SITU"] = "1"  # the spawned server process counts (situ.py)
    started = time.perf_counter()
    banner("chat-grpc: every RPC, ours vs echo on the same server stack")
    with (
        server_process(servers, "bench-rpcs") as people,
        grpc.insecure_channel(people.address) as ours,
        grpc.insecure_channel(people.echo) as echo,
    ):
        if True:
            world = World(people, ours)
            world.build()
            missing = {rpc.name for rpc in RPCS} - set(world.cases)
            if missing:
                raise RuntimeError(f"RPCs without a case: {sorted(missing)}")
            bench = Bench(world, ours, echo)
            if args.situ:
                print(situ_report({rpc: bench.situ(rpc, args.situ) for rpc in names}, args.situ))
                return 0
            for i, rpc in enumerate(names, 1):
                row = bench.run(rpc, args.budget)
                print(f"[{i}/{len(names)}] {rpc}: {row.paired.ratio:.3f}", flush=True)
    report(bench.rows, time.perf_counter() - started).print()
    return 0


def situ_report(found: dict[str, dict[str, dict[str, float]]], calls: int) -> str:
    lines = [
        f"µs per call, median of 5 rounds of {calls} calls; CPU of the server process's threads (situ.py)",
        f"{'RPC':<22} {'wall ours':>9} {'wall echo':>9} {'loop ours':>9} {'loop echo':>9} {'core':>6}"
        f" {'door+gRPC extra':>15}",
    ]
    for rpc, kinds in found.items():
        ours, echo = kinds["ours"], kinds["echo"]
        # ours' loop thread on our calls, minus the echo's loop thread on the echo's calls, minus the core's part
        extra = ours["loop_ours"] - echo["loop_echo"] - ours["core"]
        lines.append(
            f"{rpc:<22} {ours['wall']:>9.1f} {echo['wall']:>9.1f} {ours['loop_ours']:>9.1f} {echo['loop_echo']:>9.1f}"
            f" {ours['core']:>6.1f} {extra:>15.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
