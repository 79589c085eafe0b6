"""The cases of bench_rpcs.py: one per ChatService RPC, each a request that succeeds on a seeded workspace and can
repeat (writes get a fresh target per call, made outside the timed part; what they create is cleaned up after).
``World`` builds the workspace through RPCs and holds the table; ``bench_rpcs.py`` times each case."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2_grpc
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from chat_grpc.doors.grpc.service import REQUEST_CLASSES

POOL = 400  # fresh targets (users, messages) for writes that need one per call
MAX_CALLS = 300  # calls per slot at most (a write's slot uses that many fresh targets)
EVENT = "google.workspace.chat.{}.v1.{}"


@dataclass
class People:
    """Who the server process seeded (ids), with their tokens."""

    address: str
    echo: str
    tokens: dict[str, str]  # alice (admin), bob, carol, app, alice-for-app (alice through the app's client)
    ids: dict[str, str]
    pool: list[str]  # user ids, for memberships made and deleted per call
    team: str  # alice's space "Team" (made through the store: the upload below needs it)
    upload_token: str  # an attachment uploaded to the team (the media door is REST only)


def png(side: int = 64) -> bytes:
    """A gray ``side`` x ``side`` PNG (8-bit grayscale), valid enough for a custom emoji."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(range(side)) for _ in range(side))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def stamp(when: datetime) -> timestamp_pb2.Timestamp:
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(when)
    return result


@dataclass
class Case:
    """How to call one RPC repeatably: ``make(n)`` returns n requests (creating their targets first, outside the
    timed part), ``after(responses)`` cleans up what the timed calls created."""

    who: str
    make: Callable[[int], list[Message]]
    after: Callable[[list[Any]], None] | None = None
    fails: grpc.StatusCode | None = None  # the status that is the RPC's only answer over gRPC
    max_calls: int = MAX_CALLS  # per slot: a space holds at most 100 pins


class World:
    """The seeded workspace, built through RPCs as alice, bob and the app, and one case per RPC."""

    def __init__(self, people: People, channel: grpc.Channel) -> None:
        self.people = people
        self.stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        self.counter = itertools.count()
        self.cases: dict[str, Case] = {}

    def metadata(self, who: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.people.tokens[who]}"),)

    def call(self, rpc: str, who: str = "alice", **fields: Any) -> Any:
        return getattr(self.stub, rpc)(REQUEST_CLASSES[rpc](**fields), metadata=self.metadata(who), timeout=30)

    def request(self, rpc: str, **fields: Any) -> Message:
        return REQUEST_CLASSES[rpc](**fields)

    def case(self, rpc: str, make: Callable[[int], list[Message]], who: str = "alice", **options: Any) -> None:
        self.cases[rpc] = Case(who, make, **options)

    def same(self, rpc: str, who: str = "alice", **fields: Any) -> None:
        """A case whose one request can repeat as it is."""
        request = self.request(rpc, **fields)
        self.case(rpc, lambda n: [request] * n, who)

    def fresh(self) -> int:
        return next(self.counter)

    def post(self, who: str, text: str, space: str | None = None, **fields: Any) -> Any:
        return self.call("CreateMessage", who, parent=space or self.team, message={"text": text, **fields})

    def build(self) -> None:
        p, ids = self.people, self.people.ids
        bob, carol = f"users/{ids['bob']}", f"users/{ids['carol']}"
        self.team = p.team
        team_id = self.team.split("/")[1]
        self.call("CreateMembership", parent=self.team, membership={"member": {"name": bob, "type": "HUMAN"}})
        self.call(
            "CreateMembership",
            "alice-for-app",
            parent=self.team,
            membership={"member": {"name": "users/app", "type": "BOT"}},
        )
        other = self.call("CreateSpace", space={"space_type": "SPACE", "display_name": "Renamable"}).name
        targets = self.call("CreateSpace", space={"space_type": "SPACE", "display_name": "Targets"}).name
        self.call("CreateMembership", parent=targets, membership={"member": {"name": bob, "type": "HUMAN"}})
        messages = [self.post("bob" if i % 2 else "alice", f"message {i} about the launch") for i in range(30)]
        pool_messages = [self.post("bob", f"target {i}", targets).name for i in range(POOL)]
        mine = self.post("alice", "Draft")
        root = self.post("bob", "Plan?", thread={"thread_key": "plan"})
        self.call(
            "CreateMessage",
            "alice",
            parent=self.team,
            message={"text": "Here", "thread": {"name": root.thread.name}},
            message_reply_option="REPLY_MESSAGE_OR_FAIL",
        )
        thread_id = root.thread.name.rsplit("/", 1)[1]
        reacted = messages[0].name
        for who, emoji in (("bob", "👍"), ("alice", "👍"), ("bob", "🎉")):
            self.call("CreateReaction", who, parent=reacted, reaction={"emoji": {"unicode": emoji}})
        for m in messages[:3]:
            self.call("CreateMessagePin", "bob", parent=self.team, message_pin={"message": m.name})
        emoji = self.call(
            "CreateCustomEmoji",
            custom_emoji={"emoji_name": ":ship-it:", "payload": {"filename": "ship-it.png", "file_content": png()}},
        )
        self.call("SetUpSpace", space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": bob}}])
        self.call(
            "SetUpSpace",
            space={"space_type": "GROUP_CHAT"},
            memberships=[{"member": {"name": u, "type": "HUMAN"}} for u in (bob, carol)],
        )
        section = self.call("CreateSection", parent="users/me", section={"display_name": "W", "type": "CUSTOM_SECTION"})
        events = self.call(
            "ListSpaceEvents", parent=self.team, filter=f'event_types:"{EVENT.format("membership", "created")}"'
        )
        attachment = self.attachment()

        # ---- messages
        self.same("CreateMessage", parent=self.team, message={"text": "Hello, team"})
        self.same("ListMessages", parent=self.team, page_size=25)
        self.same("GetMessage", name=messages[1].name)
        self.same("UpdateMessage", message={"name": mine.name, "text": "Final"}, update_mask={"paths": ["text"]})
        self.case(
            "DeleteMessage",
            lambda n: [self.request("DeleteMessage", name=self.post("alice", "Oops").name) for _ in range(n)],
        )
        self.same("GetAttachment", "app", name=attachment)
        # ---- spaces
        self.same("ListSpaces")
        query = 'customer = "customers/my_customer" AND space_type = "SPACE" AND display_name:"Team"'
        self.same("SearchSpaces", query=query, use_admin_access=True)
        self.same("GetSpace", name=self.team)

        def delete_spaces(spaces: list[Any]) -> None:
            for space in spaces:
                self.call("DeleteSpace", name=(space.space if hasattr(space, "space") else space).name)

        self.case(
            "CreateSpace",
            lambda n: [
                self.request("CreateSpace", space={"space_type": "SPACE", "display_name": f"New {self.fresh()}"})
                for _ in range(n)
            ],
            after=delete_spaces,
        )
        self.case(
            "SetUpSpace",
            lambda n: [
                self.request(
                    "SetUpSpace",
                    space={"space_type": "SPACE", "display_name": f"Set up {self.fresh()}"},
                    memberships=[{"member": {"name": bob, "type": "HUMAN"}}],
                )
                for _ in range(n)
            ],
            after=delete_spaces,
        )
        self.case(
            "UpdateSpace",
            lambda n: [
                self.request(
                    "UpdateSpace",
                    space={"name": other, "display_name": f"Renamed {self.fresh() % 2}"},
                    update_mask={"paths": ["display_name"]},
                )
                for _ in range(n)
            ],
        )

        def new_space(fields: dict[str, Any]) -> str:
            name: str = self.call("CreateSpace", space={"space_type": "SPACE", **fields}).name
            return name

        self.case(
            "DeleteSpace",
            lambda n: [
                self.request("DeleteSpace", name=new_space({"display_name": f"Gone {self.fresh()}"})) for _ in range(n)
            ],
        )
        imported = {"import_mode": True, "create_time": stamp(datetime(2025, 3, 1, tzinfo=UTC))}
        self.case(
            "CompleteImportSpace",
            lambda n: [
                self.request(
                    "CompleteImportSpace", name=new_space({"display_name": f"Archive {self.fresh()}", **imported})
                )
                for _ in range(n)
            ],
            after=delete_spaces,
        )
        self.same("FindDirectMessage", name=bob)
        # ---- memberships
        pool_members = [f"users/{u}" for u in p.pool]

        def delete_memberships(memberships: list[Any]) -> None:
            for m in memberships:
                self.call("DeleteMembership", name=m.name)

        self.case(
            "CreateMembership",
            lambda n: [
                self.request("CreateMembership", parent=self.team, membership={"member": {"name": u, "type": "HUMAN"}})
                for u in pool_members[:n]
            ],
            after=delete_memberships,
        )
        self.case(
            "UpdateMembership",
            lambda n: [
                self.request(
                    "UpdateMembership",
                    membership={
                        "name": f"{self.team}/members/{ids['bob']}",
                        "role": "ROLE_MANAGER" if self.fresh() % 2 else "ROLE_MEMBER",
                    },
                    update_mask={"paths": ["role"]},
                )
                for _ in range(n)
            ],
        )
        self.same("ListMemberships", parent=self.team)
        self.same("GetMembership", name=f"{self.team}/members/{ids['bob']}")

        def memberships(n: int) -> list[Message]:
            made = [
                self.call("CreateMembership", parent=self.team, membership={"member": {"name": u, "type": "HUMAN"}})
                for u in pool_members[:n]
            ]
            return [self.request("DeleteMembership", name=m.name) for m in made]

        self.case("DeleteMembership", memberships)
        # ---- reactions and custom emojis

        def delete_reactions(reactions: list[Any]) -> None:
            for r in reactions:
                self.call("DeleteReaction", name=r.name)

        def reactions(n: int) -> list[Message]:
            return [
                self.request("CreateReaction", parent=m, reaction={"emoji": {"unicode": "🚀"}})
                for m in pool_messages[:n]
            ]

        self.case("CreateReaction", reactions, after=delete_reactions)
        self.same("ListReactions", parent=reacted, filter='emoji.unicode = "👍"')
        self.case(
            "DeleteReaction",
            lambda n: [
                self.request("DeleteReaction", name=self.stub.CreateReaction(r, metadata=self.metadata("alice")).name)
                for r in reactions(n)
            ],
        )
        image = png()

        def new_emoji() -> dict[str, Any]:
            i = self.fresh()
            return {"emoji_name": f":bench-{i}:", "payload": {"filename": f"bench-{i}.png", "file_content": image}}

        def delete_emojis(emojis: list[Any]) -> None:
            for e in emojis:
                self.call("DeleteCustomEmoji", name=e.name)

        self.case(
            "CreateCustomEmoji",
            lambda n: [self.request("CreateCustomEmoji", custom_emoji=new_emoji()) for _ in range(n)],
            after=delete_emojis,
        )
        self.same("GetCustomEmoji", name=emoji.name)
        self.same("ListCustomEmojis")
        self.case(
            "DeleteCustomEmoji",
            lambda n: [
                self.request("DeleteCustomEmoji", name=self.call("CreateCustomEmoji", custom_emoji=new_emoji()).name)
                for _ in range(n)
            ],
        )
        # ---- read states, events, notification settings
        self.same("GetSpaceReadState", name=f"users/me/spaces/{team_id}/spaceReadState")
        self.same(
            "UpdateSpaceReadState",
            space_read_state={
                "name": f"users/me/spaces/{team_id}/spaceReadState",
                "last_read_time": messages[-1].create_time,
            },
            update_mask={"paths": ["last_read_time"]},
        )
        self.same("GetThreadReadState", name=f"users/me/spaces/{team_id}/threads/{thread_id}/threadReadState")
        self.same("GetSpaceEvent", name=events.space_events[0].name)
        kinds = [EVENT.format("membership", "created"), EVENT.format("message", "created")]
        self.same(
            "ListSpaceEvents", parent=self.team, filter=" OR ".join(f'event_types:"{k}"' for k in kinds), page_size=25
        )
        setting = f"users/me/spaces/{team_id}/spaceNotificationSetting"
        self.same("GetSpaceNotificationSetting", name=setting)
        self.case(
            "UpdateSpaceNotificationSetting",
            lambda n: [
                self.request(
                    "UpdateSpaceNotificationSetting",
                    space_notification_setting={
                        "name": setting,
                        "mute_setting": "MUTED" if self.fresh() % 2 else "UNMUTED",
                    },
                    update_mask={"paths": ["mute_setting"]},
                )
                for _ in range(n)
            ],
        )
        # ---- search, pins, media, group chats
        self.same("SearchMessages", parent="spaces/-", filter=f'launch space.name = "{self.team}"', page_size=10)

        def delete_pins(pins: list[Any]) -> None:
            for pin in pins:
                self.call("DeleteMessagePin", name=pin.name)

        def pins(n: int) -> list[Message]:
            return [
                self.request("CreateMessagePin", parent=targets, message_pin={"message": m}) for m in pool_messages[:n]
            ]

        self.case("CreateMessagePin", pins, after=delete_pins, max_calls=90)
        self.same("ListMessagePins", parent=self.team)
        self.case(
            "DeleteMessagePin",
            lambda n: [
                self.request(
                    "DeleteMessagePin", name=self.stub.CreateMessagePin(r, metadata=self.metadata("alice")).name
                )
                for r in pins(n)
            ],
            max_calls=90,
        )
        upload = self.request("UploadAttachment", parent=self.team, filename="plan.pdf")
        self.case("UploadAttachment", lambda n: [upload] * n, fails=grpc.StatusCode.INVALID_ARGUMENT)
        self.same("FindGroupChats", users=[bob, carol])
        # ---- sections

        def delete_sections(sections: list[Any]) -> None:
            for s in sections:
                self.call("DeleteSection", name=s.name)

        def new_section() -> dict[str, Any]:
            return {"display_name": f"S{self.fresh()}", "type": "CUSTOM_SECTION"}

        self.case(
            "CreateSection",
            lambda n: [self.request("CreateSection", parent="users/me", section=new_section()) for _ in range(n)],
            after=delete_sections,
        )
        self.case(
            "DeleteSection",
            lambda n: [
                self.request(
                    "DeleteSection", name=self.call("CreateSection", parent="users/me", section=new_section()).name
                )
                for _ in range(n)
            ],
        )
        self.case(
            "UpdateSection",
            lambda n: [
                self.request(
                    "UpdateSection",
                    section={"name": section.name, "display_name": f"Work {self.fresh() % 2}"},
                    update_mask={"paths": ["display_name"]},
                )
                for _ in range(n)
            ],
        )
        self.same("ListSections", parent="users/me")
        self.same("PositionSection", name=section.name, relative_position="START")
        self.same("ListSectionItems", parent="users/me/sections/default-spaces")
        where = {"default": True}
        default_item = f"users/me/sections/default-spaces/items/{team_id}"
        custom_item = f"{section.name}/items/{team_id}"

        def moves(n: int) -> list[Message]:
            out = []
            for _ in range(n):
                if where["default"]:
                    out.append(self.request("MoveSectionItem", name=default_item, target_section=section.name))
                else:
                    out.append(
                        self.request(
                            "MoveSectionItem", name=custom_item, target_section="users/me/sections/default-spaces"
                        )
                    )
                where["default"] = not where["default"]
            return out

        self.case("MoveSectionItem", moves)
        # ---- availability
        availability = "users/me/availability"
        self.same("GetAvailability", name=availability)
        self.same(
            "UpdateAvailability",
            availability={
                "name": availability,
                "custom_status": {"text": "At lunch", "emoji": {"unicode": "🍜"}, "ttl": {"seconds": 3600}},
            },
            update_mask={"paths": ["custom_status"]},
        )
        self.same("MarkAsActive", name=availability, ttl={"seconds": 600})
        self.same("MarkAsAway", name=availability)
        self.case(
            "MarkAsDoNotDisturb",
            lambda n: (
                [
                    self.request(
                        "MarkAsDoNotDisturb",
                        name=availability,
                        expire_time=stamp(datetime.now(UTC) + timedelta(hours=2)),
                    )
                ]
                * n
            ),
        )

    def attachment(self) -> str:
        """An attachment on a new message of bob's, with the token the server process uploaded."""
        posted = self.post(
            "bob",
            "The plan",
            attachment=[{"attachment_data_ref": {"attachment_upload_token": self.people.upload_token}}],
        )
        name: str = posted.attachment[0].name
        return name
