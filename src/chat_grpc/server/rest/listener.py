"""The REST door on a socket: uvicorn (HTTP/1.1, keep-alive, the httptools parser when installed) serving the
ASGI app on its own event loop in a background thread, so that it runs beside the gRPC server in the
emulator process and in a test process alike. Idle or slow HTTP connections cost a socket, not a thread:
they cannot block gRPC calls or other REST clients."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import socket
import threading
from typing import Any

import uvicorn


class RestListener:
    def __init__(self, app: Any, host: str, port: int, *, keep_alive_seconds: float = 75.0) -> None:
        self.app = app
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
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP, and with
        # proto 0 Nagle holds the response body (a second small write) until the client's delayed ACK, ~40 ms.
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
            http="httptools" if importlib.util.find_spec("httptools") else "h11",
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
