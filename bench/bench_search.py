"""SearchMessages benchmark, run by ``make bench``: a page of search results over 100,000 messages against a page
of ListMessages with a filter over the same messages.

One in-process ``ChatServer`` (``ManualClock``), seeded through the store API with 100,000 messages of plain prose
in one space (one in ten mentions "falcon", one in a hundred "zephyr") plus 10 smaller spaces the user belongs to,
and this process as the gRPC client. Compared, alternating calls in ABBA order:

* ListMessages, ``page_size`` 100, ``filter`` ``create_time > <the middle message's time>`` (O(log n + page)),
* SearchMessages, ``page_size`` 100, ``filter`` ``falcon`` — one word in 10% of the messages — and ``zephyr``
  (1%), across every space of the caller, newest first.

Goal: time(SearchMessages page) / time(ListMessages filtered page) <= 2. The first search of a space builds its
index (one pass); it is timed separately and is not part of the goal. A missed goal is reported as MISS and does
not fail the run; a wrong answer exits non-zero.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import grpc
from bench_server import new_space, user_actor
from google.chat.v1 import chat_service_pb2_grpc, message_pb2
from runner import alternate, arguments, format_table, sized, spread, verdict

from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.store.message_records import MessageContent, NewMessage
from chat_grpc.server import ChatServer

# In smoke mode: a page of 10, with 20 + 2 messages that mention "zephyr".
MESSAGES, OTHER_SPACES, OTHER_MESSAGES, PAGE = sized((100_000, 10, 1_000, 100), smoke=(2_000, 2, 100, 10))
GOAL = 2.0
STEP = timedelta(milliseconds=1)
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliett",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
]


def text(i: int) -> str:
    words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(12)]
    if i % 10 == 0:
        words[3] = "falcon"
    if i % 100 == 0:
        words[8] = "zephyr"
    return f"Message {i}: " + " ".join(words)


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 20.0, "per comparison")
    args = parser.parse_args(argv)
    print(f"chat-grpc SearchMessages benchmark (Python {sys.version.split()[0]}, grpcio {grpc.__version__})")
    clock = ManualClock()
    with ChatServer(clock=clock, seed=3) as chat:
        store = chat.store
        alice = store.add_user("alice@example.com", "Alice")
        actor = user_actor(alice)
        big = new_space(store, alice, "Big")
        started = time.perf_counter()
        # Seeded in bulk (create_many), a message every STEP.
        start = clock.now()
        made = store.messages.create_many(
            actor,
            big.id,
            (NewMessage(MessageContent(text=text(i)), create_time=start + i * STEP) for i in range(MESSAGES)),
        )
        middle = store.messages.get(actor, big.id, made[MESSAGES // 2]).create_time
        clock.advance(MESSAGES * STEP)
        for s in range(OTHER_SPACES):
            space = new_space(store, alice, f"Other {s}")
            start = clock.now()
            store.messages.create_many(
                actor,
                space.id,
                (
                    NewMessage(MessageContent(text=text(i + s)), create_time=start + i * STEP)
                    for i in range(OTHER_MESSAGES)
                ),
            )
            clock.advance(OTHER_MESSAGES * STEP)
        print(f"seeded {MESSAGES + OTHER_SPACES * OTHER_MESSAGES:,} messages in {time.perf_counter() - started:.1f} s")

        with grpc.insecure_channel(chat.address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            metadata = [("authorization", f"Bearer {chat.token_for(alice)}")]
            listing = message_pb2.ListMessagesRequest(
                parent=big.name, page_size=PAGE, filter=f'create_time > "{rfc3339(middle)}"'
            )

            def timed(call: object, request: object) -> float:
                begin = time.perf_counter()
                response = call(request, metadata=metadata, timeout=60)  # type: ignore[operator]
                elapsed = time.perf_counter() - begin
                items = getattr(response, "results", None) or getattr(response, "messages", None)
                if items is None or len(items) != PAGE:
                    raise SystemExit(f"wrong answer: {len(items or [])} items instead of {PAGE}")
                return elapsed

            rows = []
            for word in ("falcon", "zephyr"):
                search = message_pb2.SearchMessagesRequest(parent="spaces/-", filter=word, page_size=PAGE)
                first = timed(stub.SearchMessages, search)  # builds the indexes of the spaces it reaches
                found = stub.SearchMessages(search, metadata=metadata, timeout=60).results
                if not all(word in r.message.text for r in found):
                    raise SystemExit(f"wrong answer: a result without {word!r}")
                paired = alternate(
                    lambda s=search: timed(stub.SearchMessages, s),
                    lambda: timed(stub.ListMessages, listing),
                    budget=args.budget / 2,
                    min_rounds=20,
                    max_rounds=100_000,
                )
                ratio = statistics.median(paired.ratios)
                rows += [
                    (
                        f"SearchMessages {word!r}, ms/page",
                        f"{statistics.median(paired.a) * 1000:.2f}",
                        spread(paired.a),
                        "",
                    ),
                    (
                        "ListMessages filtered, ms/page",
                        f"{statistics.median(paired.b) * 1000:.2f}",
                        spread(paired.b),
                        "",
                    ),
                    (
                        "  ratio search/list",
                        f"{ratio:.3f}",
                        spread(paired.ratios),
                        f"<= {GOAL}  {verdict(ratio <= GOAL)}",
                    ),
                    ("  first search (index build), ms (info)", f"{first * 1000:.0f}", "", ""),
                ]
    print("\n".join(format_table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
