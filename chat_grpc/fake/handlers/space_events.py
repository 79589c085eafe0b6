"""Space-event RPCs: GetSpaceEvent, ListSpaceEvents, served from the events every change records."""

from __future__ import annotations

from google.chat.v1 import space_event_pb2

from chat_grpc.fake import codec, filters, wire_bytes
from chat_grpc.fake.auth import full_scope
from chat_grpc.fake.errors import PermissionDenied
from chat_grpc.fake.names import parse_name, require, space_id
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.model import Event, Space
from chat_grpc.fake.store.space_events import resource_kind

SPACE_UPDATED = "google.workspace.chat.space.v1.updated"
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


def _member_counts(call: Call, space_id: str, event_type: str, payload: object | None) -> tuple[int, int] | None:
    """A space.updated event's space shows its membership counts, as GetSpace does (its other events' do not)."""
    if event_type == SPACE_UPDATED and isinstance(payload, Space):
        return call.store.joined_human_count(space_id)
    return None


def _event_to_proto(call: Call, event: Event, payload: object | None) -> space_event_pb2.SpaceEvent:
    counts = _member_counts(call, event.space_id, event.event_type, payload)
    return codec.space_event_to_proto(event, payload, member_counts=counts)


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

    def render(space_id: str, key: int, event_type: str, payload: object | None) -> bytes:
        counts = _member_counts(call, space_id, event_type, payload)
        return codec.space_event_field(space_id, key, event_type, payload, member_counts=counts)

    found, last = call.store.space_events.list(
        call.actor,
        parent,
        wanted.matching_event_types,
        after=wanted.start_time,
        until=wanted.end_time,
        cursor=cursor,
        limit=size,
        view=render,
    )
    token = call.next_page_token(query, last)
    response = wire_bytes.page(space_event_pb2.ListSpaceEventsResponse, token, found)
    return response
