"""Read-state RPCs: GetSpaceReadState, UpdateSpaceReadState, GetThreadReadState."""

from __future__ import annotations

from google.chat.v1 import space_read_state_pb2, thread_read_state_pb2

from chat_grpc.fake import codec
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import mask_paths, parse_name, require, to_datetime
from chat_grpc.fake.rpc import Call, handler

SPACE_STATE = "users/{user}/spaces/{space}/spaceReadState"
THREAD_STATE = "users/{user}/spaces/{space}/threads/{thread}/threadReadState"


def user_id(call: Call, user: str) -> str:
    """``me``, an email or an id -> a user id (whether it is the caller's is the store's question)."""
    if user == "me":
        return call.actor.principal.id
    if "@" in user:
        found = call.store.user_by_email(user)
        return found.id if found else user
    return user


@handler("GetSpaceReadState")
def get_space_read_state(
    call: Call, request: space_read_state_pb2.GetSpaceReadStateRequest
) -> space_read_state_pb2.SpaceReadState:
    user, space = parse_name(request.name, SPACE_STATE, "name")
    state = call.store.read_states.space_state(call.actor, user_id(call, user), space)
    return codec.space_read_state_to_proto(state)


@handler("UpdateSpaceReadState")
def update_space_read_state(
    call: Call, request: space_read_state_pb2.UpdateSpaceReadStateRequest
) -> space_read_state_pb2.SpaceReadState:
    require(request.HasField("space_read_state"), "space_read_state")
    user, space = parse_name(request.space_read_state.name, SPACE_STATE, "space_read_state.name")
    mask_paths(request.update_mask, {"last_read_time"}, star=True)
    if not request.space_read_state.HasField("last_read_time"):
        raise InvalidArgument(
            "space_read_state.last_read_time is required by the update_mask", field="space_read_state.last_read_time"
        )
    when = to_datetime(request.space_read_state.last_read_time, "space_read_state.last_read_time")
    state = call.store.read_states.update_space_state(call.actor, user_id(call, user), space, when)
    return codec.space_read_state_to_proto(state)


@handler("GetThreadReadState")
def get_thread_read_state(
    call: Call, request: thread_read_state_pb2.GetThreadReadStateRequest
) -> thread_read_state_pb2.ThreadReadState:
    user, space, thread = parse_name(request.name, THREAD_STATE, "name")
    state = call.store.read_states.thread_state(call.actor, user_id(call, user), space, thread)
    return codec.thread_read_state_to_proto(state)
