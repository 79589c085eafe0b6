"""The one insertion-order mechanism behind memberships, reactions and custom emojis paging."""

from __future__ import annotations

from dataclasses import dataclass

from chat_grpc.fake.store.ordering import InsertionOrder, SecondaryIndex, Steps


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


@dataclass
class Tagged:
    seq: int
    tag: str


def test_a_secondary_index_pages_by_value_through_changes_removals_and_compaction() -> None:
    index: SecondaryIndex[str] = SecondaryIndex(lambda record: record.tag)
    live: dict[str, Tagged] = {}
    for seq in range(1, 301):
        live[f"k{seq}"] = Tagged(seq, "rare" if seq % 50 == 0 else "common")
        index.add(seq, f"k{seq}", live[f"k{seq}"].tag)
    steps = Steps()
    assert [r.seq for r in index.after(0, ["rare"], live, steps)] == [50, 100, 150, 200, 250, 300]
    assert steps.count == 6  # only the rare entries were read
    live["k7"].tag = "rare"  # a change of value: listed under the new one, in order
    index.changed(live["k7"], "k7")
    assert [r.seq for r in index.after(0, ["rare"], live)] == [7, 50, 100, 150, 200, 250, 300]
    live["k7"].tag = "common"  # and back: its old entry is valid again, not duplicated
    index.changed(live["k7"], "k7")
    assert [r.seq for r in index.after(0, ["rare"], live)][:1] == [50]
    assert [r.seq for r in index.after(5, ["common"], live)][:3] == [6, 7, 8]
    assert [r.seq for r in index.after(99, ["rare", "common", "none"], live)][:3] == [100, 101, 102]
    for seq in range(1, 301):  # remove all but the rare ones...
        if seq % 50:
            del live[f"k{seq}"]
            index.compact(live)
    assert [r.seq for r in index.after(0, ["rare", "common"], live)] == [50, 100, 150, 200, 250, 300]
    assert sum(len(order) for order in index._orders.values()) < 150  # ...compacted once stale were the majority
