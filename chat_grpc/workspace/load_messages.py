"""Workspace files, loading messages (``load``'s steps 2 and 3, for the messages of a space): runs of plain messages
in one ``create_many`` batch each, the others one by one through ``create`` with their attachments, edit,
reactions and deletion in between. ``MessageMaker`` is a part of ``load._Loader``, which gives it the people,
the seeding clock and ids and the places of errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from chat_grpc.fake.errors import ChatError
from chat_grpc.fake.store import Actor, App, AuthKind, ChatStore, Space, User
from chat_grpc.fake.store.message_records import Message, MessageContent, NewMessage, ThreadRequest
from chat_grpc.workspace.plan import AnyMessagePlan, PlainMessagePlan, ReactionPlan, SpacePlan, Who
from chat_grpc.workspace.read import SeedError
from chat_grpc.workspace.seeding import SeedClock, SeedIds, user_actor

IMPORT_SCOPES = frozenset({"chat.import"})


class MessageMaker:
    """The messages of each space, made in the store (``message_ids`` keeps each space's ids by index)."""

    store: ChatStore
    clock: SeedClock
    ids: SeedIds
    principals: dict[Who, User | App]
    emoji_uids: dict[tuple[str, str], str]
    message_ids: dict[str, list[str]]  # space id -> its message ids, by index (file order)

    if TYPE_CHECKING:  # the loader's

        def place(self, path: str) -> AbstractContextManager[None]: ...

        def user(self, who: Who) -> User: ...

        def actor(self, who: Who, via_app: Who | None = None) -> Actor: ...

        def _importer(self, plan: SpacePlan) -> Actor: ...

    def _messages(self, plan: SpacePlan, space: Space) -> None:
        """The space's messages in file order: runs of plain messages (no attachments, edits, reactions or
        deletion, whose operations come between creates) in one ``create_many`` batch each — the same state as
        one ``create`` apiece, several times faster — and the others one by one."""
        self.message_ids[space.id] = []
        batch: list[AnyMessagePlan] = []
        for message in plan.messages:
            if type(message) is PlainMessagePlan or not (
                message.attachments or message.reactions or message.update_time or message.delete_time
            ):
                batch.append(message)
                continue
            if batch:
                self._batch(plan, space, batch)
                batch = []
            self._message(plan, space, message)
        if batch:
            self._batch(plan, space, batch)

    def _batch(self, plan: SpacePlan, space: Space, batch: list[AnyMessagePlan]) -> None:
        store = self.store
        # One actor per sender (by its Who's id, with its app's if through one): create_many checks each once.
        actors: dict[int | tuple[int, int], Actor] = {}
        importer = self._importer(plan) if plan.import_mode else None
        message_ids = self.message_ids[space.id]
        first = batch[0].index  # a checked plan holds every message: the batch's indexes follow each other
        assert first == len(message_ids) and batch[-1].index == first + len(batch) - 1
        principals, new_thread = self.principals, ThreadRequest()  # frozen: one for every message that asks none
        content = MessageContent.plain

        def sender(who: Who, via_app: Who | None) -> Actor:
            key = id(who) if via_app is None else (id(who), id(via_app))
            actor = importer or actors.get(key)
            if actor is None:
                actor = actors[key] = self.actor(who, via_app)
            return actor

        def items() -> Iterator[NewMessage]:  # made as create_many takes them: a million need not be held at once
            cards: tuple[tuple[str, bytes], ...]
            widgets: tuple[bytes, ...]
            for message in batch:
                if type(message) is PlainMessagePlan:  # its row, read at once (a plain message has none of the rest)
                    _, _, _, who, text, fallback, key, root, client_id, when, _ = message
                    via_app, given_id, cards, widgets, viewer = None, None, (), (), ""
                    actor = importer or actors.get(id(who)) or sender(who, None)
                else:
                    who, via_app, given_id, root, key = (
                        message.sender,
                        message.via_app,
                        message.id,
                        message.reply_to,
                        message.thread_key,
                    )
                    text, fallback, cards, widgets = (
                        message.text,
                        message.fallback_text,
                        message.cards_v2,
                        message.accessory_widgets,
                    )
                    client_id, when = message.client_id, message.create_time
                    viewer = principals[message.private_viewer].id if message.private_viewer else ""
                    actor = sender(who, via_app)
                reply_to = root - first if root is not None and root >= first else None  # its position in the batch
                if given_id is None and (reply_to is not None or (root is None and not key)):  # not by key
                    thread, own = new_thread, None  # what _thread answers (or the reply_to below replaces)
                else:
                    thread, own = self._thread(space, message)
                    if reply_to is not None:  # its thread starts in this batch: replied to by position
                        thread = new_thread
                yield NewMessage(
                    content(text, fallback, cards, widgets),
                    thread,
                    client_id,
                    viewer,
                    when,
                    reply_to,
                    own,
                    actor,
                )

        before = store.messages.count(space.id)
        try:
            made = store.messages.create_many(sender(batch[0].sender, batch[0].via_app), space.id, items())
        except ChatError as error:  # each message made before the failing one is one more in the space
            failed = batch[store.messages.count(space.id) - before]
            raise SeedError([f"{failed.path}: {error}"]) from None
        assert len(made) == len(batch)
        message_ids.extend(made)

    def _thread(self, space: Space, message: AnyMessagePlan) -> tuple[ThreadRequest, str | None]:
        """How a message joins its thread (what create is asked), and the id part it brings, if any."""
        if message.reply_to is not None:
            made = self.message_ids[space.id]
            root_id = made[message.reply_to] if message.reply_to < len(made) else ""
            thread = ThreadRequest(name=root_id.partition(".")[0], reply_option="REPLY_MESSAGE_OR_FAIL")
            return thread, message.id.partition(".")[2] if message.id else None
        if message.thread_key:
            thread = ThreadRequest(key=message.thread_key, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
            return thread, message.id.partition(".")[0] if message.id else None
        return ThreadRequest(), message.id.partition(".")[0] if message.id else None

    def _message(self, plan: SpacePlan, space: Space, message: AnyMessagePlan) -> None:
        store = self.store
        actor = self._importer(plan) if plan.import_mode else self.actor(message.sender, message.via_app)
        with self.place(message.path):
            tokens = []
            for attachment in message.attachments:
                with self.ids.preset(("opaque", 24, attachment.id)):
                    tokens.append(store.messages.upload(space.id, attachment.name, attachment.content_type))
            thread, own = self._thread(space, message)
            viewer = self.principals[message.private_viewer].id if message.private_viewer else ""
            content = MessageContent(
                text=message.text,
                fallback_text=message.fallback_text,
                cards_v2=message.cards_v2,
                accessory_widgets=message.accessory_widgets,
                attachment_tokens=tuple(tokens),
            )
            with self.clock.pinned(message.create_time), self.ids.preset(("opaque", 11, own)):
                created = store.messages.create(
                    actor,
                    space.id,
                    content,
                    thread,
                    client_id=message.client_id,
                    private_viewer_id=viewer,
                    create_time=message.create_time,
                )
            message_ids = self.message_ids[space.id]
            assert message.index == len(message_ids)
            message_ids.append(created.id)
            if message.update_time is not None:
                with self.clock.pinned(message.update_time):
                    store.messages.update(actor, space.id, created.id, content, frozenset({"text"}))
            for reaction in message.reactions:
                with self.place(reaction.path):
                    self._reaction(plan, space, created, reaction)
            if message.delete_time is not None:
                with self.clock.pinned(message.delete_time):
                    store.messages.tombstone(space.id, created.id, message.deletion_type)

    def _reaction(self, plan: SpacePlan, space: Space, message: Message, reaction: ReactionPlan) -> None:
        user = self.user(reaction.user)
        actor = Actor(user, AuthKind.USER, IMPORT_SCOPES) if plan.import_mode else user_actor(user)
        uid = self.emoji_uids[reaction.custom_emoji] if reaction.custom_emoji else ""
        with self.clock.pinned(reaction.create_time), self.ids.preset(("opaque", 16, reaction.id)):
            self.store.reactions.create(actor, space.id, message.id, unicode=reaction.unicode, custom_emoji_uid=uid)
