"""The handler table: one entry per implemented RPC, filled by the ``@handler`` decorator.

A handler is a plain function ``(call, request) -> response``; authentication, authorization, error
mapping and anything else common to all RPCs happen once, in ``service.ChatServicer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from google.protobuf.message import Message

from chat_grpc.fake.pagination import PageTokens
from chat_grpc.fake.store import Actor, ChatStore


@dataclass(frozen=True)
class Media:
    """Bytes uploaded with a call (the REST door's media upload protocols); gRPC calls carry none."""

    data: bytes
    content_type: str = "application/octet-stream"


class Call(NamedTuple):
    """What a handler gets besides its request: who calls, the state, the page-token codec, and any
    uploaded media (made on every call: an immutable named tuple, cheaper to build than a frozen dataclass)."""

    rpc: str
    actor: Actor
    store: ChatStore
    page_tokens: PageTokens
    media: Media | None = None

    def page_cursor(self, token: str, request: dict[str, Any]) -> Any:
        return self.page_tokens.read(token, self.rpc, request)

    def next_page_token(self, request: dict[str, Any], cursor: Any) -> str:
        return "" if cursor is None else self.page_tokens.issue(self.rpc, request, cursor)


Handler = Callable[[Call, Any], Message]
HANDLERS: dict[str, Handler] = {}


def handler(rpc: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        if rpc in HANDLERS:
            raise RuntimeError(f"two handlers for {rpc}")
        HANDLERS[rpc] = function
        return function

    return register
