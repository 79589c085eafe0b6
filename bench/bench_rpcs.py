"""Every RPC of ChatService, ours vs an echo on the same server stack, in one table (``make bench``).

One server process, spawned fresh: our ``ChatServer`` (gRPC only) and an **echo** server built the way
``ChatServer`` builds its gRPC server (``grpc.aio``, every RPC registered stream-unary with raw bytes in, the
request read with ``context.read()`` and parsed, the same options and concurrency limit) whose handlers return a
prebuilt response: the very message ours answered to the same request (same bytes), or, for an RPC that can only
fail over gRPC (``UploadAttachment``: its bytes go through the media upload door), the same status and details.

The list of RPCs comes from the service descriptor (``chat_grpc.api.rpcs.RPCS``); every one must have a case here
(a request that succeeds on a seeded workspace, repeatable: writes get a fresh target per call, made before the
timed part of the slot, and what they created is deleted after it). Per RPC: warm-up, slots of ~0.1 s in ABBA
order for ``--budget`` seconds, the median of the paired ratios. Goals: ours / echo >= 0.85 calls/s for every
RPC, >= 0.9 for the reads (Get, List, Search, Find).

``--only GetSpace,ListSpaces`` runs some of them; ``--profile N`` instead runs N direct calls of each chosen RPC
through ``ChatCore.serve`` (no gRPC) under cProfile in this process and prints the top frames; ``--direct N``
times them (no profiler) and prints the µs per call of each RPC.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import itertools
import pstats
import statistics
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from bench_server import new_space, server_process
from google.chat.v1 import chat_service_pb2_grpc
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2
from runner import Table, arguments, at_least, banner, compare

from chat_grpc.api.rpcs import BY_NAME, RPCS
from chat_grpc.doors.grpc.service import REQUEST_CLASSES, SERVICE
from chat_grpc.server import ChatServer
from chat_grpc.server.server import DEFAULT_MAX_CONCURRENT_RPCS, DEFAULT_MAX_REQUEST_BYTES

READ_GOAL, WRITE_GOAL = 0.9, 0.85
READS = ("Get", "List", "Search", "Find")
POOL = 400  # fresh targets (users, messages) for writes that need one per call
MAX_CALLS = 300  # calls per slot at most (a write's slot uses that many fresh targets)
PRIME = "/bench.Echo/Prime"
EVENT = "google.workspace.chat.{}.v1.{}"


def is_read(rpc: str) -> bool:
    return rpc.startswith(READS)


# ---------------------------------------------------------------------------------------------------- the echo


class Echo:
    """Prebuilt answers per RPC: a response message (returned, serialized by gRPC like ours) or a failure."""

    def __init__(self) -> None:
        self.answers: dict[str, Message | status_pb2.Status] = {}

    def prime(self, data: bytes) -> bytes:
        rpc, kind, body = data.split(b"\0", 2)
        name = rpc.decode()
        if kind == b"ok":
            self.answers[name] = BY_NAME[name].response.FromString(body)
        else:
            self.answers[name] = status_pb2.Status.FromString(body)
        return b""

    def handler(self, rpc: str) -> Callable[..., Any]:
        parse = REQUEST_CLASSES[rpc].FromString

        async def handle(requests: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            parse(await context.read())
            answer = self.answers[rpc]
            if isinstance(answer, status_pb2.Status):
                await context.abort(
                    grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == answer.code)),
                    answer.message,
                    (("grpc-status-details-bin", answer.SerializeToString()),),
                )
            return answer

        return handle


def serialize(response: Message) -> bytes:
    return response.SerializeToString()


async def start_echo(echo: Echo) -> tuple[grpc.aio.Server, int]:
    """The echo on the stack ChatServer uses (``ChatServer._start_aio``): same server class, options, limit and
    handler kind."""
    server = grpc.aio.server(
        maximum_concurrent_rpcs=DEFAULT_MAX_CONCURRENT_RPCS,
        options=[("grpc.max_receive_message_length", DEFAULT_MAX_REQUEST_BYTES), ("grpc.max_send_message_length", -1)],
    )
    handlers = {
        m.name: grpc.stream_unary_rpc_method_handler(
            echo.handler(m.name), request_deserializer=None, response_serializer=serialize
        )
        for m in SERVICE.methods
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    prime = grpc.unary_unary_rpc_method_handler(lambda data, context: echo.prime(data))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Echo", {"Prime": prime}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


@contextlib.contextmanager
def echo_server() -> Iterator[str]:
    """The echo server on an event loop thread of its own (like ChatServer's); yields its address."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="echo-aio", daemon=True)
    thread.start()
    server, port = asyncio.run_coroutine_threadsafe(start_echo(Echo()), loop).result(60)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


# ---------------------------------------------------------------------------------------------------- the world


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


@contextlib.contextmanager
def servers(chat: ChatServer | None = None) -> Iterator[People]:
    """Ours (seeded with people; spaces and the rest are made through RPCs by the client) and the echo."""
    with contextlib.ExitStack() as stack:
        if chat is None:
            chat = stack.enter_context(ChatServer(seed=18, rest=False))
        store = chat.store
        alice = store.add_user("alice@example.com", "Alice", is_admin=True)
        bob = store.add_user("bob@example.com", "Bob")
        carol = store.add_user("carol@example.com", "Carol")
        app = store.add_app("Helper Bot")
        pool = [store.add_user(f"u{i}@example.com", f"User {i}").id for i in range(POOL)]
        tokens = {
            "alice": chat.token_for(alice),
            "bob": chat.token_for(bob),
            "carol": chat.token_for(carol),
            "app": chat.token_for(app),
            "alice-for-app": chat.token_for(alice, app=app, scopes=["chat.memberships.app"]),
        }
        ids = {"alice": alice.id, "bob": bob.id, "carol": carol.id, "app": app.id}
        team = new_space(store, alice, "Team")
        upload_token = store.messages.upload(team.id, "plan.pdf", "application/pdf")
        echo = stack.enter_context(echo_server())
        yield People(chat.address, echo, tokens, ids, pool, team.name, upload_token)


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


# ---------------------------------------------------------------------------------------------------- measuring


@dataclass
class Row:
    rpc: str
    paired: Any  # runner.Paired: calls/s of ours (a) and echo (b)
    size: int  # bytes of the answer (the response, or the status details)


def prime(echo: grpc.Channel, rpc: str, answer: Message | status_pb2.Status) -> int:
    """Make the echo answer ``rpc`` with ``answer`` (a response, or a google.rpc.Status to fail with); its size."""
    kind = b"error" if isinstance(answer, status_pb2.Status) else b"ok"
    body = answer.SerializeToString()
    echo.unary_unary(PRIME)(rpc.encode() + b"\0" + kind + b"\0" + body, timeout=30)
    return len(body)


@dataclass
class Bench:
    world: World
    ours: grpc.Channel
    echo: grpc.Channel
    rows: list[Row] = field(default_factory=list)

    def prime(self, rpc: str, answer: Message | status_pb2.Status) -> int:
        return prime(self.echo, rpc, answer)

    def run(self, rpc: str, budget: float) -> Row:
        case = self.world.cases[rpc]
        metadata = self.world.metadata(case.who)
        ours_call = getattr(chat_service_pb2_grpc.ChatServiceStub(self.ours), rpc)
        echo_call = getattr(chat_service_pb2_grpc.ChatServiceStub(self.echo), rpc)
        (sample,) = case.make(1)
        try:
            answer: Message | status_pb2.Status = ours_call(sample, metadata=metadata, timeout=30)
        except grpc.RpcError as error:
            if error.code() != case.fails:
                raise RuntimeError(f"{rpc} failed: {error.code()} {error.details()}") from None
            answer = status_pb2.Status(code=error.code().value[0], message=error.details() or "")
            for key, value in error.trailing_metadata() or ():
                if key == "grpc-status-details-bin":
                    answer = status_pb2.Status.FromString(value)
        else:
            if case.fails is not None:
                raise RuntimeError(f"{rpc} answered where {case.fails} was expected")
            if case.after:
                case.after([answer])
        size = self.prime(rpc, answer)

        def call(stub_call: Any, requests: list[Message]) -> list[Any]:
            out = []
            for request in requests:
                try:
                    out.append(stub_call(request, metadata=metadata, timeout=30))
                except grpc.RpcError as error:
                    if error.code() != case.fails:
                        raise RuntimeError(f"{rpc} failed: {error.code()} {error.details()}") from None
            return out

        def ours(n: int) -> float:
            requests = case.make(n)
            start = time.perf_counter()
            answers = call(ours_call, requests)
            elapsed = time.perf_counter() - start
            if case.after:
                case.after(answers)
            return n / elapsed

        def echo(n: int) -> float:
            requests = [sample] * n
            start = time.perf_counter()
            answers = call(echo_call, requests)
            elapsed = time.perf_counter() - start
            if case.fails is None and answers[-1] != answer:
                raise RuntimeError(f"the echo answered another {rpc}")
            return n / elapsed

        paired = compare(ours, echo, budget=budget, probe=30, min_calls=10, max_calls=case.max_calls)
        row = Row(rpc, paired, size)
        self.rows.append(row)
        return row


def report(rows: list[Row], seconds: float) -> Table:
    table = Table()
    for row in rows:
        goal = at_least(READ_GOAL if is_read(row.rpc) else WRITE_GOAL)
        p = row.paired
        ours, echo = sorted(p.a)[len(p.a) // 2], sorted(p.b)[len(p.b) // 2]
        table.ratio(f"{row.rpc} ({ours:,.0f} vs {echo:,.0f} calls/s, {row.size:,} B)", p, goal)
    rounds = sorted(r.paired.rounds for r in rows)
    table.notes.append(
        f"{len(rows)} RPCs, ours / echo calls/s (median of paired ratios; rounds per RPC {rounds[0]}-{rounds[-1]}); "
        f"reads (Get/List/Search/Find) >= {READ_GOAL}, others >= {WRITE_GOAL}. {seconds:.0f} s."
    )
    return table


def chosen(only: str | None) -> list[str]:
    names = [rpc.name for rpc in RPCS]
    if not only:
        return names
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unknown = set(wanted) - set(names)
    if unknown:
        raise SystemExit(f"unknown RPCs: {sorted(unknown)}")
    return wanted


# ---------------------------------------------------------------------------------------------------- profile


class DirectDoor:
    face = "grpc"

    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def wait(self, seconds: float) -> str | None:
        time.sleep(seconds)
        return None


def direct(names: list[str], calls: int, profiled: bool) -> None:
    """N direct ``ChatCore.serve`` calls per RPC (no gRPC) in this process, on the same seeded workspace: with
    ``profiled``, one batch under cProfile and its top frames; else the median µs per call of 5 batches, as a
    table (the core's own cost per RPC: handler, store, codec and the per-call pipeline)."""
    table = Table()
    with (
        ChatServer(seed=18, rest=False) as chat,
        servers(chat) as people,
        grpc.insecure_channel(people.address) as channel,
    ):
        world = World(people, channel)
        world.build()
        for rpc in names:
            case = world.cases[rpc]
            door = DirectDoor(world.metadata(case.who))
            size = min(calls, case.max_calls)

            def run(requests: list[Message], rpc: str = rpc, door: DirectDoor = door, case: Case = case) -> float:
                out = []
                start = time.perf_counter()
                for request in requests:
                    try:
                        out.append(chat.core.serve(rpc, request, door))
                    except Exception:
                        if case.fails is None:
                            raise
                elapsed = time.perf_counter() - start
                if case.after:
                    case.after(out)
                return elapsed / len(requests) * 1e6

            run(case.make(size))  # warm-up
            if profiled:
                requests = case.make(size)
                profiler = cProfile.Profile()
                profiler.enable()
                elapsed = run(requests)
                profiler.disable()
                print(f"\n=== {rpc}: {elapsed:.0f} µs per direct call (profiled)")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
            else:
                times = [run(case.make(size)) for _ in range(5)]
                table.measured(f"{rpc}, µs per direct call", [t / 1000 for t in times], "ms")
                table.rows[-1] = (table.rows[-1][0], f"{statistics.median(times):,.1f} µs", table.rows[-1][2], "")
                print(f"{rpc}: {statistics.median(times):.1f} µs", flush=True)
    if not profiled:
        table.notes.append(f"Median of 5 batches of up to {calls} calls each (ChatCore.serve, no gRPC).")
        table.print()


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, 2.0, "per RPC (52 RPCs: ~2x that in all, plus the seeding)")
    parser.add_argument("--only", help="comma-separated RPC names (default: every RPC of the service)")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N direct calls per RPC instead")
    parser.add_argument("--direct", type=int, metavar="N", help="time N direct calls per RPC (no gRPC) instead")
    args = parser.parse_args(argv)
    names = chosen(args.only)
    if args.profile or args.direct:
        direct(names, args.profile or args.direct, profiled=bool(args.profile))
        return 0
    started = time.perf_counter()
    banner("chat-grpc: every RPC, ours vs echo on the same server stack")
    with (
        server_process(servers, "bench-rpcs") as people,
        grpc.insecure_channel(people.address) as ours,
        grpc.insecure_channel(people.echo) as echo,
    ):
        if True:
            world = World(people, ours)
            world.build()
            missing = {rpc.name for rpc in RPCS} - set(world.cases)
            if missing:
                raise RuntimeError(f"RPCs without a case: {sorted(missing)}")
            bench = Bench(world, ours, echo)
            for i, rpc in enumerate(names, 1):
                row = bench.run(rpc, args.budget)
                print(f"[{i}/{len(names)}] {rpc}: {row.paired.ratio:.3f}", flush=True)
    report(bench.rows, time.perf_counter() - started).print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
