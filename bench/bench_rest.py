"""REST door benchmarks, run by ``make bench`` after bench_client.py (same method and table as bench_server.py).

One server process, spawned fresh: our ``ChatServer`` (gRPC, and the REST door on its listener: uvicorn with the
httptools parser), an echo ASGI app on the same kind of listener answering prebuilt JSON (the bytes ours answers),
and the same REST app on uvicorn with the h11 parser. This process is the client: ``http.client`` keep-alive
connections for REST, a gRPC stub for gRPC.

1. GetSpace and CreateMessage over REST: ours vs the echo app. Goal: calls/s ours / echo >= 0.7.
2. The same RPCs, REST face vs gRPC face of the same server (info).
3. 8 concurrent keep-alive clients (threads), GetSpace: ours vs echo, calls/s in all (info).
4. The HTTP stack: our app on uvicorn+httptools vs uvicorn+h11, and vs hypercorn when it is installed (not a
   dependency: ``.venv/bin/pip install hypercorn``), sequential and 8 concurrent clients (info).

``--profile N`` instead profiles N direct ASGI calls of each RPC (no socket) under cProfile.
"""

from __future__ import annotations

import asyncio
import cProfile
import http.client
import json
import pstats
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import runner
from bench_server import WORKERS, new_space, server_process, user_actor
from runner import Paired, Table, at_least

from chat_grpc.doors.rest.listener import RestListener
from chat_grpc.fake.store import MemberRef
from chat_grpc.server import ChatServer

GOAL = 0.7
CLIENTS = 8
SLOT = 0.1
TEXT = "hello from the REST bench"


class EchoApp:
    """The floor: uvicorn and ASGI costs only. Reads the body, answers the prebuilt bytes for (method, path)."""

    def __init__(self, answers: dict[tuple[str, str], bytes]) -> None:
        self.answers = answers

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body = self.answers[(scope["method"], scope["path"])]
        headers = [(b"content-type", b"application/json; charset=UTF-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# What the client needs: ports of ours (httptools), the echo, ours on h11, ours on hypercorn (0: not installed);
# the gRPC address; the token; the space's name.
Servers = tuple[int, int, int, int, str, str, str]


@contextmanager
def hypercorn_listener(app: Any) -> Iterator[int]:
    """``app`` on hypercorn (HTTP/1.1 with h11, asyncio) in a thread of its own; yields its port, 0 when hypercorn
    is not installed."""
    try:
        from hypercorn.asyncio import serve as hypercorn_serve
        from hypercorn.config import Config
    except ImportError:
        yield 0
        return
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = config.errorlog = None
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(hypercorn_serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]

    thread = threading.Thread(target=run, name="bench-hypercorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            break
        time.sleep(0.05)
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


@contextmanager
def servers() -> Iterator[Servers]:
    with ChatServer(seed=3, max_workers=WORKERS) as chat:
        owner = chat.store.add_user("owner@example.com", "Owner")
        space = new_space(chat.store, owner, "REST bench")
        for i in range(5):
            member = chat.store.add_user(f"m{i}@example.com")
            chat.store.create_membership(user_actor(owner), space.id, MemberRef("HUMAN", member.id))
        token = chat.token_for(owner)
        port = int(chat.rest_url.rsplit(":", 1)[1])
        get_path, post_path = f"/v1/{space.name}", f"/v1/{space.name}/messages"
        connection = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        connection.request("GET", get_path, headers=headers)
        got = connection.getresponse().read()
        connection.request("POST", post_path, body=json.dumps({"text": TEXT}), headers=headers)
        made = connection.getresponse().read()
        connection.close()
        if json.loads(got)["name"] != space.name or json.loads(made)["text"] != TEXT:
            raise RuntimeError(f"unexpected answers: {got!r} {made!r}")
        echo = RestListener(EchoApp({("GET", get_path): got, ("POST", post_path): made}), "127.0.0.1", 0).start()
        h11 = RestListener(chat.rest_app, "127.0.0.1", 0)
        h11._protocol = "h11"  # the same listener with uvicorn's pure-Python h11 protocol
        h11.start()
        try:
            with hypercorn_listener(chat.rest_app) as hyper:
                yield port, echo.port, h11.port, hyper, chat.address, token, space.name
        finally:
            echo.stop()
            h11.stop()


# ---------------------------------------------------------------------------------------------------- clients


class RestCaller:
    """Sequential calls on one keep-alive connection; ``calls(n)`` answers calls/s."""

    def __init__(self, port: int, token: str, method: str, path: str, body: bytes | None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.method, self.path, self.body = method, path, body
        self.headers = {"authorization": f"Bearer {token}"}
        if body is not None:
            self.headers["content-type"] = "application/json"

    def calls(self, n: int) -> float:
        connection, method, path, body, headers = self.connection, self.method, self.path, self.body, self.headers
        start = time.perf_counter()
        for _ in range(n):
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return n / (time.perf_counter() - start)

    def close(self) -> None:
        self.connection.close()


class Concurrent:
    """``clients`` threads, each with its own keep-alive connection; ``calls(n)``: n calls each, calls/s in all."""

    def __init__(self, make: Callable[[], RestCaller], clients: int) -> None:
        self.callers = [make() for _ in range(clients)]

    def calls(self, n: int) -> float:
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(self.callers) + 1)

        def run(caller: RestCaller) -> None:
            barrier.wait()
            try:
                caller.calls(n)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=run, args=(c,)) for c in self.callers]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        if errors:
            raise errors[0]
        return n * len(self.callers) / elapsed

    def close(self) -> None:
        for caller in self.callers:
            caller.close()


def grpc_caller(
    address: str, token: str, rpc: str, space_name: str
) -> tuple[Callable[[int], float], Callable[[], None]]:
    import grpc
    from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2

    channel = grpc.insecure_channel(address)
    stub = chat_service_pb2_grpc.ChatServiceStub(channel)
    metadata = (("authorization", f"Bearer {token}"),)
    if rpc == "GetSpace":
        call, request = stub.GetSpace, space_pb2.GetSpaceRequest(name=space_name)
    else:
        call = stub.CreateMessage
        request = message_pb2.CreateMessageRequest(parent=space_name, message=message_pb2.Message(text=TEXT))

    def calls(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            call(request, metadata=metadata)
        return n / (time.perf_counter() - start)

    return calls, channel.close


def compare(a: Callable[[int], float], b: Callable[[int], float], budget: float) -> tuple[Paired, int]:
    paired = runner.compare(a, b, budget=budget, probe=100, min_calls=10)
    return paired, paired.calls


# ---------------------------------------------------------------------------------------------------- runs


@dataclass
class Results:
    rows: list[tuple[str, Paired, str, str, bool]]  # (what, paired, a name, b name, has the goal)
    rounds: list[str]


def bench(found: Servers, budget: float) -> Results:
    ours, echo, h11, hyper, address, token, space_name = found
    get = ("GET", f"/v1/{space_name}", None)
    post = ("POST", f"/v1/{space_name}/messages", json.dumps({"text": TEXT}).encode())
    rows: list[tuple[str, Paired, str, str, bool]] = []
    rounds: list[str] = []

    def run(what: str, a: Any, b: Any, a_name: str, b_name: str, goal: bool = False, share: float = 1.0) -> None:
        print(f"{what}: {a_name} vs {b_name} ...", flush=True)
        try:
            paired, n = compare(a.calls, b.calls, budget * share)
        finally:
            a.close()
            b.close()
        rows.append((what, paired, a_name, b_name, goal))
        rounds.append(f"{what} {paired.rounds} x {n}")

    for rpc, (method, path, body) in (("GetSpace", get), ("CreateMessage", post)):
        run(
            f"REST {rpc}",
            RestCaller(ours, token, method, path, body),
            RestCaller(echo, token, method, path, body),
            "ours",
            "echo",
            goal=True,
        )
    for rpc, (method, path, body) in (("GetSpace", get), ("CreateMessage", post)):
        calls, close = grpc_caller(address, token, rpc, space_name)
        grpc_side = type("GrpcSide", (), {"calls": staticmethod(calls), "close": staticmethod(close)})()
        run(
            f"{rpc}, REST vs gRPC face",
            RestCaller(ours, token, method, path, body),
            grpc_side,
            "REST",
            "gRPC",
            share=0.5,
        )

    method, path, body = get
    run(
        f"REST GetSpace, {CLIENTS} clients",
        Concurrent(lambda: RestCaller(ours, token, method, path, body), CLIENTS),
        Concurrent(lambda: RestCaller(echo, token, method, path, body), CLIENTS),
        "ours",
        "echo",
    )
    run(
        "Stack, GetSpace",
        RestCaller(ours, token, method, path, body),
        RestCaller(h11, token, method, path, body),
        "httptools",
        "h11",
        share=0.5,
    )
    run(
        f"Stack, GetSpace, {CLIENTS} clients",
        Concurrent(lambda: RestCaller(ours, token, method, path, body), CLIENTS),
        Concurrent(lambda: RestCaller(h11, token, method, path, body), CLIENTS),
        "httptools",
        "h11",
        share=0.5,
    )
    if hyper:
        run(
            "Stack, GetSpace",
            RestCaller(ours, token, method, path, body),
            RestCaller(hyper, token, method, path, body),
            "httptools",
            "hypercorn",
            share=0.5,
        )
        run(
            f"Stack, GetSpace, {CLIENTS} clients",
            Concurrent(lambda: RestCaller(ours, token, method, path, body), CLIENTS),
            Concurrent(lambda: RestCaller(hyper, token, method, path, body), CLIENTS),
            "httptools",
            "hypercorn",
            share=0.5,
        )
    else:
        rounds.append("hypercorn: not installed, not measured")
    return Results(rows, rounds)


def report(results: Results) -> Table:
    table = Table()
    for what, paired, a_name, b_name, goal in results.rows:
        table.paired(what, paired, (a_name, b_name), "calls/s", at_least(GOAL) if goal else None)
    table.notes.append("Rounds (slots per variant x calls per client): " + "; ".join(results.rounds) + ".")
    table.notes.append("Ratios: medians of per-round paired ratios.")
    return table


# ---------------------------------------------------------------------------------------------------- profile


def profile(calls: int) -> None:
    """cProfile of ``calls`` direct ASGI calls of GetSpace, then CreateMessage (no socket, no uvicorn)."""
    with ChatServer(seed=3, rest=False) as chat:
        owner = chat.store.add_user("owner@example.com", "Owner")
        space = new_space(chat.store, owner, "REST bench")
        token = chat.token_for(owner).encode()
        app = chat.rest_app

        async def one(method: str, path: str, body: bytes) -> None:
            scope = {
                "type": "http",
                "method": method,
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "headers": [(b"authorization", b"Bearer " + token), (b"content-type", b"application/json")],
            }
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            await app(scope, receive, send)
            if sent[0]["status"] != 200:
                raise RuntimeError(sent[1]["body"][:300])

        async def many(method: str, path: str, body: bytes) -> float:
            start = time.perf_counter()
            for _ in range(calls):
                await one(method, path, body)
            return (time.perf_counter() - start) / calls * 1e6

        for rpc, method, path, body in (
            ("GetSpace", "GET", f"/v1/{space.name}", b""),
            ("CreateMessage", "POST", f"/v1/{space.name}/messages", json.dumps({"text": TEXT}).encode()),
        ):
            loop = asyncio.new_event_loop()
            plain = loop.run_until_complete(many(method, path, body))
            profiler = cProfile.Profile()
            profiler.enable()
            loop.run_until_complete(many(method, path, body))
            profiler.disable()
            loop.close()
            print(f"\n{rpc}: {plain:.0f} µs per direct ASGI call (no profiler), {calls} calls profiled")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


def main(argv: list[str] | None = None) -> int:
    parser = runner.arguments(__doc__, 12.0, "per comparison (~6x in all)")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N direct ASGI calls per RPC instead")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile)
        return 0
    started = time.perf_counter()
    import uvicorn

    print(f"chat-grpc REST benchmarks (Python {sys.version.split()[0]}, uvicorn {uvicorn.__version__})", flush=True)
    with server_process(servers, "bench-rest-servers") as found:
        results = bench(found, args.budget)
    report(results).print()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
