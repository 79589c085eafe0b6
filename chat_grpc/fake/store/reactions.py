"""Reactions: state and rules (no gRPC).

A reaction is one user's emoji on one message: a Unicode emoji, or a custom emoji of the user's organization
named by its uid. A user reacts at most once with each emoji to a message (a second identical reaction is
ALREADY_EXISTS, AIP-133). Each message's ``reaction_counts`` (rendered as ``emoji_reaction_summaries``) is kept
exact by every create and delete here, under the store's lock: one count per emoji, an emoji whose count drops
to 0 disappears.

Reactions belong to their message: those of a deleted message are gone with it (the message's counts are
reset when it is deleted; its records are dropped the next time the message is touched here), those of a
deleted space with the space, those of a deleted custom emoji with the emoji (recording ``reaction.v1.deleted``
events, since the messages' summaries change). Each page of ListReactions is found by bisecting the message's
creation-ordered index: it costs what it returns plus what its filter skips.
"""

from __future__ import annotations

import builtins
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chat_grpc.fake.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import SpaceState, StoreCore
from chat_grpc.fake.store.message_records import Message, changed
from chat_grpc.fake.store.model import Actor, clone
from chat_grpc.fake.store.ordering import InsertionOrder, SecondaryIndex, Steps

if TYPE_CHECKING:
    from chat_grpc.fake.store.emojis import CustomEmoji, CustomEmojiBook
    from chat_grpc.fake.store.messages import MessageBook


class _Store(StoreCore, Protocol):
    """The store with the books this one reads."""

    messages: MessageBook
    custom_emojis: CustomEmojiBook


IMPORT = "chat.import"
CREATED = "google.workspace.chat.reaction.v1.created"
DELETED = "google.workspace.chat.reaction.v1.deleted"
UNICODE_PREFIX, CUSTOM_PREFIX = "u:", "c:"  # emoji keys, as in Message.reaction_counts


@dataclass(slots=True)
class Reaction:
    space_id: str
    message_id: str  # the message's server-assigned id (even when the request named it by its client id)
    id: str
    user_id: str
    emoji_key: str  # "u:<unicode>" | "c:<custom emoji uid>"
    create_time: datetime
    emoji_name: str = ""  # ":name:" of a custom emoji
    seq: int = 0  # creation order, for stable pagination

    @property
    def name(self) -> str:
        return f"spaces/{self.space_id}/messages/{self.message_id}/reactions/{self.id}"

    @property
    def user_name(self) -> str:
        return f"users/{self.user_id}"

    @property
    def unicode(self) -> str | None:
        return self.emoji_key[len(UNICODE_PREFIX) :] if self.emoji_key.startswith(UNICODE_PREFIX) else None

    @property
    def custom_emoji_uid(self) -> str | None:
        return self.emoji_key[len(CUSTOM_PREFIX) :] if self.emoji_key.startswith(CUSTOM_PREFIX) else None


# ------------------------------------------------------------------ Unicode emoji

VS15, VS16, ZWJ, KEYCAP = 0xFE0E, 0xFE0F, 0x200D, 0x20E3
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
_TAGS, _CANCEL_TAG, _BLACK_FLAG = range(0xE0020, 0xE007F), 0xE007F, 0x1F3F4
_KEYCAP_BASES = frozenset(map(ord, "0123456789#*"))
# Emoji outside the pictographic blocks (Unicode's emoji-data.txt, BMP part outside 2600-27BF).
_BMP_EMOJI = frozenset(
    {0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, *range(0x2194, 0x219A), 0x21A9, 0x21AA, 0x231A, 0x231B}
    | {0x2328, 0x23CF, *range(0x23E9, 0x23F4), *range(0x23F8, 0x23FB), 0x24C2, 0x25AA, 0x25AB, 0x25B6, 0x25C0}
    | {*range(0x25FB, 0x25FF), 0x2934, 0x2935, *range(0x2B05, 0x2B08), 0x2B1B, 0x2B1C, 0x2B50, 0x2B55}
    | {0x3030, 0x303D, 0x3297, 0x3299}
)
MAX_ZWJ_ELEMENTS = 10
MAX_EMOJI_CODE_POINTS = 32


def _pictographic(cp: int) -> bool:
    if cp in _BMP_EMOJI:
        return True
    if 0x2600 <= cp <= 0x27BF:  # Miscellaneous Symbols, Dingbats
        return unicodedata.category(chr(cp)) == "So"
    if 0x1F000 <= cp <= 0x1FAFF and cp not in _SKIN_TONES and cp not in _REGIONAL_INDICATORS:
        # Symbols of the emoji blocks; unassigned ones too, for emoji newer than this Python's Unicode data.
        return unicodedata.category(chr(cp)) in ("So", "Cn")
    return False


def is_single_emoji(text: str) -> bool:
    """True for one emoji: a pictographic symbol with an optional presentation selector and skin tone, a ZWJ
    sequence of those (👩‍💻, ❤️‍🔥), a keycap (1️⃣), a flag (two regional indicators, or 🏴 + tags). Plausible, not
    exact: the fake does not carry Unicode's emoji tables, so a few non-emoji symbols of those blocks pass."""
    cps = [ord(c) for c in text]
    if not cps or len(cps) > MAX_EMOJI_CODE_POINTS:
        return False
    if len(cps) == 2 and all(cp in _REGIONAL_INDICATORS for cp in cps):
        return True
    if len(cps) >= 3 and cps[0] == _BLACK_FLAG and cps[-1] == _CANCEL_TAG and all(cp in _TAGS for cp in cps[1:-1]):
        return True
    if cps[0] in _KEYCAP_BASES:
        return cps[1:] in ([KEYCAP], [VS16, KEYCAP])
    i, elements = 0, 0
    while True:
        if i >= len(cps) or not _pictographic(cps[i]):
            return False
        i += 1
        if i < len(cps) and cps[i] in (VS15, VS16):
            i += 1
        if i < len(cps) and cps[i] in _SKIN_TONES:
            i += 1
            if i < len(cps) and cps[i] == VS16:
                i += 1
        elements += 1
        if i == len(cps):
            return True
        if cps[i] != ZWJ or elements == MAX_ZWJ_ELEMENTS:
            return False
        i += 1


def check_unicode_emoji(text: str, field: str) -> None:
    if not text:
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if not is_single_emoji(text):
        raise InvalidArgument(f"{field} must be exactly one Unicode emoji, got {text!r}", field=field)


# ------------------------------------------------------------------ state


def _emoji_key(reaction: Reaction) -> str:
    return reaction.emoji_key


def _user_id(reaction: Reaction) -> str:
    return reaction.user_id


@dataclass
class _MessageReactions:
    """The reactions of one message, in creation order and split by emoji and by user (ListReactions' filters)."""

    by_id: dict[str, Reaction] = field(default_factory=dict)
    by_user_emoji: dict[tuple[str, str], str] = field(default_factory=dict)  # (user id, emoji key) -> reaction id
    order: InsertionOrder = field(default_factory=InsertionOrder)  # reactions by seq, for paging
    by_emoji: SecondaryIndex[str] = field(default_factory=lambda: SecondaryIndex(_emoji_key))
    by_user: SecondaryIndex[str] = field(default_factory=lambda: SecondaryIndex(_user_id))

    def add(self, reaction: Reaction) -> None:
        self.by_id[reaction.id] = reaction
        self.by_user_emoji[reaction.user_id, reaction.emoji_key] = reaction.id
        self.index(reaction)

    def index(self, reaction: Reaction) -> None:
        """Index a new reaction (its ``seq`` set) for paging: what any path that inserts one must call."""
        self.order.append(reaction.seq, reaction.id)
        self.by_emoji.add(reaction.seq, reaction.id, reaction.emoji_key)
        self.by_user.add(reaction.seq, reaction.id, reaction.user_id)

    def remove(self, reaction: Reaction) -> None:
        del self.by_id[reaction.id]
        del self.by_user_emoji[reaction.user_id, reaction.emoji_key]
        self.order.compact(self.by_id)
        self.by_emoji.compact(self.by_id)
        self.by_user.compact(self.by_id)

    def iter_from(self, after_seq: int, steps: Steps | None = None) -> Iterator[Reaction]:
        return self.order.after(after_seq, self.by_id, steps)

    def matching(
        self, emoji_keys: frozenset[str], user_ids: frozenset[str], after_seq: int, steps: Steps
    ) -> Iterator[Reaction]:
        """The reactions with one of ``emoji_keys`` (empty: any) by one of ``user_ids`` (empty: any), after a
        position, in creation order: read from the index of the constraint given, or (both given) looked up by
        each (user, emoji) pair, of which there is at most one reaction."""
        if emoji_keys and user_ids:
            found = []
            for pair in sorted((user, emoji) for user in user_ids for emoji in emoji_keys):
                steps.count += 1
                reaction_id = self.by_user_emoji.get(pair)
                reaction = self.by_id.get(reaction_id) if reaction_id is not None else None
                if reaction is not None and reaction.seq > after_seq:
                    found.append(reaction)
            return iter(sorted(found, key=lambda r: r.seq))
        if emoji_keys:
            return self.by_emoji.after(after_seq, sorted(emoji_keys), self.by_id, steps)
        if user_ids:
            return self.by_user.after(after_seq, sorted(user_ids), self.by_id, steps)
        return self.iter_from(after_seq, steps)


class ReactionBook:
    """The reactions of every message, kept under the ChatStore's lock."""

    def __init__(self, core: _Store) -> None:
        self._core = core
        self._spaces: dict[str, dict[str, _MessageReactions]] = {}  # space id -> message id -> reactions
        self._by_custom_emoji: dict[str, set[tuple[str, str, str]]] = {}  # uid -> (space, message, reaction)
        self._next_seq = 1
        core.on_space_deleted.append(self._drop_space)
        core.custom_emojis.on_deleted.append(self._drop_custom_emoji)

    # ------------------------------------------------------------------ helpers (lock held)

    def _message(self, actor: Actor, space_id: str, message_id: str) -> tuple[SpaceState, Message]:
        """The space and its live message, if the caller may see them (NOT_FOUND otherwise, as GetMessage)."""
        core = self._core
        state = core._state(actor, space_id)
        core._require_import_space_if_import_only(actor, state.space)
        return state, core.messages.resolve(actor, space_id, message_id)

    def _live_message(self, space_id: str, message_id: str) -> Message | None:
        """A message by its server-assigned id, without visibility checks (for hooks and introspection)."""
        book = self._core.messages._spaces.get(space_id)
        return book.by_id.get(message_id) if book else None

    def _reactions(self, message: Message, *, create: bool = False) -> _MessageReactions | None:
        """The message's reactions; a deleted message has none (its records are dropped here)."""
        space = self._spaces.get(message.space_id)
        if message.delete_time is not None:
            dropped = space.pop(message.id, None) if space else None
            if dropped is not None:
                self._unindex(list(dropped.by_id.values()))
            return None
        if space is None:
            if not create:
                return None
            space = self._spaces[message.space_id] = {}
        found = space.get(message.id)
        if found is None and create:
            found = space[message.id] = _MessageReactions()
        return found

    def _unindex(self, reactions: Iterable[Reaction]) -> None:
        for reaction in reactions:
            uid = reaction.custom_emoji_uid
            users = self._by_custom_emoji.get(uid) if uid is not None else None
            if uid is not None and users is not None:
                users.discard((reaction.space_id, reaction.message_id, reaction.id))
                if not users:
                    del self._by_custom_emoji[uid]

    def _custom_emoji(self, actor: Actor, uid: str, field: str) -> CustomEmoji:
        """A custom emoji of the caller's organization, by uid (FAILED_PRECONDITION when its admin turned them
        off, NOT_FOUND when there is none)."""
        book = self._core.custom_emojis
        user = book._user(actor)
        missing = NotFound(f"{field}: no custom emoji of the caller's organization has uid {uid!r}", field=field)
        if uid.startswith(":"):  # the :name: alias names a custom emoji resource, it is not a uid
            raise missing
        try:
            return book._find(user.customer, uid, field)
        except NotFound:
            raise missing from None

    def _remove(self, message: Message, reactions: _MessageReactions, reaction: Reaction) -> None:
        reactions.remove(reaction)
        self._unindex([reaction])
        changed(message)
        counts = message.reaction_counts or {}
        count = counts.get(reaction.emoji_key, 0) - 1
        if count > 0:
            counts[reaction.emoji_key] = count
        else:
            counts.pop(reaction.emoji_key, None)
        message.reaction_counts = counts or None
        self._core._record(reaction.space_id, DELETED, reaction.name, clone(reaction))

    def _drop_space(self, space_id: str) -> None:
        space = self._spaces.pop(space_id, None)
        for reactions in space.values() if space else ():
            self._unindex(list(reactions.by_id.values()))

    def _drop_custom_emoji(self, emoji: CustomEmoji) -> None:
        """A deleted custom emoji takes its reactions with it (the emoji can no longer be rendered or reused)."""
        for space_id, message_id, reaction_id in sorted(self._by_custom_emoji.pop(emoji.uid, ())):
            reactions = self._spaces.get(space_id, {}).get(message_id)
            reaction = reactions.by_id.get(reaction_id) if reactions else None
            message = self._live_message(space_id, message_id)
            if reactions is None or reaction is None or message is None:
                continue
            if message.delete_time is not None:
                reactions.remove(reaction)  # already gone from the deleted message's (reset) counts
                continue
            self._remove(message, reactions, reaction)

    # ------------------------------------------------------------------ operations

    def create(
        self, actor: Actor, space_id: str, message_id: str, *, unicode: str = "", custom_emoji_uid: str = ""
    ) -> Reaction:
        """React to a message as the calling user with a Unicode emoji (already checked by the handler) or a
        custom emoji of the caller's organization."""
        core = self._core
        with core.lock:
            state, message = self._message(actor, space_id, message_id)
            if message.delete_time is not None:
                raise NotFound(f"message {message.name} was deleted; it cannot get reactions", field="parent")
            core.messages._joined(actor, state)
            emoji_name = ""
            if custom_emoji_uid:
                emoji = self._custom_emoji(actor, custom_emoji_uid, "reaction.emoji.custom_emoji.uid")
                key, emoji_name = CUSTOM_PREFIX + emoji.uid, emoji.emoji_name
            else:
                key = UNICODE_PREFIX + unicode
            reactions = self._reactions(message, create=True)
            assert reactions is not None
            existing = reactions.by_user_emoji.get((actor.principal.id, key))
            if existing is not None:
                raise AlreadyExists(
                    f"the caller already reacted to {message.name} with this emoji: {reactions.by_id[existing].name}",
                    reason="REACTION_ALREADY_EXISTS",
                )
            reaction = Reaction(
                space_id=message.space_id,
                message_id=message.id,
                id=core.ids.opaque_id(),
                user_id=actor.principal.id,
                emoji_key=key,
                create_time=core.clock.now(),
                emoji_name=emoji_name,
                seq=self._next_seq,
            )
            self._next_seq += 1
            reactions.add(reaction)
            if custom_emoji_uid:
                self._by_custom_emoji.setdefault(custom_emoji_uid, set()).add(
                    (reaction.space_id, reaction.message_id, reaction.id)
                )
            changed(message)
            counts = message.reaction_counts = message.reaction_counts or {}  # made on the first reaction
            counts[key] = counts.get(key, 0) + 1
            core._record(reaction.space_id, CREATED, reaction)
            return clone(reaction)

    def list(
        self,
        actor: Actor,
        space_id: str,
        message_id: str,
        *,
        emoji_keys: frozenset[str] = frozenset(),
        user_ids: frozenset[str] = frozenset(),
        after: int,
        limit: int,
    ) -> tuple[list[Reaction], int | None]:
        """A page of a message's reactions with one of ``emoji_keys`` (``u:<unicode>`` / ``c:<custom emoji uid>``;
        empty: any) by one of ``user_ids`` (empty: anyone), in creation order after position ``after``, and the
        position to continue from (None on the last page). Costs what the page holds, whatever the filter."""
        with self._core.lock:
            _, message = self._message(actor, space_id, message_id)
            reactions = self._reactions(message)  # none on a deleted message
            page: list[Reaction] = []
            steps = self._core.steps
            for reaction in reactions.matching(emoji_keys, user_ids, after, steps) if reactions else ():
                if len(page) == limit:
                    return page, page[-1].seq
                page.append(clone(reaction))
            return page, None

    def delete(self, actor: Actor, space_id: str, message_id: str, reaction_id: str) -> Reaction:
        """Delete the caller's own reaction; returns it."""
        with self._core.lock:
            _, message = self._message(actor, space_id, message_id)
            if message.delete_time is not None:
                raise NotFound(f"message {message.name} was deleted, and its reactions with it", field="name")
            reactions = self._reactions(message)
            reaction = reactions.by_id.get(reaction_id) if reactions else None
            if reactions is None or reaction is None:
                raise NotFound(f"reaction {message.name}/reactions/{reaction_id} not found", field="name")
            if reaction.user_id != actor.principal.id:
                raise PermissionDenied(
                    f"only the user who reacted may delete {reaction.name}", reason="NOT_THE_REACTION_OWNER"
                )
            self._remove(message, reactions, reaction)
            return clone(reaction)

    # ------------------------------------------------------------------ introspection

    def find(self, space_id: str, message_id: str, reaction_id: str) -> Reaction | None:
        """A live reaction by its ids (server-assigned message id), e.g. for the payload of a space event."""
        with self._core.lock:
            reactions = self._spaces.get(space_id, {}).get(message_id)
            message = self._live_message(space_id, message_id) if reactions else None
            if reactions is None or message is None or message.delete_time is not None:
                return None
            found = reactions.by_id.get(reaction_id)
            return clone(found) if found else None

    def all(self, space_id: str, message_id: str) -> builtins.list[Reaction]:
        """Every live reaction of a message (server-assigned id), in creation order: for tests and tools."""
        with self._core.lock:
            reactions = self._spaces.get(space_id, {}).get(message_id)
            message = self._live_message(space_id, message_id) if reactions else None
            if reactions is None or message is None or message.delete_time is not None:
                return []
            return [clone(r) for r in reactions.iter_from(0)]
