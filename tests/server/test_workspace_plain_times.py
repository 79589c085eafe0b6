"""The quick shape check of plain messages hands the create times it read to the quick plan (``plain.py``):
the plan is the one made reading them again."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError

from chat_grpc.fake.store import ChatStore
from chat_grpc.workspace import load as workspace_load
from chat_grpc.workspace.plain import without_cleared_messages
from chat_grpc.workspace.schema import parse_time
from tests.server.test_workspace_fast_paths import _time_texts


def _workspace(times: list[str]) -> dict[str, Any]:
    people = [{"email": "ann@example.com"}, {"email": "bob@example.com"}]
    messages = [
        {"sender": people[i % 2]["email"], "text": f"m{i}", "create_time": when} for i, when in enumerate(times)
    ]
    return {
        "users": people,
        "spaces": [{"display_name": "S", "members": [{"user": p["email"]} for p in people], "messages": messages}],
    }


def test_create_times_read_once_give_the_plan_read_twice_gives() -> None:
    texts = ["2026-01-05T09:00:00Z", "2026-01-05T10:00:00.5+01:00", "2026-01-05t09:00:00z", "2026-01-05T09:00:00Z"]
    texts += [t for t in _time_texts(400) if _parses(t)][:50]
    data = _workspace(texts)
    times: dict[str, datetime] = {}
    without_cleared_messages(data, times)
    assert times == {t: parse_time(t) for t in texts}
    quick = workspace_load._check(ChatStore(), copy.deepcopy(data))
    slow = workspace_load.Checker(ChatStore(), copy.deepcopy(data), Path(".")).check()  # nothing kept: read again
    assert [m.create_time for s in quick.spaces for m in s.messages] == [parse_time(t) for t in texts]
    assert quick == slow


def _parses(text: str) -> bool:
    try:
        parse_time(text)
    except PydanticCustomError:
        return False
    return True
