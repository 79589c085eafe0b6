"""Client benchmarks: the ChatClient facade vs the raw generated stub, run by ``make bench`` (same method and table
as bench_server.py).

One server process (our ``ChatServer``, spawned fresh) serves a space of 100 members; this process is the client.
The facade (``ChatClient(channel=...)``) and the generated ``ChatServiceStub`` share one channel and send the same
bearer token and deadline (30 s, the facade's default); both build the request message in each call, the stub
as its users do (``stub.GetSpace(GetSpaceRequest(name=...), ...)``). The facade adds what it always adds: the
routing header and ``x-goog-api-client`` (about 1% of a GetSpace here), its request building and retry bookkeeping.

1. GetSpace, sequential unary calls. Goal: calls/s(facade) / calls/s(stub) >= 0.97 (issue 18).
   Then the same against a stub that sends every header the facade sends (info): what is left between them is
   the facade's own Python.
2. ListMemberships, one page of 100 items, iterated item by item (the facade's pager vs the response's repeated
   field). Goal: time(facade) / time(stub) <= 1.1.
3. ``from chat_grpc import ChatClient`` vs ``import grpc``: wall time of the import statement in fresh
   interpreters, alternating, medians. Goal: <= 1.2 (issue 18). (``import chat_grpc`` alone loads nothing until a
   name is used.)
4. When Google's google-apps-chat is installed in .venv-oracle (``make oracle``): the same GetSpace calls through
   its ``ChatServiceClient`` vs a raw call, in a process of its own (bench/oracle_get_space.py) against the same
   server (info).

A missed goal is reported as MISS and does not fail the run; an error (wrong answer, failed RPC, a server process
that dies) exits non-zero.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc
from bench_server import WORKERS, new_space, seed_members
from google.chat.v1 import chat_service_pb2_grpc, membership_pb2, space_pb2
from runner import Paired, Table, alternate, arguments, at_least, at_most, banner, compare, spread

from chat_grpc import ChatClient
from chat_grpc.server import ChatServer

MEMBERS = 100  # the space's memberships, the owner's included: exactly one page
GET_GOAL, LIST_GOAL, IMPORT_GOAL = 0.97, 1.1, 1.2
TIMEOUT = 30.0  # both sides' deadline per call (the facade's default)
ROOT = Path(__file__).resolve().parent.parent
ORACLE_PYTHON = ROOT / ".venv-oracle" / "bin" / "python"

# The client needs from the server process: the address, the bearer token, the space's name.
Server = tuple[str, str, str]


def serve(conn: Connection) -> None:
    """The server process: a space of MEMBERS members; send (address, token, space), serve until told to stop."""
    with ChatServer(seed=3, max_workers=WORKERS) as chat:
        owner = chat.store.add_user("owner@example.com", "Owner")
        space = new_space(chat.store, owner, "Client bench")
        seed_members(chat.store, owner, space.id, MEMBERS - 1, "member")
        conn.send((chat.address, chat.token_for(owner), space.name))
        conn.recv()


@contextmanager
def server_process() -> Iterator[Server]:
    context = multiprocessing.get_context("spawn")
    client_end, server_end = context.Pipe()
    process = context.Process(target=serve, args=(server_end,), name="bench-server", daemon=True)
    process.start()
    server_end.close()  # the child's end is the child's alone: if it dies, the client reads EOF
    try:
        if not client_end.poll(120):
            raise RuntimeError("the server process did not report its address within 120 s")
        server: Server = client_end.recv()
        yield server
    finally:
        with suppress(OSError):
            client_end.send("stop")
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the server process exited with {process.exitcode}")


# ---------------------------------------------------------------------------------------------------- RPCs


@dataclass
class RpcResults:
    get: Paired  # calls/s: facade (a), stub (b)
    get_calls: int
    page: Paired  # ms per page iterated: facade (a), stub (b)
    page_calls: int
    same_headers: Paired  # calls/s: facade (a), stub sending the facade's headers (b)


def bench_rpcs(server: Server, budget: float) -> RpcResults:
    address, token, space_name = server
    metadata = (("authorization", f"Bearer {token}"),)
    with grpc.insecure_channel(address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        client = ChatClient(channel=channel, metadata=metadata, timeout=TIMEOUT)
        get_request = space_pb2.GetSpaceRequest(name=space_name)
        expected = stub.GetSpace(get_request, metadata=metadata, timeout=TIMEOUT)
        if client.get_space(name=space_name) != expected:
            raise RuntimeError("the facade and the stub answer different spaces")

        def facade_get(calls: int) -> float:
            get = client.get_space
            start = time.perf_counter()
            for _ in range(calls):
                answer = get(name=space_name)
            elapsed = time.perf_counter() - start
            if answer != expected:
                raise RuntimeError("GetSpace through the facade answered another space")
            return calls / elapsed

        def stub_get(headers: Headers) -> Callable[[int], float]:
            def slot(calls: int) -> float:
                get, request = stub.GetSpace, space_pb2.GetSpaceRequest
                start = time.perf_counter()
                for _ in range(calls):
                    answer = get(request(name=space_name), metadata=headers, timeout=TIMEOUT)
                elapsed = time.perf_counter() - start
                if answer != expected:
                    raise RuntimeError("GetSpace through the stub answered another space")
                return calls / elapsed

            return slot

        get = compare(facade_get, stub_get(metadata), budget=budget, probe=300, min_calls=20)
        # The same, with the stub sending every header the facade sends (x-goog-api-client, the routing header):
        # what is left between the two is the facade's own Python.
        same_headers = compare(facade_get, stub_get(facade_headers(channel, metadata, space_name)), budget=budget)

        def check(names: list[str]) -> None:
            if len(names) != MEMBERS or len(set(names)) != MEMBERS:
                raise RuntimeError(f"ListMemberships: {len(names)} items, {MEMBERS} expected")

        def facade_page(calls: int) -> float:
            list_memberships = client.list_memberships
            start = time.perf_counter()
            for _ in range(calls):
                names = [m.name for m in list_memberships(parent=space_name, page_size=MEMBERS)]
            elapsed = time.perf_counter() - start
            check(names)
            return elapsed / calls * 1000

        def stub_page(calls: int) -> float:
            list_memberships, request = stub.ListMemberships, membership_pb2.ListMembershipsRequest
            start = time.perf_counter()
            for _ in range(calls):
                wanted = request(parent=space_name, page_size=MEMBERS)
                page = list_memberships(wanted, metadata=metadata, timeout=TIMEOUT)
                names = [m.name for m in page.memberships]
                if page.next_page_token:
                    raise RuntimeError("ListMemberships: the page is not the last one")
            elapsed = time.perf_counter() - start
            check(names)
            return elapsed / calls * 1000

        page = compare(facade_page, stub_page, budget=budget, rate=False, probe=30)
    return RpcResults(get, get.calls, page, page.calls, same_headers)


class _Recorder(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Keeps the metadata of the calls it sees."""

    def __init__(self) -> None:
        self.seen: list[Headers] = []

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.seen.append(tuple(details.metadata or ()))
        return continuation(details, request)


Headers = tuple[tuple[str, str], ...]


def facade_headers(channel: grpc.Channel, metadata: Headers, space_name: str) -> Headers:
    """The metadata the facade sends with a GetSpace (as the channel sees it)."""
    recorder = _Recorder()
    client = ChatClient(channel=grpc.intercept_channel(channel, recorder), metadata=metadata, timeout=TIMEOUT)
    client.get_space(name=space_name)
    return recorder.seen[0]


# ---------------------------------------------------------------------------------------------------- imports

IMPORT_PROBE = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
CLIENT_IMPORT, GRPC_IMPORT = "from chat_grpc import ChatClient", "import grpc"


def import_seconds(statement: str) -> float:
    """The wall time of an import ``statement`` in a fresh interpreter (the interpreter's own start-up excluded),
    with bytecode caching on, as an installed package has it (PYTHONDONTWRITEBYTECODE would compile every module of
    ours on every import, and not grpc's, which ships compiled)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    probe = IMPORT_PROBE.format(statement=statement)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip())


@dataclass
class ImportResult:
    ours: Paired  # ms: from chat_grpc import ChatClient (a), import grpc (b)


def bench_imports(budget: float) -> ImportResult:
    import_seconds(CLIENT_IMPORT), import_seconds(GRPC_IMPORT)  # warm the OS file cache
    paired = alternate(
        lambda: import_seconds(CLIENT_IMPORT) * 1000,
        lambda: import_seconds(GRPC_IMPORT) * 1000,
        budget=budget,
        min_rounds=10,
        max_rounds=200,
    )
    return ImportResult(paired)


# ---------------------------------------------------------------------------------------------------- the oracle


@dataclass
class OracleResult:
    google: list[float]  # calls/s through google-apps-chat's ChatServiceClient
    raw: list[float]  # calls/s of a raw unary call in the same process
    ratios: list[float]
    calls_per_slot: int
    version: str


def oracle_available() -> bool:
    if not ORACLE_PYTHON.exists():
        return False
    probe = subprocess.run([str(ORACLE_PYTHON), "-c", "import google.apps.chat_v1"], capture_output=True)
    return probe.returncode == 0


def bench_oracle(server: Server, budget: float) -> OracleResult:
    address, token, space_name = server
    script = Path(__file__).resolve().parent / "oracle_get_space.py"
    done = subprocess.run(
        [str(ORACLE_PYTHON), str(script), address, token, space_name, "--budget", str(budget)],
        capture_output=True,
        text=True,
        timeout=budget * 3 + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the oracle benchmark failed:\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return OracleResult(found["google"], found["raw"], found["ratios"], found["calls_per_slot"], found["version"])


# ---------------------------------------------------------------------------------------------------- report


def report(rpcs: RpcResults, imports: ImportResult, oracle: OracleResult | None) -> Table:
    med = statistics.median
    get, page, imp = rpcs.get, rpcs.page, imports.ours
    table = Table()
    get_ratio = table.paired("GetSpace", get, ("facade", "stub"), "calls/s", at_least(GET_GOAL))
    table.paired(
        "GetSpace, same headers (info)", rpcs.same_headers, ("facade", "stub with the facade's headers"), "calls/s"
    )
    table.paired(f"List page of {MEMBERS}", page, ("facade", "stub"), "ms", at_most(LIST_GOAL))
    table.value("from chat_grpc import ChatClient (fresh interpreter)", f"{med(imp.a):.1f} ms", spread(imp.a))
    table.value("import grpc (fresh interpreter)", f"{med(imp.b):.1f} ms", spread(imp.b))
    table.ratio("  ratio ChatClient/grpc", imp, at_most(IMPORT_GOAL), digits=2)
    if oracle is not None:
        google_ratio = med(oracle.ratios)
        table.value(
            f"GetSpace, google-apps-chat {oracle.version} (own process)",
            f"{med(oracle.google):,.0f} calls/s",
            spread(oracle.google),
        )
        table.measured("GetSpace, raw call (its process)", oracle.raw, "calls/s")
        table.value("  ratio google-apps-chat/raw (info)", f"{google_ratio:.3f}", spread(oracle.ratios))
        table.value("  facade/stub over google/raw (info)", f"{get_ratio / google_ratio:.2f}")
    oracle_note = (
        f", google-apps-chat {len(oracle.ratios)} x {oracle.calls_per_slot}"
        if oracle is not None
        else "; google-apps-chat: not installed (make oracle)"
    )
    table.notes.append(
        f"Rounds (slots per variant x calls): GetSpace {get.rounds} x {rpcs.get_calls}, list page {page.rounds} x "
        f"{rpcs.page_calls}, imports {imp.rounds}{oracle_note}. Server: another process, {WORKERS} threads. "
        "Ratios: medians of per-round paired ratios."
    )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 20.0, "per benchmark (~4x in all)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    banner("chat-grpc client benchmarks")
    oracle: OracleResult | None = None
    with server_process() as server:
        print("GetSpace and a list page: facade vs generated stub ...", flush=True)
        rpcs = bench_rpcs(server, args.budget)
        if oracle_available():
            print("GetSpace: google-apps-chat vs a raw call, in the oracle virtualenv ...", flush=True)
            oracle = bench_oracle(server, args.budget)
    print("from chat_grpc import ChatClient vs import grpc, fresh interpreters ...", flush=True)
    imports = bench_imports(args.budget)
    report(rpcs, imports, oracle).print()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
