"""The quick paths of a workspace load give what the general ones give: times in their common form read by
datetime's own parser, and plain messages cleared by the shape pass's quick check."""

from __future__ import annotations

import copy
import random
from datetime import datetime

import pytest
from pydantic_core import PydanticCustomError

from chat_grpc.fake.store import ChatStore
from chat_grpc.fake.timestamps import TimestampError, parse_rfc3339
from chat_grpc.workspace import check as workspace_check
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.plain import shape_cleared, without_cleared_messages
from chat_grpc.workspace.read import MAX_DEPTH, SeedError, nesting_depth
from chat_grpc.workspace.schema import MessageItem, parse_time


def _reference(text: str) -> datetime | str:
    try:
        return parse_rfc3339(text.strip(), space=True)
    except TimestampError as error:
        return error.kind


def _time_texts(count: int) -> list[str]:
    """Times of every shape near the edges: days and offsets out of range, 60 seconds, long fractions, t, z."""
    rng = random.Random(3)
    pick = rng.choice
    return [
        f"{pick(['0000', '0001', '1999', '2026', '9999'])}-{pick(['00', '01', '02', '12', '13'])}-"
        f"{pick(['00', '01', '28', '29', '30', '31', '32'])}{pick(['T', 'T', 't', ' '])}"
        f"{pick(['00', '23', '24'])}:{pick(['00', '59', '60'])}:{pick(['00', '59', '60', '61'])}"
        f"{pick(['', '.5', '.123456', '.1234567', '.123456789', '.1234567890'])}"
        f"{pick(['Z', '+00:00', '-00:00', '+23:59', '+24:00', '-05:30', '+05:60', '-19:07', '', 'z'])}"
        for _ in range(count)
    ]


def test_times_read_as_the_rfc3339_parser_reads_them() -> None:
    read = 0
    for text in _time_texts(40_000):
        expected = _reference(text)
        try:
            got = parse_time(text)
        except PydanticCustomError:
            assert isinstance(expected, str), text
            continue
        assert isinstance(expected, datetime), text
        assert (got, got.tzinfo, got.isoformat()) == (expected, expected.tzinfo, expected.isoformat()), text
        read += 1
    assert read > 1_000


def _depth_by_walk(data: object) -> int:
    """The nesting depth, item by item (the reference for ``nesting_depth``'s level-at-a-time count)."""
    if isinstance(data, dict):
        return 1 + max((_depth_by_walk(v) for v in data.values()), default=0)
    if isinstance(data, list):
        return 1 + max((_depth_by_walk(v) for v in data), default=0)
    return 0


def test_nesting_depth_counts_levels_as_a_walk_does() -> None:
    rng = random.Random(5)

    def grow(level: int) -> object:
        if level > 40 or rng.random() < 0.25:
            return rng.choice([1, "x", None, True, [], {}])
        children = [grow(level + 1) for _ in range(rng.randint(0, 3))]
        return children if rng.random() < 0.5 else {f"k{i}": c for i, c in enumerate(children)}

    for _ in range(300):
        data = grow(0)
        assert nesting_depth(data) == min(_depth_by_walk(data), MAX_DEPTH + 1)
    deep: list[object] = []
    inner = deep
    for _ in range(MAX_DEPTH + 50):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    assert nesting_depth(deep) == MAX_DEPTH + 1


def _random_messages(rng: random.Random, count: int) -> list[object]:
    """Messages plain and not: good and bad senders, texts, times, thread keys, client ids and refs, some
    with other keys (a reply, an unknown key), some not mappings at all."""
    pick = rng.choice
    messages: list[object] = []
    for i in range(count):
        message: dict[str, object] = {}
        if rng.random() < 0.95:
            message["sender"] = pick(
                ["ann@example.com"] * 6 + ["bob@example.com", "cy@example.com", "zed@x.y", 7, "Bot"]
            )
        for key, values in (
            ("text", [f"hello {i}", f"hi {i}", "", 5, None, ["x"]]),
            ("create_time", ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.5+02:00", "2026-13-01T00:00:00Z", "soon", 3]),
            ("thread_key", ["topic", "other", "x" * 4001, 1]),
            ("client_id", [f"client-m{i}", "client-dup", "Client-Bad", 2]),
            ("ref", [f"r{i}", "dup", 4]),
            ("fallback_text", ["fb", 1]),
            ("reply_to", ["r1", "dup", "nowhere"]),
            ("colour", ["red"]),
        ):
            if rng.random() < {"text": 0.9, "create_time": 0.6, "thread_key": 0.3}.get(key, 0.08):
                message[key] = pick(values)
        messages.append(message if rng.random() < 0.98 else pick([None, "text", [1]]))
    return messages


def _random_workspace(seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    users = [
        {"email": "ann@example.com"},
        {"email": "bob@example.com", "auto_accept": False},
        {"email": "cy@example.com"},
    ]
    members = [{"user": "ann@example.com"}, {"user": "bob@example.com"}, {"app": "Bot"}]
    spaces = [
        {"display_name": "S", "members": members, "messages": _random_messages(rng, 200)},
        {"type": "GROUP_CHAT", "members": [{"user": u["email"]} for u in users], "messages": _random_messages(rng, 80)},
        {"display_name": "I", "import_mode": True, "creator": "ann@example.com", "messages": _random_messages(rng, 80)},
        {
            "display_name": "Clean",
            "members": members[:2],
            "messages": [m for m in _random_messages(rng, 40) if shape_cleared(m)],
        },
    ]
    if seed % 2:  # a file with no problem: its plan is compared
        spaces = [
            {**space, "messages": [m for m in space["messages"] if _loadable(m, space)] + _good(rng, space)}  # type: ignore[dict-item]
            for space in spaces
        ]
    return {"users": users, "apps": [{"display_name": "Bot"}], "spaces": spaces}


def _good(rng: random.Random, space: dict[str, object]) -> list[object]:
    threads = space.get("type") != "GROUP_CHAT"
    return [
        {"sender": "ann@example.com", "text": f"good {i}", "client_id": f"client-good{i}"}
        | ({"thread_key": rng.choice(["a", "b", "c"])} if threads and i % 2 else {})
        | ({"create_time": f"2026-01-0{1 + i % 9}T10:00:00Z"} if i % 3 else {})
        for i in range(50)
    ]


def _loadable(message: object, space: dict[str, object]) -> bool:
    senders = ("ann@example.com", "Bot") if space.get("display_name") == "S" else ("ann@example.com",)
    return (
        shape_cleared(message)
        and isinstance(message, dict)
        and message["sender"] in senders
        and (space.get("type") != "GROUP_CHAT" or "thread_key" not in message)
        and bool(message.get("text"))
        and "dup" not in (message.get("ref"), message.get("client_id"))
    )


@pytest.mark.parametrize("seed", range(12))
def test_plain_messages_are_checked_as_the_general_passes_check_them(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _random_workspace(seed)
    for space in data["spaces"]:  # type: ignore[attr-defined]
        for message in space["messages"]:
            if shape_cleared(message):
                MessageItem.model_validate(message)  # what the quick shape check clears, pydantic accepts
    assert workspace_schema.shape_problems(without_cleared_messages(data)) == workspace_schema.shape_problems(data)
    quick = _outcome(data)
    assert isinstance(quick, list) != bool(seed % 2)  # problems, or a plan
    monkeypatch.setattr(workspace_check, "plain_plan", lambda *args: None)
    monkeypatch.setattr(workspace_load, "without_cleared_messages", lambda data, times=None: data)
    assert _outcome(data) == quick


def _outcome(data: dict[str, object]) -> object:
    """The plan of a file, or its problems."""
    try:
        return workspace_load._check(ChatStore(), copy.deepcopy(data))
    except SeedError as error:
        return error.problems
