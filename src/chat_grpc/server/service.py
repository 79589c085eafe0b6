"""The ChatService servicer: every RPC goes through ``_serve``: injected fault -> credentials -> policy ->
handler -> response, with any failure turned into a status by ``status.abort``, and the call recorded in
the journal. RPCs without a handler answer UNIMPLEMENTED (inherited from the generated base class)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grpc
from google.chat.v1 import chat_service_pb2_grpc

from chat_grpc.server import auth, handlers, status
from chat_grpc.server.errors import ChatError, Unauthenticated
from chat_grpc.server.faults import Faults
from chat_grpc.server.journal import Journal
from chat_grpc.server.pagination import PageTokens
from chat_grpc.server.rpc import HANDLERS, Call
from chat_grpc.server.store import ChatStore

if TYPE_CHECKING:
    from chat_grpc.server.persistence import StateFile

handlers.load()


class ChatServicer(chat_service_pb2_grpc.ChatServiceServicer):
    def __init__(
        self,
        store: ChatStore,
        tokens: auth.TokenRegistry,
        page_tokens: PageTokens,
        *,
        default_credentials: auth.Credentials | None = None,
        faults: Faults | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.page_tokens = page_tokens
        self.default_credentials = default_credentials
        self.faults = faults
        self.journal = journal
        self.state: StateFile | None = None  # --state: records every change durably (persistence.py)

    def credentials(self, context: grpc.ServicerContext) -> auth.Credentials:
        token = auth.bearer_token(context.invocation_metadata() or ())
        if token is None:
            if self.default_credentials is not None:
                return self.default_credentials
            raise Unauthenticated("missing 'authorization: Bearer <token>' metadata")
        return self.tokens.lookup(token, self.store)

    def _principal_name(self, context: grpc.ServicerContext) -> str | None:
        try:
            return f"users/{self.credentials(context).principal_id}"
        except ChatError:
            return None

    def execute(self, rpc: str, credentials: auth.Credentials, request: Any) -> Any:
        """Authorize and handle one call: what a state file records and replays."""
        actor = auth.authorize(
            rpc, credentials, self.store, use_admin_access=bool(getattr(request, "use_admin_access", False))
        )
        return HANDLERS[rpc](Call(rpc, actor, self.store, self.page_tokens), request)

    def _serve(self, rpc: str, request: Any, context: grpc.ServicerContext) -> Any:
        arrived, started = datetime.now(UTC), time.perf_counter()
        fired = self.faults.take(rpc) if self.faults is not None else None
        principal: str | None = None
        code, details = "OK", ""
        try:
            if fired is not None:  # before anything else, like a network fault (faults.py)
                fired.apply(context)
            credentials = self.credentials(context)
            principal = f"users/{credentials.principal_id}"
            if self.state is not None:
                return self.state.run(rpc, credentials, request, self.execute)
            return self.execute(rpc, credentials, request)
        except Exception as raised:  # the one place where every failure becomes a status
            error = status.to_chat_error(raised, rpc)
            code, details = error.code, error.message
            status.abort(context, error, rpc)
        finally:  # recorded before the answer leaves, so a caller sees its call in the journal on return
            if self.journal is not None:
                if principal is None and fired is not None:  # the fault came first: still name the caller
                    principal = self._principal_name(context)
                self.journal.record(
                    rpc,
                    request,
                    principal=principal,
                    metadata=context.invocation_metadata() or (),
                    code=code,
                    details=details,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    time=arrived,
                    fault=fired.describe() if fired is not None else None,
                )


def _method(rpc: str) -> Any:
    def method(self: ChatServicer, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve(rpc, request, context)

    method.__name__ = rpc
    return method


for _rpc in HANDLERS:
    setattr(ChatServicer, _rpc, _method(_rpc))
