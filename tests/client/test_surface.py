"""The public surface of chat_grpc, pinned: adding or removing a name is a decision, made here."""

from __future__ import annotations

import pytest

import chat_grpc

PUBLIC = [
    # clients
    "ChatClient", "AsyncChatClient", "Pager", "AsyncPager",
    # settings
    "RetryPolicy", "DEFAULT", "DEFAULT_TIMEOUT", "DEFAULT_TARGET", "DEFAULT_SCOPES",
    # errors
    "ChatApiError", "from_grpc_error",
    "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
    "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
    "DataLoss", "Unauthenticated",
    # resource names
    "space_path", "parse_space_path", "message_path", "parse_message_path", "membership_path",
    "parse_membership_path", "reaction_path", "parse_reaction_path", "attachment_path", "parse_attachment_path",
    "custom_emoji_path", "parse_custom_emoji_path", "space_event_path", "parse_space_event_path", "thread_path",
    "parse_thread_path", "quoted_message_metadata_path", "parse_quoted_message_metadata_path",
    "space_read_state_path", "parse_space_read_state_path", "thread_read_state_path", "parse_thread_read_state_path",
    "space_notification_setting_path", "parse_space_notification_setting_path", "user_path", "parse_user_path",
    "message_pin_path", "parse_message_pin_path", "section_path", "parse_section_path",
    "section_item_path", "parse_section_item_path", "availability_path", "parse_availability_path",
    "audience_path", "parse_audience_path",
    # the stubs' descriptors, the version
    "descriptor_set", "__version__",
]  # fmt: skip


def test_all_is_pinned() -> None:
    assert sorted(chat_grpc.__all__) == sorted(PUBLIC)
    assert len(set(chat_grpc.__all__)) == len(chat_grpc.__all__)


def test_every_public_name_resolves() -> None:
    for name in chat_grpc.__all__:
        assert getattr(chat_grpc, name) is not None, name


def test_no_private_module_leaks_through_all() -> None:
    assert not [name for name in chat_grpc.__all__ if name.startswith("_") and name != "__version__"]


def test_public_submodules() -> None:
    from chat_grpc import client
    from chat_grpc.client import aio, errors, pagers, paths, retry

    assert client.ChatClient is chat_grpc.ChatClient
    assert aio.AsyncChatClient is chat_grpc.AsyncChatClient
    assert errors.NotFound is chat_grpc.NotFound
    assert pagers.Pager is chat_grpc.Pager
    assert paths.space_path is chat_grpc.space_path
    assert retry.RetryPolicy is chat_grpc.RetryPolicy


def test_default_scopes_are_the_services_and_the_target_is_google() -> None:
    assert chat_grpc.DEFAULT_TARGET == "chat.googleapis.com:443"
    assert len(chat_grpc.DEFAULT_SCOPES) == 41
    assert "https://www.googleapis.com/auth/chat.bot" in chat_grpc.DEFAULT_SCOPES
    assert all(s.startswith("https://www.googleapis.com/auth/chat.") for s in chat_grpc.DEFAULT_SCOPES)


def test_every_public_name_is_lazily_importable_and_import_is_cheap() -> None:
    import subprocess
    import sys

    import chat_grpc

    assert set(chat_grpc.__all__) == {*chat_grpc._EXPORTS, "__version__"}
    for name in chat_grpc.__all__:
        assert getattr(chat_grpc, name) is not None
    probe = "import chat_grpc, sys; print('google.chat.v1.space_pb2' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"  # the stubs load only when a client is first used


def test_importing_the_client_leaves_the_server_rest_and_auth_stacks_unloaded() -> None:
    """``from chat_grpc import ChatClient`` loads what a gRPC client needs, not the fake server (uvicorn, the
    store), the REST transport (httpx), google-auth or the error hierarchy (google-api-core): those load where
    they are first used (a REST or Google-credentialed client, a failed call)."""
    import subprocess
    import sys

    unwanted = [
        "chat_grpc.server", "uvicorn", "httpx", "chat_grpc.client._rest", "chat_grpc.client._media", "google.auth",
        "google.api_core", "chat_grpc.client.errors",
        # The Chat descriptors: the RPC table is built, and the descriptors loaded, at the first call.
        "google.chat.v1.chat_service_pb2", "google.chat.v1.message_pb2", "google.chat.v1.attachment_pb2",
        "google.api.field_behavior_pb2",
    ]  # fmt: skip
    probe = (
        f"import sys; from chat_grpc import ChatClient; print(','.join(m for m in {unwanted!r} if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "", f"imported with ChatClient: {completed.stdout.strip()}"


def test_importing_the_client_leaves_protobufs_runtime_and_the_rpc_table_unloaded() -> None:
    """Beyond grpc, ``from chat_grpc import ChatClient`` loads protobuf's plain ``message`` module only: its
    runtime (descriptor pool, message classes, text format, the well-known types), the RPC table's classes and
    ``random`` (retry jitter) load at the first call or first retry. Then the client works as ever."""
    import subprocess
    import sys

    unwanted = [
        "google.protobuf.descriptor", "google.protobuf.descriptor_pool", "google.protobuf.message_factory",
        "google.protobuf.text_format", "google.protobuf.field_mask_pb2", "chat_grpc.api.rpc_table", "random",
    ]  # fmt: skip
    probe = (
        "import sys, grpc; before = set(sys.modules); from chat_grpc import ChatClient; "
        f"print(','.join(m for m in {unwanted!r} if m in sys.modules and m not in before))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "", f"imported with ChatClient: {completed.stdout.strip()}"


def test_making_a_grpc_client_leaves_the_rest_transport_unloaded() -> None:
    """A gRPC client's constructors settle its HTTP side (media URL, auth) from ``_http`` alone: the REST
    transport (``_rest``, httpx, the error hierarchy) loads when the client first sends over HTTP."""
    import subprocess
    import sys

    unwanted = ["chat_grpc.client._rest", "httpx", "chat_grpc.client.errors", "google.protobuf.json_format"]
    probe = (
        "import sys, grpc; from chat_grpc import ChatClient\n"
        "ChatClient.for_emulator('127.0.0.1:1', token='t', media_url='http://127.0.0.1:2').close()\n"
        "ChatClient.for_emulator('10.0.0.1:1', token='t').close()\n"
        "ChatClient(channel=grpc.insecure_channel('127.0.0.1:1')).close()\n"
        f"print(','.join(m for m in {unwanted!r} if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "", f"imported by the constructors: {completed.stdout.strip()}"


def test_the_rest_transport_still_names_its_http_helpers() -> None:
    from chat_grpc.client import _http, _rest

    assert (_rest.RestAuth, _rest.TokenAuth, _rest.base_url) == (_http.RestAuth, _http.TokenAuth, _http.base_url)


def test_the_rpc_tables_names_are_the_same_objects_through_rpcs() -> None:
    """``chat_grpc.api.rpcs`` hands out rpc_table's classes and one table, built once."""
    from chat_grpc.api import rpc_table, rpcs

    assert rpcs.Rpc is rpc_table.Rpc and rpcs.Semantics is rpc_table.Semantics
    assert rpcs.SEMANTICS is rpc_table.SEMANTICS and rpcs.SERVICE == rpc_table.SERVICE == "google.chat.v1.ChatService"
    assert rpcs.snake("CreateSpace") == "create_space"
    assert rpcs.BY_NAME["GetSpace"] is rpcs.BY_METHOD["get_space"] is rpcs.RPCS[8]
    assert rpcs.RpcRef("GetSpace").get() is rpcs.BY_NAME["GetSpace"]
    assert all(isinstance(rpc, rpcs.Rpc) for rpc in rpcs.RPCS)
    with pytest.raises(AttributeError):
        rpcs.NOT_A_NAME  # noqa: B018


def test_the_default_host_is_the_one_the_service_declares() -> None:
    """``DEFAULT_HOST`` is written out (reading it would load every Chat descriptor at import): the same as
    chat_service.proto's ``google.api.default_host``."""
    from google.api import client_pb2
    from google.chat.v1 import chat_service_pb2

    from chat_grpc.client._base import DEFAULT_HOST

    options = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].GetOptions()
    assert options.Extensions[client_pb2.default_host] == DEFAULT_HOST
