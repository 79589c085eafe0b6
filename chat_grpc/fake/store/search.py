"""SearchMessages: an inverted index over message text, so a page of results costs O(spaces · log n + page).

For each space the index keeps, per word of the message text (and per sender, under a reserved key), the
messages holding it sorted by timeline key (create time, then sequence). A search picks, in each space in scope,
the shortest of the lists its query names (a keyword's, a single sender's, else the space's timeline), jumps to
the create-time window and the page cursor by bisection, and merges the spaces' streams by key: newest first
unless ``create_time asc``. Each candidate is then checked against the whole query (every keyword, phrases,
senders, not deleted, visible to the caller). Index entries are added as messages are posted or edited and
never removed: a stale entry (a word an edit took out) fails the check, and a message is in a list at most once.

A space's index is built the first time a search reaches the space (one pass over its timeline) and kept up to
date from then on, so posting messages costs nothing extra until somebody searches.
"""

from __future__ import annotations

import functools
import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from chat_grpc.fake.search_query import SearchQuery, words
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.message_records import SEQ_BITS, Message, _micros, stamp
from chat_grpc.fake.store.model import Actor

if TYPE_CHECKING:
    from chat_grpc.fake.store.messages import MessageBook
    from chat_grpc.fake.store.notification_settings import NotificationSettingBook
    from chat_grpc.fake.store.read_states import ReadStateBook


class _Store(StoreCore, Protocol):
    """The store with the books this one reads."""

    messages: MessageBook
    notification_settings: NotificationSettingBook
    read_states: ReadStateBook


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SENDER = "\x00sender:"  # reserved index key: no word contains \x00
MAX_DISPLAY_NAME_SPACES = 5  # space.display_name narrows to the five best matches, as documented


# The words of the texts searches check, kept by text: a page checks the same few candidates call after call.
_text_words = functools.lru_cache(maxsize=4096)(words)


def _key(message: Message) -> int:
    return message.key


T = TypeVar("T")
# What a search hands out of a hit: made of the live message (stamped, message_records.stamp), whether the caller
# has read it and the caller's mute setting of its space (both None/"" unless full_view), under the store's lock.
HitView = Callable[[Message, bool | None, str], T]


class MessageSearch:
    def __init__(self, core: _Store) -> None:
        self._core = core
        self._postings: dict[str, dict[str, list[Message]]] = {}  # space -> word -> messages by key
        core.on_message_created.append(self._on_message_created)
        core.on_message_updated.append(self._maintain)
        core.on_space_deleted.append(lambda space_id: self._postings.pop(space_id, None))

    def _on_message_created(self, _actor: Actor, message: Message) -> None:
        self._maintain(message, "")

    def messages_created(self, space_id: str, people: list[str | None], messages: list[Message]) -> None:
        """What ``_on_message_created`` once per message, in order, does for new ``messages`` of ``space_id``
        (``people``: who posted each; not needed here): nothing until somebody searched the space, else each
        is listed under its words."""
        postings = self._postings.get(space_id)
        if postings is not None:
            for message in messages:
                self._index(postings, message, message.text, "")

    def _maintain(self, message: Message, before: str) -> None:
        if message.space_id in self._postings:  # spaces nobody searched yet have no index to keep
            self._index(self._postings[message.space_id], message, message.text, before)

    def _space_index(self, space_id: str) -> dict[str, list[Message]]:
        postings = self._postings.get(space_id)
        if postings is None:
            postings = self._postings[space_id] = {}
            book = self._core.messages._spaces.get(space_id)
            for message in book.timeline if book else []:
                self._index(postings, message, message.text, "")
        return postings

    def _index(self, postings: dict[str, list[Message]], message: Message, text: str, before: str) -> None:
        old = set(words(before)) | ({SENDER + message.sender_id} if before else set())
        for word in set(words(text)) | {SENDER + message.sender_id}:
            if word in old:
                continue  # already listed (posted with it, or an earlier version had it)
            entries = postings.setdefault(word, [])
            if not entries or entries[-1].key < message.key:
                entries.append(message)  # the usual case: the newest message
            else:
                insort(entries, message, key=_key)

    # ------------------------------------------------------------------ query

    def _spaces(self, actor: Actor, query: SearchQuery) -> list[str]:
        core = self._core
        chosen = []
        for space_id in core._spaces_of.get(actor.principal.id, ()):
            state = core._spaces[space_id]
            membership = state.members.get(actor.principal.id)
            space = state.space
            if membership is None or membership.state != "JOINED" or space.import_mode:
                continue
            if not all(space.name in group for group in query.space_groups):
                continue
            if not all(space.space_type in group for group in query.space_type_groups):
                continue
            display = set(words(space.display_name))
            if not all(any(set(words(v)) <= display and words(v) for v in g) for g in query.display_names):
                continue
            chosen.append(space_id)
        if query.display_names:  # the five best matches: the most recently active
            spaces = core._spaces
            chosen.sort(key=lambda s: spaces[s].space.last_active_time or _EPOCH, reverse=True)
            chosen = chosen[:MAX_DISPLAY_NAME_SPACES]
        return sorted(chosen)

    def _senders(self, query: SearchQuery) -> list[set[str]]:
        groups = []
        for group in query.sender_groups:
            ids = set()
            for name in group:
                who = name.removeprefix("users/")
                user = self._core.user_by_email(who) if "@" in who else None
                ids.add(user.id if user else who)
            groups.append(ids)
        return groups

    def _stream(
        self,
        space_id: str,
        query: SearchQuery,
        senders: list[set[str]],
        *,
        newest_first: bool,
        low: int,
        high: int,
    ) -> Iterator[tuple[int, str, Message]]:
        postings = self._space_index(space_id)
        lists = [postings.get(word, []) for word in set(query.keywords)]
        lists += [postings.get(SENDER + next(iter(group)), []) for group in senders if len(group) == 1]
        if lists:
            entries = min(lists, key=len)
        else:
            book = self._core.messages._spaces.get(space_id)
            entries = book.timeline if book else []
        start = bisect_left(entries, low, key=_key)
        end = bisect_left(entries, high, key=_key)
        indices = range(end - 1, start - 1, -1) if newest_first else range(start, end)
        for i in indices:
            message = entries[i]
            yield (-message.key if newest_first else message.key), space_id, message

    def search(
        self,
        actor: Actor,
        query: SearchQuery,
        *,
        newest_first: bool,
        cursor: tuple[int, str] | None,
        limit: int,
        full_view: bool,
        view: HitView[T],
    ) -> tuple[list[T], tuple[int, str] | None]:
        """A page of matches after ``cursor`` (the previous page's last (order key, space id), the order key being
        the timeline key, negated when newest first), each as ``view`` makes it (it must not keep or change the
        message: ``clone`` it for a copy); the next cursor or None."""
        core = self._core
        with core.lock:
            senders = self._senders(query)
            low = _micros(query.after) << SEQ_BITS if query.after else 0
            high = _micros(query.before) << SEQ_BITS if query.before else 1 << 120
            if cursor is not None:  # narrow the window to the cursor's key; ties are skipped below
                if newest_first:
                    high = min(high, -cursor[0] + 1)
                else:
                    low = max(low, cursor[0])
            streams = [
                self._stream(s, query, senders, newest_first=newest_first, low=low, high=high)
                for s in self._spaces(actor, query)
            ]
            hits: list[T] = []
            last: tuple[int, str] | None = None
            for order_key, space_id, message in heapq.merge(*streams):
                core.steps.count += 1
                if cursor is not None and (order_key, space_id) <= cursor:
                    continue
                if not self._accepts(actor, message, query, senders):
                    continue
                if len(hits) == limit:
                    return hits, last
                hits.append(self._hit(actor, message, full_view, view))
                last = (order_key, space_id)
            return hits, None

    def _accepts(self, actor: Actor, message: Message, query: SearchQuery, senders: list[set[str]]) -> bool:
        if message.delete_time is not None or not self._core.messages._can_see(actor, message):
            return False
        if not all(message.sender_id in group for group in senders):
            return False
        return not (query.keywords or query.phrases) or query.matches_words(_text_words(message.text))

    def _hit(self, actor: Actor, message: Message, full_view: bool, view: HitView[T]) -> T:
        stamp(message)
        if not full_view:
            return view(message, None, "")
        core = self._core
        user = actor.principal.id
        if message.sender_id == user:
            read = True
        else:
            thread = message.thread_id if message.thread_reply else ""
            last = core.read_states.read_time(user, message.space_id, thread)
            read = last is not None and message.create_time <= last
        return view(message, read, core.notification_settings.mute_setting(user, message.space_id))
