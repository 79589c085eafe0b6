"""Messages, threads and attachments: the state of the message book and the rules its operations share (lock
held; no gRPC).

``MessageRules`` holds the timelines of every space and the uploads waiting for a message, and checks what every
operation checks: who sees a message, who may post, what a message's content becomes (mentions rendered, uploads
claimed) and which thread a new message goes to. ``MessageBook`` (messages.py) adds the operations, and
``message_seeding.create_many`` the bulk seeding path.
"""

from __future__ import annotations

from chat_grpc.fake.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import SpaceState, StoreCore
from chat_grpc.fake.store.message_records import (
    CLIENT_ID,
    MENTION,
    Attachment,
    Mention,
    Message,
    MessageContent,
    ThreadRequest,
)
from chat_grpc.fake.store.message_timeline import SpaceMessages
from chat_grpc.fake.store.model import Actor, User


class MessageRules:
    """The messages of every space and the uploads, with the checks the operations of :class:`MessageBook`
    share."""

    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._spaces: dict[str, SpaceMessages] = {}
        self._uploads: dict[str, Attachment] = {}  # upload token -> attachment waiting for a message
        self._upload_tokens: dict[str, str] = {}  # an upload's resource name -> its token (also accepted)
        # Uploaded bytes by resource name (spaces/{space}/attachments/{id}: the name an upload answers and the
        # attachment_data_ref.resource_name of the message attachment it becomes); content type for all uploads.
        self._media: dict[str, bytes] = {}
        self._content_types: dict[str, str] = {}
        core.on_space_deleted.append(self._forget_space)

    def _forget_space(self, space_id: str) -> None:
        self._spaces.pop(space_id, None)
        prefix = f"spaces/{space_id}/"
        for resource in [r for r in self._content_types if r.startswith(prefix)]:
            self._media.pop(resource, None)
            del self._content_types[resource]
            token = self._upload_tokens.pop(resource, None)
            if token is not None:
                self._uploads.pop(token, None)

    # ------------------------------------------------------------------ helpers (lock held)

    def _space(self, space_id: str) -> SpaceMessages:
        book = self._spaces.get(space_id)
        if book is None:  # not setdefault: that would build a book (five containers) on every call
            book = self._spaces[space_id] = SpaceMessages()
        return book

    def _find(self, actor: Actor, state: SpaceState, message_id: str, *, field: str = "name") -> Message:
        book = self._space(state.space.id)
        message = book.by_id.get(book.client_ids.get(message_id, message_id))
        if message is None or not self._can_see(actor, message):
            raise NotFound(f"message spaces/{state.space.id}/messages/{message_id} not found", field=field)
        return message

    @staticmethod
    def _can_see(actor: Actor, message: Message) -> bool:
        """Private messages are seen only by their viewer and the app that sent them."""
        if not message.private_viewer_id:
            return True
        return actor.principal.id in (message.private_viewer_id, message.sender_id)

    def _joined(self, actor: Actor, state: SpaceState) -> None:
        membership = state.members.get(actor.principal.id)
        if membership is None or membership.state != "JOINED":
            if state.space.import_mode:
                return  # only its creator, through chat.import, sees an import-mode space (no members yet)
            raise PermissionDenied(f"the caller has not joined {state.space.name}", reason="NOT_A_MEMBER")

    def _render_mentions(self, text: str) -> tuple[str, list[Mention], str]:
        """``<users/{id|email|all}>`` -> ``@Name`` with a USER_MENTION; plain text without app mentions."""
        if "<users/" not in text:  # no mention: the text as it is (most messages)
            return text, [], text
        core = self._core
        pieces: list[str] = []
        argument: list[str] = []
        mentions: list[Mention] = []
        position = 0
        length = 0
        for match in MENTION.finditer(text):
            who = match.group(1)
            if who == "all":
                label, user_id, kind = "@all", "all", "HUMAN"
            else:
                principal = core.user_by_email(who) if "@" in who else core.principal(who)
                if principal is None:
                    continue  # not a mention of anyone we know: left as written
                label, user_id = f"@{principal.display_name}", principal.id
                kind = "HUMAN" if isinstance(principal, User) else "BOT"
            before = text[position : match.start()]
            pieces.append(before)
            argument.append(before)
            length += len(before)
            mentions.append(Mention(length, len(label), user_id, kind))
            pieces.append(label)
            if kind == "HUMAN":
                argument.append(label)
            length += len(label)
            position = match.end()
        pieces.append(text[position:])
        argument.append(text[position:])
        return "".join(pieces), mentions, "".join(argument)

    def _set_content(self, message: Message, content: MessageContent, paths: frozenset[str]) -> None:
        if "text" in paths:
            message.formatted_text = content.text
            message.text, mentions, message.argument_text = self._render_mentions(content.text)
            message.mentions = tuple(mentions)
        if "fallback_text" in paths:
            message.fallback_text = content.fallback_text
        if "cards_v2" in paths:
            message.cards_v2 = tuple(content.cards_v2)
        if "accessory_widgets" in paths:
            message.accessory_widgets = tuple(content.accessory_widgets)
        if "attachment" in paths:
            message.attachments = tuple(self._claim_uploads(message, content.attachment_tokens))
        if "quoted_message_metadata" in paths:
            message.quote = None  # an update may only remove a quote (the handler refuses adding or replacing)

    def _claim_uploads(self, message: Message, tokens: tuple[str, ...]) -> list[Attachment]:
        """The attachments named by upload tokens of this space, or by the resource names of the message's own
        attachments (what GetMessage returned); checked before any token is used up."""
        if not tokens:
            return []
        own = {a.resource_name: a for a in message.attachments}
        prefix = f"spaces/{message.space_id}/attachments/"
        if len(set(tokens)) != len(tokens):
            raise InvalidArgument("message.attachment names the same attachment twice", field="message.attachment")
        tokens = tuple(self._upload_tokens.get(t, t) if t not in own else t for t in tokens)
        for token in tokens:
            upload = self._uploads.get(token)
            if token not in own and (upload is None or not upload.resource_name.startswith(prefix)):
                raise InvalidArgument(
                    f"message.attachment: attachment_data_ref {token!r} names no attachment uploaded to"
                    f" spaces/{message.space_id}",
                    field="message.attachment",
                )
        claimed = [own[token] if token in own else self._uploads.pop(token) for token in tokens]
        for attachment in claimed:
            self._upload_tokens.pop(attachment.resource_name, None)
        return claimed

    @staticmethod
    def _check_new_ids(state: SpaceState, book: SpaceMessages, client_id: str, private_viewer_id: str) -> None:
        """What a new message's own id and private viewer must be: a well-formed ``client-`` id the space does not
        have yet, and a human member of the space (both optional)."""
        if client_id:
            if not CLIENT_ID.match(client_id):
                raise InvalidArgument(
                    "message_id must start with 'client-' and have at most 63 characters of a-z, 0-9 and '-'",
                    field="message_id",
                )
            if client_id in book.client_ids:
                raise AlreadyExists(
                    f"a message with id {client_id!r} already exists in {state.space.name}",
                    field="message_id",
                    reason="MESSAGE_ID_TAKEN",
                )
        if private_viewer_id:
            viewer = state.members.get(private_viewer_id)
            if viewer is None or viewer.member_kind != "HUMAN":
                raise InvalidArgument(
                    "message.private_message_viewer must be a human member of the space",
                    field="message.private_message_viewer",
                )

    def _thread_for(
        self, actor: Actor, state: SpaceState, book: SpaceMessages, request: ThreadRequest
    ) -> tuple[str, bool, str]:
        """(thread id, is a reply, new thread key) for a new message, per message_reply_option."""
        if state.space.space_type != "SPACE" or request.reply_option == "MESSAGE_REPLY_OPTION_UNSPECIFIED":
            return self._core.ids.opaque_id(11), False, ""  # a new thread; thread name and key are ignored
        scope = actor.app.id if actor.app else None
        if request.name:
            if book.has_thread(request.name):
                return request.name, True, ""
            if request.reply_option == "REPLY_MESSAGE_OR_FAIL" and not request.key:
                raise NotFound(
                    f"thread spaces/{state.space.id}/threads/{request.name} not found", field="message.thread.name"
                )
        if request.key:
            existing = book.thread_keys.get((scope, request.key))
            if existing is not None:
                return existing, True, ""
            return self._core.ids.opaque_id(11), False, request.key
        if request.reply_option == "REPLY_MESSAGE_OR_FAIL":
            raise NotFound(
                "REPLY_MESSAGE_OR_FAIL needs an existing thread.name or a thread_key", field="message.thread"
            )
        return self._core.ids.opaque_id(11), False, ""
