"""Emulator configuration: command-line flags over ``CHAT_EMULATOR_*`` environment variables, one pure
function, so it can be tested without starting anything."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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

    @property
    def effective_rest_port(self) -> int:
        if self.rest_port is not None:
            return self.rest_port
        return self.port + 1 if 0 < self.port < 65535 else 0


def _env_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SystemExit(f"{name} must be true or false, got {value!r}")


def _env_int(value: str | None, name: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{ENV_PREFIX}{name} must be a whole number, got {value!r}") from None


def parse_args(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Config:
    """Flags win over environment variables, which win over the defaults."""
    source = os.environ if environ is None else environ
    defaults = Config()

    def env(name: str) -> str | None:
        return source.get(ENV_PREFIX + name)

    parser = argparse.ArgumentParser(
        prog="chat-grpc-emulator", description="Run the fake Google Chat API (also: python -m chat_grpc.server)."
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
    )
