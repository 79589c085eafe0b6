"""Message RPCs: CreateMessage, GetMessage, ListMessages, UpdateMessage, DeleteMessage, GetAttachment."""

from __future__ import annotations

import dataclasses

from google.chat.v1 import attachment_pb2, message_pb2
from google.protobuf import empty_pb2, field_mask_pb2

from chat_grpc.fake import codec, filters, wire_bytes
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import mask_paths, max_length, parse_name, require, space_id, to_datetime
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.message_records import MessageContent, QuoteRequest, ThreadRequest

MAX_MESSAGE_BYTES = 32_000
MAX_THREAD_KEY = 4000
EMPTY_MESSAGE = "message is empty: set message.text, cards_v2, accessory_widgets or attachment"
MESSAGE_PATTERN = "spaces/{space}/messages/{message}"
UPDATE_PATHS = frozenset({"text", "attachment", "cards", "cards_v2", "accessory_widgets"})
QUOTE_PATH = "quoted_message_metadata"  # an update may name it to remove the quote (never with '*')
APP_ONLY_PATHS = frozenset({"cards", "cards_v2", "accessory_widgets"})


def message_name(name: str, field: str = "name") -> tuple[str, str]:
    space, message = parse_name(name, MESSAGE_PATTERN, field)
    return space, message


def _content(call: Call, message: message_pb2.Message, paths: frozenset[str]) -> MessageContent:
    """Validate the parts of ``message`` named by ``paths`` (create: all of them)."""
    size = message.ByteSize()
    if size > MAX_MESSAGE_BYTES:
        raise InvalidArgument(f"message is {size} bytes; at most {MAX_MESSAGE_BYTES:,} are allowed", field="message")
    if not call.actor.is_app:
        for path in sorted(APP_ONLY_PATHS & paths):
            if getattr(message, path):
                raise InvalidArgument(
                    f"message.{path} needs app authentication; with user authentication messages are text only",
                    field=f"message.{path}",
                )
    if message.cards and "cards" in paths:
        raise InvalidArgument("message.cards (Cards v1) is not supported; use cards_v2", field="message.cards")
    card_ids = [card.card_id for card in message.cards_v2]
    if len(card_ids) > 1 and (not all(card_ids) or len(set(card_ids)) != len(card_ids)):
        raise InvalidArgument(
            "message.cards_v2.card_id is required, and must be unique, when a message has several cards",
            field="message.cards_v2.card_id",
        )
    tokens = []
    for i, attachment in enumerate(message.attachment):
        ref = attachment.attachment_data_ref
        token = ref.attachment_upload_token or ref.resource_name
        require(token, f"message.attachment[{i}].attachment_data_ref.attachment_upload_token")
        tokens.append(token)
    return MessageContent(
        text=message.text,
        fallback_text=message.fallback_text,
        cards_v2=tuple((card.card_id, card.card.SerializeToString()) for card in message.cards_v2),
        accessory_widgets=tuple(w.SerializeToString() for w in message.accessory_widgets),
        attachment_tokens=tuple(tokens),
    )


def _quote_request(quoted: message_pb2.QuotedMessageMetadata) -> QuoteRequest:
    where = "message.quoted_message_metadata"
    space, message = message_name(quoted.name, f"{where}.name")
    if not quoted.HasField("last_update_time"):
        raise InvalidArgument(f"{where}.last_update_time is required", field=f"{where}.last_update_time")
    kind = message_pb2.QuotedMessageMetadata.QuoteType.Name(quoted.quote_type)
    return QuoteRequest(
        space,
        message,
        to_datetime(quoted.last_update_time, f"{where}.last_update_time"),
        "REPLY" if kind == "QUOTE_TYPE_UNSPECIFIED" else kind,
    )


@handler("CreateMessage")
def create_message(call: Call, request: message_pb2.CreateMessageRequest) -> message_pb2.Message:
    parent = space_id(request.parent, "parent")
    require(request.HasField("message"), "message")
    message = request.message
    content = _content(call, message, UPDATE_PATHS)
    if not (content.text or content.cards_v2 or content.attachment_tokens or content.accessory_widgets):
        raise InvalidArgument(EMPTY_MESSAGE, field="message.text")
    if message.HasField("quoted_message_metadata"):
        content = dataclasses.replace(content, quote=_quote_request(message.quoted_message_metadata))
    thread_id = ""
    if message.thread.name:
        thread_space, thread_id = parse_name(
            message.thread.name, "spaces/{space}/threads/{thread}", "message.thread.name"
        )
        if thread_space != parent:
            raise InvalidArgument(
                f"message.thread.name is not a thread of {request.parent}", field="message.thread.name"
            )
    thread_key_field = "message.thread.thread_key" if message.thread.thread_key else "thread_key"
    max_length(message.thread.thread_key or request.thread_key, MAX_THREAD_KEY, thread_key_field)
    viewer = ""
    if message.HasField("private_message_viewer"):
        if not call.actor.is_app:
            raise InvalidArgument(
                "message.private_message_viewer needs app authentication", field="message.private_message_viewer"
            )
        if content.attachment_tokens or content.accessory_widgets:
            raise InvalidArgument(
                "message.private_message_viewer: a private message cannot carry attachments or accessory widgets",
                field="message.private_message_viewer",
            )
        (viewer,) = parse_name(
            message.private_message_viewer.name, "users/{user}", "message.private_message_viewer.name"
        )
        user = call.store.user_by_email(viewer) if "@" in viewer else None
        viewer = user.id if user else viewer
    created = call.store.messages.create(
        call.actor,
        parent,
        content,
        ThreadRequest(
            name=thread_id,
            key=message.thread.thread_key or request.thread_key,
            reply_option=message_pb2.CreateMessageRequest.MessageReplyOption.Name(request.message_reply_option),
        ),
        client_id=request.message_id,
        request_id=request.request_id,
        private_viewer_id=viewer,
        create_time=to_datetime(message.create_time, "message.create_time")
        if message.HasField("create_time")
        else None,
    )
    return codec.message_to_proto(created)


@handler("GetMessage")
def get_message(call: Call, request: message_pb2.GetMessageRequest) -> message_pb2.Message:
    space, message = message_name(request.name)
    return codec.message_of_field(call.store.messages.view(call.actor, space, message, codec.message_field))


@handler("ListMessages")
def list_messages(call: Call, request: message_pb2.ListMessagesRequest) -> message_pb2.ListMessagesResponse:
    parent = space_id(request.parent, "parent")
    size = page_size(request.page_size, default=25, maximum=1000)
    wanted = filters.parse_message_filter(request.filter)
    descending = filters.parse_message_order_by(request.order_by)
    thread_id = None
    if wanted is not None and wanted.thread_name:
        thread_space, thread_id = parse_name(wanted.thread_name, "spaces/{space}/threads/{thread}", "filter")
        if thread_space != parent:
            raise InvalidArgument(f"filter: thread.name is not a thread of {request.parent}", field="filter")
    query = {"parent": parent, "filter": request.filter, "order_by": request.order_by, "deleted": request.show_deleted}
    cursor = call.page_cursor(request.page_token, query)
    found, last = call.store.messages.list(
        call.actor,
        parent,
        after=wanted.created_after if wanted else None,
        before=wanted.created_before if wanted else None,
        thread_id=thread_id,
        descending=descending,
        show_deleted=request.show_deleted,
        cursor=cursor,
        limit=size,
        view=codec.message_field,
    )
    token = call.next_page_token(query, last)
    response = wire_bytes.page(message_pb2.ListMessagesResponse, token, found)
    return response


@handler("UpdateMessage")
def update_message(call: Call, request: message_pb2.UpdateMessageRequest) -> message_pb2.Message:
    require(request.HasField("message"), "message")
    space, message_id = message_name(request.message.name, "message.name")
    if request.allow_missing and not request.update_mask.paths:
        paths: frozenset[str] = frozenset()  # creation only: the store asks for a mask if the message exists
    else:
        named = [p for path in request.update_mask.paths for p in path.split(",")]
        quote = any(p.strip() in (QUOTE_PATH, "quotedMessageMetadata") for p in named)
        rest = [p for p in named if p.strip() not in (QUOTE_PATH, "quotedMessageMetadata")]
        paths = (mask_paths(field_mask_pb2.FieldMask(paths=rest), UPDATE_PATHS, star=True) if rest else frozenset()) | (
            {QUOTE_PATH} if quote else frozenset()
        )
        if quote and request.message.HasField("quoted_message_metadata"):
            raise InvalidArgument(
                "message.quoted_message_metadata: an update can remove a quote (leave the field unset), not add or"
                " replace one",
                field="message.quoted_message_metadata",
            )
    if not call.actor.is_app:
        if "*" in request.update_mask.paths:
            paths = paths - APP_ONLY_PATHS  # '*' means what the caller may change
        elif paths & APP_ONLY_PATHS:
            path = sorted(paths & APP_ONLY_PATHS)[0]
            raise InvalidArgument(f"update_mask path {path!r} needs app authentication", field="update_mask")
    content = _content(call, request.message, paths or UPDATE_PATHS)
    updated = call.store.messages.update(
        call.actor, space, message_id, content, paths, allow_missing=request.allow_missing
    )
    return codec.message_to_proto(updated)


@handler("DeleteMessage")
def delete_message(call: Call, request: message_pb2.DeleteMessageRequest) -> empty_pb2.Empty:
    space, message = message_name(request.name)
    call.store.messages.delete(call.actor, space, message, force=request.force)
    return empty_pb2.Empty()


@handler("GetAttachment")
def get_attachment(call: Call, request: attachment_pb2.GetAttachmentRequest) -> attachment_pb2.Attachment:
    space, message, attachment = parse_name(
        request.name, "spaces/{space}/messages/{message}/attachments/{attachment}", "name"
    )
    found_message, found = call.store.messages.attachment(call.actor, space, message, attachment)
    return codec.attachment_to_proto(found_message, found)
