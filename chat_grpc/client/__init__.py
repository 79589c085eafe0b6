"""ChatClient: the Google Chat API over gRPC, blocking. See docs/client.md."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from chat_grpc.client._methods import SyncMethods

if TYPE_CHECKING:
    from typing import Self


class ChatClient(SyncMethods):
    """A blocking client for all 52 ChatService RPCs (``client.create_space(space=...)``, ...).

    ``ChatClient()`` talks to chat.googleapis.com over TLS with Application Default Credentials; see the
    other constructors (:meth:`from_service_account_file`, :meth:`for_emulator`, :meth:`from_environment`)
    and the keyword options of ``__init__``. Use it as a context manager, or call :meth:`close`.
    """

    def close(self) -> None:
        """Close the channel, if the client opened it (an injected channel stays open). Idempotent."""
        self._close_media()
        if self._rest is not None:
            self._rest.close()
        elif self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ChatClient transport={self.transport} timeout={self.timeout} retry={self.retry}>"
