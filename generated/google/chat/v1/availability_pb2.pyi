import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.chat.v1 import reaction_pb2 as _reaction_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Availability(_message.Message):
    __slots__ = ("name", "state", "do_not_disturb_metadata", "custom_status")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Availability.State]
        ACTIVE: _ClassVar[Availability.State]
        IDLE: _ClassVar[Availability.State]
        AWAY: _ClassVar[Availability.State]
        DO_NOT_DISTURB: _ClassVar[Availability.State]
    STATE_UNSPECIFIED: Availability.State
    ACTIVE: Availability.State
    IDLE: Availability.State
    AWAY: Availability.State
    DO_NOT_DISTURB: Availability.State
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_DISTURB_METADATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: Availability.State
    do_not_disturb_metadata: DoNotDisturbMetadata
    custom_status: CustomStatus
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[Availability.State, str]] = ..., do_not_disturb_metadata: _Optional[_Union[DoNotDisturbMetadata, _Mapping]] = ..., custom_status: _Optional[_Union[CustomStatus, _Mapping]] = ...) -> None: ...

class CustomStatus(_message.Message):
    __slots__ = ("text", "emoji", "expire_time", "ttl")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    text: str
    emoji: _reaction_pb2.Emoji
    expire_time: _timestamp_pb2.Timestamp
    ttl: _duration_pb2.Duration
    def __init__(self, text: _Optional[str] = ..., emoji: _Optional[_Union[_reaction_pb2.Emoji, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class DoNotDisturbMetadata(_message.Message):
    __slots__ = ("expiration_time",)
    EXPIRATION_TIME_FIELD_NUMBER: _ClassVar[int]
    expiration_time: _timestamp_pb2.Timestamp
    def __init__(self, expiration_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAvailabilityRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateAvailabilityRequest(_message.Message):
    __slots__ = ("availability", "update_mask")
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    availability: Availability
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, availability: _Optional[_Union[Availability, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class MarkAsActiveRequest(_message.Message):
    __slots__ = ("name", "expire_time", "ttl")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    name: str
    expire_time: _timestamp_pb2.Timestamp
    ttl: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class MarkAsAwayRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class MarkAsDoNotDisturbRequest(_message.Message):
    __slots__ = ("name", "expire_time", "ttl")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    name: str
    expire_time: _timestamp_pb2.Timestamp
    ttl: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
