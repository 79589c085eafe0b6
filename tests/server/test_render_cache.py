"""The codec's rendering caches and the fast paths of the list and search RPCs give what rendering afresh gives.

A list, search or event page renders each message once per state of it: a message is stamped when read
(message_records.stamp) and every change unstamps it (message_records.changed), and the codec keeps the
serialized rendering by the stamp. Here every kind of change is made to messages that were read before it, and
what the pages answer is compared with what they answer once the caches are emptied, and with GetMessage with
the caches emptied. (tests/render_checks.py also compares each cached rendering with a fresh one, in every test.)
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.apps.card.v1 import card_pb2
from google.chat.v1 import (
    attachment_pb2,
    membership_pb2,
    message_pb2,
    reaction_pb2,
    space_event_pb2,
    space_pb2,
    user_pb2,
)
from google.protobuf import field_mask_pb2

from chat_grpc.fake import codec, filters
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.pagination import PageTokens
from chat_grpc.fake.search_query import parse_search_query
from chat_grpc.fake.store import events, model
from chat_grpc.fake.store.message_records import Attachment, Mention, Message, Quote, stamp
from chat_grpc.fake.store.reactions import Reaction
from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace

PREFIX = "google.workspace.chat."
EVENT_TYPES = [
    f"{PREFIX}message.v1.created",
    f"{PREFIX}message.v1.updated",
    f"{PREFIX}message.v1.deleted",
    f"{PREFIX}reaction.v1.created",
    f"{PREFIX}reaction.v1.deleted",
    f"{PREFIX}membership.v1.created",
    f"{PREFIX}space.v1.updated",
]
EVENTS_FILTER = " OR ".join(f'event_types:"{t}"' for t in EVENT_TYPES)
M = message_pb2.Message


# ------------------------------------------------------------------ the codec alone


def _records() -> list[Message]:
    """Messages with every kind of content the codec renders, one kind or several at a time."""
    card = card_pb2.Card(header=card_pb2.Card.CardHeader(title="Deploy")).SerializeToString()
    widget = message_pb2.AccessoryWidget(button_list=card_pb2.ButtonList(buttons=[card_pb2.Button(text="Go")]))
    when = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)
    base = {"space_id": "AAAA", "sender_id": "111", "sender_kind": "HUMAN"}
    records = [
        Message(id="t1.t1", key=1 << 24, text="hello", formatted_text="hello", argument_text="hello", **base),
        Message(id="t1.r1", key=2 << 24 | 5, text="x" * 200, thread_reply=True, client_id="client-a", **base),
        Message(id="t2.t2", key=3 << 24, text="y" * 20_000, last_update_time=when, **base),  # 3-byte length
        Message(
            id="t3.t3",
            key=4 << 24,
            text="Hi @Bob and @all",
            mentions=(Mention(3, 4, "222", "HUMAN"), Mention(12, 4, "all", "HUMAN")),
            cards_v2=(("c1", card), ("", card)),
            accessory_widgets=(widget.SerializeToString(),),
            reaction_counts={"u:👍": 2, "c:emoji-uid": 1, "u:🎉": 0},
            **base,
        ),
        Message(
            id="t4.t4",
            key=5 << 24,
            text="files",
            attachments=(
                Attachment("a1", "plan.pdf", "application/pdf", resource_name="spaces/AAAA/attachments/a1"),
                Attachment("a2", "doc", "application/vnd.google-apps.document", "DRIVE_FILE", drive_file_id="d1"),
            ),
            **base,
        ),
        Message(
            id="t5.t5",
            key=6 << 24,
            text="quoting",
            quote=Quote("spaces/AAAA/messages/t1.t1", when, "REPLY", "users/111", "hello", "hello"),
            **base,
        ),
        Message(
            id="t6.t6",
            key=7 << 24,
            text="forwarded",
            quote=Quote("spaces/BBBB/messages/m.m", when, "FORWARD", "users/3", "hi", "*hi*", "spaces/BBBB", "B"),
            **base,
        ),
        Message(id="t7.t7", key=8 << 24, text="secret", private_viewer_id="222", **base | {"sender_kind": "BOT"}),
        Message(id="t8.t8", key=9 << 24, delete_time=when, deletion_type="SPACE_OWNER", last_update_time=when, **base),
    ]
    return records


def test_a_message_field_is_the_message_as_field_1() -> None:
    records = _records()
    reference = message_pb2.ListMessagesResponse(messages=[codec.message_to_proto(m) for m in records])
    unstamped = b"".join(codec.message_field(m) for m in records)
    assert message_pb2.ListMessagesResponse.FromString(unstamped) == reference
    for record in records:
        stamp(record)
    first = b"".join(codec.message_field(m) for m in records)
    again = b"".join(codec.message_field(m) for m in records)  # from the cache
    assert message_pb2.ListMessagesResponse.FromString(first) == reference
    assert again == first
    assert [codec.message_of_field(codec.message_field(m)) for m in records] == list(reference.messages)
    # The containers of the other fast paths hold their message as field 1 too.
    for container, field in [
        (message_pb2.ListMessagesResponse, "messages"),
        (message_pb2.SearchMessageResult, "message"),
        (message_pb2.SearchMessagesResponse, "results"),
        (space_event_pb2.ListSpaceEventsResponse, "space_events"),
    ]:
        assert container.DESCRIPTOR.fields_by_name[field].number == 1


@pytest.mark.parametrize("size", [0, 1, 127, 128, 300, 16_383, 16_384, 2_097_152])
def test_framed_bodies_of_every_length_parse(size: int) -> None:
    body = M(text="z" * size).SerializeToString() if size else b""
    parsed = message_pb2.SearchMessageResult.FromString(codec.framed(body))
    assert parsed.message == M.FromString(body) and parsed.HasField("message")
    assert codec.message_of_field(codec.framed(body)) == M.FromString(body)  # GetMessage's way back


def test_event_ids_are_the_base_62_keys() -> None:
    digits = string.digits + string.ascii_uppercase + string.ascii_lowercase

    def reference(key: int) -> str:
        out = ""
        while key:
            key, digit = divmod(key, 62)
            out = digits[digit] + out
        return out.rjust(12, "0")

    rng = random.Random(5)
    keys = [0, 1, 61, 62, 3843, 3844, 2**64 - 1, 62**11, 62**11 - 1] + [rng.getrandbits(64) for _ in range(2000)]
    for key in keys:
        assert events.event_id(key) == reference(key)
        assert events.event_key(events.event_id(key)) == key


def test_a_cached_event_filter_is_checked_against_each_now() -> None:
    """The text of a ListSpaceEvents filter is parsed once; ``now`` is applied at each call, and a text that fails
    reports the first error met, as when nothing was cached."""
    created = f'event_types:"{PREFIX}message.v1.created"'
    now = datetime(2026, 3, 1, tzinfo=UTC)
    day_old = (now - timedelta(days=1)).isoformat()
    old = (now - timedelta(days=29)).isoformat()
    cases = [  # (text, now, the error it fails with or None)
        (f'{created} AND start_time="{day_old}"', now, None),
        (f'{created} AND start_time="{day_old}"', now + timedelta(days=28), "at most 28 days"),  # cached, now older
        (f'{created} AND start_time="{day_old}"', now, None),
        (f'{created} AND start_time="{old}"', now, "at most 28 days"),
        (f'start_time="{old}" AND start_time="{old}" AND {created}', now, "at most 28 days"),  # before the duplicate
        (f'start_time="{day_old}" AND start_time="{day_old}" AND {created}', now, "only once"),
        (f'{created} AND start_time="{now.isoformat()}" AND end_time="{now.isoformat()}"', now, "must be before"),
        (f'{created} AND end_time="{old}"', now - timedelta(days=2), None),
        (f'{created} AND end_time="{old}"', now, "must be before"),  # cached; the start is now - 28 days
        (created, now, None),
    ]
    for warm in (False, True):
        for text, moment, error in cases:
            if not warm:
                filters._event_terms.cache_clear()
            if error is None:
                parsed = filters.parse_space_event_filter(text, now=moment)
                assert parsed.event_types == {f"{PREFIX}message.v1.created"} and parsed.start_time < parsed.end_time
                assert parsed.end_time <= moment and parsed.start_time >= moment - filters.MAX_EVENT_WINDOW
            else:
                with pytest.raises(InvalidArgument, match=error):
                    filters.parse_space_event_filter(text, now=moment)


def test_a_record_field_is_the_membership_or_reaction_as_field_1() -> None:
    when = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)
    memberships = [
        model.Membership("AAAA", "111", "HUMAN", create_time=when, seq=1),
        model.Membership("AAAA", "222", "HUMAN", "ROLE_MANAGER", "INVITED", seq=2),
        model.Membership("AAAA", "333", "GROUP", "MEMBERSHIP_ROLE_UNSPECIFIED", create_time=when, seq=3),
        model.Membership("AAAA", "444", "BOT", create_time=when, delete_time=when, state="NOT_A_MEMBER", seq=4),
    ]
    reacted = [
        Reaction("AAAA", "t1.t1", "r1", "111", "u:👍", when),
        Reaction("AAAA", "t1.t1", "r2", "222", "c:uid-1", when, emoji_name=":ship-it:", seq=1),
        Reaction("AAAA", "t1.t1", "r3", "222", "c:uid-2", when, seq=2),
    ]
    for _ in range(2):  # rendered, then kept
        got = membership_pb2.ListMembershipsResponse.FromString(b"".join(codec.record_field(m) for m in memberships))
        assert list(got.memberships) == [codec.membership_to_proto(m) for m in memberships]
        found = reaction_pb2.ListReactionsResponse.FromString(b"".join(codec.record_field(r) for r in reacted))
        assert list(found.reactions) == [codec.reaction_to_proto(r) for r in reacted]
    changed = dataclasses.replace(memberships[0], role="ROLE_MANAGER")  # another value: another rendering
    (promoted,) = membership_pb2.ListMembershipsResponse.FromString(codec.record_field(changed)).memberships
    assert promoted.role == membership_pb2.Membership.ROLE_MANAGER
    for container, field in [
        (membership_pb2.ListMembershipsResponse, "memberships"),
        (reaction_pb2.ListReactionsResponse, "reactions"),
    ]:
        assert container.DESCRIPTOR.fields_by_name[field].number == 1


def test_value_keyed_payloads_are_values() -> None:
    """Events about memberships and reactions are kept by the values of every field of their payload: exact only
    while each field holds an immutable value."""
    immutable = {"str", "int", "bool", "datetime", "datetime | None", "str | None", "int | None"}
    for cls in codec._PAYLOAD_VALUES:
        assert {f.type for f in dataclasses.fields(cls)} <= immutable, cls


def test_page_tokens_are_the_tokens_of_their_definition() -> None:
    """The fast paths of PageTokens (the bound hash kept by parameters, an int cursor written without json) give
    the tokens the plain definition gives."""
    secret = b"s" * 32
    tokens = PageTokens(secret)

    def reference(rpc: str, request: dict[str, Any], cursor: Any) -> str:
        canonical = json.dumps([rpc, request], sort_keys=True, separators=(",", ":"), default=str)
        bound = hashlib.sha256(canonical.encode()).hexdigest()[:24]
        payload = json.dumps({"b": bound, "c": cursor}, separators=(",", ":")).encode()
        mac = base64.urlsafe_b64encode(hmac.new(secret, payload, hashlib.sha256).digest()[:16]).decode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + mac

    requests = [
        {"parent": "AAAA", "filter": "", "order_by": "", "deleted": False},
        {"parent": "AAAA", "filter": "", "order_by": "", "deleted": True},
        {"deleted": True},
        {"deleted": 1},  # equal to True, and hashed alike: told apart by type
        {"deleted": 1.0},
        {"users": ["users/a", "users/b"], "view": 1},  # a list: not kept
        {"order_by": "", "parent": "AAAA", "filter": "", "deleted": False},  # another order: the same hash
    ]
    cursors = [0, 7, -3, (1 << 60) + 5, 2**70, True, None, "x", [5, "AAAA"], {"k": 1}]
    for _ in range(2):  # cold, then kept
        for request in requests:
            for cursor in cursors:
                token = tokens.issue("ListMessages", request, cursor)
                assert token == reference("ListMessages", request, cursor)
                assert tokens.read(token, "ListMessages", request) == cursor
    with pytest.raises(InvalidArgument, match="different request"):
        tokens.read(tokens.issue("ListMessages", {"deleted": True}, 1), "ListMessages", {"deleted": 1})


def test_a_parsed_search_query_is_immutable_and_shared() -> None:
    text = '"ship it" launch (sender.name = "users/1" OR sender.name = "users/2") create_time >= "2026-01-01T00:00:00Z"'
    query = parse_search_query(text)
    assert parse_search_query(text) is query
    assert query.keywords == ("ship", "it", "launch") and query.phrases == (("ship", "it"),)
    assert query.sender_groups == (("users/1", "users/2"),)
    with pytest.raises(AttributeError):
        query.keywords = ()  # type: ignore[misc]
    assert query.matches_words(("we", "ship", "it", "at", "launch"))
    assert not query.matches_words(("it", "ship", "launch"))


# ------------------------------------------------------------------ every change, read back through the RPCs


def _reads(call: Caller, space: str, who: Any) -> dict[str, Any]:
    """What ``who`` reads of a space through the paths that use the caches."""
    listed = [
        call(
            "ListMessages", message_pb2.ListMessagesRequest(parent=space, page_size=1000, show_deleted=deleted), as_=who
        )
        for deleted in (False, True)
    ]
    paged = []
    token = ""
    while True:  # small pages: the cursor of each page is the last message it rendered
        page = call(
            "ListMessages", message_pb2.ListMessagesRequest(parent=space, page_size=2, page_token=token), as_=who
        )
        paged.extend(page.messages)
        token = page.next_page_token
        if not token:
            break
    events = call(
        "ListSpaceEvents", space_event_pb2.ListSpaceEventsRequest(parent=space, filter=EVENTS_FILTER), as_=who
    )
    search = [
        call(
            "SearchMessages",
            message_pb2.SearchMessagesRequest(parent="spaces/-", filter=f'space.name = "{space}"', view=view),
            as_=who,
        )
        for view in (0, message_pb2.SearchMessagesRequest.SEARCH_MESSAGES_VIEW_FULL)
    ]
    return {"list": listed, "paged": paged, "events": events, "search": search}


def _check(call: Caller, space: str, readers: dict[str, Any]) -> None:
    """Each reader's pages, read through the caches (filled by the reads before the change), equal the pages
    read with the caches emptied, and each listed message equals GetMessage's."""
    for name, who in readers.items():
        cached = _reads(call, space, who)
        codec._MESSAGE_FIELDS.clear()
        codec._EVENT_FIELDS.clear()
        fresh = _reads(call, space, who)
        assert cached == fresh, name
        for message in cached["list"][1].messages:
            codec._MESSAGE_FIELDS.clear()  # GetMessage answers the same kept rendering: here, a fresh one
            assert call("GetMessage", message_pb2.GetMessageRequest(name=message.name), as_=who) == message
        assert list(cached["paged"]) == list(cached["list"][0].messages)
        _reads(call, space, who)  # leave the caches filled for the next change


def _send(call: Caller, space: str, who: Any, text: str, **fields: Any) -> M:
    request = message_pb2.CreateMessageRequest(parent=space, message=M(text=text, **fields))
    return call("CreateMessage", request, as_=who)


def _update(call: Caller, who: Any, message: M, paths: list[str]) -> M:
    mask = field_mask_pb2.FieldMask(paths=paths)
    return call("UpdateMessage", message_pb2.UpdateMessageRequest(message=message, update_mask=mask), as_=who)


@pytest.fixture
def room(call: Caller, ws: Workspace) -> str:
    """alice's space with bob and the app."""
    space = call(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=space_pb2.Space(space_type=space_pb2.Space.SPACE, display_name="Launch")),
        as_=ws.alice,
    ).name
    bob = membership_pb2.Membership(member=user_pb2.User(name=ws.bob.name, type=user_pb2.User.HUMAN))
    call("CreateMembership", membership_pb2.CreateMembershipRequest(parent=space, membership=bob), as_=ws.alice)
    bot = membership_pb2.Membership(member=user_pb2.User(name="users/app", type=user_pb2.User.BOT))
    call(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(parent=space, membership=bot),
        as_=ws.alice,
        app=ws.app,
    )
    return space


def test_every_change_of_a_listed_message_is_listed(
    chat: ChatServer, clock: ManualClock, call: Caller, ws: Workspace, room: str
) -> None:
    readers = {"alice": ws.alice, "bob": ws.bob}  # bob sees the app's private message, alice does not

    def step() -> None:
        clock.advance(timedelta(seconds=1))
        _check(call, room, readers)

    plan = _send(call, room, ws.alice, "The launch plan")
    _send(call, room, ws.bob, "Launch <users/" + ws.alice.id + "> at noon?")
    secret = _send(call, room, ws.app, "Only bob sees this", private_message_viewer=user_pb2.User(name=ws.bob.name))
    card = message_pb2.CardWithId(card_id="c", card=card_pb2.Card(header=card_pb2.Card.CardHeader(title="One")))
    carded = _send(call, room, ws.app, "cards", cards_v2=[card])
    root = _send(call, room, ws.bob, "thread root")
    reply = call(
        "CreateMessage",
        message_pb2.CreateMessageRequest(
            parent=room,
            message=M(text="a reply", thread=root.thread),
            message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_OR_FAIL,
        ),
        as_=ws.alice,
    )
    quote = message_pb2.QuotedMessageMetadata(name=plan.name, last_update_time=plan.create_time)
    quoting = _send(call, room, ws.bob, "agreed", quoted_message_metadata=quote)
    token = chat.store.messages.upload(room.split("/")[1], "plan.pdf", "application/pdf")
    ref = attachment_pb2.AttachmentDataRef(attachment_upload_token=token)
    attached = _send(call, room, ws.alice, "the file", attachment=[attachment_pb2.Attachment(attachment_data_ref=ref)])
    step()

    _update(call, ws.alice, M(name=plan.name, text="The launch plan, v2"), ["text"])
    step()
    _update(call, ws.app, M(name=secret.name, text="Still only bob"), ["text"])
    step()
    card.card.header.title = "Two"
    _update(call, ws.app, M(name=carded.name, cards_v2=[card]), ["cards_v2"])
    step()
    _update(call, ws.bob, M(name=quoting.name), ["quoted_message_metadata"])
    step()
    _update(call, ws.alice, M(name=attached.name, text="no file"), ["text", "attachment"])
    step()

    def react(who: Any, message: str, emoji: reaction_pb2.Emoji) -> reaction_pb2.Reaction:
        request = reaction_pb2.CreateReactionRequest(parent=message, reaction=reaction_pb2.Reaction(emoji=emoji))
        return call("CreateReaction", request, as_=who)

    thumbs = react(ws.bob, plan.name, reaction_pb2.Emoji(unicode="👍"))
    step()
    react(ws.alice, plan.name, reaction_pb2.Emoji(unicode="👍"))
    react(ws.bob, secret.name, reaction_pb2.Emoji(unicode="🎉"))
    step()
    call("DeleteReaction", reaction_pb2.DeleteReactionRequest(name=thumbs.name), as_=ws.bob)
    step()
    payload = reaction_pb2.CustomEmoji.CustomEmojiPayload(filename="e.png", file_content=_png())
    emoji = call(
        "CreateCustomEmoji",
        reaction_pb2.CreateCustomEmojiRequest(
            custom_emoji=reaction_pb2.CustomEmoji(emoji_name=":ship:", payload=payload)
        ),
        as_=ws.alice,
    )
    react(ws.bob, plan.name, reaction_pb2.Emoji(custom_emoji=reaction_pb2.CustomEmoji(uid=emoji.uid)))
    step()
    call("DeleteCustomEmoji", reaction_pb2.DeleteCustomEmojiRequest(name=emoji.name), as_=ws.alice)  # its reactions go
    step()
    bob_membership = f"{room}/members/{ws.bob.id}"
    promote = membership_pb2.Membership(name=bob_membership, role=membership_pb2.Membership.ROLE_MANAGER)
    call(
        "UpdateMembership",
        membership_pb2.UpdateMembershipRequest(
            membership=promote, update_mask=field_mask_pb2.FieldMask(paths=["role"])
        ),
        as_=ws.alice,
    )  # the membership.created event's payload is the membership as it is now
    step()
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=plan.name), as_=ws.alice)
    step()
    call("DeleteMessage", message_pb2.DeleteMessageRequest(name=root.name, force=True), as_=ws.alice)
    step()
    assert reply.name in {m.name for m in call(
        "ListMessages", message_pb2.ListMessagesRequest(parent=room, show_deleted=True), as_=ws.bob
    ).messages}  # fmt: skip


def test_random_changes_read_back_as_rendered_afresh(
    clock: ManualClock, call: Caller, ws: Workspace, room: str
) -> None:
    rng = random.Random(11)
    people = [ws.alice, ws.bob]
    posted: list[tuple[Any, M]] = []
    reactions: list[tuple[Any, reaction_pb2.Reaction]] = []
    for i in range(40):
        clock.advance(timedelta(milliseconds=rng.randint(0, 3)))  # 0: several changes in one instant
        who = rng.choice(people)
        action = rng.random()
        live = [(w, m) for w, m in posted if not m.HasField("delete_time")]
        if action < 0.35 or not live:
            text = " ".join(rng.choice(["launch", "ship", "plan", "now", "later"]) for _ in range(rng.randint(1, 4)))
            posted.append((who, _send(call, room, who, text)))
        elif action < 0.6:
            index = rng.randrange(len(live))
            author, message = live[index]
            updated = _update(call, author, M(name=message.name, text=f"edit {i}"), ["text"])
            posted[posted.index((author, message))] = (author, updated)
        elif action < 0.8:
            _, message = rng.choice(live)
            emoji = reaction_pb2.Emoji(unicode=rng.choice("👍🎉🚀"))
            request = reaction_pb2.CreateReactionRequest(
                parent=message.name, reaction=reaction_pb2.Reaction(emoji=emoji)
            )
            with contextlib.suppress(grpc.RpcError):  # the same emoji twice: ALREADY_EXISTS
                reactions.append((who, call("CreateReaction", request, as_=who)))
        elif action < 0.9 and reactions:
            author, reaction = reactions.pop(rng.randrange(len(reactions)))
            with contextlib.suppress(grpc.RpcError):  # its message was deleted since
                call("DeleteReaction", reaction_pb2.DeleteReactionRequest(name=reaction.name), as_=author)
        else:
            index = rng.randrange(len(live))
            author, message = live[index]
            call("DeleteMessage", message_pb2.DeleteMessageRequest(name=message.name, force=True), as_=author)
            gone = call("GetMessage", message_pb2.GetMessageRequest(name=message.name), as_=author)
            posted[posted.index((author, message))] = (author, gone)
        if i % 4 == 3:
            _check(call, room, {"alice": ws.alice, "bob": ws.bob})
    _check(call, room, {"alice": ws.alice, "bob": ws.bob})


def _png() -> bytes:
    from tests.server.test_reactions import png

    return png()
