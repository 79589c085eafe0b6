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

from chat_grpc.server import status
from chat_grpc.server.core import ChatCore

RPCS = tuple(m.name for m in chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].methods)


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
            return self.core.serve(rpc, request, GrpcDoor(context))
        except Exception as raised:  # the one place where every failure becomes a gRPC status
            status.abort(context, raised, rpc)


def _method(rpc: str) -> Any:
    def method(self: ChatServicer, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve(rpc, request, context)

    method.__name__ = rpc
    return method


for _rpc in RPCS:
    setattr(ChatServicer, _rpc, _method(_rpc))
