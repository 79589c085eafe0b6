"""Google's media protocols on the REST door: uploads to ``/upload/v1/...`` (``uploadType=media``,
``multipart``, ``resumable``; resumable also on ``/resumable/upload/v1/...``) for the RPCs that take media
(``UploadAttachment``), and downloads from ``GET /v1/media/{resourceName=**}?alt=media``.

An upload becomes one ordinary call of its RPC through the core, with the bytes handed to the handler as
``call.media``: the RPC's own policy, validation, faults and journal apply. A download authenticates the
caller like any call and reads the bytes the store keeps for that resource name.
"""

from __future__ import annotations

import base64
import binascii
import email.message
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from chat_grpc.api.rpcs import SEMANTICS
from chat_grpc.doors.rest.http import Caller, Receive, Reply, SystemParameters, error_reply
from chat_grpc.doors.rest.routes import PathTemplate, Route, RouteTable
from chat_grpc.doors.rest.transcode import build_request, clip, load_json
from chat_grpc.fake.errors import ChatError, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from chat_grpc.fake.rpc import Media
from chat_grpc.fake.store import Actor, App

# The RPCs whose HTTP rule also has Google's media upload paths: one hand-kept fact, shared with the client's table.
MEDIA_UPLOAD_RPCS = frozenset(name for name, semantics in SEMANTICS.items() if semantics.media_upload)
DOWNLOAD = PathTemplate.parse("/v1/media/{resource_name=**}")
_MEDIA_PREFIXES = ("/upload/", "/resumable/upload/", DOWNLOAD.text.split("{", 1)[0])
DOWNLOAD_SCOPES = frozenset({"chat.bot", "chat.messages", "chat.messages.readonly"})
MAX_SESSIONS = 256


@dataclass
class MediaCall:
    upload: bool
    route: Route | None = None  # the RPC's route (uploads)
    bound: dict[str, str] = field(default_factory=dict)
    resumable: bool = False  # on /resumable/upload/...: the resumable protocol whatever uploadType says
    resource_name: str | None = None  # downloads


@dataclass
class _Session:
    route: Route
    bound: dict[str, str]
    params: list[tuple[str, str]]
    metadata: bytes
    content_type: str
    headers: Sequence[tuple[str, str | bytes]]
    received: bytearray = field(default_factory=bytearray)


class MediaRoutes:
    def __init__(self, uploads: list[Route]) -> None:
        self.uploads = uploads
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_routes(cls, table: RouteTable) -> MediaRoutes:
        return cls([r for r in table.routes if r.rpc in MEDIA_UPLOAD_RPCS and r.verb == "POST"])

    def match(self, verb: str, raw_path: str) -> MediaCall | None:
        if not raw_path.startswith(_MEDIA_PREFIXES):  # most calls: not media
            return None
        for prefix in ("/upload", "/resumable/upload"):
            if raw_path.startswith(prefix + "/"):
                inner = raw_path[len(prefix) :]
                for route in self.uploads:
                    bound = route.template.match(inner)
                    if bound is not None and verb in ("POST", "PUT"):
                        return MediaCall(True, route, bound, resumable=prefix == "/resumable/upload")
        if verb == "GET":
            bound = DOWNLOAD.match(raw_path)
            if bound is not None:
                return MediaCall(False, resource_name=bound["resource_name"])
        return None

    async def serve(
        self,
        app: Caller,
        call: MediaCall,
        system: SystemParameters,
        params: list[tuple[str, str]],
        headers: list[tuple[str, str]],
        header_map: dict[str, str],
        body: bytes,
        receive: Receive,
    ) -> Reply:
        try:
            if not call.upload:
                return await self._download(app, call, system, params, headers)
            assert call.route is not None
            upload_id = dict(params).get("upload_id")
            if upload_id is not None:
                return await self._resume(app, upload_id, system, body, header_map)
            kind = "resumable" if call.resumable else (system.upload_type or "media")
            if kind == "resumable":
                return self._start(call, params, headers, header_map, body)
            if kind == "multipart":
                metadata, media = _multipart(body, header_map.get("content-type", ""))
            elif kind == "media":
                metadata, media = b"", Media(body, header_map.get("content-type") or "application/octet-stream")
            else:
                raise InvalidArgument(
                    f"Invalid uploadType {clip(kind, 40)!r}: use media, multipart or resumable", field="uploadType"
                )
            request = build_request(call.route, call.bound, params, metadata if call.route.body else b"")
            response = await app.call(call.route.rpc, request, headers, receive, media)
            return app.answer(response, system)
        except ChatError as error:
            return error_reply(error, system)

    # ------------------------------------------------------------------ resumable

    def _start(
        self,
        call: MediaCall,
        params: list[tuple[str, str]],
        headers: Sequence[tuple[str, str | bytes]],
        header_map: dict[str, str],
        body: bytes,
    ) -> Reply:
        assert call.route is not None
        if body.strip():
            load_json(body)  # fail now, not after the bytes were sent
        content_type = header_map.get("x-upload-content-type") or "application/octet-stream"
        upload_id = secrets.token_urlsafe(16)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[upload_id] = _Session(call.route, call.bound, params, body, content_type, headers)
        # The bound values are decoded (a parent may hold "%0D%0A" or non-Latin-1 characters once decoded):
        # re-encoded, so the header can never be split or fail to encode.
        host = quote(header_map.get("host", "localhost"), safe=":[]")
        path = call.route.template.expand({name: quote(value, safe="/") for name, value in call.bound.items()})
        location = f"http://{host}/upload{path}?uploadType=resumable&upload_id={upload_id}"
        return Reply(200, {}, [("location", location), ("x-guploader-uploadid", upload_id)])

    async def _resume(
        self, app: Caller, upload_id: str, system: SystemParameters, body: bytes, header_map: dict[str, str]
    ) -> Reply:
        with self._lock:
            session = self._sessions.get(upload_id)
        if session is None:
            raise NotFound(f"No upload session {clip(upload_id, 60)!r}", field="upload_id")
        start, total = _content_range(header_map.get("content-range", ""))
        received = session.received
        if start is not None:
            if start > len(received):
                raise InvalidArgument(
                    f"Content-Range starts at byte {start}, but {len(received)} bytes were received", field="upload_id"
                )
            del received[start:]  # a chunk sent again after a lost answer replaces what it overlaps
        received += body
        if len(received) > app.max_upload_bytes:
            with self._lock:
                self._sessions.pop(upload_id, None)
            raise InvalidArgument(f"The upload is larger than the limit of {app.max_upload_bytes} bytes", field="media")
        if total is None or len(received) < total:  # more to come (a total of "*": not known yet)
            progress = [("range", f"bytes=0-{len(received) - 1}")] if received else []
            return Reply(308, b"", progress)
        with self._lock:
            self._sessions.pop(upload_id, None)
        request = build_request(session.route, session.bound, session.params, session.metadata)
        media = Media(bytes(received), session.content_type)
        response = await app.call(session.route.rpc, request, session.headers, None, media)
        return app.answer(response, system)

    # ------------------------------------------------------------------ download

    async def _download(
        self,
        app: Caller,
        call: MediaCall,
        system: SystemParameters,
        params: list[tuple[str, str]],
        headers: Sequence[tuple[str, str | bytes]],
    ) -> Reply:
        import asyncio

        assert call.resource_name is not None
        if params:
            raise InvalidArgument(f"Unknown query parameter {clip(params[0][0], 80)!r}", field=params[0][0])
        core = app.core
        credentials = core.credentials(headers)
        granted = credentials.scopes & DOWNLOAD_SCOPES
        if not granted:
            raise PermissionDenied(
                "Request had insufficient authentication scopes: media download needs chat.bot, chat.messages or"
                " chat.messages.readonly",
                reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            )
        principal = core.store.principal(credentials.principal_id)
        if principal is None:
            raise Unauthenticated(f"the principal users/{credentials.principal_id} of this token no longer exists")
        # The caller downloads only from a space it can see (NOT_FOUND otherwise, as for a name that is not there).
        app_principal = principal if isinstance(principal, App) else None
        actor = Actor(principal, credentials.kind, frozenset(granted), app=app_principal)
        if system.alt != "media":
            return Reply(200, {"resourceName": call.resource_name}, pretty=system.pretty)
        reader = getattr(core.store, "attachment_media", None)
        if reader is None:
            raise NotFound(f"No media {clip(call.resource_name)!r}", field="resource_name")
        loop = asyncio.get_running_loop()
        data, content_type = await loop.run_in_executor(app.executor, reader, call.resource_name, actor)
        return Reply(200, data, [("content-type", content_type)])


def _content_range(content_range: str) -> tuple[int | None, int | None]:
    """(first byte, total) of ``Content-Range``: ``bytes 0-99/1000`` -> (0, 1000); ``bytes 100-199/*`` -> (100,
    None: more to come); ``bytes */1000`` (a status query, or an empty last chunk) -> (None, 1000); absent -> (None,
    0): one request with the whole file, complete."""
    if not content_range:
        return None, 0  # one request with the whole file
    if not content_range.startswith("bytes "):
        raise InvalidArgument(f"Invalid Content-Range {clip(content_range, 60)!r}", field="Content-Range")
    span, _, total = content_range[6:].strip().partition("/")
    first = span.partition("-")[0].strip()
    return _count(first), _count(total)


def _count(text: str) -> int | None:
    """A byte count of a header: ASCII digits only, and few (``"²".isdigit()`` is true; ``int()`` refuses it)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _multipart(body: bytes, content_type: str) -> tuple[bytes, Media]:
    """A ``multipart/related`` upload: the JSON metadata part, then the media part, byte for byte.

    Parsed here rather than by ``email``'s parser, which works line by line and drops the line break the media's
    last bytes end with. Delimiters are ``CRLF--boundary`` (RFC 2046) or ``LF--boundary`` (googleapiclient's
    ``email`` generator writes bare LFs), as the first delimiter line shows."""
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not content_type.lower().startswith("multipart/") or not isinstance(boundary, str) or not boundary:
        raise InvalidArgument("uploadType=multipart needs a multipart/related body with a boundary", field="uploadType")
    dash = b"--" + boundary.encode("latin-1")
    first = 0 if body.startswith(dash) else body.find(b"\n" + dash)
    if first < 0:
        raise InvalidArgument("The multipart body has no part delimited by its boundary", field="uploadType")
    position = first + (len(dash) if first == 0 else len(dash) + 1)
    line_end = body.find(b"\n", position)
    newline = b"\r\n" if line_end > 0 and body[line_end - 1 : line_end] == b"\r" else b"\n"
    delimiter = newline + dash
    parts: list[bytes] = []
    while not body.startswith(b"--", position):  # "--boundary--" closes the body
        line_end = body.find(b"\n", position)
        if line_end < 0:
            raise InvalidArgument("The multipart body ends before its closing boundary", field="uploadType")
        end = body.find(delimiter, line_end + 1)
        if end < 0:
            raise InvalidArgument("The multipart body ends before its closing boundary", field="uploadType")
        parts.append(body[line_end + 1 : end])
        position = end + len(delimiter)
    if len(parts) != 2:
        raise InvalidArgument(
            f"A multipart upload has two parts (JSON metadata, then the media); this one has {len(parts)}",
            field="uploadType",
        )
    (_, metadata), (headers, data) = (_part(part, newline) for part in parts)
    if headers.get("content-transfer-encoding", "").strip().lower() == "base64":
        try:
            data = base64.b64decode(data)
        except (binascii.Error, ValueError):
            raise InvalidArgument("The media part is not valid base64", field="uploadType") from None
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower() or "application/octet-stream"
    return metadata, Media(data, kind)


def _part(part: bytes, newline: bytes) -> tuple[dict[str, str], bytes]:
    """A part's headers (lower-case names) and its content."""
    if part.startswith(newline):  # no headers
        return {}, part[len(newline) :]
    head, separator, content = part.partition(newline + newline)
    if not separator:
        raise InvalidArgument("A part of the multipart body has no blank line after its headers", field="uploadType")
    headers = {}
    for line in head.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, content
