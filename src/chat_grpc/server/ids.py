"""Resource ids shaped like Google Chat's, random or (given a seed) deterministic."""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Callable

_ID_CHARS = string.ascii_letters + string.digits + "-_"


class IdGenerator:
    """Makes ids: spaces ``AAAAxxxxxxx`` (11 chars), users/apps 21 digits, messages ``xxxxxxxxxxx.xxxxxxxxxxx``."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()
        self._lock = threading.Lock()
        self._issued: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        with self._lock:
            while True:
                value = make()
                if value not in self._issued:
                    self._issued.add(value)
                    return value

    def _chars(self, n: int, alphabet: str = _ID_CHARS) -> str:
        return "".join(self._random.choice(alphabet) for _ in range(n))

    def space_id(self) -> str:
        return self._unique(lambda: "AAAA" + self._chars(7, string.ascii_letters + string.digits))

    def numeric_id(self) -> str:
        """Users, apps and groups: 21 digits, like People/Directory API ids."""
        return self._unique(lambda: str(self._random.randint(10**20, 10**21 - 1)))

    def message_id(self) -> str:
        # 22 random characters out of 64: a collision is never going to happen, so (unlike the short ids)
        # these are not remembered — a space with millions of messages would pay for the registry.
        return f"{self._chars(11)}.{self._chars(11)}"

    def opaque_id(self, n: int = 16) -> str:
        """Events, reactions, custom emojis, attachments."""
        if n >= 11:  # 62**11 values: as safe as message ids, and as numerous (threads, reactions)
            return self._chars(n, string.ascii_letters + string.digits)
        return self._unique(lambda: self._chars(n, string.ascii_letters + string.digits))

    def secret(self) -> bytes:
        return bytes(self._random.getrandbits(8) for _ in range(32))
