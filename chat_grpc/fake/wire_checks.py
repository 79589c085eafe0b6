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


# What check_enums does with each field of a message type that may hold enums, by field number: check an enum
# value (or each of a repeated one), look inside a message (or each of a repeated one, or each value of a map of
# messages); fields whose type holds no enum are not in the plan.
_ENUM, _ENUMS, _MESSAGE, _MESSAGES, _MAP = range(5)


@cache
def _plan(descriptor: Descriptor) -> dict[int, int] | None:
    """check_enums' plan for a message type (cached per type), or None when it can hold no enum at all."""
    if not _may_hold_enums(descriptor):
        return None
    plan = {}
    for field in descriptor.fields:
        repeated = is_repeated(field)
        if field.type == FieldDescriptor.TYPE_ENUM:
            plan[field.number] = _ENUMS if repeated else _ENUM
        elif field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                value = field.message_type.fields_by_name["value"].message_type
                if value is not None and _may_hold_enums(value):
                    plan[field.number] = _MAP
            elif _may_hold_enums(field.message_type):
                plan[field.number] = _MESSAGES if repeated else _MESSAGE
    return plan


def check_enums(message: Message, path: str = "") -> None:
    """INVALID_ARGUMENT naming the first enum field (dotted path) whose number its enum does not define."""
    plan = _plan(message.DESCRIPTOR)
    if plan is None:
        return
    for field, value in message.ListFields():
        action = plan.get(field.number)
        if action is None:
            continue
        where = f"{path}.{field.name}" if path else field.name
        if action <= _ENUMS:
            enum = field.enum_type
            assert enum is not None
            for number in value if action == _ENUMS else (value,):
                if number not in enum.values_by_number:
                    raise InvalidArgument(
                        f"{where}: {number} is not a value of {enum.full_name}",
                        field=where,
                        reason="INVALID_ENUM_VALUE",
                    )
        elif action == _MESSAGE:
            check_enums(value, where)
        elif action == _MESSAGES:
            for index, item in enumerate(value):
                check_enums(item, f"{where}[{index}]")
        else:
            for item in value.values():
                check_enums(item, where)
