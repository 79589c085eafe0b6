"""Attachments through the clients: ``upload_attachment`` and ``download_attachment`` against a real ChatServer.

The bytes always travel over Google's media endpoints (multipart upload to ``/upload/v1/...``, download from
``/v1/media/...?alt=media``) on the server's REST listener, whatever the client's transport; the message that
carries the upload and GetAttachment go over the client's transport. Every flow runs sync and async, on both
transports, through the pytest plugin's ``chat_client`` / ``async_chat_client`` fixtures (which give a gRPC
client the server's REST URL as its ``media_url``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from google.chat.v1 import attachment_pb2

from chat_grpc import (
    AsyncChatClient,
    ChatClient,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RetryPolicy,
    Unavailable,
)
from chat_grpc.client._media import MediaBytes
from chat_grpc.server import ChatServer

TRANSPORTS = ("grpc", "rest")
FLAVORS = ("sync", "async")
SMALL = b"%PDF-1.7\r\n\x00\xff binary \r\n--not-a-boundary\n\r"
BIG = os.urandom(5 * 1024 * 1024) + b"\r\n"  # ~5 MB; ends with a line break, which a line-based parser drops


class Api:
    """One client, sync or async, called the same way: ``await api.call("upload_attachment", ...)``."""

    def __init__(self, client: ChatClient | AsyncChatClient) -> None:
        self.client = client

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, method)(*args, **kwargs)
        return await result if asyncio.iscoroutine(result) else result


def run(
    flavor: str,
    transport: str,
    make_sync: Callable[..., ChatClient],
    make_async: Callable[..., AsyncChatClient],
    who: Any,
    body: Callable[[Api], Awaitable[None]],
    **options: Any,
) -> None:
    if flavor == "sync":
        asyncio.run(body(Api(make_sync(who, transport=transport, **options))))
        return

    async def main() -> None:
        client = make_async(who, transport=transport, **options)
        try:
            await body(Api(client))
        finally:
            await client.close()

    asyncio.run(main())


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def drive(flavor: str, transport: str, chat_client: Any, async_chat_client: Any) -> Callable[..., None]:
    """``drive(who, body, **client_options)``: run ``body(api)`` with a client of this test's flavor and transport."""

    def go(who: Any, body: Callable[[Api], Awaitable[None]], **options: Any) -> None:
        run(flavor, transport, chat_client, async_chat_client, who, body, **options)

    return go


@pytest.mark.parametrize("data", [SMALL, BIG], ids=["small", "5MB"])
def test_upload_post_get_and_download(
    drive: Callable[..., None], chat_server: ChatServer, chat_factory: Any, chat_users: Any, data: bytes
) -> None:
    bot = chat_factory.app("Filer")
    space = chat_factory.space(chat_users.alice, "Files", members=[chat_users.bob, bot])
    posted: list[attachment_pb2.Attachment] = []

    async def body(api: Api) -> None:
        uploaded = await api.call("upload_attachment", parent=space, filename="report.pdf", data=data)
        assert isinstance(uploaded, attachment_pb2.UploadAttachmentResponse)
        ref = uploaded.attachment_data_ref
        assert ref.resource_name.startswith(f"{space.name}/attachments/") and ref.attachment_upload_token
        message = await api.call(
            "create_message", parent=space, message={"text": "the report", "attachment": [{"attachment_data_ref": ref}]}
        )
        (attachment,) = message.attachment
        posted.append(attachment)
        assert attachment.content_name == "report.pdf" and attachment.content_type == "application/pdf"
        assert attachment.attachment_data_ref.resource_name == ref.resource_name
        # Every form download_attachment takes gives the same bytes, with the content type they were sent with.
        for form in (uploaded, ref, attachment, ref.resource_name):
            got = await api.call("download_attachment", form)
            assert isinstance(got, MediaBytes) and isinstance(got, bytes)
            assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest() and len(got) == len(data)
            assert got.content_type == "application/pdf"

    drive(chat_users.bob, body)
    # GetAttachment (app authentication, as Google) shows the upload on the message.
    token = chat_server.token_for(bot)
    with ChatClient.for_emulator(chat_server.address, token=token, media_url=chat_server.rest_url) as app_client:
        shown = app_client.get_attachment(name=posted[0].name)
        assert app_client.download_attachment(shown) == data  # an app (chat.bot) downloads too
    assert (shown.content_name, shown.content_type) == ("report.pdf", "application/pdf")
    assert shown.attachment_data_ref.resource_name == posted[0].attachment_data_ref.resource_name
    uploads = chat_server.journal.calls("UploadAttachment")
    assert [call.face for call in uploads] == ["rest"]  # the bytes went over the media endpoint, whatever the transport


def test_the_upload_is_one_multipart_request_with_the_content_type(
    drive: Callable[..., None], chat_server: ChatServer, chat_factory: Any, chat_users: Any
) -> None:
    space = chat_factory.space(chat_users.alice, "Files")
    seen: list[httpx.Request] = []

    async def body(api: Api) -> None:
        uploaded = await api.call(
            "upload_attachment", parent=space.name, filename="notes", data=io.BytesIO(b"plain"), content_type="text/csv"
        )
        got = await api.call("download_attachment", uploaded)
        assert got == b"plain" and got.content_type == "text/csv"
        guessed = await api.call("upload_attachment", parent=space.name, filename="photo.png", data=b"\x89PNG")
        assert (await api.call("download_attachment", guessed)).content_type == "image/png"
        unknown = await api.call("upload_attachment", parent=space.name, filename="blob.zzz-unknown", data=b"?")
        assert (await api.call("download_attachment", unknown)).content_type == "application/octet-stream"
        sender = api.client._media_sender()  # type: ignore[union-attr]
        hooks = sender.client.event_hooks["request"]
        hooks.append(seen.append if isinstance(sender.client, httpx.Client) else _async_append(seen))
        await api.call("upload_attachment", parent=space.name, filename="a.txt", data=b"x")

    drive(chat_users.alice, body)
    (request,) = seen
    assert request.method == "POST" and request.url.path == f"/upload/v1/{space.name}/attachments:upload"
    assert request.url.params["uploadType"] == "multipart"
    assert request.headers["content-type"].startswith("multipart/related; boundary=")
    assert request.headers["authorization"].startswith("Bearer ")
    assert b'{"filename":"a.txt"}' in request.content and b"Content-Type: text/plain" in request.content


def _async_append(seen: list[httpx.Request]) -> Callable[[httpx.Request], Awaitable[None]]:
    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    return hook


def test_no_access_to_the_space(drive: Callable[..., None], chat_factory: Any, chat_users: Any) -> None:
    space = chat_factory.space(chat_users.alice, "Private")
    uploaded: list[attachment_pb2.UploadAttachmentResponse] = []

    async def as_alice(api: Api) -> None:
        uploaded.append(await api.call("upload_attachment", parent=space, filename="secret.txt", data=b"secret"))

    async def as_carol(api: Api) -> None:
        with pytest.raises(NotFound, match="not found, or the caller is not a member"):
            await api.call("upload_attachment", parent=space, filename="x.txt", data=b"x")
        with pytest.raises(NotFound) as raised:  # the bytes of a space carol cannot see: as if not there
            await api.call("download_attachment", uploaded[0])
        assert isinstance(raised.value.__cause__, httpx.HTTPStatusError)
        assert raised.value.__cause__.response.status_code == 404
        with pytest.raises(NotFound):
            await api.call("download_attachment", f"{space.name}/attachments/missing")

    async def without_scope(api: Api) -> None:
        with pytest.raises(PermissionDenied) as raised:
            await api.call("upload_attachment", parent=space, filename="x.txt", data=b"x")
        assert raised.value.reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        with pytest.raises(PermissionDenied):
            await api.call("download_attachment", uploaded[0])

    drive(chat_users.alice, as_alice)
    drive(chat_users.carol, as_carol)
    drive(chat_users.alice, without_scope, scopes=["chat.spaces.readonly"])


def test_invalid_uploads(
    drive: Callable[..., None], chat_server: ChatServer, chat_factory: Any, chat_users: Any
) -> None:
    space = chat_factory.space(chat_users.alice, "Files")

    async def body(api: Api) -> None:
        with pytest.raises(InvalidArgument) as raised:
            await api.call("upload_attachment", parent=space, filename="", data=b"x")
        assert [v.field for v in raised.value.field_violations] == ["filename"]
        with pytest.raises(ValueError, match="fit the REST path"):
            await api.call("upload_attachment", parent="users/x", filename="a", data=b"x")
        with pytest.raises(TypeError, match="binary mode"):
            await api.call("upload_attachment", parent=space, filename="a", data=io.StringIO("text"))
        with pytest.raises(ValueError, match=r"no attachment_data_ref\.resource_name"):
            await api.call("download_attachment", attachment_pb2.AttachmentDataRef(attachment_upload_token="t"))
        # Over the size limit (lowered here; Google's is 200 MB): refused, and nothing is stored.
        chat_server.rest_app.max_upload_bytes = 1000
        try:
            with pytest.raises(InvalidArgument, match="larger than the limit of 1000 bytes"):
                await api.call("upload_attachment", parent=space, filename="big.bin", data=b"x" * 2000)
        finally:
            chat_server.rest_app.max_upload_bytes = 200 * 1024 * 1024

    drive(chat_users.alice, body)
    assert not [call for call in chat_server.journal.calls("UploadAttachment") if call.ok]


def test_uploads_are_retried_only_when_nothing_was_sent(chat_server: ChatServer, chat_users: Any) -> None:
    """An upload is not idempotent: an error answered by the server is never retried; a connection that could
    not be made (nothing sent) is, by the client's policy. A download is retried like any read."""
    import grpc

    token = chat_server.token_for(chat_users.alice)
    space = ChatClient.for_emulator(chat_server.address, token=token).create_space(
        space={"space_type": "SPACE", "display_name": "Retry"}
    )
    fast = RetryPolicy(initial=0.01, maximum=0.02, max_attempts=3)
    chat_server.faults.fail("UploadAttachment", grpc.StatusCode.UNAVAILABLE, times=1)
    with ChatClient.for_emulator(chat_server.address, token=token, media_url=chat_server.rest_url, retry=fast) as c:
        with pytest.raises(Unavailable):
            c.upload_attachment(parent=space, filename="a.txt", data=b"a")
        assert c.upload_attachment(parent=space, filename="a.txt", data=b"a").attachment_data_ref.resource_name
    uploads = chat_server.journal.calls("UploadAttachment")
    assert len(uploads) == 2  # the failed attempt was not sent again

    closed = _closed_port()
    with ChatClient.for_emulator(chat_server.address, token=token, media_url=closed, retry=fast) as c:
        connects: list[httpx.Request] = []
        c._media_sender().client.event_hooks["request"].append(connects.append)
        with pytest.raises(Unavailable):
            c.upload_attachment(parent=space, filename="a.txt", data=b"a")
        assert len(connects) == 3  # refused before anything was sent: tried as the policy allows
        with pytest.raises(Unavailable):
            c.download_attachment(f"{space.name}/attachments/x")
        assert len(connects) == 6
        with pytest.raises(Unavailable):
            c.upload_attachment(parent=space, filename="a.txt", data=b"a", retry=None)
        assert len(connects) == 7


def _closed_port() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_grpc_client_needs_a_media_url(chat_server: ChatServer, chat_users: Any) -> None:
    token = chat_server.token_for(chat_users.alice)
    with (
        ChatClient.for_emulator(chat_server.address, token=token) as client,
        pytest.raises(ValueError, match="media_url="),
    ):
        client.download_attachment("spaces/A/attachments/B")
    environ = {"CHAT_EMULATOR_HOST": chat_server.address, "CHAT_EMULATOR_REST_URL": chat_server.rest_url}
    with ChatClient.from_environment(environ=environ, token=token) as client:
        assert client._media_url == chat_server.rest_url
    with ChatClient(channel=ChatClient.for_emulator(chat_server.address).channel) as client:
        assert client._media_url is None
    import google.auth.credentials

    class Anonymous(google.auth.credentials.AnonymousCredentials):
        pass

    with ChatClient(Anonymous()) as google_client:
        assert google_client._media_url == "https://chat.googleapis.com"  # as Google's API: the same host
    with ChatClient(Anonymous(), transport="rest") as rest_client:
        assert rest_client._media_sender() is rest_client._rest


def test_credentials_sign_media_requests(chat_server: ChatServer, chat_factory: Any, chat_users: Any) -> None:
    space = chat_factory.space(chat_users.alice, "Files")
    credentials = chat_server.credentials_for(chat_users.alice)
    for transport in TRANSPORTS:
        address = chat_server.rest_url if transport == "rest" else chat_server.address
        with ChatClient.for_emulator(
            address, credentials=credentials, transport=transport, media_url=chat_server.rest_url
        ) as client:
            uploaded = client.upload_attachment(parent=space, filename="a.txt", data=b"signed")
            assert client.download_attachment(uploaded) == b"signed"
