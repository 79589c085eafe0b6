from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class MarkupSyntax(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARKUP_SYNTAX_UNSPECIFIED: _ClassVar[MarkupSyntax]
    MARKUP_SYNTAX_CHAT: _ClassVar[MarkupSyntax]
    MARKUP_SYNTAX_MARKDOWN: _ClassVar[MarkupSyntax]
MARKUP_SYNTAX_UNSPECIFIED: MarkupSyntax
MARKUP_SYNTAX_CHAT: MarkupSyntax
MARKUP_SYNTAX_MARKDOWN: MarkupSyntax
