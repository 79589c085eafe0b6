"""Runs INSIDE the oracle virtualenv: drive the emulator with Google's own ``google-apps-chat`` client.

    python google_client_flow.py 127.0.0.1:PORT

The emulator must serve the demo workspace (``python -m chat_grpc.server --demo``). The script goes through a
realistic day in a new space with ``google.apps.chat_v1.ChatServiceClient`` over gRPC — spaces, members,
messages (with the client's pagers across several pages), threads, cards from the Chat app, reactions, read
states, notification settings, space events, direct messages — and the errors a backend must handle, checking
that api-core turns our statuses into its exception types with the ``google.rpc`` details (``exc.reason``,
``exc.domain``, ``exc.details``). Callers are switched with the per-call ``authorization`` metadata.

Prints one JSON summary on stdout; on any failed check prints ``FAILED: ...`` on stderr and exits 1.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import time
import traceback
import uuid

import google.oauth2.credentials
import grpc
from google.api_core import exceptions, grpc_helpers
from google.apps import card_v1, chat_v1
from google.apps.chat_v1.services.chat_service.transports import (
    ChatServiceGrpcAsyncIOTransport,
    ChatServiceGrpcTransport,
)
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2

APP_ID = "100000000000000000005"
ALICE, BOB, CAROL, DAVE = "alice@example.com", "bob@example.com", "carol@example.com", "dave@partner.example"
CALL = {"timeout": 10.0, "retry": None}  # never hang, never retry: a failure must surface at once
EVENT_PREFIX = "google.workspace.chat."


class CheckFailed(Exception):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


def as_user(email: str, app: str | None = None) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer user:{email}" + (f";app={app}" if app else ""))]


def as_app(app_id: str = APP_ID) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer app:{app_id}")]


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


class Flow:
    def __init__(self, address: str) -> None:
        self.address = address
        self.channel = grpc.insecure_channel(address)
        self.chat = chat_v1.ChatServiceClient(transport=ChatServiceGrpcTransport(channel=self.channel))
        self.summary: dict[str, object] = {"rpcs": set(), "errors": []}
        self.suffix = uuid.uuid4().hex[:8]

    def call(self, rpc: str, method, /, *args, metadata, **kwargs):
        self.summary["rpcs"].add(rpc)
        return method(*args, metadata=metadata, **CALL, **kwargs)

    def expect_error(
        self,
        label: str,
        error_type: type[exceptions.GoogleAPICallError],
        reason: str | None,
        rpc: str,
        method,
        /,
        *args,
        field: str | None = None,
        **kwargs,
    ) -> exceptions.GoogleAPICallError:
        """Call and require api-core's ``error_type`` with an ErrorInfo ``reason`` (and a BadRequest ``field``)."""
        try:
            result = self.call(rpc, method, *args, **kwargs)
            if hasattr(result, "pages"):  # a pager: the first page is fetched eagerly, force the rest too
                list(result)
        except exceptions.GoogleAPICallError as error:
            check(
                type(error) is error_type,
                f"{label}: expected {error_type.__name__}, got {type(error).__name__}: {error}",
            )
            check(error.message, f"{label}: the status message did not come through")
            infos = [d for d in error.details if isinstance(d, error_details_pb2.ErrorInfo)]
            check(len(infos) == 1, f"{label}: expected one decoded ErrorInfo in exc.details, got {error.details!r}")
            check(error.domain == "chat.googleapis.com", f"{label}: exc.domain is {error.domain!r}")
            if reason is not None:
                check(error.reason == reason, f"{label}: exc.reason is {error.reason!r}, expected {reason!r}")
            violations = [d for d in error.details if isinstance(d, error_details_pb2.BadRequest)]
            fields = [v.field for d in violations for v in d.field_violations]
            if field is not None:
                check(field in fields, f"{label}: BadRequest field violations {fields} lack {field!r}")
            self.summary["errors"].append(
                {
                    "case": label,
                    "exception": type(error).__name__,
                    "grpc_code": error.grpc_status_code.name if error.grpc_status_code else None,
                    "reason": error.reason,
                    "domain": error.domain,
                    "fields": fields,
                    "message": error.message,
                }
            )
            return error
        raise CheckFailed(f"{label}: expected {error_type.__name__}, the call succeeded")

    def run_with_credentials(self, space_name: str, message_names: list[str]) -> dict[str, object]:
        """How a backend that takes google-auth credentials is pointed at the emulator: api-core's own
        ``create_channel`` with local (plaintext) channel credentials in place of TLS."""

        def channel(host: str, **kwargs):
            return grpc_helpers.create_channel(host, **{**kwargs, "ssl_credentials": grpc.local_channel_credentials()})

        credentials = google.oauth2.credentials.Credentials(token=f"user:{BOB}")
        transport = ChatServiceGrpcTransport(host=self.address, credentials=credentials, channel=channel)
        chat = chat_v1.ChatServiceClient(transport=transport)
        try:
            space = chat.get_space(name=space_name, **CALL)
            check(space.name == space_name, "GetSpace with google-auth credentials")
            names = [m.name for m in chat.list_messages(request={"parent": space_name, "page_size": 4}, **CALL)]
            check(names == message_names, "ListMessages pager with google-auth credentials")
        finally:
            transport.close()
        return {"listed": len(names)}

    async def run_async(self, space_name: str, message_names: list[str]) -> dict[str, object]:
        channel = grpc.aio.insecure_channel(self.address)
        try:
            chat = chat_v1.ChatServiceAsyncClient(transport=ChatServiceGrpcAsyncIOTransport(channel=channel))
            bob = as_user(BOB)
            space = await chat.get_space(name=space_name, metadata=bob, **CALL)
            check(space.name == space_name, "async GetSpace")
            pager = await chat.list_messages(
                request={"parent": space_name, "page_size": 3, "show_deleted": True}, metadata=bob, **CALL
            )
            names = [message.name async for message in pager]
            check(names == message_names, "async ListMessages pager across pages")
            try:
                await chat.get_space(name=space_name, metadata=as_user(DAVE), **CALL)
                raise CheckFailed("async GetSpace as an outsider succeeded")
            except exceptions.NotFound as error:
                check(error.reason == "NOT_FOUND" and error.domain == "chat.googleapis.com", "async error details")
            return {"listed": len(names), "outsider": "NotFound"}
        finally:
            await channel.close()

    # ------------------------------------------------------------------ the flow

    def run(self) -> dict[str, object]:
        chat = self.chat
        alice, bob, carol = as_user(ALICE), as_user(BOB), as_user(CAROL)

        # --- the demo workspace, through the pager
        demo = {s.display_name: s for s in self.call("ListSpaces", chat.list_spaces, request={}, metadata=alice)}
        check({"Project Falcon", "Announcements", "Partners"} <= set(demo), f"demo spaces missing: {sorted(demo)}")
        partners = demo["Partners"]

        # --- a new space and its members
        name = f"Caf\u00e9 \u2615 launch {self.suffix}"  # non-ASCII in requests, responses and error messages
        create = {
            "space": {"space_type": chat_v1.Space.SpaceType.SPACE, "display_name": name},
            "request_id": f"launch-{self.suffix}",
        }
        space = self.call("CreateSpace", chat.create_space, request=create, metadata=alice)
        check(space.name.startswith("spaces/"), f"CreateSpace returned {space.name!r}")
        repeat = self.call("CreateSpace", chat.create_space, request=create, metadata=alice)
        check(repeat.name == space.name, "CreateSpace with the same request_id returns the same space")
        check(space.space_type == chat_v1.Space.SpaceType.SPACE, f"space_type is {space.space_type!r}")
        check(space.display_name == name, "display name not echoed")
        self.expect_error(
            "CreateSpace with a taken display name",
            exceptions.AlreadyExists,
            None,
            "CreateSpace",
            chat.create_space,
            request={"space": {"space_type": chat_v1.Space.SpaceType.SPACE, "display_name": name.upper()}},
            metadata=alice,
        )

        bob_membership = self.call(
            "CreateMembership",
            chat.create_membership,
            parent=space.name,
            membership=chat_v1.Membership(member=chat_v1.User(name=f"users/{BOB}", type_=chat_v1.User.Type.HUMAN)),
            metadata=alice,
        )
        check(bob_membership.state == chat_v1.Membership.MembershipState.JOINED, f"bob is {bob_membership.state!r}")
        check(bob_membership.member.name == "users/100000000000000000002", "membership member name not canonical")
        carol_membership = self.call(
            "CreateMembership",
            chat.create_membership,
            request=chat_v1.CreateMembershipRequest(
                parent=space.name,
                membership=chat_v1.Membership(
                    member=chat_v1.User(name=f"users/{CAROL}", type_=chat_v1.User.Type.HUMAN)
                ),
            ),
            metadata=alice,
        )
        check(
            carol_membership.state == chat_v1.Membership.MembershipState.INVITED,
            f"carol (auto-accept off) is {carol_membership.state!r}",
        )
        # Alice's user credentials issued to the demo app's OAuth client add the app itself (users/app).
        app_membership = self.call(
            "CreateMembership",
            chat.create_membership,
            parent=space.name,
            membership=chat_v1.Membership(member=chat_v1.User(name="users/app", type_=chat_v1.User.Type.BOT)),
            metadata=as_user(ALICE, app=APP_ID),
        )
        check(app_membership.member.name == f"users/{APP_ID}", f"app member is {app_membership.member.name!r}")
        check(app_membership.member.type_ == chat_v1.User.Type.BOT, "app member type is not BOT")
        self.expect_error(
            "CreateMembership of a member",
            exceptions.AlreadyExists,
            None,
            "CreateMembership",
            chat.create_membership,
            parent=space.name,
            membership=chat_v1.Membership(member=chat_v1.User(name=f"users/{BOB}", type_=chat_v1.User.Type.HUMAN)),
            metadata=alice,
        )
        members = list(
            self.call(
                "ListMemberships",
                chat.list_memberships,
                request={"parent": space.name, "page_size": 1, "show_invited": True},
                metadata=alice,
            )
        )
        check(len(members) == 4, f"ListMemberships (show_invited, page_size=1) gave {len(members)} members")
        roles = {m.member.name: m.role for m in members}
        check(roles["users/100000000000000000001"] == chat_v1.Membership.MembershipRole.ROLE_MANAGER, "alice role")
        fetched = self.call("GetSpace", chat.get_space, name=space.name, metadata=bob)
        check(fetched.name == space.name and fetched.display_name == name, "GetSpace as bob")
        check(fetched.membership_count.joined_direct_human_user_count == 2, f"{fetched.membership_count}")
        renamed = self.call(
            "UpdateSpace",
            chat.update_space,
            space=chat_v1.Space(
                name=space.name,
                display_name=f"{name} (go)",
                space_details=chat_v1.Space.SpaceDetails(description="Shipping 1.4"),
            ),
            update_mask=mask("display_name", "space_details"),
            metadata=alice,
        )
        check(renamed.display_name == f"{name} (go)", f"UpdateSpace display name {renamed.display_name!r}")
        check(renamed.space_details.description == "Shipping 1.4", "UpdateSpace space_details")
        # One call with the client's own defaults (its Retry object and 30 s timeout), as a backend would make it.
        self.summary["rpcs"].add("GetSpace")
        defaults = chat.get_space(name=space.name, metadata=bob)
        check(defaults.display_name == renamed.display_name, "GetSpace with the client's default retry and timeout")
        promoted = self.call(
            "UpdateMembership",
            chat.update_membership,
            membership=chat_v1.Membership(
                name=bob_membership.name, role=chat_v1.Membership.MembershipRole.ROLE_MANAGER
            ),
            update_mask=mask("role"),
            metadata=alice,
        )
        check(promoted.role == chat_v1.Membership.MembershipRole.ROLE_MANAGER, "UpdateMembership role")
        app_self = self.call(
            "GetMembership",
            chat.get_membership,
            name=f"{space.name}/members/app",
            metadata=as_user(ALICE, app=APP_ID),
        )
        check(app_self.name == app_membership.name, f"members/app resolves to {app_self.name!r}")
        # An administrator finds the space through admin access (SearchSpaces pager, two per page).
        found = list(
            self.call(
                "SearchSpaces",
                chat.search_spaces,
                request={
                    "use_admin_access": True,
                    "query": f'customer = "customers/my_customer" AND space_type = "SPACE" AND display_name:"{name}"',
                    "page_size": 2,
                },
                metadata=alice,
            )
        )
        check([s.name for s in found] == [space.name], f"SearchSpaces found {[s.name for s in found]}")
        self.summary["space"] = {"name": space.name, "members": len(members)}

        # --- messages: posts, a thread, pagination, edit, delete
        posted = []
        for n in range(7):
            who = alice if n % 2 == 0 else bob
            posted.append(
                self.call(
                    "CreateMessage",
                    chat.create_message,
                    parent=space.name,
                    message=chat_v1.Message(text=f"update #{n}"),
                    metadata=who,
                )
            )
        posted.append(
            self.call(
                "CreateMessage",
                chat.create_message,
                parent=space.name,
                message=chat_v1.Message(text=f"Thanks <users/{BOB}>!"),
                metadata=alice,
            )
        )
        mention = posted[-1]
        check(mention.text == "Thanks @Bob Builder!", f"mention rendered as {mention.text!r}")
        check(
            len(mention.annotations) == 1
            and mention.annotations[0].type_ == chat_v1.AnnotationType.USER_MENTION
            and mention.annotations[0].user_mention.user.name == "users/100000000000000000002"
            and mention.annotations[0].user_mention.type_ == chat_v1.UserMentionMetadata.Type.MENTION,
            f"mention annotations {list(mention.annotations)}",
        )
        check(all(m.sender.type_ == chat_v1.User.Type.HUMAN for m in posted), "human senders")
        check(posted[1].sender.name == "users/100000000000000000002", "bob's message sender")
        kickoff = self.call(
            "CreateMessage",
            chat.create_message,
            request=chat_v1.CreateMessageRequest(
                parent=space.name,
                message=chat_v1.Message(text="Launch checklist thread", thread=chat_v1.Thread(thread_key="checklist")),
                message_reply_option=chat_v1.CreateMessageRequest.MessageReplyOption.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
                message_id=f"client-checklist-{self.suffix}",
            ),
            metadata=alice,
        )
        check(kickoff.client_assigned_message_id == f"client-checklist-{self.suffix}", "client_assigned_message_id")
        check(not kickoff.thread_reply, "a thread's first message is not a reply")
        reply = self.call(
            "CreateMessage",
            chat.create_message,
            request=chat_v1.CreateMessageRequest(
                parent=space.name,
                message=chat_v1.Message(text="Docs are done", thread=chat_v1.Thread(name=kickoff.thread.name)),
                message_reply_option=chat_v1.CreateMessageRequest.MessageReplyOption.REPLY_MESSAGE_OR_FAIL,
            ),
            metadata=bob,
        )
        check(reply.thread_reply and reply.thread.name == kickoff.thread.name, "reply lands in the thread")
        self.expect_error(
            "CreateMessage with a taken message_id",
            exceptions.AlreadyExists,
            "MESSAGE_ID_TAKEN",
            "CreateMessage",
            chat.create_message,
            request=chat_v1.CreateMessageRequest(
                parent=space.name, message=chat_v1.Message(text="again"), message_id=kickoff.client_assigned_message_id
            ),
            metadata=alice,
        )
        by_client_id = self.call(
            "GetMessage",
            chat.get_message,
            name=f"{space.name}/messages/{kickoff.client_assigned_message_id}",
            metadata=carol,  # invited members read messages too
        )
        check(by_client_id.name == kickoff.name, "GetMessage by client-assigned id returns the canonical name")

        pager = self.call(
            "ListMessages", chat.list_messages, request={"parent": space.name, "page_size": 3}, metadata=alice
        )
        page_sizes = [len(page.messages) for page in pager.pages]
        check(len(page_sizes) >= 3 and all(size <= 3 for size in page_sizes), f"ListMessages pages {page_sizes}")
        listed = list(
            self.call(
                "ListMessages", chat.list_messages, request={"parent": space.name, "page_size": 3}, metadata=alice
            )
        )
        expected = [m.name for m in [*posted, kickoff, reply]]
        check([m.name for m in listed] == expected, "ListMessages items across pages, oldest first")
        newest_first = list(
            self.call(
                "ListMessages",
                chat.list_messages,
                request={"parent": space.name, "page_size": 4, "order_by": "create_time DESC"},
                metadata=bob,
            )
        )
        check([m.name for m in newest_first] == expected[::-1], "ListMessages order_by create_time DESC")
        in_thread = list(
            self.call(
                "ListMessages",
                chat.list_messages,
                request={"parent": space.name, "filter": f'thread.name = "{kickoff.thread.name}"', "page_size": 1},
                metadata=alice,
            )
        )
        check([m.name for m in in_thread] == [kickoff.name, reply.name], "ListMessages thread filter")

        edited = self.call(
            "UpdateMessage",
            chat.update_message,
            message=chat_v1.Message(name=posted[0].name, text="update #0 (edited)"),
            update_mask=mask("text"),
            metadata=alice,
        )
        check(edited.text == "update #0 (edited)" and edited.last_update_time, "UpdateMessage text + last_update_time")
        self.expect_error(
            "UpdateMessage of someone else's message",
            exceptions.PermissionDenied,
            "NOT_THE_SENDER",
            "UpdateMessage",
            chat.update_message,
            message=chat_v1.Message(name=posted[0].name, text="hijack"),
            update_mask=mask("text"),
            metadata=bob,
        )
        self.expect_error(
            "UpdateMessage without a mask",
            exceptions.InvalidArgument,
            None,
            "UpdateMessage",
            chat.update_message,
            request={"message": {"name": posted[2].name, "text": "no mask"}},
            metadata=alice,
            field="update_mask",
        )
        self.call("DeleteMessage", chat.delete_message, name=posted[1].name, metadata=bob)
        tombstone = self.call("GetMessage", chat.get_message, name=posted[1].name, metadata=alice)
        check(tombstone.delete_time and not tombstone.text, "a deleted message reads as a tombstone")
        check(
            tombstone.deletion_metadata.deletion_type == chat_v1.DeletionMetadata.DeletionType.CREATOR,
            f"deletion_type is {tombstone.deletion_metadata.deletion_type!r}",
        )
        self.expect_error(
            "DeleteMessage of a thread's first message with replies",
            exceptions.FailedPrecondition,
            "MESSAGE_HAS_REPLIES",
            "DeleteMessage",
            chat.delete_message,
            name=kickoff.name,
            metadata=alice,
        )
        pager = self.call(
            "ListMessages", chat.list_messages, request={"parent": space.name, "page_size": 2}, metadata=alice
        )
        remaining = [m.name for m in pager]
        check(posted[1].name not in remaining and len(remaining) == len(expected) - 1, "deleted message not listed")
        with_deleted = list(
            self.call(
                "ListMessages",
                chat.list_messages,
                request={"parent": space.name, "page_size": 2, "show_deleted": True},
                metadata=alice,
            )
        )
        check(len(with_deleted) == len(expected), "show_deleted lists the tombstone")
        self.expect_error(
            "ListMessages with a negative page_size",
            exceptions.InvalidArgument,
            None,
            "ListMessages",
            chat.list_messages,
            request={"parent": space.name, "page_size": -1},
            metadata=alice,
            field="page_size",
        )
        self.summary["messages"] = {"posted": len(expected), "pages_of_3": page_sizes, "listed": len(listed)}

        # --- the same API through google-auth credentials and api-core's channel factory (no per-call metadata)
        self.summary["google_auth"] = self.run_with_credentials(space.name, remaining)

        # --- the Chat app: a card message, a private message, attachments
        card = card_v1.Card(
            header=card_v1.Card.CardHeader(title="Release 1.4", subtitle="ready to ship"),
            sections=[
                card_v1.Card.Section(
                    header="Checks",
                    widgets=[
                        card_v1.Widget(text_paragraph=card_v1.TextParagraph(text="<b>42</b> tests passed")),
                        card_v1.Widget(
                            button_list=card_v1.ButtonList(
                                buttons=[
                                    card_v1.Button(
                                        text="Open",
                                        on_click=card_v1.OnClick(
                                            open_link=card_v1.OpenLink(url="https://example.com/release")
                                        ),
                                    )
                                ]
                            )
                        ),
                    ],
                )
            ],
        )
        card_message = self.call(
            "CreateMessage",
            chat.create_message,
            parent=space.name,
            message=chat_v1.Message(text="Release status", cards_v2=[chat_v1.CardWithId(card_id="release", card=card)]),
            metadata=as_app(),
        )
        check(card_message.sender.type_ == chat_v1.User.Type.BOT, "an app's message has a BOT sender")
        check(card_message.sender.name == f"users/{APP_ID}", f"app sender {card_message.sender.name!r}")
        seen = self.call("GetMessage", chat.get_message, name=card_message.name, metadata=bob)
        check(len(seen.cards_v2) == 1 and seen.cards_v2[0].card_id == "release", "cards_v2 read back")
        check(seen.cards_v2[0].card == card, "the card reads back equal to what the app sent")
        self.expect_error(
            "CreateMessage with cards under user authentication",
            exceptions.InvalidArgument,
            None,
            "CreateMessage",
            chat.create_message,
            parent=space.name,
            message=chat_v1.Message(cards_v2=[chat_v1.CardWithId(card_id="nope", card=card)]),
            metadata=alice,
            field="message.cards_v2",
        )
        private = self.call(
            "CreateMessage",
            chat.create_message,
            parent=space.name,
            message=chat_v1.Message(
                text="Only you can see this", private_message_viewer=chat_v1.User(name=f"users/{BOB}")
            ),
            metadata=as_app(),
        )
        check(self.call("GetMessage", chat.get_message, name=private.name, metadata=bob).text, "viewer reads it")
        self.expect_error(
            "GetMessage of someone else's private message",
            exceptions.NotFound,
            None,
            "GetMessage",
            chat.get_message,
            name=private.name,
            metadata=alice,
        )
        # The demo's Project Falcon has a reply with an uploaded file: users see it on the message, the app reads it.
        pager = self.call("ListMessages", chat.list_messages, parent=demo["Project Falcon"].name, metadata=alice)
        falcon = [m for m in pager if m.attachment]
        check(len(falcon) == 1 and len(falcon[0].attachment) == 1, "the demo's message with an attachment")
        listed_attachment = falcon[0].attachment[0]
        attachment = self.call("GetAttachment", chat.get_attachment, name=listed_attachment.name, metadata=as_app())
        check(attachment == listed_attachment, "GetAttachment returns the attachment the message lists")
        check(attachment.name.startswith(falcon[0].name + "/attachments/"), f"attachment name {attachment.name!r}")
        check(
            attachment.content_name == "plan.pdf"
            and attachment.content_type == "application/pdf"
            and attachment.source == chat_v1.Attachment.Source.UPLOADED_CONTENT
            and attachment.attachment_data_ref.resource_name
            and attachment.download_uri,
            f"attachment metadata {attachment}",
        )
        self.summary["attachment"] = {"name": attachment.content_name, "type": attachment.content_type}
        self.expect_error(
            "GetAttachment of an unknown attachment",
            exceptions.NotFound,
            None,
            "GetAttachment",
            chat.get_attachment,
            name=f"{card_message.name}/attachments/nope",
            metadata=as_app(),
        )
        self.expect_error(
            "GetAttachment under user authentication",
            exceptions.PermissionDenied,
            "USER_AUTH_NOT_SUPPORTED",
            "GetAttachment",
            chat.get_attachment,
            name=f"{card_message.name}/attachments/nope",
            metadata=alice,
        )

        # --- reactions
        thumbs = self.call(
            "CreateReaction",
            chat.create_reaction,
            parent=posted[0].name,
            reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="\N{THUMBS UP SIGN}")),
            metadata=bob,
        )
        check(thumbs.name.startswith(posted[0].name + "/reactions/"), f"reaction name {thumbs.name!r}")
        check(thumbs.user.name == "users/100000000000000000002", "the reaction's user is the caller")
        for who, emoji in ((alice, "\N{THUMBS UP SIGN}"), (alice, "\N{PARTY POPPER}")):
            self.call(
                "CreateReaction",
                chat.create_reaction,
                parent=posted[0].name,
                reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode=emoji)),
                metadata=who,
            )
        self.expect_error(
            "CreateReaction twice",
            exceptions.AlreadyExists,
            "REACTION_ALREADY_EXISTS",
            "CreateReaction",
            chat.create_reaction,
            parent=posted[0].name,
            reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="\N{THUMBS UP SIGN}")),
            metadata=bob,
        )
        self.expect_error(
            "CreateReaction with a word for an emoji",
            exceptions.InvalidArgument,
            None,
            "CreateReaction",
            chat.create_reaction,
            parent=posted[0].name,
            reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="thumbs up")),
            metadata=bob,
            field="reaction.emoji.unicode",
        )
        reactions = list(
            self.call(
                "ListReactions", chat.list_reactions, request={"parent": posted[0].name, "page_size": 1}, metadata=carol
            )
        )
        check(len(reactions) == 3, f"ListReactions page_size=1 gave {len(reactions)}")
        thumbs_only = list(
            self.call(
                "ListReactions",
                chat.list_reactions,
                request={"parent": posted[0].name, "filter": 'emoji.unicode = "\N{THUMBS UP SIGN}"'},
                metadata=alice,
            )
        )
        check(len(thumbs_only) == 2, f"ListReactions emoji filter gave {len(thumbs_only)}")
        summaries = {
            s.emoji.unicode: s.reaction_count
            for s in self.call(
                "GetMessage", chat.get_message, name=posted[0].name, metadata=alice
            ).emoji_reaction_summaries
        }
        check(summaries == {"\N{THUMBS UP SIGN}": 2, "\N{PARTY POPPER}": 1}, f"reaction summaries {summaries}")
        self.expect_error(
            "DeleteReaction of someone else's reaction",
            exceptions.PermissionDenied,
            "NOT_THE_REACTION_OWNER",
            "DeleteReaction",
            chat.delete_reaction,
            name=thumbs.name,
            metadata=alice,
        )
        self.call("DeleteReaction", chat.delete_reaction, name=thumbs.name, metadata=bob)
        after = list(self.call("ListReactions", chat.list_reactions, parent=posted[0].name, metadata=alice))
        check(len(after) == 2 and thumbs.name not in {r.name for r in after}, "DeleteReaction removed it")
        self.summary["reactions"] = {"listed": len(reactions), "after_delete": len(after)}

        # --- read states
        state_name = f"users/me/{space.name}/spaceReadState"
        state = self.call("GetSpaceReadState", chat.get_space_read_state, name=state_name, metadata=bob)
        check(state.name == f"users/100000000000000000002/{space.name}/spaceReadState", f"read state {state.name!r}")
        check(state.last_read_time, "bob's own posts marked the space read")
        earlier = posted[2].create_time
        updated_state = self.call(
            "UpdateSpaceReadState",
            chat.update_space_read_state,
            space_read_state=chat_v1.SpaceReadState(name=state_name, last_read_time=earlier),
            update_mask=mask("last_read_time"),
            metadata=bob,
        )
        check(updated_state.last_read_time == earlier, f"last_read_time {updated_state.last_read_time} != {earlier}")
        future = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=1)
        clamped = self.call(
            "UpdateSpaceReadState",
            chat.update_space_read_state,
            space_read_state=chat_v1.SpaceReadState(name=state_name, last_read_time=future),
            update_mask=mask("last_read_time"),
            metadata=bob,
        )
        check(clamped.last_read_time < future, "a future last_read_time is clamped")
        thread_state = self.call(
            "GetThreadReadState",
            chat.get_thread_read_state,
            name=f"users/{BOB}/{kickoff.thread.name}/threadReadState",
            metadata=bob,
        )
        check(thread_state.last_read_time == reply.create_time, "bob's reply marked the thread read")
        self.expect_error(
            "GetSpaceReadState of another user",
            exceptions.PermissionDenied,
            "NOT_THE_CALLER",
            "GetSpaceReadState",
            chat.get_space_read_state,
            name=f"users/{ALICE}/{space.name}/spaceReadState",
            metadata=bob,
        )

        # --- notification settings
        setting_name = f"users/me/{space.name}/spaceNotificationSetting"
        setting = self.call(
            "GetSpaceNotificationSetting", chat.get_space_notification_setting, name=setting_name, metadata=bob
        )
        check(
            setting.notification_setting == chat_v1.SpaceNotificationSetting.NotificationSetting.ALL
            and setting.mute_setting == chat_v1.SpaceNotificationSetting.MuteSetting.UNMUTED,
            f"default setting {setting}",
        )
        muted = self.call(
            "UpdateSpaceNotificationSetting",
            chat.update_space_notification_setting,
            space_notification_setting=chat_v1.SpaceNotificationSetting(
                name=setting_name,
                notification_setting=chat_v1.SpaceNotificationSetting.NotificationSetting.FOR_YOU,
                mute_setting=chat_v1.SpaceNotificationSetting.MuteSetting.MUTED,
            ),
            update_mask=mask("notification_setting", "mute_setting"),
            metadata=bob,
        )
        check(
            muted.notification_setting == chat_v1.SpaceNotificationSetting.NotificationSetting.FOR_YOU
            and muted.mute_setting == chat_v1.SpaceNotificationSetting.MuteSetting.MUTED,
            f"updated setting {muted}",
        )
        again = self.call(
            "GetSpaceNotificationSetting", chat.get_space_notification_setting, name=setting_name, metadata=bob
        )
        check(again == muted, "the setting sticks")

        # --- space events
        event_types = ["message.v1.created", "message.v1.updated", "message.v1.deleted", "membership.v1.created"]
        events = list(
            self.call(
                "ListSpaceEvents",
                chat.list_space_events,
                request={
                    "parent": space.name,
                    "filter": " OR ".join(f'event_types:"{EVENT_PREFIX}{t}"' for t in event_types),
                    "page_size": 4,
                },
                metadata=alice,
            )
        )
        by_type: dict[str, int] = {}
        for event in events:
            kind = event.event_type.removeprefix(EVENT_PREFIX)
            by_type[kind] = by_type.get(kind, 0) + 1
        expected_messages = len(expected) + 2  # the card and the private message (alice cannot see the latter)
        check(
            by_type.get("membership.v1.created") == 4 and by_type.get("message.v1.updated") == 1,
            f"space events by type {by_type}",
        )
        check(by_type.get("message.v1.deleted") == 1, f"one message deleted: {by_type}")
        created = [e for e in events if e.event_type == EVENT_PREFIX + "message.v1.created"]
        check(len(created) == expected_messages - 1, f"{len(created)} message.created events visible to alice")
        check(created[0].message_created_event_data.message.name == posted[0].name, "event payload is the message")
        check(
            created[0].message_created_event_data.message.text == "update #0 (edited)",
            "payload holds the latest version",
        )
        one = self.call("GetSpaceEvent", chat.get_space_event, name=created[0].name, metadata=alice)
        check(one.name == created[0].name and one.event_type == created[0].event_type, "GetSpaceEvent")
        self.expect_error(
            "ListSpaceEvents without a filter",
            exceptions.InvalidArgument,
            None,
            "ListSpaceEvents",
            chat.list_space_events,
            request={"parent": space.name},
            metadata=alice,
            field="filter",
        )
        self.summary["space_events"] = {"listed": len(events), "by_type": by_type}

        # --- direct messages
        dm = self.call("FindDirectMessage", chat.find_direct_message, request={"name": f"users/{BOB}"}, metadata=alice)
        check(dm.space_type == chat_v1.Space.SpaceType.DIRECT_MESSAGE, f"FindDirectMessage gave {dm.space_type!r}")
        lunch = list(self.call("ListMessages", chat.list_messages, parent=dm.name, metadata=bob))
        check([m.text for m in lunch] == ["Lunch at noon?"], f"DM history {[m.text for m in lunch]}")
        self.expect_error(
            "FindDirectMessage with no DM",
            exceptions.NotFound,
            None,
            "FindDirectMessage",
            chat.find_direct_message,
            request={"name": "users/100000000000000000003"},
            metadata=bob,
        )

        # --- what a backend must handle
        self.expect_error(
            "GetSpace of a space the caller is not in",
            exceptions.NotFound,
            None,
            "GetSpace",
            chat.get_space,
            name=partners.name,
            metadata=carol,
        )
        self.expect_error(
            "ListMessages as a Chat app",
            exceptions.PermissionDenied,
            None,
            "ListMessages",
            chat.list_messages,
            parent=space.name,
            metadata=as_app(),
        )
        self.expect_error(
            "CreateMessage with too few scopes",
            exceptions.PermissionDenied,
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            "CreateMessage",
            chat.create_message,
            parent=space.name,
            message=chat_v1.Message(text="read-only"),
            metadata=[("authorization", f"Bearer user:{BOB};scopes=chat.messages.readonly")],
        )
        try:
            self.call("GetSpace", chat.get_space, name=space.name, metadata=[])
            raise CheckFailed("a call without credentials succeeded")
        except exceptions.Unauthenticated as error:
            self.summary["errors"].append(
                {"case": "no credentials", "exception": type(error).__name__, "reason": error.reason}
            )

        # --- the same space through the asyncio client (grpc.aio transport)
        self.summary["asyncio"] = asyncio.run(
            self.run_async(space.name, [*expected, card_message.name, private.name])  # bob views the private one
        )

        # --- RPCs of Google's newer API (after the reference), through Google's own client
        note = self.call(
            "CreateMessage", chat.create_message, parent=space.name,
            message=chat_v1.Message(text="Pin me: quarterly review"), metadata=alice,
        )  # fmt: skip
        pin = self.call(
            "CreateMessagePin", chat.create_message_pin, parent=space.name,
            message_pin=chat_v1.MessagePin(message=note.name), metadata=alice,
        )  # fmt: skip
        pins = list(self.call("ListMessagePins", chat.list_message_pins, parent=space.name, metadata=bob))
        check([p.message for p in pins] == [note.name], f"ListMessagePins gave {[p.message for p in pins]}")
        found = list(
            self.call(
                "SearchMessages", chat.search_messages,
                request={"parent": "spaces/-", "filter": f'quarterly space.name = "{space.name}"'}, metadata=alice,
            )
        )  # fmt: skip
        check([r.message.name for r in found] == [note.name], f"SearchMessages gave {[r.message.name for r in found]}")
        self.call("DeleteMessagePin", chat.delete_message_pin, name=pin.name, metadata=alice)
        section = self.call(
            "CreateSection", chat.create_section, parent="users/me",
            section=chat_v1.Section(display_name="Projects", type_=chat_v1.Section.SectionType.CUSTOM_SECTION),
            metadata=alice,
        )  # fmt: skip
        item = f"users/me/sections/default-spaces/items/{space.name.removeprefix('spaces/')}"
        moved = self.call(
            "MoveSectionItem", chat.move_section_item, name=item, target_section=section.name, metadata=alice
        )
        items = list(self.call("ListSectionItems", chat.list_section_items, parent=section.name, metadata=alice))
        check([i.space for i in items] == [space.name], f"ListSectionItems gave {[i.space for i in items]}")
        check(moved.section_item.name.startswith(section.name), f"MoveSectionItem gave {moved.section_item.name}")
        dnd = self.call(
            "MarkAsDoNotDisturb", chat.mark_as_do_not_disturb,
            request={"name": "users/me/availability", "ttl": {"seconds": 3600}}, metadata=alice,
        )  # fmt: skip
        check(dnd.state == chat_v1.Availability.State.DO_NOT_DISTURB, f"MarkAsDoNotDisturb gave {dnd.state!r}")
        self.summary["newer_api"] = {"pins": len(pins), "found": len(found), "items": len(items)}
        self.expect_error(
            "UploadAttachment over gRPC (bytes go through the media upload endpoint)",
            exceptions.InvalidArgument,
            None,
            "UploadAttachment",
            chat.upload_attachment,
            request={"parent": space.name, "filename": "plan.pdf"},
            metadata=alice,
            field="media",
        )

        # --- the end of the space
        self.expect_error(
            "DeleteSpace by a non-manager",
            exceptions.PermissionDenied,
            None,
            "DeleteSpace",
            chat.delete_space,
            name=space.name,
            metadata=carol,
        )
        removed = self.call(
            "DeleteMembership",
            chat.delete_membership,
            name=f"{space.name}/members/{CAROL}",
            metadata=alice,
        )
        check(removed.name == carol_membership.name, f"DeleteMembership returned {removed.name!r}")
        self.expect_error(
            "GetMessage after being removed from the space",
            exceptions.NotFound,
            None,
            "GetMessage",
            chat.get_message,
            name=kickoff.name,
            metadata=carol,
        )
        self.call("DeleteSpace", chat.delete_space, name=space.name, metadata=alice)
        self.expect_error(
            "GetSpace after DeleteSpace",
            exceptions.NotFound,
            None,
            "GetSpace",
            chat.get_space,
            name=space.name,
            metadata=alice,
        )
        self.summary["rpcs"] = sorted(self.summary["rpcs"])
        return self.summary


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: google_client_flow.py HOST:PORT", file=sys.stderr)
        return 2
    started = time.monotonic()
    flow = Flow(argv[1])
    try:
        summary = flow.run()
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except exceptions.GoogleAPICallError as error:
        print(f"FAILED: unexpected {type(error).__name__} from the emulator: {error}", file=sys.stderr)
        traceback.print_exc()
        return 1
    except Exception as error:
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        return 1
    finally:
        flow.channel.close()
    summary["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
