"""A faithful in-process fake of the Google Chat API, and the emulator built on it."""

from chat_grpc.fake.clock import ManualClock, SystemClock
from chat_grpc.fake.store import ChatStore
from chat_grpc.server.server import ChatServer

__all__ = ["ChatServer", "ChatStore", "ManualClock", "SystemClock"]
