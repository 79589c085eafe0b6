"""Google's ``googleapiclient`` (the discovery-based client, unmodified) against a real REST listener.

The static discovery document shipped inside ``google-api-python-client`` is the list of what the client can
call. Each of its methods is mapped to one of our RPCs by HTTP method and path (its ``flatPath`` with sample ids,
matched against the route table derived from our ``google.api.http`` rules); every method whose RPC our
contract has is called here, meaningfully (create, then get / list / update / delete, and the response fields
checked), and the methods whose RPC we do not have yet are listed by name in ``NOT_IN_OUR_CONTRACT`` — never
skipped silently. When an RPC is added to the protos, ``test_the_discovery_document_maps_onto_our_contract``
fails until its discovery method gets an exercise below (and leaves the list).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import googleapiclient
import pytest
from google.chat.v1 import chat_service_pb2
from googleapiclient.discovery import Resource, build, build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest, MediaInMemoryUpload

from chat_grpc.doors.rest.routes import RouteTable, service_routes
from chat_grpc.fake.store import App, User
from chat_grpc.server import ChatServer
from chat_grpc.testing.factory import ChatFactory
from tests.server.test_custom_emojis import png

SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "chat.v1.json"

# Discovery methods (of the static document) whose RPC is not in our contract yet, with that RPC.
NOT_IN_OUR_CONTRACT = {
    "chat.media.download": "media download (no ChatService RPC; served by the door's media endpoint, exercised below)",
    "chat.spaces.messages.replaceCards": "ReplaceCards (in the discovery document, not in Google's ChatService)",
}


def discovery_methods() -> dict[str, dict[str, Any]]:
    """Every method of the static discovery document, by id (``chat.spaces.messages.create``)."""
    document = json.loads(DISCOVERY.read_text())

    def walk(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for resource in resources.values():
            yield from resource.get("methods", {}).values()
            yield from walk(resource.get("resources", {}))

    return {method["id"]: method for method in walk(document["resources"])}


def rpc_of(method: dict[str, Any], table: RouteTable) -> str | None:
    """Our RPC for a discovery method: its verb and its flat path, sample ids filled in, through our routes."""
    path = "/" + re.sub(r"\{(\w+?)(Id)?\}", lambda m: f"{m.group(1)}-1", method["flatPath"])
    found, _ = table.find(method["httpMethod"], path)
    return found.route.rpc if found is not None else None


TABLE = RouteTable(service_routes(SERVICE))
METHODS = discovery_methods()
CALLABLE = {mid: rpc for mid, m in METHODS.items() if (rpc := rpc_of(m, TABLE)) is not None}

# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


class People:
    def __init__(self, chat: ChatServer) -> None:
        self.factory = ChatFactory(chat)
        self.alice: User = self.factory.user("alice@example.com", admin=True)
        self.bob: User = self.factory.user("bob@example.com")
        self.carol: User = self.factory.user("carol@example.com")
        self.app: App = self.factory.app("Helper")


@pytest.fixture
def people(chat: ChatServer) -> People:
    chat.reset()
    return People(chat)


class Recorder:
    """Executes discovery requests and remembers which discovery methods were called."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    def __call__(self, request: HttpRequest) -> Any:
        self.called.add(request.methodId)
        return request.execute(num_retries=0)


def service(chat: ChatServer, who: User | App) -> Resource:
    return build(
        "chat",
        "v1",
        static_discovery=True,
        client_options={"api_endpoint": chat.rest_url},
        credentials=chat.credentials_for(who),
        cache_discovery=False,
    )


# ------------------------------------------------------------------ the mapping


def test_the_discovery_document_maps_onto_our_contract() -> None:
    with_rules = {r.rpc for r in TABLE.routes}
    assert len(with_rules) == len(SERVICE.methods)  # every RPC of ours has an HTTP rule
    assert set(CALLABLE.values()) == with_rules  # ... and a discovery method calling it
    missing = set(METHODS) - set(CALLABLE)
    assert missing == set(NOT_IN_OUR_CONTRACT), (
        f"served now, drop from NOT_IN_OUR_CONTRACT: {sorted(set(NOT_IN_OUR_CONTRACT) - missing)};"
        f" not served and not listed: {sorted(missing - set(NOT_IN_OUR_CONTRACT))}"
    )
    assert set(CALLABLE) == set().union(*EXERCISES.values()), "every callable discovery method needs an exercise"


# ------------------------------------------------------------------ the exercises, by area


def exercise_spaces(chat: ChatServer, people: People, call: Recorder) -> None:
    chat_api = service(chat, people.alice).spaces()
    made = call(chat_api.create(body={"spaceType": "SPACE", "displayName": "Launch"}, requestId="req-1"))
    assert made["name"].startswith("spaces/") and made["spaceType"] == "SPACE" and made["displayName"] == "Launch"
    again = call(chat_api.create(body={"spaceType": "SPACE", "displayName": "Launch"}, requestId="req-1"))
    assert again["name"] == made["name"]  # request_id: the same space
    got = call(chat_api.get(name=made["name"]))
    assert got["name"] == made["name"] and got["createTime"].endswith("Z")
    patched = call(
        chat_api.patch(name=made["name"], updateMask="displayName,spaceDetails", body={
            "displayName": "Launch day", "spaceDetails": {"description": "go"}
        })
    )  # fmt: skip
    assert patched["displayName"] == "Launch day" and patched["spaceDetails"]["description"] == "go"
    listed = call(chat_api.list(filter='spaceType = "SPACE"'))
    assert [s["displayName"] for s in listed["spaces"]] == ["Launch day"]
    found = call(
        chat_api.search(useAdminAccess=True, query='customer = "customers/my_customer" AND spaceType = "SPACE"')
    )
    assert [s["name"] for s in found["spaces"]] == [made["name"]] and found["totalSize"] == 1
    gone = call(chat_api.delete(name=made["name"]))
    assert gone == {}
    with pytest.raises(HttpError) as raised:
        call(chat_api.get(name=made["name"]))
    assert raised.value.status_code == 404


def exercise_setup_and_direct_messages(chat: ChatServer, people: People, call: Recorder) -> None:
    spaces = service(chat, people.alice).spaces()
    body = {
        "space": {"spaceType": "DIRECT_MESSAGE"},
        "memberships": [{"member": {"name": people.bob.name, "type": "HUMAN"}}],
    }
    dm = call(spaces.setup(body=body))
    assert dm["spaceType"] == "DIRECT_MESSAGE"
    found = call(spaces.findDirectMessage(name="users/bob@example.com"))
    assert found["name"] == dm["name"]


def exercise_import(chat: ChatServer, people: People, call: Recorder) -> None:
    spaces = service(chat, people.alice).spaces()
    body = {"spaceType": "SPACE", "displayName": "Archive", "importMode": True, "createTime": "2020-01-02T03:04:05Z"}
    imported = call(spaces.create(body=body))
    assert imported["importMode"] is True and imported["createTime"] == "2020-01-02T03:04:05Z"
    done = call(spaces.completeImport(name=imported["name"], body={}))
    assert done["space"]["name"] == imported["name"] and "importMode" not in done["space"]


def exercise_members(chat: ChatServer, people: People, call: Recorder) -> None:
    api = service(chat, people.alice).spaces()
    space = call(api.create(body={"spaceType": "SPACE", "displayName": "Crew"}))["name"]
    added = []
    for person in (people.bob, people.carol):
        made = call(api.members().create(parent=space, body={"member": {"name": person.name, "type": "HUMAN"}}))
        assert made["member"]["name"] == person.name and made["state"] == "JOINED" and made["role"] == "ROLE_MEMBER"
        added.append(made["name"])
    got = call(api.members().get(name=added[0]))
    assert got["name"] == added[0]
    promoted = call(api.members().patch(name=added[0], updateMask="role", body={"role": "ROLE_MANAGER"}))
    assert promoted["role"] == "ROLE_MANAGER"
    names = walk_pages(call, api.members(), "memberships", parent=space, pageSize=1)
    assert len(names) == 3 and set(added) <= set(names)  # alice, bob, carol, one per page through list_next
    managers = call(api.members().list(parent=space, filter='role = "ROLE_MANAGER"'))
    assert {m["member"]["name"] for m in managers["memberships"]} == {people.alice.name, people.bob.name}
    removed = call(api.members().delete(name=added[1]))
    assert removed["name"] == added[1]


def walk_pages(call: Recorder, collection: Any, key: str, **kwargs: Any) -> list[str]:
    """Every item name of a list method, page by page with ``list_next``."""
    names: list[str] = []
    request = collection.list(**kwargs)
    pages = 0
    while request is not None:
        page = call(request)
        pages += 1
        assert len(page.get(key, [])) <= kwargs.get("pageSize", 1000)
        names += [item["name"] for item in page.get(key, [])]
        request = collection.list_next(request, page)
    assert pages >= 2 or len(names) <= kwargs.get("pageSize", 1000)
    return names


def exercise_messages(chat: ChatServer, people: People, call: Recorder) -> None:
    api = service(chat, people.alice).spaces()
    space = call(api.create(body={"spaceType": "SPACE", "displayName": "Talk"}))["name"]
    messages = api.messages()
    first = call(messages.create(parent=space, body={"text": "hello"}, messageId="client-first"))
    assert first["text"] == "hello" and first["clientAssignedMessageId"] == "client-first"
    assert first["sender"]["name"] == people.alice.name and first["sender"]["type"] == "HUMAN"
    reply = call(
        messages.create(
            parent=space,
            body={"text": "reply", "thread": {"name": first["thread"]["name"]}},
            messageReplyOption="REPLY_MESSAGE_OR_FAIL",
        )
    )
    assert reply["thread"]["name"] == first["thread"]["name"] and reply["threadReply"] is True
    for n in range(3):
        call(messages.create(parent=space, body={"text": f"note {n}"}))
    got = call(messages.get(name=f"{space}/messages/client-first"))  # the client-assigned id works as a name
    assert got["name"] == first["name"]
    put = call(messages.update(name=first["name"], updateMask="text", body={"text": "hello, world"}))
    assert put["text"] == "hello, world" and "lastUpdateTime" in put
    patched = call(messages.patch(name=first["name"], updateMask="text", body={"text": "hello again"}))
    assert patched["text"] == "hello again"
    names = walk_pages(call, messages, "messages", parent=space, pageSize=2, orderBy="createTime desc")
    assert len(names) == 5 and names[-1] == first["name"]
    last = call(messages.delete(name=names[0]))
    assert last == {}
    with pytest.raises(HttpError) as raised:  # a thread's first message with replies
        call(messages.delete(name=first["name"]))
    assert raised.value.status_code == 400 and raised.value.error_details[0]["reason"] == "MESSAGE_HAS_REPLIES"
    assert call(messages.delete(name=first["name"], force=True)) == {}


def exercise_attachments(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Files", members=[people.app])
    token = chat.store.messages.upload(space.name.removeprefix("spaces/"), "plan.pdf", "application/pdf")
    body = {"text": "the plan", "attachment": [{"attachmentDataRef": {"attachmentUploadToken": token}}]}
    posted = call(service(chat, people.alice).spaces().messages().create(parent=space.name, body=body))
    attachment = posted["attachment"][0]
    got = call(service(chat, people.app).spaces().messages().attachments().get(name=attachment["name"]))
    assert got["contentName"] == "plan.pdf" and got["contentType"] == "application/pdf"
    assert got["source"] == "UPLOADED_CONTENT"


def media_service(chat: ChatServer, who: User | App) -> Resource:
    """A service whose media uploads reach the listener: googleapiclient builds upload URLs from the document's
    ``rootUrl`` (keeping its ``https`` when ``api_endpoint`` overrides the host), so the document says where."""
    document = json.loads(DISCOVERY.read_text())
    document["rootUrl"] = chat.rest_url + "/"
    return build_from_document(document, credentials=chat.credentials_for(who))


def exercise_media_chunks_and_access(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Files", members=[people.app])
    chat_api = media_service(chat, people.alice)
    data = bytes(range(256)) * 4096 + b"\r\n"  # 1 MB, every byte value, ending with a line break
    uploads = [
        MediaInMemoryUpload(data, mimetype="application/pdf", resumable=False),  # uploadType=multipart
        MediaInMemoryUpload(data, mimetype="application/pdf", resumable=True),  # resumable, one PUT
        MediaInMemoryUpload(data, mimetype="application/pdf", resumable=True, chunksize=256 * 1024),  # 4 chunks + 308s
    ]
    for number, media in enumerate(uploads):
        request = chat_api.media().upload(parent=space.name, body={"filename": f"plan{number}.pdf"}, media_body=media)
        call.called.add(request.methodId)
        uploaded = None
        while uploaded is None:
            _, uploaded = request.next_chunk() if media.resumable() else (None, request.execute(num_retries=0))
        ref = uploaded["attachmentDataRef"]
        assert ref["resourceName"].startswith(f"{space.name}/attachments/") and ref["attachmentUploadToken"]
        body = {"text": "the plan", "attachment": [{"attachmentDataRef": ref}]}
        posted = call(chat_api.spaces().messages().create(parent=space.name, body=body))
        attachments = service(chat, people.app).spaces().messages().attachments()
        got = call(attachments.get(name=posted["attachment"][0]["name"]))
        assert got["contentName"] == f"plan{number}.pdf" and got["contentType"] == "application/pdf"
        downloaded = chat_api.media().download_media(resourceName=got["attachmentDataRef"]["resourceName"])
        assert downloaded.execute(num_retries=0) == data
        assert downloaded.uri.startswith(chat.rest_url + "/v1/media/spaces/") and "alt=media" in downloaded.uri
    outsider = media_service(chat, people.carol)  # not a member: as if the upload were not there
    with pytest.raises(HttpError) as raised:
        outsider.media().download_media(resourceName=ref["resourceName"]).execute(num_retries=0)
    assert raised.value.status_code == 404


def exercise_reactions(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Fun", members=[people.bob])
    message = people.factory.message(space, people.alice, "ship it")
    made = []
    for who, emoji in ((people.alice, "👍"), (people.bob, "👍"), (people.bob, "🎉")):
        reactions = service(chat, who).spaces().messages().reactions()
        reaction = call(reactions.create(parent=message.name, body={"emoji": {"unicode": emoji}}))
        assert reaction["emoji"]["unicode"] == emoji and reaction["user"]["name"] == who.name
        made.append(reaction["name"])
    reactions = service(chat, people.alice).spaces().messages().reactions()
    names = walk_pages(call, reactions, "reactions", parent=message.name, pageSize=2)
    assert sorted(names) == sorted(made)
    thumbs = call(reactions.list(parent=message.name, filter='emoji.unicode = "👍"'))
    assert len(thumbs["reactions"]) == 2
    assert call(reactions.delete(name=made[0])) == {}
    after = call(service(chat, people.alice).spaces().messages().get(name=message.name))
    counts = {s["emoji"]["unicode"]: s["reactionCount"] for s in after["emojiReactionSummaries"]}
    assert counts == {"👍": 1, "🎉": 1}


def exercise_custom_emojis(chat: ChatServer, people: People, call: Recorder) -> None:
    emojis = service(chat, people.alice).customEmojis()
    payload = {"fileContent": base64.b64encode(png()).decode(), "filename": "party.png"}
    made = call(emojis.create(body={"emojiName": ":party-time:", "payload": payload}))
    assert made["name"].startswith("customEmojis/") and made["emojiName"] == ":party-time:" and "payload" not in made
    got = call(emojis.get(name="customEmojis/:party-time:"))  # the alias
    assert got["uid"] == made["uid"] and got["temporaryImageUri"].startswith("https://")
    listed = call(emojis.list(filter='creator("users/me")'))
    assert [e["name"] for e in listed["customEmojis"]] == [made["name"]]
    assert call(emojis.delete(name=made["name"])) == {}


def exercise_read_states_and_settings(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Reading", members=[people.bob])
    message = people.factory.message(space, people.bob, "read me")
    space_id = space.name.removeprefix("spaces/")
    users = service(chat, people.alice).users().spaces()
    state_name = f"users/me/spaces/{space_id}/spaceReadState"
    state = call(users.getSpaceReadState(name=state_name))
    assert state["name"] == f"{people.alice.name}/spaces/{space_id}/spaceReadState"
    moved = call(
        users.updateSpaceReadState(name=state_name, updateMask="lastReadTime", body={
            "lastReadTime": "2099-01-01T00:00:00Z"
        })
    )  # fmt: skip
    assert moved["lastReadTime"].endswith("Z")
    thread_id = message.thread.name.rsplit("/", 1)[-1]
    thread = call(
        users.threads().getThreadReadState(name=f"users/me/spaces/{space_id}/threads/{thread_id}/threadReadState")
    )
    assert thread["name"] == f"{people.alice.name}/spaces/{space_id}/threads/{thread_id}/threadReadState"
    setting_name = f"users/me/spaces/{space_id}/spaceNotificationSetting"
    setting = call(users.spaceNotificationSetting().get(name=setting_name))
    assert setting["notificationSetting"] in ("ALL", "MAIN_CONVERSATIONS", "FOR_YOU", "OFF")
    changed = call(
        users.spaceNotificationSetting().patch(
            name=setting_name, updateMask="muteSetting", body={"muteSetting": "MUTED"}
        )
    )
    assert changed["muteSetting"] == "MUTED"


def exercise_space_events(chat: ChatServer, people: People, call: Recorder) -> None:
    api = service(chat, people.alice).spaces()
    space = call(api.create(body={"spaceType": "SPACE", "displayName": "Events"}))["name"]
    for n in range(3):
        call(api.messages().create(parent=space, body={"text": f"m{n}"}))
    events = api.spaceEvents()
    kind = "google.workspace.chat.message.v1.created"
    names = walk_pages(call, events, "spaceEvents", parent=space, filter=f'event_types:"{kind}"', pageSize=2)
    assert len(names) == 3
    event = call(events.get(name=names[0]))
    assert event["eventType"] == kind and event["messageCreatedEventData"]["message"]["text"] == "m0"


def exercise_pins_and_search(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Pins", members=[people.bob])
    api = service(chat, people.alice).spaces()
    first = call(api.messages().create(parent=space.name, body={"text": "launch plan for friday"}))
    second = call(api.messages().create(parent=space.name, body={"text": "lunch menu"}))
    pins = api.messagePins()
    pinned = [call(pins.create(parent=space.name, body={"message": m["name"]})) for m in (first, second)]
    assert [p["message"] for p in pinned] == [first["name"], second["name"]]
    listed = walk_pages(call, pins, "messagePins", parent=space.name, pageSize=1)
    assert listed == [p["name"] for p in pinned]
    assert call(pins.delete(name=pinned[0]["name"])) == {}
    assert [p["message"] for p in call(pins.list(parent=space.name))["messagePins"]] == [second["name"]]
    found = call(api.messages().search(parent="spaces/-", body={"filter": "launch"}))
    assert [r["message"]["text"] for r in found["results"]] == ["launch plan for friday"]


def exercise_group_chats(chat: ChatServer, people: People, call: Recorder) -> None:
    spaces = service(chat, people.alice).spaces()
    body = {
        "space": {"spaceType": "GROUP_CHAT"},
        "memberships": [{"member": {"name": u.name, "type": "HUMAN"}} for u in (people.bob, people.carol)],
    }
    group = call(spaces.setup(body=body))
    found = call(spaces.findGroupChats(users=[people.alice.name, people.bob.name, people.carol.name]))
    assert [s["name"] for s in found["spaces"]] == [group["name"]]


def exercise_sections(chat: ChatServer, people: People, call: Recorder) -> None:
    space = people.factory.space(people.alice, "Sorted", members=[people.bob])
    sections = service(chat, people.bob).users().sections()
    work = call(sections.create(parent="users/me", body={"displayName": "Work", "type": "CUSTOM_SECTION"}))
    assert work["displayName"] == "Work" and work["type"] == "CUSTOM_SECTION"
    renamed = call(sections.patch(name=work["name"], updateMask="displayName", body={"displayName": "Day job"}))
    assert renamed["displayName"] == "Day job"
    moved = call(sections.position(name=work["name"], body={"relativePosition": "START"}))
    assert moved["section"]["sortOrder"] == 1
    listed = call(sections.list(parent="users/me"))["sections"]
    assert listed[0]["name"] == work["name"]
    items = call(sections.items().list(parent="users/me/sections/default-spaces"))["sectionItems"]
    assert [i["space"] for i in items] == [space.name]
    space_id = space.name.removeprefix("spaces/")
    call(sections.items().move(name=f"users/me/sections/default-spaces/items/{space_id}", body={
        "targetSection": work["name"]
    }))  # fmt: skip
    assert [i["space"] for i in call(sections.items().list(parent=work["name"]))["sectionItems"]] == [space.name]
    assert call(sections.delete(name=work["name"])) == {}


def exercise_availability(chat: ChatServer, people: People, call: Recorder) -> None:
    availability = service(chat, people.bob).users().availability()
    name = "users/me/availability"
    assert call(availability.get(name=name))["state"] == "ACTIVE"
    assert call(availability.markAsDoNotDisturb(name=name, body={"ttl": "1800s"}))["state"] == "DO_NOT_DISTURB"
    assert call(availability.markAsAway(name=name, body={}))["state"] == "AWAY"
    assert call(availability.markAsActive(name=name, body={}))["state"] == "ACTIVE"
    status = {"text": "Travelling", "emoji": {"unicode": "✈️"}}
    patched = call(availability.patch(name=name, updateMask="customStatus", body={"customStatus": status}))
    assert patched["customStatus"]["text"] == "Travelling"


def exercise_media(chat: ChatServer, people: People, call: Recorder) -> None:
    from googleapiclient.http import MediaInMemoryUpload

    space = people.factory.space(people.alice, "Uploads", members=[people.bob])
    # googleapiclient sends media uploads to the document's rootUrl with only its host replaced by api_endpoint,
    # so https stays: against the plain-HTTP emulator, give it a document whose rootUrl is the emulator's.
    document = json.loads(DISCOVERY.read_text())
    document["rootUrl"] = chat.rest_url + "/"
    api = build_from_document(document, credentials=chat.credentials_for(people.alice))
    data = b"%PDF-1.7 the plan"
    for resumable in (False, True):  # googleapiclient's multipart upload, and its resumable protocol
        media = MediaInMemoryUpload(data, mimetype="application/pdf", resumable=resumable)
        uploaded = call(api.media().upload(parent=space.name, body={"filename": "plan.pdf"}, media_body=media))
        ref = uploaded["attachmentDataRef"]
        assert ref["resourceName"].startswith(f"{space.name}/attachments/")
    body = {"text": "the plan", "attachment": [{"attachmentDataRef": ref}]}
    posted = call(api.spaces().messages().create(parent=space.name, body=body))
    attachment = posted["attachment"][0]
    assert attachment["contentName"] == "plan.pdf" and attachment["contentType"] == "application/pdf"
    downloaded = (
        service(chat, people.bob).media().download_media(resourceName=attachment["attachmentDataRef"]["resourceName"])
    )
    assert downloaded.execute() == data  # alt=media: the bytes as uploaded


EXERCISES: dict[Callable[[ChatServer, People, Recorder], None], set[str]] = {
    exercise_spaces: {
        "chat.spaces.create", "chat.spaces.get", "chat.spaces.patch", "chat.spaces.list", "chat.spaces.search",
        "chat.spaces.delete",
    },
    exercise_setup_and_direct_messages: {"chat.spaces.setup", "chat.spaces.findDirectMessage"},
    exercise_import: {"chat.spaces.create", "chat.spaces.completeImport"},
    exercise_members: {
        "chat.spaces.create", "chat.spaces.members.create", "chat.spaces.members.get", "chat.spaces.members.patch",
        "chat.spaces.members.list", "chat.spaces.members.delete",
    },
    exercise_messages: {
        "chat.spaces.create", "chat.spaces.messages.create", "chat.spaces.messages.get",
        "chat.spaces.messages.update", "chat.spaces.messages.patch", "chat.spaces.messages.list",
        "chat.spaces.messages.delete",
    },
    exercise_attachments: {"chat.spaces.messages.create", "chat.spaces.messages.attachments.get"},
    exercise_media_chunks_and_access: {
        "chat.media.upload", "chat.spaces.messages.create", "chat.spaces.messages.attachments.get",
    },
    exercise_reactions: {
        "chat.spaces.messages.reactions.create", "chat.spaces.messages.reactions.list",
        "chat.spaces.messages.reactions.delete", "chat.spaces.messages.get",
    },
    exercise_custom_emojis: {
        "chat.customEmojis.create", "chat.customEmojis.get", "chat.customEmojis.list", "chat.customEmojis.delete",
    },
    exercise_read_states_and_settings: {
        "chat.users.spaces.getSpaceReadState", "chat.users.spaces.updateSpaceReadState",
        "chat.users.spaces.threads.getThreadReadState", "chat.users.spaces.spaceNotificationSetting.get",
        "chat.users.spaces.spaceNotificationSetting.patch",
    },
    exercise_space_events: {
        "chat.spaces.create", "chat.spaces.messages.create", "chat.spaces.spaceEvents.list",
        "chat.spaces.spaceEvents.get",
    },
    exercise_pins_and_search: {
        "chat.spaces.messages.create", "chat.spaces.messagePins.create", "chat.spaces.messagePins.list",
        "chat.spaces.messagePins.delete", "chat.spaces.messages.search",
    },
    exercise_group_chats: {"chat.spaces.setup", "chat.spaces.findGroupChats"},
    exercise_sections: {
        "chat.users.sections.create", "chat.users.sections.patch", "chat.users.sections.position",
        "chat.users.sections.list", "chat.users.sections.items.list", "chat.users.sections.items.move",
        "chat.users.sections.delete",
    },
    exercise_availability: {
        "chat.users.availability.get", "chat.users.availability.markAsDoNotDisturb",
        "chat.users.availability.markAsAway", "chat.users.availability.markAsActive",
        "chat.users.availability.patch",
    },
    exercise_media: {"chat.media.upload", "chat.spaces.messages.create"},
}  # fmt: skip


@pytest.mark.parametrize("exercise", list(EXERCISES), ids=lambda f: f.__name__.removeprefix("exercise_"))
def test_discovery_methods(
    chat: ChatServer, people: People, exercise: Callable[[ChatServer, People, Recorder], None]
) -> None:
    call = Recorder()
    exercise(chat, people, call)
    assert call.called == EXERCISES[exercise]
    for method_id in call.called:  # each went through the REST face of the core and succeeded at least once
        rpc = CALLABLE[method_id]
        assert any(c.face == "rest" and c.code == "OK" for c in chat.journal.calls(rpc)), rpc


# ------------------------------------------------------------------ fields, errors


def test_partial_responses_with_fields(chat: ChatServer, people: People) -> None:
    api = service(chat, people.alice).spaces()
    for n in range(3):
        api.create(body={"spaceType": "SPACE", "displayName": f"F{n}"}).execute()
    page = api.list(pageSize=2, fields="spaces(name,displayName),nextPageToken").execute()
    assert set(page) == {"spaces", "nextPageToken"}
    assert all(set(space) == {"name", "displayName"} for space in page["spaces"])
    rest = api.list_next(api.list(pageSize=2, fields="spaces(name,displayName),nextPageToken"), page).execute()
    assert [s["displayName"] for s in page["spaces"] + rest["spaces"]] == ["F0", "F1", "F2"]
    one = api.get(name=page["spaces"][0]["name"], fields="membershipCount/joinedDirectHumanUserCount").execute()
    assert one == {"membershipCount": {"joinedDirectHumanUserCount": 1}}


@pytest.mark.parametrize(
    ("make", "status", "reason"),
    [
        (lambda api: api.get(name="spaces/missing"), 404, "NOT_FOUND"),
        (lambda api: api.create(body={"spaceType": "SPACE"}), 400, None),  # no display name
        (lambda api: api.list(pageSize=-1), 400, None),
        (lambda api: api.search(query='customer = "customers/my_customer"'), 400, None),  # not as admin
    ],
    ids=["not-found", "invalid-argument", "negative-page-size", "search-without-admin-access"],
)
def test_errors_arrive_as_http_errors(
    chat: ChatServer, people: People, make: Callable[[Any], HttpRequest], status: int, reason: str | None
) -> None:
    with pytest.raises(HttpError) as raised:
        make(service(chat, people.alice).spaces()).execute(num_retries=0)
    error = raised.value
    assert error.status_code == status
    body = json.loads(error.content)["error"]
    assert body["code"] == status and error.reason == body["message"]
    if reason is not None:
        assert error.error_details[0]["reason"] == reason


def test_taken_names_and_permissions(chat: ChatServer, people: People) -> None:
    alice = service(chat, people.alice).spaces()
    alice.create(body={"spaceType": "SPACE", "displayName": "Taken"}).execute()
    with pytest.raises(HttpError) as taken:
        alice.create(body={"spaceType": "SPACE", "displayName": "Taken"}).execute()
    assert taken.value.status_code == 409
    assert json.loads(taken.value.content)["error"]["status"] == "ALREADY_EXISTS"
    readonly = build(
        "chat",
        "v1",
        static_discovery=True,
        client_options={"api_endpoint": chat.rest_url},
        credentials=chat.credentials_for(people.bob, scopes=["chat.spaces.readonly"]),
    )
    with pytest.raises(HttpError) as denied:
        readonly.spaces().create(body={"spaceType": "SPACE", "displayName": "Nope"}).execute()
    assert denied.value.status_code == 403
    assert denied.value.error_details[0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
