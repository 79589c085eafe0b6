"""chat-grpc: the Google Chat API (google.chat.v1) over gRPC for Python backends.

The generated protobuf and gRPC modules are importable as ``google.chat.v1.*_pb2`` /
``google.apps.card.v1.card_pb2``; this package adds what is built on top of them: :class:`ChatClient` and
:class:`AsyncChatClient` (docs/client.md), their errors, retry policy, pagers and resource name helpers.
The public surface is what ``__all__`` lists (pinned by tests/client/test_surface.py).

Names are imported lazily, on first use: ``import chat_grpc`` (and loading its pytest plugin) stays cheap and
does not load the generated stubs into protobuf's descriptor pool until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chat_grpc.api.descriptors import descriptor_set
    from chat_grpc.client import ChatClient
    from chat_grpc.client._base import DEFAULT_SCOPES, DEFAULT_TARGET
    from chat_grpc.client.aio import AsyncChatClient
    from chat_grpc.client.errors import (
        Aborted,
        AlreadyExists,
        Cancelled,
        ChatApiError,
        DataLoss,
        DeadlineExceeded,
        FailedPrecondition,
        Internal,
        InvalidArgument,
        NotFound,
        OutOfRange,
        PermissionDenied,
        ResourceExhausted,
        Unauthenticated,
        Unavailable,
        Unimplemented,
        Unknown,
        from_grpc_error,
    )
    from chat_grpc.client.pagers import AsyncPager, Pager
    from chat_grpc.client.paths import (
        attachment_path,
        audience_path,
        availability_path,
        custom_emoji_path,
        membership_path,
        message_path,
        message_pin_path,
        parse_attachment_path,
        parse_audience_path,
        parse_availability_path,
        parse_custom_emoji_path,
        parse_membership_path,
        parse_message_path,
        parse_message_pin_path,
        parse_quoted_message_metadata_path,
        parse_reaction_path,
        parse_section_item_path,
        parse_section_path,
        parse_space_event_path,
        parse_space_notification_setting_path,
        parse_space_path,
        parse_space_read_state_path,
        parse_thread_path,
        parse_thread_read_state_path,
        parse_user_path,
        quoted_message_metadata_path,
        reaction_path,
        section_item_path,
        section_path,
        space_event_path,
        space_notification_setting_path,
        space_path,
        space_read_state_path,
        thread_path,
        thread_read_state_path,
        user_path,
    )
    from chat_grpc.client.retry import DEFAULT, DEFAULT_TIMEOUT, RetryPolicy

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    "DEFAULT_SCOPES": "chat_grpc.client._base",
    "DEFAULT_TARGET": "chat_grpc.client._base",
    "AsyncChatClient": "chat_grpc.client.aio",
    "ChatClient": "chat_grpc.client",
    "descriptor_set": "chat_grpc.api.descriptors",
    "Aborted": "chat_grpc.client.errors",
    "AlreadyExists": "chat_grpc.client.errors",
    "Cancelled": "chat_grpc.client.errors",
    "ChatApiError": "chat_grpc.client.errors",
    "DataLoss": "chat_grpc.client.errors",
    "DeadlineExceeded": "chat_grpc.client.errors",
    "FailedPrecondition": "chat_grpc.client.errors",
    "Internal": "chat_grpc.client.errors",
    "InvalidArgument": "chat_grpc.client.errors",
    "NotFound": "chat_grpc.client.errors",
    "OutOfRange": "chat_grpc.client.errors",
    "PermissionDenied": "chat_grpc.client.errors",
    "ResourceExhausted": "chat_grpc.client.errors",
    "Unauthenticated": "chat_grpc.client.errors",
    "Unavailable": "chat_grpc.client.errors",
    "Unimplemented": "chat_grpc.client.errors",
    "Unknown": "chat_grpc.client.errors",
    "from_grpc_error": "chat_grpc.client.errors",
    "AsyncPager": "chat_grpc.client.pagers",
    "Pager": "chat_grpc.client.pagers",
    "attachment_path": "chat_grpc.client.paths",
    "custom_emoji_path": "chat_grpc.client.paths",
    "membership_path": "chat_grpc.client.paths",
    "message_path": "chat_grpc.client.paths",
    "parse_attachment_path": "chat_grpc.client.paths",
    "parse_custom_emoji_path": "chat_grpc.client.paths",
    "parse_membership_path": "chat_grpc.client.paths",
    "parse_message_path": "chat_grpc.client.paths",
    "parse_quoted_message_metadata_path": "chat_grpc.client.paths",
    "parse_reaction_path": "chat_grpc.client.paths",
    "parse_space_event_path": "chat_grpc.client.paths",
    "parse_space_notification_setting_path": "chat_grpc.client.paths",
    "parse_space_path": "chat_grpc.client.paths",
    "parse_space_read_state_path": "chat_grpc.client.paths",
    "parse_thread_path": "chat_grpc.client.paths",
    "parse_thread_read_state_path": "chat_grpc.client.paths",
    "parse_user_path": "chat_grpc.client.paths",
    "parse_message_pin_path": "chat_grpc.client.paths",
    "parse_section_path": "chat_grpc.client.paths",
    "parse_section_item_path": "chat_grpc.client.paths",
    "parse_availability_path": "chat_grpc.client.paths",
    "parse_audience_path": "chat_grpc.client.paths",
    "quoted_message_metadata_path": "chat_grpc.client.paths",
    "reaction_path": "chat_grpc.client.paths",
    "space_event_path": "chat_grpc.client.paths",
    "space_notification_setting_path": "chat_grpc.client.paths",
    "space_path": "chat_grpc.client.paths",
    "space_read_state_path": "chat_grpc.client.paths",
    "thread_path": "chat_grpc.client.paths",
    "thread_read_state_path": "chat_grpc.client.paths",
    "user_path": "chat_grpc.client.paths",
    "message_pin_path": "chat_grpc.client.paths",
    "section_path": "chat_grpc.client.paths",
    "section_item_path": "chat_grpc.client.paths",
    "availability_path": "chat_grpc.client.paths",
    "audience_path": "chat_grpc.client.paths",
    "DEFAULT": "chat_grpc.client.retry",
    "DEFAULT_TIMEOUT": "chat_grpc.client.retry",
    "RetryPolicy": "chat_grpc.client.retry",
}

__all__ = [
    "DEFAULT",
    "DEFAULT_SCOPES",
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT",
    "Aborted",
    "AlreadyExists",
    "AsyncChatClient",
    "AsyncPager",
    "Cancelled",
    "ChatApiError",
    "ChatClient",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "OutOfRange",
    "Pager",
    "PermissionDenied",
    "ResourceExhausted",
    "RetryPolicy",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "__version__",
    "attachment_path",
    "audience_path",
    "availability_path",
    "custom_emoji_path",
    "descriptor_set",
    "from_grpc_error",
    "membership_path",
    "message_path",
    "message_pin_path",
    "parse_attachment_path",
    "parse_audience_path",
    "parse_availability_path",
    "parse_custom_emoji_path",
    "parse_membership_path",
    "parse_message_path",
    "parse_message_pin_path",
    "parse_quoted_message_metadata_path",
    "parse_reaction_path",
    "parse_section_item_path",
    "parse_section_path",
    "parse_space_event_path",
    "parse_space_notification_setting_path",
    "parse_space_path",
    "parse_space_read_state_path",
    "parse_thread_path",
    "parse_thread_read_state_path",
    "parse_user_path",
    "quoted_message_metadata_path",
    "reaction_path",
    "section_item_path",
    "section_path",
    "space_event_path",
    "space_notification_setting_path",
    "space_path",
    "space_read_state_path",
    "thread_path",
    "thread_read_state_path",
    "user_path",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
