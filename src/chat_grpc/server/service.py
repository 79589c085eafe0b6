"""The gRPC door: the ChatService servicer. Each RPC hands its request to the protocol-neutral
``ChatCore.serve`` and turns any failure into a gRPC status (with ``google.rpc`` details) through
``status.abort``. Every RPC of the service is installed; one the fake does not implement answers
UNIMPLEMENTED from the core, like any other error."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2, chat_service_pb2_grpc
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from chat_grpc.server import status
from chat_grpc.server.core import ChatCore
from chat_grpc.server.errors import InvalidArgument

SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
RPCS = tuple(m.name for m in SERVICE.methods)
REQUEST_CLASSES: dict[str, type[Message]] = {m.name: GetMessageClass(m.input_type) for m in SERVICE.methods}


class GrpcDoor:
    """One gRPC call as the core sees it."""

    face = "grpc"
    __slots__ = ("context",)

    def __init__(self, context: grpc.ServicerContext) -> None:
        self.context = context

    def metadata(self) -> Sequence[tuple[str, str | bytes]]:
        return self.context.invocation_metadata() or ()

    def wait(self, seconds: float) -> str | None:
        ended = threading.Event()
        if not self.context.add_callback(ended.set):
            ended.set()  # the call has already ended
        if not ended.wait(seconds):
            return None
        remaining = self.context.time_remaining()
        return "DEADLINE_EXCEEDED" if remaining is not None and remaining <= 0 else "CANCELLED"


class ChatServicer(chat_service_pb2_grpc.ChatServiceServicer):
    def __init__(self, core: ChatCore) -> None:
        self.core = core

    def _serve(self, rpc: str, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            if isinstance(request, bytes):  # registered by add_to_server: parsed here, inside the boundary
                request = _parse(rpc, request)
            return self.core.serve(rpc, request, GrpcDoor(context))
        except Exception as raised:  # the one place where every failure becomes a gRPC status
            status.abort(context, raised, rpc)


def _parse(rpc: str, data: bytes) -> Message:
    request_class = REQUEST_CLASSES[rpc]
    try:
        return request_class.FromString(data)
    except (DecodeError, RecursionError) as error:
        name = request_class.DESCRIPTOR.full_name
        raise InvalidArgument(
            f"the request bytes are not a valid {name}: {error}", reason="MALFORMED_REQUEST"
        ) from None


def _serialize(response: Message) -> bytes:
    return response.SerializeToString()


def add_to_server(servicer: ChatServicer, server: grpc.Server) -> None:
    """Serve ChatService with requests parsed by the servicer, not by grpcio: bytes that do not decode are
    INVALID_ARGUMENT from the one error boundary (and grpcio's deserialization-failure path, which answers
    INTERNAL and keeps memory, is never taken)."""
    handlers: dict[str, Any] = {
        rpc: grpc.unary_unary_rpc_method_handler(
            getattr(servicer, rpc), request_deserializer=None, response_serializer=_serialize
        )
        for rpc in RPCS
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    server.add_registered_method_handlers(SERVICE.full_name, handlers)


def _method(rpc: str) -> Any:
    def method(self: ChatServicer, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve(rpc, request, context)

    method.__name__ = rpc
    return method


for _rpc in RPCS:
    setattr(ChatServicer, _rpc, _method(_rpc))
