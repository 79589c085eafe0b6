"""Media, shared by both clients and both transports, with no I/O: the HTTP requests of Google's media endpoints.

Google's API never carries file bytes in an RPC: an upload goes to ``/upload`` + the RPC's REST path with
``uploadType=multipart`` (a ``multipart/related`` body: the request as JSON, then the file), a download to
``GET /v1/media/{resourceName}?alt=media``. Both clients send these over HTTP whatever their transport (a gRPC
client to its media URL: ``https://chat.googleapis.com``, or the emulator's REST URL), through the REST
transport's senders (``_rest.SyncRest.exchange`` / ``AsyncRest.exchange``), so deadlines, retries, auth headers
and errors are the same code as every other call.
"""

from __future__ import annotations

import mimetypes
import secrets
from typing import Any, BinaryIO
from urllib.parse import quote

from google.protobuf.message import Message

from chat_grpc.api.rpcs import Rpc
from chat_grpc.client._rest import HttpCall, transcode

OCTET_STREAM = "application/octet-stream"
DOWNLOAD_PREFIX = "/v1/media/"
UPLOAD_PREFIX = "/upload"


class MediaBytes(bytes):
    """The bytes of a download, with the ``content_type`` the server sent them with."""

    content_type: str

    def __new__(cls, data: bytes, content_type: str) -> MediaBytes:
        made = super().__new__(cls, data)
        made.content_type = content_type
        return made


def read_data(data: bytes | bytearray | memoryview | BinaryIO) -> bytes:
    """The file's bytes: ``data`` itself, or what is left to read of a binary file object."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    read = getattr(data, "read", None)
    if read is None:
        raise TypeError(f"data must be bytes or a binary file object, got {type(data).__name__}")
    content = read()
    if not isinstance(content, bytes):
        raise TypeError(f"data must be opened in binary mode ('rb'): read() gave {type(content).__name__}")
    return content


def content_type_for(filename: str, given: str | None) -> str:
    """``given``, else the type the file name suggests (``mimetypes``), else ``application/octet-stream``."""
    if given:
        return given
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or OCTET_STREAM


def upload_call(rpc: Rpc[Any, Any], request: Message, data: bytes, content_type: str) -> HttpCall:
    """The multipart upload of ``request`` with the file: ``POST /upload/v1/...?uploadType=multipart``."""
    plain = transcode(rpc, request)
    metadata = plain.body if plain.body is not None else b"{}"
    boundary = f"chat-grpc-{secrets.token_hex(16)}"
    while boundary.encode() in data:  # a boundary must not occur in the content (a 128-bit token never does)
        boundary = f"chat-grpc-{secrets.token_hex(16)}"
    body = b"".join(
        (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            metadata,
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    query = (*plain.query, ("uploadType", "multipart"))
    return HttpCall("POST", UPLOAD_PREFIX + plain.path, query, body, f'multipart/related; boundary="{boundary}"')


def resource_name_of(attachment: object) -> str:
    """The media resource name of what ``download_attachment`` takes: the name itself, an ``Attachment`` (its
    ``attachment_data_ref``), an ``AttachmentDataRef`` or an ``UploadAttachmentResponse``."""
    if isinstance(attachment, str):
        name = attachment
    elif isinstance(attachment, Message):
        fields = attachment.DESCRIPTOR.fields_by_name
        ref: Any = attachment
        if "attachment_data_ref" in fields:
            ref = attachment.attachment_data_ref  # type: ignore[attr-defined]
        elif "resource_name" not in fields:
            raise TypeError(f"download_attachment: cannot download a {attachment.DESCRIPTOR.full_name}")
        name = ref.resource_name
        if not name:
            kind = attachment.DESCRIPTOR.name
            raise ValueError(
                f"download_attachment: this {kind} has no attachment_data_ref.resource_name (a Drive file, or a"
                " reference holding only an upload token): there are no bytes to download from Chat"
            )
    else:
        raise TypeError(f"download_attachment: pass a resource name or an Attachment, got {type(attachment).__name__}")
    if not name.strip():
        raise ValueError("download_attachment: the resource name is empty")
    return name


def download_call(resource_name: str) -> HttpCall:
    """``GET /v1/media/{resourceName}?alt=media``: the name's slashes as they are (``{+resourceName}``), anything
    else percent-encoded."""
    path = DOWNLOAD_PREFIX + quote(resource_name, safe="/")
    return HttpCall("GET", path, (("alt", "media"),), None, system_query=())


def downloaded(content: bytes, content_type: str | None) -> MediaBytes:
    return MediaBytes(content, content_type or OCTET_STREAM)


__all__ = ["MediaBytes", "content_type_for", "download_call", "read_data", "resource_name_of", "upload_call"]
