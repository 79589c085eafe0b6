"""The REST door on a socket: uvicorn (HTTP/1.1, keep-alive, the httptools parser when installed) serving the
ASGI app on its own event loop in a background thread, so that it runs beside the gRPC server in the
emulator process and in a test process alike. Idle or slow HTTP connections cost a socket, not a thread:
they cannot block gRPC calls or other REST clients.

The protocol is uvicorn's httptools protocol with three changes (``_Protocol``): a request uvicorn cannot
parse is answered with a JSON error like every other (not uvicorn's ``text/plain`` 400); a request head (request
line and headers) larger than ``max_head_bytes`` is refused with 431 instead of being buffered without limit; and
a connection that does not complete a request head within ``head_timeout_seconds`` of its first byte (or of
opening) is answered 408 and closed, so trickled or never-finished headers do not hold a socket forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024  # request line + headers (Google's frontends refuse larger heads too)
HEAD_TIMEOUT_SECONDS = 30.0  # from a connection's first byte (or from its opening) to a complete request head


def _json_error(code: int, reason: str, status: str, message: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message, "status": status}}, indent=2).encode() + b"\n"
    head = (
        f"HTTP/1.1 {code} {reason}\r\ncontent-type: application/json; charset=UTF-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with JSON errors for unparsable requests, a bounded request head and a
    deadline for completing it (see the module's docstring)."""

    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT_SECONDS
    _head_bytes = 0  # received while the head is incomplete (a head trickled or never finished)
    _parsed_head_bytes = 0
    _head_too_large = False
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and not self.transport.is_closing():  # the head is still incomplete
            self._head_bytes += len(data)  # (may count the tail of an earlier request in the same chunk)
            if self._head_bytes > self.max_head_bytes:
                self._head_too_large = True
                self.send_400_response("request head too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_head_bytes = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_parsed(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_parsed(self, size: int) -> None:
        """A head that arrived whole: counted as the parser reads it."""
        self._parsed_head_bytes += size
        if self._parsed_head_bytes > self.max_head_bytes:
            self._head_too_large = True
            raise ValueError("request head too large")  # the parser fails; data_received answers (431)

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        self._head_bytes = 0
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._disarm_head_timer()
        if self._head_too_large:
            limit = self.max_head_bytes
            answer = _json_error(
                431,
                "Request Header Fields Too Large",
                "INVALID_ARGUMENT",
                f"The request head is larger than {limit} bytes",
            )
        else:
            answer = _json_error(400, "Bad Request", "INVALID_ARGUMENT", "Invalid HTTP request received.")
        self.transport.write(answer)
        self.transport.close()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served (its head was complete): not this timer's business
        message = f"The request head was not complete within {self.head_timeout:g} s"
        self.transport.write(_json_error(408, "Request Timeout", "DEADLINE_EXCEEDED", message))
        self.transport.close()


class RestListener:
    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        keep_alive_seconds: float = 75.0,
        head_timeout_seconds: float = HEAD_TIMEOUT_SECONDS,
        max_head_bytes: int = MAX_HEAD_BYTES,
    ) -> None:
        self.app = app
        # One protocol class per listener, carrying its limits.
        self._protocol = type(
            "RestProtocol", (_Protocol,), {"head_timeout": head_timeout_seconds, "max_head_bytes": max_head_bytes}
        )
        self.host = host
        self._requested_port = port
        self._keep_alive = keep_alive_seconds
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop
        self._stop: asyncio.Event
        self.port = 0

    def start(self) -> RestListener:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it a
        # response written in two parts (head, body) waits ~40 ms for the delayed ACK (Nagle).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        sock.listen(1024)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=self._protocol,
            loop="asyncio",
            lifespan="off",
            log_level=logging.WARNING,
            access_log=False,
            timeout_keep_alive=int(self._keep_alive),
            timeout_graceful_shutdown=1,
            server_header=False,
            date_header=False,  # uvicorn refreshes it from its run loop, which this listener does not use
        )
        server = uvicorn.Server(config)
        started = threading.Event()
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()

        async def serve() -> None:
            # uvicorn's own run loop polls for shutdown every 0.1 s; driving startup/shutdown directly makes a
            # stop immediate (tests start and stop many servers).
            config.load()
            server.lifespan = config.lifespan_class(config)
            try:
                await server.startup(sockets=[sock])
            finally:
                started.set()
            if server.started:
                await stop.wait()
                state = server.server_state
                if state.connections or state.tasks:
                    await server.shutdown(sockets=[sock])  # graceful: open connections finish their requests
                else:  # nothing to wait for (uvicorn's shutdown always sleeps 0.1 s first)
                    for listening in server.servers:
                        listening.close()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(serve())
            finally:
                started.set()
                with contextlib.suppress(OSError):
                    sock.close()
                loop.close()

        self._loop, self._stop = loop, stop
        self._server = server
        self._thread = threading.Thread(target=run, name=f"chat-rest-{self.port}", daemon=True)
        self._thread.start()
        started.wait(10)
        if not server.started:
            raise OSError(f"the REST listener on {self.host}:{self.port} did not start")
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        if self._server is not None:
            self._server.should_exit = True
        with contextlib.suppress(RuntimeError):  # the loop has already ended
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        if self._thread.is_alive() and self._server is not None:
            self._server.force_exit = True
            self._thread.join(timeout)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
