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
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from chat_grpc.client._base import ClientBase, Connection
from chat_grpc.client._core import CallPlan, Metadata, build_request
from chat_grpc.client.pagers import AsyncPager, Pager
from chat_grpc.client.retry import DEFAULT, Default, RetryPolicy

# The REST transport (``_rest``: httpx, JSON mapping, HTTP rules) and media (``_media``) are imported where a
# client first uses them, not with the client: a gRPC client that sends no media never loads them.
if TYPE_CHECKING:
    from google.chat.v1 import attachment_pb2

    from chat_grpc.api.rpcs import Rpc
    from chat_grpc.client import _media as media
    from chat_grpc.client._http import RestAuth
    from chat_grpc.client._rest import AsyncRest, HttpCall, SyncRest

Req = TypeVar("Req", bound=Message)
ChannelT = TypeVar("ChannelT")
Resp = TypeVar("Resp", bound=Message)


def _rest_auth(connection: Connection) -> RestAuth | None:
    from chat_grpc.client._http import RestAuth

    return RestAuth(connection.credentials) if connection.credentials is not None else None


# What ``download_attachment`` takes: a media resource name, or a message holding one.
Attachment: TypeAlias = (
    "str | attachment_pb2.Attachment | attachment_pb2.AttachmentDataRef | attachment_pb2.UploadAttachmentResponse"
)


class _Media(ClientBase[ChannelT]):
    """What both clients' media methods share with no I/O: the HTTP request and plan, and the sender's URL."""

    def _media_url_or_fail(self) -> str:
        if self._media_url is None:
            raise ValueError(
                "this client has no media URL for attachment uploads and downloads: pass media_url= (the emulator's "
                "REST URL, ChatServer.rest_url; https://chat.googleapis.com for Google)"
            )
        return self._media_url

    def _uses_rest_sender(self) -> bool:
        return self._rest is not None and (self._media_url is None or self._media_url == self._rest.url)

    def _upload_plan(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | Mapping[str, Any] | None,
        fields: Mapping[str, object],
        data: bytes | BinaryIO,
        content_type: str | None,
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> tuple[HttpCall, CallPlan]:
        from chat_grpc.client import _media as media

        plan = self._plan(rpc, request, fields, timeout=timeout, metadata=metadata, retry=retry)
        filename = str(getattr(plan.request, "filename", ""))
        kind = media.content_type_for(filename, content_type)
        return media.upload_call(rpc, plan.request, media.read_data(data), kind), plan

    def _download_plan(
        self,
        attachment: Attachment,
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> tuple[HttpCall, CallPlan]:
        from google.chat.v1 import attachment_pb2

        from chat_grpc.client import _media as media

        name = media.resource_name_of(attachment)
        request = attachment_pb2.AttachmentDataRef(resource_name=name)
        plan = self._options.plan_http(request, timeout=timeout, metadata=metadata, retry=retry)
        return media.download_call(name), plan


class SyncInvoker(_Media[grpc.Channel]):
    _rest: SyncRest | None
    _media: SyncRest | None

    @classmethod
    def _open(cls, connection: Connection) -> grpc.Channel:
        if connection.channel_credentials is None:
            return grpc.insecure_channel(connection.target, options=connection.options)
        return grpc.secure_channel(connection.target, connection.channel_credentials, options=connection.options)

    @classmethod
    def _open_rest(cls, connection: Connection) -> SyncRest:
        from chat_grpc.client._rest import SyncRest

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

    def _media_sender(self) -> SyncRest:
        if self._uses_rest_sender():
            assert self._rest is not None
            return self._rest
        if self._media is None:
            from chat_grpc.client._rest import SyncRest

            self._media = SyncRest(self._media_url_or_fail(), self._media_auth)
        return self._media

    def _upload(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | Mapping[str, Any] | None,
        fields: Mapping[str, object],
        *,
        data: bytes | BinaryIO,
        content_type: str | None,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> Resp:
        call, plan = self._upload_plan(
            rpc, request, fields, data, content_type, timeout=timeout, metadata=metadata, retry=retry
        )
        from chat_grpc.client._rest import parse_response

        return parse_response(rpc, self._media_sender().exchange(call, plan).content)

    def download_attachment(
        self,
        attachment: Attachment,
        *,
        timeout: float | Default | None = DEFAULT,
        metadata: Metadata | None = None,
        retry: RetryPolicy | Default | None = DEFAULT,
    ) -> media.MediaBytes:
        """The bytes of an uploaded file (with their ``content_type``), from Google's media download endpoint
        (``GET /v1/media/{resource_name}?alt=media``, over HTTP whatever the transport).

        ``attachment``: the media resource name, or an ``Attachment`` (a message's, or GetAttachment's), an
        ``AttachmentDataRef`` or an ``UploadAttachmentResponse``. Idempotent: retried as ``retry`` says."""
        call, plan = self._download_plan(attachment, timeout=timeout, metadata=metadata, retry=retry)
        response = self._media_sender().exchange(call, plan)
        from chat_grpc.client import _media as media

        return media.downloaded(response.content, response.headers.get("content-type"))

    def _close_media(self) -> None:
        if self._media is not None:
            self._media.close()
            self._media = None

    def _invoke(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | Mapping[str, Any] | None,
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
        request: Req | Mapping[str, Any] | None,
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


class AsyncInvoker(_Media[grpc.aio.Channel]):
    _rest: AsyncRest | None
    _media: AsyncRest | None

    _pending: Connection | None = None  # a gRPC connection made outside a running loop: opened on first use

    def _connect_transport(
        self, connection: Connection, *, timeout: float | None, retry: RetryPolicy | None, metadata: Metadata
    ) -> None:
        if connection.transport != "rest":
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                # A grpc.aio channel belongs to the event loop it is made in; built outside one (in sync code,
                # before asyncio.run), the client makes its channel in the loop of its first call.
                self._setup(
                    None,  # type: ignore[arg-type]  # made by _bind()
                    owns_channel=True, timeout=timeout, retry=retry, metadata=metadata, auth=connection.auth_metadata,
                )  # fmt: skip
                self._pending = connection
                return
        super()._connect_transport(connection, timeout=timeout, retry=retry, metadata=metadata)

    def _bind(self) -> grpc.aio.Channel:
        """The channel, made now (in the running loop) if the client was built outside one."""
        if self._pending is not None:
            self._channel = self._open(self._pending)
            self._pending = None
        return self._channel

    @property
    def channel(self) -> grpc.aio.Channel:
        """The gRPC channel (for the generated stubs, health checks, ...). A REST client has none. A client
        built outside a running loop makes it on first use: ask for it inside the loop that will use it."""
        if self._rest is not None:
            raise AttributeError("a client with transport='rest' has no gRPC channel")
        return self._bind()

    @classmethod
    def _open(cls, connection: Connection) -> grpc.aio.Channel:
        if connection.channel_credentials is None:
            return grpc.aio.insecure_channel(connection.target, options=connection.options)
        return grpc.aio.secure_channel(connection.target, connection.channel_credentials, options=connection.options)

    @classmethod
    def _open_rest(cls, connection: Connection) -> AsyncRest:
        from chat_grpc.client._rest import AsyncRest

        return AsyncRest(connection.target, _rest_auth(connection))

    def _callable(self, rpc: Rpc[Req, Resp]) -> grpc.aio.UnaryUnaryMultiCallable[Req, Resp]:
        found: grpc.aio.UnaryUnaryMultiCallable[Req, Resp] | None = self._callables.get(rpc.name)
        if found is None:
            found = self._bind().unary_unary(  # type: ignore[call-arg]
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

    def _media_sender(self) -> AsyncRest:
        if self._uses_rest_sender():
            assert self._rest is not None
            return self._rest
        if self._media is None:
            from chat_grpc.client._rest import AsyncRest

            self._media = AsyncRest(self._media_url_or_fail(), self._media_auth)
        return self._media

    async def _upload(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | Mapping[str, Any] | None,
        fields: Mapping[str, object],
        *,
        data: bytes | BinaryIO,
        content_type: str | None,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> Resp:
        call, plan = self._upload_plan(
            rpc, request, fields, data, content_type, timeout=timeout, metadata=metadata, retry=retry
        )
        from chat_grpc.client._rest import parse_response

        return parse_response(rpc, (await self._media_sender().exchange(call, plan)).content)

    async def download_attachment(
        self,
        attachment: Attachment,
        *,
        timeout: float | Default | None = DEFAULT,
        metadata: Metadata | None = None,
        retry: RetryPolicy | Default | None = DEFAULT,
    ) -> media.MediaBytes:
        """The bytes of an uploaded file (with their ``content_type``), from Google's media download endpoint
        (``GET /v1/media/{resource_name}?alt=media``, over HTTP whatever the transport).

        ``attachment``: the media resource name, or an ``Attachment`` (a message's, or GetAttachment's), an
        ``AttachmentDataRef`` or an ``UploadAttachmentResponse``. Idempotent: retried as ``retry`` says."""
        call, plan = self._download_plan(attachment, timeout=timeout, metadata=metadata, retry=retry)
        response = await self._media_sender().exchange(call, plan)
        from chat_grpc.client import _media as media

        return media.downloaded(response.content, response.headers.get("content-type"))

    async def _close_media(self) -> None:
        if self._media is not None:
            await self._media.close()
            self._media = None

    async def _invoke(
        self,
        rpc: Rpc[Req, Resp],
        request: Req | Mapping[str, Any] | None,
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
        request: Req | Mapping[str, Any] | None,
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
