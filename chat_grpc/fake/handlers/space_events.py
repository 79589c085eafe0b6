"""Space-event RPCs: GetSpaceEvent, ListSpaceEvents, served from the events every change records."""

from __future__ import annotations

from google.chat.v1 import space_event_pb2

from chat_grpc.fake import codec, filters
from chat_grpc.fake.auth import full_scope
from chat_grpc.fake.errors import PermissionDenied
from chat_grpc.fake.names import parse_name, require, space_id
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.model import Event
from chat_grpc.fake.store.space_events import resource_kind

# The scopes that let a caller read each kind of event (reactions are part of messages).
EVENT_SCOPES = {
    "space": frozenset({"chat.spaces", "chat.spaces.readonly"}),
    "membership": frozenset({"chat.memberships", "chat.memberships.readonly"}),
    "message": frozenset({"chat.messages", "chat.messages.readonly"}),
    "reaction": frozenset(
        {"chat.messages.reactions", "chat.messages.reactions.readonly", "chat.messages", "chat.messages.readonly"}
    ),
}


def require_scope_for(call: Call, event_types: frozenset[str]) -> None:
    """Each requested event type needs one scope of its resource kind."""
    for kind in sorted({resource_kind(t) for t in event_types}):
        if not call.actor.granted_scopes & EVENT_SCOPES[kind]:
            needed = ", ".join(full_scope(s) for s in sorted(EVENT_SCOPES[kind]))
            raise PermissionDenied(
                f"reading {kind} events needs one of these OAuth scopes: {needed}",
                reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            )


def _event_to_proto(call: Call, event: Event, payload: object | None) -> space_event_pb2.SpaceEvent:
    """The event; a Space payload is the space as GetSpace shows it, minus permission settings (reference)."""
    result = codec.space_event_to_proto(event, payload)
    if result.WhichOneof("payload") == "space_updated_event_data" and result.space_updated_event_data.space.name:
        counts = result.space_updated_event_data.space.membership_count
        counts.joined_direct_human_user_count, counts.joined_group_count = call.store.joined_human_count(event.space_id)
    return result


@handler("GetSpaceEvent")
def get_space_event(call: Call, request: space_event_pb2.GetSpaceEventRequest) -> space_event_pb2.SpaceEvent:
    space, event_id = parse_name(request.name, "spaces/{space}/spaceEvents/{space_event}", "name")
    event, payload = call.store.space_events.get(call.actor, space, event_id)
    require_scope_for(call, frozenset({event.event_type}))
    return _event_to_proto(call, event, payload)


@handler("ListSpaceEvents")
def list_space_events(
    call: Call, request: space_event_pb2.ListSpaceEventsRequest
) -> space_event_pb2.ListSpaceEventsResponse:
    parent = space_id(request.parent, "parent")
    size = page_size(request.page_size, default=100, maximum=1000)
    require(request.filter.strip(), "filter")
    wanted = filters.parse_space_event_filter(request.filter, now=call.store.clock.now())
    require_scope_for(call, wanted.event_types)
    query = {"parent": parent, "filter": request.filter}
    cursor = call.page_cursor(request.page_token, query)
    found, last = call.store.space_events.list(
        call.actor,
        parent,
        wanted.matching_event_types,
        after=wanted.start_time,
        until=wanted.end_time,
        cursor=cursor,
        limit=size,
    )
    return space_event_pb2.ListSpaceEventsResponse(
        space_events=[_event_to_proto(call, event, payload) for event, payload in found],
        next_page_token=call.next_page_token(query, last),
    )
