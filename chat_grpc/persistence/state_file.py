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

**Integrity.** Each record carries a digest chained to the one before it (SHA-256 over the previous digest
and the record), and ``meta.head`` holds the last record's number and digest, updated in the same
transaction as the record. On open the file is checked before anything is replayed: an SQLite database
(``PRAGMA quick_check``), the tables and columns of this format, its version, a hex page-token secret,
records numbered 1, 2, 3, ... without a gap, every digest, and the head. Any damage (an empty or truncated
file, a deleted or edited record, ...) is a ``StateError`` naming the file and what is wrong: the emulator
never starts an empty or partial workspace in its place.

The file is held with an exclusive lock while the emulator runs: a second emulator on the same file is
refused. On close the write-ahead log is checkpointed into the file, so after a clean stop the single file
is whole; ``backup(source, target)`` (``python -m chat_grpc.server state backup SRC DST``) copies a stopped
emulator's state, log included, with SQLite's online backup. The journal only grows; ``--export`` writes a
compact workspace file when you want a snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
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
from google.protobuf.message import DecodeError

from chat_grpc.fake.auth import Credentials
from chat_grpc.fake.clock import ClockProxy
from chat_grpc.fake.errors import ChatError, FailedPrecondition
from chat_grpc.fake.ids import IdGenerator, IdGeneratorProxy
from chat_grpc.fake.pagination import PageTokens
from chat_grpc.fake.rpc import Media
from chat_grpc.fake.store import AuthKind, ChatStore
from chat_grpc.workspace.seed import Workspace, load_workspace, workspace_source

if TYPE_CHECKING:
    from chat_grpc.fake.core import ChatCore, Execute

FORMAT = "chat-grpc-state"
FORMAT_VERSION = 2  # 2: records carry chained digests (``digest``) and meta holds the ``head``
_READABLE_VERSIONS = ("1", "2")  # a version 1 file is upgraded (its records sealed as they are) when opened
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
    recorded_at TEXT NOT NULL,   -- wall-clock time of the record (information only)
    digest TEXT                  -- SHA-256 (hex) of the previous record's digest and this record
);
CREATE TABLE IF NOT EXISTS media (
    seq INTEGER PRIMARY KEY,     -- the journal record whose call uploaded these bytes
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
"""
_JOURNAL_COLUMNS = ("seq", "kind", "rpc", "credentials", "payload", "tape", "recorded_at")
_META_KEYS = ("format", "format_version", "created_at", "page_token_secret")
_GENESIS = "0" * 64


def _digest(previous: str, kind: str, rpc: str | None, credentials: str | None, payload: bytes, tape: str) -> str:
    """The chained digest of one record (not a secret: it detects damage and edits by hand, not forgery)."""
    h = hashlib.sha256()
    for part in (previous, kind, rpc or "", credentials or ""):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    h.update(len(payload).to_bytes(8, "big") + payload)
    h.update(tape.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class StateError(Exception):
    """The state file cannot be used: not one, another version, in use, or its journal does not replay.
    Its message is one line of printable text (what a damaged file holds is never echoed raw)."""

    def __init__(self, message: str) -> None:
        text = "".join(c if c.isprintable() else "?" for c in str(message))
        super().__init__(text if len(text) <= 400 else text[:397] + "...")


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
    """An open state file: the journal of one emulator's changes. Use ``StateFile.attach(server.core, path)``."""

    def __init__(self, path: str | os.PathLike[str], store: ChatStore) -> None:
        self.path = os.fspath(path)
        self.store = store
        self._tape = _Tape()
        self._failed: str | None = None
        self.replayed = 0
        self._head = (0, _GENESIS)  # the last record's seq and digest
        self._new = not os.path.exists(self.path)
        if not self._new:
            _check_file(self.path)
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
            if "malformed" in str(error) or "corrupt" in str(error):
                raise StateError(f"{self.path} is damaged ({error}); restore a backup or start a new file") from None
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
            if not self._new:
                problems = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
                if problems != ["ok"]:
                    raise StateError(
                        f"{self.path} is damaged (SQLite: {'; '.join(problems)[:200]});"
                        " restore a backup or start a new file"
                    )
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables and not self._new:
                raise StateError(
                    f"{self.path} is an empty SQLite database, not a chat-grpc state file"
                    " (remove it to start a new one)"
                )
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
                        ("head", f"0 {_GENESIS}"),
                    ],
                )
            elif not {"meta", "journal"} <= tables:
                raise StateError(f"{self.path} is an SQLite database but not a chat-grpc state file")
            elif "media" not in tables:  # a file from before uploads carried bytes: same format, one more table
                db.execute(_SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS media") :])
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                raise StateError(f"{self.path} is an SQLite database but not a chat-grpc state file")
            if meta.get("format_version") not in _READABLE_VERSIONS:
                raise StateError(
                    f"{self.path} was written by state format version {meta.get('format_version')}; this emulator"
                    f" reads version {FORMAT_VERSION} (export the workspace with the emulator that wrote it)"
                )
            self._check_schema(meta)
            if meta["format_version"] == "1":
                self._upgrade_from_1(meta)
            self.meta = meta
            self._check_journal()
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _check_schema(self, meta: dict[str, str]) -> None:
        db = self._db
        missing = [key for key in _META_KEYS if key not in meta]
        if missing:
            raise StateError(f"{self.path} is damaged: its meta table lacks {', '.join(missing)}")
        columns = {row[1] for row in db.execute("PRAGMA table_info(journal)")}
        lacking = [c for c in _JOURNAL_COLUMNS if c not in columns]
        if lacking:
            raise StateError(f"{self.path} is damaged: its journal table lacks the column(s) {', '.join(lacking)}")
        secret = meta["page_token_secret"]
        try:
            valid = len(bytes.fromhex(secret)) >= 16
        except ValueError:
            valid = False
        if not valid:
            raise StateError(f"{self.path} is damaged: its page_token_secret is not at least 16 bytes of hex")
        if meta["format_version"] != "1" and ("digest" not in columns or "head" not in meta):
            raise StateError(f"{self.path} is damaged: version {meta['format_version']} without record digests")

    def _upgrade_from_1(self, meta: dict[str, str]) -> None:
        """Seal a version 1 journal as it is (it had no digests) and mark the file version 2."""
        db = self._db
        db.execute("ALTER TABLE journal ADD COLUMN digest TEXT")
        previous, seq = _GENESIS, 0
        rows = db.execute("SELECT seq, kind, rpc, credentials, payload, tape FROM journal ORDER BY seq").fetchall()
        for seq, kind, rpc, credentials, payload, tape in rows:
            previous = _digest(previous, str(kind), rpc, credentials, bytes(payload), str(tape))
            db.execute("UPDATE journal SET digest = ? WHERE seq = ?", (previous, seq))
        meta["head"], meta["format_version"] = f"{seq} {previous}", str(FORMAT_VERSION)
        db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [("head", meta["head"]), ("format_version", meta["format_version"])],
        )

    def _check_journal(self) -> None:
        """Records numbered 1, 2, ... without a gap, each digest chained to the previous one, up to the head."""
        previous, expected = _GENESIS, 1
        rows = self._db.execute("SELECT seq, kind, rpc, credentials, payload, tape, digest FROM journal ORDER BY seq")
        for seq, kind, rpc, credentials, payload, tape, digest in rows:
            if seq != expected:
                gap = f"records {expected} to {seq - 1} are" if seq - 1 > expected else f"record {expected} is"
                raise StateError(f"{self.path} is damaged: {gap} missing from the journal (deleted?)")
            if not isinstance(kind, str) or not isinstance(tape, str) or not isinstance(payload, bytes | str):
                raise StateError(f"{self.path} is damaged: record {seq} has values of the wrong type")
            data = payload.encode() if isinstance(payload, str) else payload
            previous = _digest(previous, kind, rpc, credentials, data, tape)
            if digest != previous:
                raise StateError(
                    f"{self.path} is damaged: record {seq} ({rpc or kind}) was changed after it was written"
                )
            expected += 1
        head_seq, _, head_digest = self.meta.get("head", "").partition(" ")
        if head_seq != str(expected - 1) or head_digest != previous:
            raise StateError(
                f"{self.path} is damaged: the journal ends at record {expected - 1} but the file recorded"
                f" {head_seq or '?'} changes (records deleted, or a log file lost)"
            )
        self._head = (expected - 1, previous)

    @classmethod
    def attach(cls, core: ChatCore, path: str | os.PathLike[str]) -> StateFile:
        """Open ``path`` (created if missing), replay its journal into the core's store, and record every later
        change the core serves. Call before the server starts serving (``StateFile.attach(server.core, path)``)."""
        state = cls(path, core.store)
        try:
            state._install(core)
            state.replay(core)
        except BaseException:
            state.close()
            raise
        core.state = state
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
        except (ValueError, KeyError, TypeError, DecodeError, RecursionError) as error:
            raise StateError(f"{self.path}: {what} is damaged: {error}") from None
        finally:
            tape_state.mode, tape_state.entries, tape_state.position = "", [], 0

    # -------------------------------------------------------------- recording

    def run(
        self,
        rpc: str,
        credentials: Credentials,
        request: Any,
        execute: Execute,
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
        tape = json.dumps(entries)
        seq, previous = self._head
        digest = _digest(previous, kind, rpc, credentials, payload, tape)
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO journal (seq, kind, rpc, credentials, payload, tape, recorded_at, digest)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq + 1, kind, rpc, credentials, payload, tape, datetime.now(UTC).isoformat(), digest),
                )
                if media is not None:  # the uploaded bytes, in the same transaction as their record
                    db.execute(
                        "INSERT INTO media (seq, content_type, data) VALUES (?, ?, ?)",
                        (seq + 1, media.content_type, media.data),
                    )
                db.execute("UPDATE meta SET value = ? WHERE key = 'head'", (f"{seq + 1} {digest}",))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            self._head = (seq + 1, digest)
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            # The change is in memory but not on disk: refuse later changes, which might build on it.
            self._failed = str(error)
            raise StateError(f"{self.path}: cannot record the change: {error}") from error

    def forget(self) -> None:
        """Delete every record (a new file whose startup seeding failed: the next start seeds it again)."""
        with self.store.lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM media")
            self._db.execute("DELETE FROM journal")
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'head'", (f"0 {_GENESIS}",))
            self._db.execute("COMMIT")
            self._head = (0, _GENESIS)

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Copy the state, as of now, to ``target`` (a new single file, with no log beside it)."""
        with self.store.lock:
            _backup_connection(self._db, os.fspath(target))

    def close(self) -> None:
        """Checkpoint the write-ahead log into the file (so the file alone is whole) and close it."""
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with contextlib.suppress(sqlite3.Error):
            self._db.close()


# ------------------------------------------------------------------ checks and backups of files

_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_file(path: str) -> None:
    """What can be said of an existing file before SQLite opens it (SQLite takes an empty file for a new one)."""
    if os.path.isdir(path):
        raise StateError(f"{path} is a directory, not a chat-grpc state file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as file:
            head = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise StateError(f"{path}: cannot read the state file: {error.strerror or error}") from None
    wal = path + "-wal"
    if size == 0 and not (os.path.exists(wal) and os.path.getsize(wal) > 0):
        raise StateError(f"{path} is empty (0 bytes), not a chat-grpc state file (remove it to start a new one)")
    if (size and head != _SQLITE_MAGIC[: len(head)]) or 0 < size < 512:
        raise StateError(f"{path} is not a chat-grpc state file (not an SQLite database)")


def _backup_connection(source: sqlite3.Connection, target: str) -> None:
    if os.path.exists(target):
        raise StateError(f"{target} exists already; a backup goes to a new file")
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single file, no -wal beside it
    finally:
        copy.close()


def backup(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> int:
    """Back up the state file ``source`` (of a stopped emulator; its -wal log included) to the new file
    ``target`` with SQLite's online backup, after checking both; returns how many records it holds."""
    source, target = os.fspath(source), os.fspath(target)
    if not os.path.exists(source):
        raise StateError(f"{source}: no such state file")
    state = StateFile(source, ChatStore())
    try:
        _backup_connection(state._db, target)
        records = state.records
    finally:
        state.close()
    StateFile(target, ChatStore()).close()  # the copy passes the same checks
    return records


def check(path: str | os.PathLike[str]) -> int:
    """Check the state file ``path`` as the emulator would on start (without replaying it); its record count."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise StateError(f"{path}: no such state file")
    state = StateFile(path, ChatStore())
    try:
        return state.records
    finally:
        state.close()
