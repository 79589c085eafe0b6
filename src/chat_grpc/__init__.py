"""chat-grpc: the Google Chat API (google.chat.v1) over gRPC for Python backends.

The generated protobuf and gRPC modules are importable as ``google.chat.v1.*_pb2`` /
``google.apps.card.v1.card_pb2``; this package adds what is built on top of them.
"""

from chat_grpc.descriptors import descriptor_set

__all__ = ["__version__", "descriptor_set"]
__version__ = "0.1.0"
