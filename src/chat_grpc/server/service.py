"""The ChatService servicer: every RPC goes through ``_serve``: credentials -> policy -> handler -> response,
with any failure turned into a status by ``status.abort``. RPCs without a handler answer UNIMPLEMENTED
(inherited from the generated base class)."""

from __future__ import annotations

from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2_grpc

from chat_grpc.server import auth, handlers, status
from chat_grpc.server.errors import Unauthenticated
from chat_grpc.server.pagination import PageTokens
from chat_grpc.server.rpc import HANDLERS, Call
from chat_grpc.server.store import ChatStore

handlers.load()


class ChatServicer(chat_service_pb2_grpc.ChatServiceServicer):
    def __init__(
        self,
        store: ChatStore,
        tokens: auth.TokenRegistry,
        page_tokens: PageTokens,
        *,
        default_credentials: auth.Credentials | None = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.page_tokens = page_tokens
        self.default_credentials = default_credentials

    def credentials(self, context: grpc.ServicerContext) -> auth.Credentials:
        token = auth.bearer_token(context.invocation_metadata() or ())
        if token is None:
            if self.default_credentials is not None:
                return self.default_credentials
            raise Unauthenticated("missing 'authorization: Bearer <token>' metadata")
        return self.tokens.lookup(token, self.store)

    def _serve(self, rpc: str, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            actor = auth.authorize(
                rpc,
                self.credentials(context),
                self.store,
                use_admin_access=bool(getattr(request, "use_admin_access", False)),
            )
            return HANDLERS[rpc](Call(rpc, actor, self.store, self.page_tokens), request)
        except Exception as error:  # the one place where every failure becomes a status
            status.abort(context, error, rpc)


def _method(rpc: str) -> Any:
    def method(self: ChatServicer, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve(rpc, request, context)

    method.__name__ = rpc
    return method


for _rpc in HANDLERS:
    setattr(ChatServicer, _rpc, _method(_rpc))
