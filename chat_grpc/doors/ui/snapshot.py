"""What the emulator's web UI shows, as JSON: read straight from an emulator's store, journal, faults and
clock, never through an RPC (so looking at the UI records no calls and moves no clock).

Messages are the API's own JSON (``codec.message_to_proto`` then the protobuf JSON mapping, as GetMessage
answers), so the page renders exactly what a caller would read, Cards v2 included. Nothing secret leaves:
the journal's metadata is the journal's redacted view (``authorization: Bearer <redacted>``), and no tokens
are kept anywhere but in the token registry, which is never read here.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format

from chat_grpc.doors.grpc.control import rfc3339
from chat_grpc.fake import codec

if TYPE_CHECKING:
    from chat_grpc.doors.emulator import Emulator
    from chat_grpc.fake.store import ChatStore

MAX_MESSAGES = 500  # the latest messages of a space shown (a space may hold millions)
MAX_CALLS = 200  # the latest journal entries listed (each one's detail is fetched on click)
JsonObject = dict[str, Any]


def _people(store: ChatStore) -> dict[str, JsonObject]:
    people: dict[str, JsonObject] = {}
    for user in store.users():
        people[user.name] = {"displayName": user.display_name, "email": user.email, "kind": "HUMAN"}
    for app in store.apps():
        people[app.name] = {"displayName": app.display_name, "kind": "BOT"}
    for group in store.groups():
        people[group.name] = {"displayName": group.display_name, "kind": "GROUP"}
    return people


def overview(server: Emulator) -> JsonObject:
    """Everything but a space's messages: clock, people, spaces with members, faults, the latest calls."""
    store = server.store
    clock = server.clock
    spaces = []
    for space in store.spaces():
        members = []
        joined = 0
        for membership in store.memberships(space.id):
            if membership.delete_time is not None:
                continue
            if membership.state == "JOINED":
                joined += 1
            members.append(
                {
                    "member": membership.member_name,
                    "kind": membership.member_kind,
                    "role": membership.role,
                    "state": membership.state,
                }
            )
        spaces.append(
            {
                "name": space.name,
                "type": space.space_type,
                "displayName": space.display_name,
                "description": space.description,
                "externalUserAllowed": space.external_user_allowed,
                "importMode": space.import_mode,
                "memberCount": joined,
                "members": members,
                "messageCount": store.messages.count(space.id),
            }
        )
    journal = server.journal
    calls = journal.calls()
    shown = calls[-MAX_CALLS:]
    return {
        "clock": {"now": rfc3339(clock.now()), "frozen": clock.frozen},
        "control": bool(server.control),
        "people": _people(store),
        "spaces": spaces,
        "faults": server.faults.report_json(),
        "journal": {
            "total": len(calls),
            "dropped": journal.dropped,
            "calls": [
                {
                    "seq": c.seq,
                    "time": rfc3339(c.time),
                    "method": c.method,
                    "principal": c.principal,
                    "face": c.face,
                    "code": c.code,
                    "details": c.details,
                    "latencyMs": round(c.latency_ms, 3),
                    "fault": c.fault,
                }
                for c in reversed(shown)
            ],
        },
    }


def call_detail(server: Emulator, seq: int) -> JsonObject | None:
    """One journal entry in full (the control service's ``Call`` shape: request and response JSON, redacted
    metadata)."""
    for call in reversed(server.journal.calls()):
        if call.seq == seq:
            return call.to_json()
    return None


def space_messages(server: Emulator, space_id: str) -> JsonObject | None:
    """A space's latest messages grouped by thread (threads in the order they started, replies in order),
    each message as the API's JSON plus ``privateTo`` for private messages. None: no such space."""
    store = server.store
    found = [s for s in store.spaces() if s.id == space_id]
    if not found:
        return None
    space = found[0]
    messages = store.messages.all(space_id)
    total = len(messages)
    messages = messages[-MAX_MESSAGES:]
    threads: OrderedDict[str, list[JsonObject]] = OrderedDict()
    for message in messages:
        body: JsonObject = json_format.MessageToDict(codec.message_to_proto(message))
        reactions = store.reactions.all(space_id, message.id) if message.reaction_counts else []
        if reactions:
            body["reactionsBy"] = [
                {"user": r.user_name, "emoji": r.unicode, "customEmoji": r.custom_emoji_uid} for r in reactions
            ]
        threads.setdefault(message.thread_name, []).append(body)
    emojis = {e.uid: e.emoji_name for e in store.custom_emojis.emojis()}
    return {
        "space": {"name": space.name, "type": space.space_type, "displayName": space.display_name},
        "threaded": space.threading_state == "THREADED_MESSAGES",
        "total": total,
        "shown": len(messages),
        "threads": [{"name": name, "messages": items} for name, items in threads.items()],
        "customEmojis": emojis,
        "mediaDownloads": has_media(server),
    }


def custom_emoji_image(server: Emulator, uid: str) -> tuple[bytes, str] | None:
    for emoji in server.store.custom_emojis.emojis():
        if emoji.uid == uid:
            return emoji.file_content, f"image/{emoji.image_format.lower()}"
    return None


def attachment_media(server: Emulator, resource_name: str) -> tuple[bytes, str] | None:
    """The bytes of an uploaded attachment, when the store keeps media (else None: shown, not downloadable)."""
    reader = getattr(server.store, "attachment_media", None)
    if reader is None:
        return None
    try:
        data, content_type = reader(resource_name)
    except Exception:
        return None
    return bytes(data), str(content_type)


def has_media(server: Emulator) -> bool:
    return getattr(server.store, "attachment_media", None) is not None
