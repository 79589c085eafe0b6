"""The reaction RPCs through the real gRPC channel: CreateReaction, ListReactions, DeleteReaction.

Rules come from the reference (spec/004: the RPC descriptions and the Reaction, Emoji, CustomEmoji,
EmojiReactionSummary, CreateReactionRequest, ListReactionsRequest/Response and DeleteReactionRequest field texts)
and chat-api-facts §3 (custom emoji by uid, as Google's current API allows), §4 (25 default / 200 max) and §5
(the ListReactions filter). The summaries on the message must stay exact after any sequence of creates and
deletes, by several users, also concurrently.
"""

from __future__ import annotations

import random
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.chat.v1 import membership_pb2, message_pb2, reaction_pb2, space_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake.store import Actor, AuthKind, User
from chat_grpc.fake.store.reactions import Reaction, is_single_emoji
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace, human, new_space
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
RpcError = Callable[..., grpc.RpcError]
CREATED = "google.workspace.chat.reaction.v1.created"
DELETED = "google.workspace.chat.reaction.v1.deleted"


# ------------------------------------------------------------------ builders and helpers


def png() -> bytes:
    """A valid 64x64 RGB PNG (the size custom emojis accept)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes(3 * 64) for _ in range(64))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def react(parent: str, unicode: str | None = None, *, uid: str | None = None) -> reaction_pb2.CreateReactionRequest:
    request = reaction_pb2.CreateReactionRequest(parent=parent)
    if unicode is not None:
        request.reaction.emoji.unicode = unicode
    if uid is not None:
        request.reaction.emoji.custom_emoji.uid = uid
    return request


def listing(parent: str, **fields: Any) -> reaction_pb2.ListReactionsRequest:
    return reaction_pb2.ListReactionsRequest(parent=parent, **fields)


def delete(name: str) -> reaction_pb2.DeleteReactionRequest:
    return reaction_pb2.DeleteReactionRequest(name=name)


def post(call: Caller, space: space_pb2.Space, who: Any, text: str = "hello", **fields: Any) -> message_pb2.Message:
    request = message_pb2.CreateMessageRequest(parent=space.name, message=message_pb2.Message(text=text), **fields)
    return call("CreateMessage", request, as_=who)


def custom_emoji(call: Caller, who: Any, emoji_name: str = ":party-parrot:") -> reaction_pb2.CustomEmoji:
    payload = reaction_pb2.CustomEmoji.CustomEmojiPayload(filename="e.png", file_content=png())
    request = reaction_pb2.CreateCustomEmojiRequest(
        custom_emoji=reaction_pb2.CustomEmoji(emoji_name=emoji_name, payload=payload)
    )
    return call("CreateCustomEmoji", request, as_=who)


def key_of(emoji: reaction_pb2.Emoji) -> str:
    return emoji.unicode if emoji.WhichOneof("content") == "unicode" else f"c:{emoji.custom_emoji.uid}"


def summaries(call: Caller, message_name: str, who: Any) -> dict[str, int]:
    """The message's emoji_reaction_summaries (GetMessage), checked against ListMessages' copy."""
    message = call("GetMessage", message_pb2.GetMessageRequest(name=message_name), as_=who)
    found = {key_of(s.emoji): s.reaction_count for s in message.emoji_reaction_summaries}
    assert len(found) == len(message.emoji_reaction_summaries), "one summary per emoji"
    assert all(count > 0 for count in found.values()), "emojis without reactions disappear"
    space = message_name.split("/messages/")[0]
    listed = call("ListMessages", message_pb2.ListMessagesRequest(parent=space, page_size=1000), as_=who)
    (same,) = [m for m in listed.messages if m.name == message_name]
    assert list(same.emoji_reaction_summaries) == list(message.emoji_reaction_summaries)
    return found


def every_reaction(call: Caller, parent: str, who: Any, **fields: Any) -> list[reaction_pb2.Reaction]:
    found, token = [], ""
    while True:
        page = call("ListReactions", listing(parent, page_token=token, **fields), as_=who)
        found += page.reactions
        token = page.next_page_token
        if not token:
            return found


def invalid(rpc_error: RpcError, rpc: str, request: Any, field: str, match: str = "", **kw: Any) -> grpc.RpcError:
    error = rpc_error(Code.INVALID_ARGUMENT, rpc, request, match=match or field, **kw)
    assert_details(error, field=field)
    return error


def failure(rpc_error: RpcError, code: grpc.StatusCode, rpc: str, request: Any, *, match: str, **kw: Any) -> Any:
    error = rpc_error(code, rpc, request, match=match, **kw)
    assert_details(error)
    return error


def join(chat: ChatServer, call: Caller, space: space_pb2.Space, manager: Any, count: int) -> list[User]:
    """``count`` new users of the organization, added to ``space``."""
    users = [chat.store.add_user(f"user{i}@example.com", f"User {i}") for i in range(count)]
    for user in users:
        call("CreateMembership", add(space.name, user.name), as_=manager)
    return users


def add(parent: str, name: str) -> membership_pb2.CreateMembershipRequest:
    return membership_pb2.CreateMembershipRequest(parent=parent, membership=human(name))


@pytest.fixture
def message(call: Caller, ws: Workspace, team: space_pb2.Space) -> message_pb2.Message:
    """A message of alice in the team space (alice manager, bob member)."""
    return post(call, team, ws.alice)


# ------------------------------------------------------------------ CreateReaction


def test_create_returns_the_reaction_of_the_caller(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    reaction = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    prefix, _, reaction_id = reaction.name.rpartition("/")
    assert prefix == f"{message.name}/reactions" and reaction_id.isalnum()
    assert reaction.user.name == ws.bob.name and reaction.user.type == reaction.user.HUMAN
    assert reaction.emoji.unicode == "👍"


def test_name_and_user_of_the_request_are_ignored(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    request = react(message.name, "🙂")
    request.reaction.name = f"{message.name}/reactions/mine"
    request.reaction.user.name = ws.alice.name
    reaction = call("CreateReaction", request, as_=ws.bob)
    assert reaction.user.name == ws.bob.name and not reaction.name.endswith("/mine")


def test_a_client_assigned_message_id_names_the_parent(call: Caller, ws: Workspace, team: space_pb2.Space) -> None:
    message = post(call, team, ws.alice, message_id="client-hello")
    alias = f"{team.name}/messages/client-hello"
    reaction = call("CreateReaction", react(alias, "🎉"), as_=ws.bob)
    assert reaction.name.startswith(f"{message.name}/reactions/")  # the canonical message name
    assert [r.name for r in every_reaction(call, alias, ws.alice)] == [reaction.name]
    call("DeleteReaction", delete(f"{alias}/reactions/{reaction.name.rpartition('/')[2]}"), as_=ws.bob)
    assert summaries(call, message.name, ws.alice) == {}


def test_summaries_count_each_emoji(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    assert summaries(call, message.name, ws.alice) == {}
    call("CreateReaction", react(message.name, "👍"), as_=ws.alice)
    call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("CreateReaction", react(message.name, "🎉"), as_=ws.bob)
    assert summaries(call, message.name, ws.alice) == {"👍": 2, "🎉": 1}


def test_one_reaction_per_user_and_emoji(
    call: Caller, rpc_error: RpcError, ws: Workspace, message: message_pb2.Message
) -> None:
    first = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    error = rpc_error(Code.ALREADY_EXISTS, "CreateReaction", react(message.name, "👍"), as_=ws.bob, match=first.name)
    assert_details(error, reason="REACTION_ALREADY_EXISTS")
    call("CreateReaction", react(message.name, "👍🏽"), as_=ws.bob)  # another emoji (a skin tone is one)
    call("CreateReaction", react(message.name, "👍"), as_=ws.alice)  # another user
    assert summaries(call, message.name, ws.bob) == {"👍": 2, "👍🏽": 1}


VALID_EMOJIS = ["👍", "❤️", "❤", "☺️", "👋🏿", "👩🏽‍💻", "👨‍👩‍👧‍👦", "❤️‍🔥", "🏳️‍⚧️", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#⃣", "©️", "⭐", "🫨"]
INVALID_EMOJIS = [
    "a",
    "👍👍",
    "👍 ",
    " 👍",
    ":smile:",
    "smile",
    "🏻",
    "1",
    "🇫",
    "🇫🇷🇩🇪",
    "👍\u200d",
    "\u200d👍",
    "─",
    "👍a",
]


@pytest.mark.parametrize("emoji", VALID_EMOJIS)
def test_single_unicode_emojis_are_accepted(
    call: Caller, ws: Workspace, message: message_pb2.Message, emoji: str
) -> None:
    assert call("CreateReaction", react(message.name, emoji), as_=ws.bob).emoji.unicode == emoji


@pytest.mark.parametrize("emoji", INVALID_EMOJIS)
def test_anything_but_one_emoji_is_invalid(
    rpc_error: RpcError, ws: Workspace, message: message_pb2.Message, emoji: str
) -> None:
    invalid(rpc_error, "CreateReaction", react(message.name, emoji), "reaction.emoji.unicode", as_=ws.bob)


def test_the_emoji_check_agrees_with_the_tables() -> None:
    assert all(is_single_emoji(e) for e in VALID_EMOJIS)
    assert not any(is_single_emoji(e) for e in [*INVALID_EMOJIS, ""])


def test_invalid_requests_name_the_field(rpc_error: RpcError, ws: Workspace, message: message_pb2.Message) -> None:
    bob = {"as_": ws.bob}
    invalid(rpc_error, "CreateReaction", react("", "👍"), "parent", "required", **bob)
    invalid(rpc_error, "CreateReaction", react("spaces/x", "👍"), "parent", "spaces/{space}/messages/{message}", **bob)
    invalid(rpc_error, "CreateReaction", react(f"{message.name}/x", "👍"), "parent", **bob)
    invalid(rpc_error, "CreateReaction", reaction_pb2.CreateReactionRequest(parent=message.name), "reaction", **bob)
    no_emoji = reaction_pb2.CreateReactionRequest(parent=message.name, reaction=reaction_pb2.Reaction())
    invalid(rpc_error, "CreateReaction", no_emoji, "reaction.emoji", "required", **bob)
    invalid(rpc_error, "CreateReaction", react(message.name, ""), "reaction.emoji.unicode", "empty", **bob)
    invalid(rpc_error, "CreateReaction", react(message.name, uid=""), "reaction.emoji.custom_emoji.uid", **bob)


def test_who_may_react(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: Any
) -> None:
    # erin is no member: the message does not exist for her; carol is only invited.
    failure(rpc_error, Code.NOT_FOUND, "CreateReaction", react(message.name, "👍"), as_=ws.erin, match="not found")
    call("CreateMembership", add(team.name, ws.carol.name), as_=ws.alice)
    error = rpc_error(Code.PERMISSION_DENIED, "CreateReaction", react(message.name, "👍"), as_=ws.carol, match="joined")
    assert_details(error, reason="NOT_A_MEMBER")
    # reactions need user authentication and a reaction-creating scope
    failure(rpc_error, Code.PERMISSION_DENIED, "CreateReaction", react(message.name, "👍"), as_=ws.app, match="user")
    readonly = {"as_": ws.bob, "scopes": ["chat.messages.reactions.readonly"]}
    failure(rpc_error, Code.PERMISSION_DENIED, "CreateReaction", react(message.name, "👍"), match="scope", **readonly)
    made = call("CreateReaction", react(message.name, "👍"), as_=ws.bob, scopes=["chat.messages.reactions.create"])
    assert made.user.name == ws.bob.name


def test_unknown_messages_and_spaces_are_not_found(
    rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    for parent in (
        f"{team.name}/messages/nope.nope",
        f"{team.name}/messages/client-nope",
        "spaces/AAAAnope/messages/x",
    ):
        failure(rpc_error, Code.NOT_FOUND, "CreateReaction", react(parent, "👍"), as_=ws.bob, match="not found")
        failure(rpc_error, Code.NOT_FOUND, "ListReactions", listing(parent), as_=ws.bob, match="not found")
        failure(rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(f"{parent}/reactions/r1"), as_=ws.bob, match="not")


# ------------------------------------------------------------------ custom emojis


def test_custom_emoji_by_uid(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    parrot = custom_emoji(call, ws.alice)
    reaction = call("CreateReaction", react(message.name, uid=parrot.uid), as_=ws.bob)
    assert reaction.emoji.custom_emoji.uid == parrot.uid
    assert reaction.emoji.custom_emoji.name == parrot.name
    assert reaction.emoji.custom_emoji.emoji_name == ":party-parrot:"
    call("CreateReaction", react(message.name, uid=parrot.uid), as_=ws.alice)
    assert summaries(call, message.name, ws.bob) == {f"c:{parrot.uid}": 2}
    (summary,) = call(
        "GetMessage", message_pb2.GetMessageRequest(name=message.name), as_=ws.bob
    ).emoji_reaction_summaries
    assert summary.emoji.custom_emoji.name == parrot.name


def test_custom_emoji_must_exist_in_the_callers_organization(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace, message: message_pb2.Message
) -> None:
    field = "reaction.emoji.custom_emoji.uid"
    failure(rpc_error, Code.NOT_FOUND, "CreateReaction", react(message.name, uid="nope"), as_=ws.bob, match=field)
    partner = custom_emoji(call, ws.dave, ":partner:")  # another organization's emoji
    failure(rpc_error, Code.NOT_FOUND, "CreateReaction", react(message.name, uid=partner.uid), as_=ws.bob, match=field)
    parrot = custom_emoji(call, ws.alice)
    by_name = react(message.name, uid=parrot.emoji_name)  # the :name: alias is no uid
    failure(rpc_error, Code.NOT_FOUND, "CreateReaction", by_name, as_=ws.bob, match=field)
    chat.store.custom_emojis.set_enabled(ws.bob.customer, False)
    failure(
        rpc_error,
        Code.FAILED_PRECONDITION,
        "CreateReaction",
        react(message.name, uid=parrot.uid),
        as_=ws.bob,
        match="off",
    )
    call("CreateReaction", react(message.name, "👍"), as_=ws.bob)  # Unicode emojis still work


def test_deleting_a_custom_emoji_removes_its_reactions(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    parrot = custom_emoji(call, ws.alice)
    doomed = call("CreateReaction", react(message.name, uid=parrot.uid), as_=ws.bob)
    call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("DeleteCustomEmoji", reaction_pb2.DeleteCustomEmojiRequest(name=parrot.name), as_=ws.alice)
    assert summaries(call, message.name, ws.bob) == {"👍": 1}
    assert [r.emoji.unicode for r in every_reaction(call, message.name, ws.bob)] == ["👍"]
    last = chat.store.events(team.name.split("/")[1])[-1]
    assert (last.event_type, last.resource_name) == (DELETED, doomed.name)
    assert chat.store.reactions._by_custom_emoji == {}


# ------------------------------------------------------------------ DeleteReaction


def test_delete_own_reaction(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    thumbs = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("CreateReaction", react(message.name, "👍"), as_=ws.alice)
    party = call("CreateReaction", react(message.name, "🎉"), as_=ws.bob)
    assert call("DeleteReaction", delete(thumbs.name), as_=ws.bob) == empty_pb2.Empty()
    assert summaries(call, message.name, ws.bob) == {"👍": 1, "🎉": 1}
    call("DeleteReaction", delete(party.name), as_=ws.bob)
    assert summaries(call, message.name, ws.bob) == {"👍": 1}  # an emoji without reactions disappears
    again = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)  # may react again after deleting
    assert again.name != thumbs.name


def test_delete_errors(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    mine = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    error = rpc_error(Code.PERMISSION_DENIED, "DeleteReaction", delete(mine.name), as_=ws.alice, match="only the user")
    assert_details(error, reason="NOT_THE_REACTION_OWNER")  # not even a space manager deletes others' reactions
    failure(
        rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(f"{message.name}/reactions/nope"), as_=ws.bob, match="nope"
    )
    failure(rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(mine.name), as_=ws.erin, match="not found")
    invalid(rpc_error, "DeleteReaction", delete(""), "name", "required", as_=ws.bob)
    invalid(rpc_error, "DeleteReaction", delete(message.name), "name", "reactions/{reaction}", as_=ws.bob)
    other = post(call, team, ws.alice, "another")
    moved = f"{other.name}/reactions/{mine.name.rpartition('/')[2]}"  # the id under another message
    failure(rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(moved), as_=ws.bob, match="not found")
    call("DeleteReaction", delete(mine.name), as_=ws.bob)
    failure(rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(mine.name), as_=ws.bob, match="not found")
    failure(rpc_error, Code.PERMISSION_DENIED, "DeleteReaction", delete(mine.name), as_=ws.app, match="user")


# ------------------------------------------------------------------ ListReactions


def test_list_in_creation_order(call: Caller, ws: Workspace, message: message_pb2.Message) -> None:
    made = [
        call("CreateReaction", react(message.name, emoji), as_=who)
        for who, emoji in [(ws.bob, "🎉"), (ws.alice, "👍"), (ws.bob, "👍"), (ws.alice, "🎉")]
    ]
    listed = call("ListReactions", listing(message.name), as_=ws.alice)
    assert list(listed.reactions) == made and not listed.next_page_token
    assert call("ListReactions", listing(message.name), as_=ws.bob, scopes=["chat.messages.readonly"]).reactions


def test_members_list_and_outsiders_do_not(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("CreateMembership", add(team.name, ws.carol.name), as_=ws.alice)
    assert len(call("ListReactions", listing(message.name), as_=ws.carol).reactions) == 1  # invited: may read
    failure(rpc_error, Code.NOT_FOUND, "ListReactions", listing(message.name), as_=ws.erin, match="not found")
    failure(rpc_error, Code.PERMISSION_DENIED, "ListReactions", listing(message.name), as_=ws.app, match="user")


@pytest.fixture
def reacted(call: Caller, ws: Workspace, message: message_pb2.Message) -> dict[str, Any]:
    """alice 🙂 and 👍, bob 🙂 and the custom emoji; returns names by label and the emoji's uid."""
    parrot = custom_emoji(call, ws.alice)
    names = {
        label: call("CreateReaction", react(message.name, unicode, uid=uid), as_=who).name
        for label, who, unicode, uid in [
            ("alice🙂", ws.alice, "🙂", None),
            ("alice👍", ws.alice, "👍", None),
            ("bob🙂", ws.bob, "🙂", None),
            ("bobX", ws.bob, None, parrot.uid),
        ]
    }
    return {"names": names, "uid": parrot.uid, "alice": ws.alice.name, "bob": ws.bob.name}


VALID_FILTERS = [
    ('user.name = "{bob}"', ["bob🙂", "bobX"]),
    ('user.name = "users/bob@example.com"', ["bob🙂", "bobX"]),
    ('emoji.unicode = "🙂"', ["alice🙂", "bob🙂"]),
    ('emoji.custom_emoji.uid = "{uid}"', ["bobX"]),
    ('emoji.customEmoji.uid = "{uid}"', ["bobX"]),
    ('emoji.unicode = "🙂" OR emoji.unicode = "👍"', ["alice🙂", "alice👍", "bob🙂"]),
    ('emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}"', ["alice🙂", "bob🙂", "bobX"]),
    ('emoji.unicode = "🙂" AND user.name = "{alice}"', ["alice🙂"]),
    ('(emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "{uid}") AND user.name = "{bob}"', ["bob🙂", "bobX"]),
    ('user.name = "{alice}" OR user.name = "{bob}"', ["alice🙂", "alice👍", "bob🙂", "bobX"]),
    ('emoji.unicode = "😢"', []),
    ("", ["alice🙂", "alice👍", "bob🙂", "bobX"]),
]


@pytest.mark.parametrize(("text", "expected"), VALID_FILTERS)
def test_valid_filters(
    call: Caller, ws: Workspace, message: message_pb2.Message, reacted: dict[str, Any], text: str, expected: list[str]
) -> None:
    query = text.format(uid=reacted["uid"], alice=reacted["alice"], bob=reacted["bob"])
    found = [r.name for r in call("ListReactions", listing(message.name, filter=query), as_=ws.alice).reactions]
    assert found == [reacted["names"][label] for label in expected]


INVALID_FILTERS = [
    'emoji.unicode = "🙂" AND emoji.unicode = "👍"',
    'emoji.unicode = "🙂" AND emoji.custom_emoji.uid = "x"',
    'emoji.unicode = "🙂" OR user.name = "users/x"',
    'emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "x" OR user.name = "users/x"',
    'emoji.unicode = "🙂" OR emoji.custom_emoji.uid = "x" AND user.name = "users/x"',
    'user.name = "users/x" AND user.name = "users/y"',
    'user.name = "bob"',
    'emoji.unicode != "🙂"',
    'emoji.unicode = ""',
    'text = "x"',
    "emoji.unicode =",
]


@pytest.mark.parametrize("text", INVALID_FILTERS)
def test_invalid_filters(rpc_error: RpcError, ws: Workspace, message: message_pb2.Message, text: str) -> None:
    invalid(rpc_error, "ListReactions", listing(message.name, filter=text), "filter", as_=ws.alice)


def test_pages_follow_creation_order(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    people = [ws.alice, ws.bob, *join(chat, call, team, ws.alice, 2)]
    made = [call("CreateReaction", react(message.name, e), as_=p).name for e in ("👍", "🎉") for p in people[:4]]
    pages, token = [], ""
    while True:
        page = call("ListReactions", listing(message.name, page_size=3, page_token=token), as_=ws.bob)
        pages.append([r.name for r in page.reactions])
        token = page.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [name for page in pages for name in page] == made
    # filtered pages: only the 👍 reactions, two per page
    thumbs = every_reaction(call, message.name, ws.bob, filter='emoji.unicode = "👍"', page_size=2)
    assert [r.name for r in thumbs] == made[:4]


def test_a_page_token_is_bound_to_its_request(
    call: Caller, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    for emoji in ("👍", "🎉", "🙂"):
        call("CreateReaction", react(message.name, emoji), as_=ws.bob)
    first = call("ListReactions", listing(message.name, page_size=1), as_=ws.bob)
    token = first.next_page_token
    assert token
    other = post(call, team, ws.alice, "other")
    for request in (
        listing(message.name, page_token=token, filter='user.name = "users/x"'),
        listing(other.name, page_token=token),
        listing(message.name, page_token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
    ):
        invalid(rpc_error, "ListReactions", request, "page_token", as_=ws.bob)
    # another page size is fine (AIP-158)
    second = call("ListReactions", listing(message.name, page_token=token, page_size=5), as_=ws.bob)
    assert [r.emoji.unicode for r in second.reactions] == ["🎉", "🙂"]


def test_page_size_default_max_and_negative(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace, message: message_pb2.Message
) -> None:
    space_id, message_id = message.name.split("/")[1], message.name.split("/")[3]
    emojis = [chr(0x1F400 + i) for i in range(105)]
    for who in (ws.alice, ws.bob):
        actor = Actor(who, AuthKind.USER, frozenset({"chat.messages.reactions"}))
        for emoji in emojis:
            chat.store.reactions.create(actor, space_id, message_id, unicode=emoji)
    assert len(call("ListReactions", listing(message.name), as_=ws.bob).reactions) == 25
    assert len(call("ListReactions", listing(message.name, page_size=1000), as_=ws.bob).reactions) == 200
    assert len(every_reaction(call, message.name, ws.bob, page_size=200)) == 210
    invalid(rpc_error, "ListReactions", listing(message.name, page_size=-1), "page_size", "negative", as_=ws.bob)
    assert sum(summaries(call, message.name, ws.bob).values()) == 210


# ------------------------------------------------------------------ summaries stay exact


def test_summaries_are_exact_after_a_random_sequence(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace, team: space_pb2.Space, message: Any
) -> None:
    rng = random.Random(20250501)
    people = [ws.alice, ws.bob, *join(chat, call, team, ws.alice, 2)]
    parrot = custom_emoji(call, ws.alice)
    emojis: list[tuple[str | None, str | None]] = [("👍", None), ("🎉", None), ("❤️", None), ("🙂", None)]
    emojis.append((None, parrot.uid))
    model: dict[tuple[int, int], str] = {}  # (person, emoji) -> reaction name
    for step in range(240):
        p, e = rng.randrange(len(people)), rng.randrange(len(emojis))
        unicode, uid = emojis[e]
        if (p, e) in model and rng.random() < 0.7:
            call("DeleteReaction", delete(model.pop((p, e))), as_=people[p])
        elif (p, e) in model:
            failure(
                rpc_error,
                Code.ALREADY_EXISTS,
                "CreateReaction",
                react(message.name, unicode, uid=uid),
                as_=people[p],
                match="already",
            )
        elif model and rng.random() < 0.1:
            (owner, _), name = rng.choice(sorted(model.items()))
            if owner != p:
                failure(rpc_error, Code.PERMISSION_DENIED, "DeleteReaction", delete(name), as_=people[p], match="only")
        else:
            model[p, e] = call("CreateReaction", react(message.name, unicode, uid=uid), as_=people[p]).name
        if step % 20 == 0:
            expected = Counter(unicode or f"c:{uid}" for _, e in model for unicode, uid in [emojis[e]])
            assert summaries(call, message.name, ws.alice) == dict(expected)
    expected = Counter(unicode or f"c:{uid}" for _, e in model for unicode, uid in [emojis[e]])
    assert summaries(call, message.name, ws.alice) == dict(expected)
    listed = every_reaction(call, message.name, ws.alice, page_size=7)
    assert sorted(r.name for r in listed) == sorted(model.values())
    assert Counter(key_of(r.emoji) for r in listed) == expected
    for (p, _), name in model.items():
        assert [r.user.name for r in listed if r.name == name] == [people[p].name]


def test_summaries_are_exact_under_concurrent_reactions(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    people = join(chat, call, team, ws.alice, 8)
    emojis = ["👍", "🎉", "❤️", "🙂", "🚀"]
    start = threading.Barrier(len(people))

    def churn(index: int) -> dict[str, str]:
        """One user's random creates and deletes; returns what that user has left (emoji -> reaction name)."""
        rng, who, mine = random.Random(index), people[index], {}
        start.wait()
        for _ in range(60):
            emoji = rng.choice(emojis)
            if emoji in mine:
                call("DeleteReaction", delete(mine.pop(emoji)), as_=who)
            else:
                mine[emoji] = call("CreateReaction", react(message.name, emoji), as_=who).name
        return mine

    with ThreadPoolExecutor(len(people)) as pool:
        left = list(pool.map(churn, range(len(people))))
    expected = Counter(emoji for mine in left for emoji in mine)
    assert summaries(call, message.name, ws.alice) == dict(expected)
    listed = every_reaction(call, message.name, ws.alice, page_size=200)
    assert sorted(r.name for r in listed) == sorted(name for mine in left for name in mine.values())
    assert Counter(r.emoji.unicode for r in listed) == expected


# ------------------------------------------------------------------ events and what reactions go away with


def test_every_change_records_an_event(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    space_id = team.name.split("/")[1]
    before = len(chat.store.events(space_id))
    made = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("DeleteReaction", delete(made.name), as_=ws.bob)
    created, deleted = chat.store.events(space_id)[before:]
    assert (created.event_type, created.resource_name) == (CREATED, made.name)
    assert (deleted.event_type, deleted.resource_name) == (DELETED, made.name)
    snapshot = deleted.snapshot
    assert isinstance(snapshot, Reaction)  # the deleted reaction's last state, as deleted messages keep theirs
    assert (snapshot.name, snapshot.user_name, snapshot.unicode) == (made.name, ws.bob.name, "👍")


def test_a_deleted_message_takes_its_reactions(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace, message: message_pb2.Message
) -> None:
    made = call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=message.name), as_=ws.alice)
    assert not call("ListReactions", listing(message.name), as_=ws.bob).reactions
    failure(rpc_error, Code.NOT_FOUND, "DeleteReaction", delete(made.name), as_=ws.bob, match="deleted")
    failure(rpc_error, Code.NOT_FOUND, "CreateReaction", react(message.name, "🎉"), as_=ws.bob, match="deleted")
    space_id, message_id = message.name.split("/")[1], message.name.split("/")[3]
    assert message_id not in chat.store.reactions._spaces.get(space_id, {})
    assert chat.store.reactions.find(space_id, message_id, made.name.rpartition("/")[2]) is None


def test_a_deleted_space_takes_its_reactions(
    call: Caller, chat: ChatServer, ws: Workspace, team: space_pb2.Space, message: message_pb2.Message
) -> None:
    parrot = custom_emoji(call, ws.alice)
    call("CreateReaction", react(message.name, "👍"), as_=ws.bob)
    call("CreateReaction", react(message.name, uid=parrot.uid), as_=ws.bob)
    space_id = team.name.split("/")[1]
    assert len(chat.store.reactions.all(space_id, message.name.split("/")[3])) == 2
    call("DeleteSpace", space_pb2.DeleteSpaceRequest(name=team.name), as_=ws.alice)
    assert space_id not in chat.store.reactions._spaces
    assert chat.store.reactions._by_custom_emoji == {}
    # a new space of the same name starts without reactions
    again = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Team")), as_=ws.alice)
    assert summaries(call, post(call, again, ws.alice).name, ws.alice) == {}


def test_import_mode_reactions_through_chat_import(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    importing = {"as_": ws.alice, "scopes": ["chat.import"]}
    space = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space("Old", import_mode=True)), **importing)
    old = call(
        "CreateMessage",
        message_pb2.CreateMessageRequest(parent=space.name, message=message_pb2.Message(text="x")),
        **importing,
    )
    made = call("CreateReaction", react(old.name, "👍"), **importing)
    assert made.user.name == ws.alice.name
    # ListReactions has no chat.import scope: an import-mode space is invisible to it, as to anything else
    failure(rpc_error, Code.NOT_FOUND, "ListReactions", listing(old.name), as_=ws.alice, match="not found")
    call("DeleteReaction", delete(made.name), **importing)
