"""Pagers: lazy items across pages, pages, the request kept across pages; with a scripted fetch and the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from google.chat.v1 import space_pb2
from google.protobuf.message import Message

from chat_grpc import AsyncChatClient, AsyncPager, ChatClient, Pager
from chat_grpc.api import rpcs as _rpcs
from chat_grpc.client._core import CallOptions
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer
from tests.client.conftest import endpoint

PAGES = {
    "": (["a", "b"], "t1"),
    "t1": (["c", "d"], "t2"),
    "t2": (["e"], ""),
}


def page(token: str) -> space_pb2.ListSpacesResponse:
    names, following = PAGES[token]
    return space_pb2.ListSpacesResponse(
        spaces=[space_pb2.Space(name=f"spaces/{n}") for n in names], next_page_token=following
    )


class Fetcher:
    def __init__(self) -> None:
        self.requests: list[space_pb2.ListSpacesRequest] = []

    def __call__(self, request: Message) -> space_pb2.ListSpacesResponse:
        assert isinstance(request, space_pb2.ListSpacesRequest)
        self.requests.append(request)
        return page(request.page_token)


def make_pager() -> tuple[Pager[space_pb2.Space, space_pb2.ListSpacesResponse], Fetcher]:
    fetch = Fetcher()
    first = space_pb2.ListSpacesRequest(page_size=2, filter='space_type = "SPACE"')
    return Pager(_rpcs.BY_NAME["ListSpaces"], first, page(""), fetch), fetch


def test_items_across_pages_fetched_lazily() -> None:
    pager, fetch = make_pager()
    items = iter(pager)
    assert [next(items).name, next(items).name] == ["spaces/a", "spaces/b"]
    assert fetch.requests == []  # still on the first page
    assert next(items).name == "spaces/c"
    assert len(fetch.requests) == 1
    assert [s.name for s in items] == ["spaces/d", "spaces/e"]
    assert pager.pages_fetched == 3


def test_the_request_is_kept_across_pages() -> None:
    pager, fetch = make_pager()
    list(pager)
    assert [(r.page_size, r.filter, r.page_token) for r in fetch.requests] == [
        (2, 'space_type = "SPACE"', "t1"),
        (2, 'space_type = "SPACE"', "t2"),
    ]
    assert pager.request.page_token == ""  # the template is not changed


def test_pages_and_the_latest_response() -> None:
    pager, _ = make_pager()
    tokens = [p.next_page_token for p in pager.pages]
    assert tokens == ["t1", "t2", ""]
    assert pager.response.next_page_token == "" and pager.next_page_token == ""


def test_a_pager_is_single_pass() -> None:
    pager, fetch = make_pager()
    assert len(list(pager)) == 5
    assert list(pager) == []
    assert len(fetch.requests) == 2


def test_a_single_page_needs_no_fetch() -> None:
    fetch = Fetcher()
    pager: Pager[space_pb2.Space, space_pb2.ListSpacesResponse] = Pager(
        _rpcs.BY_NAME["ListSpaces"], space_pb2.ListSpacesRequest(page_token="t2"), page("t2"), fetch
    )
    assert [s.name for s in pager] == ["spaces/e"]
    assert fetch.requests == []
    assert "ListSpaces" in repr(pager)


def test_only_list_rpcs_make_pagers() -> None:
    with pytest.raises(ValueError, match="not a list RPC"):
        Pager(_rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(), space_pb2.Space(), lambda r: space_pb2.Space())


def test_the_async_pager() -> None:
    requests: list[Any] = []

    async def fetch(request: Message) -> space_pb2.ListSpacesResponse:
        requests.append(request)
        await asyncio.sleep(0)
        return page(request.page_token)  # type: ignore[attr-defined]

    async def main() -> tuple[list[str], list[str]]:
        items: AsyncPager[space_pb2.Space, space_pb2.ListSpacesResponse] = AsyncPager(
            _rpcs.BY_NAME["ListSpaces"], space_pb2.ListSpacesRequest(page_size=2), page(""), fetch
        )
        names = [s.name async for s in items]
        pages = AsyncPager(_rpcs.BY_NAME["ListSpaces"], space_pb2.ListSpacesRequest(page_size=2), page(""), fetch)
        tokens = [p.next_page_token async for p in pages.pages]
        return names, tokens

    names, tokens = asyncio.run(main())
    assert names == ["spaces/a", "spaces/b", "spaces/c", "spaces/d", "spaces/e"]
    assert tokens == ["t1", "t2", ""]
    assert [r.page_size for r in requests] == [2, 2, 2, 2]


# ------------------------------------------------------------------------------------------------ with the fake


def seed_spaces(client: ChatClient, count: int) -> list[str]:
    return [client.create_space(space={"space_type": "SPACE", "display_name": f"S{i}"}).name for i in range(count)]


def test_a_filtered_list_across_pages_of_the_fake(client: ChatClient, bob: User) -> None:
    names = seed_spaces(client, 5)
    dm = client.set_up_space(
        space={"space_type": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": bob.name, "type": "HUMAN"}}]
    )
    client.create_message(parent=dm, message={"text": "hello"})  # a DM is listed after its first message
    assert dm.name in {s.name for s in client.list_spaces(page_size=2)}
    # The fake binds page tokens to the query: a filter lost on page 2 would be INVALID_ARGUMENT.
    pager = client.list_spaces(page_size=2, filter='space_type = "SPACE"')
    assert [s.name for s in pager] == names
    assert pager.pages_fetched == 3


def test_each_page_gets_the_same_timeout_metadata_and_retry(
    client: ChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_spaces(client, 3)
    seen: list[tuple[Any, Any, Any]] = []
    original = CallOptions.plan

    def spy(self: CallOptions, rpc: Any, request: Any, **kwargs: Any) -> Any:
        seen.append((kwargs["timeout"], kwargs["metadata"], kwargs["retry"]))
        return original(self, rpc, request, **kwargs)

    monkeypatch.setattr(CallOptions, "plan", spy)
    assert len(list(client.list_spaces(page_size=1, timeout=7.0, metadata=[("x-test", "1")], retry=None))) == 3
    assert seen == [(7.0, [("x-test", "1")], None)] * 3


def test_the_async_client_pages_through_the_fake(
    chat: ChatServer, alice: User, client: ChatClient, transport: str
) -> None:
    names = seed_spaces(client, 5)

    async def main() -> tuple[list[str], list[int]]:
        async with AsyncChatClient.for_emulator(
            endpoint(chat, transport), token=chat.token_for(alice), transport=transport
        ) as aclient:
            pager = await aclient.list_spaces(page_size=2)
            found = [s.name async for s in pager]
            sizes = [len(p.spaces) async for p in (await aclient.list_spaces(page_size=2)).pages]
            return found, sizes

    found, sizes = asyncio.run(main())
    assert found == names
    assert sizes == [2, 2, 1]
