"""RPC handlers, one module per resource; importing them registers them in ``rpc.HANDLERS``."""

from __future__ import annotations

import importlib

MODULES = ("spaces", "memberships")


def load() -> None:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
