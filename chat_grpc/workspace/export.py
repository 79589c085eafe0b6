"""Workspace files, export: the store's state as a workspace mapping, and writing it as JSON or YAML (what
``load`` reads back into the same workspace)."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from google.apps.card.v1 import card_pb2
from google.chat.v1 import message_pb2
from google.protobuf import json_format

from chat_grpc.fake.store import ChatStore, Membership, Space
from chat_grpc.fake.store.availability import CustomStatus
from chat_grpc.fake.store.message_records import (
    SEQ_BITS,
    Message,
)
from chat_grpc.fake.store.model import DEFAULT_CUSTOMER, default_permission_settings
from chat_grpc.fake.store.notification_settings import DEFAULT_MUTE, DEFAULT_NOTIFICATION
from chat_grpc.fake.store.reactions import CUSTOM_PREFIX, UNICODE_PREFIX
from chat_grpc.fake.timestamps import format_rfc3339
from chat_grpc.workspace import read as workspace_read
from chat_grpc.workspace.read import SeedError
from chat_grpc.workspace.schema import (
    FORMAT_VERSION,
    PREDEFINED,
)
from chat_grpc.workspace.seeding import collector_resting

# ------------------------------------------------------------------ export


def _time(when: datetime | None) -> str | None:
    return None if when is None else format_rfc3339(when)


def _compact(entry: dict[str, Any]) -> dict[str, Any]:
    """Without the keys whose value is the default (None: left out)."""
    return {k: v for k, v in entry.items() if v is not None and v != "" and v != [] and v != {}}


class _Exporter:
    def __init__(self, store: ChatStore) -> None:
        self.store = store
        self.users = {u.id: u for u in store.users()}
        self.apps = {a.id: a for a in store.apps()}
        self.groups = {g.id: g for g in store.groups()}
        app_names = [a.display_name for a in self.apps.values()]
        group_names = [g.display_name for g in self.groups.values()]
        self.app_refs = {
            a.id: a.display_name if app_names.count(a.display_name) == 1 else a.id for a in self.apps.values()
        }
        self.group_refs = {
            g.id: g.display_name if group_names.count(g.display_name) == 1 else g.id for g in self.groups.values()
        }

    def who(self, principal_id: str) -> str:
        user = self.users.get(principal_id)
        if user is not None:
            return user.email
        return self.app_refs.get(principal_id, principal_id)

    def export(self) -> dict[str, Any]:
        store = self.store
        emojis = store.custom_emojis.emojis()
        customers = sorted({u.customer for u in self.users.values()} | {e.customer for e in emojis})
        result: dict[str, Any] = {"version": FORMAT_VERSION}
        sectioned = set(store.sections.users())
        availability = store.availability.raw()
        result["customers"] = [
            {"name": c, "custom_emojis_enabled": False} for c in customers if not store.custom_emojis.enabled(c)
        ]
        result["users"] = [
            _compact(
                {
                    "email": u.email,
                    "display_name": u.display_name,
                    "id": u.id,
                    "customer": u.customer if u.customer != DEFAULT_CUSTOMER else None,
                    "admin": u.is_admin or None,
                    "auto_accept": None if u.auto_accept else False,
                    "blocked": [self.who(b) for b in sorted(u.blocked_user_ids)],
                    "emoji_manager": u.can_manage_custom_emojis or None,
                    "sections": self._sections(u.id) if u.id in sectioned else None,
                    "availability": self._availability(availability.get(u.id)),
                }
            )
            for u in self.users.values()
        ]
        result["apps"] = [
            _compact(
                {
                    "display_name": a.display_name,
                    "id": a.id,
                    "customer": a.customer if a.customer != DEFAULT_CUSTOMER else None,
                }
            )
            for a in self.apps.values()
        ]
        result["groups"] = [
            _compact(
                {"display_name": g.display_name, "id": g.id, "members": [self.who(m) for m in sorted(g.member_ids)]}
            )
            for g in self.groups.values()
        ]
        result["custom_emojis"] = [
            {
                "name": e.emoji_name,
                "creator": self.who(e.creator_id),
                "filename": e.filename,
                "image_base64": base64.b64encode(e.file_content).decode(),
                "uid": e.uid,
                **({"create_time": _time(e.create_time)} if e.create_time else {}),
            }
            for e in emojis
        ]
        self.emoji_names = {e.uid: e.emoji_name for e in emojis}
        read_states: dict[tuple[str, str, str], datetime | None] = {
            (r.user_id, r.space_id, r.thread_id): r.last_read_time for r in store.read_states.all()
        }
        settings = {(s.user_id, s.space_id): s for s in store.notification_settings.all()}
        result["spaces"] = [self._space(space, read_states, settings) for space in store.spaces()]
        return _compact(result) | {"version": FORMAT_VERSION}

    def _space(
        self, space: Space, read_states: dict[tuple[str, str, str], Any], settings: dict[Any, Any]
    ) -> dict[str, Any]:
        store = self.store
        creator_id = space.creator_key.removeprefix("users/")
        memberships = store.memberships(space.id)
        member_ids = {m.member_id for m in memberships}
        messages = sorted(store.messages.all(space.id), key=lambda m: m.key & ((1 << SEQ_BITS) - 1))
        thread_keys = {thread: (scope, key) for (scope, key), thread in store.messages.thread_keys(space.id).items()}
        derived: dict[tuple[str, str], datetime] = {}  # what the messages make of read states
        former: list[str] = []
        if creator_id not in member_ids and not space.import_mode:
            former.append(creator_id)
        former += self._needed_to_set_up(space, creator_id, memberships, former)
        exported_messages = []
        for message in messages:
            exported, reactors = self._message(space, message, thread_keys)
            exported_messages.append(exported)
            for person in [message.sender_id, message.private_viewer_id, *reactors]:
                if person and person not in member_ids and person not in former and not space.import_mode:
                    former.append(person)
            if message.sender_kind == "HUMAN":
                key = (message.sender_id, message.thread_id if message.thread_reply else "")
                if key not in derived or message.create_time > derived[key]:
                    derived[key] = message.create_time
        members = []
        for membership in memberships:
            entry: dict[str, str | None] = {}
            if membership.member_kind == "GROUP":
                entry["group"] = self.group_refs.get(membership.member_id, membership.member_id)
            elif membership.member_kind == "BOT":
                entry["app"] = self.app_refs.get(membership.member_id, membership.member_id)
            else:
                entry["user"] = self.who(membership.member_id)
            if membership.member_kind != "GROUP":
                entry["role"] = membership.role
            entry["state"] = membership.state
            entry["create_time"] = _time(membership.create_time)
            setting = settings.get((membership.member_id, space.id))
            if setting is not None and setting.notification_setting != DEFAULT_NOTIFICATION:
                entry["notification_setting"] = setting.notification_setting
            if setting is not None and setting.mute_setting != DEFAULT_MUTE:
                entry["mute_setting"] = setting.mute_setting
            read = read_states.get((membership.member_id, space.id, ""))
            if read is not None and read != derived.get((membership.member_id, "")):
                entry["last_read_time"] = _time(read)
            members.append(entry)
        thread_reads = []
        for (user_id, space_id, thread_id), when in read_states.items():
            if space_id != space.id or not thread_id or user_id not in member_ids or when is None:
                continue
            if when != derived.get((user_id, thread_id)):
                thread_reads.append(
                    {"user": self.who(user_id), "thread": f"{thread_id}.{thread_id}", "last_read_time": _time(when)}
                )
        result: dict[str, Any] = {
            "id": space.id,
            "type": space.space_type,
            "display_name": space.display_name,
            "description": space.description,
            "guidelines": space.guidelines,
            "creator": self.who(creator_id),
            "create_time": _time(space.create_time),
            "external_user_allowed": space.external_user_allowed or None,
            "history_state": space.history_state if space.history_state != "HISTORY_ON" else None,
            "audience": space.audience,
            "import_mode": space.import_mode or None,
            "import_mode_expire_time": _time(space.import_mode_expire_time),
        }
        if space.space_type == "SPACE":
            result.update(self._permissions(space))
        result["members"] = members
        result["former_members"] = [self.who(p) for p in former]
        result["messages"] = exported_messages
        result["thread_read_states"] = thread_reads
        result["pins"] = [pin.message_id for pin in store.pins.all(space.id)]
        return _compact(result)

    def _sections(self, user_id: str) -> list[dict[str, Any]]:
        store = self.store
        items: dict[str, list[str]] = {}
        for item in store.sections.placed(user_id):
            items.setdefault(item.section_id, []).append(item.space_id)
        exported = []
        for section in store.sections.sections_of(user_id):
            if section.type != "CUSTOM_SECTION":
                exported.append({"type": section.type})
            else:
                exported.append(
                    _compact({"display_name": section.display_name, "id": section.id, "spaces": items.get(section.id)})
                )
        return exported

    @staticmethod
    def _availability(value: tuple[str, datetime | None, CustomStatus | None] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        state, until, status = value
        exported: dict[str, Any] = {"state": state or None, "until": _time(until)}
        if status is not None:
            exported["custom_status"] = _compact(
                {"text": status.text, "emoji": status.emoji, "expire_time": _time(status.expire_time)}
            )
        return _compact(exported)

    def _needed_to_set_up(
        self, space: Space, creator_id: str, memberships: list[Membership], former: list[str]
    ) -> list[str]:
        """People who left (found in the space's events) but are needed to build it again: a DIRECT_MESSAGE is
        set up between two, a GROUP_CHAT with at least two besides its creator, and in a space an app created,
        a person adds the other apps, the groups and external users. They are added for the load, and leave."""
        member_ids = {m.member_id for m in memberships}
        present = {*member_ids, *former}
        if space.created_by_app and not space.import_mode:
            needy = any(
                m.member_id != creator_id
                and (m.member_kind != "HUMAN" or self.users[m.member_id].customer != space.customer)
                for m in memberships
                if m.member_kind != "HUMAN" or m.member_id in self.users
            )
            joined = {m.member_id for m in memberships if m.state == "JOINED"} | set(former)
            insiders = [p for p in joined if p in self.users and self.users[p].customer == space.customer]
            return self._left(space, present, {"HUMAN"}, 1, creator_id) if needy and not insiders else []
        if space.space_type not in ("DIRECT_MESSAGE", "GROUP_CHAT") or space.import_mode:
            return []
        humans = [p for p in present if p in self.users and p != creator_id]
        apps = [p for p in present if p in self.apps]
        kinds = {"APP" if space.single_user_bot_dm else "HUMAN"} if space.space_type == "DIRECT_MESSAGE" else {"HUMAN"}
        if space.space_type == "GROUP_CHAT":
            needed = 2 - len(humans)
        else:
            needed = 0 if (apps if space.single_user_bot_dm else humans) else 1
        return self._left(space, present, kinds, needed, creator_id)

    def _left(self, space: Space, present: set[str], kinds: set[str], needed: int, creator_id: str) -> list[str]:
        """Up to ``needed`` principals of ``kinds`` who left the space, from its membership events."""
        added: list[str] = []
        for event in self.store.events(space.id) if needed > 0 else []:
            snapshot = event.snapshot
            if (
                len(added) < needed
                and event.event_type.endswith("membership.v1.deleted")
                and isinstance(snapshot, Membership)
                and ("APP" if snapshot.member_kind == "BOT" else snapshot.member_kind) in kinds
                and snapshot.member_id not in present
                and snapshot.member_id != creator_id
                and snapshot.member_id not in added
            ):
                added.append(snapshot.member_id)
        return added

    @staticmethod
    def _permissions(space: Space) -> dict[str, Any]:
        current = {k: (v.managers_allowed, v.members_allowed) for k, v in space.permission_settings.items()}
        for predefined in PREDEFINED:
            base = {
                k: (v.managers_allowed, v.members_allowed) for k, v in default_permission_settings(predefined).items()
            }
            if current == base:
                return {"predefined_permissions": predefined} if predefined != "COLLABORATION_SPACE" else {}
        base = {k: (v.managers_allowed, v.members_allowed) for k, v in default_permission_settings("").items()}
        return {
            "permission_settings": {
                k: {"managers_allowed": v[0], "members_allowed": v[1]} for k, v in current.items() if base.get(k) != v
            }
        }

    def _message(
        self, space: Space, message: Message, thread_keys: dict[str, tuple[str | None, str]]
    ) -> tuple[dict[str, Any], list[str]]:
        store = self.store
        entry: dict[str, Any] = {"id": message.id, "sender": self.who(message.sender_id)}
        if message.thread_reply:
            entry["reply_to"] = f"{message.thread_id}.{message.thread_id}"
        elif message.thread_id in thread_keys:
            scope, key = thread_keys[message.thread_id]
            entry["thread_key"] = key
            if scope is not None and scope != message.sender_id:
                entry["via_app"] = self.app_refs.get(scope, scope)
        entry["text"] = message.formatted_text
        entry["fallback_text"] = message.fallback_text
        entry["cards_v2"] = [
            _compact({"card_id": card_id, "card": json_format.MessageToDict(card_pb2.Card.FromString(card))})
            for card_id, card in message.cards_v2
        ]
        entry["accessory_widgets"] = [
            json_format.MessageToDict(message_pb2.AccessoryWidget.FromString(w)) for w in message.accessory_widgets
        ]
        entry["client_id"] = message.client_id
        entry["private_viewer"] = self.who(message.private_viewer_id) if message.private_viewer_id else None
        entry["attachments"] = [
            {"name": a.content_name, "content_type": a.content_type, "id": a.id} for a in message.attachments
        ]
        entry["create_time"] = _time(message.create_time)
        entry["update_time"] = _time(message.last_update_time)
        entry["delete_time"] = _time(message.delete_time)
        entry["deletion_type"] = message.deletion_type if message.delete_time else None
        reactions = store.reactions.all(space.id, message.id)
        entry["reactions"] = [
            _compact(
                {
                    "user": self.who(r.user_id),
                    "emoji": r.emoji_key.removeprefix(UNICODE_PREFIX) if r.unicode is not None else None,
                    "custom_emoji": self.emoji_names.get(r.emoji_key.removeprefix(CUSTOM_PREFIX), r.emoji_name)
                    if r.custom_emoji_uid is not None
                    else None,
                    "id": r.id,
                    "create_time": _time(r.create_time),
                }
            )
            for r in reactions
        ]
        return _compact(entry), [r.user_id for r in reactions]


def export_workspace(store: ChatStore) -> dict[str, Any]:
    """The store's state as a workspace mapping: ``load_workspace`` of it into an empty store reproduces the
    same people, spaces, memberships, messages and threads, reactions, custom emojis, settings and read states
    (not the space event history, request ids, or attachments uploaded but never posted)."""
    with store.lock, collector_resting():  # the export's mappings all live on, like a load's
        return _Exporter(store).export()


def dumps(workspace: Mapping[str, Any], *, yaml: bool = False) -> str:
    if yaml:
        module = workspace_read._yaml()  # looked up on call: a test may take PyYAML away
        if module is None:
            raise SeedError(["writing YAML needs PyYAML: pip install 'chat-grpc[yaml]' (or write JSON)"])
        text: str = module.safe_dump(dict(workspace), allow_unicode=True, sort_keys=False, width=120)
        return text
    return json.dumps(workspace, indent=2, ensure_ascii=False) + "\n"


def dump(workspace: Mapping[str, Any] | ChatStore, path: str | os.PathLike[str]) -> None:
    """Write a workspace (a mapping, or a store's export) to ``path``: YAML for ``.yaml``/``.yml``, else JSON.
    The file is replaced atomically."""
    data = export_workspace(workspace) if isinstance(workspace, ChatStore) else workspace
    text = dumps(data, yaml=Path(path).suffix.lower() in (".yaml", ".yml"))
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
