"""The only code the sync and asyncio clients do not share: opening the channel, sending, sleeping.

With ``transport="rest"`` the send goes to ``_rest.SyncRest`` / ``_rest.AsyncRest`` instead (httpx), after the
same planning; everything above the send is the same code for both transports.

Everything else — request building, metadata, deadlines, the retry decision, error mapping, pagination
state — happens in ``_core``, ``retry``, ``errors`` and ``pagers``, called the same way from both sides.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from chat_grpc._base import ClientBase, Connection
from chat_grpc._core import CallPlan, Metadata, build_request
from chat_grpc._rest import AsyncRest, RestAuth, SyncRest
from chat_grpc._rpcs import Rpc
from chat_grpc.pagers import AsyncPager, Pager
from chat_grpc.retry import Default, RetryPolicy

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


def _rest_auth(connection: Connection) -> RestAuth | None:
    return RestAuth(connection.credentials) if connection.credentials is not None else None


class SyncInvoker(ClientBase[grpc.Channel]):
    _rest: SyncRest | None

    @classmethod
    def _open(cls, connection: Connection) -> grpc.Channel:
        if connection.channel_credentials is None:
            return grpc.insecure_channel(connection.target, options=connection.options)
        return grpc.secure_channel(connection.target, connection.channel_credentials, options=connection.options)

    @classmethod
    def _open_rest(cls, connection: Connection) -> SyncRest:
        return SyncRest(connection.target, _rest_auth(connection))

    def _callable(self, rpc: Rpc[Req, Resp]) -> grpc.UnaryUnaryMultiCallable[Req, Resp]:
        found: grpc.UnaryUnaryMultiCallable[Req, Resp] | None = self._callables.get(rpc.name)
        if found is None:
            # _registered_method (as the generated stubs do): the method path is registered once per channel.
            # It is missing from the type stubs, hence the ignore; the request type is the plan's Message.
            found = self._channel.unary_unary(  # type: ignore[call-arg]
                rpc.path,
                request_serializer=rpc.request.SerializeToString,
                response_deserializer=rpc.response.FromString,
                _registered_method=True,
            )
            self._callables[rpc.name] = found
        return found

    def _send(self, rpc: Rpc[Req, Resp], plan: CallPlan) -> Resp:
        if self._rest is not None:
            return self._rest.send(rpc, plan)
        send: grpc.UnaryUnaryMultiCallable[Req, Resp] = self._callables.get(rpc.name) or self._callable(rpc)
        while True:
            try:
                return send(plan.request, timeout=plan.timeout(), metadata=plan.metadata())  # type: ignore[arg-type]
            except grpc.RpcError as error:
                time.sleep(plan.failed(error))

    def _invoke(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | None,
        fields: Mapping[str, object],
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> Resp:
        built = build_request(rpc, request, fields)
        return self._send(rpc, self._options.plan(rpc, built, timeout=timeout, metadata=metadata, retry=retry))

    def _paginate(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | None,
        fields: Mapping[str, object],
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> Pager[Any, Resp]:
        def fetch(page: Message) -> Resp:
            return self._send(rpc, self._plan(rpc, page, {}, timeout=timeout, metadata=metadata, retry=retry))

        first = self._plan(rpc, request, fields, timeout=timeout, metadata=metadata, retry=retry)
        return Pager(rpc, first.request, self._send(rpc, first), fetch)


class AsyncInvoker(ClientBase[grpc.aio.Channel]):
    _rest: AsyncRest | None

    @classmethod
    def _open(cls, connection: Connection) -> grpc.aio.Channel:
        if connection.channel_credentials is None:
            return grpc.aio.insecure_channel(connection.target, options=connection.options)
        return grpc.aio.secure_channel(connection.target, connection.channel_credentials, options=connection.options)

    @classmethod
    def _open_rest(cls, connection: Connection) -> AsyncRest:
        return AsyncRest(connection.target, _rest_auth(connection))

    def _callable(self, rpc: Rpc[Req, Resp]) -> grpc.aio.UnaryUnaryMultiCallable[Req, Resp]:
        found: grpc.aio.UnaryUnaryMultiCallable[Req, Resp] | None = self._callables.get(rpc.name)
        if found is None:
            found = self._channel.unary_unary(  # type: ignore[call-arg]
                rpc.path,
                request_serializer=rpc.request.SerializeToString,
                response_deserializer=rpc.response.FromString,
                _registered_method=True,
            )
            self._callables[rpc.name] = found
        return found

    async def _send(self, rpc: Rpc[Req, Resp], plan: CallPlan) -> Resp:
        if self._rest is not None:
            return await self._rest.send(rpc, plan)
        send: grpc.aio.UnaryUnaryMultiCallable[Req, Resp] = self._callables.get(rpc.name) or self._callable(rpc)
        while True:
            try:
                return await send(plan.request, timeout=plan.timeout(), metadata=plan.metadata())  # type: ignore[arg-type]
            except grpc.RpcError as error:
                await asyncio.sleep(plan.failed(error))

    async def _invoke(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | None,
        fields: Mapping[str, object],
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> Resp:
        built = build_request(rpc, request, fields)
        return await self._send(rpc, self._options.plan(rpc, built, timeout=timeout, metadata=metadata, retry=retry))

    async def _paginate(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | None,
        fields: Mapping[str, object],
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> AsyncPager[Any, Resp]:
        async def fetch(page: Message) -> Resp:
            return await self._send(rpc, self._plan(rpc, page, {}, timeout=timeout, metadata=metadata, retry=retry))

        first = self._plan(rpc, request, fields, timeout=timeout, metadata=metadata, retry=retry)
        return AsyncPager(rpc, first.request, await self._send(rpc, first), fetch)
