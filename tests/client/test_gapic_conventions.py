"""GAPIC-compatible calling conventions (issue 15, item 5): what code written for Google's ``google-apps-chat``
clients does works on the facade. ``request=`` as a message or a dict (snake_case or lowerCamelCase keys, nested
dicts), passed by keyword or position; errors that ``except google.api_core.exceptions.NotFound`` catches;
resource-name parameters that take names, resources or the toolkit's records (a TypeError naming the parameter
otherwise); an ``AsyncChatClient`` built outside a running event loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from typing import Any

import grpc
import pytest
from google.api_core import exceptions as google_exceptions
from google.chat.v1 import space_pb2
from google.rpc import error_details_pb2

from chat_grpc import AsyncChatClient, ChatApiError, ChatClient
from chat_grpc.api.rpcs import BY_METHOD
from chat_grpc.client import errors
from chat_grpc.client._core import build_request
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer
from tests.client.conftest import endpoint

# ------------------------------------------------------------------------------------------------ request=


def test_request_dicts_take_snake_case_and_lower_camel_case_keys_and_nested_dicts() -> None:
    rpc = BY_METHOD["create_space"]
    expected = space_pb2.CreateSpaceRequest(
        space=space_pb2.Space(display_name="x", space_type=space_pb2.Space.SPACE, external_user_allowed=True),
        request_id="r",
    )
    camel = {"space": {"displayName": "x", "spaceType": "SPACE", "externalUserAllowed": True}, "requestId": "r"}
    snake = {"space": {"display_name": "x", "space_type": "SPACE", "external_user_allowed": True}, "request_id": "r"}
    assert build_request(rpc, camel, {}) == expected
    assert build_request(rpc, snake, {}) == expected
    nested = build_request(
        BY_METHOD["set_up_space"],
        {"space": {"spaceType": "SPACE", "displayName": "T"}, "memberships": [{"member": {"name": "users/1"}}]},
        {},
    )
    assert nested.memberships[0].member.name == "users/1"
    assert nested.request_id  # generated, as for a request message


def test_request_dicts_are_sent_as_given_and_refuse_unknown_or_doubled_keys() -> None:
    update = build_request(BY_METHOD["update_space"], {"space": {"name": "spaces/A", "displayName": "T"}}, {})
    assert list(update.update_mask.paths) == []  # a request is not completed with a computed mask
    with pytest.raises(ValueError, match=r"google.chat.v1.GetSpaceRequest has no field 'colour'"):
        build_request(BY_METHOD["get_space"], {"colour": "red"}, {})
    with pytest.raises(ValueError, match="given twice"):
        build_request(BY_METHOD["get_space"], {"use_admin_access": True, "useAdminAccess": False}, {})


def test_keyword_dicts_also_take_lower_camel_case_keys() -> None:
    built = build_request(BY_METHOD["create_space"], None, {"space": {"displayName": "x", "spaceType": "SPACE"}})
    assert built.space == space_pb2.Space(display_name="x", space_type=space_pb2.Space.SPACE)


def test_request_with_keyword_fields_is_a_type_error_naming_them() -> None:
    with pytest.raises(TypeError, match=r"get_space\(\).*not both \(got request and name, use_admin_access\)"):
        build_request(BY_METHOD["get_space"], {"name": "spaces/A"}, {"name": "spaces/B", "use_admin_access": True})
    with pytest.raises(TypeError, match="not both"):
        build_request(BY_METHOD["get_space"], space_pb2.GetSpaceRequest(name="spaces/A"), {"name": "spaces/B"})


def test_gapic_calls_against_the_fake(client: ChatClient) -> None:
    made = client.create_space(request={"space": {"displayName": "Team", "spaceType": "SPACE"}})
    assert made.display_name == "Team" and made.space_type == space_pb2.Space.SPACE
    assert client.get_space(request={"name": made.name}) == made
    assert client.get_space(space_pb2.GetSpaceRequest(name=made.name)) == made  # positional request message
    assert client.get_space({"name": made.name}) == made  # positional dict
    listed = client.list_memberships(request={"parent": made.name, "pageSize": 10})
    assert len(list(listed)) == 1
    with pytest.raises(TypeError, match=r"get_space\(\).*not both.*name"):
        client.get_space(request={"name": made.name}, name=made.name)


def test_gapic_calls_against_the_fake_async(chat: ChatServer, alice: User, transport: str) -> None:
    async def main() -> None:
        async with AsyncChatClient.for_emulator(
            endpoint(chat, transport), token=chat.token_for(alice), timeout=10, transport=transport
        ) as client:
            made = await client.create_space(request={"space": {"displayName": "Team", "spaceType": "SPACE"}})
            assert await client.get_space(request={"name": made.name}) == made
            assert await client.get_space(space_pb2.GetSpaceRequest(name=made.name)) == made
            with pytest.raises(TypeError, match="not both"):
                await client.get_space(request={"name": made.name}, name=made.name)

    asyncio.run(main())


# ------------------------------------------------------------------------------------------------ errors

GOOGLE_CLASSES: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.CANCELLED: "Cancelled",
    grpc.StatusCode.UNKNOWN: "Unknown",
    grpc.StatusCode.INVALID_ARGUMENT: "InvalidArgument",
    grpc.StatusCode.DEADLINE_EXCEEDED: "DeadlineExceeded",
    grpc.StatusCode.NOT_FOUND: "NotFound",
    grpc.StatusCode.ALREADY_EXISTS: "AlreadyExists",
    grpc.StatusCode.PERMISSION_DENIED: "PermissionDenied",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "ResourceExhausted",
    grpc.StatusCode.FAILED_PRECONDITION: "FailedPrecondition",
    grpc.StatusCode.ABORTED: "Aborted",
    grpc.StatusCode.OUT_OF_RANGE: "OutOfRange",
    grpc.StatusCode.UNIMPLEMENTED: "MethodNotImplemented",
    grpc.StatusCode.INTERNAL: "InternalServerError",
    grpc.StatusCode.UNAVAILABLE: "ServiceUnavailable",
    grpc.StatusCode.DATA_LOSS: "DataLoss",
    grpc.StatusCode.UNAUTHENTICATED: "Unauthenticated",
}


def test_every_error_class_is_also_the_api_core_class() -> None:
    assert issubclass(ChatApiError, google_exceptions.GoogleAPICallError)
    assert set(GOOGLE_CLASSES) == set(errors.ERROR_CLASSES)
    for code, name in GOOGLE_CLASSES.items():
        ours = errors.ERROR_CLASSES[code]
        assert issubclass(ours, getattr(google_exceptions, name)), (ours, name)
        assert ours.grpc_status_code is code
    # api-core's own code -> class lookups still give its own classes (ours only register with setdefault)
    assert google_exceptions.from_grpc_status(grpc.StatusCode.NOT_FOUND, "x").__class__ is google_exceptions.NotFound


@pytest.mark.parametrize("code", list(GOOGLE_CLASSES), ids=lambda c: c.name)
def test_injected_failures_are_caught_as_api_core_exceptions(
    client: ChatClient, chat: ChatServer, code: grpc.StatusCode
) -> None:
    chat.faults.fail("ListSpaces", code, times=1)
    with pytest.raises(getattr(google_exceptions, GOOGLE_CLASSES[code])) as caught:
        client.list_spaces(retry=None).first_page()
    error = caught.value
    assert isinstance(error, errors.ERROR_CLASSES[code])
    assert error.code is code  # our attribute: the gRPC status code


def test_real_failures_keep_our_attributes_under_api_core_classes(client: ChatClient) -> None:
    try:
        client.get_space(name="spaces/nope")
    except google_exceptions.NotFound as error:  # what GAPIC code writes
        assert isinstance(error, errors.NotFound)
        assert error.code is grpc.StatusCode.NOT_FOUND
        assert type(error).code == 404  # api-core's HTTP status, on the class
        assert error.message and isinstance(error.details, tuple)
        assert str(error).startswith("NOT_FOUND: ")
    else:
        pytest.fail("no NotFound")
    with pytest.raises(google_exceptions.InvalidArgument) as caught:
        client.create_space(space={"space_type": "SPACE"})  # no display name
    assert caught.value.field_violations or caught.value.message
    assert isinstance(caught.value.error_info, error_details_pb2.ErrorInfo | type(None))


def test_without_api_core_the_hierarchy_stands_alone() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["google.api_core"] = None  # not installed
        from chat_grpc.client import errors
        mro = errors.NotFound.__mro__
        assert mro[1:] == (errors.ChatApiError, Exception, BaseException, object), mro
        error = errors.NotFound("gone")
        assert error.details == () and error.code.name == "NOT_FOUND" and str(error) == "NOT_FOUND: gone"
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "ok", done.stderr


# ------------------------------------------------------------------------------------------------ resource names


def test_resource_names_take_records_and_resources(
    client: ChatClient, alice: User, bob: User, chat: ChatServer
) -> None:
    made = client.create_space(space={"display_name": "Team", "space_type": "SPACE"})
    assert client.get_space(name=made) == made
    member = client.get_membership(name=f"{made.name}/members/{alice.id}")
    assert member.member.name == alice.name
    added = client.create_membership(parent=made, membership={"member": {"name": bob.name, "type": "HUMAN"}})
    assert client.get_membership(name=added).name == added.name
    # a store record (anything with a .name: here a chat_grpc.fake.store.User) where a resource name is expected
    carol = chat.store.add_user("carol@example.com", "Carol")
    dm = client.set_up_space(
        space={"spaceType": "DIRECT_MESSAGE"}, memberships=[{"member": {"name": carol.name, "type": "HUMAN"}}]
    )
    assert client.find_direct_message(name=carol).name == dm.name
    assert client.find_direct_message(request={"name": carol}).name == dm.name


class _Record:
    def __init__(self, name: object) -> None:
        self.name = name


@pytest.mark.parametrize(
    ("method", "fields", "message"),
    [
        ("get_space", {"name": 42}, r"get_space\(\): 'name' must be a resource name \(str\) or .*, got int"),
        ("list_memberships", {"parent": 3.5}, r"list_memberships\(\): 'parent' must be a resource name .*got float"),
        ("get_space", {"name": _Record(None)}, r"get_space\(\): 'name' must be a resource name .*got _Record"),
        ("list_spaces", {"filter": 7}, r"list_spaces\(\): 'filter' must be a str, got int"),
    ],
)
def test_wrong_types_name_the_parameter(method: str, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        build_request(BY_METHOD[method], None, fields)
    with pytest.raises(TypeError, match=message):  # the same inside a request dict
        build_request(BY_METHOD[method], fields, {})


def test_records_stand_for_names() -> None:
    record = _Record("spaces/AAA")
    assert build_request(BY_METHOD["get_space"], None, {"name": record}).name == "spaces/AAA"
    assert build_request(BY_METHOD["get_space"], {"name": record}, {}).name == "spaces/AAA"


# ------------------------------------------------------------------------------------------------ asyncio


@pytest.mark.parametrize("transport_name", ["grpc", "rest"])
def test_async_client_built_outside_a_loop_binds_on_first_use(
    chat: ChatServer, alice: User, transport_name: str
) -> None:
    client = AsyncChatClient.for_emulator(
        endpoint(chat, transport_name), token=chat.token_for(alice), timeout=10, transport=transport_name
    )

    async def use(client: AsyncChatClient) -> list[str]:
        async with client:
            made = await client.create_space(space={"display_name": "Team", "space_type": "SPACE"})
            pager = await client.list_spaces()
            return [space.name async for space in pager] + [(await client.get_space(name=made)).name]

    names = asyncio.run(use(client))
    assert names[-1] in names[:-1]


def test_async_client_built_outside_a_loop_and_never_used_closes(chat: ChatServer) -> None:
    client = AsyncChatClient.for_emulator(chat.address)
    asyncio.run(client.close())
