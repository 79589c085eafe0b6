"""The compiled FileDescriptorSet of the Chat API, shipped beside the generated stubs.

It holds every file of google.chat.v1 and google.apps.card.v1 with their imports and source info
(comments), which server reflection and HTTP/JSON transcoding need.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from google.protobuf import descriptor_pb2

DESCRIPTOR_SET_RESOURCE = "chat_descriptor_set.binpb"


@cache
def _raw() -> bytes:
    return resources.files("google.chat.v1").joinpath(DESCRIPTOR_SET_RESOURCE).read_bytes()


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """A fresh copy of the Chat API's FileDescriptorSet (callers may modify it)."""
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(_raw())
    return fds
