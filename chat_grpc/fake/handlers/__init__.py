"""RPC handlers, one module per resource; importing them registers them in ``rpc.HANDLERS``."""

from __future__ import annotations

import importlib

MODULES = (
    "spaces",
    "memberships",
    "messages",
    "custom_emojis",
    "reactions",
    "read_states",
    "notification_settings",
    "space_events",
    "pins",
    "sections",
    "availability",
    "search",
    "attachments",
)


def load() -> None:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
