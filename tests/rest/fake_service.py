"""A second service, built in the test from a FileDescriptorProto (not in our protos), whose ``google.api.http``
rules use every form of the grammar: nested variables (``{name=shelves/*/books/*}``), a dotted field path
(``{book.name=...}``), ``**``, a custom verb (``:move``), ``additional_bindings``, a ``custom`` HTTP method,
``body: "*"`` versus ``body: "<field>"``, and no body. Its messages carry every kind of field the query string
can fill (repeated, nested, enum, int64, bool, Timestamp, FieldMask, a wrapper)."""

from __future__ import annotations

from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    field_mask_pb2,
    message_factory,
    timestamp_pb2,
    wrappers_pb2,
)
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

F = descriptor_pb2.FieldDescriptorProto
PACKAGE = "fake.library.v1"


def _field(name: str, number: int, kind: int, *, type_name: str = "", repeated: bool = False) -> F:
    made = F(name=name, number=number, type=kind, label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)  # type: ignore[arg-type]
    if type_name:
        made.type_name = type_name
    return made


def _message(name: str, *fields: F) -> descriptor_pb2.DescriptorProto:
    return descriptor_pb2.DescriptorProto(name=name, field=list(fields))


def _rpc(name: str, request: str, response: str, rule: http_pb2.HttpRule) -> descriptor_pb2.MethodDescriptorProto:
    method = descriptor_pb2.MethodDescriptorProto(
        name=name, input_type=f".{PACKAGE}.{request}", output_type=f".{PACKAGE}.{response}"
    )
    method.options.Extensions[annotations_pb2.http].CopyFrom(rule)
    return method


RULES = {
    "GetBook": http_pb2.HttpRule(
        get="/v2/{name=shelves/*/books/*}",
        additional_bindings=[http_pb2.HttpRule(get="/v2/{name=archives/*/books/*}")],
    ),
    "ListBooks": http_pb2.HttpRule(get="/v2/{parent=shelves/*}/books"),
    "MoveBook": http_pb2.HttpRule(post="/v2/{name=shelves/*/books/*}:move", body="*"),
    "UpdateBook": http_pb2.HttpRule(patch="/v2/{book.name=shelves/*/books/*}", body="book"),
    "ReadFile": http_pb2.HttpRule(get="/v2/{path=files/**}:read"),
    "Ping": http_pb2.HttpRule(custom=http_pb2.CustomHttpPattern(kind="HEAD", path="/v2/ping")),
}


def file_proto() -> descriptor_pb2.FileDescriptorProto:
    T = F
    kind = f".{PACKAGE}.Kind"
    proto = descriptor_pb2.FileDescriptorProto(
        name="fake/library/v1/library.proto",
        package=PACKAGE,
        syntax="proto3",
        dependency=[
            "google/api/annotations.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/field_mask.proto",
            "google/protobuf/wrappers.proto",
        ],
    )
    proto.enum_type.add(
        name="Kind",
        value=[
            descriptor_pb2.EnumValueDescriptorProto(name="KIND_UNSPECIFIED", number=0),
            descriptor_pb2.EnumValueDescriptorProto(name="PAPER", number=1),
            descriptor_pb2.EnumValueDescriptorProto(name="WOOD", number=2),
        ],
    )
    proto.message_type.extend(
        [
            _message("Deep", _field("label", 1, T.TYPE_STRING), _field("kind", 2, T.TYPE_ENUM, type_name=kind)),
            _message(
                "Filter",
                _field("tags", 1, T.TYPE_STRING, repeated=True),
                _field("numbers", 2, T.TYPE_INT32, repeated=True),
                _field("deep", 3, T.TYPE_MESSAGE, type_name=f".{PACKAGE}.Deep"),
                _field("kinds", 4, T.TYPE_ENUM, type_name=kind, repeated=True),
            ),
            _message(
                "Book",
                _field("name", 1, T.TYPE_STRING),
                _field("title", 2, T.TYPE_STRING),
                _field("pages", 3, T.TYPE_INT64),
            ),
            _message("GetBookRequest", _field("name", 1, T.TYPE_STRING)),
            _message(
                "ListBooksRequest",
                _field("parent", 1, T.TYPE_STRING),
                _field("page_size", 2, T.TYPE_INT32),
                _field("min_pages", 3, T.TYPE_INT64),
                _field("show_deleted", 4, T.TYPE_BOOL),
                _field("kind", 5, T.TYPE_ENUM, type_name=kind),
                _field("since", 6, T.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp"),
                _field("read_mask", 7, T.TYPE_MESSAGE, type_name=".google.protobuf.FieldMask"),
                _field("filter", 8, T.TYPE_MESSAGE, type_name=f".{PACKAGE}.Filter"),
                _field("ids", 9, T.TYPE_STRING, repeated=True),
                _field("max_price", 10, T.TYPE_MESSAGE, type_name=".google.protobuf.DoubleValue"),
                _field("big", 11, T.TYPE_UINT64),
            ),
            _message(
                "ListBooksResponse", _field("books", 1, T.TYPE_MESSAGE, type_name=f".{PACKAGE}.Book", repeated=True)
            ),
            _message(
                "MoveBookRequest",
                _field("name", 1, T.TYPE_STRING),
                _field("target_shelf", 2, T.TYPE_STRING),
            ),
            _message(
                "UpdateBookRequest",
                _field("book", 1, T.TYPE_MESSAGE, type_name=f".{PACKAGE}.Book"),
                _field("update_mask", 2, T.TYPE_MESSAGE, type_name=".google.protobuf.FieldMask"),
            ),
            _message("ReadFileRequest", _field("path", 1, T.TYPE_STRING), _field("offset", 2, T.TYPE_INT64)),
            _message("PingRequest"),
        ]
    )
    service = proto.service.add(name="Library")
    service.method.extend(
        [
            _rpc("GetBook", "GetBookRequest", "Book", RULES["GetBook"]),
            _rpc("ListBooks", "ListBooksRequest", "ListBooksResponse", RULES["ListBooks"]),
            _rpc("MoveBook", "MoveBookRequest", "Book", RULES["MoveBook"]),
            _rpc("UpdateBook", "UpdateBookRequest", "Book", RULES["UpdateBook"]),
            _rpc("ReadFile", "ReadFileRequest", "Book", RULES["ReadFile"]),
            _rpc("Ping", "PingRequest", "Book", RULES["Ping"]),
        ]
    )
    service.method.add(  # an RPC without an HTTP rule: no route
        name="StreamOnly", input_type=f".{PACKAGE}.PingRequest", output_type=f".{PACKAGE}.Book"
    )
    return proto


def library_service() -> ServiceDescriptor:
    """The Library service, in a pool of its own (beside the well-known types and google.api)."""
    pool = descriptor_pool.DescriptorPool()
    for module in (annotations_pb2, http_pb2, timestamp_pb2, field_mask_pb2, wrappers_pb2):
        _add_with_deps(pool, module.DESCRIPTOR)
    pool.Add(file_proto())
    return pool.FindServiceByName(f"{PACKAGE}.Library")


def _add_with_deps(pool: descriptor_pool.DescriptorPool, file: Any) -> None:
    for dependency in file.dependencies:
        _add_with_deps(pool, dependency)
    try:
        pool.FindFileByName(file.name)
    except KeyError:
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        pool.Add(proto)


def message_class(service: ServiceDescriptor, name: str) -> type[Message]:
    return message_factory.GetMessageClass(service.file.pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
