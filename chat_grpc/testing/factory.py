"""The test toolkit's builders: ``ChatFactory`` makes users, apps, groups, spaces, memberships, messages and
reactions straight in the store (no RPC, not journaled), and ``ChatUsers`` names people on demand. The pytest
plugin (``pytest_plugin.py``) hands them out as the ``chat_factory`` and ``chat_users`` fixtures.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.chat.v1 import (
        attachment_pb2,
        membership_pb2,
        message_pb2,
        message_pin_pb2,
        reaction_pb2,
        section_pb2,
        space_pb2,
    )

    from chat_grpc.fake.store import Actor, App, ChatStore, Group, MemberRef, User
    from chat_grpc.server import ChatServer
    from chat_grpc.workspace.seed import Workspace


class ChatFactory:
    """Builds people and resources directly in the store: no RPC, no journal entry, every store rule applies.

    People come back as store records (``User``/``App``/``Group``: ``.name``, ``.id``, ``.email``,
    ``.display_name``); resources as the protobuf messages the API returns (``space_pb2.Space``,
    ``membership_pb2.Membership``, ``message_pb2.Message``, ``reaction_pb2.Reaction``), so that they can be
    passed to the clients (``client.list_messages(parent=space)``) and compared with their answers. Wherever a
    person is expected, a record, an email or an id works; a space: a Space message, a record or its name.
    """

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self._numbers = itertools.count(1)

    @property
    def _store(self) -> ChatStore:
        return self.server.store

    # -------------------------------------------------------------- people

    def user(
        self,
        email: str | None = None,
        admin: bool = False,
        *,
        display_name: str | None = None,
        customer: str | None = None,
        auto_accept: bool = True,
        id: str | None = None,
    ) -> User:
        """A person (``user1@example.com``, ... when no email is given); ``admin``: a Workspace administrator."""
        email = email or f"user{next(self._numbers)}@example.com"
        found: User = self._store.add_user(
            email, display_name, user_id=id, customer=customer, is_admin=admin, auto_accept=auto_accept
        )
        return found

    def app(self, name: str | None = None, *, id: str | None = None, customer: str | None = None) -> App:
        """A Chat app; call as it with ``chat_client(app)`` (app authentication)."""
        made: App = self._store.add_app(name or f"App {next(self._numbers)}", app_id=id, customer=customer)
        return made

    def group(
        self, display_name: str | None = None, members: Iterable[User | str] = (), *, id: str | None = None
    ) -> Group:
        """A Google Group of users."""
        ids = [self._principal(m).id for m in members]
        made: Group = self._store.add_group(display_name or f"Group {next(self._numbers)}", ids, group_id=id)
        return made

    def workspace(self, source: str | Path | Mapping[str, Any]) -> Workspace:
        """Load a workspace file (or mapping) into the store, as ``seed.load_workspace``."""
        from chat_grpc.workspace.seed import load_workspace

        return load_workspace(self._store, source)

    # -------------------------------------------------------------- resources

    def space(
        self,
        creator: User | App | str,
        display_name: str | None = None,
        members: Iterable[User | App | Group | str] = (),
        *,
        space_type: str = "SPACE",
        description: str = "",
        guidelines: str = "",
        external_user_allowed: bool = False,
        announcement: bool = False,
    ) -> space_pb2.Space:
        """A space made by ``creator`` (its manager), then ``members`` added by the creator (INVITED when their
        auto-accept is off). ``space_type`` ``GROUP_CHAT`` / ``DIRECT_MESSAGE`` are set up with their members in
        one go, as SetUpSpace does (a DM with an app: ``members=[app]``). ``announcement``: only managers post."""
        from chat_grpc.fake.store import Space as SpaceRecord

        store = self._store
        who = self._principal(creator)
        actor = self._actor(who)
        space_type = space_type.upper()
        is_space = space_type == "SPACE"
        template = SpaceRecord(
            id="",
            space_type=space_type,
            display_name=(display_name or f"Space {next(self._numbers)}") if is_space else "",
            description=description,
            guidelines=guidelines,
            external_user_allowed=external_user_allowed,
            customer=who.customer if space_type != "DIRECT_MESSAGE" else None,
        )
        others = [self._member(m) for m in members]
        if is_space:
            predefined = "ANNOUNCEMENT_SPACE" if announcement else "COLLABORATION_SPACE"
            record = store.create_space(actor, template, predefined=predefined)
            for ref in others:
                store.create_membership(self._actor(who, app=ref.id if ref.kind == "BOT" else None), record.id, ref)
        else:
            bots = [ref for ref in others if ref.kind == "BOT"]
            if space_type == "DIRECT_MESSAGE" and bots and len(others) == 1:
                template.single_user_bot_dm = True
                record = store.set_up_space(self._actor(who, app=bots[0].id), template, [])
            else:
                record = store.set_up_space(actor, template, others)
        return self._space_proto(record.id)

    def membership(
        self,
        space: Any,
        member: User | App | Group | str,
        *,
        role: str | None = None,
        by: User | App | str | None = None,
    ) -> membership_pb2.Membership:
        """Add ``member`` to ``space``, as its creator (or ``by``) would with CreateMembership; ``role``
        ``ROLE_MANAGER`` promotes them afterwards."""
        from chat_grpc.fake import codec

        space_id = self._space_id(space)
        adder = self._principal(by) if by is not None else self._creator(space_id)
        ref = self._member(member)
        membership = self._store.create_membership(
            self._actor(adder, app=ref.id if ref.kind == "BOT" else None), space_id, ref
        )
        if role is not None:
            membership = self._store.update_membership_role(self._actor(adder), space_id, ref.id, role)
        return codec.membership_to_proto(membership)

    def message(
        self,
        space: Any,
        sender: User | App | str,
        text: str = "Hello",
        thread: Any = None,
        *,
        thread_key: str | None = None,
        client_id: str = "",
    ) -> message_pb2.Message:
        """A message posted by ``sender`` (a joined member). ``thread``: reply in the thread of that message (a
        Message, a Thread or a thread name); ``thread_key``: reply in the thread with that key, or start it."""
        from chat_grpc.fake import codec
        from chat_grpc.fake.store.message_records import MessageContent, ThreadRequest

        space_id = self._space_id(space)
        if thread is not None:
            name = getattr(getattr(thread, "thread", None), "name", None) or getattr(thread, "name", thread)
            thread_id = str(name).rsplit("/", 1)[-1]
            request = ThreadRequest(name=thread_id, key=thread_key or "", reply_option="REPLY_MESSAGE_OR_FAIL")
        elif thread_key:
            request = ThreadRequest(key=thread_key, reply_option="REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        else:
            request = ThreadRequest()
        created = self._store.messages.create(
            self._actor(self._principal(sender)), space_id, MessageContent(text=text), request, client_id=client_id
        )
        return codec.message_to_proto(created)

    def messages(self, space: Any, sender: User | App | str, texts: Iterable[str]) -> list[str]:
        """Many messages by ``sender`` (a joined member), each a new thread, seeded in bulk (the state of one
        ``message`` call apiece, far faster: for a space of thousands of messages); their resource names."""
        from chat_grpc.fake.store.message_records import MessageContent, NewMessage

        space_id = self._space_id(space)
        actor = self._actor(self._principal(sender))
        made = self._store.messages.create_many(actor, space_id, (NewMessage(MessageContent(text=t)) for t in texts))
        return [f"spaces/{space_id}/messages/{message_id}" for message_id in made]

    def reaction(self, message: Any, user: User | str, emoji: str = "👍") -> reaction_pb2.Reaction:
        """``user`` reacts to ``message`` (a Message or its name) with a Unicode emoji."""
        from chat_grpc.fake import codec
        from chat_grpc.fake.store.reactions import check_unicode_emoji

        name = message if isinstance(message, str) else message.name
        _, space_id, _, message_id = name.split("/")
        check_unicode_emoji(emoji, "emoji")
        made = self._store.reactions.create(self._actor(self._principal(user)), space_id, message_id, unicode=emoji)
        return codec.reaction_to_proto(made)

    def upload(
        self,
        space: Any,
        uploader: User | App | str,
        data: bytes = b"",
        filename: str = "file.txt",
        content_type: str = "text/plain",
    ) -> attachment_pb2.AttachmentDataRef:
        """Upload a file to ``space`` as UploadAttachment does over the media endpoint (which gRPC cannot carry);
        pass the result as ``message.attachment[].attachment_data_ref`` of a CreateMessage."""
        from google.chat.v1 import attachment_pb2

        space_id = self._space_id(space)
        resource, token = self._store.messages.upload_attachment(
            self._actor(self._principal(uploader)), space_id, filename, data, content_type
        )
        return attachment_pb2.AttachmentDataRef(resource_name=resource, attachment_upload_token=token)

    def pin(self, message: Any, user: User | str) -> message_pin_pb2.MessagePin:
        """``user`` (a joined member) pins ``message`` (a Message or its name)."""
        from chat_grpc.fake import codec

        name = message if isinstance(message, str) else message.name
        space_id = name.split("/")[1]
        made = self._store.pins.create(self._actor(self._principal(user)), space_id, name)
        return codec.message_pin_to_proto(made)

    def section(self, user: User | str, display_name: str, spaces: Any = ()) -> section_pb2.Section:
        """A custom section of ``user``, with ``spaces`` (that the user joined) moved into it."""
        from chat_grpc.fake import codec

        principal = self._principal(user)
        actor = self._actor(principal)
        sections = self._store.sections
        made = sections.create(actor, principal.id, "CUSTOM_SECTION", display_name)
        for space in spaces:
            space_id = self._space_id(space)
            item = next((i for i in sections.items_of(principal.id) if i.space_id == space_id), None)
            if item is None:
                raise KeyError(f"{principal.name} has no item for spaces/{space_id} (not a joined member?)")
            sections.move_item(actor, principal.id, item.section_id, space_id, made.name)
        return codec.section_to_proto(sections.get(actor, principal.id, made.id))

    # -------------------------------------------------------------- helpers

    def _principal(self, who: Any) -> User | App:
        """A user or app of the store, from its record, email, id or ``users/{id}``."""
        key = str(getattr(who, "id", who)).removeprefix("users/")
        found = self._store.user_by_email(key) if "@" in key else self._store.principal(key)
        if found is None:
            raise KeyError(f"no user or app {who!r} in the store")
        return found

    def _actor(self, who: User | App, *, app: str | None = None) -> Actor:
        from chat_grpc.fake.auth import APP_SCOPES, USER_SCOPES
        from chat_grpc.fake.store import Actor, App, AuthKind

        if isinstance(who, App):
            return Actor(who, AuthKind.APP, APP_SCOPES, app=who)
        found = self._store.principal(app) if app is not None else None
        return Actor(who, AuthKind.USER, USER_SCOPES, app=found if isinstance(found, App) else None)

    def _member(self, who: Any) -> MemberRef:
        from chat_grpc.fake.store import App, Group, MemberRef

        if isinstance(who, Group):
            return MemberRef("GROUP", who.id)
        if isinstance(who, str) and who.startswith("groups/"):
            return MemberRef("GROUP", who.removeprefix("groups/"))
        principal = self._principal(who)
        return MemberRef("BOT" if isinstance(principal, App) else "HUMAN", principal.id)

    @staticmethod
    def _space_id(space: Any) -> str:
        name = space if isinstance(space, str) else space.name
        return str(name).removeprefix("spaces/")

    def _creator(self, space_id: str) -> User | App:
        for record in self._store.spaces():
            if record.id == space_id:
                return self._principal(record.creator_key.removeprefix("users/"))
        raise KeyError(f"no space spaces/{space_id} in the store")

    def _space_proto(self, space_id: str) -> space_pb2.Space:
        from chat_grpc.fake import codec

        for record in self._store.spaces():
            if record.id == space_id:
                return codec.space_to_proto(record, member_counts=self._store.joined_human_count(space_id))
        raise KeyError(f"no space spaces/{space_id} in the store")


class ChatUsers:
    """``chat_users.alice`` -> the user ``alice@example.com``, made on first use (``chat_users.admin``: a
    Workspace administrator); ``chat_users["erin"]`` works too."""

    def __init__(self, factory: ChatFactory) -> None:
        self._factory = factory
        self._made: dict[str, User] = {}

    def __getitem__(self, name: str) -> User:
        if name not in self._made:
            email = name if "@" in name else f"{name}@example.com"
            found = self._factory.server.store.user_by_email(email)
            self._made[name] = found or self._factory.user(email, admin=name == "admin")
        return self._made[name]

    def __getattr__(self, name: str) -> User:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]
