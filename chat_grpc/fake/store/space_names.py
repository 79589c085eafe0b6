"""The display names taken in each customer: a SPACE's name must be unique within its customer (compared without
surrounding blanks and without case), so CreateSpace, SetUpSpace and UpdateSpace ask this index instead of reading
every space of the store. The store calls ``index`` for a space it creates or changes and ``remove`` for one it
deletes, in the same places as the search index (space_index.py)."""

from __future__ import annotations

from chat_grpc.fake.store.model import Space

Key = tuple[str | None, str]  # (customer, folded display name)


def name_key(customer: str | None, display_name: str) -> Key:
    return customer, display_name.strip().casefold()


class SpaceNames:
    def __init__(self) -> None:
        self._by_key: dict[Key, set[str]] = {}
        self._key_of: dict[str, Key] = {}

    def index(self, space: Space) -> None:
        """Index a new space, or re-index one whose type, customer or display name may have changed."""
        key = name_key(space.customer, space.display_name) if space.space_type == "SPACE" else None
        old = self._key_of.get(space.id)
        if old == key:
            return
        if old is not None:
            self.remove(space.id)
        if key is not None:
            self._by_key.setdefault(key, set()).add(space.id)
            self._key_of[space.id] = key

    def remove(self, space_id: str) -> None:
        key = self._key_of.pop(space_id, None)
        if key is not None:
            holders = self._by_key[key]
            holders.discard(space_id)
            if not holders:
                del self._by_key[key]

    def holders(self, customer: str | None, display_name: str) -> set[str]:
        """The ids of the SPACEs of ``customer`` named ``display_name`` (up to blanks and case)."""
        return self._by_key.get(name_key(customer, display_name), set())
