"""One process with Google's ``google-apps-chat`` and chat-grpc, imported in the order given on the command line
(``google-first`` or ``chat-grpc-first``); then the in-process ChatServer serves Google's sync and asyncio
clients over real gRPC channels, beside the facade. Prints a JSON summary; any failure exits non-zero.

Runs in .venv-coexist (tests/coexist/test_coexist.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

ORDER = sys.argv[1]
summary: dict[str, object] = {"order": ORDER}

started = time.perf_counter()
if ORDER == "google-first":
    from google.apps import card_v1, chat_v1

    import chat_grpc
    import chat_grpc.testing.pytest_plugin
    from chat_grpc.server import ChatServer
elif ORDER == "chat-grpc-first":
    import chat_grpc
    import chat_grpc.testing.pytest_plugin
    from chat_grpc.server import ChatServer

    # chat-grpc's stubs imported Google's packages first, because they are installed
    summary["google_loaded_by_the_stubs"] = "google.apps.chat_v1" in sys.modules
    from google.apps import card_v1, chat_v1
else:
    raise SystemExit(f"unknown order {ORDER!r}")
summary["import_seconds"] = round(time.perf_counter() - started, 3)

import grpc  # noqa: E402
from google.api import annotations_pb2  # noqa: E402
from google.api_core import exceptions as api_exceptions  # noqa: E402
from google.apps.chat_v1.services.chat_service.transports import (  # noqa: E402
    ChatServiceGrpcAsyncIOTransport,
    ChatServiceGrpcTransport,
)
from google.chat.v1 import chat_service_pb2, message_pb2, space_pb2  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (  # noqa: E402
    ProtoReflectionDescriptorDatabase,
)

service = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
summary["descriptors"] = {
    "ours": space_pb2.Space.DESCRIPTOR.full_name,
    "ours_file": space_pb2.Space.DESCRIPTOR.file.name,
    "google": chat_v1.Space.pb().DESCRIPTOR.full_name,
    "service": service.full_name,
    "create_message_http": service.methods_by_name["CreateMessage"].GetOptions().Extensions[annotations_pb2.http].post,
    "methods": len(service.methods),
}

with ChatServer() as chat:
    alice = chat.store.add_user("alice@example.com", is_admin=True)
    bob = chat.store.add_user("bob@example.com")

    # Google's sync client, gRPC transport, google-auth credentials over a local (plaintext) channel
    channel = ChatServiceGrpcTransport.create_channel(
        chat.address, credentials=chat.credentials_for(alice), ssl_credentials=grpc.local_channel_credentials()
    )
    google = chat_v1.ChatServiceClient(transport=ChatServiceGrpcTransport(channel=channel))
    space = google.create_space(
        space=chat_v1.Space(space_type=chat_v1.Space.SpaceType.SPACE, display_name="Coexistence")
    )
    posted = google.create_message(parent=space.name, message=chat_v1.Message(text="hello from google-apps-chat"))
    # a card (google.apps.card.v1 on both sides) goes out with app authentication
    bot = chat_grpc.testing.pytest_plugin.ChatFactory(chat).app("Release bot")
    chat_grpc.testing.pytest_plugin.ChatFactory(chat).membership(space.name, bot, by=alice)
    bot_channel = ChatServiceGrpcTransport.create_channel(
        chat.address, credentials=chat.credentials_for(bot), ssl_credentials=grpc.local_channel_credentials()
    )
    as_bot = chat_v1.ChatServiceClient(transport=ChatServiceGrpcTransport(channel=bot_channel))
    card = card_v1.Card(header=card_v1.Card.CardHeader(title="Release"))
    carded = as_bot.create_message(
        parent=space.name, message=chat_v1.Message(text="card", cards_v2=[chat_v1.CardWithId(card_id="c", card=card)])
    )
    listed = [m.text for m in google.list_messages(parent=space.name)]
    try:
        google.get_space(name="spaces/nope")
        not_found = "no error"
    except api_exceptions.NotFound as error:
        not_found = type(error).__name__

    # the facade, same server, same process
    with chat_grpc.ChatClient.for_emulator(chat.address, token=chat.token_for(alice)) as facade:
        ours = facade.get_message(name=carded.name)
        facade.create_message(parent=space.name, message={"text": "hello from chat_grpc"})
        # the computed update_mask leaves out output-only fields: field_behavior options are intact, and the
        # well-known types are the standard classes (timestamp_pb2.Timestamp)
        fetched = facade.get_space(name=space.name)
        change = space_pb2.Space(name=space.name, display_name="Both clients", create_time=fetched.create_time)
        facade_update = facade.update_space(space=change)
        computed_mask = list(chat.journal.last("UpdateSpace").request.update_mask.paths)

    # Google's asyncio client
    async def async_flow() -> list[str]:
        aio_channel = ChatServiceGrpcAsyncIOTransport.create_channel(
            chat.address, credentials=chat.credentials_for(bob), ssl_credentials=grpc.local_channel_credentials()
        )
        client = chat_v1.ChatServiceAsyncClient(transport=ChatServiceGrpcAsyncIOTransport(channel=aio_channel))
        try:
            await client.get_space(name=space.name)
            return ["member?"]
        except api_exceptions.NotFound:
            pass  # bob is not a member yet
        google.create_membership(  # alice adds bob (sync client, same process)
            parent=space.name, membership=chat_v1.Membership(member=chat_v1.User(name=bob.name, type_="HUMAN"))
        )
        pager = await client.list_messages(parent=space.name)
        texts = [m.text async for m in pager]
        await aio_channel.close()
        return texts

    async_listed = asyncio.run(async_flow())

    # server reflection still answers with the API's own names
    database = ProtoReflectionDescriptorDatabase(grpc.insecure_channel(chat.address))
    reflected = database.FindFileContainingSymbol("google.chat.v1.Space").name

    summary["flow"] = {
        "listed": listed,
        "card_title": ours.cards_v2[0].card.header.title,
        "facade_sees_sender": ours.sender.name == bot.name,
        "facade_update_display_name": facade_update.display_name,
        "facade_update_mask": computed_mask,
        "async_listed": async_listed,
        "not_found": not_found,
        "journal": [c.method for c in chat.journal.calls()],
        "reflected_file": reflected,
    }
    # JSON crosses between the two type systems unchanged
    ours_json = json_format.MessageToJson(message_pb2.Message(text="x", name=posted.name))
    summary["json_round_trip"] = chat_v1.Message.from_json(ours_json).name == posted.name
    channel.close()
    bot_channel.close()

print(json.dumps(summary))
