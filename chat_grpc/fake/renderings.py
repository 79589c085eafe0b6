"""A bounded cache of rendered bytes, keyed by everything a rendering depends on: the codec's (messages, events,
spaces, records) and the REST door's (JSON answers). Forgotten all at once past a number of entries or of bytes,
so its memory has a ceiling and a lookup stays one dict access."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")


class Renderings(dict[K, bytes]):
    """Rendered bytes by what they depend on, forgotten all at once past a number of entries or of bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        super().__init__()
        self.max_entries, self.max_bytes, self.size = max_entries, max_bytes, 0

    def keep(self, key: K, rendered: bytes, key_bytes: int = 0) -> None:
        """Remember ``rendered`` under ``key``; ``key_bytes``: what the key itself holds, counted with it."""
        weight = len(rendered) + key_bytes
        if len(self) >= self.max_entries or self.size + weight > self.max_bytes:
            self.clear()
        self[key] = rendered
        self.size += weight

    def clear(self) -> None:
        super().clear()
        self.size = 0
