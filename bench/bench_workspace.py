"""Workspace-file seeding benchmark, run by ``make bench``: loading a workspace file of N messages (default
1,000,000) into an empty store, against the store API's bulk path (``store.messages.create_many``) making the same
messages, side by side.

The file is JSON, written once to a temporary folder: 8 users, 4 spaces, messages of ~60 characters from
alternating senders, each with its ``create_time``, one in ten answering an earlier thread (``thread_key``).

Rows:

* **workspace file, messages/s** and **total seconds** (``load_workspace`` on an empty store, from the path):
  goals >= 100,000 messages/s and <= 10 s for the default N.
* Its phases, as info rows: **read** (the file and its JSON), **check** (the shape pass and the references and
  rules pass, into the plan) and **build** (the plan made in an empty store).
* **store API create_many, messages/s**: the same messages (already made as ``NewMessage`` records) in one
  ``create_many`` call per space, for scale; and the ratio workspace / create_many.

Each round loads the file once and runs ``create_many`` once; rounds repeat while the budget lasts (at least one),
and the table shows the median of each row. A wrong result (a message count that is not N) exits non-zero.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from runner import Table, arguments, at_least, at_most, sized

from chat_grpc.fake.clock import ManualClock
from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store import Actor, AuthKind, ChatStore, MemberRef, Space
from chat_grpc.fake.store.message_records import MessageContent, NewMessage, ThreadRequest
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace.read import read_source
from chat_grpc.workspace.seeding import collector_resting

USERS, SPACES = 8, 4
RATE_GOAL, SECONDS_GOAL = 100_000.0, 10.0
START = datetime(2025, 1, 1, tzinfo=UTC)


def _email(i: int) -> str:
    return f"user{i}@example.com"


def _text(space: int, i: int) -> str:
    return f"Message {i} of space {space}: the quick brown fox jumps over the lazy dog"


def workspace(messages: int) -> dict[str, Any]:
    """The benchmark's workspace: ``messages`` messages over SPACES spaces."""
    users = [{"email": _email(i), "display_name": f"User {i}"} for i in range(USERS)]
    spaces = []
    for s in range(SPACES):
        count = messages // SPACES + (1 if s < messages % SPACES else 0)
        items = []
        for i in range(count):
            item: dict[str, Any] = {
                "sender": _email(i % USERS),
                "text": _text(s, i),
                "create_time": (START + timedelta(seconds=s * count + i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if i % 10 == 9:
                item["thread_key"] = f"topic-{i // 100}"
            items.append(item)
        spaces.append(
            {"display_name": f"Space {s}", "members": [{"user": u["email"]} for u in users], "messages": items}
        )
    return {"version": 1, "users": users, "spaces": spaces}


def _empty_store() -> ChatStore:
    return ChatStore(clock=ManualClock(START + timedelta(days=400)), ids=IdGenerator())  # the emulator's default ids


def _message_count(store: ChatStore) -> int:
    return sum(store.messages.count(space.id) for space in store.spaces())


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def load_total(path: Path, messages: int) -> float:
    """One load of the file into an empty store, as the emulator's --seed does it (seconds)."""
    store = _empty_store()
    total, _ = _timed(lambda: workspace_load.load_workspace(store, path))
    if _message_count(store) != messages:
        raise RuntimeError(f"the workspace file made {_message_count(store)} messages, not {messages}")
    return total


def load_phases(path: Path) -> dict[str, float]:
    """The steps of one load, one by one (seconds each): read, check, build."""
    phases: dict[str, float] = {}
    store = _empty_store()
    with collector_resting():
        phases["read"], (data, folder) = _timed(lambda: read_source(path))
        phases["check"], plan = _timed(lambda: workspace_load._checked(store, data, folder))
        phases["build"], _ = _timed(lambda: workspace_load._build(store, plan))
    return phases


def load_round(path: Path, messages: int) -> tuple[float, dict[str, float]]:
    total = load_total(path, messages)
    gc.collect()
    phases = load_phases(path)
    gc.collect()
    return total, phases


def create_many_round(messages: int) -> float:
    """``create_many`` making the same messages in an empty store with the same people and spaces (seconds)."""
    store = _empty_store()
    people = [store.add_user(_email(i), f"User {i}") for i in range(USERS)]
    actors = [Actor(p, AuthKind.USER, frozenset({"chat.messages"})) for p in people]
    batches = []
    for s in range(SPACES):
        space = store.create_space(actors[0], Space(id="", space_type="SPACE", display_name=f"Space {s}"))
        for person in people[1:]:
            store.create_membership(actors[0], space.id, MemberRef("HUMAN", person.id))
        count = messages // SPACES + (1 if s < messages % SPACES else 0)
        keyed = lambda i: ThreadRequest(  # noqa: E731
            key=f"topic-{i // 100}", reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
        )
        batches.append(
            (
                space.id,
                [
                    NewMessage(
                        MessageContent(text=_text(s, i)),
                        keyed(i) if i % 10 == 9 else ThreadRequest(),
                        create_time=START + timedelta(seconds=s * count + i),
                        sender=actors[i % USERS],
                    )
                    for i in range(count)
                ],
            )
        )
    gc.collect()
    start = time.perf_counter()
    for space_id, items in batches:
        store.messages.create_many(actors[0], space_id, items)
    elapsed = time.perf_counter() - start
    if _message_count(store) != messages:
        raise RuntimeError(f"create_many made {_message_count(store)} messages, not {messages}")
    return elapsed


def main() -> int:
    parser = arguments(__doc__, 30)
    parser.add_argument(
        "--messages", type=int, default=sized(1_000_000, smoke=400), help="messages in the file (default 1,000,000)"
    )
    args = parser.parse_args()
    messages = args.messages
    print(f"Workspace-file seeding, {messages:,} messages (Python {sys.version.split()[0]})", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workspace.json"
        path.write_text(json.dumps(workspace(messages)), encoding="utf-8")
        print(f"file: {path.stat().st_size / 2**20:,.1f} MiB", flush=True)
        totals: list[float] = []
        phases: dict[str, list[float]] = {"read": [], "check": [], "build": []}
        bulk: list[float] = []
        deadline = time.perf_counter() + args.budget
        while not totals or time.perf_counter() < deadline:
            total, parts = load_round(path, messages)
            totals.append(total)
            for name, seconds in parts.items():
                phases[name].append(seconds)
            bulk.append(create_many_round(messages))
            print(f"  round {len(totals)}: load {total:.2f} s, create_many {bulk[-1]:.2f} s", flush=True)
    table = Table()
    total = statistics.median(totals)
    rate = messages / total
    table.checked("workspace file, messages/s", f"{rate:,.0f} messages/s", rate, at_least(RATE_GOAL), "messages/s")
    seconds_goal = SECONDS_GOAL * messages / 1_000_000  # 10 s for a million: the same rate
    table.checked("workspace file, total", f"{total:.2f} s", total, at_most(seconds_goal), "s")
    for name, label in (("read", "read and parse JSON"), ("check", "check (shape, references)"), ("build", "build")):
        seconds = statistics.median(phases[name])
        table.value(f"  phase: {label}", f"{seconds:.2f} s", "", f"{messages / seconds:,.0f} messages/s (info)")
    bulk_rate = messages / statistics.median(bulk)
    table.value("store API create_many, messages/s", f"{bulk_rate:,.0f} messages/s", "", "(info)")
    table.value("  ratio workspace file / create_many", f"{rate / bulk_rate:.3f}", "", "(info)")
    table.notes.append(f"{len(totals)} round(s); medians.")
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
