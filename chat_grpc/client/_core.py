"""What the sync and asyncio clients share, with no I/O: request building, masks, request ids, routing
metadata, deadlines and the retry decision of each attempt.

:func:`build_request` turns ``request`` or keyword fields into the request message; :class:`CallPlan` holds
one call's request, metadata, deadline and retry state. The clients only send ``plan.request`` with
``plan.timeout()`` and ``plan.metadata()``, and on a ``grpc.RpcError`` sleep ``plan.failed(error)`` seconds
(which raises the mapped :class:`~chat_grpc.client.errors.ChatApiError` instead when the call is over).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from urllib.parse import urlencode

from google.protobuf.message import Message

from chat_grpc.client.retry import DEFAULT, Default, RetryPolicy, next_sleep, uniform

# protobuf's runtime (descriptors, message_factory, the well-known types) is imported where it is used, not here:
# it costs more to import than the rest of the client, and a client loads it with its first call anyway (the RPC
# table), not with ``from chat_grpc import ChatClient``. Message above is a plain Python module of protobuf.
if TYPE_CHECKING:
    from google.protobuf import field_mask_pb2
    from google.protobuf.descriptor import FieldDescriptor

    from chat_grpc.api.rpcs import Rpc
    from chat_grpc.client.errors import ChatApiError

Req = TypeVar("Req", bound=Message)

MetadataValue = str | bytes
Metadata = Sequence[tuple[str, MetadataValue]]
"""gRPC metadata: (lower-case key, value) pairs."""
AuthMetadata = Callable[[], Metadata]
"""Called before every attempt: per-call auth metadata, for plaintext channels that cannot carry call credentials."""

ROUTING_HEADER = "x-goog-request-params"


class Named(Protocol):
    """Anything with a resource ``name``: where a resource name is expected, the client takes the resource
    message or such an object (the toolkit's store records ``User``, ``App``, ...) and sends its name."""

    @property
    def name(self) -> str: ...


# ------------------------------------------------------------------------------------------------ requests


class _Shape:
    """What :func:`build_request` needs to know about one RPC's request, worked out once."""

    def __init__(self, rpc: Rpc[Any, Any]) -> None:
        self.params = frozenset(rpc.params)
        # Fields whose value may go straight to the message constructor when it has exactly this Python type:
        # singular strings, bools and integers that are not enums (those take names, resources, masks, ...).
        self.plain: dict[str, type] = {}
        plain_types = _plain_types()
        for name in rpc.params:
            field = cast("FieldDescriptor", rpc.request.DESCRIPTOR.fields_by_name[name])
            if is_repeated(field) or field.enum_type is not None or field.message_type is not None:
                continue
            kind = plain_types.get(field.type)
            if kind is not None:
                self.plain[name] = kind
        # Singular string fields: a value of another type is a resource (``.name``) or a TypeError naming the
        # parameter. ``refs``: those holding a resource name (they take resources and the toolkit's records).
        self.strings = frozenset(name for name, kind in self.plain.items() if kind is str)
        self.refs = frozenset(rpc.refs)


@functools.cache
def _plain_types() -> dict[int, type]:
    from google.protobuf.descriptor import FieldDescriptor

    return {
        FieldDescriptor.TYPE_STRING: str,
        FieldDescriptor.TYPE_BOOL: bool,
        FieldDescriptor.TYPE_INT32: int,
        FieldDescriptor.TYPE_INT64: int,
    }


_SHAPES: dict[str, _Shape] = {}


def _shape(rpc: Rpc[Any, Any]) -> _Shape:
    found = _SHAPES.get(rpc.name)
    if found is None:
        found = _SHAPES[rpc.name] = _Shape(rpc)
    return found


class RequestAndFieldsError(TypeError, ValueError):
    """``request`` and keyword fields in one call. A TypeError (a wrong call, as for any conflicting arguments)
    and, as GAPIC clients raise and this client raised before, a ValueError."""


def build_request(rpc: Rpc[Req, Any], request: Req | Mapping[str, Any] | None, fields: Mapping[str, object]) -> Req:
    """The request to send: a copy of ``request`` (a request message, or a dict of its fields: snake_case or
    lowerCamelCase keys, nested dicts), or one built from the keyword ``fields`` (None = unset).

    Keyword updates without ``update_mask`` get the mask of the resource's set fields (a ``request`` is sent as
    given); creates without a ``request_id`` get a fresh one (also when ``request`` is given), so retrying them
    cannot duplicate.
    """
    # One pass over the fields, kept short (it runs on every call): the plain values (``name="spaces/A"``) go to
    # the message constructor in one call, the others (messages, dicts, enum names, resources...) one by one.
    shape = _SHAPES.get(rpc.name) or _shape(rpc)
    plain = shape.plain
    direct: dict[str, Any] = {}
    others: list[tuple[str, object]] = []
    for name, value in fields.items():
        if value is None:
            continue
        if plain.get(name) is type(value):
            direct[name] = value
        else:
            others.append((name, value))
    if others and not shape.params.issuperset(name for name, _ in others):
        unknown = {name for name, _ in others} - shape.params
        raise TypeError(f"{rpc.method}() got unexpected fields: {', '.join(sorted(unknown))}")
    if request is not None and (direct or others):
        given = sorted([*direct, *(name for name, _ in others)])
        raise RequestAndFieldsError(
            f"{rpc.method}(): pass either a request message or keyword fields, not both "
            f"(got request and {', '.join(given)})"
        )
    if request is None:
        built = rpc.request(**direct)
        for name, value in others:
            if name in shape.strings:
                value = _string_value(rpc, shape, name, value)
            assign(built, name, value)
        if rpc.resource is not None and fields.get("update_mask") is None:
            mask = update_mask_for(getattr(built, rpc.resource), nested=rpc.mask_nested)
            built.update_mask.paths.extend(mask)  # type: ignore[attr-defined]
    elif isinstance(request, Mapping):
        built = rpc.request()
        for name, value in _field_names(rpc.request.DESCRIPTOR, request, f"{rpc.method}(): request").items():
            if value is None:
                continue
            if name in shape.strings and not isinstance(value, str):
                value = _string_value(rpc, shape, name, value)
            assign(built, name, value)
    else:
        if not isinstance(request, rpc.request):
            hint = f" (pass the name as {rpc.params[0]}=...)" if isinstance(request, str) else ""
            raise TypeError(
                f"{rpc.method}(): request must be a {rpc.request.DESCRIPTOR.full_name} (or a dict of its fields), "
                f"got {type(request).__name__}{hint}"
            )
        built = rpc.request()
        built.CopyFrom(request)
    if rpc.request_id and not built.request_id:  # type: ignore[attr-defined]
        import uuid  # here, not at the top: only creates need it, and it costs the client's import time

        built.request_id = str(uuid.uuid4())  # type: ignore[attr-defined]
    return built


def _string_value(rpc: Rpc[Any, Any], shape: _Shape, name: str, value: object) -> object:
    """A string parameter's value: a resource name parameter also takes a resource message or anything with a
    ``name`` (the toolkit's store records: ``User``, ``App``, ...); any other type is a TypeError naming it."""
    if isinstance(value, str):
        return value
    if name in shape.refs:
        if isinstance(value, Message):
            return value  # assign() sends its name (or says it has none)
        found = getattr(value, "name", None)
        if isinstance(found, str) and found:
            return found
        kind = rpc.refs[name].DESCRIPTOR.full_name
        raise TypeError(
            f"{rpc.method}(): {name!r} must be a resource name (str) or a resource with a name "
            f"(a {kind}, a store record, ...), got {type(value).__name__}"
        )
    if isinstance(value, Message):
        return value  # a resource where its name is expected: assign() sends the name
    raise TypeError(f"{rpc.method}(): {name!r} must be a str, got {type(value).__name__}")


def _field_names(descriptor: Any, values: Mapping[str, Any], target: str) -> dict[str, Any]:
    """``values`` keyed by field name: keys may be field names (``display_name``) or their JSON names
    (``displayName``), as in Google's REST documentation and GAPIC clients."""
    by_name = descriptor.fields_by_name
    named: dict[str, Any] = {}
    for key, value in values.items():
        field = by_name.get(key) if isinstance(key, str) else None
        if field is None and isinstance(key, str):
            field = descriptor.fields_by_camelcase_name.get(key) or next(
                (f for f in descriptor.fields if f.json_name == key), None
            )
        if field is None:
            raise ValueError(f"{target}: {descriptor.full_name} has no field {key!r}")
        if field.name in named:
            raise ValueError(f"{target}: {field.name!r} is given twice (as {field.name} and {field.json_name})")
        named[field.name] = value
    return named


def _from_dict(cls: type[Message], values: Mapping[str, Any], target: str) -> Message:
    """A message from a dict of its fields: snake_case or lowerCamelCase keys, nested dicts (also in lists),
    enum names, messages."""
    descriptor: Any = cls.DESCRIPTOR
    named = _field_names(descriptor, values, target)
    for name, value in named.items():
        field = descriptor.fields_by_name[name]
        sub = field.message_type
        if sub is None or sub.GetOptions().map_entry:
            continue
        sub_cls = _message_class(sub)
        if isinstance(value, Mapping):
            named[name] = _from_dict(sub_cls, value, f"{target}.{name}")
        elif is_repeated(field) and isinstance(value, Sequence) and not isinstance(value, str | bytes):
            named[name] = [
                _from_dict(sub_cls, item, f"{target}.{name}") if isinstance(item, Mapping) else item for item in value
            ]
    return cls(**named)


def assign(message: Message, name: str, value: object) -> None:
    """Set one field from a keyword argument, accepting what the client documents for each kind of field."""
    field = cast("FieldDescriptor", message.DESCRIPTOR.fields_by_name[name])
    target = f"{message.DESCRIPTOR.name}.{name}"
    if field.message_type is not None and field.message_type.full_name == "google.protobuf.FieldMask":
        getattr(message, name).CopyFrom(field_mask(value))
    elif is_repeated(field):
        if isinstance(value, str | bytes | Message | Mapping) or not isinstance(value, Sequence | Iterator):
            raise TypeError(f"{target} is repeated: pass a list, got {type(value).__name__}")
        container = getattr(message, name)
        for item in value:
            if field.message_type is not None:
                container.add().CopyFrom(_message_value(field, item, target))
            else:
                container.append(_scalar_value(field, item, target))
    elif field.message_type is not None:
        getattr(message, name).CopyFrom(_message_value(field, value, target))
    else:
        setattr(message, name, _scalar_value(field, value, target))


def is_repeated(field: FieldDescriptor) -> bool:
    """``field.is_repeated`` where protobuf has it (``label`` is deprecated there), ``label`` before."""
    if hasattr(type(field), "is_repeated"):
        return bool(field.is_repeated)
    from google.protobuf.descriptor import FieldDescriptor

    return bool(getattr(field, "label", None) == FieldDescriptor.LABEL_REPEATED)


def _message_class(descriptor: Any) -> type[Message]:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)


def _message_value(field: FieldDescriptor, value: object, target: str) -> Message:
    descriptor = field.message_type
    assert descriptor is not None
    cls = _message_class(descriptor)
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return _from_dict(cls, value, target)
    raise TypeError(f"{target} must be a {descriptor.full_name} (or a dict of its fields), got {value!r}")


def _scalar_value(field: FieldDescriptor, value: object, target: str) -> object:
    from google.protobuf.descriptor import FieldDescriptor

    if field.enum_type is not None:
        if isinstance(value, str):
            found = field.enum_type.values_by_name.get(value)
            if found is None:
                names = ", ".join(v.name for v in field.enum_type.values)
                raise ValueError(f"{target}: {value!r} is not a {field.enum_type.full_name} (one of {names})")
            return found.number
        return value
    if field.type == FieldDescriptor.TYPE_STRING and isinstance(value, Message):
        return resource_name(value, target)
    return value


def resource_name(value: Message, target: str = "name") -> str:
    """The ``name`` of a resource message passed where a resource name is expected."""
    name = getattr(value, "name", None) if "name" in value.DESCRIPTOR.fields_by_name else None
    if not isinstance(name, str) or not name:
        raise ValueError(f"{target}: a {value.DESCRIPTOR.full_name} without a name cannot stand for a resource name")
    return name


def field_mask(value: object) -> field_mask_pb2.FieldMask:
    """A FieldMask from a FieldMask, a list of paths or a comma-separated string."""
    from google.protobuf import field_mask_pb2

    if isinstance(value, field_mask_pb2.FieldMask):
        return value
    if isinstance(value, str):
        return field_mask_pb2.FieldMask(paths=[p.strip() for p in value.split(",") if p.strip()])
    if isinstance(value, Sequence) and all(isinstance(p, str) for p in value):
        return field_mask_pb2.FieldMask(paths=list(value))
    raise TypeError(f"update_mask must be a FieldMask, a list of paths or 'a,b,c', got {value!r}")


def _maskable(field: FieldDescriptor) -> bool:
    from google.api import field_behavior_pb2  # here: an update's first mask loads it, not the client's import

    behaviors: Sequence[int] = field.GetOptions().Extensions[field_behavior_pb2.field_behavior]  # type: ignore[index]
    # Fields an update cannot change, so a computed update_mask leaves them out.
    fixed = (field_behavior_pb2.OUTPUT_ONLY, field_behavior_pb2.IDENTIFIER, field_behavior_pb2.IMMUTABLE)
    return field.name != "name" and not any(behavior in fixed for behavior in behaviors)


def update_mask_for(resource: Message, *, nested: frozenset[str] = frozenset()) -> list[str]:
    """The paths of the fields set on ``resource``, without ``name``, output-only and immutable fields.

    Fields listed in ``nested`` contribute their set subfields (``access_settings.audience``). A field only
    counts as set when it differs from its default (proto3): to clear a field, pass ``update_mask``.
    """
    paths: list[str] = []
    for field, value in resource.ListFields():
        if not _maskable(field):
            continue
        if field.name in nested and field.message_type is not None and not is_repeated(field):
            paths += [f"{field.name}.{sub.name}" for sub, _ in value.ListFields() if _maskable(sub)]
        else:
            paths.append(field.name)
    return paths


def field_value(message: Message, path: str) -> object:
    value: object = message
    for part in path.split("."):
        value = getattr(value, part)
    return value


def routing_metadata(rpc: Rpc[Any, Any], request: Message) -> tuple[str, str] | None:
    """The ``x-goog-request-params`` entry that lets Google route the call (``name=spaces/AAA``)."""
    path = rpc.routing
    if path is None:
        return None
    value = field_value(request, path) if "." in path else getattr(request, path)
    if not isinstance(value, str) or not value:
        return None
    return _routing_entry(path, value)


_ROUTED_MAX = 4096


@functools.lru_cache(maxsize=4096)
def _routing_entry(path: str, value: str) -> tuple[str, str]:
    return ROUTING_HEADER, urlencode({path: value}, safe="/")


# ------------------------------------------------------------------------------------------------ calls


class CallPlan:
    """One call in progress: its request and metadata, its deadline, and whether a failure is retried."""

    __slots__ = (
        "_auth_metadata", "_backoff", "_clock", "_last", "_metadata", "_rand", "attempts", "deadline", "request",
        "retry", "retry_unsent",
    )  # fmt: skip

    def __init__(
        self,
        request: Message,
        metadata: Metadata,
        auth_metadata: AuthMetadata | None,
        timeout: float | None,
        retry: RetryPolicy | None,
        *,
        retry_unsent: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = uniform,
    ) -> None:
        self.request = request
        self.retry_unsent = retry_unsent  # for calls that are not idempotent: the policy when nothing was sent
        self._metadata = metadata if type(metadata) is tuple else tuple(metadata)
        self._auth_metadata = auth_metadata
        self._clock = clock
        self._rand = rand
        self.deadline = clock() + timeout if timeout is not None else None
        self.retry = retry
        self._backoff: Iterator[float] | None = None  # made on the first failure: most calls never need it
        self._last: tuple[ChatApiError, Exception] | None = None  # the failure a retry is waiting to repeat
        self.attempts = 0

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(self.deadline - self._clock(), 0.0)

    def timeout(self) -> float | None:
        """The gRPC timeout of the next attempt: whatever is left of the call's deadline. Counts the attempt.

        A retry whose deadline passed during the sleep before it (a sleep ends late on a busy machine) is not
        sent: the failure it was to repeat is raised, as when the sleep itself would have passed the deadline."""
        self.attempts += 1
        deadline = self.deadline
        if deadline is None:
            return None
        left = deadline - self._clock()
        if left > 0.0:
            return left
        if self._last is not None:
            mapped, error = self._last
            raise mapped from error
        return 0.0

    def metadata(self) -> Metadata:
        if self._auth_metadata is None:
            return self._metadata
        return (*self._metadata, *self._auth_metadata())

    def failed(self, error: Exception, mapped: ChatApiError | None = None, *, unsent: bool = False) -> float:
        """The sleep before the next attempt, or raise the ChatApiError for ``error`` (``from error``).

        ``error`` is a ``grpc.RpcError``, mapped here; the REST transport passes its own ``mapped`` error (from
        the HTTP answer) with the httpx exception as ``error``. ``unsent``: the error proves the request never
        reached the server (the connection could not be made), so even a call that is not idempotent may be
        sent again, by ``retry_unsent``."""
        if mapped is None:
            # Imported when first needed: the error hierarchy (and google-api-core, its optional bases) costs
            # more to import than a client needs until a call fails.
            from chat_grpc.client.errors import from_grpc_error

            mapped = from_grpc_error(error)  # type: ignore[arg-type]
        delay = None
        policy = self.retry if self.retry is not None else self.retry_unsent if unsent else None
        if policy is not None:
            if self._backoff is None:
                self._backoff = policy.backoff(self._rand)
            delay = next_sleep(
                policy, self._backoff, code=mapped.code, retry_delay=mapped.retry_delay, remaining=self.remaining()
            )
        if delay is None:
            raise mapped from error
        self._last = (mapped, error)
        return delay


class CallOptions:
    """The client's defaults, and how one call's ``timeout`` / ``metadata`` / ``retry`` arguments resolve."""

    def __init__(
        self,
        *,
        timeout: float | None,
        retry: RetryPolicy | None,
        metadata: Metadata = (),
        auth_metadata: AuthMetadata | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive seconds or None, got {timeout!r}")
        self.timeout = timeout
        self.retry = retry
        self.metadata = tuple(metadata)
        self.auth_metadata = auth_metadata
        self._routing_preset = any(key == ROUTING_HEADER for key, _ in self.metadata)
        # The client's metadata plus one call's routing entry, by (routing field, value): calls with no metadata
        # of their own reuse the tuple instead of building it (a client calls the same resources again and again).
        self._routed: dict[tuple[str, str], tuple[tuple[str, MetadataValue], ...]] = {}

    def plan(
        self,
        rpc: Rpc[Any, Any],
        request: Message,
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> CallPlan:
        # Every call runs this: the common one (the client's timeout, retry and metadata, a routed request) takes
        # the first branch of each test (the client's own timeout was checked when it was set).
        seconds = self.timeout if timeout is DEFAULT else self._seconds(timeout)
        policy = self.retry if retry is DEFAULT else retry
        if rpc.media_upload:  # not idempotent: sent again only when it never reached the server
            headers = (*self.metadata, *metadata) if metadata else self.metadata
            return CallPlan(request, headers, self.auth_metadata, seconds, None, retry_unsent=policy)
        if not metadata:
            headers = self.metadata
            path = rpc.routing
            if path is not None and not self._routing_preset:
                value = getattr(request, path) if "." not in path else field_value(request, path)
                if isinstance(value, str) and value:
                    routed = self._routed.get((path, value))
                    if routed is None:
                        if len(self._routed) >= _ROUTED_MAX:
                            self._routed.clear()
                        routed = self._routed[path, value] = (*headers, _routing_entry(path, value))
                    headers = routed
        else:
            headers = (*self.metadata, *metadata)
            routing = routing_metadata(rpc, request)
            if routing is not None and not any(key == ROUTING_HEADER for key, _ in headers):
                headers = (*headers, routing)
        return CallPlan(request, headers, self.auth_metadata, seconds, policy if rpc.retryable else None)

    def plan_http(
        self,
        request: Message,
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> CallPlan:
        """A plan for an idempotent HTTP request that is no RPC (a media download): the client's headers and
        deadline, retried by the policy. ``request`` is what the request was made from (kept for errors)."""
        headers = (*self.metadata, *metadata) if metadata else self.metadata
        policy = self.retry if retry is DEFAULT else retry
        return CallPlan(request, headers, self.auth_metadata, self._seconds(timeout), policy)

    def _seconds(self, timeout: float | Default | None) -> float | None:
        seconds = self.timeout if timeout is DEFAULT else timeout
        if seconds is not None and seconds <= 0:
            raise ValueError(f"timeout must be positive seconds or None, got {seconds!r}")
        return seconds
