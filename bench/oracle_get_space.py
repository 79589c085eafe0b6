"""GetSpace through Google's published client (google-apps-chat) vs a raw gRPC call, in the oracle virtualenv.

Run by bench_client.py as ``.venv-oracle/bin/python bench/oracle_get_space.py ADDRESS TOKEN SPACE --budget S``
against the same server process it measures our client on. Google's packages register the same protobuf symbols
as ours, so this runs in its own process and imports nothing from chat_grpc (nor from bench_server.py, which
does); it times with the shared runner (``runner.py``, which imports neither), smoke mode included. Prints one
JSON object: ``{"google": [calls/s per slot], "raw": [...], "ratios": [google/raw per round], "calls_per_slot": n,
"version": "..."}``.

The raw call is what a generated stub does (``channel.unary_unary`` with the protobuf class's
``SerializeToString`` / ``FromString``), on the same channel as Google's client.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version

import grpc
from google.apps import chat_v1
from google.apps.chat_v1.services.chat_service.transports import ChatServiceGrpcTransport
from runner import arguments, compare


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 20.0)
    parser.add_argument("address")
    parser.add_argument("token")
    parser.add_argument("space")
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

        paired = compare(google_slot, raw_slot, budget=args.budget, probe=300, min_calls=20)
    result = {
        "google": paired.a,
        "raw": paired.b,
        "ratios": paired.ratios,
        "calls_per_slot": paired.calls,
        "version": version("google-apps-chat"),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
