"""Availability RPCs: GetAvailability, UpdateAvailability, MarkAsActive, MarkAsAway, MarkAsDoNotDisturb (user
authentication only; the caller's own availability)."""

from __future__ import annotations

from datetime import timedelta

from google.chat.v1 import availability_pb2
from google.protobuf import duration_pb2

from chat_grpc.fake import codec
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.handlers.read_states import user_id
from chat_grpc.fake.names import mask_paths, parse_name, require, to_datetime
from chat_grpc.fake.rpc import Call, handler

AVAILABILITY = "users/{user}/availability"


def _ttl(value: duration_pb2.Duration, field: str) -> timedelta:
    try:
        return value.ToTimedelta()
    except (ValueError, OverflowError):
        raise InvalidArgument(f"{field} is not a valid duration", field=field) from None


def _expiration(
    request: availability_pb2.MarkAsActiveRequest | availability_pb2.MarkAsDoNotDisturbRequest, prefix: str = ""
) -> dict:  # type: ignore[type-arg]
    which = request.WhichOneof("expiration")
    if which == "expire_time":
        return {"until": to_datetime(request.expire_time, f"{prefix}expire_time")}
    if which == "ttl":
        return {"ttl": _ttl(request.ttl, f"{prefix}ttl")}
    return {}


@handler("GetAvailability")
def get_availability(call: Call, request: availability_pb2.GetAvailabilityRequest) -> availability_pb2.Availability:
    (user,) = parse_name(request.name, AVAILABILITY, "name")
    return codec.availability_to_proto(call.store.availability.get(call.actor, user_id(call, user)))


@handler("UpdateAvailability")
def update_availability(
    call: Call, request: availability_pb2.UpdateAvailabilityRequest
) -> availability_pb2.Availability:
    require(request.HasField("availability"), "availability")
    (user,) = parse_name(request.availability.name, AVAILABILITY, "availability.name")
    mask_paths(request.update_mask, {"custom_status"}, field="update_mask")
    status = request.availability.custom_status
    if not request.availability.HasField("custom_status"):
        updated = call.store.availability.set_custom_status(call.actor, user_id(call, user), None)
        return codec.availability_to_proto(updated)
    if status.emoji.WhichOneof("content") == "custom_emoji":
        raise InvalidArgument(
            "availability.custom_status.emoji must be a Unicode emoji; custom emojis are not supported",
            field="availability.custom_status.emoji",
        )
    which = status.WhichOneof("expiration")
    until = (
        to_datetime(status.expire_time, "availability.custom_status.expire_time") if which == "expire_time" else None
    )
    ttl = _ttl(status.ttl, "availability.custom_status.ttl") if which == "ttl" else None
    updated = call.store.availability.set_custom_status(
        call.actor, user_id(call, user), (status.text, status.emoji.unicode, until, ttl)
    )
    return codec.availability_to_proto(updated)


@handler("MarkAsActive")
def mark_as_active(call: Call, request: availability_pb2.MarkAsActiveRequest) -> availability_pb2.Availability:
    (user,) = parse_name(request.name, AVAILABILITY, "name")
    marked = call.store.availability.mark(call.actor, user_id(call, user), "ACTIVE", **_expiration(request))
    return codec.availability_to_proto(marked)


@handler("MarkAsAway")
def mark_as_away(call: Call, request: availability_pb2.MarkAsAwayRequest) -> availability_pb2.Availability:
    (user,) = parse_name(request.name, AVAILABILITY, "name")
    return codec.availability_to_proto(call.store.availability.mark(call.actor, user_id(call, user), "AWAY"))


@handler("MarkAsDoNotDisturb")
def mark_as_do_not_disturb(
    call: Call, request: availability_pb2.MarkAsDoNotDisturbRequest
) -> availability_pb2.Availability:
    (user,) = parse_name(request.name, AVAILABILITY, "name")
    marked = call.store.availability.mark(call.actor, user_id(call, user), "DO_NOT_DISTURB", **_expiration(request))
    return codec.availability_to_proto(marked)
