"""Google's media protocols on the REST door: uploads to ``/upload/v1/...`` (``uploadType=media``,
``multipart``, ``resumable``; resumable also on ``/resumable/upload/v1/...``) for the RPCs that take media
(``UploadAttachment``), and downloads from ``GET /v1/media/{resourceName=**}?alt=media``.

An upload becomes one ordinary call of its RPC through the core, with the bytes handed to the handler as
``call.media``: the RPC's own policy, validation, faults and journal apply. A download authenticates the
caller like any call and reads the bytes the store keeps for that resource name.
"""

from __future__ import annotations

import email.parser
import email.policy
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chat_grpc.server.errors import ChatError, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.server.rest.routes import PathTemplate, Route, RouteTable
from chat_grpc.server.rest.transcode import build_request, clip, load_json
from chat_grpc.server.rpc import Media

if TYPE_CHECKING:
    from chat_grpc.server.rest.app import Receive, Reply, RestApp, SystemParameters

MEDIA_UPLOAD_RPCS = frozenset({"UploadAttachment"})  # the RPCs whose HTTP rule also has Google's media upload paths
DOWNLOAD = PathTemplate.parse("/v1/media/{resource_name=**}")
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


class MediaRoutes:
    def __init__(self, uploads: list[Route]) -> None:
        self.uploads = uploads
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_routes(cls, table: RouteTable) -> MediaRoutes:
        return cls([r for r in table.routes if r.rpc in MEDIA_UPLOAD_RPCS and r.verb == "POST"])

    def match(self, verb: str, raw_path: str) -> MediaCall | None:
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
        app: RestApp,
        call: MediaCall,
        system: SystemParameters,
        params: list[tuple[str, str]],
        headers: list[tuple[str, str]],
        header_map: dict[str, str],
        body: bytes,
        receive: Receive,
    ) -> Reply:
        from chat_grpc.server.rest.app import error_reply

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
        from chat_grpc.server.rest.app import Reply

        assert call.route is not None
        if body.strip():
            load_json(body)  # fail now, not after the bytes were sent
        content_type = header_map.get("x-upload-content-type") or "application/octet-stream"
        upload_id = secrets.token_urlsafe(16)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[upload_id] = _Session(call.route, call.bound, params, body, content_type, headers)
        host = header_map.get("host", "localhost")
        location = (
            f"http://{host}/upload{call.route.template.expand(call.bound)}?uploadType=resumable&upload_id={upload_id}"
        )
        return Reply(200, {}, [("location", location), ("x-guploader-uploadid", upload_id)])

    async def _resume(
        self, app: RestApp, upload_id: str, system: SystemParameters, body: bytes, header_map: dict[str, str]
    ) -> Reply:
        from chat_grpc.server.rest.app import Reply

        with self._lock:
            session = self._sessions.get(upload_id)
        if session is None:
            raise NotFound(f"No upload session {clip(upload_id, 60)!r}", field="upload_id")
        content_range = header_map.get("content-range", "")
        received = getattr(session, "received", b"") + body
        total = _range_total(content_range)
        if total is not None and len(received) < total:
            session.received = received  # type: ignore[attr-defined]
            return Reply(308, b"", [("range", f"bytes=0-{len(received) - 1}")])
        with self._lock:
            self._sessions.pop(upload_id, None)
        request = build_request(session.route, session.bound, session.params, session.metadata)
        response = await app.call(
            session.route.rpc, request, session.headers, None, Media(received, session.content_type)
        )
        return app.answer(response, system)

    # ------------------------------------------------------------------ download

    async def _download(
        self,
        app: RestApp,
        call: MediaCall,
        system: SystemParameters,
        params: list[tuple[str, str]],
        headers: Sequence[tuple[str, str | bytes]],
    ) -> Reply:
        import asyncio

        from chat_grpc.server.rest.app import Reply

        assert call.resource_name is not None
        if params:
            raise InvalidArgument(f"Unknown query parameter {clip(params[0][0], 80)!r}", field=params[0][0])
        core = app.core
        credentials = core.credentials(headers)
        if not (credentials.scopes & DOWNLOAD_SCOPES):
            raise PermissionDenied(
                "Request had insufficient authentication scopes: media download needs chat.bot, chat.messages or"
                " chat.messages.readonly",
                reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            )
        if system.alt != "media":
            return Reply(200, {"resourceName": call.resource_name}, pretty=system.pretty)
        reader = getattr(core.store, "attachment_media", None)
        if reader is None:
            raise NotFound(f"No media {clip(call.resource_name)!r}", field="resource_name")
        loop = asyncio.get_running_loop()
        data, content_type = await loop.run_in_executor(app.executor, reader, call.resource_name)
        return Reply(200, data, [("content-type", content_type)])


def _range_total(content_range: str) -> int | None:
    """``bytes 0-99/1000`` -> 1000; ``bytes */1000`` -> 1000; absent or ``*`` total -> None."""
    if not content_range.startswith("bytes "):
        return None
    total = content_range.rsplit("/", 1)[-1]
    return int(total) if total.isdigit() else None


def _multipart(body: bytes, content_type: str) -> tuple[bytes, Media]:
    """A ``multipart/related`` upload: the JSON metadata part, then the media part."""
    if not content_type.lower().startswith("multipart/"):
        raise InvalidArgument("uploadType=multipart needs a multipart/related body", field="uploadType")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    parsed: Any = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = list(parsed.iter_parts()) if parsed.is_multipart() else []
    if len(parts) != 2:
        raise InvalidArgument(
            f"A multipart upload has two parts (JSON metadata, then the media); this one has {len(parts)}",
            field="uploadType",
        )
    metadata, media = parts
    data = media.get_payload(decode=True) or b""
    return metadata.get_payload(decode=True) or b"", Media(data, media.get_content_type())
