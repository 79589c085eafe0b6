"""The table of the ChatService RPCs: what every client method needs to know, derived from the service.
Read it through :mod:`chat_grpc.api.rpcs` (which loads this module on first use: defining the table's classes
costs a client's import time, and a client needs them at its first call).

Per RPC: the Python method name, the RPC, request and response classes, the keyword parameters (every
request field: the proto's ``google.api.method_signature`` fields first, then the required ones, then the
rest in field order), which string fields also accept a resource message (its ``name`` is sent), the routing
field for ``x-goog-request-params``, and its kind: a list (the response's repeated ``items`` field), an update
(the ``resource`` field whose set fields become the ``update_mask``), a create with ``request_id`` (generated
when absent, which makes retries safe). ``retryable`` marks the RPCs that are idempotent: gets, lists, finds,
searches, updates, deletes and the creates with a request id.

Everything is read from the service descriptor and its ``google.api`` annotations:

* ``params``: ``method_signature``, ``field_behavior`` (REQUIRED) and the request's fields;
* ``refs``: ``resource_reference`` on string fields (``type``, or for ``child_type`` the parent of that
  resource's pattern), resolved to the message that declares the resource;
* ``routing``: the first path variable of the RPC's ``google.api.http`` rule (``{space.name=spaces/*}``);
* ``items``: for paged RPCs (``page_token`` in, ``next_page_token`` out), the response's first repeated
  message field;
* ``resource``: for RPCs with an ``update_mask``, the field the HTTP rule's ``body`` names;
* ``request_id``: the request has a ``request_id`` field.

A new RPC in the protos therefore needs no edit here; only semantics that no annotation carries live in
:data:`SEMANTICS`. ``buildscripts/generate_client.py`` renders ``_methods.py`` (the typed sync and async
methods) from this table; ``tests/client/test_generated_methods.py`` checks it against the descriptor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from google.protobuf.message import Message

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor

# The table is built on first use (rpcs.RPCS, BY_NAME, BY_METHOD), not at import: deriving it loads every Chat
# descriptor, which a client does at its first call rather than when ``chat_grpc`` is imported. The descriptor
# modules are imported where the derivation uses them, for the same reason.

SERVICE = "google.chat.v1.ChatService"

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


@dataclass(frozen=True)
class Rpc(Generic[Req, Resp]):
    method: str
    """The client method, snake_case of the RPC: ``create_space``."""
    name: str
    """The RPC: ``CreateSpace``."""
    request: type[Req]
    response: type[Resp]
    params: tuple[str, ...]
    """Keyword parameters: every request field, method-signature fields first."""
    refs: Mapping[str, type[Message]] = field(default_factory=dict)
    """String fields holding a resource name that also accept that resource (or any message with a name)."""
    routing: str | None = None
    """The request field (dotted path) sent in ``x-goog-request-params``; None for top-level collections."""
    items: str | None = None
    """List RPCs: the repeated field of the response."""
    resource: str | None = None
    """Update RPCs: the request field holding the resource; its set fields make the default update_mask."""
    mask_nested: frozenset[str] = frozenset()
    """Update RPCs: resource fields whose set subfields (``access_settings.audience``) are the mask paths."""
    request_id: bool = False
    """Creates made idempotent by a client-generated ``request_id``."""
    retryable: bool = False
    media_upload: bool = False
    """RPCs whose request goes with a file: sent to Google's media upload endpoint (``/upload`` + the rule's path,
    multipart: the request as JSON, then the bytes), never as a plain call. Their client method takes ``data``."""

    @property
    def path(self) -> str:
        """The gRPC method path: ``/google.chat.v1.ChatService/CreateSpace``."""
        return f"/{SERVICE}/{self.name}"

    @property
    def constant(self) -> str:
        """This row's constant in the generated methods module: ``CREATE_SPACE``."""
        return self.method.upper()

    @property
    def returns_empty(self) -> bool:
        return self.response.DESCRIPTOR.full_name == "google.protobuf.Empty"


@dataclass(frozen=True)
class Semantics:
    """What no annotation says about an RPC, kept by hand."""

    mask_nested: frozenset[str] = frozenset()
    media_upload: bool = False


# The only hand-kept facts: UpdateSpace's mask names subfields of these two messages (the reference lists
# `access_settings.audience` and `permission_settings.*` as the update paths); UploadAttachment takes a file
# through Google's media upload protocol (the discovery document's `mediaUpload`, which no proto annotation
# carries; the server's REST door reads this same fact for its /upload routes).
SEMANTICS: dict[str, Semantics] = {
    "UpdateSpace": Semantics(mask_nested=frozenset({"access_settings", "permission_settings"})),
    "UploadAttachment": Semantics(media_upload=True),
}

_IDEMPOTENT_PREFIXES = ("Get", "List", "Find", "Search", "Update", "Delete")
_PATH_VARIABLE = re.compile(r"\{([a-z_.]+)(?:=[^}]*)?\}")


def snake(name: str) -> str:
    """``CreateSpace`` -> ``create_space``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _options(descriptor: Any, proto: type[Message]) -> Any:
    """A descriptor's options with its ``google.api`` extensions readable (parsed from the serialized form)."""
    options = proto()
    options.ParseFromString(descriptor.GetOptions().SerializeToString())
    return options


def _resources(file_descriptors: list[Any]) -> tuple[dict[str, Descriptor], dict[str, list[str]]]:
    """Every resource type: the message declaring it (when one does) and its patterns."""
    from google.api import resource_pb2
    from google.protobuf import descriptor_pb2

    messages: dict[str, Descriptor] = {}
    patterns: dict[str, list[str]] = {}

    def walk(descriptor: Descriptor) -> None:
        options = _options(descriptor, descriptor_pb2.MessageOptions)
        if options.HasExtension(resource_pb2.resource):
            resource = options.Extensions[resource_pb2.resource]
            messages[resource.type] = descriptor
            patterns[resource.type] = list(resource.pattern)
        for nested in descriptor.nested_types:
            walk(nested)

    for file in file_descriptors:
        for definition in _options(file, descriptor_pb2.FileOptions).Extensions[resource_pb2.resource_definition]:
            patterns[definition.type] = list(definition.pattern)
            # A definition without a message (users/{user}): the package's message of that name, if any.
            by_name = file.message_types_by_name.get(definition.type.rsplit("/", 1)[1])
            if by_name is not None:
                messages.setdefault(definition.type, by_name)
        for message in file.message_types_by_name.values():
            walk(message)
    return messages, patterns


def _files(service_file: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    pending = [service_file]
    while pending:
        file = pending.pop()
        if file.name not in seen:
            seen[file.name] = file
            pending.extend(file.dependencies)
    # Every file the service depends on (not only its package: beside Google's package, our files may be
    # registered as private copies under another package; only annotated messages declare resources anyway).
    return list(seen.values())


def _ref(field: FieldDescriptor, messages: dict[str, Descriptor], patterns: dict[str, list[str]]) -> Descriptor | None:
    from google.api import resource_pb2
    from google.protobuf import descriptor_pb2

    options = _options(field, descriptor_pb2.FieldOptions)
    if not options.HasExtension(resource_pb2.resource_reference):
        return None
    reference = options.Extensions[resource_pb2.resource_reference]
    if reference.type:
        found = messages.get(reference.type)
    else:  # child_type: the resource whose pattern is the child's minus its last collection
        parents = {p.rsplit("/", 2)[0] for p in patterns.get(reference.child_type, [])}
        found = next((messages[t] for t, ps in patterns.items() if set(ps) & parents and t in messages), None)
    return found if found is not None and "name" in found.fields_by_name else None


def _params(method: MethodDescriptor, options: Any) -> tuple[str, ...]:
    from google.api import client_pb2, field_behavior_pb2
    from google.protobuf import descriptor_pb2

    fields = method.input_type.fields
    ordered: list[str] = []
    for signature in options.Extensions[client_pb2.method_signature]:
        ordered += [name for name in (part.strip() for part in signature.split(",")) if name and name not in ordered]
    for f in fields:
        behaviours = _options(f, descriptor_pb2.FieldOptions).Extensions[field_behavior_pb2.field_behavior]
        if field_behavior_pb2.REQUIRED in behaviours and f.name not in ordered:
            ordered.append(f.name)
    ordered += [f.name for f in fields if f.name not in ordered]
    return tuple(ordered)


def _derive(method: MethodDescriptor, messages: dict[str, Descriptor], patterns: dict[str, list[str]]) -> Rpc[Any, Any]:
    from google.api import annotations_pb2
    from google.protobuf import descriptor_pb2, message_factory
    from google.protobuf.descriptor import FieldDescriptor

    options = _options(method, descriptor_pb2.MethodOptions)
    rule = options.Extensions[annotations_pb2.http]
    template = getattr(rule, rule.WhichOneof("pattern") or "get", "")
    variable = _PATH_VARIABLE.search(template if isinstance(template, str) else template.path)
    request, response = method.input_type, method.output_type
    items = None
    if "page_token" in request.fields_by_name and "next_page_token" in response.fields_by_name:
        items = next(f.name for f in response.fields if f.is_repeated and f.message_type is not None)
    resource = rule.body if "update_mask" in request.fields_by_name and rule.body not in ("", "*") else None
    request_id = "request_id" in request.fields_by_name
    refs = {}
    for f in request.fields:
        if f.type == FieldDescriptor.TYPE_STRING and not f.is_repeated:
            target = _ref(f, messages, patterns)
            if target is not None:
                refs[f.name] = message_factory.GetMessageClass(target)
    semantics = SEMANTICS.get(method.name, Semantics())
    return Rpc(
        snake(method.name),
        method.name,
        message_factory.GetMessageClass(request),
        message_factory.GetMessageClass(response),
        _params(method, options),
        refs=refs,
        routing=variable.group(1) if variable else None,
        items=items,
        resource=resource,
        mask_nested=semantics.mask_nested,
        request_id=request_id,
        retryable=method.name.startswith(_IDEMPOTENT_PREFIXES) or request_id,
        media_upload=semantics.media_upload,
    )


def _table() -> tuple[Rpc[Any, Any], ...]:
    from google.chat.v1 import chat_service_pb2

    service = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
    messages, patterns = _resources(_files(chat_service_pb2.DESCRIPTOR))
    unknown = set(SEMANTICS) - {m.name for m in service.methods}
    if unknown:
        raise RuntimeError(f"SEMANTICS names RPCs the service does not have: {sorted(unknown)}")
    return tuple(_derive(method, messages, patterns) for method in service.methods)


def build() -> tuple[tuple[Rpc[Any, Any], ...], dict[str, Rpc[Any, Any]], dict[str, Rpc[Any, Any]]]:
    """Every RPC of the service in its order, the same by client method (``create_space``) and by RPC
    (``CreateSpace``): ``rpcs.RPCS``, ``rpcs.BY_METHOD`` and ``rpcs.BY_NAME``."""
    rpcs = _table()
    return rpcs, {r.method: r for r in rpcs}, {r.name: r for r in rpcs}
