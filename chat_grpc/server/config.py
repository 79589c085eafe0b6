"""Emulator configuration: command-line flags over ``CHAT_EMULATOR_*`` environment variables, one pure
function, so it can be tested without starting anything."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

ENV_PREFIX = "CHAT_EMULATOR_"


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 0
    demo: bool = False
    id_seed: int | None = None  # deterministic ids
    seed_file: str | None = None  # a workspace file (JSON or YAML) loaded at startup
    export: str | None = None  # where the workspace is written on a clean shutdown
    state: str | None = None  # SQLite state file: changes survive restarts
    default_principal: str | None = None
    max_workers: int = 16
    manual_clock: bool = False  # start with a frozen clock at the current time
    control: bool = True  # serve the (unauthenticated, test-only) control service
    journal_size: int = 10_000  # calls the journal keeps
    journal_bytes: int = 64 * 1024 * 1024  # ... within this many bytes
    rest: bool = True  # serve the REST/JSON door beside gRPC
    rest_port: int | None = None  # None: the gRPC port + 1 (0 when the gRPC port is 0)
    control_token: str | None = None  # the control service wants 'authorization: Bearer <this>'
    strict_tokens: bool = False  # only tokens the server issued (no hand-written 'user:...' tokens)
    max_concurrent_rpcs: int = 256  # gRPC calls in progress at once; more answer RESOURCE_EXHAUSTED
    call_timeout: float = 60.0  # seconds a gRPC call may last on the server (a deadline cap)
    max_request_bytes: int = 4 * 1024 * 1024  # the largest gRPC request message

    @property
    def effective_rest_port(self) -> int:
        if self.rest_port is not None:
            return self.rest_port
        return self.port + 1 if 0 < self.port < 65535 else 0


PROG = "python -m chat_grpc.server"


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: how every bad setting ends (no usage text, no traceback)."""
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see --help)")


def _env_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    fail(f"{name} must be true or false, got {value[:100]!r}")


def _env_int(value: str | None, name: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError:
        fail(f"{ENV_PREFIX}{name} must be a whole number, got {value[:100]!r}")


def _env_float(value: str | None, name: str) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        fail(f"{ENV_PREFIX}{name} must be a number, got {value[:100]!r}")


def parse_args(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Config:
    """Flags win over environment variables, which win over the defaults."""
    source = os.environ if environ is None else environ
    defaults = Config()

    def env(name: str) -> str | None:
        return source.get(ENV_PREFIX + name)

    parser = _Parser(
        prog=PROG,
        description="Run the fake Google Chat API. 'python -m chat_grpc.server state backup|check ...' works on"
        " state files; 'python -m chat_grpc.server schema' prints the JSON Schema of workspace files (--seed).",
    )
    parser.add_argument("--host", default=env("HOST") or defaults.host, help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=_env_int(env("PORT"), "PORT") or defaults.port, help="port; 0 picks a free one"
    )
    parser.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=_env_bool(env("DEMO") or "", ENV_PREFIX + "DEMO"),
        help="seed a small demo workspace",
    )
    parser.add_argument(
        "--id-seed", type=int, default=_env_int(env("ID_SEED"), "ID_SEED"), help="make ids deterministic (an integer)"
    )
    parser.add_argument(
        "--seed",
        dest="seed_file",
        metavar="FILE",
        default=env("SEED_FILE") or None,
        help="load a workspace file (JSON, or YAML with PyYAML) at startup, after --demo",
    )
    parser.add_argument(
        "--export",
        metavar="FILE",
        default=env("EXPORT") or None,
        help="write the workspace to FILE (YAML for .yaml/.yml, else JSON) on a clean shutdown (SIGINT, SIGTERM)",
    )
    parser.add_argument(
        "--state",
        metavar="PATH",
        default=env("STATE") or None,
        help="SQLite state file: every acknowledged change is kept across restarts (--demo/--seed seed a new file)",
    )
    parser.add_argument(
        "--default-principal",
        default=env("DEFAULT_PRINCIPAL"),
        help="user/app id or email that answers calls without a token (default: such calls are UNAUTHENTICATED)",
    )
    parser.add_argument(
        "--max-workers", type=int, default=_env_int(env("MAX_WORKERS"), "MAX_WORKERS") or defaults.max_workers
    )
    parser.add_argument(
        "--manual-clock",
        action=argparse.BooleanOptionalAction,
        default=_env_bool(env("MANUAL_CLOCK") or "", ENV_PREFIX + "MANUAL_CLOCK"),
        help="freeze the clock at startup; it then moves only through the control service",
    )
    parser.add_argument(
        "--control",
        action=argparse.BooleanOptionalAction,
        default=_env_bool(env("CONTROL") or "true", ENV_PREFIX + "CONTROL"),
        help="serve the unauthenticated, test-only control service chat_grpc.control.v1.Control (default: on)",
    )
    journal_size = _env_int(env("JOURNAL_SIZE"), "JOURNAL_SIZE")
    parser.add_argument(
        "--journal-size",
        type=int,
        default=defaults.journal_size if journal_size is None else journal_size,
        help="how many of the latest calls the journal keeps (0: none)",
    )
    rest_port = _env_int(env("REST_PORT"), "REST_PORT")
    parser.add_argument(
        "--rest-port",
        type=int,
        default=rest_port,
        help="port of the REST/JSON door (default: the gRPC port + 1, or a free port when --port is 0; 0 picks a"
        " free one)",
    )
    parser.add_argument(
        "--rest",
        action=argparse.BooleanOptionalAction,
        default=_env_bool(env("REST") or "true", ENV_PREFIX + "REST"),
        help="serve the REST/JSON door (HTTP/1.1) beside gRPC (default: on; --no-rest turns it off)",
    )
    journal_bytes = _env_int(env("JOURNAL_BYTES"), "JOURNAL_BYTES")
    parser.add_argument(
        "--journal-bytes",
        type=int,
        default=defaults.journal_bytes if journal_bytes is None else journal_bytes,
        help="how many bytes of requests, metadata and messages the journal keeps at most (default 64 MiB)",
    )
    parser.add_argument(
        "--control-token",
        default=env("CONTROL_TOKEN") or None,
        help="the control service answers only calls with 'authorization: Bearer TOKEN' (required when --host is"
        " not a loopback address)",
    )
    parser.add_argument(
        "--strict-tokens",
        action=argparse.BooleanOptionalAction,
        default=_env_bool(env("STRICT_TOKENS") or "", ENV_PREFIX + "STRICT_TOKENS"),
        help="accept only tokens the server issued (no hand-written 'user:...'/'app:...' tokens)",
    )
    max_rpcs = _env_int(env("MAX_CONCURRENT_RPCS"), "MAX_CONCURRENT_RPCS")
    parser.add_argument(
        "--max-concurrent-rpcs",
        type=int,
        default=defaults.max_concurrent_rpcs if max_rpcs is None else max_rpcs,
        help="gRPC calls in progress at once; more answer RESOURCE_EXHAUSTED (default 256)",
    )
    call_timeout = _env_float(env("CALL_TIMEOUT"), "CALL_TIMEOUT")
    parser.add_argument(
        "--call-timeout",
        type=float,
        default=defaults.call_timeout if call_timeout is None else call_timeout,
        help="seconds a gRPC call may last on the server, from its first byte (DEADLINE_EXCEEDED after; default 60)",
    )
    max_request = _env_int(env("MAX_REQUEST_BYTES"), "MAX_REQUEST_BYTES")
    parser.add_argument(
        "--max-request-bytes",
        type=int,
        default=defaults.max_request_bytes if max_request is None else max_request,
        help="the largest gRPC request message in bytes (default 4 MiB); larger ones answer RESOURCE_EXHAUSTED",
    )
    args = parser.parse_args(list(argv))
    if env("SEED") is not None:
        parser.error(
            f"{ENV_PREFIX}SEED is no longer read: {ENV_PREFIX}ID_SEED makes ids deterministic,"
            f" {ENV_PREFIX}SEED_FILE loads a workspace file"
        )
    if args.seed_file is not None and args.seed_file.isdigit():
        parser.error(f"--seed takes a workspace file; for deterministic ids use --id-seed {args.seed_file}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.rest_port is not None and not 0 <= args.rest_port <= 65535:
        parser.error(f"--rest-port must be between 0 and 65535, got {args.rest_port}")
    if args.max_workers < 1:
        parser.error("--max-workers must be at least 1")
    if args.journal_bytes < 0:
        parser.error("--journal-bytes must be zero or more")
    if args.journal_size < 0:
        parser.error("--journal-size must be zero or more")
    if args.max_concurrent_rpcs < 1:
        parser.error("--max-concurrent-rpcs must be at least 1")
    if not (math.isfinite(args.call_timeout) and 0 < args.call_timeout <= 86_400):
        parser.error(f"--call-timeout must be more than 0 and at most 86400 seconds, got {args.call_timeout}")
    if not 1024 <= args.max_request_bytes <= 2**31 - 1:
        parser.error(f"--max-request-bytes must be between 1024 and 2147483647, got {args.max_request_bytes}")
    if args.control_token is not None and (not args.control_token.strip() or not args.control_token.isprintable()):
        parser.error("--control-token must be printable text, not empty")
    if "\x00" in (args.host or "") or not args.host:
        parser.error("--host must be an address")
    for flag, path in (("--seed", args.seed_file), ("--export", args.export), ("--state", args.state)):
        if path is not None and ("\x00" in path or not path.strip()):
            parser.error(f"{flag} must be a file path")
    return Config(
        host=args.host,
        port=args.port,
        demo=args.demo,
        id_seed=args.id_seed,
        seed_file=args.seed_file,
        export=args.export,
        state=args.state,
        default_principal=args.default_principal,
        max_workers=args.max_workers,
        manual_clock=args.manual_clock,
        control=args.control,
        journal_size=args.journal_size,
        journal_bytes=args.journal_bytes,
        rest=args.rest,
        rest_port=args.rest_port,
        control_token=args.control_token,
        strict_tokens=args.strict_tokens,
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        call_timeout=args.call_timeout,
        max_request_bytes=args.max_request_bytes,
    )
