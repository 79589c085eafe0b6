from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppCommandMetadata(_message.Message):
    __slots__ = ("app_command_id", "app_command_type")
    class AppCommandType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        APP_COMMAND_TYPE_UNSPECIFIED: _ClassVar[AppCommandMetadata.AppCommandType]
        SLASH_COMMAND: _ClassVar[AppCommandMetadata.AppCommandType]
        QUICK_COMMAND: _ClassVar[AppCommandMetadata.AppCommandType]
        MESSAGE_ACTION: _ClassVar[AppCommandMetadata.AppCommandType]
    APP_COMMAND_TYPE_UNSPECIFIED: AppCommandMetadata.AppCommandType
    SLASH_COMMAND: AppCommandMetadata.AppCommandType
    QUICK_COMMAND: AppCommandMetadata.AppCommandType
    MESSAGE_ACTION: AppCommandMetadata.AppCommandType
    APP_COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    APP_COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    app_command_id: int
    app_command_type: AppCommandMetadata.AppCommandType
    def __init__(self, app_command_id: _Optional[int] = ..., app_command_type: _Optional[_Union[AppCommandMetadata.AppCommandType, str]] = ...) -> None: ...
