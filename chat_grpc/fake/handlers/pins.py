"""Message pin RPCs: CreateMessagePin, ListMessagePins, DeleteMessagePin (user authentication only)."""

from __future__ import annotations

from google.chat.v1 import message_pin_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake import codec
from chat_grpc.fake.names import parse_name, require, space_id
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler

PIN_PATTERN = "spaces/{space}/messagePins/{message_pin}"


@handler("CreateMessagePin")
def create_message_pin(call: Call, request: message_pin_pb2.CreateMessagePinRequest) -> message_pin_pb2.MessagePin:
    space = space_id(request.parent, "parent")
    require(request.HasField("message_pin"), "message_pin")
    require(request.message_pin.message, "message_pin.message")
    pin = call.store.pins.create(call.actor, space, request.message_pin.message)
    return codec.message_pin_to_proto(pin)


@handler("ListMessagePins")
def list_message_pins(
    call: Call, request: message_pin_pb2.ListMessagePinsRequest
) -> message_pin_pb2.ListMessagePinsResponse:
    space = space_id(request.parent, "parent")
    size = page_size(request.page_size, default=25, maximum=100)
    query = {"parent": request.parent}
    after = call.page_cursor(request.page_token, query) or 0
    found, last = call.store.pins.list(call.actor, space, after=after, limit=size)
    return message_pin_pb2.ListMessagePinsResponse(
        message_pins=[codec.message_pin_to_proto(p) for p in found], next_page_token=call.next_page_token(query, last)
    )


@handler("DeleteMessagePin")
def delete_message_pin(call: Call, request: message_pin_pb2.DeleteMessagePinRequest) -> empty_pb2.Empty:
    space, pin = parse_name(request.name, PIN_PATTERN, "name")
    call.store.pins.delete(call.actor, space, pin)
    return empty_pb2.Empty()
