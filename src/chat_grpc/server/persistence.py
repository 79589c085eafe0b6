"""Durable state for the emulator (``--state PATH``): an append-only journal in SQLite of every change, replayed
when the emulator starts again, so that a restart keeps everything it acknowledged.

**What is recorded.** Every successful mutating RPC (every RPC but the ``Get*``, ``List*``, ``Search*`` and
``Find*`` reads): its name, the caller's credentials (principal, kind, scopes, app: what the token
stood for, so server-issued tokens need not survive), the request's bytes, the bytes it uploaded (media of
``UploadAttachment``, in table ``media``), and the *tape* of the call: every
clock reading and every id it drew, in order. Seeding at startup (``--demo``, ``--seed FILE``) is one more
record holding the workspace mapping (images inlined) and its tape.

**When.** The mutating call runs with the store's lock held from authorization to the end of the record's
commit, and the record is committed (WAL, ``synchronous=FULL``) before the response is returned to gRPC: the
journal's order is the order the changes happened, and a write whose response left the server is on disk, so
it survives SIGKILL (and power loss). A call that fails changes nothing and is not recorded.

**Replay.** Each record runs again through the same code (``ChatServicer.execute``, ``load_workspace``) while
the clock and the id generator answer from its tape; a call that reads the clock or draws an id differently
than it did, or fails, means the state file does not match this emulator (``StateError``). The result is the
same store: the same names, times, threads, read states and space events.

The file is held with an exclusive lock while the emulator runs: a second emulator on the same file is
refused. The journal only grows; ``--export`` writes a compact workspace file when you want a snapshot.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.chat.v1 import chat_service_pb2
from google.protobuf import message_factory

from chat_grpc.server.auth import Credentials
from chat_grpc.server.clock import ClockProxy
from chat_grpc.server.errors import ChatError, FailedPrecondition
from chat_grpc.server.ids import IdGenerator, IdGeneratorProxy
from chat_grpc.server.pagination import PageTokens
from chat_grpc.server.rpc import Media
from chat_grpc.server.seed import Workspace, load_workspace, workspace_source
from chat_grpc.server.store import AuthKind, ChatStore

if TYPE_CHECKING:
    from chat_grpc.server.core import ChatCore
    from chat_grpc.server.server import ChatServer

FORMAT = "chat-grpc-state"
FORMAT_VERSION = 1
_SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
# Reads are the gets, lists, searches and finds (AIP-131/132/136 naming); every other RPC changes state.
MUTATING_RPCS = frozenset(m.name for m in _SERVICE.methods if not m.name.startswith(("Get", "List", "Search", "Find")))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,          -- 'rpc' | 'seed'
    rpc TEXT,                    -- the RPC of an 'rpc' record
    credentials TEXT,            -- JSON: principal_id, kind, scopes, app_id
    payload BLOB NOT NULL,       -- the request's bytes, or the workspace mapping (JSON)
    tape TEXT NOT NULL,          -- JSON: [["t", microseconds] | ["<kind><n>", id], ...] in the order drawn
    recorded_at TEXT NOT NULL    -- wall-clock time of the record (information only)
);
CREATE TABLE IF NOT EXISTS media (
    seq INTEGER PRIMARY KEY,     -- the journal record whose call uploaded these bytes
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
"""


class StateError(Exception):
    """The state file cannot be used: not one, another version, in use, or its journal does not replay."""


# ------------------------------------------------------------------ the tape: clock readings and ids


class _Tape(threading.local):
    """What the current thread's recorded or replayed call reads from the clock and draws as ids."""

    def __init__(self) -> None:
        self.mode = ""  # "" | "record" | "replay"
        self.entries: list[list[Any]] = []
        self.position = 0

    def take(self, kind: str) -> Any:
        if self.position >= len(self.entries):
            raise StateError(f"the call drew more than it did when it was recorded (one more {kind!r})")
        entry = self.entries[self.position]
        if entry[0] != kind:
            raise StateError(f"the call drew {kind!r} where it drew {entry[0]!r} when it was recorded")
        self.position += 1
        return entry[1]


class _TapeClock(ClockProxy):
    def __init__(self, inner: Any, tape: _Tape) -> None:
        super().__init__(inner)
        self.tape = tape

    def now(self) -> datetime:
        tape = self.tape
        if tape.mode == "replay":
            micros: int = tape.take("t")
            return _EPOCH + timedelta(microseconds=micros)
        when = self.inner.now()
        if tape.mode == "record":
            tape.entries.append(["t", (when - _EPOCH) // timedelta(microseconds=1)])
        return when


class _TapeIds(IdGeneratorProxy):
    def __init__(self, inner: IdGenerator, tape: _Tape) -> None:
        super().__init__(inner)
        self.tape = tape

    def _next(self, kind: str, n: int, make: Callable[[], str]) -> str:
        tape = self.tape
        if tape.mode == "replay":
            value: str = tape.take(f"{kind}{n}")
            if self.remembered(kind, n):
                self.inner.reserve(value)
            return value
        value = make()
        if tape.mode == "record":
            tape.entries.append([f"{kind}{n}", value])
        return value


# ------------------------------------------------------------------ the state file


def _credentials_json(credentials: Credentials) -> str:
    return json.dumps(
        {
            "principal_id": credentials.principal_id,
            "kind": credentials.kind.value,
            "scopes": sorted(credentials.scopes),
            "app_id": credentials.app_id,
        }
    )


def _credentials(text: str) -> Credentials:
    data = json.loads(text)
    return Credentials(data["principal_id"], AuthKind(data["kind"]), frozenset(data["scopes"]), data["app_id"])


def _request_class(rpc: str) -> Any:
    method = _SERVICE.methods_by_name.get(rpc)
    if method is None:
        raise StateError(f"unknown RPC {rpc!r}")
    return message_factory.GetMessageClass(method.input_type)


class StateFile:
    """An open state file: the journal of one emulator's changes. Use ``StateFile.attach(server, path)``."""

    def __init__(self, path: str | os.PathLike[str], store: ChatStore) -> None:
        self.path = os.fspath(path)
        self.store = store
        self._tape = _Tape()
        self._failed: str | None = None
        self.replayed = 0
        try:
            # timeout: how long to wait for a lock another process holds (that emulator keeps it: fail soon)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=0.5)
        except sqlite3.Error as error:
            raise StateError(f"{self.path}: cannot open the state file: {error}") from None
        try:
            self._open()
        except sqlite3.OperationalError as error:
            self._db.close()
            if "locked" in str(error):
                raise StateError(f"{self.path} is in use by another emulator process") from None
            raise StateError(f"{self.path}: cannot use the state file: {error}") from None
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise StateError(f"{self.path} is not a chat-grpc state file (not an SQLite database: {error})") from None
        except StateError:
            self._db.close()
            raise

    def _open(self) -> None:
        db = self._db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")  # one emulator per file; the lock dies with the process
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("BEGIN IMMEDIATE")  # takes the lock now: a second emulator fails here, not later
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("format_version", str(FORMAT_VERSION)),
                        ("created_at", datetime.now(UTC).isoformat()),
                        ("page_token_secret", secrets.token_hex(32)),
                    ],
                )
            elif not {"meta", "journal"} <= tables:
                raise StateError(f"{self.path} is an SQLite database but not a chat-grpc state file")
            elif "media" not in tables:  # a file from before uploads carried bytes: same format, one more table
                db.execute(_SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS media") :])
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                raise StateError(f"{self.path} is an SQLite database but not a chat-grpc state file")
            if meta.get("format_version") != str(FORMAT_VERSION):
                raise StateError(
                    f"{self.path} was written by state format version {meta.get('format_version')}; this emulator"
                    f" reads version {FORMAT_VERSION} (export the workspace with the emulator that wrote it)"
                )
            self.meta = meta
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    @classmethod
    def attach(cls, server: ChatServer, path: str | os.PathLike[str]) -> StateFile:
        """Open ``path`` (created if missing), replay its journal into the server's store, and record every
        later change. Call before the server starts serving."""
        store = server.store
        state = cls(path, store)
        try:
            state._install(server.core)
            state.replay(server.core)
        except BaseException:
            state.close()
            raise
        server.core.state = state
        return state

    def _install(self, core: ChatCore) -> None:
        store = self.store
        if not isinstance(store.clock, _TapeClock):
            store.clock = _TapeClock(store.clock, self._tape)
        if not isinstance(store.ids, _TapeIds):
            store.ids = _TapeIds(store.ids, self._tape)
        # Page tokens issued before a restart stay valid after it.
        core.page_tokens = PageTokens(bytes.fromhex(self.meta["page_token_secret"]))

    @property
    def records(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM journal").fetchone()
        return int(row[0])

    # -------------------------------------------------------------- replay

    def replay(self, core: ChatCore) -> int:
        """Run every record again; returns how many there were."""
        count = 0
        try:
            rows = self._db.execute(
                "SELECT journal.seq, kind, rpc, credentials, payload, tape, media.content_type, media.data"
                " FROM journal LEFT JOIN media ON media.seq = journal.seq ORDER BY journal.seq"
            ).fetchall()
            for seq, kind, rpc, credentials, payload, tape, content_type, data in rows:
                media = Media(bytes(data), content_type) if data is not None else None
                self._replay_one(core, seq, kind, rpc, credentials, payload, tape, media)
                count += 1
        except sqlite3.DatabaseError as error:
            raise StateError(f"{self.path}: the journal cannot be read ({error}); the file is damaged") from None
        if count:
            self.store.ids.fork(f"state/{count}")  # a seeded generator must not draw the replayed ids again
        self.replayed = count
        return count

    def _replay_one(
        self,
        core: ChatCore,
        seq: int,
        kind: str,
        rpc: str | None,
        credentials: str | None,
        payload: Any,
        tape: str,
        media: Media | None = None,
    ) -> None:
        what = f"record {seq} ({rpc or kind})"
        tape_state = self._tape
        try:
            tape_state.mode, tape_state.entries, tape_state.position = "replay", json.loads(tape), 0
            with self.store.lock:
                if kind == "rpc" and rpc is not None and credentials is not None:
                    request = _request_class(rpc).FromString(bytes(payload))
                    core.execute(rpc, _credentials(credentials), request, media)
                elif kind == "seed":
                    load_workspace(self.store, json.loads(bytes(payload).decode()))
                else:
                    raise StateError(f"unknown kind of record {kind!r}")
            if tape_state.position != len(tape_state.entries):
                raise StateError("the call drew less than it did when it was recorded")
        except StateError as error:
            raise StateError(f"{self.path}: {what} does not replay: {error}") from None
        except ChatError as error:
            raise StateError(
                f"{self.path}: {what} does not replay ({error}); the file was written by another version of the"
                " emulator or changed by hand"
            ) from None
        except (ValueError, KeyError, TypeError) as error:
            raise StateError(f"{self.path}: {what} is damaged: {error}") from None
        finally:
            tape_state.mode, tape_state.entries, tape_state.position = "", [], 0

    # -------------------------------------------------------------- recording

    def run(
        self,
        rpc: str,
        credentials: Credentials,
        request: Any,
        execute: Callable[[str, Credentials, Any, Any], Any],
        media: Any = None,
    ) -> Any:
        """Serve one call; a mutating one is recorded (and durable) before this returns its response."""
        if rpc not in MUTATING_RPCS:
            return execute(rpc, credentials, request, media)
        with self.store.lock:
            self._usable()
            response = self._recorded(lambda: execute(rpc, credentials, request, media))
            self._append("rpc", rpc, _credentials_json(credentials), request.SerializeToString(), media)
            return response

    def load_workspace(self, source: str | os.PathLike[str] | Mapping[str, Any]) -> Workspace:
        """``seed.load_workspace``, recorded: a restart rebuilds the same workspace."""
        data = workspace_source(source)
        with self.store.lock:
            self._usable()
            workspace: Workspace = self._recorded(lambda: load_workspace(self.store, data))
            self._append("seed", None, None, json.dumps(data, ensure_ascii=False).encode())
            return workspace

    def _usable(self) -> None:
        if self._failed is not None:
            raise FailedPrecondition(
                f"the emulator's state file failed ({self._failed}); changes are refused until it restarts",
                reason="STATE_FILE_FAILED",
            )

    def _recorded(self, action: Callable[[], Any]) -> Any:
        tape = self._tape
        tape.mode, tape.entries, tape.position = "record", [], 0
        try:
            return action()
        finally:
            tape.mode = ""

    def _append(
        self, kind: str, rpc: str | None, credentials: str | None, payload: bytes, media: Media | None = None
    ) -> None:
        """One record, with the bytes the call uploaded (if any), in one transaction."""
        entries, self._tape.entries = self._tape.entries, []
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute(
                "INSERT INTO journal (kind, rpc, credentials, payload, tape, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, rpc, credentials, payload, json.dumps(entries), datetime.now(UTC).isoformat()),
            )
            if media is not None:
                db.execute(
                    "INSERT INTO media (seq, content_type, data) VALUES (?, ?, ?)",
                    (cursor.lastrowid, media.content_type, media.data),
                )
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            # The change is in memory but not on disk: refuse later changes, which might build on it.
            self._failed = str(error)
            raise StateError(f"{self.path}: cannot record the change: {error}") from error

    def forget(self) -> None:
        """Delete every record (a new file whose startup seeding failed: the next start seeds it again)."""
        with self.store.lock:
            self._db.execute("DELETE FROM media")
            self._db.execute("DELETE FROM journal")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
