"""AsyncChatClient: the Google Chat API over gRPC, for asyncio (grpc.aio). See docs/client.md."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from chat_grpc.client._methods import AsyncMethods

if TYPE_CHECKING:
    from typing import Self


class AsyncChatClient(AsyncMethods):
    """The asyncio twin of :class:`chat_grpc.ChatClient`: the same constructors and methods, awaited.

    A grpc.aio channel belongs to one event loop: created inside a running loop, the client uses that loop;
    created outside one (in sync code, before ``asyncio.run``), it makes its channel in the loop of its first
    call, and stays bound to it. Use it as an async context manager, or ``await client.close()``.
    """

    async def close(self, grace: float | None = None) -> None:
        """Close the channel, if the client opened it (an injected channel stays open). Idempotent."""
        await self._close_media()
        if self._rest is not None:
            await self._rest.close()
        elif self._pending is not None:  # built outside a loop and never used: no channel to close
            self._pending = None
        elif self._owns_channel:
            await self._channel.close(grace)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncChatClient transport={self.transport} timeout={self.timeout} retry={self.retry}>"
