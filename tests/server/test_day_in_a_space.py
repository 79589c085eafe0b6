"""Acceptance: a realistic day in one space, through all 34 RPCs over the real gRPC channel.

alice (Workspace admin) opens the "Launch Day" space, sets up a second space and a DM with bob, finds them again
(SearchSpaces as admin, ListSpaces, GetSpace, FindDirectMessage), adds bob, carol (auto-accept off: invited),
erin, the Helper Bot (users/app) and the Engineers group, promotes bob. People talk in threads, mention each
other, the app posts a card, a private message and reads an uploaded attachment, everyone reacts (Unicode and
custom emojis), edits, force-deletes a thread, reads, mutes; erin leaves, carol's invitation is withdrawn. In the
afternoon alice imports last year's space. At the end of the day the spaces are deleted.

The script keeps its own record of what it did (messages, reactions, memberships, reads, the events each step
must record) and the final checks compare the server against that record, never against the server's answers:
the whole event history in order with each payload's latest version, every message's reaction summaries, every
user's read states (the rules of ``store/read_states.py``), the membership counts, and the deleted messages that
``show_deleted`` brings back. The test also proves it called every RPC of the service.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.apps.card.v1 import card_pb2
from google.chat.v1 import (
    attachment_pb2,
    chat_service_pb2,
    deletion_metadata_pb2,
    group_pb2,
    membership_pb2,
    message_pb2,
    reaction_pb2,
    space_event_pb2,
    space_notification_setting_pb2,
    space_pb2,
    space_read_state_pb2,
    space_setup_pb2,
    thread_read_state_pb2,
    user_pb2,
)
from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.server import ChatServer, ManualClock
from tests.server.conftest import Caller, Workspace, human

Code = grpc.StatusCode
M = message_pb2.Message
FALLBACK = message_pb2.CreateMessageRequest.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD
OR_FAIL = message_pb2.CreateMessageRequest.REPLY_MESSAGE_OR_FAIL
Deletion = deletion_metadata_pb2.DeletionMetadata
NOTIFY = space_notification_setting_pb2.SpaceNotificationSetting
PREFIX = "google.workspace.chat."
EVENT_TYPES = [
    f"{PREFIX}{kind}.v1.{verb}"
    for kind, verbs in (
        ("membership", ("created", "updated", "deleted")),
        ("message", ("created", "updated", "deleted")),
        ("reaction", ("created", "deleted")),
        ("space", ("updated",)),
    )
    for verb in verbs
]
ALL_EVENTS = " OR ".join(f'event_types:"{t}"' for t in EVENT_TYPES)
# The 34 RPCs of the reference; the ones Google added since have their own scenarios.
ADDED_AFTER_THE_REFERENCE = {
    "SearchMessages", "CreateMessagePin", "ListMessagePins", "DeleteMessagePin", "UploadAttachment",
    "FindGroupChats", "CreateSection", "DeleteSection", "UpdateSection", "ListSections", "PositionSection",
    "ListSectionItems", "MoveSectionItem", "GetAvailability", "UpdateAvailability", "MarkAsActive", "MarkAsAway",
    "MarkAsDoNotDisturb",
}  # fmt: skip
SERVICE_RPCS = {
    m.name for m in chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].methods
} - ADDED_AFTER_THE_REFERENCE
DAY = datetime(2026, 1, 5, tzinfo=UTC)  # ManualClock's default start: Monday 5 January 2026, 09:00 UTC


# ------------------------------------------------------------------ builders


def png(side: int = 64) -> bytes:
    """A valid side x side RGB PNG, built by hand (signature, IHDR, zlib-compressed IDAT, IEND, with CRCs)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + b"".join(bytes((x * 4 % 256, y * 4 % 256, 128)) for x in range(side)) for y in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def ts(value: timestamp_pb2.Timestamp) -> datetime:
    return value.ToDatetime(tzinfo=UTC)


def stamp(when: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(when)
    return result


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def card(title: str) -> message_pb2.CardWithId:
    return message_pb2.CardWithId(card_id="build", card=card_pb2.Card(header=card_pb2.Card.CardHeader(title=title)))


def sid(name: str) -> str:
    return name.split("/")[1]


# ------------------------------------------------------------------ the script's own record of the day


@dataclass
class Posted:
    name: str
    sender: str  # users/{id}
    thread: str  # spaces/{s}/threads/{t}
    reply: bool
    create_time: datetime
    text: str  # as rendered (mentions become @Name), latest version
    viewer: str = ""  # users/{id}: the only human who sees a private message
    deleted_as: deletion_metadata_pb2.DeletionMetadata.DeletionType = Deletion.DELETION_TYPE_UNSPECIFIED  # who, once
    client_id: str = ""


@dataclass
class Reacted:
    name: str
    message: str
    user: str  # users/{id}
    emoji: str  # the Unicode emoji, or a custom emoji's uid
    custom: bool = False
    gone: bool = False


@dataclass
class Member:
    name: str  # spaces/{s}/members/{id}
    kind: str  # HUMAN | BOT | GROUP
    role: int
    state: int
    removed: bool = False


@dataclass
class Record:
    """What happened in the Launch Day space, kept by the script."""

    space: str
    display_name: str = ""
    description: str = ""
    guidelines: str = ""
    messages: dict[str, Posted] = field(default_factory=dict)
    reactions: dict[str, Reacted] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)  # (event type, resource name), in order
    steps: list[datetime] = field(default_factory=list)  # when the script did what caused each event
    now: datetime = DAY
    reads: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (user name, thread or "") -> last read

    def event(self, kind: str, resource: str) -> None:
        self.events.append((PREFIX + kind, resource))
        self.steps.append(self.now)

    def posted(self, message: M, *, text: str, viewer: str = "") -> Posted:
        entry = Posted(
            name=message.name,
            sender=message.sender.name,
            thread=message.thread.name,
            reply=message.thread_reply,
            create_time=ts(message.create_time),
            text=text,
            viewer=viewer,
            client_id=message.client_assigned_message_id,
        )
        self.messages[entry.name] = entry
        self.event("message.v1.created", entry.name)
        if message.sender.type == user_pb2.User.HUMAN:
            # store/read_states.py: a user's own message marks what came before it as read: a top-level message
            # the space, a reply its thread.
            key = (entry.sender, entry.thread if entry.reply else "")
            self.reads[key] = max(self.reads.get(key, entry.create_time), entry.create_time)
        return entry

    def reacted(self, reaction: reaction_pb2.Reaction, message: str, emoji: str, *, custom: bool = False) -> None:
        self.reactions[reaction.name] = Reacted(reaction.name, message, reaction.user.name, emoji, custom)
        self.event("reaction.v1.created", reaction.name)

    def unreacted(self, name: str, *, event: bool = True) -> None:
        self.reactions[name].gone = True
        if event:
            self.event("reaction.v1.deleted", name)

    def history(self, reader: str) -> list[tuple[str, str, datetime]]:
        """The events as ListSpaceEvents must show them to ``reader``: none about a private message for someone
        else; a resource gone since an event (a removed member, a deleted reaction) leaves that event's payload
        empty; a deleted message's latest version is its tombstone."""
        gone = {m.name for m in self.members.values() if m.removed} | {
            r.name for r in self.reactions.values() if r.gone
        }
        hidden = {m.name for m in self.messages.values() if m.viewer and reader not in (m.viewer, m.sender)}
        return [
            (kind, "" if name in gone and not kind.endswith(".deleted") else name, when)
            for (kind, name), when in zip(self.events, self.steps, strict=True)
            if "/".join(name.split("/")[:4]) not in hidden
        ]

    def summary(self, message: str) -> Counter[str]:
        if self.messages[message].deleted_as:
            return Counter()
        return Counter(r.emoji for r in self.reactions.values() if r.message == message and not r.gone)

    def newest_top_level(self) -> datetime:
        return max(m.create_time for m in self.messages.values() if not m.reply and not m.deleted_as)

    def visible_to(self, user: str) -> list[Posted]:
        return [m for m in self.messages.values() if not m.viewer or user in (m.viewer, m.sender)]


def summaries(message: M) -> Counter[str]:
    return Counter(
        {
            (s.emoji.unicode or s.emoji.custom_emoji.uid): s.reaction_count
            for s in message.emoji_reaction_summaries
            if s.reaction_count
        }
    )


# ------------------------------------------------------------------ the day


def test_a_day_in_a_space_through_every_rpc(
    chat: ChatServer, clock: ManualClock, ws: Workspace, call: Caller, rpc_error: Callable[..., grpc.RpcError]
) -> None:
    used: set[str] = set()

    def rpc(name: str, request: Any, **options: Any) -> Any:
        used.add(name)
        return call(name, request, **options)

    def refused(code: grpc.StatusCode, name: str, request: Any, **options: Any) -> grpc.RpcError:
        used.add(name)
        return rpc_error(code, name, request, **options)

    day = Record("", now=DAY.replace(hour=9))  # the clock starts at 09:00

    def at(hour: int, minute: int) -> datetime:
        """Move the clock forward to hh:mm of the day (never back)."""
        target = DAY.replace(hour=hour, minute=minute)
        delta = target - clock.now()
        assert delta > timedelta(0), f"the script goes back in time to {target}"
        clock.advance(delta)
        day.now = target
        return target

    def near(when: datetime, target: datetime) -> bool:
        return target <= when < target + timedelta(seconds=1)

    alice, bob, carol, erin, app = ws.alice, ws.bob, ws.carol, ws.erin, ws.app
    as_app_client = {"app": app, "scopes": ["chat.memberships.app"]}  # a user token issued to the Helper Bot

    # ---------------------------------------------------------------- 09:00 spaces
    start = day.now
    launch = rpc(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(
            space=space_pb2.Space(
                space_type=space_pb2.Space.SPACE,
                display_name="Launch Day",
                space_details=space_pb2.Space.SpaceDetails(description="Shipping v2"),
            ),
            request_id="launch-day",
        ),
        as_=alice,
    )
    assert near(ts(launch.create_time), start)
    day.space, day.display_name, day.description = launch.name, "Launch Day", "Shipping v2"
    alice_member = f"{launch.name}/members/{alice.id}"
    day.members[alice_member] = Member(
        alice_member, "HUMAN", membership_pb2.Membership.ROLE_MANAGER, membership_pb2.Membership.JOINED
    )
    day.event("membership.v1.created", alice_member)
    again = rpc(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(
            space=space_pb2.Space(space_type=space_pb2.Space.SPACE, display_name="Launch Day"), request_id="launch-day"
        ),
        as_=alice,
    )
    assert again.name == launch.name  # a retried request creates nothing

    at(9, 2)
    design = rpc(
        "SetUpSpace",
        space_setup_pb2.SetUpSpaceRequest(
            space=space_pb2.Space(space_type=space_pb2.Space.SPACE, display_name="Design Review"),
            memberships=[human(bob.name), human("users/erin@example.com")],
        ),
        as_=alice,
    )
    assert design.membership_count.joined_direct_human_user_count == 3

    at(9, 3)
    dm = rpc(
        "SetUpSpace",
        space_setup_pb2.SetUpSpaceRequest(
            space=space_pb2.Space(space_type=space_pb2.Space.DIRECT_MESSAGE), memberships=[human(bob.name)]
        ),
        as_=alice,
    )
    assert dm.space_type == space_pb2.Space.DIRECT_MESSAGE and dm.display_name == ""
    found = rpc("FindDirectMessage", space_pb2.FindDirectMessageRequest(name=bob.name), as_=alice)
    assert found.name == dm.name
    found = rpc("FindDirectMessage", space_pb2.FindDirectMessageRequest(name="users/alice@example.com"), as_=bob)
    assert found.name == dm.name
    refused(Code.NOT_FOUND, "FindDirectMessage", space_pb2.FindDirectMessageRequest(name=erin.name), as_=alice)

    at(9, 5)
    search = space_pb2.SearchSpacesRequest(
        use_admin_access=True,
        query='customer = "customers/my_customer" AND space_type = "SPACE" AND display_name:"launch"',
    )
    searched = rpc("SearchSpaces", search, as_=alice, scopes=["chat.admin.spaces.readonly"])
    assert [s.name for s in searched.spaces] == [launch.name] and searched.total_size == 1
    listed = rpc("ListSpaces", space_pb2.ListSpacesRequest(), as_=alice)
    assert [s.name for s in listed.spaces] == [launch.name, design.name]  # a DM is listed after its first message
    got = rpc("GetSpace", space_pb2.GetSpaceRequest(name=launch.name), as_=alice)
    assert got.display_name == "Launch Day" and got.membership_count.joined_direct_human_user_count == 1
    assert got.permission_settings.manage_members_and_groups.members_allowed

    # ---------------------------------------------------------------- 09:10 members
    at(9, 10)

    def add(membership: membership_pb2.Membership, kind: str, **options: Any) -> membership_pb2.Membership:
        created: membership_pb2.Membership = rpc(
            "CreateMembership",
            membership_pb2.CreateMembershipRequest(parent=launch.name, membership=membership),
            **{"as_": alice, **options},
        )
        day.members[created.name] = Member(created.name, kind, created.role, created.state)
        day.event("membership.v1.created", created.name)
        return created

    bob_m = add(human(bob.name), "HUMAN")
    carol_m = add(human("users/carol@example.com"), "HUMAN")
    erin_m = add(human(erin.name), "HUMAN")
    bot = membership_pb2.Membership(member=user_pb2.User(name="users/app", type=user_pb2.User.BOT))
    app_m = add(bot, "BOT", **as_app_client)
    group_m = add(membership_pb2.Membership(group_member=group_pb2.Group(name=ws.group.name)), "GROUP")
    assert carol_m.state == membership_pb2.Membership.INVITED and erin_m.state == membership_pb2.Membership.JOINED
    assert app_m.name == f"{launch.name}/members/{app.id}" and app_m.member.type == user_pb2.User.BOT
    assert group_m.role == membership_pb2.Membership.MEMBERSHIP_ROLE_UNSPECIFIED

    everyone = rpc(
        "ListMemberships",
        membership_pb2.ListMembershipsRequest(parent=launch.name, show_groups=True, show_invited=True, page_size=4),
        as_=alice,
    )
    rest = rpc(
        "ListMemberships",
        membership_pb2.ListMembershipsRequest(
            parent=launch.name, show_groups=True, show_invited=True, page_size=4, page_token=everyone.next_page_token
        ),
        as_=alice,
    )
    assert [m.name for m in [*everyone.memberships, *rest.memberships]] == list(day.members)
    seen_by_app = rpc("ListMemberships", membership_pb2.ListMembershipsRequest(parent=launch.name), as_=app)
    assert [m.name for m in seen_by_app.memberships] == [alice_member, bob_m.name, erin_m.name]
    by_email = rpc(
        "GetMembership", membership_pb2.GetMembershipRequest(name=f"{launch.name}/members/bob@example.com"), as_=erin
    )
    assert by_email.name == bob_m.name and by_email.role == membership_pb2.Membership.ROLE_MEMBER

    at(9, 15)
    promoted = rpc(
        "UpdateMembership",
        membership_pb2.UpdateMembershipRequest(
            membership=membership_pb2.Membership(name=bob_m.name, role=membership_pb2.Membership.ROLE_MANAGER),
            update_mask=mask("role"),
        ),
        as_=alice,
    )
    assert promoted.role == membership_pb2.Membership.ROLE_MANAGER
    day.members[bob_m.name].role = promoted.role
    day.event("membership.v1.updated", bob_m.name)

    at(9, 16)
    details = space_pb2.Space.SpaceDetails(description="Shipping v2 today", guidelines="Be kind; threads please")
    updated = rpc(
        "UpdateSpace",
        space_pb2.UpdateSpaceRequest(
            space=space_pb2.Space(name=launch.name, space_details=details), update_mask=mask("space_details")
        ),
        as_=bob,
    )
    assert updated.space_details == details
    day.description, day.guidelines = details.description, details.guidelines
    day.event("space.v1.updated", launch.name)
    at(9, 17)
    rpc(
        "UpdateSpace",
        space_pb2.UpdateSpaceRequest(
            space=space_pb2.Space(name=launch.name, display_name="Launch Day (v2)"), update_mask=mask("display_name")
        ),
        as_=bob,
    )
    day.display_name = "Launch Day (v2)"
    day.event("space.v1.updated", launch.name)

    # ---------------------------------------------------------------- 09:30 talk in threads
    def post(who: Any, message: M, text: str, **fields: Any) -> Posted:
        created = rpc(
            "CreateMessage", message_pb2.CreateMessageRequest(parent=launch.name, message=message, **fields), as_=who
        )
        viewer = message.private_message_viewer.name
        return day.posted(created, text=text, viewer=viewer)

    t = at(9, 30)
    kickoff = post(
        alice,
        M(text="Kickoff! <users/bob@example.com> please share the plan", thread=message_pb2.Thread(thread_key="plan")),
        "Kickoff! @Bob please share the plan",
        message_reply_option=FALLBACK,
        message_id="client-kickoff",
    )
    assert near(kickoff.create_time, t) and not kickoff.reply and kickoff.client_id == "client-kickoff"
    plan_thread = kickoff.thread

    at(9, 32)
    bob_reply = post(
        bob, M(text="On it", thread=message_pb2.Thread(thread_key="plan")), "On it", message_reply_option=FALLBACK
    )
    assert bob_reply.reply and bob_reply.thread == plan_thread

    at(9, 35)
    token = chat.store.messages.upload(sid(launch.name), "launch-plan.pdf", "application/pdf")
    upload = attachment_pb2.Attachment(
        attachment_data_ref=attachment_pb2.AttachmentDataRef(attachment_upload_token=token)
    )
    plan = post(bob, M(text="The launch plan", attachment=[upload]), "The launch plan")
    with_file = rpc("GetMessage", message_pb2.GetMessageRequest(name=plan.name), as_=bob)
    (attachment,) = with_file.attachment
    assert attachment.name.startswith(f"{plan.name}/attachments/") and attachment.content_name == "launch-plan.pdf"

    at(9, 36)
    fetched = rpc("GetAttachment", attachment_pb2.GetAttachmentRequest(name=attachment.name), as_=app)
    assert fetched.content_type == "application/pdf" and fetched.attachment_data_ref.resource_name
    assert fetched.attachment_data_ref.resource_name == attachment.attachment_data_ref.resource_name
    refused(Code.PERMISSION_DENIED, "GetAttachment", attachment_pb2.GetAttachmentRequest(name=attachment.name), as_=bob)

    at(9, 40)
    build = post(app, M(text="Build status", cards_v2=[card("Build #42: green")]), "Build status")
    at(9, 41)
    reminder = post(
        app,
        M(text="Your review is due at noon", private_message_viewer=user_pb2.User(name=erin.name)),
        "Your review is due at noon",
    )
    assert reminder.viewer == erin.name
    refused(Code.NOT_FOUND, "GetMessage", message_pb2.GetMessageRequest(name=reminder.name), as_=alice)

    at(9, 45)
    lgtm = post(
        erin,
        M(text="<users/alice@example.com> LGTM", thread=message_pb2.Thread(name=plan_thread)),
        "@Alice LGTM",
        message_reply_option=OR_FAIL,
    )
    assert lgtm.reply and lgtm.thread == plan_thread
    mentioned = rpc("GetMessage", message_pb2.GetMessageRequest(name=lgtm.name), as_=alice)
    (annotation,) = mentioned.annotations
    assert annotation.user_mention.user.name == alice.name and mentioned.argument_text == "@Alice LGTM"

    # ---------------------------------------------------------------- 09:50 reactions, custom emojis
    def react(who: Any, message: Posted, emoji: str, *, custom: bool = False, parent: str = "") -> str:
        request = reaction_pb2.CreateReactionRequest(parent=parent or message.name)
        if custom:
            request.reaction.emoji.custom_emoji.uid = emoji
        else:
            request.reaction.emoji.unicode = emoji
        created = rpc("CreateReaction", request, as_=who)
        assert created.user.name == who.name and created.name.startswith(f"{message.name}/reactions/")
        day.reacted(created, message.name, emoji, custom=custom)
        return str(created.name)

    at(9, 50)
    bob_thumbs = react(bob, kickoff, "👍", parent=f"{launch.name}/messages/client-kickoff")
    erin_thumbs = react(erin, kickoff, "👍")
    react(alice, bob_reply, "🎉")
    react(erin, plan, "❤️")

    at(10, 0)

    def new_emoji(who: Any, emoji_name: str) -> reaction_pb2.CustomEmoji:
        payload = reaction_pb2.CustomEmoji.CustomEmojiPayload(
            filename=f"{emoji_name.strip(':')}.png", file_content=png()
        )
        created: reaction_pb2.CustomEmoji = rpc(
            "CreateCustomEmoji",
            reaction_pb2.CreateCustomEmojiRequest(
                custom_emoji=reaction_pb2.CustomEmoji(emoji_name=emoji_name, payload=payload)
            ),
            as_=who,
        )
        return created

    ship_it = new_emoji(alice, ":ship-it:")
    old_logo = new_emoji(bob, ":old-logo:")
    assert ship_it.name == f"customEmojis/{ship_it.uid}" and not ship_it.temporary_image_uri
    by_alias = rpc("GetCustomEmoji", reaction_pb2.GetCustomEmojiRequest(name="customEmojis/:ship-it:"), as_=erin)
    assert by_alias.uid == ship_it.uid and by_alias.temporary_image_uri
    emojis = rpc("ListCustomEmojis", reaction_pb2.ListCustomEmojisRequest(), as_=bob)
    assert [e.emoji_name for e in emojis.custom_emojis] == [":ship-it:", ":old-logo:"]
    mine = rpc("ListCustomEmojis", reaction_pb2.ListCustomEmojisRequest(filter='creator("users/me")'), as_=bob)
    assert [e.uid for e in mine.custom_emojis] == [old_logo.uid]
    react(erin, plan, ship_it.uid, custom=True)
    bob_logo = react(bob, kickoff, old_logo.uid, custom=True)

    thumbs = rpc(
        "ListReactions",
        reaction_pb2.ListReactionsRequest(parent=kickoff.name, filter='emoji.unicode = "👍"'),
        as_=alice,
    )
    assert [r.name for r in thumbs.reactions] == [bob_thumbs, erin_thumbs]
    refused(
        Code.ALREADY_EXISTS,
        "CreateReaction",
        reaction_pb2.CreateReactionRequest(
            parent=kickoff.name, reaction=reaction_pb2.Reaction(emoji=reaction_pb2.Emoji(unicode="👍"))
        ),
        as_=bob,
    )

    at(10, 10)
    refused(Code.PERMISSION_DENIED, "DeleteReaction", reaction_pb2.DeleteReactionRequest(name=erin_thumbs), as_=alice)
    rpc("DeleteReaction", reaction_pb2.DeleteReactionRequest(name=erin_thumbs), as_=erin)
    day.unreacted(erin_thumbs)

    # ---------------------------------------------------------------- 10:15 edits
    at(10, 15)
    edited = rpc(
        "UpdateMessage",
        message_pb2.UpdateMessageRequest(
            message=M(name=kickoff.name, text="Kickoff at 10:30! <users/bob@example.com> please share the plan"),
            update_mask=mask("text"),
        ),
        as_=alice,
    )
    kickoff.text = "Kickoff at 10:30! @Bob please share the plan"
    assert edited.text == kickoff.text and ts(edited.last_update_time) > kickoff.create_time
    day.event("message.v1.updated", kickoff.name)
    at(10, 16)
    rpc(
        "UpdateMessage",
        message_pb2.UpdateMessageRequest(
            message=M(name=build.name, cards_v2=[card("Build #43: green")]), update_mask=mask("cards_v2")
        ),
        as_=app,
    )
    day.event("message.v1.updated", build.name)

    # ---------------------------------------------------------------- 10:20 a thread that goes away
    at(10, 20)
    retro = post(
        alice,
        M(text="Retro notes?", thread=message_pb2.Thread(thread_key="retro")),
        "Retro notes?",
        message_reply_option=FALLBACK,
    )
    at(10, 21)
    draft = post(
        bob,
        M(text="Draft: it went well", thread=message_pb2.Thread(name=retro.thread)),
        "Draft: it went well",
        message_reply_option=OR_FAIL,
    )
    at(10, 22)
    react(erin, draft, "😂")
    at(10, 25)
    refused(
        Code.FAILED_PRECONDITION,
        "DeleteMessage",
        message_pb2.DeleteMessageRequest(name=retro.name),
        as_=alice,
        match="force",
    )
    rpc("DeleteMessage", message_pb2.DeleteMessageRequest(name=retro.name, force=True), as_=alice)
    # The replies go first, then the root; the deleted reply's reactions go with it (no events of their own).
    draft.deleted_as = Deletion.SPACE_OWNER  # alice manages the space; the reply is bob's
    retro.deleted_as = Deletion.CREATOR
    day.event("message.v1.deleted", draft.name)
    day.event("message.v1.deleted", retro.name)
    for reaction in day.reactions.values():
        if reaction.message == draft.name:
            reaction.gone = True

    at(10, 30)
    rpc("DeleteCustomEmoji", reaction_pb2.DeleteCustomEmojiRequest(name=f"customEmojis/{old_logo.uid}"), as_=bob)
    day.unreacted(bob_logo)  # a deleted custom emoji takes its reactions along, each with an event
    refused(
        Code.NOT_FOUND, "GetCustomEmoji", reaction_pb2.GetCustomEmojiRequest(name="customEmojis/:old-logo:"), as_=bob
    )

    at(10, 40)
    thanks = post(
        alice,
        M(text="Thanks all", thread=message_pb2.Thread(name=plan_thread)),
        "Thanks all",
        message_reply_option=OR_FAIL,
    )
    at(10, 45)
    early = post(erin, M(text="Heading out early today"), "Heading out early today")
    at(10, 50)
    rpc("CreateMessage", message_pb2.CreateMessageRequest(parent=dm.name, message=M(text="Got a minute?")), as_=alice)

    # ---------------------------------------------------------------- 11:00 reading
    now = at(11, 0)
    marked = rpc(
        "UpdateSpaceReadState",
        space_read_state_pb2.UpdateSpaceReadStateRequest(
            space_read_state=space_read_state_pb2.SpaceReadState(
                name=f"users/me/spaces/{sid(launch.name)}/spaceReadState", last_read_time=stamp(now)
            ),
            update_mask=mask("last_read_time"),
        ),
        as_=bob,
    )
    day.reads[(bob.name, "")] = min(now, day.newest_top_level())  # clamped to the newest top-level message
    assert ts(marked.last_read_time) == early.create_time
    assert marked.name == f"{bob.name}/spaces/{sid(launch.name)}/spaceReadState"
    rpc(
        "UpdateSpaceReadState",
        space_read_state_pb2.UpdateSpaceReadStateRequest(
            space_read_state=space_read_state_pb2.SpaceReadState(
                name=f"users/erin@example.com/spaces/{sid(launch.name)}/spaceReadState",
                last_read_time=stamp(plan.create_time),
            ),
            update_mask=mask("last_read_time"),
        ),
        as_=erin,
    )  # erin marks the space unread back to the plan (before her own "Heading out" message)
    day.reads[(erin.name, "")] = plan.create_time

    def space_read(who: Any) -> datetime | None:
        state = rpc(
            "GetSpaceReadState",
            space_read_state_pb2.GetSpaceReadStateRequest(name=f"users/me/spaces/{sid(launch.name)}/spaceReadState"),
            as_=who,
        )
        return ts(state.last_read_time) if state.HasField("last_read_time") else None

    def thread_read(who: Any, thread: str) -> datetime | None:
        state = rpc(
            "GetThreadReadState",
            thread_read_state_pb2.GetThreadReadStateRequest(name=f"users/me/{thread}/threadReadState"),
            as_=who,
        )
        assert state.name == f"{who.name}/{thread}/threadReadState"
        return ts(state.last_read_time) if state.HasField("last_read_time") else None

    readers = {"alice": alice, "bob": bob, "carol": carol, "erin": erin}
    threads = sorted({m.thread for m in day.messages.values() if m.reply})
    assert threads == sorted({plan_thread, retro.thread})
    morning_reads = {
        (n, thread): thread_read(who, thread) if thread else space_read(who)
        for n, who in readers.items()
        for thread in ["", *threads]
    }
    assert morning_reads == {
        (n, thread): day.reads.get((who.name, thread)) for n, who in readers.items() for thread in ["", *threads]
    }
    assert morning_reads["alice", ""] == retro.create_time  # her newest own top-level message, deleted since
    assert morning_reads["erin", ""] == plan.create_time and morning_reads["carol", ""] is None

    # The private reminder is erin's: its event is hers to see, not alice's (as GetMessage already said).
    created_events = space_event_pb2.ListSpaceEventsRequest(
        parent=launch.name, filter=f'event_types:"{PREFIX}message.v1.created"'
    )
    seen = {}
    for who in (erin, alice):
        seen[who.name] = {resource_of(e): e.name for e in rpc("ListSpaceEvents", created_events, as_=who).space_events}
        assert list(seen[who.name]) == [
            name for kind, name, _ in day.history(who.name) if kind.endswith("message.v1.created")
        ]
    assert reminder.name in seen[erin.name] and reminder.name not in seen[alice.name]
    private_event = space_event_pb2.GetSpaceEventRequest(name=seen[erin.name][reminder.name])
    assert resource_of(rpc("GetSpaceEvent", private_event, as_=erin)) == reminder.name
    refused(Code.NOT_FOUND, "GetSpaceEvent", private_event, as_=alice)

    # ---------------------------------------------------------------- 11:05 notifications
    at(11, 5)
    setting_name = f"users/me/spaces/{sid(launch.name)}/spaceNotificationSetting"
    default = rpc(
        "GetSpaceNotificationSetting",
        space_notification_setting_pb2.GetSpaceNotificationSettingRequest(name=setting_name),
        as_=bob,
    )
    assert (default.notification_setting, default.mute_setting) == (NOTIFY.ALL, NOTIFY.UNMUTED)
    muted = rpc(
        "UpdateSpaceNotificationSetting",
        space_notification_setting_pb2.UpdateSpaceNotificationSettingRequest(
            space_notification_setting=NOTIFY(name=setting_name, mute_setting=NOTIFY.MUTED),
            update_mask=mask("mute_setting"),
        ),
        as_=bob,
    )
    assert muted.name == f"{bob.name}/spaces/{sid(launch.name)}/spaceNotificationSetting"
    again_setting = rpc(
        "GetSpaceNotificationSetting",
        space_notification_setting_pb2.GetSpaceNotificationSettingRequest(name=setting_name),
        as_=bob,
    )
    assert (again_setting.notification_setting, again_setting.mute_setting) == (NOTIFY.ALL, NOTIFY.MUTED)
    others = rpc(
        "GetSpaceNotificationSetting",
        space_notification_setting_pb2.GetSpaceNotificationSettingRequest(name=setting_name),
        as_=alice,
    )
    assert others.mute_setting == NOTIFY.UNMUTED  # muting is bob's alone

    # ---------------------------------------------------------------- 12:00 erin leaves, carol's invitation goes
    at(12, 0)
    left = rpc(
        "DeleteMembership",
        membership_pb2.DeleteMembershipRequest(name=f"{launch.name}/members/erin@example.com"),
        as_=erin,
    )
    assert left.name == erin_m.name and left.HasField("delete_time")
    day.members[erin_m.name].removed = True
    day.event("membership.v1.deleted", erin_m.name)
    at(12, 1)
    rpc("DeleteMembership", membership_pb2.DeleteMembershipRequest(name=carol_m.name), as_=alice)
    day.members[carol_m.name].removed = True
    day.event("membership.v1.deleted", carol_m.name)
    for gone in (erin, carol):  # no longer members: the space, and their place in it, are out of their reach
        refused(
            Code.NOT_FOUND,
            "GetSpaceReadState",
            space_read_state_pb2.GetSpaceReadStateRequest(name=f"users/me/spaces/{sid(launch.name)}/spaceReadState"),
            as_=gone,
        )

    # ---------------------------------------------------------------- 13:00 last year's space, imported
    at(13, 0)
    importer = {"as_": alice, "scopes": ["chat.import"]}
    archive = rpc(
        "CreateSpace",
        space_pb2.CreateSpaceRequest(
            space=space_pb2.Space(
                space_type=space_pb2.Space.SPACE,
                display_name="Launch 2025 archive",
                import_mode=True,
                create_time=stamp(datetime(2025, 3, 1, 9, 0, tzinfo=UTC)),
            )
        ),
        **importer,
    )
    assert archive.import_mode and ts(archive.create_time) == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    rpc(
        "CreateMembership",
        membership_pb2.CreateMembershipRequest(
            parent=archive.name,
            membership=membership_pb2.Membership(
                member=user_pb2.User(name=bob.name, type=user_pb2.User.HUMAN),
                create_time=stamp(datetime(2025, 3, 1, 9, 5, tzinfo=UTC)),
            ),
        ),
        **importer,
    )
    old = rpc(
        "CreateMessage",
        message_pb2.CreateMessageRequest(
            parent=archive.name,
            message=M(text="Launch 2025 went out", create_time=stamp(datetime(2025, 3, 2, 17, 0, tzinfo=UTC))),
        ),
        **importer,
    )
    assert ts(old.create_time) == datetime(2025, 3, 2, 17, 0, tzinfo=UTC)
    refused(Code.NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name=archive.name), as_=bob)  # not yet
    done = rpc("CompleteImportSpace", space_pb2.CompleteImportSpaceRequest(name=archive.name), **importer)
    assert not done.space.import_mode and not done.space.HasField("import_mode_expire_time")
    imported = rpc("GetSpace", space_pb2.GetSpaceRequest(name=archive.name), as_=bob)
    assert imported.membership_count.joined_direct_human_user_count == 2  # bob, and alice who completed the import
    imported_messages = rpc("ListMessages", message_pb2.ListMessagesRequest(parent=archive.name), as_=bob).messages
    assert [(m.text, ts(m.create_time)) for m in imported_messages] == [("Launch 2025 went out", ts(old.create_time))]
    searched = rpc(
        "SearchSpaces",
        space_pb2.SearchSpacesRequest(use_admin_access=True, query=search.query, order_by="create_time ASC"),
        as_=alice,
    )
    assert [s.name for s in searched.spaces] == [archive.name, launch.name]

    # ---------------------------------------------------------------- 16:00 end of the day: everything adds up
    at(16, 0)
    space_now = rpc("GetSpace", space_pb2.GetSpaceRequest(name=launch.name), as_=bob)
    live = [m for m in day.members.values() if not m.removed]
    joined_humans = [m for m in live if m.kind == "HUMAN" and m.state == membership_pb2.Membership.JOINED]
    joined_groups = [m for m in live if m.kind == "GROUP"]
    counts = space_now.membership_count
    assert (counts.joined_direct_human_user_count, counts.joined_group_count) == (
        len(joined_humans),
        len(joined_groups),
    )
    assert [m.name for m in joined_humans] == [alice_member, bob_m.name] and [m.name for m in joined_groups] == [
        group_m.name
    ]
    assert (space_now.display_name, space_now.space_details.description) == (day.display_name, day.description)
    members_now = rpc(
        "ListMemberships",
        membership_pb2.ListMembershipsRequest(parent=launch.name, show_groups=True, show_invited=True),
        as_=alice,
    )
    assert [(m.name, m.role, m.state) for m in members_now.memberships] == [(m.name, m.role, m.state) for m in live]

    # The messages, as each reader sees them (private ones only for their viewer), deleted ones on request.
    def all_messages(who: Any, **fields: Any) -> list[M]:
        found: list[M] = []
        token = ""
        while True:
            page = rpc(
                "ListMessages",
                message_pb2.ListMessagesRequest(parent=launch.name, page_size=3, page_token=token, **fields),
                as_=who,
            )
            found.extend(page.messages)
            token = page.next_page_token
            if not token:
                return found

    for who in (alice, bob):
        shown = all_messages(who)
        expected = [m for m in day.visible_to(who.name) if not m.deleted_as]
        assert [(m.name, m.text) for m in shown] == [(m.name, m.text) for m in expected]
    with_deleted = all_messages(alice, show_deleted=True)
    assert [m.name for m in with_deleted] == [m.name for m in day.visible_to(alice.name)]
    for message in with_deleted:
        posted = day.messages[message.name]
        assert message.HasField("delete_time") == bool(posted.deleted_as)
        assert message.deletion_metadata.deletion_type == posted.deleted_as, message.name
        if posted.deleted_as:
            assert ts(message.delete_time) >= DAY.replace(hour=10, minute=25) and message.text == ""
            assert not message.emoji_reaction_summaries
    in_plan = all_messages(alice, filter=f"thread.name = {plan_thread}")
    assert [m.name for m in in_plan] == [kickoff.name, bob_reply.name, lgtm.name, thanks.name]

    # Every message's reaction summaries equal the reactions that remain (and ListReactions lists exactly them).
    for posted in day.messages.values():
        reader = app if posted.viewer else alice  # erin left: her private message is the app's to read now
        message = rpc("GetMessage", message_pb2.GetMessageRequest(name=posted.name), as_=reader)
        assert summaries(message) == day.summary(posted.name), posted.name
        if posted.viewer:
            continue  # ListReactions takes user authentication
        remaining = rpc("ListReactions", reaction_pb2.ListReactionsRequest(parent=posted.name), as_=reader)
        expected_reactions = [r.name for r in day.reactions.values() if r.message == posted.name and not r.gone]
        assert [r.name for r in remaining.reactions] == expected_reactions
    assert day.summary(kickoff.name) == Counter({"👍": 1})
    assert day.summary(plan.name) == Counter({"❤️": 1, ship_it.uid: 1})
    by_client_id = rpc(
        "GetMessage", message_pb2.GetMessageRequest(name=f"{launch.name}/messages/client-kickoff"), as_=bob
    )
    assert by_client_id.name == kickoff.name and by_client_id.text == kickoff.text

    # Every user's read states are what the rules imply (nothing read through the API moved them).
    for n, who in (("alice", alice), ("bob", bob)):
        assert space_read(who) == day.reads.get((who.name, "")), n
        for thread in threads:
            assert thread_read(who, thread) == day.reads.get((who.name, thread)), (n, thread)
    assert day.reads[(alice.name, plan_thread)] == thanks.create_time
    assert day.reads[(bob.name, retro.thread)] == draft.create_time

    # The event history, paged, is the script in order, each payload the latest version of its resource.
    events: list[space_event_pb2.SpaceEvent] = []
    token = ""
    while True:
        page = rpc(
            "ListSpaceEvents",
            space_event_pb2.ListSpaceEventsRequest(
                parent=launch.name, filter=ALL_EVENTS, page_size=4, page_token=token
            ),
            as_=alice,
        )
        assert len(page.space_events) <= 4
        events.extend(page.space_events)
        token = page.next_page_token
        if not token:
            break
    history = day.history(alice.name)
    assert [(e.event_type, resource_of(e)) for e in events] == [(kind, name) for kind, name, _ in history]
    times = [ts(e.event_time) for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    for event, (_, _, step) in zip(events, history, strict=True):
        assert near(ts(event.event_time), step), (event.event_type, event.event_time, step)
    for event in events:
        check_payload(day, event)
        again_event = rpc("GetSpaceEvent", space_event_pb2.GetSpaceEventRequest(name=event.name), as_=bob)
        assert again_event == event
        if event.HasField("message_created_event_data") and not day.messages[resource_of(event)].deleted_as:
            latest = rpc("GetMessage", message_pb2.GetMessageRequest(name=resource_of(event)), as_=alice)
            assert event.message_created_event_data.message == latest  # the latest version, to the last field
    (card_update,) = [e for e in events if e.HasField("message_updated_event_data") and resource_of(e) == build.name]
    assert card_update.message_updated_event_data.message.cards_v2[0].card.header.title == "Build #43: green"
    (with_attachment,) = [e for e in events if e.HasField("message_created_event_data") and resource_of(e) == plan.name]
    assert [a.name for a in with_attachment.message_created_event_data.message.attachment] == [attachment.name]
    membership_events = rpc(
        "ListSpaceEvents",
        space_event_pb2.ListSpaceEventsRequest(
            parent=launch.name, filter=f'event_types:"{PREFIX}membership.v1.deleted"'
        ),
        as_=bob,
    )
    assert [resource_of(e) for e in membership_events.space_events] == [erin_m.name, carol_m.name]

    # ---------------------------------------------------------------- 17:00 the spaces close
    at(17, 0)
    rpc("DeleteSpace", space_pb2.DeleteSpaceRequest(name=launch.name), as_=bob)  # bob manages it too
    rpc("DeleteSpace", space_pb2.DeleteSpaceRequest(name=design.name), as_=alice, scopes=["chat.delete"])
    refused(Code.NOT_FOUND, "GetSpace", space_pb2.GetSpaceRequest(name=launch.name), as_=alice)
    refused(
        Code.NOT_FOUND,
        "ListSpaceEvents",
        space_event_pb2.ListSpaceEventsRequest(parent=launch.name, filter=ALL_EVENTS),
        as_=alice,
    )
    assert chat.store.events(sid(launch.name)) == [] and chat.store.messages.all(sid(launch.name)) == []
    evening = rpc("ListSpaces", space_pb2.ListSpacesRequest(), as_=alice)
    assert [s.name for s in evening.spaces] == [archive.name, dm.name]  # by creation time: the archive is from 2025

    assert used == SERVICE_RPCS, f"not called: {sorted(SERVICE_RPCS - used)}"
    assert len(SERVICE_RPCS) == 34


# ------------------------------------------------------------------ final checks of one event


def resource_of(event: space_event_pb2.SpaceEvent) -> str:
    data = getattr(event, event.WhichOneof("payload") or "")
    (resource,) = [
        getattr(data, kind) for kind in ("message", "membership", "reaction", "space") if hasattr(data, kind)
    ]
    return str(resource.name)


def check_payload(day: Record, event: space_event_pb2.SpaceEvent) -> None:
    """The payload is the latest version of the event's resource; a deleted resource's own event carries what the
    reference says a deleted payload holds, other events about a resource that is gone carry an empty one."""
    kind, verb = event.event_type.removeprefix(PREFIX).split(".v1.")
    data = getattr(event, f"{kind}_{verb}_event_data")
    what = f"{event.event_type} {event.name}"
    if kind == "space":
        space = data.space
        assert (space.name, space.display_name) == (day.space, day.display_name), what
        assert (space.space_details.description, space.space_details.guidelines) == (day.description, day.guidelines)
        assert not space.HasField("permission_settings"), what  # never in space event payloads
    elif kind == "membership":
        membership = data.membership
        member = day.members[membership.name] if membership.name else None
        if verb == "deleted":
            assert member is not None and member.removed, what
            assert membership == membership_pb2.Membership(
                name=member.name, state=membership_pb2.Membership.NOT_A_MEMBER
            )
        elif membership.name:
            assert member is not None and not member.removed, what
            assert (membership.role, membership.state) == (member.role, member.state), what
        else:  # the member left since: the created event has no latest version to show
            assert membership == membership_pb2.Membership(), what
    elif kind == "message":
        message = data.message
        posted = day.messages[message.name]
        if verb == "deleted":
            assert posted.deleted_as, what
            trimmed = M(
                name=posted.name,
                create_time=stamp(posted.create_time),
                delete_time=message.delete_time,
                deletion_metadata=deletion_metadata_pb2.DeletionMetadata(deletion_type=posted.deleted_as),
            )
            assert message == trimmed and message.HasField("delete_time"), what
        elif posted.deleted_as:  # the latest version of a deleted message: the tombstone, no content
            assert message.HasField("delete_time") and message.text == "" and not message.emoji_reaction_summaries
            assert message.deletion_metadata.deletion_type == posted.deleted_as, what
        else:
            assert (message.text, message.sender.name, message.thread.name) == (
                posted.text,
                posted.sender,
                posted.thread,
            ), what
            assert summaries(message) == day.summary(posted.name), what
    else:
        reaction = data.reaction
        if verb == "deleted":
            reacted = day.reactions[reaction.name]
            assert reacted.gone and reaction.user.name == reacted.user, what
            assert (reaction.emoji.custom_emoji.uid if reacted.custom else reaction.emoji.unicode) == reacted.emoji
        elif reaction.name:
            reacted = day.reactions[reaction.name]
            assert not reacted.gone and reaction.user.name == reacted.user, what
        else:  # deleted since, or gone with its message
            assert reaction == reaction_pb2.Reaction(), what
