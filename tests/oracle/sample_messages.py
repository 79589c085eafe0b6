"""Build protobuf messages with every field set, for round trips through Google's types.

A message can set one member of each oneof at a time, so ``variants(cls)`` yields as many messages as the
largest oneof in the tree has members; variant k picks member k (mod the oneof's size) everywhere.
Recursive types (Cards nest widgets in columns in widgets ...) are cut off at ``MAX_DEPTH``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from google.protobuf import descriptor, message, message_factory

FD = descriptor.FieldDescriptor
MAX_DEPTH = 5


class _Values:
    """Distinct, JSON-safe values per field, so a swapped field number shows up as a different value."""

    def __init__(self) -> None:
        self._n = itertools.count(1)

    def scalar(self, field: descriptor.FieldDescriptor) -> object:
        n = next(self._n)
        if field.type == FD.TYPE_ENUM:
            values = field.enum_type.values
            return values[n % len(values)].number or values[-1].number
        if field.type == FD.TYPE_BOOL:
            return True
        if field.type == FD.TYPE_STRING:
            return f"{field.name}-{n}"
        if field.type == FD.TYPE_BYTES:
            return f"bytes-{n}".encode()
        if field.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
            return n + 0.5
        return n


def _fill(msg: message.Message, variant: int, depth: int, values: _Values) -> None:
    desc = msg.DESCRIPTOR
    if desc.full_name == "google.protobuf.Timestamp":
        msg.seconds, msg.nanos = 1_700_000_000 + next(values._n), 5000  # type: ignore[attr-defined]
        return
    if desc.full_name == "google.protobuf.FieldMask":
        msg.paths.extend(["display_name", "space_details"])  # type: ignore[attr-defined]
        return
    chosen = {o.name: o.fields[variant % len(o.fields)].name for o in desc.oneofs if len(o.fields) > 0}
    for field in desc.fields:
        oneof = field.containing_oneof
        if oneof is not None and chosen.get(oneof.name) != field.name:
            continue
        is_message = field.type == FD.TYPE_MESSAGE
        if is_message and depth >= MAX_DEPTH:
            continue
        if field.is_repeated:
            container = getattr(msg, field.name)
            for _ in range(2 if depth < 2 else 1):
                if is_message and field.message_type.GetOptions().map_entry:
                    key_field, value_field = (
                        field.message_type.fields_by_name["key"],
                        field.message_type.fields_by_name["value"],
                    )
                    key = values.scalar(key_field)
                    if value_field.type == FD.TYPE_MESSAGE:
                        _fill(container[key], variant, depth + 1, values)
                    else:
                        container[key] = values.scalar(value_field)
                elif is_message:
                    _fill(container.add(), variant, depth + 1, values)
                else:
                    container.append(values.scalar(field))
        elif is_message:
            _fill(getattr(msg, field.name), variant, depth + 1, values)
            getattr(msg, field.name).SetInParent()
        else:
            setattr(msg, field.name, values.scalar(field))


def _widest_oneof(desc: descriptor.Descriptor, seen: set[str]) -> int:
    if desc.full_name in seen:
        return 1
    seen.add(desc.full_name)
    widths = [len(o.fields) for o in desc.oneofs]
    widths += [_widest_oneof(f.message_type, seen) for f in desc.fields if f.type == FD.TYPE_MESSAGE]
    return max(widths, default=1)


def variants(desc: descriptor.Descriptor) -> Iterator[message.Message]:
    cls = message_factory.GetMessageClass(desc)
    for variant in range(_widest_oneof(desc, set())):
        msg = cls()
        _fill(msg, variant, 0, _Values())
        yield msg
