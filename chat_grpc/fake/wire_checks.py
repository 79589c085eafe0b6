"""Checks every request gets before any handler sees it, whichever door it came through: enum fields must hold
a number their enum defines (proto3 enums are open on the wire and in JSON, so a caller can send 99; the fake
answers INVALID_ARGUMENT naming the field instead of failing later on an unknown name)."""

from __future__ import annotations

from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from chat_grpc.fake.errors import InvalidArgument


def is_repeated(field: FieldDescriptor) -> bool:
    flag = getattr(field, "is_repeated", None)  # protobuf >= 6.31; ``label`` is deprecated there
    return bool(flag) if flag is not None else field.label == FieldDescriptor.LABEL_REPEATED  # type: ignore[attr-defined]


@cache
def _may_hold_enums(descriptor: Descriptor) -> bool:
    """Whether a message of this type can hold an enum value anywhere inside it (cached per type)."""
    seen: set[str] = set()
    pending = [descriptor]
    while pending:
        current = pending.pop()
        if current.full_name in seen:
            continue
        seen.add(current.full_name)
        for field in current.fields:
            if field.type == FieldDescriptor.TYPE_ENUM:
                return True
            if field.message_type is not None:
                pending.append(field.message_type)
    return False


def check_enums(message: Message, path: str = "") -> None:
    """INVALID_ARGUMENT naming the first enum field (dotted path) whose number its enum does not define."""
    if not _may_hold_enums(message.DESCRIPTOR):
        return
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        if field.type == FieldDescriptor.TYPE_ENUM:
            enum = field.enum_type
            assert enum is not None
            for number in value if is_repeated(field) else (value,):
                if number not in enum.values_by_number:
                    raise InvalidArgument(
                        f"{where}: {number} is not a value of {enum.full_name}",
                        field=where,
                        reason="INVALID_ENUM_VALUE",
                    )
        elif field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                items = value.values() if field.message_type.fields_by_name["value"].message_type else ()
                for item in items:
                    check_enums(item, where)
            elif is_repeated(field):
                for index, item in enumerate(value):
                    check_enums(item, f"{where}[{index}]")
            else:
                check_enums(value, where)
