"""Compare our compiled descriptors with Google's published ones, wire fact by wire fact.

Both sides arrive as ``FileDescriptorSet`` protos, so nothing here loads either API into a descriptor pool
(Google's and our types share full names and cannot live in one pool).

What counts as a difference:
* one of our messages, enums, fields, enum values or RPCs that Google does not have, or has with another
  number, type, label, message/enum type, oneof (proto3 ``optional`` included) or request/response type;
* a Cards v2 (``google.apps.card.v1``) item Google has and we lack: Cards v2 is mirrored completely;
* an HTTP rule that differs from the official REST transport's;
* a method signature (the union of an RPC's ``google.api.method_signature`` fields, in order) that differs
  from the flattened parameters of Google's GAPIC method;
* an OAuth scope of the service, or a resource name pattern (``google.api.resource``), that differs from
  Google's client (its scopes, and the patterns of its ``*_path`` helpers).

A ``google.chat.v1`` item Google has and we lack is reported separately as *oracle-only*: the to-do list of
the next spec change (``make oracle-diff``); the conformance test requires it to be empty.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from google.api import (
    annotations_pb2,
    client_pb2,
    http_pb2,
    resource_pb2,
)
from google.protobuf import descriptor_pb2

CHAT = "google.chat.v1"
CARD = "google.apps.card.v1"
PACKAGES = (CHAT, CARD)
SERVICE = f"{CHAT}.ChatService"

_TYPE_NAMES = {
    value: name.removeprefix("TYPE_").lower() for name, value in descriptor_pb2.FieldDescriptorProto.Type.items()
}
_LABEL_NAMES = {
    value: name.removeprefix("LABEL_").lower() for name, value in descriptor_pb2.FieldDescriptorProto.Label.items()
}


@dataclass
class Report:
    differences: list[str] = field(default_factory=list)
    oracle_only: list[str] = field(default_factory=list)
    compared: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.compared.items()))
        return (
            f"compared {sum(self.compared.values())} facts ({counts}); "
            f"{len(self.differences)} differences; {len(self.oracle_only)} oracle-only (in Google's API, not in ours)"
        )


@dataclass
class Index:
    messages: dict[str, descriptor_pb2.DescriptorProto] = field(default_factory=dict)
    enums: dict[str, descriptor_pb2.EnumDescriptorProto] = field(default_factory=dict)
    methods: dict[str, descriptor_pb2.MethodDescriptorProto] = field(default_factory=dict)
    services: dict[str, descriptor_pb2.ServiceDescriptorProto] = field(default_factory=dict)
    # resource type (chat.googleapis.com/MessagePin) -> its name patterns
    resources: dict[str, list[str]] = field(default_factory=dict)


def load_set(path: Path) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(path.read_bytes())
    return fds


def index(fds: descriptor_pb2.FileDescriptorSet) -> Index:
    result = Index()

    def add_enums(prefix: str, enums) -> None:
        for enum in enums:
            result.enums[f"{prefix}.{enum.name}"] = enum

    def add_messages(prefix: str, messages) -> None:
        for message in messages:
            full = f"{prefix}.{message.name}"
            result.messages[full] = message
            if message.options.HasExtension(resource_pb2.resource):
                resource = message.options.Extensions[resource_pb2.resource]
                result.resources[resource.type] = list(resource.pattern)
            add_messages(full, message.nested_type)
            add_enums(full, message.enum_type)

    for file in fds.file:
        if file.package not in PACKAGES:
            continue
        add_messages(file.package, file.message_type)
        add_enums(file.package, file.enum_type)
        for definition in file.options.Extensions[resource_pb2.resource_definition]:
            result.resources[definition.type] = list(definition.pattern)
        for service in file.service:
            result.services[f"{file.package}.{service.name}"] = service
            for method in service.method:
                result.methods[f"{file.package}.{service.name}.{method.name}"] = method
    return result


def _field_name(name: str) -> str:
    # proto-plus appends "_" to fields named like Python keywords/builtins (type_ is really type).
    return name[:-1] if name.endswith("_") else name


def _oneof(message: descriptor_pb2.DescriptorProto, f: descriptor_pb2.FieldDescriptorProto) -> str:
    if f.proto3_optional:
        return "proto3 optional"
    if f.HasField("oneof_index"):
        return f"oneof {message.oneof_decl[f.oneof_index].name}"
    return "no oneof"


def _shape(message: descriptor_pb2.DescriptorProto, f: descriptor_pb2.FieldDescriptorProto) -> dict[str, str]:
    return {
        "number": str(f.number),
        "type": _TYPE_NAMES[f.type],
        "label": _LABEL_NAMES[f.label],
        "type_name": f.type_name.lstrip("."),
        "oneof": _oneof(message, f),
    }


def _package(full_name: str) -> str:
    return CARD if full_name.startswith(CARD + ".") else CHAT


def _missing(report: Report, full_name: str, what: str) -> None:
    """An item Google has and we lack: a difference for Cards v2, informational for the chat API."""
    line = f"{what} {full_name}"
    (report.differences if _package(full_name) == CARD else report.oracle_only).append(line)


def compare_types(ours: Index, oracle: Index, report: Report) -> None:
    for name, message in sorted(ours.messages.items()):
        theirs = oracle.messages.get(name)
        report.compared["messages"] += 1
        if theirs is None:
            report.differences.append(f"message {name}: not in Google's API")
            continue
        their_fields = {_field_name(f.name): f for f in theirs.field}
        for f in message.field:
            report.compared["fields"] += 1
            other = their_fields.pop(f.name, None)
            if other is None:
                report.differences.append(f"field {name}.{f.name}: not in Google's API")
                continue
            mine, official = _shape(message, f), _shape(theirs, other)
            for aspect in mine:
                if mine[aspect] != official[aspect]:
                    report.differences.append(
                        f"field {name}.{f.name}: {aspect} is {mine[aspect]!r}, Google has {official[aspect]!r}"
                    )
        for missing in sorted(their_fields):
            _missing(report, f"{name}.{missing}", "field")
    for name in sorted(set(oracle.messages) - set(ours.messages)):
        _missing(report, name, "message")

    for name, enum in sorted(ours.enums.items()):
        theirs = oracle.enums.get(name)
        report.compared["enums"] += 1
        if theirs is None:
            report.differences.append(f"enum {name}: not in Google's API")
            continue
        their_values = {v.name: v.number for v in theirs.value}
        for value in enum.value:
            report.compared["enum values"] += 1
            number = their_values.pop(value.name, None)
            if number is None:
                report.differences.append(f"enum value {name}.{value.name}: not in Google's API")
            elif number != value.number:
                report.differences.append(
                    f"enum value {name}.{value.name}: number is {value.number}, Google has {number}"
                )
        for missing in sorted(their_values):
            _missing(report, f"{name}.{missing}", "enum value")
    for name in sorted(set(oracle.enums) - set(ours.enums)):
        _missing(report, name, "enum")


def http_rules(method: descriptor_pb2.MethodDescriptorProto) -> list[dict[str, str]]:
    """The method's google.api.http rule and its additional bindings, as {method, uri, body} dicts."""
    if not method.options.HasExtension(annotations_pb2.http):
        return []
    rule: http_pb2.HttpRule = method.options.Extensions[annotations_pb2.http]
    rules = []
    for r in (rule, *rule.additional_bindings):
        verb = r.WhichOneof("pattern")
        uri = r.custom.path if verb == "custom" else getattr(r, verb)
        rules.append({"method": r.custom.kind.lower() if verb == "custom" else verb, "uri": f"{uri}", "body": r.body})
    return rules


def compare_service(ours: Index, oracle_rpcs: dict[str, dict], report: Report) -> None:
    seen = set()
    for full_name, method in sorted(ours.methods.items()):
        rpc = full_name.rsplit(".", 1)[1]
        seen.add(rpc)
        report.compared["rpcs"] += 1
        theirs = oracle_rpcs.get(rpc)
        if theirs is None or not full_name.startswith(SERVICE + "."):
            report.differences.append(f"rpc {full_name}: not in Google's ChatService")
            continue
        for aspect, value in (("request", method.input_type), ("response", method.output_type)):
            if value.lstrip(".") != theirs[aspect]:
                report.differences.append(f"rpc {rpc}: {aspect} is {value.lstrip('.')}, Google has {theirs[aspect]}")
        report.compared["http rules"] += 1
        mine = http_rules(method)
        if mine != theirs["http"]:
            report.differences.append(f"rpc {rpc}: http rules are {mine}, Google has {theirs['http']}")
        if "signature" in theirs:
            report.compared["method signatures"] += 1
            fields = signature_fields(method)
            if fields != theirs["signature"]:
                report.differences.append(
                    f"rpc {rpc}: method signature fields are {fields}, Google has {theirs['signature']}"
                )
    for rpc in sorted(set(oracle_rpcs) - seen):
        report.oracle_only.append(f"rpc {SERVICE}.{rpc}")


def signature_fields(method: descriptor_pb2.MethodDescriptorProto) -> list[str]:
    """The fields of all the method's signatures, in order of first appearance (what GAPIC flattens)."""
    fields: list[str] = []
    for signature in method.options.Extensions[client_pb2.method_signature]:
        for name in filter(None, (part.strip() for part in signature.split(","))):
            if name not in fields:
                fields.append(name)
    return fields


def _snake(type_name: str) -> str:
    kind = type_name.rsplit("/", 1)[1]
    return "".join("_" + c.lower() if c.isupper() else c for c in kind).lstrip("_")


def compare_surface(ours: Index, surface: dict, report: Report) -> None:
    """The service's OAuth scopes and the resource patterns Google's client knows."""
    service = ours.services.get(SERVICE)
    scopes = sorted(s for s in (service.options.Extensions[client_pb2.oauth_scopes] if service else "").split(",") if s)
    report.compared["oauth scopes"] += len(surface["scopes"])
    for scope in sorted(set(surface["scopes"]) - set(scopes)):
        _missing(report, scope, "oauth scope")
    for scope in sorted(set(scopes) - set(surface["scopes"])):
        report.differences.append(f"oauth scope {scope}: not in Google's API")
    patterns = {_snake(kind): kind_patterns for kind, kind_patterns in ours.resources.items()}
    for kind, pattern in sorted(surface["resource_patterns"].items()):
        report.compared["resource patterns"] += 1
        if kind not in patterns:
            _missing(report, f"{kind} ({pattern})", "resource")
        elif pattern not in patterns[kind]:
            report.differences.append(f"resource {kind}: patterns are {patterns[kind]}, Google has {pattern!r}")


def compare(
    ours: descriptor_pb2.FileDescriptorSet,
    oracle: descriptor_pb2.FileDescriptorSet,
    oracle_rpcs: dict[str, dict],
    *,
    with_service: bool = True,
    surface: dict | None = None,
) -> Report:
    report = Report()
    mine, theirs = index(ours), index(oracle)
    compare_types(mine, theirs, report)
    if with_service:
        compare_service(mine, oracle_rpcs, report)
    if surface is not None:
        compare_surface(mine, surface, report)
    return report


def load_surface(path: Path) -> dict:
    return json.loads(path.read_text())


def load_rpcs(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text())
