"""The standard gRPC services every ChatServer serves beside ChatService: health checking
(``grpc.health.v1.Health``) and server reflection (``grpc.reflection.v1alpha.ServerReflection``), so that
grpcurl, grpcui and load balancers work without a ``.proto`` file at hand.

Reflection answers from the FileDescriptorSet shipped with the stubs (``chat_grpc.descriptor_set()``), which
holds every file of the Chat API with its imports *and its comments*: grpcurl ``describe`` shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from chat_grpc.api.descriptors import descriptor_set

CHAT_SERVICE = "google.chat.v1.ChatService"


def add_health(server: grpc.Server, services: Iterable[str]) -> health.HealthServicer:
    """Health checking: ``""`` (the whole server) and each of ``services`` answer SERVING until
    ``enter_graceful_shutdown()`` (ChatServer.stop) turns them all NOT_SERVING."""
    servicer = health.HealthServicer()
    for name in ("", *services):
        servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    return servicer


class _AioHealthServicer(health_aio.HealthServicer):  # type: ignore[misc]
    """grpcio-health-checking's asyncio servicer, except that a Watch that ends no longer takes the condition
    other watchers of the same service wait on with it (they would then never hear of a change)."""

    async def Watch(self, request: health_pb2.HealthCheckRequest, context: Any) -> None:
        condition = self._server_watchers[request.service]
        last_status = None
        async with condition:
            while True:
                status = self._server_status.get(request.service, health_pb2.HealthCheckResponse.SERVICE_UNKNOWN)
                if status != last_status:
                    await context.write(health_pb2.HealthCheckResponse(status=status))
                last_status = status
                await condition.wait()


class Health:
    """Health checking on an asyncio server, driven from any thread: ``Check(request)`` answers as the
    service does; ``enter_graceful_shutdown()`` turns every service NOT_SERVING (watchers hear of it)."""

    def __init__(self, servicer: _AioHealthServicer, loop: asyncio.AbstractEventLoop) -> None:
        self.servicer = servicer
        self._loop = loop

    def Check(self, request: health_pb2.HealthCheckRequest, context: Any = None) -> health_pb2.HealthCheckResponse:
        status = self.servicer._server_status.get(request.service)
        if status is None:
            raise LookupError(f"no health status for {request.service!r}")
        return health_pb2.HealthCheckResponse(status=status)

    def enter_graceful_shutdown(self) -> None:
        if self._loop.is_closed():
            self.servicer._gracefully_shutting_down = True
            for service in self.servicer._server_status:
                self.servicer._server_status[service] = health_pb2.HealthCheckResponse.NOT_SERVING
            return
        future = asyncio.run_coroutine_threadsafe(self.servicer.enter_graceful_shutdown(), self._loop)
        with contextlib.suppress(Exception):
            future.result(5)


def add_aio_health(server: grpc.aio.Server, services: Iterable[str], loop: asyncio.AbstractEventLoop) -> Health:
    """``add_health`` for a ``grpc.aio`` server (call in its loop): watchers are coroutines, not threads."""
    servicer = _AioHealthServicer()
    for name in ("", *services):
        servicer._server_status[name] = health_pb2.HealthCheckResponse.SERVING
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    return Health(servicer, loop)


def add_reflection(server: grpc.Server | grpc.aio.Server, services: Iterable[str]) -> None:
    """Server reflection listing ``services`` plus health and reflection themselves."""
    names = [*services, health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(names, server, pool=reflection_pool())


@cache
def _file_protos() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """The shipped set, then (with their imports) the standard services and the ``google.rpc`` error
    details the server sends, so that grpcurl can decode ErrorInfo, BadRequest and RetryInfo."""
    files = {f.name: f for f in descriptor_set().file}

    def add(descriptor: Any) -> None:
        if descriptor.name in files:
            return
        for dependency in descriptor.dependencies:  # imports first: the pool needs them
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor.CopyToProto(proto)
        files[proto.name] = proto

    for module in (health_pb2, reflection_pb2, error_details_pb2, status_pb2):
        add(module.DESCRIPTOR)
    return files


@cache
def reflection_pool() -> _SourcePool:
    """A descriptor pool of the Chat API, its imports and the standard services, answering files with their
    comments (source info) where the shipped descriptor set has them."""
    pool = descriptor_pool.DescriptorPool()
    for proto in _file_protos().values():  # the set lists imports before the files that use them
        pool.Add(proto)
    return _SourcePool(pool, _file_protos())


class _SourcePool:
    """Wraps a DescriptorPool for grpcio-reflection, which serializes the files it finds with
    ``CopyToProto`` (dropping comments): the files found here copy the shipped FileDescriptorProto instead."""

    def __init__(self, pool: descriptor_pool.DescriptorPool, protos: dict[str, descriptor_pb2.FileDescriptorProto]):
        self._pool = pool
        self._protos = protos

    def FindFileByName(self, name: str) -> _File:
        return _File(self._pool.FindFileByName(name), self._protos)

    def FindFileContainingSymbol(self, symbol: str) -> _File:
        return _File(self._pool.FindFileContainingSymbol(symbol), self._protos)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


class _File:
    def __init__(self, descriptor: Any, protos: dict[str, descriptor_pb2.FileDescriptorProto]) -> None:
        self._descriptor = descriptor
        self._protos = protos

    @property
    def name(self) -> str:
        return str(self._descriptor.name)

    @property
    def dependencies(self) -> list[_File]:
        return [_File(d, self._protos) for d in self._descriptor.dependencies]

    def CopyToProto(self, proto: descriptor_pb2.FileDescriptorProto) -> None:
        shipped = self._protos.get(self.name)
        if shipped is not None:
            proto.CopyFrom(shipped)
        else:
            self._descriptor.CopyToProto(proto)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._descriptor, name)
