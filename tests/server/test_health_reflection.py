"""The standard services of every ChatServer: gRPC health checking and server reflection, checked with the
real clients (grpcio-health-checking's stub, grpcio-reflection's ProtoReflectionDescriptorDatabase)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from chat_grpc.server import ChatServer

CHAT = "google.chat.v1.ChatService"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def reflected(
    channel: grpc.Channel,
) -> Iterator[tuple[ProtoReflectionDescriptorDatabase, descriptor_pool.DescriptorPool]]:
    database = ProtoReflectionDescriptorDatabase(channel)
    yield database, descriptor_pool.DescriptorPool(database)


def test_reflection_lists_the_services(reflected: tuple[ProtoReflectionDescriptorDatabase, object]) -> None:
    database, _ = reflected
    assert set(database.get_services()) == {
        CHAT,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


def test_reflection_resolves_the_service_and_every_message(
    reflected: tuple[object, descriptor_pool.DescriptorPool],
) -> None:
    _, pool = reflected
    service = pool.FindServiceByName(CHAT)
    assert len(service.methods) == 52
    create = service.methods_by_name["CreateMessage"]
    assert create.input_type.full_name == "google.chat.v1.CreateMessageRequest"
    assert create.output_type.full_name == "google.chat.v1.Message"
    message = pool.FindMessageTypeByName("google.chat.v1.Message")
    assert message.fields_by_name["cards_v2"].message_type.full_name == "google.chat.v1.CardWithId"
    card = pool.FindMessageTypeByName("google.apps.card.v1.Card")
    assert "sections" in card.fields_by_name
    for method in service.methods:  # every request and response type resolves, with everything they use
        for message_type in (method.input_type, method.output_type):
            assert pool.FindMessageTypeByName(message_type.full_name).fields is not None
    health = pool.FindServiceByName("grpc.health.v1.Health")
    assert {m.name for m in health.methods} == {"Check", "Watch"}
    assert pool.FindMessageTypeByName("google.rpc.RetryInfo").fields_by_name["retry_delay"]  # error details decode


def _ask(channel: grpc.Channel, **request: str) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    (response,) = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**request)]), timeout=10)
    return response


def test_reflection_serves_files_with_their_comments(channel: grpc.Channel) -> None:
    response = _ask(channel, file_containing_symbol="google.chat.v1.Message")
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(b)
        for b in response.file_descriptor_response.file_descriptor_proto
    ]
    by_name = {f.name: f for f in files}
    assert {"google/chat/v1/message.proto", "google/apps/card/v1/card.proto", "google/protobuf/timestamp.proto"} <= set(
        by_name
    )
    comments = [loc.leading_comments for loc in by_name["google/chat/v1/message.proto"].source_code_info.location]
    assert any(c.strip() for c in comments), "reflection should carry the protos' comments for grpcurl describe"
    missing = _ask(channel, file_containing_symbol="google.chat.v1.NoSuchThing")
    assert missing.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    by_file = _ask(channel, file_by_filename="google/chat/v1/chat_service.proto")
    assert by_file.file_descriptor_response.file_descriptor_proto


def test_health_answers_serving(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", CHAT):
        assert stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status == SERVING
    with pytest.raises(grpc.RpcError) as caught:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_turns_not_serving_when_the_server_stops() -> None:
    server = ChatServer().start()
    with grpc.insecure_channel(server.address) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=CHAT), timeout=20)
        assert next(watch).status == SERVING
        stopper = threading.Thread(target=server.stop, kwargs={"grace": 5})
        stopper.start()
        assert next(watch).status == NOT_SERVING
        watch.cancel()
        stopper.join(timeout=20)
    assert not stopper.is_alive()
    assert server.health is not None
    assert server.health.Check(health_pb2.HealthCheckRequest(service=""), None).status == NOT_SERVING


def test_a_restarted_server_serves_again() -> None:
    server = ChatServer()
    with server:
        pass
    with server, grpc.insecure_channel(server.address) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=CHAT), timeout=10)
        assert response.status == SERVING
