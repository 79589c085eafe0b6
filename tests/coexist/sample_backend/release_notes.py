"""A sample backend written against Google's own client (``google-apps-chat``), as a real project has one:
it announces releases in a Chat space and reports who read them. Nothing here knows about chat-grpc; its
tests (test_release_notes.py) point the client at chat-grpc's in-process fake.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from google.api_core import exceptions, retry
from google.apps import card_v1, chat_v1

# Retry what Google documents as transient; short sleeps keep tests fast (production would use longer ones).
TRANSIENT = retry.Retry(
    predicate=retry.if_exception_type(exceptions.ServiceUnavailable, exceptions.DeadlineExceeded),
    initial=0.01,
    maximum=0.1,
    timeout=10,
)
ASYNC_TRANSIENT = retry.AsyncRetry(
    predicate=retry.if_exception_type(exceptions.ServiceUnavailable, exceptions.DeadlineExceeded),
    initial=0.01,
    maximum=0.1,
    timeout=10,
)


class ReleaseNotes:
    def __init__(self, chat: chat_v1.ChatServiceClient) -> None:
        self.chat = chat

    def open_channel(self, display_name: str, members: Iterable[str]) -> chat_v1.Space:
        """A space for the release, with its people (``users/...``)."""
        space = self.chat.create_space(
            space=chat_v1.Space(space_type=chat_v1.Space.SpaceType.SPACE, display_name=display_name),
            retry=TRANSIENT,
        )
        for user in members:
            self.chat.create_membership(
                parent=space.name,
                membership=chat_v1.Membership(member=chat_v1.User(name=user, type_=chat_v1.User.Type.HUMAN)),
                retry=TRANSIENT,
            )
        return space

    def announce(self, space: str, version: str, changes: list[str]) -> chat_v1.Message:
        """Post the release note; the request id makes a retried create safe."""
        text = f"Release {version}:\n" + "\n".join(f"- {change}" for change in changes)
        return self.chat.create_message(
            request=chat_v1.CreateMessageRequest(
                parent=space, message=chat_v1.Message(text=text), request_id=f"release-{version}"
            ),
            retry=TRANSIENT,
        )

    def announcements_since(self, space: str, since: datetime) -> list[chat_v1.Message]:
        """Release notes posted after ``since`` (a timezone-aware datetime), oldest first."""
        stamp = since.isoformat().replace("+00:00", "Z")
        pager = self.chat.list_messages(
            request=chat_v1.ListMessagesRequest(parent=space, filter=f'createTime > "{stamp}"', page_size=2)
        )
        return [m for m in pager if m.text.startswith("Release ")]

    def card_for(self, version: str) -> card_v1.Card:
        return card_v1.Card(header=card_v1.Card.CardHeader(title=f"Release {version}", subtitle="shipped"))

    def announce_card(self, space: str, version: str) -> chat_v1.Message:
        """What the release bot posts (cards need app authentication)."""
        return self.chat.create_message(
            parent=space,
            message=chat_v1.Message(cards_v2=[chat_v1.CardWithId(card_id="release", card=self.card_for(version))]),
        )


class AsyncReleaseNotes:
    """The same backend's asyncio side (a web handler, say)."""

    def __init__(self, chat: chat_v1.ChatServiceAsyncClient) -> None:
        self.chat = chat

    async def latest(self, space: str) -> str | None:
        """The text of the newest release note in the space, if any."""
        latest = None
        async for message in await self.chat.list_messages(parent=space, retry=ASYNC_TRANSIENT):
            if message.text.startswith("Release "):
                latest = message.text
        return latest

    async def mark_read(self, space: str) -> datetime:
        """Mark the space read for the caller; returns the read time the server keeps."""
        state = await self.chat.update_space_read_state(
            space_read_state=chat_v1.SpaceReadState(
                name=f"users/me/{space}/spaceReadState", last_read_time=datetime.now(UTC)
            ),
            update_mask={"paths": ["last_read_time"]},
        )
        return state.last_read_time
