"""``python -m chat_grpc.server``: run the fake Chat API in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence

from chat_grpc.server.config import Config, parse_args
from chat_grpc.server.demo import DemoWorkspace, seed_demo
from chat_grpc.server.server import ChatServer


def how_to_connect(address: str, demo: DemoWorkspace) -> str:
    return "\n".join(
        [
            "Demo workspace: alice@example.com (admin), bob@example.com, carol@example.com, dave@partner.example,",
            f"the app 'Demo Bot' (users/{demo.app.id}); spaces: "
            + ", ".join(f"{s.display_name or key} ({s.name})" for key, s in demo.spaces.items()),
            "Tokens anyone can write: 'user:<email>' (user auth, all scopes), 'app:<app id>' (app auth),",
            "optionally ';scopes=chat.spaces,chat.messages' and ';app=<app id>'. For example:",
            "  grpcurl -plaintext -protoset generated/google/chat/v1/chat_descriptor_set.binpb"
            f" -H 'authorization: Bearer user:alice@example.com' {address} google.chat.v1.ChatService/ListSpaces",
            f"  python: grpc.insecure_channel({address!r}) with metadata"
            " [('authorization', 'Bearer user:bob@example.com')]",
        ]
    )


def serve(config: Config) -> int:
    server = ChatServer(
        host=config.host,
        port=config.port,
        seed=config.seed,
        max_workers=config.max_workers,
        default_principal=config.default_principal,
    )
    demo = seed_demo(server.store) if config.demo else None
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    server.start()
    print(f"chat-grpc emulator listening on {server.address}", flush=True)
    if demo is not None:
        print(how_to_connect(server.address, demo), flush=True)
    stopping.wait()
    server.stop(grace=2.0)
    print("chat-grpc emulator stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return serve(parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
