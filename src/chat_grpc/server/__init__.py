"""A faithful in-process fake of the Google Chat API, and the emulator built on it."""

from chat_grpc.server.clock import ManualClock, SystemClock
from chat_grpc.server.server import ChatServer
from chat_grpc.server.store import ChatStore

__all__ = ["ChatServer", "ChatStore", "ManualClock", "SystemClock"]
