from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessagePin(_message.Message):
    __slots__ = ("name", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    message: str
    def __init__(self, name: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ListMessagePinsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMessagePinsResponse(_message.Message):
    __slots__ = ("message_pins", "next_page_token")
    MESSAGE_PINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    message_pins: _containers.RepeatedCompositeFieldContainer[MessagePin]
    next_page_token: str
    def __init__(self, message_pins: _Optional[_Iterable[_Union[MessagePin, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateMessagePinRequest(_message.Message):
    __slots__ = ("parent", "message_pin")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PIN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    message_pin: MessagePin
    def __init__(self, parent: _Optional[str] = ..., message_pin: _Optional[_Union[MessagePin, _Mapping]] = ...) -> None: ...

class DeleteMessagePinRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
