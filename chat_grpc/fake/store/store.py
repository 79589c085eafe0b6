"""The state of the fake Chat service and its rules: one lock, typed operations, copies out.

No gRPC here. Each public method takes the acting ``Actor`` (who, how authenticated, which scopes let them
in), holds the store's lock for the whole operation (checks, writes and the events they record), and returns
copies. Failures are ``chat_grpc.fake.errors`` exceptions.

Visibility rule used throughout: a space, and everything in it, is visible to its members (joined or
invited), to the administrators of its customer when they use admin access, and — while in import mode —
only to its creator acting through ``chat.import``. Anything else answers NOT_FOUND, so the existence of a
space is not revealed to outsiders; PERMISSION_DENIED is for visible things the caller may not change.
"""

from __future__ import annotations

from chat_grpc.fake.store.memberships import MembershipOperations
from chat_grpc.fake.store.spaces import SpaceOperations


class ChatStore(SpaceOperations, MembershipOperations):
    """The whole store: shared state and rules (``StoreBase``), spaces and memberships, and the books of every other
    resource (``store.messages``, ``store.reactions``, ...)."""
