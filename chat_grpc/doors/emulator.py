"""What the operator's doors — the control service and the web UI — read and change of a running emulator.

``chat_grpc.server.ChatServer`` is one. The doors name this protocol rather than import the server, which
assembles them: the dependency points one way, from the server down to its doors.
"""

from __future__ import annotations

from typing import Protocol

from chat_grpc.fake.clock import ServerClock
from chat_grpc.fake.faults import Faults
from chat_grpc.fake.journal import Journal
from chat_grpc.fake.store import ChatStore


class Emulator(Protocol):
    """A running emulator as its control service and web UI see it."""

    @property
    def store(self) -> ChatStore:
        """The state the RPCs read and change."""
        ...

    @property
    def clock(self) -> ServerClock:
        """The server's clock (frozen, advanced or set by control calls)."""
        ...

    @property
    def journal(self) -> Journal:
        """The calls served, newest last."""
        ...

    @property
    def faults(self) -> Faults:
        """The failures and delays armed for the next calls."""
        ...

    @property
    def control(self) -> bool:
        """Whether the control service (and the UI's clock buttons) are on."""
        ...

    @property
    def control_token(self) -> str | None:
        """The bearer token the control service requires, if any."""
        ...
