"""The server core: lifecycle, the emulator process and its configuration, credentials, status mapping under
malformed input, unimplemented RPCs, copies out of the store, and consistency under concurrent load."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import google.auth.transport.grpc
import google.auth.transport.requests
import grpc
import pytest
from google.chat.v1 import chat_service_pb2, chat_service_pb2_grpc, membership_pb2, space_pb2
from google.protobuf import descriptor_pool

from chat_grpc.fake.rpc import HANDLERS
from chat_grpc.server import ChatServer
from chat_grpc.server.config import Config, parse_args
from tests.oracle.sample_messages import variants
from tests.server.conftest import Workspace, human, new_space

ROOT = Path(__file__).resolve().parents[2]
SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
ALL_RPCS = [m.name for m in SERVICE.methods]


# ------------------------------------------------------------------ lifecycle


def test_server_lifecycle_and_address() -> None:
    server = ChatServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.address
    with server:
        host, port = server.address.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        grpc.channel_ready_future(grpc.insecure_channel(server.address)).result(timeout=5)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.address


def test_two_servers_have_separate_state() -> None:
    with ChatServer() as one, ChatServer() as two:
        one.store.add_user("solo@example.com")
        assert one.store.user_by_email("solo@example.com") is not None
        assert two.store.user_by_email("solo@example.com") is None


def test_the_store_hands_out_copies(chat: ChatServer, ws: Workspace, team: space_pb2.Space) -> None:
    space_id = team.name.split("/")[1]
    copy = chat.store.spaces()[0]
    copy.display_name = "changed outside"
    chat.store.memberships(space_id)[0].role = "ROLE_MANAGER"
    assert chat.store.spaces()[0].display_name == "Team"
    assert sorted(m.role for m in chat.store.memberships(space_id)) == ["ROLE_MANAGER", "ROLE_MEMBER"]


# ------------------------------------------------------------------ configuration and the emulator process


def test_parse_args_defaults_environment_and_flags() -> None:
    assert parse_args([], {}) == Config()
    env = {"CHAT_EMULATOR_PORT": "9000", "CHAT_EMULATOR_HOST": "0.0.0.0", "CHAT_EMULATOR_DEMO": "true"}
    assert parse_args([], env) == Config(host="0.0.0.0", port=9000, demo=True)
    assert parse_args(["--port", "9100", "--no-demo", "--id-seed", "3"], env) == Config(
        host="0.0.0.0", port=9100, demo=False, id_seed=3
    )


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--port", "70000"], {}),
        (["--port", "x"], {}),
        ([], {"CHAT_EMULATOR_PORT": "eighty"}),
        ([], {"CHAT_EMULATOR_DEMO": "maybe"}),
        (["--max-workers", "0"], {}),
        (["--bogus"], {}),
    ],
)
def test_parse_args_rejects_bad_settings(argv: list[str], env: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv, env)
    assert exited.value.code != 0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_emulator_process_serves_the_demo_and_stops_cleanly(stop_signal: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "chat_grpc.server", "--demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("chat-grpc emulator listening on 127.0.0.1:"), ready
        address = ready.removeprefix("chat-grpc emulator listening on ").split()[0]
        with grpc.insecure_channel(address) as channel:
            stub = chat_service_pb2_grpc.ChatServiceStub(channel)
            spaces = stub.ListSpaces(
                space_pb2.ListSpacesRequest(),
                metadata=[("authorization", "Bearer user:alice@example.com")],
                timeout=10,
            )
        assert {"Project Falcon", "Announcements", "Partners"} <= {s.display_name for s in spaces.spaces}
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "chat-grpc emulator stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


# ------------------------------------------------------------------ credentials


def test_google_auth_credentials_object_authenticates(chat: ChatServer, ws: Workspace) -> None:
    credentials = chat.credentials_for(ws.bob)
    plugin = google.auth.transport.grpc.AuthMetadataPlugin(credentials, google.auth.transport.requests.Request())
    channel_credentials = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(), grpc.metadata_call_credentials(plugin)
    )
    with grpc.secure_channel(chat.address, channel_credentials) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        created = stub.CreateSpace(space_pb2.CreateSpaceRequest(space=new_space("Bob's")), timeout=10)
        listed = stub.ListSpaces(space_pb2.ListSpacesRequest(), timeout=10)
    assert [s.name for s in listed.spaces] == [created.name]
    (membership,) = chat.store.memberships(created.name.split("/")[1])
    assert membership.member_id == ws.bob.id and membership.role == "ROLE_MANAGER"


def test_default_principal_answers_calls_without_a_token() -> None:
    server = ChatServer(default_principal="solo@example.com")
    server.store.add_user("solo@example.com")
    with server, grpc.insecure_channel(server.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        created = stub.CreateSpace(space_pb2.CreateSpaceRequest(space=new_space("Mine")), timeout=10)
        assert created.display_name == "Mine"


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("user:nobody@example.com", "no user 'nobody@example.com'"),
        ("user:alice@example.com;colour=blue", "unknown token option"),
        ("app:alice@example.com", "no app"),
        ("user:alice@example.com;app=12345", "names no Chat app"),
        ("garbage", "not one this server issued"),
    ],
)
def test_unusable_tokens_are_unauthenticated(call, ws: Workspace, token: str, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call("ListSpaces", space_pb2.ListSpacesRequest(), token=token)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert match in caught.value.details()


def test_documented_token_scopes_option_limits_the_caller(call, rpc_error, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    readonly = "user:bob@example.com;scopes=chat.spaces.readonly"
    assert call("ListSpaces", space_pb2.ListSpacesRequest(), token=readonly) is not None
    rpc_error(
        grpc.StatusCode.PERMISSION_DENIED,
        "CreateSpace",
        space_pb2.CreateSpaceRequest(space=new_space()),
        token=readonly,
        match="https://www.googleapis.com/auth/chat.spaces.create",
    )


# ------------------------------------------------------- no request, however malformed, is UNKNOWN or INTERNAL


def _request_class(rpc: str):  # type: ignore[no-untyped-def]
    method = SERVICE.methods_by_name[rpc]
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(method.input_type.full_name))


@pytest.mark.parametrize("rpc", sorted(HANDLERS))
def test_malformed_requests_get_a_meaningful_status(call, ws: Workspace, team: space_pb2.Space, rpc: str) -> None:  # type: ignore[no-untyped-def]
    """Every field set to arbitrary values, as every kind of caller: answers are OK or a deliberate status."""
    requests = list(variants(_request_class(rpc).DESCRIPTOR))
    requests.append(_request_class(rpc)())  # and the empty request
    for request in requests:
        for caller in (ws.alice, ws.bob, ws.app, ws.dave):
            try:
                call(rpc, request, as_=caller)
            except grpc.RpcError as error:
                assert error.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (
                    f"{rpc} as {caller.name}: {error.code()} {error.details()}"
                )


@pytest.mark.parametrize("rpc", sorted(set(ALL_RPCS) - set(HANDLERS)) or ["(none left)"])
def test_rpcs_without_a_handler_are_unimplemented(call, ws: Workspace, rpc: str) -> None:  # type: ignore[no-untyped-def]
    if rpc == "(none left)":
        assert set(HANDLERS) == set(ALL_RPCS)
        return
    with pytest.raises(grpc.RpcError) as caught:
        call(rpc, _request_class(rpc)(), as_=ws.alice)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_handlers_exist_only_for_real_rpcs() -> None:
    assert set(HANDLERS) <= set(ALL_RPCS)
    assert len(ALL_RPCS) == 52


# ------------------------------------------------------------------ concurrency


def test_mixed_concurrent_load_keeps_every_write_and_the_indexes_consistent(
    chat: ChatServer, call, ws: Workspace
) -> None:  # type: ignore[no-untyped-def]
    people = [chat.store.add_user(f"load{i}@example.com") for i in range(16)]
    created: list[str] = []
    created_lock = threading.Lock()

    def worker(seed: int) -> int:
        rng = random.Random(seed)
        done = 0
        mine: list[str] = []
        owner = people[seed]
        for step in range(200):
            action = rng.random()
            if action < 0.15 or not mine:
                space = call("CreateSpace", space_pb2.CreateSpaceRequest(space=new_space(f"s{seed}-{step}")), as_=owner)
                mine.append(space.name)
                with created_lock:
                    created.append(space.name)
            elif action < 0.45:
                who = rng.choice(people)
                try:
                    call(
                        "CreateMembership",
                        membership_pb2.CreateMembershipRequest(parent=rng.choice(mine), membership=human(who.name)),
                        as_=owner,
                    )
                except grpc.RpcError as error:
                    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
            elif action < 0.6:
                parent = rng.choice(mine)
                members = call("ListMemberships", membership_pb2.ListMembershipsRequest(parent=parent), as_=owner)
                others = [m.name for m in members.memberships if not m.name.endswith(owner.id)]
                if others:
                    call("DeleteMembership", membership_pb2.DeleteMembershipRequest(name=rng.choice(others)), as_=owner)
            elif action < 0.8:
                call(
                    "UpdateSpace",
                    space_pb2.UpdateSpaceRequest(
                        space=space_pb2.Space(name=rng.choice(mine), space_details={"description": f"step {step}"}),
                        update_mask={"paths": ["space_details"]},
                    ),
                    as_=owner,
                )
            else:
                call("ListSpaces", space_pb2.ListSpacesRequest(page_size=5), as_=owner)
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(worker, range(8))) == 8 * 200

    store = chat.store
    assert sorted(s.name for s in store.spaces()) == sorted(created)  # nothing lost, nothing extra
    for space in store.spaces():
        members = store.memberships(space.id)
        assert len({m.member_id for m in members}) == len(members)
        assert any(m.role == "ROLE_MANAGER" for m in members)  # the creator never removed themselves
        for membership in members:
            assert space.id in store._spaces_of[membership.member_id]
    for member_id, space_ids in store._spaces_of.items():
        for space_id in space_ids:
            assert member_id in {m.member_id for m in store.memberships(space_id)}
    created_events = [e for e in store.events() if e.event_type.endswith("membership.v1.created")]
    deleted_events = [e for e in store.events() if e.event_type.endswith("membership.v1.deleted")]
    assert len(created_events) - len(deleted_events) == sum(len(store.memberships(s.id)) for s in store.spaces())
