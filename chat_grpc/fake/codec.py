"""Domain records -> protobuf messages (responses). Requests are decoded in the handlers, field by field,
where their validation names the request fields."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from datetime import UTC, datetime

from google.apps.card.v1 import card_pb2
from google.chat.v1 import (
    annotation_pb2,
    attachment_pb2,
    availability_pb2,
    membership_pb2,
    message_pb2,
    message_pin_pb2,
    reaction_pb2,
    section_pb2,
    space_event_pb2,
    space_notification_setting_pb2,
    space_pb2,
    space_read_state_pb2,
    thread_read_state_pb2,
    user_pb2,
)
from google.protobuf import timestamp_pb2

from chat_grpc.fake.renderings import Renderings
from chat_grpc.fake.store import availability, emojis, message_records, model, pins, reactions, sections
from chat_grpc.fake.store.events import event
from chat_grpc.fake.store.notification_settings import NotificationSetting
from chat_grpc.fake.store.read_states import ReadState
from chat_grpc.fake.store.space_events import resource_kind

SPACE_URI = "https://mail.google.com/chat/u/0/#chat/space/{id}"
_EPOCH, _NAIVE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1)


def timestamp(when: datetime | None) -> timestamp_pb2.Timestamp | None:
    if when is None:
        return None
    # What Timestamp.FromDatetime computes (naive datetimes are UTC), in integer arithmetic: 3x faster.
    delta = when - (_NAIVE_EPOCH if when.tzinfo is None else _EPOCH)
    return timestamp_pb2.Timestamp(seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000)


# Submessages are given to the constructors as dicts: protobuf fills the field in place, where a message object
# (``Timestamp(...)``, ``User(...)``) would be built first and then copied in — twice the work.


def _time(when: datetime | None) -> dict[str, int] | None:
    """A Timestamp field's value (seconds and nanos, as ``timestamp``), or None: left unset."""
    if when is None:
        return None
    delta = when - (_NAIVE_EPOCH if when.tzinfo is None else _EPOCH)
    return {"seconds": delta.days * 86400 + delta.seconds, "nanos": delta.microseconds * 1000}


def _micros_time(micros: int) -> dict[str, int]:
    """A Timestamp field's value from microseconds since the epoch (a message's key)."""
    seconds, micro = divmod(micros, 1_000_000)
    return {"seconds": seconds, "nanos": micro * 1000}


# Rendered spaces by everything that goes into them: GetSpace and ListSpaces render the same few spaces again
# and again, and parsing cached bytes (in C) costs a fraction of building the message field by field in Python.
_RENDERED: Renderings[tuple[object, ...]] = Renderings(4096, 16 << 20)
_SPACE_INPUTS = operator.attrgetter(
    "id", "space_type", "display_name", "description", "guidelines", "external_user_allowed", "history_state",
    "import_mode", "import_mode_expire_time", "single_user_bot_dm", "create_time", "last_active_time", "customer",
    "access_state", "audience",
)  # fmt: skip


def space_to_proto(
    space: model.Space,
    *,
    member_counts: tuple[int, int] | None = None,
    with_permission_settings: bool = True,
    with_access_settings: bool = True,
) -> space_pb2.Space:
    return space_pb2.Space.FromString(
        _space_bytes(space, member_counts, with_permission_settings, with_access_settings)
    )


def space_field(
    space: model.Space,
    *,
    member_counts: tuple[int, int] | None = None,
    with_permission_settings: bool = True,
    with_access_settings: bool = True,
) -> bytes:
    """``space_to_proto``'s space serialized as field 1 of the message holding it (ListSpacesResponse.spaces,
    SearchSpacesResponse.spaces, SearchSpaceResult.space)."""
    return framed(_space_bytes(space, member_counts, with_permission_settings, with_access_settings))


def _space_bytes(
    space: model.Space,
    member_counts: tuple[int, int] | None,
    with_permission_settings: bool,
    with_access_settings: bool,
) -> bytes:
    """The space's rendering, serialized: kept by everything it depends on."""
    key = (
        _SPACE_INPUTS(space),
        tuple(space.permission_settings.items()) if with_permission_settings else None,
        member_counts,
        with_access_settings,
    )
    rendered = _RENDERED.get(key)
    if rendered is None:
        message = _render_space(space, member_counts, with_permission_settings, with_access_settings)
        rendered = message.SerializeToString()
        _RENDERED.keep(key, rendered)
    return rendered


def _render_space(
    space: model.Space,
    member_counts: tuple[int, int] | None,
    with_permission_settings: bool,
    with_access_settings: bool,
) -> space_pb2.Space:
    is_space = space.space_type == "SPACE"
    message = space_pb2.Space(
        name=space.name,
        type=space_pb2.Space.DM if space.space_type == "DIRECT_MESSAGE" else space_pb2.Space.ROOM,
        space_type=space.space_type,
        single_user_bot_dm=space.single_user_bot_dm,
        threaded=is_space,
        display_name=space.display_name,
        external_user_allowed=space.external_user_allowed,
        space_threading_state=space.threading_state,
        space_details=space_pb2.Space.SpaceDetails(description=space.description, guidelines=space.guidelines),
        space_history_state=space.history_state,
        import_mode=space.import_mode,
        create_time=timestamp(space.create_time) if space.space_type != "DIRECT_MESSAGE" else None,
        last_active_time=timestamp(space.last_active_time),
        space_uri=SPACE_URI.format(id=space.id),
        import_mode_expire_time=timestamp(space.import_mode_expire_time),
    )
    if space.customer is not None and space.space_type != "DIRECT_MESSAGE":
        message.customer = space.customer
    if member_counts is not None:
        message.membership_count.joined_direct_human_user_count, message.membership_count.joined_group_count = (
            member_counts
        )
    if is_space and with_access_settings:
        message.access_settings.access_state = space.access_state  # type: ignore[assignment]
        message.access_settings.audience = space.audience
    if is_space and with_permission_settings and space.permission_settings:
        message.permission_settings.CopyFrom(
            space_pb2.Space.PermissionSettings(
                **{s: _PERMISSION[v.managers_allowed, v.members_allowed] for s, v in space.permission_settings.items()}
            )
        )
    return message


# The four possible PermissionSetting values, built once (GetSpace renders eight of them per call).
_PERMISSION = {
    (managers, members): space_pb2.Space.PermissionSetting(managers_allowed=managers, members_allowed=members)
    for managers in (False, True)
    for members in (False, True)
}


def membership_to_proto(membership: model.Membership) -> membership_pb2.Membership:
    group = membership.member_kind == "GROUP"
    return membership_pb2.Membership(
        name=membership.name,
        state=membership.state,
        role=membership.role,
        create_time=_time(membership.create_time),
        delete_time=_time(membership.delete_time),
        group_member={"name": membership.member_name} if group else None,
        member=None if group else {"name": membership.member_name, "type": membership.member_kind},
    )


MEDIA_URI = "https://chat.google.com/api/get_attachment_url?url_type={kind}&content_type={type}&attachment_token={id}"


def emoji_key_to_proto(key: str) -> reaction_pb2.Emoji:
    """Reaction emoji keys of the store: ``u:<unicode>`` or ``c:<custom emoji uid>``."""
    kind, _, value = key.partition(":")
    if kind == "c":
        return reaction_pb2.Emoji(custom_emoji=reaction_pb2.CustomEmoji(uid=value, name=f"customEmojis/{value}"))
    return reaction_pb2.Emoji(unicode=value)


def attachment_to_proto(
    message: message_records.Message, attachment: message_records.Attachment
) -> attachment_pb2.Attachment:
    result = attachment_pb2.Attachment(
        name=f"{message.name}/attachments/{attachment.id}",
        content_name=attachment.content_name,
        content_type=attachment.content_type,
        source=attachment.source,
    )
    if attachment.source == "DRIVE_FILE":
        result.drive_data_ref.drive_file_id = attachment.drive_file_id
    else:
        result.attachment_data_ref.resource_name = attachment.resource_name
        result.thumbnail_uri = MEDIA_URI.format(kind="THUMBNAIL_URL", type=attachment.content_type, id=attachment.id)
        result.download_uri = MEDIA_URI.format(kind="DOWNLOAD_URL", type=attachment.content_type, id=attachment.id)
    return result


def message_to_proto(message: message_records.Message) -> message_pb2.Message:
    space = f"spaces/{message.space_id}"
    thread_id = message.id.partition(".")[0]
    deleted = message.delete_time is not None
    result = message_pb2.Message(
        name=f"{space}/messages/{message.id}",
        sender={"name": f"users/{message.sender_id}", "type": message.sender_kind},
        create_time=_micros_time(message.key >> message_records.SEQ_BITS),
        last_update_time=_time(message.last_update_time),
        delete_time=_time(message.delete_time),
        thread={"name": f"{space}/threads/{thread_id}"},
        space={"name": space},
        thread_reply=message.thread_reply,
        client_assigned_message_id=message.client_id,
        private_message_viewer={"name": f"users/{message.private_viewer_id}"} if message.private_viewer_id else None,
        deletion_metadata={"deletion_type": message.deletion_type} if deleted else None,
        # a deleted message keeps no content
        text=None if deleted else message.text,
        formatted_text=None if deleted else message.formatted_text,
        argument_text=None if deleted else message.argument_text,
        fallback_text=None if deleted else message.fallback_text,
    )
    if deleted:
        return result
    for mention in message.mentions:
        result.annotations.append(
            annotation_pb2.Annotation(
                type=annotation_pb2.USER_MENTION,
                start_index=mention.start,
                length=mention.length,
                user_mention=annotation_pb2.UserMentionMetadata(
                    user=user_pb2.User(name=f"users/{mention.user_id}", type=mention.user_kind),
                    type=annotation_pb2.UserMentionMetadata.MENTION,
                ),
            )
        )
    for card_id, card in message.cards_v2:
        result.cards_v2.append(message_pb2.CardWithId(card_id=card_id, card=card_pb2.Card.FromString(card)))
    for widget in message.accessory_widgets:
        result.accessory_widgets.append(message_pb2.AccessoryWidget.FromString(widget))
    for attachment in message.attachments:
        result.attachment.append(attachment_to_proto(message, attachment))
    for key, count in (message.reaction_counts or {}).items():
        if count > 0:
            result.emoji_reaction_summaries.append(
                reaction_pb2.EmojiReactionSummary(emoji=emoji_key_to_proto(key), reaction_count=count)
            )
    quote = message.quote
    if quote is not None:
        quoted = result.quoted_message_metadata
        quoted.name = quote.name
        quoted.last_update_time.FromDatetime(quote.last_update_time)
        quoted.quote_type = message_pb2.QuotedMessageMetadata.QuoteType.Value(quote.quote_type)  # type: ignore[assignment]
        quoted.quoted_message_snapshot.sender = quote.sender_name
        quoted.quoted_message_snapshot.text = quote.text
        quoted.quoted_message_snapshot.formatted_text = quote.formatted_text
        if quote.forwarded_space:
            quoted.forwarded_metadata.space = quote.forwarded_space
            quoted.forwarded_metadata.space_display_name = quote.forwarded_space_display_name
    return result


# Rendered messages by the stamp of the state they render (message_records.stamp): a page of messages is
# mostly messages an earlier page rendered, and joining their bytes for protobuf to parse (in C) costs a tenth of
# building them field by field. A stamp names one state of one message, so an entry is never stale; a message
# without one (a copy nobody stamped) is rendered each time.
_MESSAGE_FIELDS: Renderings[int] = Renderings(8192, 16 << 20)


_SMALL = [bytes((n,)) for n in range(0x80)]


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL[value]
    if value < 0x4000:
        return bytes((value & 0x7F | 0x80, value >> 7))
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def framed(body: bytes, tag: bytes = b"\x0a") -> bytes:
    """A serialized message as a field of the message that holds it: the tag (field 1, length-delimited, unless
    another is given), the length, the bytes."""
    return tag + _varint(len(body)) + body


def message_field(message: message_records.Message) -> bytes:
    """The message serialized as field 1 of the message that holds it (tag, length, ``message_to_proto``'s
    bytes): ListMessagesResponse.messages, SearchMessageResult.message and the message events' data all hold
    their message as field 1, so a response or result parses these bytes (``MergeFromString``) into its field."""
    version = message.version
    if version:
        found = _MESSAGE_FIELDS.get(version)
        if found is not None:
            return found
    rendered = framed(message_to_proto(message).SerializeToString())
    if version:
        _MESSAGE_FIELDS.keep(version, rendered)
    return rendered


def message_of_field(field: bytes) -> message_pb2.Message:
    """The message of a ``message_field`` rendering (a GetMessage answers the rendering its pages keep)."""
    position, shift, length = 1, 0, 0  # after the tag: the length, a varint
    while True:
        byte = field[position]
        position += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
    return message_pb2.Message.FromString(field[position : position + length])


def custom_emoji_to_proto(emoji: emojis.CustomEmoji, *, temporary_image_uri: str = "") -> reaction_pb2.CustomEmoji:
    """A custom emoji; ``temporary_image_uri`` is given on get and list, never on the create response. The
    payload is input only and never returned."""
    return reaction_pb2.CustomEmoji(
        name=emoji.name, uid=emoji.uid, emoji_name=emoji.emoji_name, temporary_image_uri=temporary_image_uri
    )


def reaction_to_proto(reaction: reactions.Reaction) -> reaction_pb2.Reaction:
    """A reaction: its user is always a human (reactions need user authentication)."""
    emoji = emoji_key_to_proto(reaction.emoji_key)
    if reaction.emoji_name:
        emoji.custom_emoji.emoji_name = reaction.emoji_name
    return reaction_pb2.Reaction(
        name=reaction.name, user=user_pb2.User(name=reaction.user_name, type=user_pb2.User.HUMAN), emoji=emoji
    )


def space_read_state_to_proto(state: ReadState) -> space_read_state_pb2.SpaceReadState:
    return space_read_state_pb2.SpaceReadState(name=state.name, last_read_time=timestamp(state.last_read_time))


def thread_read_state_to_proto(state: ReadState) -> thread_read_state_pb2.ThreadReadState:
    return thread_read_state_pb2.ThreadReadState(name=state.name, last_read_time=timestamp(state.last_read_time))


def notification_setting_to_proto(
    setting: NotificationSetting,
) -> space_notification_setting_pb2.SpaceNotificationSetting:
    return space_notification_setting_pb2.SpaceNotificationSetting(
        name=setting.name, notification_setting=setting.notification_setting, mute_setting=setting.mute_setting
    )


def space_event_to_proto(
    event: model.Event, payload: object | None, *, member_counts: tuple[int, int] | None = None
) -> space_event_pb2.SpaceEvent:
    """A space event with the payload case of its type; a missing payload (the resource is gone) is empty.

    Deleted resources are trimmed to what the reference says their ``deleted`` payloads carry: a membership
    only its name and state, a message only its name, create and delete times and deletion metadata. A space
    payload is the space as GetSpace shows it (with ``member_counts``), minus permission settings (reference)."""
    kind, verb = resource_kind(event.event_type), event.event_type.rsplit(".", 1)[1]
    result = space_event_pb2.SpaceEvent(name=event.name, event_time=timestamp(event.time), event_type=event.event_type)
    data = getattr(result, f"{kind}_{verb}_event_data")
    if kind == "space":
        if isinstance(payload, model.Space):
            data.space.CopyFrom(space_to_proto(payload, member_counts=member_counts, with_permission_settings=False))
    elif kind == "membership":
        if isinstance(payload, model.Membership):
            if verb == "deleted":
                data.membership.name, data.membership.state = payload.name, "NOT_A_MEMBER"
            else:
                data.membership.CopyFrom(membership_to_proto(payload))
        else:
            data.membership.SetInParent()
    elif kind == "message":
        if isinstance(payload, message_records.Message):
            if verb == "deleted":
                data.message.name = payload.name
                data.message.create_time.CopyFrom(timestamp(payload.create_time))
                data.message.delete_time.CopyFrom(timestamp(payload.delete_time))
                data.message.deletion_metadata.deletion_type = payload.deletion_type
            else:
                data.MergeFromString(message_field(payload))  # every message event data holds it as field 1
        else:
            data.message.SetInParent()
    elif isinstance(payload, reactions.Reaction):
        data.reaction.CopyFrom(reaction_to_proto(payload))
    else:
        data.reaction.SetInParent()
    return result


# Rendered events of ListSpaceEvents, by everything the rendering depends on: the event's space, log key (its id
# and time) and type, and its payload's state: a message's stamp, or the values of a membership or a reaction (all
# of their fields, immutable values; tests/server/test_render_cache.py checks that they stay so). Other payloads
# (spaces: their counts come with them) are rendered each time.
_EVENT_FIELDS: Renderings[tuple[str, int, str, object]] = Renderings(8192, 16 << 20)
_PAYLOAD_VALUES: dict[type, Callable[[object], object]] = {
    cls: operator.attrgetter(*[f.name for f in dataclasses.fields(cls)])
    for cls in (model.Membership, reactions.Reaction)
}


# Memberships and reactions rendered for their pages (ListMemberships, ListReactions), by class and values.
_RECORD_FIELDS: Renderings[tuple[type, object]] = Renderings(8192, 16 << 20)


def record_field(record: model.Membership | reactions.Reaction) -> bytes:
    """A membership or a reaction as ``membership_to_proto`` or ``reaction_to_proto`` renders it, serialized as
    field 1 of the message holding it (ListMembershipsResponse.memberships, ListReactionsResponse.reactions), kept
    by the values of all its fields."""
    cache_key = (record.__class__, _PAYLOAD_VALUES[record.__class__](record))
    found = _RECORD_FIELDS.get(cache_key)
    if found is None:
        rendered = membership_to_proto(record) if isinstance(record, model.Membership) else reaction_to_proto(record)
        found = framed(rendered.SerializeToString())
        _RECORD_FIELDS.keep(cache_key, found)
    return found


def space_event_field(
    space_id: str, key: int, event_type: str, payload: object | None, *, member_counts: tuple[int, int] | None = None
) -> bytes:
    """The event of an event log entry (``events.EventLog.entries``) as ``space_event_to_proto`` renders it,
    serialized as field 1 of the message holding it (ListSpaceEventsResponse.space_events)."""
    state: object = None
    if isinstance(payload, message_records.Message):
        state = payload.version or None
    elif payload is not None:
        values = _PAYLOAD_VALUES.get(payload.__class__)
        state = values(payload) if values is not None else None
    cache_key = (space_id, key, event_type, state)
    if state is not None:
        found = _EVENT_FIELDS.get(cache_key)
        if found is not None:
            return found
    result = space_event_to_proto(event(space_id, key, event_type, "", False), payload, member_counts=member_counts)
    rendered = framed(result.SerializeToString())
    if state is not None:
        _EVENT_FIELDS.keep(cache_key, rendered)
    return rendered


# ------------------------------------------------------------------ pins, sections, availability


def message_pin_to_proto(pin: pins.MessagePin) -> message_pin_pb2.MessagePin:
    return message_pin_pb2.MessagePin(name=pin.name, message=pin.message_name)


def section_to_proto(section: sections.Section) -> section_pb2.Section:
    return section_pb2.Section(
        name=section.name, display_name=section.display_name, sort_order=section.sort_order, type=section.type
    )


def section_item_to_proto(item: sections.SectionItem) -> section_pb2.SectionItem:
    return section_pb2.SectionItem(name=item.name, space=f"spaces/{item.space_id}")


def availability_to_proto(value: availability.Availability) -> availability_pb2.Availability:
    result = availability_pb2.Availability(name=value.name, state=value.state)
    if value.do_not_disturb_until is not None:
        result.do_not_disturb_metadata.expiration_time.FromDatetime(value.do_not_disturb_until)
    status = value.custom_status
    if status is not None:
        result.custom_status.text = status.text
        result.custom_status.emoji.unicode = status.emoji
        if status.expire_time is not None:
            result.custom_status.expire_time.FromDatetime(status.expire_time)
    return result
