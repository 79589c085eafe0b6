"""The fake Chat service's state and rules (no gRPC)."""

from chat_grpc.fake.store.model import Actor, App, AuthKind, Group, MemberRef, Membership, Space, User
from chat_grpc.fake.store.spaces import SpaceChanges
from chat_grpc.fake.store.store import ChatStore

__all__ = ["Actor", "App", "AuthKind", "ChatStore", "Group", "MemberRef", "Membership", "Space", "SpaceChanges", "User"]
