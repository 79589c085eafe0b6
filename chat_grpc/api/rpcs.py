"""The table of the ChatService RPCs (:class:`Rpc` per RPC: client method, request and response classes, keyword
parameters, routing field, retry and pagination facts), derived from the service descriptor by
:mod:`chat_grpc.api.rpc_table`, which documents every column.

This module is what the rest of the package imports: :data:`RPCS`, :data:`BY_METHOD`, :data:`BY_NAME`, the
:class:`Rpc` and :class:`Semantics` classes, :data:`SEMANTICS`, :data:`SERVICE` and :func:`snake` are
``rpc_table``'s, loaded on first use (a module ``__getattr__``), and :class:`RpcRef` names an RPC before that.
``from chat_grpc import ChatClient`` thereby defines none of the table's classes and loads no Chat descriptor:
the client's first call does (``RpcRef.get``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from google.protobuf.message import Message

if TYPE_CHECKING:
    from chat_grpc.api.rpc_table import SEMANTICS as SEMANTICS
    from chat_grpc.api.rpc_table import SERVICE as SERVICE
    from chat_grpc.api.rpc_table import Rpc as Rpc
    from chat_grpc.api.rpc_table import Semantics as Semantics
    from chat_grpc.api.rpc_table import snake as snake

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

RPCS: tuple[Rpc[Any, Any], ...]  # every RPC of the service, in its order
BY_METHOD: dict[str, Rpc[Any, Any]]  # by client method: "create_space"
BY_NAME: dict[str, Rpc[Any, Any]]  # by RPC: "CreateSpace"

_TABLE = ("RPCS", "BY_METHOD", "BY_NAME")
_FROM_TABLE_MODULE = ("Rpc", "Semantics", "SEMANTICS", "SERVICE", "snake")


def __getattr__(name: str) -> Any:
    """The table (RPCS, BY_METHOD and BY_NAME, built together) and rpc_table's names, on first use; kept as module
    attributes from then on."""
    if name not in _TABLE and name not in _FROM_TABLE_MODULE:  # __path__, ...: asked by the import system
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from chat_grpc.api import rpc_table

    if name in _TABLE:
        rpcs, by_method, by_name = rpc_table.build()
        globals().update(RPCS=rpcs, BY_METHOD=by_method, BY_NAME=by_name)
    else:
        globals()[name] = getattr(rpc_table, name)
    return globals()[name]


class RpcRef(Generic[Req, Resp]):
    """An RPC of the table named before the table is built: what the client's generated methods hold, so that
    importing the client loads no Chat descriptor. ``get()`` is the ``Rpc`` (the table is built on the first)."""

    __slots__ = ("_rpc", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._rpc: Rpc[Req, Resp] | None = None

    def get(self) -> Rpc[Req, Resp]:
        rpc = self._rpc
        if rpc is None:
            table = globals().get("BY_NAME") or __getattr__("BY_NAME")
            rpc = self._rpc = table[self.name]
        return rpc
