"""The space-event RPCs through the real gRPC channel: GetSpaceEvent, ListSpaceEvents.

Rules come from the reference (spec/004: SpaceEvent, its 18 event types and payload cases, every *EventData
message, GetSpaceEventRequest, ListSpaceEventsRequest/Response and the two RPC descriptions) and chat-api-facts
§2 (user authentication; the eight spaces/messages/memberships/reactions scopes), §3 (members only, the latest
version of the resource, no permission settings in Space payloads, a removed member is an empty Membership,
oldest first), §4 (negative page size) and §5 (the filter: event types OR-ed, start_time exclusive and at most
28 days back, end_time inclusive). The scope each event type needs is the fake's documented choice
(docs/fidelity.md "Space events").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.chat.v1 import (
    membership_pb2,
    message_pb2,
    reaction_pb2,
    space_event_pb2,
    space_pb2,
    user_pb2,
)
from google.protobuf import field_mask_pb2

from chat_grpc.fake.store.events import EventLog
from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
RpcError = Callable[..., grpc.RpcError]
PREFIX = "google.workspace.chat."
MESSAGE_CREATED, MESSAGE_UPDATED, MESSAGE_DELETED = (
    f"{PREFIX}message.v1.{v}" for v in ("created", "updated", "deleted")
)
MEMBER_CREATED, MEMBER_UPDATED, MEMBER_DELETED = (
    f"{PREFIX}membership.v1.{v}" for v in ("created", "updated", "deleted")
)
REACTION_CREATED, REACTION_DELETED = f"{PREFIX}reaction.v1.created", f"{PREFIX}reaction.v1.deleted"
SPACE_UPDATED = f"{PREFIX}space.v1.updated"
SINGLE_TYPES = [
    MESSAGE_CREATED, MESSAGE_UPDATED, MESSAGE_DELETED, MEMBER_CREATED, MEMBER_UPDATED, MEMBER_DELETED,
    REACTION_CREATED, REACTION_DELETED, SPACE_UPDATED,
]  # fmt: skip
# The 18 event types of the reference and the SpaceEvent.payload case of each.
PAYLOAD_CASES = {
    **{
        f"{PREFIX}{kind}.v1.{verb}": f"{kind}_{case}_event_data"
        for kind in ("message", "membership")
        for verb, case in [
            ("created", "created"), ("updated", "updated"), ("deleted", "deleted"),
            ("batchCreated", "batch_created"), ("batchUpdated", "batch_updated"), ("batchDeleted", "batch_deleted"),
        ]
    },
    f"{PREFIX}reaction.v1.created": "reaction_created_event_data",
    f"{PREFIX}reaction.v1.deleted": "reaction_deleted_event_data",
    f"{PREFIX}reaction.v1.batchCreated": "reaction_batch_created_event_data",
    f"{PREFIX}reaction.v1.batchDeleted": "reaction_batch_deleted_event_data",
    f"{PREFIX}space.v1.updated": "space_updated_event_data",
    f"{PREFIX}space.v1.batchUpdated": "space_batch_updated_event_data",
}  # fmt: skip
EIGHT = "2026-01-05T08:00:00Z"  # an hour before the ManualClock starts


# ------------------------------------------------------------------ builders and helpers


def types_filter(*types: str) -> str:
    return " OR ".join(f'event_types:"{t}"' for t in types)


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def listing(parent: str, filter: str, **fields: Any) -> space_event_pb2.ListSpaceEventsRequest:
    return space_event_pb2.ListSpaceEventsRequest(parent=parent, filter=filter, **fields)


def every_event(
    call: Caller, space: str, who: Any, filter: str | None = None, *, page_size: int = 0, **kw: Any
) -> list[space_event_pb2.SpaceEvent]:
    found: list[space_event_pb2.SpaceEvent] = []
    token = ""
    for _ in range(1000):
        page = call(
            "ListSpaceEvents",
            listing(space, filter or types_filter(*SINGLE_TYPES), page_size=page_size, page_token=token),
            as_=who,
            **kw,
        )
        found += page.space_events
        token = page.next_page_token
        if not token:
            return found
    raise AssertionError("endless pagination")


def post(call: Caller, space: str, who: Any, text: str = "hello", **kw: Any) -> message_pb2.Message:
    request = message_pb2.CreateMessageRequest(parent=space, message=message_pb2.Message(text=text))
    return call("CreateMessage", request, as_=who, **kw)


def edit(call: Caller, name: str, who: Any, text: str) -> message_pb2.Message:
    request = message_pb2.UpdateMessageRequest(
        message=message_pb2.Message(name=name, text=text), update_mask=field_mask_pb2.FieldMask(paths=["text"])
    )
    return call("UpdateMessage", request, as_=who)


def react(call: Caller, message: str, who: Any, emoji: str = "👍") -> reaction_pb2.Reaction:
    request = reaction_pb2.CreateReactionRequest(
        parent=message, reaction=reaction_pb2.Reaction(emoji=reaction_pb2.Emoji(unicode=emoji))
    )
    return call("CreateReaction", request, as_=who)


def rename(call: Caller, space: str, who: Any, display_name: str) -> space_pb2.Space:
    request = space_pb2.UpdateSpaceRequest(
        space=space_pb2.Space(name=space, display_name=display_name),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
    )
    return call("UpdateSpace", request, as_=who)


def set_role(call: Caller, membership: str, who: Any, role: int) -> membership_pb2.Membership:
    request = membership_pb2.UpdateMembershipRequest(
        membership=membership_pb2.Membership(name=membership, role=role),
        update_mask=field_mask_pb2.FieldMask(paths=["role"]),
    )
    return call("UpdateMembership", request, as_=who)


def add(call: Caller, space: str, who: Any, user: Any) -> membership_pb2.Membership:
    request = membership_pb2.CreateMembershipRequest(parent=space, membership=human(user.name))
    return call("CreateMembership", request, as_=who)


def remove(call: Caller, membership: str, who: Any) -> membership_pb2.Membership:
    return call("DeleteMembership", membership_pb2.DeleteMembershipRequest(name=membership), as_=who)


def payload_of(event: space_event_pb2.SpaceEvent) -> Any:
    """The resource in the event's payload case (a single-resource case)."""
    case = event.WhichOneof("payload")
    assert case == PAYLOAD_CASES[event.event_type], f"{event.event_type} carries {case}"
    data = getattr(event, case)
    (field,) = data.DESCRIPTOR.fields
    assert data.HasField(field.name), f"{case}.{field.name} is not set"
    return getattr(data, field.name)


def set_fields(message: Any) -> set[str]:
    return {field.name for field, _ in message.ListFields()}


def invalid(rpc_error: RpcError, rpc: str, request: Any, field: str, match: str = "", **kw: Any) -> grpc.RpcError:
    error = rpc_error(Code.INVALID_ARGUMENT, rpc, request, match=match or field, **kw)
    assert_details(error, field=field)
    return error


def app_space(call: Caller, ws: Workspace, *members: Any) -> space_pb2.Space:
    """A space the app created (so it can post private messages there), with ``members`` joined."""
    space = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space("Bot room", customer="customers/my_customer")),
        as_=ws.app,
    )
    for member in members:
        add(call, space.name, ws.app, member)
    return space


# ------------------------------------------------------------------ the event types and their payloads


def test_the_payload_case_table_matches_the_protos() -> None:
    """Each of the 18 event types has its own SpaceEvent.payload case (the reference's event type list)."""
    oneof = space_event_pb2.SpaceEvent.DESCRIPTOR.oneofs_by_name["payload"]
    assert sorted(field.name for field in oneof.fields) == sorted(PAYLOAD_CASES.values())
    assert len(PAYLOAD_CASES) == 18


@pytest.fixture
def history(call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock) -> dict[str, Any]:
    """Every kind of change the fake records, one minute apart, in the team space (alice manager, bob member)."""
    steps: dict[str, Any] = {}

    def step(name: str, value: Any) -> None:
        clock.advance(timedelta(minutes=1))
        steps[name] = value

    space = team.name
    step("first", post(call, space, ws.alice, "first draft"))
    step("reaction", react(call, steps["first"].name, ws.bob))
    step("edited", edit(call, steps["first"].name, ws.alice, "final text"))
    step("renamed", rename(call, space, ws.alice, "Renamed team"))
    step("promoted", set_role(call, f"{space}/members/{ws.bob.id}", ws.alice, membership_pb2.Membership.ROLE_MANAGER))
    step(
        "unreacted", call("DeleteReaction", reaction_pb2.DeleteReactionRequest(name=steps["reaction"].name), as_=ws.bob)
    )
    step("second", post(call, space, ws.bob, "oops"))
    step("deleted", call("DeleteMessage", message_pb2.DeleteMessageRequest(name=steps["second"].name), as_=ws.bob))
    step("erin", add(call, space, ws.alice, ws.erin))
    step("erin removed", remove(call, steps["erin"].name, ws.alice))
    return steps


EXPECTED_SEQUENCE = [
    (MEMBER_CREATED, "alice"),
    (MEMBER_CREATED, "bob"),
    (MESSAGE_CREATED, "first"),
    (REACTION_CREATED, "reaction"),
    (MESSAGE_UPDATED, "first"),
    (SPACE_UPDATED, "space"),
    (MEMBER_UPDATED, "bob"),
    (REACTION_DELETED, "reaction"),
    (MESSAGE_CREATED, "second"),
    (MESSAGE_DELETED, "second"),
    (MEMBER_CREATED, "erin"),
    (MEMBER_DELETED, "erin"),
]


def test_every_change_is_listed_oldest_first_with_its_payload_case(
    call: Caller, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    events = every_event(call, team.name, ws.bob)
    assert [e.event_type for e in events] == [t for t, _ in EXPECTED_SEQUENCE]
    times = [e.event_time.ToDatetime(tzinfo=UTC) for e in events]
    assert times == sorted(times) and len(set(times)) == len(times), "oldest first"
    assert len({e.name for e in events}) == len(events)
    for event in events:
        assert event.name.startswith(f"{team.name}/spaceEvents/")
        payload_of(event)  # the case of its type, with the resource set (empty or not)


def test_payloads_are_the_latest_version_of_each_resource(
    call: Caller, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    events = every_event(call, team.name, ws.bob)
    by_step = dict(zip(EXPECTED_SEQUENCE, events, strict=True))
    # membership events: bob's created event already shows the role he got later
    alice = payload_of(by_step[MEMBER_CREATED, "alice"])
    assert alice.name == f"{team.name}/members/{ws.alice.id}" and alice.member.name == ws.alice.name
    assert (alice.role, alice.state) == (alice.ROLE_MANAGER, alice.JOINED)
    for key in [(MEMBER_CREATED, "bob"), (MEMBER_UPDATED, "bob")]:
        bob = payload_of(by_step[key])
        assert bob.name == f"{team.name}/members/{ws.bob.id}"
        assert (bob.role, bob.state, bob.member.type) == (bob.ROLE_MANAGER, bob.JOINED, user_pb2.User.HUMAN)
    # message events: the created event shows the edit
    for key in [(MESSAGE_CREATED, "first"), (MESSAGE_UPDATED, "first")]:
        message = payload_of(by_step[key])
        assert message == call("GetMessage", message_pb2.GetMessageRequest(name=history["first"].name), as_=ws.bob)
        assert message.text == "final text" and message.HasField("last_update_time")
    # the space event: the space as it is now (as GetSpace shows it), without permission settings
    space = payload_of(by_step[SPACE_UPDATED, "space"])
    assert space.name == team.name and space.display_name == "Renamed team"
    assert not space.HasField("permission_settings")
    as_get = call("GetSpace", space_pb2.GetSpaceRequest(name=team.name), as_=ws.bob)
    assert as_get.HasField("permission_settings") and as_get.membership_count.joined_direct_human_user_count == 2
    as_get.ClearField("permission_settings")
    assert space == as_get
    rename(call, team.name, ws.alice, "Renamed again")
    again = call(
        "GetSpaceEvent", space_event_pb2.GetSpaceEventRequest(name=by_step[SPACE_UPDATED, "space"].name), as_=ws.bob
    )
    assert payload_of(again).display_name == "Renamed again"


def test_deleted_resources_are_trimmed_or_empty(
    call: Caller, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    events = every_event(call, team.name, ws.bob)
    by_step = dict(zip(EXPECTED_SEQUENCE, events, strict=True))
    # MembershipDeletedEventData: only name and state
    gone = payload_of(by_step[MEMBER_DELETED, "erin"])
    assert set_fields(gone) == {"name", "state"}
    assert gone.name == history["erin"].name and gone.state == gone.NOT_A_MEMBER
    # a member removed since: an empty Membership (ListSpaceEvents description)
    assert set_fields(payload_of(by_step[MEMBER_CREATED, "erin"])) == set()
    # MessageDeletedEventData: only name, createTime, deleteTime and deletionMetadata
    deleted = payload_of(by_step[MESSAGE_DELETED, "second"])
    assert set_fields(deleted) == {"name", "create_time", "delete_time", "deletion_metadata"}
    assert deleted.name == history["second"].name and deleted.create_time == history["second"].create_time
    assert deleted.deletion_metadata.deletion_type == deleted.deletion_metadata.CREATOR
    assert deleted.delete_time.ToDatetime() > deleted.create_time.ToDatetime()
    # the created event of a deleted message: its latest version is its tombstone (as GetMessage shows it)
    tombstone = payload_of(by_step[MESSAGE_CREATED, "second"])
    assert tombstone == call("GetMessage", message_pb2.GetMessageRequest(name=history["second"].name), as_=ws.bob)
    assert tombstone.HasField("delete_time") and not tombstone.text
    # ReactionDeletedEventData: the whole deleted reaction; its created event: an empty Reaction
    reaction = payload_of(by_step[REACTION_DELETED, "reaction"])
    assert reaction == history["reaction"]
    assert reaction.user.name == ws.bob.name and reaction.emoji.unicode == "👍"
    assert set_fields(payload_of(by_step[REACTION_CREATED, "reaction"])) == set()


def test_reactions_of_a_deleted_message_leave_empty_payloads(
    call: Caller, ws: Workspace, team: space_pb2.Space
) -> None:
    message = post(call, team.name, ws.alice)
    reaction = react(call, message.name, ws.bob)
    (created,) = every_event(call, team.name, ws.bob, types_filter(REACTION_CREATED))
    assert payload_of(created) == reaction
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=message.name), as_=ws.alice)
    (created,) = every_event(call, team.name, ws.bob, types_filter(REACTION_CREATED))
    assert set_fields(payload_of(created)) == set()


def test_a_removed_and_readded_member_shows_the_new_membership(
    call: Caller, ws: Workspace, team: space_pb2.Space
) -> None:
    first = add(call, team.name, ws.alice, ws.erin)
    remove(call, first.name, ws.alice)
    again = add(call, team.name, ws.alice, ws.erin)
    created = every_event(call, team.name, ws.bob, types_filter(MEMBER_CREATED))[2:]  # after alice's and bob's
    assert len(created) == 2 and again.name == first.name
    assert all(payload_of(e) == again for e in created)


def test_group_memberships_have_events(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    request = membership_pb2.CreateMembershipRequest(
        parent=team.name, membership=membership_pb2.Membership(group_member={"name": ws.group.name})
    )
    group = call("CreateMembership", request, as_=ws.alice)
    *_, last = every_event(call, team.name, ws.bob, types_filter(MEMBER_CREATED))
    assert payload_of(last) == group and payload_of(last).group_member.name == ws.group.name


# ------------------------------------------------------------------ the filter


def test_types_are_or_ed_and_only_the_requested_ones_come_back(
    call: Caller, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    every = every_event(call, team.name, ws.bob)
    for chosen in [
        [MESSAGE_CREATED],
        [REACTION_DELETED, SPACE_UPDATED],
        [MEMBER_CREATED, MEMBER_DELETED, MESSAGE_UPDATED],
    ]:
        found = every_event(call, team.name, ws.bob, types_filter(*chosen))
        assert [e.name for e in found] == [e.name for e in every if e.event_type in chosen]


@pytest.mark.parametrize(
    "filter",
    [
        f'event_types:"{MESSAGE_CREATED}"',
        f'eventTypes:"{MESSAGE_CREATED}"',
        f'event_type:"{MESSAGE_CREATED}"',
        f'(event_types:"{MESSAGE_CREATED}")',
        f'event_types:"{MESSAGE_CREATED}" OR event_types:"{PREFIX}message.v1.batchCreated"',
        f'event_types:"{PREFIX}message.v1.batchCreated" OR event_types:"{MESSAGE_CREATED}"',
        f'start_time="2026-01-01T00:00:00Z" AND event_types:"{MESSAGE_CREATED}"',
        f'event_types:"{MESSAGE_CREATED}" AND end_time="2030-01-01T00:00:00+02:00"',
        f'start_time="2026-01-01T00:00:00Z" AND end_time="2030-01-01T00:00:00Z" AND event_types:"{MESSAGE_CREATED}"',
        f'start_time="2026-01-01T00:00:00Z" AND (event_types:"{SPACE_UPDATED}" OR event_types:"{MESSAGE_CREATED}")',
    ],
)
def test_valid_filters(call: Caller, ws: Workspace, team: space_pb2.Space, filter: str) -> None:
    message = post(call, team.name, ws.alice)
    (event,) = every_event(call, team.name, ws.bob, filter)
    assert event.event_type == MESSAGE_CREATED and payload_of(event) == message


def test_batch_types_alone_match_nothing_here(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    """The fake records no batch events; a filter on batch types only is valid and lists nothing."""
    post(call, team.name, ws.alice)
    batches = [t for t in PAYLOAD_CASES if ".batch" in t]
    assert len(batches) == 9
    assert every_event(call, team.name, ws.bob, types_filter(*batches)) == []


@pytest.mark.parametrize(
    ("filter", "match"),
    [
        ("", "filter is required"),
        ("   ", "filter is required"),
        ('start_time="2026-01-05T00:00:00Z"', "at least one event type"),
        (f'event_types:"{MESSAGE_CREATED}" AND event_types:"{SPACE_UPDATED}"', "can't be combined with AND"),
        (
            f'start_time="2026-01-05T00:00:00Z" OR end_time="2026-01-05T08:00:00Z" AND event_types:"{MESSAGE_CREATED}"',
            "",
        ),
        (f'(start_time="2026-01-05T00:00:00Z" OR event_types:"{MESSAGE_CREATED}")', "can't be combined with OR"),
        ('event_types:"google.workspace.chat.message.v1.exploded"', "unknown event type"),
        ('event_types:"google.workspace.chat.space.v1.created"', "unknown event type"),
        (f'event_types="{MESSAGE_CREATED}"', ":"),
        (f'event_types:"{MESSAGE_CREATED}" AND start_time:"2026-01-05T00:00:00Z"', "="),
        (f'event_types:"{MESSAGE_CREATED}" AND start_time="yesterday"', "invalid timestamp"),
        (f'event_types:"{MESSAGE_CREATED}" AND start_time=2026-01-05', "double-quoted"),
        (f'event_types:"{MESSAGE_CREATED}" AND start_time="2025-12-01T00:00:00Z"', "at most 28 days"),
        (
            f'event_types:"{MESSAGE_CREATED}" AND start_time="{EIGHT}" AND end_time="2026-01-05T07:00:00Z"',
            "must be before end_time",
        ),
        (
            f'event_types:"{MESSAGE_CREATED}" AND start_time="{EIGHT}" AND start_time="2026-01-05T08:30:00Z"',
            "only once",
        ),
        (f'event_types:"{MESSAGE_CREATED}" AND space.name="x"', ""),
        (f'NOT event_types:"{MESSAGE_CREATED}"', ""),
    ],
)
def test_invalid_filters(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, filter: str, match: str) -> None:
    invalid(rpc_error, "ListSpaceEvents", listing(team.name, filter), "filter", match=match, as_=ws.bob)


def test_start_time_is_exclusive_and_end_time_inclusive(
    call: Caller, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    clock.advance(timedelta(minutes=1))
    post(call, team.name, ws.alice)
    (event,) = every_event(call, team.name, ws.bob, types_filter(MESSAGE_CREATED))
    when = event.event_time.ToDatetime(tzinfo=UTC)
    tick = timedelta(microseconds=1)

    def found(start: datetime | None = None, end: datetime | None = None) -> bool:
        terms = [types_filter(MESSAGE_CREATED)]
        terms += [f'start_time="{rfc3339(start)}"'] if start else []
        terms += [f'end_time="{rfc3339(end)}"'] if end else []
        return bool(every_event(call, team.name, ws.bob, " AND ".join(terms)))

    assert found(start=when - tick) and not found(start=when)
    assert found(end=when) and not found(end=when - tick)
    assert found(start=when - tick, end=when)
    assert found(end=when + timedelta(days=365)), "an end_time in the future is fine"


def test_the_28_day_window(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, clock: ManualClock
) -> None:
    old = post(call, team.name, ws.alice, "old")
    (old_event,) = every_event(call, team.name, ws.bob, types_filter(MESSAGE_CREATED))
    clock.advance(timedelta(days=27))
    recent = post(call, team.name, ws.alice, "recent")
    assert [payload_of(e).name for e in every_event(call, team.name, ws.bob, types_filter(MESSAGE_CREATED))] == [
        old.name,
        recent.name,
    ]
    clock.advance(timedelta(days=1, seconds=1))  # the first message is now 28 days and a second old
    (left,) = every_event(call, team.name, ws.bob, types_filter(MESSAGE_CREATED))
    assert payload_of(left).name == recent.name
    now = clock.now()
    in_window = f'{types_filter(MESSAGE_CREATED)} AND start_time="{rfc3339(now - timedelta(days=27, hours=23))}"'
    assert len(every_event(call, team.name, ws.bob, in_window)) == 1
    too_old = f'{types_filter(MESSAGE_CREATED)} AND start_time="{rfc3339(now - timedelta(days=28, seconds=1))}"'
    invalid(rpc_error, "ListSpaceEvents", listing(team.name, too_old), "filter", match="at most 28 days", as_=ws.bob)
    ending_early = f'{types_filter(MESSAGE_CREATED)} AND end_time="{rfc3339(now - timedelta(days=2))}"'
    assert every_event(call, team.name, ws.bob, ending_early) == []
    error = rpc_error(
        Code.NOT_FOUND,
        "GetSpaceEvent",
        space_event_pb2.GetSpaceEventRequest(name=old_event.name),
        as_=ws.bob,
        match="not found",
    )
    assert_details(error)


def test_event_times_compare_to_the_exact_microsecond() -> None:
    """Also where float arithmetic is off by one (``timestamp() * 1e6`` of times before 2005-09)."""
    log = EventLog()
    odd = datetime(2005, 2, 22, 7, 40, 40, 2, tzinfo=UTC)  # int(timestamp() * 1e6) is ...001, like 1 µs earlier
    log.append("s", odd, MESSAGE_CREATED, "spaces/s/messages/m", snapshot=False)
    accept = lambda _e: True  # noqa: E731
    tick = timedelta(microseconds=1)
    (event,) = log.page("s", frozenset({MESSAGE_CREATED}), accept, after=odd - tick, until=odd, cursor=None, limit=10)[
        0
    ]
    assert event.time == odd and log.get("s", event.id) == event
    assert not log.page(
        "s", frozenset({MESSAGE_CREATED}), accept, after=odd - 2 * tick, until=odd - tick, cursor=None, limit=10
    )[0]
    assert not log.page("s", frozenset({MESSAGE_CREATED}), accept, after=odd, until=odd + tick, cursor=None, limit=10)[
        0
    ]


# ------------------------------------------------------------------ pages


def test_negative_page_size_is_invalid(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    request = listing(team.name, types_filter(MEMBER_CREATED), page_size=-1)
    invalid(rpc_error, "ListSpaceEvents", request, "page_size", match="must not be negative", as_=ws.bob)


def test_pages_cover_every_event_once(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    every = every_event(call, team.name, ws.bob)
    pages = []
    token = ""
    while True:
        page = call(
            "ListSpaceEvents",
            listing(team.name, types_filter(*SINGLE_TYPES), page_size=3, page_token=token),
            as_=ws.bob,
        )
        pages.append([e.name for e in page.space_events])
        token = page.next_page_token
        if not token:
            break
    assert len(pages) == 4 and all(len(p) == 3 for p in pages), "12 events, 3 a page, no empty last page"
    assert [name for page in pages for name in page] == [e.name for e in every]
    assert every_event(call, team.name, ws.bob, page_size=5) == every
    assert every_event(call, team.name, ws.bob, page_size=5000) == every
    assert every_event(call, team.name, ws.bob, page_size=1) == every


def test_events_recorded_while_paging_show_up_on_a_later_page(
    call: Caller, ws: Workspace, team: space_pb2.Space
) -> None:
    for i in range(3):
        post(call, team.name, ws.alice, f"m{i}")
    filter = types_filter(MESSAGE_CREATED)
    first = call("ListSpaceEvents", listing(team.name, filter, page_size=2), as_=ws.bob)
    late = post(call, team.name, ws.alice, "late")
    second = call(
        "ListSpaceEvents", listing(team.name, filter, page_size=2, page_token=first.next_page_token), as_=ws.bob
    )
    assert [payload_of(e).text for e in [*first.space_events, *second.space_events]] == ["m0", "m1", "m2", "late"]
    assert payload_of(second.space_events[-1]) == late and not second.next_page_token


@pytest.mark.parametrize(
    "change",
    [
        {"filter": types_filter(MESSAGE_CREATED, MEMBER_CREATED)},
        {"filter": types_filter(MEMBER_CREATED) + ' AND start_time="2026-01-01T00:00:00Z"'},
        {"parent": "spaces/other"},
        {"page_token": "tampered"},
    ],
)
def test_a_page_token_only_works_with_the_request_that_issued_it(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, change: dict[str, str]
) -> None:
    add(call, team.name, ws.alice, ws.erin)
    filter = types_filter(MEMBER_CREATED)
    first = call("ListSpaceEvents", listing(team.name, filter, page_size=1), as_=ws.bob)
    assert first.next_page_token
    fields = {"parent": team.name, "filter": filter, "page_token": first.next_page_token, "page_size": 1} | change
    if fields["page_token"] == "tampered":
        fields["page_token"] = first.next_page_token[:-2] + "xx"
    invalid(rpc_error, "ListSpaceEvents", space_event_pb2.ListSpaceEventsRequest(**fields), "page_token", as_=ws.bob)
    again = call(
        "ListSpaceEvents", listing(team.name, filter, page_size=50, page_token=first.next_page_token), as_=ws.bob
    )
    assert len(again.space_events) == 2, "page_size may change between pages"


# ------------------------------------------------------------------ who may read which events


@pytest.mark.parametrize(
    ("scopes", "allowed_kinds"),
    [
        (["chat.memberships.readonly"], {"membership"}),
        (["chat.memberships"], {"membership"}),
        (["chat.messages.readonly"], {"message", "reaction"}),
        (["chat.messages"], {"message", "reaction"}),
        (["chat.messages.reactions.readonly"], {"reaction"}),
        (["chat.messages.reactions"], {"reaction"}),
        (["chat.spaces.readonly"], {"space"}),
        (["chat.spaces"], {"space"}),
        (["chat.spaces.readonly", "chat.memberships.readonly"], {"space", "membership"}),
    ],
)
def test_each_event_type_needs_a_scope_of_its_resource(
    call: Caller,
    rpc_error: RpcError,
    ws: Workspace,
    team: space_pb2.Space,
    history: dict[str, Any],
    scopes: list[str],
    allowed_kinds: set[str],
) -> None:
    every = every_event(call, team.name, ws.bob)
    by_kind = {
        "message": MESSAGE_CREATED,
        "membership": MEMBER_CREATED,
        "reaction": REACTION_DELETED,
        "space": SPACE_UPDATED,
    }
    needed = {
        "message": ["chat.messages", "chat.messages.readonly"],
        "membership": ["chat.memberships", "chat.memberships.readonly"],
        "reaction": [
            "chat.messages",
            "chat.messages.reactions",
            "chat.messages.reactions.readonly",
            "chat.messages.readonly",
        ],
        "space": ["chat.spaces", "chat.spaces.readonly"],
    }
    for kind, event_type in by_kind.items():
        request = listing(team.name, types_filter(event_type))
        (example,) = [e for e in every if e.event_type == event_type][:1]
        get = space_event_pb2.GetSpaceEventRequest(name=example.name)
        if kind in allowed_kinds:
            listed = every_event(call, team.name, ws.bob, types_filter(event_type), scopes=scopes)
            assert [e.name for e in listed] == [e.name for e in every if e.event_type == event_type]
            assert call("GetSpaceEvent", get, as_=ws.bob, scopes=scopes) == example
            continue
        for rpc, req in [("ListSpaceEvents", request), ("GetSpaceEvent", get)]:
            error = rpc_error(
                Code.PERMISSION_DENIED, rpc, req, as_=ws.bob, scopes=scopes, match=f"reading {kind} events"
            )
            assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")
            urls = [f"https://www.googleapis.com/auth/{s}" for s in needed[kind]]
            assert ", ".join(urls) in error.details()
    mixed = listing(team.name, types_filter(*[by_kind[k] for k in sorted(by_kind)]))
    if allowed_kinds != set(by_kind):
        rpc_error(
            Code.PERMISSION_DENIED, "ListSpaceEvents", mixed, as_=ws.bob, scopes=scopes, match="events needs one of"
        )


def test_a_token_without_any_event_scope_is_refused(rpc_error: RpcError, ws: Workspace, team: space_pb2.Space) -> None:
    request = listing(team.name, types_filter(MEMBER_CREATED))
    error = rpc_error(
        Code.PERMISSION_DENIED,
        "ListSpaceEvents",
        request,
        as_=ws.bob,
        scopes=["chat.users.readstate"],
        match="ListSpaceEvents needs one of",
    )
    assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")


@pytest.mark.parametrize("rpc", ["ListSpaceEvents", "GetSpaceEvent"])
def test_app_authentication_is_refused(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, rpc: str
) -> None:
    (event,) = every_event(call, team.name, ws.bob, types_filter(MEMBER_CREATED))[:1]
    request: Any = (
        listing(team.name, types_filter(MEMBER_CREATED))
        if rpc == "ListSpaceEvents"
        else space_event_pb2.GetSpaceEventRequest(name=event.name)
    )
    error = rpc_error(Code.PERMISSION_DENIED, rpc, request, as_=ws.app, match="user authentication")
    assert_details(error, reason="APP_AUTH_NOT_SUPPORTED")


@pytest.mark.parametrize("who", ["outsider", "invited", "left", "unknown space"])
def test_only_joined_members_read_events(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, who: str
) -> None:
    (event,) = every_event(call, team.name, ws.bob, types_filter(MEMBER_CREATED))[:1]
    space = team.name
    caller: Any = ws.erin
    code, match, reason = Code.NOT_FOUND, "not found", "NOT_FOUND"
    if who == "invited":
        assert add(call, team.name, ws.alice, ws.carol).state == membership_pb2.Membership.INVITED
        caller, code, match, reason = ws.carol, Code.PERMISSION_DENIED, "only members", "NOT_A_MEMBER"
    elif who == "left":
        add(call, team.name, ws.alice, ws.erin)
        remove(call, f"{team.name}/members/{ws.erin.id}", ws.erin)
    elif who == "unknown space":
        space, caller = "spaces/AAAAnope", ws.bob
    name = event.name if space == team.name else f"{space}/spaceEvents/{event.name.rsplit('/', 1)[1]}"
    for rpc, request in [
        ("ListSpaceEvents", listing(space, types_filter(MEMBER_CREATED))),
        ("GetSpaceEvent", space_event_pb2.GetSpaceEventRequest(name=name)),
    ]:
        assert_details(rpc_error(code, rpc, request, as_=caller, match=match), reason=reason)


def test_private_messages_are_seen_only_by_their_viewer(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    space = app_space(call, ws, ws.bob, ws.erin)
    request = message_pb2.CreateMessageRequest(
        parent=space.name,
        message=message_pb2.Message(text="psst", private_message_viewer=user_pb2.User(name=ws.bob.name)),
    )
    private = call("CreateMessage", request, as_=ws.app)
    public = post(call, space.name, ws.erin, "hello all")
    react(call, private.name, ws.bob)
    types = types_filter(MESSAGE_CREATED, REACTION_CREATED, MESSAGE_DELETED)
    seen_by_bob = every_event(call, space.name, ws.bob, types)
    assert [payload_of(e).name for e in seen_by_bob][:2] == [private.name, public.name]
    assert len(seen_by_bob) == 3
    seen_by_erin = every_event(call, space.name, ws.erin, types)
    assert [payload_of(e).name for e in seen_by_erin] == [public.name]
    for event in seen_by_bob[:1] + seen_by_bob[2:]:
        get = space_event_pb2.GetSpaceEventRequest(name=event.name)
        rpc_error(Code.NOT_FOUND, "GetSpaceEvent", get, as_=ws.erin, match="not found")
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=private.name), as_=ws.app)
    assert [payload_of(e).name for e in every_event(call, space.name, ws.erin, types)] == [public.name]
    assert len(every_event(call, space.name, ws.bob, types)) == 4


# ------------------------------------------------------------------ GetSpaceEvent


def test_get_returns_what_the_list_returns(
    call: Caller, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    for event in every_event(call, team.name, ws.bob):
        assert call("GetSpaceEvent", space_event_pb2.GetSpaceEventRequest(name=event.name), as_=ws.bob) == event


@pytest.mark.parametrize("which", ["unknown id", "an event of another space"])
def test_get_unknown_events_is_not_found(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, which: str
) -> None:
    other = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Other")), as_=ws.bob)
    (foreign,) = every_event(call, other.name, ws.bob, types_filter(MEMBER_CREATED))
    event_id = "nosuchevent" if which == "unknown id" else foreign.name.rsplit("/", 1)[1]
    request = space_event_pb2.GetSpaceEventRequest(name=f"{team.name}/spaceEvents/{event_id}")
    assert_details(rpc_error(Code.NOT_FOUND, "GetSpaceEvent", request, as_=ws.bob, match="not found"))


@pytest.mark.parametrize(
    "name",
    [
        "",
        "spaces/AAAA",
        "spaces/AAAA/spaceEvents",
        "spaces/AAAA/events/x",
        "spaces/AAAA/spaceEvents/x/y",
        "spaces//spaceEvents/x",
    ],
)
def test_get_malformed_names_are_invalid(rpc_error: RpcError, ws: Workspace, name: str) -> None:
    request = space_event_pb2.GetSpaceEventRequest(name=name)
    invalid(
        rpc_error, "GetSpaceEvent", request, "name", match="is required" if not name else "must look like", as_=ws.bob
    )


@pytest.mark.parametrize("parent", ["", "spaces", "spaces/AAAA/spaceEvents", "users/me", "spaces/"])
def test_list_malformed_parents_are_invalid(rpc_error: RpcError, ws: Workspace, parent: str) -> None:
    request = listing(parent, types_filter(MEMBER_CREATED))
    invalid(
        rpc_error,
        "ListSpaceEvents",
        request,
        "parent",
        match="is required" if not parent else "must look like",
        as_=ws.bob,
    )


def test_a_deleted_space_takes_its_events(
    call: Caller, rpc_error: RpcError, chat: ChatServer, ws: Workspace, team: space_pb2.Space, history: dict[str, Any]
) -> None:
    events = every_event(call, team.name, ws.bob)
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    assert chat.store.events(team.name.removeprefix("spaces/")) == []
    rpc_error(
        Code.NOT_FOUND,
        "ListSpaceEvents",
        listing(team.name, types_filter(*SINGLE_TYPES)),
        as_=ws.bob,
        match="not found",
    )
    rpc_error(
        Code.NOT_FOUND,
        "GetSpaceEvent",
        space_event_pb2.GetSpaceEventRequest(name=events[0].name),
        as_=ws.bob,
        match="not found",
    )


def test_an_empty_listing_has_no_token(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    page = call("ListSpaceEvents", listing(team.name, types_filter(MESSAGE_DELETED)), as_=ws.bob)
    assert not page.space_events and not page.next_page_token
