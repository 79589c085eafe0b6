"""Reaction RPCs: CreateReaction, ListReactions, DeleteReaction (user authentication only, see ``auth``)."""

from __future__ import annotations

import dataclasses

from google.chat.v1 import reaction_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake import codec, filters, wire_bytes
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import parse_name, require
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.reactions import CUSTOM_PREFIX, UNICODE_PREFIX, check_unicode_emoji

MESSAGE_PATTERN = "spaces/{space}/messages/{message}"
REACTION_PATTERN = "spaces/{space}/messages/{message}/reactions/{reaction}"
UNICODE_FIELD = "reaction.emoji.unicode"
UID_FIELD = "reaction.emoji.custom_emoji.uid"


@handler("CreateReaction")
def create_reaction(call: Call, request: reaction_pb2.CreateReactionRequest) -> reaction_pb2.Reaction:
    space, message = parse_name(request.parent, MESSAGE_PATTERN, "parent")
    require(request.HasField("reaction"), "reaction")
    reaction = request.reaction  # name and user are assigned by the server (identifier / output only)
    kind = reaction.emoji.WhichOneof("content") if reaction.HasField("emoji") else None
    if kind is None:
        raise InvalidArgument(f"reaction.emoji is required: set {UNICODE_FIELD} or {UID_FIELD}", field="reaction.emoji")
    if kind == "unicode":
        check_unicode_emoji(reaction.emoji.unicode, UNICODE_FIELD)
        created = call.store.reactions.create(call.actor, space, message, unicode=reaction.emoji.unicode)
    else:
        require(reaction.emoji.custom_emoji.uid, UID_FIELD)
        created = call.store.reactions.create(
            call.actor, space, message, custom_emoji_uid=reaction.emoji.custom_emoji.uid
        )
    return codec.reaction_to_proto(created)


@handler("ListReactions")
def list_reactions(call: Call, request: reaction_pb2.ListReactionsRequest) -> reaction_pb2.ListReactionsResponse:
    space, message = parse_name(request.parent, MESSAGE_PATTERN, "parent")
    size = page_size(request.page_size, default=25, maximum=200)
    wanted = filters.parse_reaction_filter(request.filter)
    if wanted is not None and any("@" in user for user in wanted.users):
        # users/{email} is an alias of users/{id} under user authentication: compare canonical names.
        canonical = set()
        for user_name in wanted.users:
            user = call.store.user_by_email(user_name.partition("/")[2]) if "@" in user_name else None
            canonical.add(user.name if user else user_name)
        wanted = dataclasses.replace(wanted, users=frozenset(canonical))

    emoji_keys: frozenset[str] = frozenset()
    user_ids: frozenset[str] = frozenset()
    if wanted is not None:
        emoji_keys = frozenset(
            [UNICODE_PREFIX + u for u in wanted.unicodes] + [CUSTOM_PREFIX + uid for uid in wanted.custom_emoji_uids]
        )
        user_ids = frozenset(user.removeprefix("users/") for user in wanted.users)

    query = {"parent": request.parent, "filter": request.filter}
    after = call.page_cursor(request.page_token, query) or 0
    found, last = call.store.reactions.list(
        call.actor, space, message, emoji_keys=emoji_keys, user_ids=user_ids, after=after, limit=size
    )
    token = call.next_page_token(query, last)
    response = wire_bytes.page(reaction_pb2.ListReactionsResponse, token, map(codec.record_field, found))
    return response


@handler("DeleteReaction")
def delete_reaction(call: Call, request: reaction_pb2.DeleteReactionRequest) -> empty_pb2.Empty:
    space, message, reaction = parse_name(request.name, REACTION_PATTERN, "name")
    call.store.reactions.delete(call.actor, space, message, reaction)
    return empty_pb2.Empty()
