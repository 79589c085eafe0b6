"""A list page's wire bytes, made once per call and read by whoever needs them next.

A list page is parsed from its entries' bytes (rendered once per state and kept); the journal then keeps the page
as bytes, and the gRPC door sends it as bytes. Without this module, each of those would serialize the page again —
two serializations of up to hundreds of kilobytes per call. ``page`` remembers the bytes it parsed; ``kept`` (the
journal) reads them, ``taken`` (the gRPC door) reads them for the last time; for any other message, both serialize.
The REST door keys the JSON it keeps by a page's bytes (``remembered``), as it keys any answer by its bytes.

One slot serves the process, which is all a call needs: the handler makes the page, the journal keeps its bytes,
the door sends them — in that order, on one thread. A page made on another thread in between costs only a fresh
serialization. Bytes go only with the very object they were made for (identity, not equality), and a page is not
changed once made. Small answers are not remembered: serializing them costs less than keeping them would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

_NOTHING: tuple[object, bytes] = (None, b"")
_last: tuple[object, bytes] = _NOTHING  # the latest page made, and its bytes


def page(response_class: type[M], next_page_token: str, entries: Iterable[bytes]) -> M:
    """A list response made from its entries' wire bytes (each an encoded field of the response) and its
    next page token, parsed once; its bytes are remembered for the journal and the wire."""
    global _last
    data = b"".join(entries)
    if next_page_token:
        data = response_class(next_page_token=next_page_token).SerializeToString() + data  # type: ignore[call-arg]
    response = response_class.FromString(data)
    _last = (response, data)
    return response


def remembered(message: Message) -> bytes | None:
    """A page's remembered bytes (still there for the next reader), or None."""
    last = _last
    return last[1] if last[0] is message else None


def kept(message: Message) -> bytes:
    """The wire bytes of ``message``: a page's remembered bytes (still there for the next reader), else made now."""
    last = _last
    return last[1] if last[0] is message else _fresh(message)


def taken(message: Message) -> bytes:
    """``kept``, by the last reader of a page's bytes (the door sending it): they are let go."""
    global _last
    last = _last
    if last[0] is message:
        _last = _NOTHING
        return last[1]
    return _fresh(message)


def _fresh(message: Message) -> bytes:
    return message.SerializeToString()
