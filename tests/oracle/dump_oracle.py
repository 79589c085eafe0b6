"""Runs INSIDE the oracle virtualenv (Google's google-apps-chat / google-apps-card), never in ours.

Writes the wire facts of Google's published API to a folder, for our conformance tests to compare with:

* ``oracle.binpb``: a FileDescriptorSet of every file that defines ``google.chat.v1`` or
  ``google.apps.card.v1`` types (proto-plus builds these from Google's generated Python);
* ``rpcs.json``: every ChatService RPC with its request/response types, REST HTTP rules and the flattened
  fields of its GAPIC method (the union of its ``google.api.method_signature`` fields, in order);
* ``surface.json``: the service's OAuth scopes and the resource name patterns of the GAPIC client's path
  helpers (``message_pin_path`` -> ``spaces/{space}/messagePins/{message_pin}``).

Usage: ``<oracle-python> tests/oracle/dump_oracle.py OUT_DIR``
"""

import importlib
import inspect
import json
import pkgutil
import re
import sys
from pathlib import Path

import google.apps.card_v1.types as card_types
import google.apps.chat_v1.types as chat_types
from google.apps.chat_v1.services.chat_service.transports import rest_base
from google.protobuf import descriptor_pb2, descriptor_pool


def file_names():
    for package in (chat_types, card_types):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
            yield f"{package.__name__.replace('.', '/')}/{module.name}.proto"


def descriptor_set():
    pool = descriptor_pool.Default()
    out = descriptor_pb2.FileDescriptorSet()
    for name in sorted(set(file_names())):
        try:
            file = pool.FindFileByName(name)
        except KeyError:
            continue
        file.CopyToProto(out.file.add())
    return out


class RecordingChannel:
    """Stands in for a grpc.Channel: records what each stub would send and decode."""

    def __init__(self):
        self.calls = {}

    def unary_unary(self, path, request_serializer=None, response_deserializer=None, **_):
        self.calls[path.rsplit("/", 1)[1]] = (path, request_serializer, response_deserializer)
        return lambda *a, **k: None


def message_name(codec):
    owner = getattr(codec, "__self__", None)  # proto-plus classmethod, e.g. Space.deserialize
    if owner is not None and hasattr(owner, "pb"):
        return owner.pb().DESCRIPTOR.full_name
    owner = getattr(codec, "__self__", codec)  # plain protobuf, e.g. Empty.FromString
    return owner.DESCRIPTOR.full_name


def rpcs():
    from google.apps.chat_v1.services.chat_service.transports.grpc import ChatServiceGrpcTransport

    channel = RecordingChannel()
    transport = ChatServiceGrpcTransport.__new__(ChatServiceGrpcTransport)
    transport._stubs = {}
    transport._grpc_channel = channel
    transport._logged_channel = channel
    # Every RPC has a REST base class _Base<Rpc>; its gRPC property <rpc_in_snake_case> creates the stub.
    names = [n.removeprefix("_Base") for n in vars(rest_base._BaseChatServiceRestTransport) if n.startswith("_Base")]
    for rpc in names:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in rpc).lstrip("_")
        getattr(transport, snake)
    assert sorted(channel.calls) == sorted(names), "every RPC's stub was created"
    result = {}
    for rpc, (path, serializer, deserializer) in sorted(channel.calls.items()):
        base = getattr(rest_base._BaseChatServiceRestTransport, f"_Base{rpc}")
        rules = [
            {"method": opt["method"], "uri": opt["uri"], "body": opt.get("body", "")}
            for opt in base._get_http_options()
        ]
        result[rpc] = {
            "signature": flattened("".join("_" + c.lower() if c.isupper() else c for c in rpc).lstrip("_")),
            "path": path,
            "request": message_name(serializer),
            "response": message_name(deserializer),
            "http": rules,
        }
    return result


# Parameters of every GAPIC method that are not flattened request fields.
_NOT_FLATTENED = {"self", "request", "retry", "timeout", "metadata"}


def flattened(method_name):
    from google.apps.chat_v1.services.chat_service import ChatServiceClient

    parameters = inspect.signature(getattr(ChatServiceClient, method_name)).parameters
    return [p for p in parameters if p not in _NOT_FLATTENED]


def surface():
    from google.apps.chat_v1.services.chat_service import ChatServiceClient
    from google.apps.chat_v1.services.chat_service.transports.base import ChatServiceTransport

    patterns = {}
    for name, member in sorted(vars(ChatServiceClient).items()):
        if name.endswith("_path") and not name.startswith(("parse_", "common_")):
            found = re.search(r'return "([^"]+)"\.format', inspect.getsource(member.__func__))
            assert found, f"no pattern in {name}"
            patterns[name.removesuffix("_path")] = found.group(1)
    return {"scopes": sorted(ChatServiceTransport.AUTH_SCOPES), "resource_patterns": patterns}


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "oracle.binpb").write_bytes(descriptor_set().SerializeToString(deterministic=True))
    (out / "rpcs.json").write_text(json.dumps(rpcs(), indent=1, sort_keys=True))
    (out / "surface.json").write_text(json.dumps(surface(), indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
