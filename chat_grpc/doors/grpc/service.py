"""The gRPC door: the ChatService servicer. Each RPC hands its request to the protocol-neutral
``ChatCore.serve`` and turns any failure into a gRPC status (with ``google.rpc`` details) through
``status``. Every RPC of the service is installed; one the fake does not implement answers
UNIMPLEMENTED from the core, like any other error.

``ChatServer`` serves ChatService with ``AsyncChatService`` on a ``grpc.aio`` server: a call waiting for its
request bytes (a slow or idle client) is a coroutine, not a thread, and it gets at most ``call_timeout``
seconds from its start (``DEADLINE_EXCEEDED`` then); the synchronous core runs on a bounded thread pool once
the request is in. ``ChatServicer`` is the same door for a synchronous ``grpc.server`` (``add_to_server``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2, chat_service_pb2_grpc
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from chat_grpc.doors.grpc import status
from chat_grpc.fake import wire_bytes
from chat_grpc.fake.core import BUSY, ChatCore
from chat_grpc.fake.errors import InvalidArgument

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
        return "DEADLINE_EXCEEDED" if deadline_passed(self.context.time_remaining()) else "CANCELLED"


# The caller's deadline reaches the server as a relative timeout (grpc-timeout), so the server's copy of it runs late
# by the time the request took to arrive: a call the caller abandons at its deadline ends here with that much left.
DEADLINE_SLACK = 0.1


def deadline_passed(time_remaining: float | None) -> bool:
    """Whether a call that ended with ``time_remaining`` seconds left (None: no deadline) ended at its deadline."""
    return time_remaining is not None and time_remaining <= DEADLINE_SLACK


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


_serialize = wire_bytes.taken  # a page's bytes as it was made (and journaled); any other answer serialized now


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


# ------------------------------------------------------------------ the asyncio door (ChatServer's)


class _AioDoor:
    """One call on the aio server, as the core sees it (on the event loop, or on a worker thread)."""

    face = "grpc"
    __slots__ = ("_metadata", "ended", "expired")

    def __init__(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self._metadata = metadata
        # The call is over (answered, cancelled, timed out): made only for a call served on a worker thread, the
        # only kind that can wait (an injected delay); a call served on the loop never needs it (an Event costs
        # microseconds a call).
        self.ended: threading.Event | None = None
        self.expired = False  # ... because its deadline (the caller's or the server's cap) passed

    def metadata(self) -> Sequence[tuple[str, str | bytes]]:
        return self._metadata

    def wait(self, seconds: float) -> str | None:
        if self.ended is None:
            self.ended = threading.Event()
        if not self.ended.wait(seconds):
            return None
        return "DEADLINE_EXCEEDED" if self.expired else "CANCELLED"


_EXPIRED = -1.0  # in AsyncChatService._reading: the reaper cancelled this read at its deadline


class AsyncChatService:
    """ChatService for a ``grpc.aio`` server. Each method is registered as stream-unary (the wire is the same
    as unary: one request message), so that the door reads the request itself, with a time limit: a client
    that opens a call and never finishes its request holds no thread and ends with DEADLINE_EXCEEDED after
    ``call_timeout`` seconds. The request is then parsed and served by the synchronous core on ``executor``;
    a call whose answer takes longer than its deadline (the caller's, capped at ``call_timeout``) ends with
    DEADLINE_EXCEEDED too, and an injected delay it was waiting out stops."""

    def __init__(self, core: ChatCore, executor: concurrent.futures.Executor, *, call_timeout: float) -> None:
        self.core = core
        self.executor = executor
        self.call_timeout = call_timeout
        # Calls reading their request: task -> deadline (loop time). One repeating timer (``_reap``, every
        # ``_tick`` s) cancels those past their deadline, instead of a timer per call (``asyncio.timeout`` costs
        # ~20 µs a call, a tenth of a GetSpace); a read ends at most one tick after its deadline.
        self._reading: dict[asyncio.Task[Any], float] = {}
        self._tick = min(0.25, max(call_timeout / 10, 0.01))
        self._reaper: asyncio.TimerHandle | None = None

    def _reap(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for task, deadline in list(self._reading.items()):
            if 0 <= deadline <= now:
                self._reading[task] = _EXPIRED
                task.cancel()
        self._reaper = loop.call_later(self._tick, self._reap)

    async def _read(self, context: grpc.aio.ServicerContext[Any, Any], budget: float) -> Any:
        """The request message, or TimeoutError after ``budget`` seconds (the reaper's cancellation)."""
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().call_later(self._tick, self._reap)
        task = asyncio.current_task()
        assert task is not None
        reading = self._reading
        reading[task] = asyncio.get_running_loop().time() + budget
        try:
            return await context.read()
        except asyncio.CancelledError:
            if reading.pop(task, None) != _EXPIRED:
                raise
            task.uncancel()
            raise TimeoutError from None
        finally:
            reading.pop(task, None)

    def _serve_sync(self, rpc: str, data: bytes, door: _AioDoor, fired: Any, now: bool) -> tuple[bool, Any] | None:
        """Parse and serve one call: (True, response) or (False, grpc.Status); with ``now``, None when the
        core would have to wait (the store is busy or a state file will write) and nothing was done."""
        try:
            request = _parse(rpc, data)
            if now:
                answered = self.core.serve_if_free(rpc, request, door, fired=fired)
                return None if answered is BUSY else (True, answered)
            return True, self.core.serve(rpc, request, door, fired=fired)
        except Exception as raised:  # the one place where every failure becomes a gRPC status
            return False, status.to_grpc_status(status.to_chat_error(raised, rpc))

    def handler(self, rpc: str) -> Callable[..., Any]:
        async def handle(requests: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            started = time.monotonic()
            remaining = context.time_remaining()
            budget = self.call_timeout if remaining is None else min(self.call_timeout, max(remaining, 0.0))
            try:
                data = await self._read(context, budget)
            except TimeoutError:
                await context.abort(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    f"the request of {rpc} did not arrive within {budget:g}s (the server's limit per call)",
                )
            if data is grpc.aio.EOF:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"the call of {rpc} carried no request message")
            door = _AioDoor(tuple(context.invocation_metadata() or ()))
            fired = self.core.take_fault(rpc)
            outcome: tuple[bool, Any] | None = None
            if fired is None or fired.kind != "delay":
                # Fast path: the core runs right here when it cannot block (store free, no state file): a call
                # is tens of microseconds, cheaper than the hop to a worker thread and back.
                outcome = self._serve_sync(rpc, data, door, fired, True)
            if outcome is None:
                outcome = await self._on_worker(rpc, data, door, fired, context, started, budget)
            ok, answer = outcome
            if ok:
                return answer
            await context.abort(answer.code, answer.details, answer.trailing_metadata)

        handle.__name__ = rpc
        return handle

    async def _on_worker(
        self,
        rpc: str,
        data: bytes,
        door: _AioDoor,
        fired: Any,
        context: grpc.aio.ServicerContext[Any, Any],
        started: float,
        budget: float,
    ) -> tuple[bool, Any]:
        """The slow path: the core on a worker thread (it may wait for the store, the disk or an injected
        delay), within the call's time limit."""

        door.ended = ended_event = threading.Event()

        def ended(_: object) -> None:
            door.expired = door.expired or deadline_passed(context.time_remaining())
            ended_event.set()

        context.add_done_callback(ended)  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self.executor, self._serve_sync, rpc, data, door, fired, False)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), max(budget - (time.monotonic() - started), 0.0))
        except TimeoutError:
            door.expired = True
            ended_event.set()  # an injected delay in progress stops waiting
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"{rpc} took longer than {budget:g}s (the server's limit per call)",
            )
        assert outcome is not None
        return outcome

    def add_to_server(self, server: grpc.aio.Server) -> None:
        handlers: dict[str, Any] = {
            rpc: grpc.stream_unary_rpc_method_handler(
                self.handler(rpc), request_deserializer=None, response_serializer=_serialize
            )
            for rpc in RPCS
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
