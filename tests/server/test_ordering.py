"""The one insertion-order mechanism behind memberships, reactions and custom emojis paging."""

from __future__ import annotations

from dataclasses import dataclass

from chat_grpc.fake.store.ordering import InsertionOrder


@dataclass
class Item:
    seq: int


def test_pages_skip_removed_and_re_added_entries_and_compaction_keeps_the_order() -> None:
    order, live = InsertionOrder(), {}
    for seq in range(1, 201):
        live[f"k{seq}"] = Item(seq)
        order.append(seq, f"k{seq}")
    for seq in range(1, 201):  # remove three in four...
        if seq % 4:
            del live[f"k{seq}"]
            order.compact(live)
    live["k3"] = Item(201)  # ...and re-add one under a new sequence number
    order.append(201, "k3")
    assert [i.seq for i in order.after(0, live)] == [*range(4, 201, 4), 201]
    assert [i.seq for i in order.after(150, live)] == [*range(152, 201, 4), 201]
    assert len(order._order) < 120  # stale entries were compacted away once they were the majority
