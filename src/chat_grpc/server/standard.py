"""The standard gRPC services every ChatServer serves beside ChatService: health checking
(``grpc.health.v1.Health``) and server reflection (``grpc.reflection.v1alpha.ServerReflection``), so that
grpcurl, grpcui and load balancers work without a ``.proto`` file at hand.

Reflection answers from the FileDescriptorSet shipped with the stubs (``chat_grpc.descriptor_set()``), which
holds every file of the Chat API with its imports *and its comments*: grpcurl ``describe`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from chat_grpc.descriptors import descriptor_set

CHAT_SERVICE = "google.chat.v1.ChatService"


def add_health(server: grpc.Server, services: Iterable[str]) -> health.HealthServicer:
    """Health checking: ``""`` (the whole server) and each of ``services`` answer SERVING until
    ``enter_graceful_shutdown()`` (ChatServer.stop) turns them all NOT_SERVING."""
    servicer = health.HealthServicer()
    for name in ("", *services):
        servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    return servicer


def add_reflection(server: grpc.Server, services: Iterable[str]) -> None:
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
