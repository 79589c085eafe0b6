"""Custom emoji RPCs: CreateCustomEmoji, GetCustomEmoji, ListCustomEmojis, DeleteCustomEmoji."""

from __future__ import annotations

from google.chat.v1 import reaction_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake import codec, filters
from chat_grpc.fake.names import parse_name, require
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.emojis import CustomEmoji, check_emoji_name

CUSTOM_EMOJI_PATTERN = "customEmojis/{custom_emoji}"


def custom_emoji_key(name: str, field: str = "name") -> str:
    """``customEmojis/{uid}`` or the alias ``customEmojis/:emoji-name:`` -> the uid or ``:emoji-name:``."""
    (key,) = parse_name(name, CUSTOM_EMOJI_PATTERN, field)
    if key.startswith(":") or key.endswith(":"):
        check_emoji_name(key, field)
    return key


def render(call: Call, emoji: CustomEmoji) -> reaction_pb2.CustomEmoji:
    return codec.custom_emoji_to_proto(emoji, temporary_image_uri=call.store.custom_emojis.temporary_image_uri(emoji))


@handler("CreateCustomEmoji")
def create_custom_emoji(call: Call, request: reaction_pb2.CreateCustomEmojiRequest) -> reaction_pb2.CustomEmoji:
    require(request.HasField("custom_emoji"), "custom_emoji")
    emoji = request.custom_emoji
    check_emoji_name(emoji.emoji_name)
    require(emoji.HasField("payload"), "custom_emoji.payload")
    created = call.store.custom_emojis.create(
        call.actor, emoji.emoji_name, emoji.payload.filename, emoji.payload.file_content
    )
    return codec.custom_emoji_to_proto(created)  # no temporary_image_uri in the create response


@handler("GetCustomEmoji")
def get_custom_emoji(call: Call, request: reaction_pb2.GetCustomEmojiRequest) -> reaction_pb2.CustomEmoji:
    return render(call, call.store.custom_emojis.get(call.actor, custom_emoji_key(request.name)))


@handler("ListCustomEmojis")
def list_custom_emojis(
    call: Call, request: reaction_pb2.ListCustomEmojisRequest
) -> reaction_pb2.ListCustomEmojisResponse:
    size = page_size(request.page_size, default=25, maximum=200)
    wanted = filters.parse_custom_emoji_filter(request.filter)
    me = call.actor.principal.id
    query = {"filter": request.filter}
    after = call.page_cursor(request.page_token, query) or 0
    emojis, last = call.store.custom_emojis.list(
        call.actor, lambda e: wanted is None or wanted.matches(e.creator_id == me), after=after, limit=size
    )
    return reaction_pb2.ListCustomEmojisResponse(
        custom_emojis=[render(call, e) for e in emojis], next_page_token=call.next_page_token(query, last)
    )


@handler("DeleteCustomEmoji")
def delete_custom_emoji(call: Call, request: reaction_pb2.DeleteCustomEmojiRequest) -> empty_pb2.Empty:
    call.store.custom_emojis.delete(call.actor, custom_emoji_key(request.name))
    return empty_pb2.Empty()
