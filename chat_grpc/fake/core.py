"""The protocol-neutral entry of the fake: every call, whichever door it came through (gRPC or REST), goes
through ``ChatCore.serve``: injected fault -> credentials -> policy -> handler -> response, recorded in the
journal. It raises ``ChatError`` (or, for a bug, anything else); each door turns that into its own wire
error through ``status`` — so authorization, validation, faults, idempotency, page tokens and persistence
are the same on both doors, and no RPC logic is written twice.

A door describes one call with a ``Door``: which face (``"grpc"``, ``"rest"``), the request metadata (HTTP
headers become lowercase metadata pairs), how to wait out an injected delay while noticing that the caller
went away, and any uploaded media (REST media uploads; gRPC calls carry none).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chat_grpc.fake import auth, handlers
from chat_grpc.fake.errors import ChatError, Unauthenticated, Unimplemented
from chat_grpc.fake.faults import Faults, Fired
from chat_grpc.fake.journal import Journal
from chat_grpc.fake.pagination import PageTokens
from chat_grpc.fake.rpc import HANDLERS, Call, Media
from chat_grpc.fake.store import ChatStore
from chat_grpc.fake.wire_checks import check_enums

if TYPE_CHECKING:
    from collections.abc import Sequence

handlers.load()


BUSY: Any = object()  # serve_if_free: the call would have to wait


Execute = Callable[[str, auth.Credentials, Any, Any], Any]  # ChatCore.execute: (rpc, credentials, request, media)


class Recorder(Protocol):
    """What the core asks of a state file (``chat_grpc.persistence``, attached by the server): run a call through
    ``execute`` so that a change it makes is durable before its response is returned."""

    def run(self, rpc: str, credentials: auth.Credentials, request: Any, execute: Execute, media: Any = None) -> Any:
        """Serve one call, recording it when it changes state."""
        ...


class Door(Protocol):
    """One call as its door sees it."""

    @property
    def face(self) -> str: ...  # "grpc" or "rest"

    def metadata(self) -> Sequence[tuple[str, str | bytes]]: ...

    def wait(self, seconds: float) -> str | None:
        """Wait ``seconds`` (an injected delay); None when waited out, else the status code name that ends
        the call because the caller went away meanwhile (``CANCELLED``, ``DEADLINE_EXCEEDED``)."""
        ...


@dataclass
class PlainDoor:
    """A door with fixed metadata and a plain sleep (tests, in-process callers)."""

    face: str = "test"
    headers: tuple[tuple[str, str | bytes], ...] = ()

    def metadata(self) -> Sequence[tuple[str, str | bytes]]:
        return self.headers

    def wait(self, seconds: float) -> str | None:
        time.sleep(seconds)
        return None


class ChatCore:
    """State, callers, faults and journal of one fake Chat service, and the one way calls are served."""

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
        self.state: Recorder | None = None  # --state: records every change durably (chat_grpc.persistence)

    def credentials(self, metadata: Sequence[tuple[str, str | bytes]]) -> auth.Credentials:
        token = auth.bearer_token(metadata)
        if token is None:
            if self.default_credentials is not None:
                return self.default_credentials
            raise Unauthenticated("missing 'authorization: Bearer <token>' metadata")
        return self.tokens.lookup(token, self.store)

    def _principal_name(self, metadata: Sequence[tuple[str, str | bytes]]) -> str | None:
        try:
            return f"users/{self.credentials(metadata).principal_id}"
        except ChatError:
            return None

    def execute(self, rpc: str, credentials: auth.Credentials, request: Any, media: Media | None = None) -> Any:
        """Check, authorize and handle one call: what a state file records and replays."""
        check_enums(request)  # the one check that every enum field holds a number its enum defines
        actor = auth.authorize(
            rpc, credentials, self.store, use_admin_access=bool(getattr(request, "use_admin_access", False))
        )
        return HANDLERS[rpc](Call(rpc, actor, self.store, self.page_tokens, media), request)

    def take_fault(self, rpc: str) -> Fired | None:
        return self.faults.take(rpc) if self.faults is not None else None

    def serve_if_free(
        self, rpc: str, request: Any, door: Door, media: Media | None = None, *, fired: Fired | bool | None = True
    ) -> Any:
        """``serve`` at once when nothing can make it wait — the store's lock is free and no state file will
        write to disk — else ``BUSY`` without doing anything (an event loop then hands the call to a thread)."""
        if self.state is not None:
            return BUSY
        lock = self.store.lock
        if not lock.acquire(blocking=False):
            return BUSY
        try:
            return self.serve(rpc, request, door, media, fired=fired)
        finally:
            lock.release()

    def serve(
        self, rpc: str, request: Any, door: Door, media: Media | None = None, *, fired: Fired | bool | None = True
    ) -> Any:
        """Serve one call; raises the failure (a ChatError, or a bug) for the door to turn into its error.
        ``fired``: the fault the door already took for this call (None: none fired), or True to take it here."""
        arrived, started = time.time(), time.perf_counter()  # the journal makes ``arrived`` a datetime when read
        if fired is True:
            fired = self.faults.take(rpc) if self.faults is not None else None
        elif fired is False:
            fired = None
        principal: str | None = None
        code, details = "OK", ""
        response: Any = None
        metadata = door.metadata()
        try:
            if fired is not None:  # before anything else, like a network fault (faults.py)
                fired.apply(door)
            credentials = self.credentials(metadata)
            principal = f"users/{credentials.principal_id}"
            if rpc not in HANDLERS:
                raise Unimplemented(f"the fake Chat service does not implement {rpc}")
            if self.state is not None:
                response = self.state.run(rpc, credentials, request, self.execute, media)
            else:
                response = self.execute(rpc, credentials, request, media)
            return response
        except ChatError as error:
            code, details = error.code, error.message
            raise
        except Exception:
            code, details = "INTERNAL", f"internal error in the fake Chat service while serving {rpc}"
            raise
        finally:  # recorded before the answer leaves, so a caller sees its call in the journal on return
            journal = self.journal
            if journal is not None:
                if principal is None and fired is not None:  # the fault came first: still name the caller
                    principal = self._principal_name(metadata)
                journal.add(
                    rpc,
                    request,
                    principal,
                    metadata,
                    code,
                    details,
                    (time.perf_counter() - started) * 1000,
                    arrived,
                    fired.describe() if fired is not None else None,
                    door.face,
                    response,
                )
