"""What a client settles about HTTP when it is made, before any request: the base URL of a target, how HTTP
requests authenticate (google-auth credentials or an emulator's fixed token), and which options REST refuses.

Both transports need this at construction (a gRPC client's media requests go over HTTP too), and it imports
nothing heavy: the REST transport itself (``_rest``: httpx, JSON mapping, the error hierarchy) loads where a
client first sends over HTTP, not with every constructor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import google.auth.credentials

API_CLIENT_HEADER = "x-goog-api-client"


class RestAuth:
    """google-auth credentials on HTTP requests: ``credentials.before_request`` (refreshing through google-auth's
    requests transport when the token is missing or expired) adds ``Authorization: Bearer ...``."""

    def __init__(self, credentials: google.auth.credentials.Credentials) -> None:
        self.credentials = credentials
        self._request: Any = None

    @property
    def fresh(self) -> bool:
        """Whether applying needs no network call (a valid token)."""
        return bool(self.credentials.valid)

    def apply(self, verb: str, url: str, out: list[tuple[str, str]]) -> None:
        if self._request is None:
            import google.auth.transport.requests

            self._request = google.auth.transport.requests.Request()
        # google-auth appends its metrics (``cred-type/u``) to an existing x-goog-api-client: hand it ours.
        found = {key: value for key, value in out if key == API_CLIENT_HEADER}
        self.credentials.before_request(self._request, verb, url, found)  # type: ignore[no-untyped-call]
        out[:] = [(key, value) for key, value in out if key not in found]
        out.extend((key.lower(), value) for key, value in found.items())


class TokenAuth:
    """A fixed bearer token on HTTP requests (an emulator token), with :class:`RestAuth`'s interface."""

    fresh = True

    def __init__(self, token: str) -> None:
        self.token = token

    def apply(self, verb: str, url: str, out: list[tuple[str, str]]) -> None:
        out.append(("authorization", f"Bearer {self.token}"))


def base_url(target: str, *, secure: bool) -> str:
    """``https://host[:port]`` for a gRPC-style ``host:port`` target (``:443`` dropped); URLs stay as they are."""
    if target.startswith(("http://", "https://")):
        return target.rstrip("/")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        host, port = target, ""
    scheme = "https" if secure else "http"
    default = "443" if secure else "80"
    return f"{scheme}://{host}" if port in ("", default) else f"{scheme}://{host}:{port}"


def check_options(options: Mapping[str, object]) -> None:
    """gRPC-only options passed with ``transport="rest"`` are an error, not silently ignored."""
    given = sorted(name for name, value in options.items() if value)
    if given:
        raise ValueError(f"{', '.join(given)}: gRPC options, not used by transport='rest'")
