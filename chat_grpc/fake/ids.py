"""Resource ids shaped like Google Chat's, random or (given a seed) deterministic."""

from __future__ import annotations

import os
import random
import string
import threading
from collections.abc import Callable

_ID_CHARS = string.ascii_letters + string.digits + "-_"
_ALNUM = string.ascii_letters + string.digits

# Unseeded ids come from the OS's CSPRNG, one ``os.urandom`` per id (not one per character, as
# ``SystemRandom.choices`` does), turned into characters by ``bytes.translate``: a byte's low 6 bits pick one of
# the 64 id characters; for the 62 alphanumerics, bytes 0..247 pick ``byte % 62`` (248 = 4 * 62: uniform) and
# 248..255 are dropped.
_TO_ID_CHARS = bytes(ord(_ID_CHARS[i % 64]) for i in range(256))
_TO_ALNUM = bytes(ord(_ALNUM[i % 62]) for i in range(256))
_NOT_ALNUM = bytes(range(248, 256))


def _random_chars(n: int, alphabet: str) -> str:
    """``n`` characters of ``alphabet`` (the 64 id characters or the 62 alphanumerics), each uniform and
    independent, from the OS's CSPRNG."""
    if alphabet == _ID_CHARS:
        return os.urandom(n).translate(_TO_ID_CHARS).decode("ascii")
    assert alphabet == _ALNUM
    out = os.urandom(n + 2 + n // 16).translate(_TO_ALNUM, _NOT_ALNUM)  # 1/32 of the bytes are dropped
    while len(out) < n:
        out += os.urandom(n).translate(_TO_ALNUM, _NOT_ALNUM)
    return out[:n].decode("ascii")


class IdGenerator:
    """Makes ids: spaces ``AAAAxxxxxxx`` (11 chars), users/apps 21 digits, messages ``xxxxxxxxxxx.xxxxxxxxxxx``."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
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
        if self._seed is None:  # unguessable: the OS's CSPRNG, one system call per id
            return _random_chars(n, alphabet)
        return "".join(self._random.choices(alphabet, k=n))  # a seeded stream: the same ids on every run

    def space_id(self) -> str:
        return self._unique(lambda: "AAAA" + self._chars(7, _ALNUM))

    def numeric_id(self) -> str:
        """Users, apps and groups: 21 digits, like People/Directory API ids."""
        return self._unique(lambda: str(self._random.randint(10**20, 10**21 - 1)))

    def message_id(self) -> str:
        # 22 random characters out of 64: a collision is never going to happen, so (unlike the short ids)
        # these are not remembered — a space with millions of messages would pay for the registry.
        if self._seed is None:
            chars = _random_chars(22, _ID_CHARS)
            return f"{chars[:11]}.{chars[11:]}"
        return f"{self._chars(11)}.{self._chars(11)}"

    def opaque_id(self, n: int = 16) -> str:
        """Events, reactions, custom emojis, attachments."""
        if n >= 11:  # 62**11 values: as safe as message ids, and as numerous (threads, reactions)
            return self._chars(n, _ALNUM)
        return self._unique(lambda: self._chars(n, _ALNUM))

    def draws_in_bulk(self) -> bool:
        """Whether ids may be drawn ahead, a batch at a time (nothing records the order of draws and clock
        readings, as a state file's tape does)."""
        return True

    def opaque_ids(self, n: int, count: int) -> list[str]:
        """``count`` opaque ids at once, for bulk seeding: a seeded generator gives exactly the ids ``count``
        calls of ``opaque_id(n)`` would (the same stream); a random one cuts them from one ``os.urandom``
        buffer (one system call, not one per character), uniform over the same 62 characters."""
        if self._seed is not None or n < 11:
            return [self.opaque_id(n) for _ in range(count)]
        wanted, text = n * count, ""
        while len(text) < wanted:  # bytes 248..255 are dropped (248 = 4 * 62): no character is favoured
            text += os.urandom(wanted - len(text) + wanted // 16 + 16).translate(_TO_ALNUM, _NOT_ALNUM).decode()
        return [text[i : i + n] for i in range(0, wanted, n)]

    def secret(self) -> bytes:
        if self._seed is None:
            return os.urandom(32)
        return bytes(self._random.getrandbits(8) for _ in range(32))

    def checkpoint(self) -> Callable[[], None] | None:
        """A function that sets the generator back to where it is now: the ids it has issued and, when seeded,
        its stream (a random one has nothing to set back: every draw is new). None for a subclass, which may
        hold state of its own that this cannot set back."""
        if type(self) is not IdGenerator:
            return None
        issued, stream = set(self._issued), self._random
        state = stream.getstate() if type(stream) is random.Random else None

        def restore() -> None:
            with self._lock:
                self._issued = issued
                self._random = stream
                if state is not None:
                    stream.setstate(state)

        return restore

    def reserve(self, *values: str) -> None:
        """Never issue these ids (made elsewhere: a workspace file, a replayed journal)."""
        with self._lock:
            self._issued.update(values)

    def fork(self, salt: str) -> None:
        """A seeded generator continues on another deterministic stream (after ids were replayed rather than
        drawn, so that it does not issue them again); a random one is left as it is."""
        if self._seed is not None:
            with self._lock:
                self._random = random.Random(f"{self._seed}/{salt}")


UNIQUE_KINDS = frozenset({"space", "numeric"})  # and opaque ids shorter than 11 characters


class IdGeneratorProxy(IdGenerator):
    """Forwards every id to ``inner``; subclasses intercept ``_next`` (seeding presets ids, the state journal
    records and replays them)."""

    def __init__(self, inner: IdGenerator) -> None:  # no super().__init__: this generator draws nothing itself
        self.inner = inner

    def _next(self, kind: str, n: int, make: Callable[[], str]) -> str:
        return make()

    @staticmethod
    def remembered(kind: str, n: int) -> bool:
        """Ids the generator keeps to issue each only once."""
        return kind in UNIQUE_KINDS or (kind == "opaque" and n < 11)

    def space_id(self) -> str:
        return self._next("space", 0, self.inner.space_id)

    def numeric_id(self) -> str:
        return self._next("numeric", 0, self.inner.numeric_id)

    def message_id(self) -> str:
        return self._next("message", 0, self.inner.message_id)

    def opaque_id(self, n: int = 16) -> str:
        return self._next("opaque", n, lambda: self.inner.opaque_id(n))

    def draws_in_bulk(self) -> bool:
        return False  # a proxy may record or replay each draw in its place among the clock readings

    def opaque_ids(self, n: int, count: int) -> list[str]:
        return [self.opaque_id(n) for _ in range(count)]  # one by one: each passes through _next

    def secret(self) -> bytes:
        return self.inner.secret()

    def reserve(self, *values: str) -> None:
        self.inner.reserve(*values)

    def fork(self, salt: str) -> None:
        self.inner.fork(salt)
