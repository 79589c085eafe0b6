"""Fuzzing the REST door against a real listener (issue 11, item 10).

A seeded generator sends random requests — methods, paths (valid templates with random or harvested ids,
unknown paths, percent-encoding, very long paths), query strings (unknown, repeated, bad enums and ints, bad
UTF-8 escapes, huge values), bodies (random JSON, wrong types, unknown fields, bad UTF-8, JSON nested 10,000
deep, 50 MB bodies), headers (bad Authorization, bad Content-Length) — over raw sockets (so nothing is
normalised on the way), while idle and slow connections stay open. It asserts:

* never a 500 (no 5xx but 501), every answer JSON (``{"error": {"code", "message", "status"}}`` for errors),
  every request answered within a timeout;
* gRPC health checks and REST calls keep being answered while the idle and slow connections are open;
* afterwards: nothing logged at ERROR by ``chat_grpc`` or ``uvicorn``; the journal's successful calls per RPC are
  the 200s the fuzzer saw; no space or message in the store that no successful response announced, and none gone
  without a successful delete.

Size: ``CHAT_REST_FUZZ_REQUESTS`` (default 400, a few seconds; ``make fuzz-rest`` runs 20,000),
``CHAT_REST_FUZZ_SEED`` (default 11), ``CHAT_REST_FUZZ_THREADS`` (default 2). A failure prints the request.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import random
import re
import resource
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chat_grpc.doors.rest.listener import RestListener
from chat_grpc.doors.rest.routes import Route
from chat_grpc.server import ChatServer
from chat_grpc.workspace.seed import load_workspace

REQUESTS = int(os.environ.get("CHAT_REST_FUZZ_REQUESTS", "400"))
SEED = int(os.environ.get("CHAT_REST_FUZZ_SEED", "11"))
THREADS = int(os.environ.get("CHAT_REST_FUZZ_THREADS", "2"))
TIMEOUT = 15.0  # seconds for any one answer (the machine is shared and slow)
DEMO = Path(__file__).parents[2] / "chat_grpc" / "workspace" / "demo_workspace.json"
APP_ID = "100000000000000000005"  # the demo workspace's app
BIG_BODY = 50 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------- raw HTTP


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


class NoAnswer(Exception):
    pass


def read_answer(sock: socket.socket, deadline: float, head_only: bool = False) -> Answer:
    started = time.perf_counter()
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock, deadline)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    if headers.get("transfer-encoding") == "chunked":
        raise AssertionError(f"a chunked answer (status {status}); the door always sends Content-Length")
    while len(rest) < length:
        rest += _recv(sock, deadline)
    return Answer(status, headers, rest[:length], time.perf_counter() - started)


def _recv(sock: socket.socket, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise NoAnswer("no complete answer in time")
    sock.settimeout(remaining)
    try:
        chunk = sock.recv(1 << 16)
    except TimeoutError:
        raise NoAnswer("no complete answer in time") from None
    if not chunk:
        raise NoAnswer("the server closed the connection without a complete answer")
    return chunk


class Connection:
    """One keep-alive connection; reopened after the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def send(self, raw: bytes, *, head_only: bool = False, timeout: float = TIMEOUT) -> Answer:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        deadline = time.monotonic() + timeout
        try:
            self.sock.sendall(raw)
            answer = read_answer(self.sock, deadline, head_only)
        except (OSError, NoAnswer):
            self.close()
            raise
        if answer.headers.get("connection", "").lower() == "close":
            self.close()
        return answer

    def send_large(self, head: bytes, body: Iterator[bytes]) -> Answer:
        """Send ``head`` then ``body`` chunk by chunk, stopping as soon as the server answers (a 413 comes
        before the body is through; the server then closes the connection)."""
        self.close()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
        deadline = time.monotonic() + TIMEOUT * 4
        try:
            sock.sendall(head)
            for chunk in body:
                if select.select([sock], [], [], 0)[0]:
                    break
                try:
                    sock.sendall(chunk)
                except OSError:  # the server answered and closed: read what it said
                    break
            return read_answer(sock, deadline)
        finally:
            sock.close()


def request_bytes(method: str, target: str, headers: list[tuple[str, str]], body: bytes | None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + (body or b"")


# ---------------------------------------------------------------------------------------------------- generator

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
ODD_METHODS = ["HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO", "get", "PROPFIND"]
USERS = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@partner.example"]
ODD_TEXT = ["", " ", "é", "€", "\u0000", "\ud7ff", "💬", "'", '"', "\\", "%", "%%", "..", "/", "?", "#", "&", "=", "+"]


@dataclass
class Case:
    method: str
    target: str  # the request target as sent (already percent-encoded)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    route: Route | None = None
    big: Iterator[bytes] | None = None  # a 50 MB body, sent by send_large
    expect: int | None = None  # an exact status this case must get
    own_connection: bool = False  # leaves the connection in an odd state (bad Content-Length)
    may_get_no_answer: bool = False  # Content-Length larger than the body: the server waits for the rest

    def __str__(self) -> str:
        body = self.body[:300] if self.body is not None else (b"<50 MB>" if self.big else None)
        return f"{self.method} {self.target[:300]} headers={self.headers} body={body!r}"


class Generator:
    def __init__(self, rng: random.Random, routes: list[Route], names: Names) -> None:
        self.rng = rng
        self.routes = routes
        self.names = names
        self.careful = False  # this case: mostly well-formed (to get deep into the handlers)

    # --- atoms

    def text(self, limit: int = 12) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            return "".join(
                rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_-") for _ in range(rng.randint(1, limit))
            )
        if kind < 0.8:
            return rng.choice(ODD_TEXT) * rng.randint(1, 3)
        if kind < 0.95:
            return "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, limit)))
        return "x" * rng.choice([1000, 5000, 20000])

    def pct(self, text: str) -> str:
        """``text`` percent-encoded, or raw, or with a broken escape."""
        roll = self.rng.random()
        if roll < 0.75:
            return quote(text, safe="")
        if roll < 0.85:
            return text.encode("utf-8", "replace").decode("latin-1")  # raw bytes: the parser may refuse them
        return quote(text, safe="") + self.rng.choice(["%", "%f", "%ff", "%c3", "%ed%a0%80", "%00", "%zz"])

    def scalar(self) -> object:
        return self.rng.choice(
            [
                0,
                -1,
                1,
                2**31,
                2**63,
                -(2**64),
                10**400,
                1.5,
                float("1e308"),
                True,
                False,
                None,
                "",
                "x",
                self.text(),
                "2024-01-01T00:00:00Z",
                "NaN",
                "Infinity",
                "-Infinity",
                "99999999999999999999",
                "SPACE",
                "DIRECT_MESSAGE",
                "ROLE_MANAGER",
                [],
                {},
                [1, "a"],
            ]
        )

    def json_value(self, depth: int = 0) -> object:
        rng = self.rng
        if depth > 3 or rng.random() < 0.5:
            return self.scalar()
        if rng.random() < 0.5:
            return [self.json_value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {self.text(8): self.json_value(depth + 1) for _ in range(rng.randint(0, 3))}

    def message_json(self, descriptor: Descriptor, depth: int = 0) -> dict[str, object]:
        """A JSON object shaped like ``descriptor``, with random values (mostly of the right kind)."""
        rng = self.rng
        out: dict[str, object] = {}
        fields = list(descriptor.fields)
        for fd in rng.sample(fields, min(len(fields), rng.randint(0, 5))):
            name = fd.json_name if rng.random() < 0.8 else fd.name
            value = self.field_json(fd, depth)
            if getattr(fd, "is_repeated", False) and not (fd.message_type and fd.message_type.GetOptions().map_entry):
                value = [value] if rng.random() < 0.8 else value
            out[name] = value
        if not self.careful and rng.random() < 0.1:
            out[self.text(8)] = self.json_value()  # an unknown field
        return out

    def field_json(self, fd: FieldDescriptor, depth: int) -> object:
        rng = self.rng
        if not self.careful and rng.random() < 0.08:
            return self.json_value()  # likely a wrong type
        kind = fd.type
        if kind == FieldDescriptor.TYPE_MESSAGE:
            full = fd.message_type.full_name
            if full == "google.protobuf.Timestamp":
                return rng.choice(["2024-05-01T10:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "bad"])
            if full == "google.protobuf.FieldMask":
                return ",".join(self.field_names(fd.containing_type))
            if full.startswith("google.protobuf."):
                return self.json_value()
            if depth > 4:
                return {}
            return self.message_json(fd.message_type, depth + 1)
        if kind == FieldDescriptor.TYPE_ENUM:
            values = [v.name for v in fd.enum_type.values]
            return rng.choice([*values, "NOT_A_VALUE", 999, 1])
        if kind == FieldDescriptor.TYPE_BOOL:
            return rng.choice([True, False, "true", 1])
        if kind == FieldDescriptor.TYPE_STRING:
            if fd.name.endswith("name") or fd.name in ("parent", "member", "space"):
                return self.names.pick(rng) or self.text()
            return self.text(30)
        if kind == FieldDescriptor.TYPE_BYTES:
            return rng.choice(["aGVsbG8=", "not base64!", ""])
        if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return rng.choice([0.5, -1.0, "1e999", "NaN"])
        return rng.choice([0, 1, 50, 1000, -5, 2**40, "12", "-3", "1.5", 2**70])

    def field_names(self, descriptor: Descriptor) -> list[str]:
        fields = list(descriptor.fields)
        return [self.rng.choice(fields).json_name for _ in range(self.rng.randint(1, 3))] if fields else ["x"]

    # --- paths and queries

    def path_for(self, route: Route) -> str:
        template = route.template.text
        rng = self.rng

        def fill(found: re.Match[str]) -> str:
            pattern = found.group(2) or "*"
            harvested = self.names.matching(rng, route.template.regex, pattern)
            if harvested is not None and rng.random() < (0.97 if self.careful else 0.7):
                return harvested
            segments = []
            for segment in pattern.split("/"):
                if segment in ("*", "**"):
                    segments.append(self.pct(self.text()) if rng.random() < 0.5 else self.text(6))
                else:
                    segments.append(segment)
            return "/".join(s if s else "x" for s in segments)

        return re.sub(r"\{([^}=]+)(?:=([^}]*))?\}", fill, template)

    def query(self, route: Route | None) -> str:
        rng = self.rng
        pairs: list[str] = []
        descriptor = route.method.input_type if route is not None else None
        for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 6])):
            roll = rng.random()
            if descriptor is not None and roll < 0.55:
                fd = rng.choice(list(descriptor.fields))
                name = fd.json_name if rng.random() < 0.7 else fd.name
                if fd.type == FieldDescriptor.TYPE_MESSAGE and fd.message_type.fields and rng.random() < 0.5:
                    inner = rng.choice(list(fd.message_type.fields))
                    name = f"{name}.{inner.json_name}"
                    fd = inner
                value = self.field_json(fd, 5)
                text = value if isinstance(value, str) else json.dumps(value)
                pairs.append(f"{quote(name)}={self.pct(text)}")
                if rng.random() < 0.1:
                    pairs.append(pairs[-1])  # repeated
            elif roll < 0.75:
                name = rng.choice(
                    ["fields", "alt", "$alt", "prettyPrint", "access_token", "key", "$.xgafv", "quotaUser"]
                )
                value = rng.choice(
                    [
                        "json",
                        "media",
                        "json;enum-encoding=int",
                        "false",
                        "true",
                        "name,spaceType",
                        "spaces(name,displayName),nextPageToken",
                        "a(b/c,d(e))",
                        "a((",
                        "1",
                        "2",
                        "user:alice@example.com",
                        self.text(),
                    ]
                )
                pairs.append(f"{quote(name)}={self.pct(value)}")
            else:
                pairs.append(f"{self.pct(self.text(10))}={self.pct(self.text())}")
        return "&".join(pairs)

    # --- one case

    def case(self) -> Case:
        rng = self.rng
        self.careful = rng.random() < 0.35
        if self.careful:
            return self.careful_case()
        roll = rng.random()
        route: Route | None = None
        if roll < 0.7:
            route = rng.choice(self.routes)
            method = route.verb if rng.random() < 0.9 else rng.choice(METHODS)
            path = self.path_for(route)
        elif roll < 0.8:
            method = rng.choice(METHODS + ODD_METHODS)
            path = "/" + "/".join(self.pct(self.text(8)) for _ in range(rng.randint(0, 5)))
        elif roll < 0.85:
            method = "GET"
            path = f"/v1/media/{self.names.pick(rng) or self.text()}"
        elif roll < 0.88:
            method = rng.choice(["POST", "PUT"])
            path = f"/upload/v1/{self.names.pick(rng) or 'spaces/x'}/attachments:upload"
        elif roll < 0.9:
            method = "GET"
            path = "/v1/spaces/" + "a" * rng.choice([2000, 20000, 70000])  # long paths; 70 KB is over the head limit
        else:
            method = rng.choice(METHODS)
            path = rng.choice(
                ["/", "*", "/v1", "/v1/", "//v1//spaces", "/v1/spaces/../spaces", "/v1/spaces:x", "/%2e%2e"]
            )
        query = self.query(route)
        target = path + ("?" + query if query else "")
        headers = self.headers()
        case = Case(method, target, headers, route=route)
        body_roll = rng.random()
        if method in ("POST", "PATCH", "PUT") or body_roll < 0.05:
            case.body = self.body(route)
        if rng.random() < 0.03:
            self.break_framing(case)
        if method == "HEAD":
            case.own_connection = True
        return case

    def careful_case(self) -> Case:
        """A well-formed call of a random RPC by a real caller, ids from earlier answers, sensible parameters."""
        rng = self.rng
        route = rng.choice(self.routes)
        target = self.path_for(route)
        params = []
        for fd in route.method.input_type.fields:
            if fd.name == "page_size" and rng.random() < 0.5:
                params.append(f"pageSize={rng.choice([1, 2, 10, 1000])}")
            elif fd.name in ("use_admin_access", "show_deleted", "force") and rng.random() < 0.3:
                params.append(f"{fd.json_name}=true")
            elif fd.name == "update_mask" and rng.random() < 0.8:
                body_type = (
                    route.method.input_type.fields_by_name[route.body].message_type
                    if route.body not in ("", "*")
                    else None
                )
                names = [f.json_name for f in body_type.fields] if body_type is not None else ["x"]
                params.append(f"updateMask={','.join(rng.sample(names, min(len(names), rng.randint(1, 2))))}")
        if params:
            target += "?" + "&".join(params)
        token = rng.choice(["user:alice@example.com"] * 3 + [f"user:{rng.choice(USERS)}", f"app:{APP_ID}"])
        case = Case(route.verb, target, [("Authorization", f"Bearer {token}")], route=route)
        if route.body:
            case.body = self.body(route, careful=True)
        return case

    def headers(self) -> list[tuple[str, str]]:
        rng = self.rng
        roll = rng.random()
        headers: list[tuple[str, str]] = []
        if roll < 0.45:
            headers.append(("Authorization", "Bearer user:alice@example.com"))
        elif roll < 0.65:
            headers.append(("Authorization", f"Bearer user:{rng.choice(USERS)}"))
        elif roll < 0.72:
            headers.append(("Authorization", f"Bearer app:{APP_ID}"))
        elif roll < 0.8:
            scopes = ",".join(rng.sample(["chat.spaces", "chat.messages", "chat.spaces.readonly", "bogus", ""], 2))
            headers.append(("Authorization", f"Bearer user:{rng.choice(USERS)};scopes={scopes}"))
        elif roll < 0.93:
            headers.append(
                (
                    "Authorization",
                    rng.choice(
                        [
                            "Bearer",
                            "Bearer ",
                            "Basic YWxpY2U6c2VjcmV0",
                            "bearer user:alice@example.com",
                            "Bearer user:",
                            "Bearer app:",
                            "Bearer user:nobody@example.com",
                            "Bearer user:alice@example.com;app=nope",
                            "Bearer " + "x" * 5000,
                            "Bearer user:é@example.com",
                            "Bearer \u00ff\u00fe",
                        ]
                    ),
                )
            )
        if rng.random() < 0.3:
            headers.append(
                (
                    "Content-Type",
                    rng.choice(
                        [
                            "application/json",
                            "text/plain",
                            "multipart/related; boundary=x",
                            "application/x-www-form-urlencoded",
                            "",
                        ]
                    ),
                )
            )
        if rng.random() < 0.03:
            headers.append(("X-HTTP-Method-Override", rng.choice([*METHODS, "BOGUS"])))
        return headers

    def body(self, route: Route | None, careful: bool = False) -> bytes:
        rng = self.rng
        roll = rng.random()
        if route is not None and (careful or roll < 0.6):
            if route.body == "*":
                descriptor = route.method.input_type
            elif route.body:
                descriptor = route.method.input_type.fields_by_name[route.body].message_type
            else:
                descriptor = route.method.input_type
            return json.dumps(self.message_json(descriptor), ensure_ascii=rng.random() < 0.5).encode()
        if roll < 0.75:
            return json.dumps(self.json_value()).encode()
        if roll < 0.8:
            return b"\xff\xfe" + json.dumps({"text": "x"}).encode()
        if roll < 0.85:
            text = json.dumps({"text": self.text()}).encode()
            return text[: rng.randint(0, len(text))]  # truncated
        if roll < 0.88:
            depth = 10_000
            return rng.choice([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth])
        if roll < 0.9:
            return b'{"text": "\\ud800"}'  # a lone surrogate escape
        if roll < 0.95:
            return b""
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))

    def break_framing(self, case: Case) -> None:
        rng = self.rng
        body = case.body or b""
        case.own_connection = True
        kind = rng.choice(["letters", "negative", "short", "long", "two", "huge-digits", "chunked-garbage"])
        case.body = body
        if kind == "letters":
            case.headers.append(("Content-Length", "abc"))
        elif kind == "negative":
            case.headers.append(("Content-Length", "-1"))
        elif kind == "short":
            case.headers.append(("Content-Length", str(max(0, len(body) - 1))))
        elif kind == "long":
            case.headers.append(("Content-Length", str(len(body) + 10)))
            case.may_get_no_answer = True
        elif kind == "two":
            case.headers += [("Content-Length", str(len(body))), ("Content-Length", str(len(body) + 1))]
        elif kind == "huge-digits":
            case.headers.append(("Content-Length", "9" * 100))
        else:
            case.headers.append(("Transfer-Encoding", "chunked"))
            case.body = b"zz\r\n" + body


class Names:
    """Resource names seen in successful answers (and the seeded ones): realistic ids for the paths."""

    def __init__(self, names: list[str]) -> None:
        self._names = list(names)
        self._lock = threading.Lock()

    def add_from(self, value: object) -> None:
        found: list[str] = []
        _collect_names(value, found)
        with self._lock:
            for name in found:
                if len(self._names) < 3000:
                    self._names.append(name)
                else:
                    self._names[random.randrange(len(self._names))] = name

    def pick(self, rng: random.Random) -> str | None:
        with self._lock:
            return rng.choice(self._names) if self._names else None

    def matching(self, rng: random.Random, regex: re.Pattern[str], pattern: str) -> str | None:
        shape = re.compile("/".join("[^/]+" if s in ("*", "**") else re.escape(s) for s in pattern.split("/")))
        with self._lock:
            candidates = [n for n in rng.sample(self._names, min(60, len(self._names))) if shape.fullmatch(n)]
        return quote(rng.choice(candidates), safe="/") if candidates else None


def _collect_names(value: object, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("name", "parent") and isinstance(item, str) and "/" in item:
                out.append(item)
            else:
                _collect_names(item, out)
    elif isinstance(value, list):
        for item in value:
            _collect_names(item, out)


def big_body(chunk: int = 1 << 16) -> Iterator[bytes]:
    piece = b'{"text": "' + b"a" * (chunk - 10)
    for _ in range(BIG_BODY // chunk):
        yield piece


def chunked_big_body() -> Iterator[bytes]:
    for piece in big_body():
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


# ---------------------------------------------------------------------------------------------------- checks


class LogCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def check_answer(case: Case, answer: Answer) -> None:
    """Never a 500, always JSON; errors as Google writes them."""
    assert answer.status < 500 or answer.status == 501, f"{answer.status} for {case}: {answer.body[:500]!r}"
    assert b"Traceback" not in answer.body and b'File "/' not in answer.body, f"a traceback for {case}"
    if case.method == "HEAD":
        return
    if answer.status == 200 and case.target.startswith("/v1/media/") and "alt=media" in case.target:
        return  # media bytes, as they are
    path = case.target.split("?", 1)[0]
    if answer.status == 200 and (path == "/" or path.startswith(("/_emulator/static/", "/_emulator/emoji/"))):
        return  # the web UI's page and its files (issue 17): HTML, CSS, JS, images
    assert answer.headers.get("content-type", "").startswith("application/json"), f"{answer.headers} for {case}"
    value = json.loads(answer.body)
    if answer.status >= 400:
        error = value["error"]
        assert error["code"] == answer.status, f"{error} for {case}"
        assert isinstance(error["message"], str) and isinstance(error["status"], str), f"{error} for {case}"


@dataclass
class Tally:
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    ok_by_rpc: collections.Counter[str] = field(default_factory=collections.Counter)
    created: set[str] = field(default_factory=set)  # names announced by 200s of creating calls
    deleted: set[str] = field(default_factory=set)  # names of 200 DELETEs
    no_answer: int = 0
    slowest: float = 0.0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


CREATING = {"CreateSpace", "SetUpSpace", "CreateMessage", "UpdateMessage"}


def fuzz_worker(port: int, gen: Generator, count: int, tally: Tally, app_routes: object, failures: list[str]) -> None:
    conn = Connection(port)
    try:
        for _ in range(count):
            case = gen.case()
            try:
                answer = run_case(conn, case)
            except NoAnswer as error:
                if case.may_get_no_answer:
                    with tally.lock:
                        tally.no_answer += 1
                        tally.requests += 1
                    continue
                failures.append(f"{error}: {case}")
                return
            except AssertionError as error:
                failures.append(str(error))
                return
            finally:
                if case.own_connection:
                    conn.close()
            try:
                check_answer(case, answer)
            except (AssertionError, ValueError, KeyError) as error:
                failures.append(f"{type(error).__name__} {error}: {answer.status} {answer.body[:300]!r} for {case}")
                return
            record(case, answer, tally, gen, app_routes)
    finally:
        conn.close()


def run_case(conn: Connection, case: Case) -> Answer:
    if case.big is not None:
        head = request_bytes(case.method, case.target, case.headers, None)
        return conn.send_large(head, case.big)
    raw = request_bytes(case.method, case.target, case.headers, case.body)
    if case.own_connection:
        conn.close()
    timeout = 1.0 if case.may_get_no_answer else TIMEOUT
    return conn.send(raw, head_only=case.method == "HEAD", timeout=timeout)


def record(case: Case, answer: Answer, tally: Tally, gen: Generator, app_routes: object) -> None:
    rpc = None
    path = case.target.split("?", 1)[0]
    verb = case.method.upper()
    override = [v.upper() for k, v in case.headers if k.lower() == "x-http-method-override"]
    if verb == "POST" and override and override[-1]:
        verb = override[-1]  # as the door does
    found, _ = app_routes.find(verb, path)  # type: ignore[attr-defined]
    if found is not None and not path.startswith(("/upload/", "/v1/media/")):
        rpc = found.route.rpc
    with tally.lock:
        tally.requests += 1
        tally.statuses[answer.status] += 1
        tally.slowest = max(tally.slowest, answer.seconds)
        if answer.status == 200 and rpc is not None:
            tally.ok_by_rpc[rpc] += 1
            body = json.loads(answer.body)
            if rpc in CREATING and isinstance(body.get("name"), str):
                tally.created.add(body["name"])
            if rpc in ("DeleteSpace", "DeleteMessage"):
                tally.deleted.add(unquote(path[len("/v1/") :]))
    if answer.status == 200 and answer.headers.get("content-type", "").startswith("application/json"):
        gen.names.add_from(json.loads(answer.body))


class SlowClients:
    """Idle connections (nothing sent), connections trickling a request head one byte at a time, connections
    trickling a body; and a prober that checks gRPC health and a REST call every 0.3 s meanwhile."""

    def __init__(self, chat: ChatServer, port: int, idle: int = 20, trickle: int = 10) -> None:
        self.chat, self.port = chat, port
        self.stop = threading.Event()
        self.idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle)]
        self.trickling = [socket.create_connection(("127.0.0.1", port)) for _ in range(trickle)]
        self.probes: list[tuple[str, float, str]] = []  # (what, seconds, outcome)
        self.threads = [
            threading.Thread(target=self._trickle, daemon=True),
            threading.Thread(target=self._probe, daemon=True),
        ]

    def __enter__(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)
        for sock in self.idle + self.trickling:
            sock.close()

    def _trickle(self) -> None:
        heads = [
            b"GET /v1/spaces HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000,  # headers never finished
            b"POST /v1/spaces HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"{" * 10_000,  # a slow body
        ]
        position = 0
        while not self.stop.wait(0.05):
            for index, sock in enumerate(self.trickling):
                head = heads[index % 2]
                with contextlib.suppress(OSError):  # closed by the server (the head timeout): fine
                    sock.send(head[position % len(head) : position % len(head) + 1])
            position += 1

    def _probe(self) -> None:
        with grpc.insecure_channel(self.chat.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            conn = Connection(self.port)
            while not self.stop.wait(0.3):
                started = time.perf_counter()
                try:
                    reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
                    outcome = "ok" if reply.status == health_pb2.HealthCheckResponse.SERVING else str(reply.status)
                except grpc.RpcError as error:
                    outcome = f"gRPC {error.code()}"
                self.probes.append(("grpc", time.perf_counter() - started, outcome))
                started = time.perf_counter()
                try:
                    raw = request_bytes(
                        "GET", "/v1/spaces?pageSize=1", [("Authorization", "Bearer user:alice@example.com")], None
                    )
                    answer = conn.send(raw, timeout=5)
                    outcome = "ok" if answer.status == 200 else f"HTTP {answer.status}"
                except (OSError, NoAnswer) as error:
                    outcome = f"REST {error}"
                self.probes.append(("rest", time.perf_counter() - started, outcome))
            conn.close()


def rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------------- the run


@contextlib.contextmanager
def caught_logs() -> Iterator[LogCatcher]:
    """Records of the server's and uvicorn's loggers (attach after the listener started: uvicorn's logging setup
    replaces the handlers of its loggers)."""
    catcher = LogCatcher()
    loggers = [logging.getLogger(name) for name in ("chat_grpc", "uvicorn", "uvicorn.error", "uvicorn.access")]
    for logger in loggers:
        logger.addHandler(catcher)
    try:
        yield catcher
    finally:
        for logger in loggers:
            logger.removeHandler(catcher)


def test_fuzz_the_rest_door() -> None:
    started = time.perf_counter()
    rss_before = rss_mib()
    with ChatServer(seed=SEED, journal_size=REQUESTS * 2 + 10_000) as chat, caught_logs() as logs:
        load_workspace(chat.store, DEMO)
        seeded_spaces = {s.name for s in chat.store.spaces()}
        seeded_messages = {m.name for s in chat.store.spaces() for m in chat.store.messages.all(s.id)}
        names = Names(sorted(seeded_spaces | seeded_messages | {f"users/{u.id}" for u in chat.store.users()}))
        port = int(chat.rest_url.rsplit(":", 1)[1])
        routes = chat.rest_app.routes
        tally = Tally()
        failures: list[str] = []
        with SlowClients(chat, port) as slow:
            # The large bodies first, once each: a declared 50 MB body and a chunked one (no Content-Length).
            big = Connection(port)
            alice = [("Authorization", "Bearer user:alice@example.com")]
            declared = Case("POST", "/v1/spaces", [*alice, ("Content-Length", str(BIG_BODY))], big=big_body())
            chunked = Case("POST", "/v1/spaces", [*alice, ("Transfer-Encoding", "chunked")], big=chunked_big_body())
            for case in (declared, chunked):
                answer = run_case(big, case)
                big_seconds = time.perf_counter() - started
                assert answer.status == 413, f"{answer.status} {answer.body!r}"
                check_answer(case, answer)
                tally.statuses[413] += 1
                tally.requests += 1
            threads = [
                threading.Thread(
                    target=fuzz_worker,
                    args=(
                        port,
                        Generator(random.Random(SEED * 1000 + i), routes.routes, names),
                        REQUESTS // THREADS,
                        tally,
                        routes,
                        failures,
                    ),
                    daemon=True,
                )
                for i in range(THREADS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT * REQUESTS)
            assert not any(t.is_alive() for t in threads), "a fuzz thread hung"
            assert not failures, "\n".join(failures)
            time.sleep(0.7)  # at least one more probe round with the slow connections still open
        probes = slow.probes
        duration = time.perf_counter() - started

        # The other clients were answered, quickly, while the slow ones were open.
        assert probes and all(outcome == "ok" for _, _, outcome in probes), [p for p in probes if p[2] != "ok"][:5]
        slowest_probe = max(seconds for _, seconds, _ in probes)
        assert slowest_probe < 5.0

        # Nothing went wrong inside.
        errors = [r for r in logs.records if r.levelno >= logging.ERROR]
        assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors[:5]]

        # The journal's successful calls are the 200s the clients saw (the prober's ListSpaces included).
        journal = chat.journal.calls()
        assert chat.journal.dropped == 0
        assert {call.face for call in journal} <= {"rest"}
        ok_in_journal = collections.Counter(call.method for call in journal if call.code == "OK")
        expected = tally.ok_by_rpc + collections.Counter({"ListSpaces": sum(1 for p in probes if p[0] == "rest")})
        assert ok_in_journal == expected
        assert not any(call.code in ("INTERNAL", "UNKNOWN", "DATA_LOSS") for call in journal)

        # The store holds what successful answers announced, and nothing else.
        spaces = {s.name for s in chat.store.spaces()}
        assert spaces - seeded_spaces <= tally.created
        assert (
            seeded_spaces | (tally.created & {n for n in tally.created if n.count("/") == 1})
        ) - spaces <= tally.deleted
        messages = {m.name for s in chat.store.spaces() for m in chat.store.messages.all(s.id)}
        assert messages - seeded_messages <= tally.created
        for name in (tally.created - {n for n in tally.created if n.count("/") == 1}) - messages:
            space = "/".join(name.split("/")[:2])
            assert (
                space in tally.deleted
                or name in tally.deleted
                or any(d.startswith(space + "/messages/client-") for d in tally.deleted)
            ), f"{name} is gone without a successful delete"
    figures = {
        "requests": tally.requests,
        "statuses": dict(sorted(tally.statuses.items())),
        "no answer (Content-Length beyond the body)": tally.no_answer,
        "seconds": round(duration, 1),
        "of which the two 50 MB bodies": round(big_seconds, 1),
        "requests/s": round(tally.requests / duration),
        "slowest answer s": round(tally.slowest, 3),
        "probes": len(probes),
        "slowest probe s": round(slowest_probe, 3),
        "RSS MiB before/after": (round(rss_before), round(rss_mib())),
        "journal OK calls": sum(ok_in_journal.values()),
        "warnings logged": sum(1 for r in logs.records if r.levelno == logging.WARNING),
    }
    print("\nREST fuzz:", json.dumps(figures))


# ---------------------------------------------------------------------------------------------------- regressions


@pytest.fixture(scope="module")
def tight() -> Iterator[tuple[ChatServer, RestListener]]:
    """A listener with a short head timeout, on a ChatServer's app."""
    with ChatServer(rest=False) as chat:
        chat.store.add_user("alice@example.com", is_admin=True)
        listener = RestListener(chat.rest_app, "127.0.0.1", 0, head_timeout_seconds=0.5, max_head_bytes=4096).start()
        try:
            yield chat, listener
        finally:
            listener.stop()


def test_unparsable_request_is_a_json_error(tight: tuple[ChatServer, RestListener]) -> None:
    _, listener = tight
    for raw in (
        b"GET /v1/spaces HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"\x00\x01 garbage\r\n\r\n",
        b"FOO /v1/spaces HTTP/1.1\r\nHost: x\r\n\r\n",
    ):
        answer = Connection(listener.port).send(raw)
        assert answer.status == 400 and answer.headers["content-type"].startswith("application/json")
        assert json.loads(answer.body)["error"]["status"] == "INVALID_ARGUMENT"


def test_request_head_is_bounded(tight: tuple[ChatServer, RestListener]) -> None:
    chat, _ = tight
    # A listener of its own with the same size limit and a head timeout that cannot race it: on a loaded machine the
    # slow head below can take longer than the tight listener's 0.5 s (and be answered 408 instead).
    listener = RestListener(chat.rest_app, "127.0.0.1", 0, head_timeout_seconds=30, max_head_bytes=4096).start()
    try:
        _head_is_bounded(listener)
    finally:
        listener.stop()


def _head_is_bounded(listener: RestListener) -> None:
    conn = Connection(listener.port)
    answer = conn.send(b"GET /v1/spaces HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n")
    assert answer.status == 431 and json.loads(answer.body)["error"]["code"] == 431
    # Also when the head never ends: refused once the limit is passed, not buffered without end.
    sock = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    sock.sendall(b"GET /v1/spaces HTTP/1.1\r\nX-Big: ")
    for _ in range(10):
        if select.select([sock], [], [], 0.01)[0]:
            break  # answered
        sock.sendall(b"a" * 1000)
    assert read_answer(sock, time.monotonic() + 5).status == 431
    sock.close()


def test_unfinished_and_idle_connections_time_out(tight: tuple[ChatServer, RestListener]) -> None:
    _, listener = tight
    idle = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    partial = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    partial.sendall(b"GET /v1/spaces HTTP/1.1\r\nHost: x\r\n")
    for sock in (idle, partial):
        answer = read_answer(sock, time.monotonic() + 5)
        assert answer.status == 408 and json.loads(answer.body)["error"]["status"] == "DEADLINE_EXCEEDED"
        assert sock.recv(10) == b""  # closed
        sock.close()
    # A keep-alive connection that was served is not cut by the head timer while it waits for the next request.
    conn = Connection(listener.port)
    auth = [("Authorization", "Bearer user:alice@example.com")]
    assert conn.send(request_bytes("GET", "/v1/spaces", auth, None)).status == 200
    time.sleep(0.8)
    assert conn.send(request_bytes("GET", "/v1/spaces", auth, None)).status == 200


def test_connections_set_tcp_nodelay(tight: tuple[ChatServer, RestListener]) -> None:
    """A response is written in two parts (head, then body): without TCP_NODELAY each keep-alive request waited
    ~40 ms for the client's delayed ACK (the listening socket must say IPPROTO_TCP for asyncio to set it)."""
    _, listener = tight
    conn = Connection(listener.port)
    auth = [("Authorization", "Bearer user:alice@example.com")]
    assert conn.send(request_bytes("GET", "/v1/spaces", auth, None)).status == 200
    server = listener._server
    assert server is not None
    transports = [protocol.transport for protocol in server.server_state.connections]  # type: ignore[attr-defined]
    assert transports
    for transport in transports:
        sock = transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    conn.close()


def test_unknown_enum_numbers_are_invalid_argument(tight: tuple[ChatServer, RestListener]) -> None:
    """Proto3 enums are open: a request may carry any number. Found by the fuzzer: the handlers called the enum's
    ``Name`` on it and answered 500 (on both faces)."""
    import httpx

    chat, listener = tight
    auth = {"authorization": "Bearer user:alice@example.com"}
    with httpx.Client(base_url=listener.url, headers=auth, timeout=10) as http:
        space = http.post("/v1/spaces", json={"spaceType": "SPACE", "displayName": "Enums"}).json()["name"]
        me = f"users/{chat.store.user_by_email('alice@example.com').id}"  # type: ignore[union-attr]
        calls = [
            ("POST", "/v1/spaces", None, {"spaceType": 999, "displayName": "x"}, "space.space_type"),
            (
                "POST",
                "/v1/spaces",
                None,
                {"spaceType": "SPACE", "displayName": "y", "spaceHistoryState": 999},
                "space_history_state",
            ),
            (
                "POST",
                "/v1/spaces",
                None,
                {"spaceType": "SPACE", "displayName": "z", "predefinedPermissionSettings": 999},
                "predefined_permission_settings",
            ),
            ("PATCH", f"/v1/{space}", {"updateMask": "spaceType"}, {"spaceType": 999}, "space.space_type"),
            (
                "PATCH",
                f"/v1/{space}",
                {"updateMask": "spaceHistoryState"},
                {"spaceHistoryState": 999},
                "space_history_state",
            ),
            ("POST", f"/v1/{space}/messages", {"messageReplyOption": "999"}, {"text": "hi"}, "message_reply_option"),
            (
                "PATCH",
                f"/v1/{space}/members/{me.split('/')[1]}",
                {"updateMask": "role"},
                {"role": 999},
                "membership.role",
            ),
            (
                "PATCH",
                f"/v1/{me}/{space}/spaceNotificationSetting",
                {"updateMask": "muteSetting"},
                {"muteSetting": 999},
                "mute_setting",
            ),
        ]
        for method, path, params, body, mentions in calls:
            answer = http.request(method, path, params=params, json=body)
            assert answer.status_code == 400, (path, body, answer.text)
            assert mentions in answer.json()["error"]["message"], answer.text


def test_pretty_json_is_json_dumps_with_indent() -> None:
    """render.dumps(pretty=True) writes its own indentation (json.dumps with ``indent`` uses the slow pure-Python
    encoder, the hot spot of a REST GetSpace): byte for byte what json.dumps writes."""
    from chat_grpc.doors.rest import render

    routes = ChatServer(rest=False).rest_app.routes.routes
    gen = Generator(random.Random(SEED), routes, Names(["spaces/AAA"]))
    values: list[object] = [gen.json_value() for _ in range(3000)]
    values += [1.5, -0.0, 10**30, 'é\u2028\x00"\\', {"k": {}, "l": []}, [[{}]], {1: True}]
    for value in values:
        assert render.dumps(value, pretty=True) == (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()
        assert (
            render.dumps(value, pretty=False) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        )
    # json.dumps writes NaN and Infinity, which are not JSON; the door writes null (a proto3 JSON float that is not
    # finite is a string, "NaN", so responses never carry one: only an odd value of a caller's own would)
    assert json.loads(render.dumps({"x": [float("nan"), float("-inf")]}, pretty=True)) == {"x": [None, None]}


def test_route_index_finds_what_a_linear_scan_finds() -> None:
    """RouteTable.find tries only the routes of the path's first two segments: the same answers as trying every
    route in order, over the fuzzer's paths (and a table with wildcard routes in the first segments)."""
    from chat_grpc.doors.rest.routes import PathTemplate, RouteTable

    table = ChatServer(rest=False).rest_app.routes
    some = table.routes[0]
    extra = [
        Route("A", some.method, "GET", PathTemplate.parse("/{name=**}"), ""),
        Route("B", some.method, "PUT", PathTemplate.parse("/v1/{name=*/things}"), ""),
        Route("C", some.method, "POST", PathTemplate.parse("/v1/spaces/{x}"), ""),
    ]
    gen = Generator(random.Random(SEED), table.routes, Names(["spaces/AAA", "spaces/AAA/messages/B.B", "users/1"]))
    for routes in (table.routes, table.routes + extra):
        indexed = RouteTable(routes)

        def linear(verb: str, path: str, indexed: RouteTable = indexed) -> tuple[str | None, list[str]]:
            allowed: list[str] = []
            for route in indexed.routes:
                if route.template.match(path) is None:
                    continue
                if route.verb == verb:
                    return route.path, []
                if route.verb not in allowed:
                    allowed.append(route.verb)
            return None, allowed

        fixed = [
            ("PUT", "/v1/spaces/things"),
            *(("GET", p) for p in ("/v1/spaces/things", "/v1/x/things", "/v1/spaces/a/b/c/d", "/v1", "/", "")),
        ]
        for verb, path in fixed + [(c.method, c.target.split("?", 1)[0]) for c in (gen.case() for _ in range(3000))]:
            case = f"{verb} {path[:200]}"
            found, allowed = indexed.find(verb, path)
            assert ((found.route.path if found else None), allowed) == linear(verb, path), case


@pytest.mark.parametrize("declared", ["\u00b2", "9" * 5000])
def test_odd_content_length_through_an_asgi_mount(declared: str) -> None:
    """Mounted in-process (no uvicorn parser in front), a Content-Length of non-ASCII digits or of thousands of
    digits answered 500 (``int()`` raised); it is a 400 like any other bad Content-Length."""
    import asyncio

    with ChatServer(rest=False) as chat:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v1/spaces",
            "raw_path": b"/v1/spaces",
            "query_string": b"",
            "headers": [(b"content-length", declared.encode("latin-1")), (b"authorization", b"Bearer user:x@y")],
        }
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        asyncio.run(chat.rest_app(scope, receive, send))
        assert sent[0]["status"] == 400
        assert json.loads(sent[1]["body"])["error"]["message"] == "Content-Length is not a number"  # type: ignore[arg-type]


def test_fuzz_through_an_asgi_mount() -> None:
    """The same generator straight into the ASGI app, with no HTTP parser in front (as ``httpx.ASGITransport``
    mounts it): what uvicorn would refuse reaches the app. Never a 500, always a JSON error."""
    import asyncio
    from urllib.parse import unquote_to_bytes

    with ChatServer(seed=SEED, rest=False) as chat, caught_logs() as logs:
        load_workspace(chat.store, DEMO)
        names = Names(sorted({s.name for s in chat.store.spaces()}))
        gen = Generator(random.Random(SEED + 7), chat.rest_app.routes.routes, names)
        app = chat.rest_app

        async def one(case: Case) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
            path, _, query = case.target.partition("?")
            body = case.body or b""
            scope = {
                "type": "http",
                "method": case.method,
                "path": unquote_to_bytes(path).decode("utf-8", "replace"),
                "raw_path": path.encode("latin-1", "replace"),
                "query_string": query.encode("latin-1", "replace"),
                "headers": [
                    (k.lower().encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in case.headers
                ],
            }
            sent: list[dict[str, object]] = []

            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, object]) -> None:
                sent.append(message)

            await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
            return sent[0]["status"], sent[1]["body"], sent[0]["headers"]  # type: ignore[return-value]

        async def run() -> collections.Counter[int]:
            statuses: collections.Counter[int] = collections.Counter()
            for _ in range(max(200, REQUESTS // 2)):
                case = gen.case()
                status, body, headers = await one(case)
                statuses[status] += 1
                answer = Answer(status, {k.decode(): v.decode("latin-1") for k, v in headers}, body, 0.0)
                check_answer(case, answer)
                if status == 200 and answer.headers.get("content-type", "").startswith("application/json"):
                    names.add_from(json.loads(body))
            return statuses

        statuses = asyncio.run(run())
        assert not [r for r in logs.records if r.levelno >= logging.ERROR]
        print("\nASGI fuzz:", dict(sorted(statuses.items())))
