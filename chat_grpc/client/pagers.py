"""Pagers: list calls return one, holding the first page; iterating it fetches the next pages on demand.

``for space in client.list_spaces(filter=...)`` yields items across pages; ``pager.pages`` yields whole
responses (``next_page_token``, ``total_size``, ...). Each next page re-sends the original request (same
filter, page size, ...) with the new ``page_token``, and the same timeout, metadata and retry settings.
A pager is a single pass: items or pages already consumed are not fetched again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from google.protobuf.message import Message

if TYPE_CHECKING:
    from chat_grpc.api.rpcs import Rpc

T = TypeVar("T", bound=Message)
P = TypeVar("P", bound=Message)


class _PageCursor(Generic[T, P]):
    """The pagination state both pagers share: current page, whether it was handed out, the next request."""

    def __init__(self, rpc: Rpc[Any, P], request: Message, response: P) -> None:
        if rpc.items is None:
            raise ValueError(f"{rpc.name} is not a list RPC")
        self._rpc = rpc
        self._items_field = rpc.items
        self._request = request
        self._response = response
        self._delivered = False
        self.pages_fetched = 1

    @property
    def request(self) -> Message:
        """The request of the first page (the template of the next ones)."""
        return self._request

    @property
    def response(self) -> P:
        """The most recently fetched page."""
        return self._response

    @property
    def next_page_token(self) -> str:
        token: str = self._response.next_page_token  # type: ignore[attr-defined]
        return token

    def _take_current(self) -> P | None:
        if self._delivered:
            return None
        self._delivered = True
        return self._response

    def _next_request(self) -> Message | None:
        if not self.next_page_token:
            return None
        request = type(self._request)()
        request.CopyFrom(self._request)
        request.page_token = self.next_page_token  # type: ignore[attr-defined]
        return request

    def _arrived(self, response: P) -> None:
        self._response = response
        self._delivered = False
        self.pages_fetched += 1

    def _items(self, page: P) -> Sequence[T]:
        items: Sequence[T] = getattr(page, self._items_field)
        return items

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._rpc.name} pages_fetched={self.pages_fetched}>"


class Pager(_PageCursor[T, P]):
    """Items of a list call across pages (``for item in pager``), or whole pages (``pager.pages``)."""

    def __init__(self, rpc: Rpc[Any, P], request: Message, response: P, fetch: Callable[[Message], P]) -> None:
        super().__init__(rpc, request, response)
        self._fetch = fetch

    @property
    def pages(self) -> Iterator[P]:
        while True:
            current = self._take_current()
            if current is not None:
                yield current
            following = self._next_request()
            if following is None:
                return
            self._arrived(self._fetch(following))

    def __iter__(self) -> Iterator[T]:
        for page in self.pages:
            yield from self._items(page)


class AsyncPager(_PageCursor[T, P]):
    """Items of a list call across pages (``async for item in pager``), or whole pages (``pager.pages``)."""

    def __init__(
        self, rpc: Rpc[Any, P], request: Message, response: P, fetch: Callable[[Message], Awaitable[P]]
    ) -> None:
        super().__init__(rpc, request, response)
        self._fetch = fetch

    @property
    async def pages(self) -> AsyncIterator[P]:
        while True:
            current = self._take_current()
            if current is not None:
                yield current
            following = self._next_request()
            if following is None:
                return
            self._arrived(await self._fetch(following))

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages:
            for item in self._items(page):
                yield item


__all__ = ["AsyncPager", "Pager"]
