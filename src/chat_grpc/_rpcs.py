"""The one table of the 34 ChatService RPCs: what every client method needs to know, and nothing else.

Per RPC: the Python method name, the RPC, request and response classes, the keyword parameters (every
request field: the proto's ``google.api.method_signature`` fields first), which string fields also accept a
resource message (its ``name`` is sent), the routing field for ``x-goog-request-params``, and its kind: a
list (the response's repeated ``items`` field), an update (the ``resource`` field whose set fields become the
``update_mask``), a create with ``request_id`` (generated when absent, which makes retries safe). ``retryable``
marks the RPCs that are idempotent: gets, lists, finds, searches, updates, deletes and the creates with a
request id.

``buildscripts/generate_client.py`` renders ``_methods.py`` (the typed sync and async methods) from this
table; ``tests/client/test_generated_methods.py`` checks it against the service descriptor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from google.chat.v1 import (
    attachment_pb2,
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
from google.protobuf import empty_pb2
from google.protobuf.message import Message

SERVICE = "google.chat.v1.ChatService"

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


@dataclass(frozen=True)
class Rpc(Generic[Req, Resp]):
    method: str
    """The client method, snake_case of the RPC: ``create_space``."""
    name: str
    """The RPC: ``CreateSpace``."""
    request: type[Req]
    response: type[Resp]
    params: tuple[str, ...]
    """Keyword parameters: every request field, method-signature fields first."""
    refs: Mapping[str, type[Message]] = field(default_factory=dict)
    """String fields holding a resource name that also accept that resource (or any message with a name)."""
    routing: str | None = None
    """The request field (dotted path) sent in ``x-goog-request-params``; None for top-level collections."""
    items: str | None = None
    """List RPCs: the repeated field of the response."""
    resource: str | None = None
    """Update RPCs: the request field holding the resource; its set fields make the default update_mask."""
    mask_nested: frozenset[str] = frozenset()
    """Update RPCs: resource fields whose set subfields (``access_settings.audience``) are the mask paths."""
    request_id: bool = False
    """Creates made idempotent by a client-generated ``request_id``."""
    retryable: bool = False

    @property
    def path(self) -> str:
        """The gRPC method path: ``/google.chat.v1.ChatService/CreateSpace``."""
        return f"/{SERVICE}/{self.name}"

    @property
    def constant(self) -> str:
        """This row's name in this module: ``CREATE_SPACE``."""
        return self.method.upper()

    @property
    def returns_empty(self) -> bool:
        return self.response is empty_pb2.Empty


_PAGE = ("page_size", "page_token")

# ---------------------------------------------------------------------------------------------- messages

CREATE_MESSAGE = Rpc(
    "create_message", "CreateMessage", message_pb2.CreateMessageRequest, message_pb2.Message,
    ("parent", "message", "message_id", "thread_key", "request_id", "message_reply_option",
     "create_message_notification_options"),
    refs={"parent": space_pb2.Space}, routing="parent", request_id=True, retryable=True,
)  # fmt: skip
LIST_MESSAGES = Rpc(
    "list_messages", "ListMessages", message_pb2.ListMessagesRequest, message_pb2.ListMessagesResponse,
    ("parent", *_PAGE, "filter", "order_by", "show_deleted", "markup_syntax"),
    refs={"parent": space_pb2.Space}, routing="parent", items="messages", retryable=True,
)  # fmt: skip
GET_MESSAGE = Rpc(
    "get_message", "GetMessage", message_pb2.GetMessageRequest, message_pb2.Message,
    ("name", "markup_syntax"), refs={"name": message_pb2.Message}, routing="name", retryable=True,
)  # fmt: skip
UPDATE_MESSAGE = Rpc(
    "update_message", "UpdateMessage", message_pb2.UpdateMessageRequest, message_pb2.Message,
    ("message", "update_mask", "allow_missing"),
    routing="message.name", resource="message", retryable=True,
)  # fmt: skip
DELETE_MESSAGE = Rpc(
    "delete_message", "DeleteMessage", message_pb2.DeleteMessageRequest, empty_pb2.Empty,
    ("name", "force"), refs={"name": message_pb2.Message}, routing="name", retryable=True,
)  # fmt: skip
GET_ATTACHMENT = Rpc(
    "get_attachment", "GetAttachment", attachment_pb2.GetAttachmentRequest, attachment_pb2.Attachment,
    ("name",), refs={"name": attachment_pb2.Attachment}, routing="name", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- spaces

LIST_SPACES = Rpc(
    "list_spaces", "ListSpaces", space_pb2.ListSpacesRequest, space_pb2.ListSpacesResponse,
    (*_PAGE, "filter"), items="spaces", retryable=True,
)  # fmt: skip
SEARCH_SPACES = Rpc(
    "search_spaces", "SearchSpaces", space_pb2.SearchSpacesRequest, space_pb2.SearchSpacesResponse,
    ("query", "use_admin_access", *_PAGE, "order_by"), items="spaces", retryable=True,
)  # fmt: skip
GET_SPACE = Rpc(
    "get_space", "GetSpace", space_pb2.GetSpaceRequest, space_pb2.Space,
    ("name", "use_admin_access"), refs={"name": space_pb2.Space}, routing="name", retryable=True,
)  # fmt: skip
CREATE_SPACE = Rpc(
    "create_space", "CreateSpace", space_pb2.CreateSpaceRequest, space_pb2.Space,
    ("space", "request_id"), request_id=True, retryable=True,
)  # fmt: skip
SET_UP_SPACE = Rpc(
    "set_up_space", "SetUpSpace", space_setup_pb2.SetUpSpaceRequest, space_pb2.Space,
    ("space", "memberships", "request_id"), request_id=True, retryable=True,
)  # fmt: skip
UPDATE_SPACE = Rpc(
    "update_space", "UpdateSpace", space_pb2.UpdateSpaceRequest, space_pb2.Space,
    ("space", "update_mask", "use_admin_access"), routing="space.name", resource="space",
    mask_nested=frozenset({"access_settings", "permission_settings"}), retryable=True,
)  # fmt: skip
DELETE_SPACE = Rpc(
    "delete_space", "DeleteSpace", space_pb2.DeleteSpaceRequest, empty_pb2.Empty,
    ("name", "use_admin_access"), refs={"name": space_pb2.Space}, routing="name", retryable=True,
)  # fmt: skip
COMPLETE_IMPORT_SPACE = Rpc(
    "complete_import_space", "CompleteImportSpace", space_pb2.CompleteImportSpaceRequest,
    space_pb2.CompleteImportSpaceResponse, ("name",), refs={"name": space_pb2.Space}, routing="name",
)  # fmt: skip
FIND_DIRECT_MESSAGE = Rpc(
    "find_direct_message", "FindDirectMessage", space_pb2.FindDirectMessageRequest, space_pb2.Space,
    ("name",), refs={"name": user_pb2.User}, retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- memberships

CREATE_MEMBERSHIP = Rpc(
    "create_membership", "CreateMembership", membership_pb2.CreateMembershipRequest, membership_pb2.Membership,
    ("parent", "membership", "use_admin_access"), refs={"parent": space_pb2.Space}, routing="parent",
)  # fmt: skip
UPDATE_MEMBERSHIP = Rpc(
    "update_membership", "UpdateMembership", membership_pb2.UpdateMembershipRequest, membership_pb2.Membership,
    ("membership", "update_mask", "use_admin_access"), routing="membership.name", resource="membership",
    retryable=True,
)  # fmt: skip
LIST_MEMBERSHIPS = Rpc(
    "list_memberships", "ListMemberships", membership_pb2.ListMembershipsRequest,
    membership_pb2.ListMembershipsResponse,
    ("parent", *_PAGE, "filter", "show_groups", "show_invited", "use_admin_access"),
    refs={"parent": space_pb2.Space}, routing="parent", items="memberships", retryable=True,
)  # fmt: skip
GET_MEMBERSHIP = Rpc(
    "get_membership", "GetMembership", membership_pb2.GetMembershipRequest, membership_pb2.Membership,
    ("name", "use_admin_access"), refs={"name": membership_pb2.Membership}, routing="name", retryable=True,
)  # fmt: skip
DELETE_MEMBERSHIP = Rpc(
    "delete_membership", "DeleteMembership", membership_pb2.DeleteMembershipRequest, membership_pb2.Membership,
    ("name", "use_admin_access"), refs={"name": membership_pb2.Membership}, routing="name", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- reactions

CREATE_REACTION = Rpc(
    "create_reaction", "CreateReaction", reaction_pb2.CreateReactionRequest, reaction_pb2.Reaction,
    ("parent", "reaction"), refs={"parent": message_pb2.Message}, routing="parent",
)  # fmt: skip
LIST_REACTIONS = Rpc(
    "list_reactions", "ListReactions", reaction_pb2.ListReactionsRequest, reaction_pb2.ListReactionsResponse,
    ("parent", *_PAGE, "filter"), refs={"parent": message_pb2.Message}, routing="parent", items="reactions",
    retryable=True,
)  # fmt: skip
DELETE_REACTION = Rpc(
    "delete_reaction", "DeleteReaction", reaction_pb2.DeleteReactionRequest, empty_pb2.Empty,
    ("name",), refs={"name": reaction_pb2.Reaction}, routing="name", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- custom emojis

CREATE_CUSTOM_EMOJI = Rpc(
    "create_custom_emoji", "CreateCustomEmoji", reaction_pb2.CreateCustomEmojiRequest, reaction_pb2.CustomEmoji,
    ("custom_emoji",),
)  # fmt: skip
GET_CUSTOM_EMOJI = Rpc(
    "get_custom_emoji", "GetCustomEmoji", reaction_pb2.GetCustomEmojiRequest, reaction_pb2.CustomEmoji,
    ("name",), refs={"name": reaction_pb2.CustomEmoji}, routing="name", retryable=True,
)  # fmt: skip
LIST_CUSTOM_EMOJIS = Rpc(
    "list_custom_emojis", "ListCustomEmojis", reaction_pb2.ListCustomEmojisRequest,
    reaction_pb2.ListCustomEmojisResponse, (*_PAGE, "filter"), items="custom_emojis", retryable=True,
)  # fmt: skip
DELETE_CUSTOM_EMOJI = Rpc(
    "delete_custom_emoji", "DeleteCustomEmoji", reaction_pb2.DeleteCustomEmojiRequest, empty_pb2.Empty,
    ("name",), refs={"name": reaction_pb2.CustomEmoji}, routing="name", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- read states

GET_SPACE_READ_STATE = Rpc(
    "get_space_read_state", "GetSpaceReadState", space_read_state_pb2.GetSpaceReadStateRequest,
    space_read_state_pb2.SpaceReadState, ("name",), refs={"name": space_read_state_pb2.SpaceReadState},
    routing="name", retryable=True,
)  # fmt: skip
UPDATE_SPACE_READ_STATE = Rpc(
    "update_space_read_state", "UpdateSpaceReadState", space_read_state_pb2.UpdateSpaceReadStateRequest,
    space_read_state_pb2.SpaceReadState, ("space_read_state", "update_mask"),
    routing="space_read_state.name", resource="space_read_state", retryable=True,
)  # fmt: skip
GET_THREAD_READ_STATE = Rpc(
    "get_thread_read_state", "GetThreadReadState", thread_read_state_pb2.GetThreadReadStateRequest,
    thread_read_state_pb2.ThreadReadState, ("name",), refs={"name": thread_read_state_pb2.ThreadReadState},
    routing="name", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- space events

GET_SPACE_EVENT = Rpc(
    "get_space_event", "GetSpaceEvent", space_event_pb2.GetSpaceEventRequest, space_event_pb2.SpaceEvent,
    ("name",), refs={"name": space_event_pb2.SpaceEvent}, routing="name", retryable=True,
)  # fmt: skip
LIST_SPACE_EVENTS = Rpc(
    "list_space_events", "ListSpaceEvents", space_event_pb2.ListSpaceEventsRequest,
    space_event_pb2.ListSpaceEventsResponse, ("parent", "filter", *_PAGE),
    refs={"parent": space_pb2.Space}, routing="parent", items="space_events", retryable=True,
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- notification settings

GET_SPACE_NOTIFICATION_SETTING = Rpc(
    "get_space_notification_setting", "GetSpaceNotificationSetting",
    space_notification_setting_pb2.GetSpaceNotificationSettingRequest,
    space_notification_setting_pb2.SpaceNotificationSetting, ("name",),
    refs={"name": space_notification_setting_pb2.SpaceNotificationSetting}, routing="name", retryable=True,
)  # fmt: skip
UPDATE_SPACE_NOTIFICATION_SETTING = Rpc(
    "update_space_notification_setting", "UpdateSpaceNotificationSetting",
    space_notification_setting_pb2.UpdateSpaceNotificationSettingRequest,
    space_notification_setting_pb2.SpaceNotificationSetting, ("space_notification_setting", "update_mask"),
    routing="space_notification_setting.name", resource="space_notification_setting", retryable=True,
)  # fmt: skip

RPCS: tuple[Rpc[Any, Any], ...] = (
    CREATE_MESSAGE,
    LIST_MESSAGES,
    GET_MESSAGE,
    UPDATE_MESSAGE,
    DELETE_MESSAGE,
    GET_ATTACHMENT,
    LIST_SPACES,
    SEARCH_SPACES,
    GET_SPACE,
    CREATE_SPACE,
    SET_UP_SPACE,
    UPDATE_SPACE,
    DELETE_SPACE,
    COMPLETE_IMPORT_SPACE,
    FIND_DIRECT_MESSAGE,
    CREATE_MEMBERSHIP,
    UPDATE_MEMBERSHIP,
    LIST_MEMBERSHIPS,
    GET_MEMBERSHIP,
    DELETE_MEMBERSHIP,
    CREATE_REACTION,
    LIST_REACTIONS,
    DELETE_REACTION,
    CREATE_CUSTOM_EMOJI,
    GET_CUSTOM_EMOJI,
    LIST_CUSTOM_EMOJIS,
    DELETE_CUSTOM_EMOJI,
    GET_SPACE_READ_STATE,
    UPDATE_SPACE_READ_STATE,
    GET_THREAD_READ_STATE,
    GET_SPACE_EVENT,
    LIST_SPACE_EVENTS,
    GET_SPACE_NOTIFICATION_SETTING,
    UPDATE_SPACE_NOTIFICATION_SETTING,
)
BY_METHOD: dict[str, Rpc[Any, Any]] = {rpc.method: rpc for rpc in RPCS}
BY_NAME: dict[str, Rpc[Any, Any]] = {rpc.name: rpc for rpc in RPCS}
