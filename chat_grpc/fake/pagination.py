"""Page sizes and page tokens.

Tokens are opaque to clients, tamper-evident (HMAC-SHA256 with a per-server secret) and bound to the request
that issued them: the RPC and every request parameter except ``page_token`` and ``page_size``. A token used
with another parent, filter or order is INVALID_ARGUMENT, as AIP-158 recommends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chat_grpc.fake.errors import InvalidArgument


def page_size(requested: int, *, default: int, maximum: int) -> int:
    """0 means the default; larger values are lowered to the maximum; negative values are an error."""
    if requested < 0:
        raise InvalidArgument(f"page_size must not be negative, got {requested}", field="page_size")
    return default if requested == 0 else min(requested, maximum)


_BOUND: dict[tuple[Any, ...], str] = {}  # _bind's answers by the request's parameters and their types
_BOUND_MAX = 1024


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.digest(self._secret, payload, "sha256")[:16]).decode()

    @staticmethod
    def _bind(rpc: str, request: dict[str, Any]) -> str:
        """What binds a token to its request: a hash of the RPC and the parameters. A client pages through the
        same request call after call: the hash is kept by the parameters (with their types: True == 1)."""
        try:
            key = (rpc, *[(name, value, value.__class__) for name, value in request.items()])
            bound = _BOUND.get(key)
        except TypeError:  # a parameter that is a list
            key, bound = None, None
        if bound is None:
            canonical = json.dumps([rpc, request], sort_keys=True, separators=(",", ":"), default=str)
            bound = hashlib.sha256(canonical.encode()).hexdigest()[:24]
            if key is not None:
                if len(_BOUND) >= _BOUND_MAX:
                    _BOUND.clear()
                _BOUND[key] = bound
        return bound

    def issue(self, rpc: str, request: dict[str, Any], cursor: Any) -> str:
        """A token for the page after ``cursor`` (any JSON value) of this request."""
        bound = self._bind(rpc, request)
        if cursor.__class__ is int:  # what json.dumps writes, without it (most cursors are a key)
            payload = b'{"b":"%s","c":%d}' % (bound.encode(), cursor)
        else:
            payload = json.dumps({"b": bound, "c": cursor}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + self._mac(payload)

    def read(self, token: str, rpc: str, request: dict[str, Any]) -> Any:
        """The cursor in ``token``, or None for an empty token (the first page)."""
        if not token:
            return None
        body, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            payload = b""
        if not token.isascii():  # compare_digest takes ASCII text only; no token we issue has anything else
            payload = b""
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidArgument("page_token is not a token this server issued", field="page_token")
        decoded = json.loads(payload)
        if decoded["b"] != self._bind(rpc, request):
            raise InvalidArgument(
                "page_token was issued for a different request: parent, filter, order and the other "
                "parameters must stay the same while paging",
                field="page_token",
            )
        return decoded["c"]
