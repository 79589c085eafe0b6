"""The messages of one space, in the orders ListMessages reads them (no gRPC, no rules).

Each space keeps its messages in a timeline sorted by ``key`` (create time in microseconds and a sequence
number, packed in one int) — plus a timeline for each thread that has replies — so a page of ListMessages, with
or without a create_time range, costs O(log n + page), not a scan. Deleted messages stay in the timelines (shown
with ``show_deleted``).
"""

from __future__ import annotations

import itertools
from bisect import insort
from dataclasses import dataclass, field
from datetime import datetime

from chat_grpc.fake.store.message_records import SEQ_BITS, Message, _by_key, _micros


@dataclass
class SpaceMessages:
    """One space's messages: by id, by client id, its timeline and its threads' timelines."""

    by_id: dict[str, Message] = field(default_factory=dict)
    client_ids: dict[str, str] = field(default_factory=dict)
    timeline: list[Message] = field(default_factory=list)  # sorted by key
    replies: dict[str, list[Message]] = field(default_factory=dict)  # thread id -> its first message and replies
    thread_keys: dict[tuple[str | None, str], str] = field(default_factory=dict)  # (app id, key) -> thread id
    next_seq: int = 1

    def next_key(self, when: datetime) -> int:
        self.next_seq += 1
        return (_micros(when) << SEQ_BITS) | (self.next_seq % (1 << SEQ_BITS))

    def add(self, message: Message) -> None:
        """Put a new message in every index of its space (the timeline, its thread's, by id, by client id)."""
        timeline = self.timeline
        if not timeline or timeline[-1].key < message.key:
            timeline.append(message)  # the usual case, and every seed in time order: no bisect
        else:
            insort(timeline, message, key=_by_key)
        if message.thread_reply:
            insort(self._replies_to(message.thread_id), message, key=_by_key)
        self.by_id[message.id] = message
        if message.client_id:
            self.client_ids[message.client_id] = message.id

    def _replies_to(self, thread_id: str) -> list[Message]:
        """A thread's timeline, for a new reply: made at its first reply, from its first message if there is one."""
        thread = self.replies.get(thread_id)
        if thread is None:
            root = self.by_id.get(f"{thread_id}.{thread_id}")
            thread = self.replies[thread_id] = [root] if root is not None else []
        return thread

    def add_many(self, messages: list[Message]) -> None:
        """Put new messages in every index of their space: what ``add`` once each, in order, leaves, with the
        timeline extended at once when they come in key order after it (every seed in time order)."""
        timeline = self.timeline
        in_order = all(a.key <= b.key for a, b in itertools.pairwise(messages))
        if in_order and messages and (not timeline or timeline[-1].key <= messages[0].key):
            timeline.extend(messages)  # where add puts each: at the end (after an equal key, as insort does)
        else:
            for message in messages:
                insort(timeline, message, key=_by_key)
        by_id, client_ids = self.by_id, self.client_ids
        for message in messages:
            if message.thread_reply:
                insort(self._replies_to(message.thread_id), message, key=_by_key)
            by_id[message.id] = message
            if message.client_id:
                client_ids[message.client_id] = message.id

    def thread(self, thread_id: str) -> list[Message]:
        """A thread's messages in order (its first message alone when nobody replied)."""
        if thread_id in self.replies:
            return self.replies[thread_id]
        root = self.by_id.get(f"{thread_id}.{thread_id}")
        return [root] if root is not None else []

    def has_thread(self, thread_id: str) -> bool:
        return thread_id in self.replies or f"{thread_id}.{thread_id}" in self.by_id
