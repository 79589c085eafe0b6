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
    seed: int | None = None
    default_principal: str | None = None
    max_workers: int = 16


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

    parser = argparse.ArgumentParser(prog="python -m chat_grpc.server", description="Run the fake Google Chat API.")
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
    parser.add_argument("--seed", type=int, default=_env_int(env("SEED"), "SEED"), help="deterministic ids")
    parser.add_argument(
        "--default-principal",
        default=env("DEFAULT_PRINCIPAL"),
        help="user/app id or email that answers calls without a token (default: such calls are UNAUTHENTICATED)",
    )
    parser.add_argument(
        "--max-workers", type=int, default=_env_int(env("MAX_WORKERS"), "MAX_WORKERS") or defaults.max_workers
    )
    args = parser.parse_args(list(argv))
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.max_workers < 1:
        parser.error("--max-workers must be at least 1")
    return Config(
        host=args.host,
        port=args.port,
        demo=args.demo,
        seed=args.seed,
        default_principal=args.default_principal,
        max_workers=args.max_workers,
    )
