"""GetSpace through Google's published client (google-apps-chat) vs a raw gRPC call, in the oracle virtualenv.

Run by bench_client.py as ``.venv-oracle/bin/python bench/oracle_get_space.py ADDRESS TOKEN SPACE --budget S``
against the same server process it measures our client on. Google's packages register the same protobuf symbols
as ours, so this runs in its own process and imports nothing from chat_grpc (nor from bench_server.py, which
does): ``alternate`` below repeats bench_server.alternate (ABBA slots, paired ratios). Prints one JSON object:
``{"google": [calls/s per slot], "raw": [...], "ratios": [google/raw per round], "calls_per_slot": n,
"version": "..."}``.

The raw call is what a generated stub does (``channel.unary_unary`` with the protobuf class's
``SerializeToString`` / ``FromString``), on the same channel as Google's client.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

import grpc
from google.apps import chat_v1
from google.apps.chat_v1.services.chat_service.transports import ChatServiceGrpcTransport

SLOT = 0.1  # seconds per variant per round, as in bench_server.py


def alternate(run_a: Callable[[], float], run_b: Callable[[], float], *, budget: float) -> tuple[list[float], ...]:
    a_values: list[float] = []
    b_values: list[float] = []
    ratios: list[float] = []
    deadline = time.perf_counter() + budget
    for round_no in range(2000):
        if round_no >= 6 and time.perf_counter() >= deadline:
            break
        if round_no % 2 == 0:
            a, b = run_a(), run_b()
        else:
            b, a = run_b(), run_a()
        a_values.append(a)
        b_values.append(b)
        ratios.append(a / b)
    return a_values, b_values, ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("token")
    parser.add_argument("space")
    parser.add_argument("--budget", type=float, default=20.0)
    args = parser.parse_args(argv)
    metadata = (("authorization", f"Bearer {args.token}"),)

    with grpc.insecure_channel(args.address) as channel:
        client = chat_v1.ChatServiceClient(transport=ChatServiceGrpcTransport(channel=channel))
        space_pb = chat_v1.Space.pb()
        request_pb = chat_v1.GetSpaceRequest.pb()
        raw = channel.unary_unary(
            "/google.chat.v1.ChatService/GetSpace",
            request_serializer=request_pb.SerializeToString,
            response_deserializer=space_pb.FromString,
        )
        raw_request = request_pb(name=args.space)
        expected = raw(raw_request, metadata=metadata, timeout=30)

        def google_slot(calls: int) -> float:
            get = client.get_space
            start = time.perf_counter()
            for _ in range(calls):
                answer = get(name=args.space, metadata=metadata)
            elapsed = time.perf_counter() - start
            if chat_v1.Space.pb(answer) != expected:
                raise RuntimeError("Google's client answered another space")
            return calls / elapsed

        def raw_slot(calls: int) -> float:
            start = time.perf_counter()
            for _ in range(calls):
                answer = raw(raw_request, metadata=metadata, timeout=30)
            elapsed = time.perf_counter() - start
            if answer != expected:
                raise RuntimeError("the raw call answered another space")
            return calls / elapsed

        google_slot(300), raw_slot(300)  # warm-up
        calls = max(20, int(raw_slot(300) * SLOT))
        google, raw_rates, ratios = alternate(lambda: google_slot(calls), lambda: raw_slot(calls), budget=args.budget)
    result = {
        "google": google,
        "raw": raw_rates,
        "ratios": ratios,
        "calls_per_slot": calls,
        "version": version("google-apps-chat"),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
