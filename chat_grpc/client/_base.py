"""Connecting, shared by both clients: credentials, channel credentials and the constructors.

Against Google: TLS plus google-auth's gRPC metadata plugin (ADC, service accounts with or without
domain-wide delegation, user OAuth credentials). Against a plaintext emulator: grpcio refuses call
credentials on an insecure channel, so on loopback the client uses ``grpc.local_channel_credentials()``
(which does carry them) and elsewhere it adds ``authorization`` to every call's metadata.
Only opening the channel differs between the clients (``grpc`` vs ``grpc.aio``): :meth:`ClientBase._open`.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, NamedTuple, TypedDict, TypeVar, cast

import grpc
from google.protobuf.message import Message

from chat_grpc.client._core import AuthMetadata, CallOptions, CallPlan, Metadata, build_request
from chat_grpc.client.retry import DEFAULT_TIMEOUT, Default, RetryPolicy

if TYPE_CHECKING:
    from typing import Self, Unpack  # 3.11+; annotations only, so 3.10 runs this module

    import google.auth.credentials  # imported where credentials are first needed: google-auth is slow to import

    from chat_grpc.api.rpcs import Rpc

ChannelT = TypeVar("ChannelT")

DEFAULT_HOST = "chat.googleapis.com"  # chat_service.proto's google.api.default_host (test_surface.py holds them equal)
DEFAULT_TARGET = f"{DEFAULT_HOST}:443"
DEFAULT_SCOPES: tuple[str, ...]
"""Every scope of chat_service.proto's ``google.api.oauth_scopes``: asked for when the caller names none. Read from
the descriptor on first use (``service_scopes``), so that importing the client loads no Chat descriptor."""


@functools.cache
def service_scopes() -> tuple[str, ...]:
    """The scopes of ChatService's ``google.api.oauth_scopes`` option."""
    from google.api import client_pb2
    from google.chat.v1 import chat_service_pb2

    options = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"].GetOptions()
    scopes: str = options.Extensions[client_pb2.oauth_scopes]  # type: ignore[index]
    return tuple(scope.strip() for scope in scopes.split(",") if scope.strip())


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_SCOPES":
        return service_scopes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_RETRY = RetryPolicy()

EMULATOR_HOST_ENV = "CHAT_EMULATOR_HOST"
EMULATOR_PORT_ENV = "CHAT_EMULATOR_PORT"
EMULATOR_TOKEN_ENV = "CHAT_EMULATOR_TOKEN"
EMULATOR_REST_URL_ENV = "CHAT_EMULATOR_REST_URL"
EMULATOR_REST_PORT_ENV = "CHAT_EMULATOR_REST_PORT"

Transport = Literal["grpc", "rest"]
TRANSPORTS: tuple[Transport, ...] = ("grpc", "rest")

ChannelOptions = Sequence[tuple[str, Any]]


class EmulatorOptions(TypedDict, total=False):
    """Keyword options of every constructor (see ``ClientBase.__init__``)."""

    channel_options: ChannelOptions
    timeout: float | None
    retry: RetryPolicy | None
    metadata: Metadata
    transport: Transport
    media_url: str | None


class ClientOptions(EmulatorOptions, total=False):
    """Keyword options of the constructors that connect to Google (see ``ClientBase.__init__``)."""

    target: str
    ssl_credentials: grpc.ChannelCredentials | None


def _api_client_header(transport: Transport = "grpc") -> tuple[str, str]:
    import platform

    from chat_grpc import __version__

    if transport == "rest":
        import httpx

        stack = f"rest/{httpx.__version__}"
    else:
        stack = f"grpc/{grpc.__version__}"
    return "x-goog-api-client", f"gl-python/{platform.python_version()} {stack} chat-grpc/{__version__}"


def _check_transport(transport: object) -> Transport:
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be 'grpc' or 'rest', got {transport!r}")
    return transport


class Connection(NamedTuple):
    """How to open the channel: TLS (or local) channel credentials, or plaintext when None. With ``transport``
    "rest", ``target`` is the base URL and google-auth ``credentials`` (if any) sign each HTTP request.

    A NamedTuple, not a frozen dataclass: as immutable, and it costs the client's import a fifth as much."""

    target: str
    channel_credentials: grpc.ChannelCredentials | None
    options: tuple[tuple[str, Any], ...] = ()
    auth_metadata: AuthMetadata | None = None
    transport: Transport = "grpc"
    credentials: google.auth.credentials.Credentials | None = None
    media_url: str | None = None
    """Where media uploads and downloads go (HTTP, whatever the transport); None with transport "rest": its URL."""
    media_auth: Any = None
    """How media requests authenticate when the call metadata does not (``_http.RestAuth`` / ``TokenAuth``)."""


def google_credentials(
    credentials: google.auth.credentials.Credentials | None, scopes: Sequence[str] | None
) -> google.auth.credentials.Credentials:
    """``credentials`` scoped to ``scopes`` (default: the Chat scopes), or Application Default Credentials."""
    import google.auth
    import google.auth.credentials

    if credentials is None:
        found, _project = google.auth.default(scopes=scopes, default_scopes=service_scopes())
        return found
    scoped: google.auth.credentials.Credentials = google.auth.credentials.with_scopes_if_required(  # type: ignore[no-untyped-call]
        credentials, scopes, default_scopes=service_scopes()
    )
    return scoped


def _refresh_request() -> Any:
    import google.auth.transport.requests

    return google.auth.transport.requests.Request()


def call_credentials(credentials: google.auth.credentials.Credentials) -> grpc.CallCredentials:
    """google-auth credentials as gRPC call credentials (refreshed by google-auth when they expire)."""
    import google.auth.transport.grpc

    plugin = google.auth.transport.grpc.AuthMetadataPlugin(  # type: ignore[no-untyped-call]
        credentials, _refresh_request(), default_host=DEFAULT_HOST
    )
    return grpc.metadata_call_credentials(plugin)


def bearer_metadata(token: str | None, credentials: google.auth.credentials.Credentials | None) -> AuthMetadata:
    """Per-call ``authorization`` metadata for channels that cannot carry call credentials."""
    if token is not None:
        fixed: Metadata = (("authorization", f"Bearer {token}"),)
        return lambda: fixed
    assert credentials is not None
    creds = credentials

    def headers() -> Metadata:
        found: dict[str, str] = {}
        if not creds.valid:
            creds.refresh(_refresh_request())  # type: ignore[no-untyped-call]
        creds.apply(found)  # type: ignore[no-untyped-call]
        return tuple((key.lower(), value) for key, value in found.items())

    return headers


def is_loopback(address: str) -> bool:
    """Whether ``host:port`` names this machine (``localhost``, 127.0.0.0/8, ``[::1]``)."""
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") else address
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def emulator_connection(
    address: str,
    *,
    token: str | None,
    credentials: google.auth.credentials.Credentials | None,
    channel_options: ChannelOptions,
    transport: Transport = "grpc",
    media_url: str | None = None,
) -> Connection:
    from chat_grpc.client._http import RestAuth, TokenAuth, base_url

    if token is not None and credentials is not None:
        raise ValueError("pass token= or credentials=, not both")
    media = base_url(media_url, secure=False) if media_url else None
    if _check_transport(transport) == "rest":
        from chat_grpc.client._http import check_options

        check_options({"channel_options": channel_options})
        if not address:
            raise ValueError("the emulator's REST address is http://host:port (ChatServer.rest_url), got ''")
        auth = bearer_metadata(token, None) if token is not None else None
        return Connection(base_url(address, secure=False), None, (), auth, "rest", credentials, media)
    if not address or address.startswith(("http://", "https://")):
        raise ValueError(f"the emulator address is host:port, got {address!r}")
    options = tuple(channel_options)
    if is_loopback(address):
        local = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        media_auth: RestAuth | TokenAuth | None = None
        if token is not None:
            local = grpc.composite_channel_credentials(local, grpc.access_token_call_credentials(token))
            media_auth = TokenAuth(token)
        elif credentials is not None:
            local = grpc.composite_channel_credentials(local, call_credentials(credentials))
            media_auth = RestAuth(credentials)
        return Connection(address, local, options, media_url=media, media_auth=media_auth)
    # Off loopback the token rides in every call's metadata, which media requests send too.
    auth = bearer_metadata(token, credentials) if token is not None or credentials is not None else None
    return Connection(address, None, options, auth, media_url=media)


def emulator_address(environ: Mapping[str, str]) -> str | None:
    """``CHAT_EMULATOR_HOST`` as ``host:port`` (a bare host takes ``CHAT_EMULATOR_PORT``), or None when unset."""
    host = environ.get(EMULATOR_HOST_ENV, "").strip()
    if not host:
        return None
    bare_ipv6 = host.count(":") > 1 and not host.startswith("[")
    has_port = not bare_ipv6 and (host.rsplit(":", 1)[-1].isdigit() if ":" in host else False)
    if has_port:
        return host
    port = environ.get(EMULATOR_PORT_ENV, "").strip()
    if not port.isdigit() or int(port) == 0:
        raise ValueError(f"{EMULATOR_HOST_ENV}={host!r} has no port: use host:port or set {EMULATOR_PORT_ENV}")
    return f"[{host}]:{port}" if bare_ipv6 else f"{host}:{port}"


def emulator_rest_url(environ: Mapping[str, str], address: str) -> str:
    """The emulator's REST URL: ``CHAT_EMULATOR_REST_URL``, else the host of ``address`` (the gRPC one) with the
    port ``CHAT_EMULATOR_REST_PORT``."""
    url = environ.get(EMULATOR_REST_URL_ENV, "").strip()
    if url:
        return url
    port = environ.get(EMULATOR_REST_PORT_ENV, "").strip()
    if not port.isdigit() or int(port) == 0:
        raise ValueError(
            f"transport='rest' needs the emulator's REST address: set {EMULATOR_REST_URL_ENV} (http://host:port) "
            f"or {EMULATOR_REST_PORT_ENV}"
        )
    return f"http://{address.rsplit(':', 1)[0]}:{port}"


class ClientBase(Generic[ChannelT]):
    """Construction and lifecycle state of a client; the sync and asyncio clients differ in :meth:`_open`."""

    _channel: ChannelT
    _owns_channel: bool
    _options: CallOptions
    _rest: Any = None  # the REST sender (``_rest.SyncRest`` / ``AsyncRest``) with transport="rest", else None
    _media_url: str | None = None  # media requests' base URL (None with transport="rest": the REST sender's)
    _media_auth: Any = None  # how they authenticate when the call metadata does not
    _media: Any = None  # the sender of a gRPC client's media requests, opened on first use

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None = None,
        *,
        scopes: Sequence[str] | None = None,
        target: str = DEFAULT_TARGET,
        channel: ChannelT | None = None,
        ssl_credentials: grpc.ChannelCredentials | None = None,
        channel_options: ChannelOptions = (),
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        metadata: Metadata = (),
        transport: Transport = "grpc",
        media_url: str | None = None,
    ) -> None:
        """Connect to ``target`` (Google Chat by default) over TLS with google-auth ``credentials``.

        Without ``credentials``, Application Default Credentials (``google.auth.default``). ``scopes``
        default to every Chat scope. ``channel`` injects a ready channel instead (its own credentials;
        the client will not close it). ``timeout`` is the default deadline of each call in seconds (None:
        none); ``retry`` the default retry policy (None: never retry); ``metadata`` is sent with every call.
        ``transport="rest"`` calls the same methods over HTTP/1.1 + JSON (``https://`` + ``target``, or a URL)
        instead of gRPC, for networks that block HTTP/2. ``media_url`` is where attachment uploads and
        downloads go, over HTTP whatever the transport (default: ``https://`` + ``target``'s host, as Google's
        API; with an injected ``channel``, none unless given: those requests then carry only ``metadata``).
        """
        from chat_grpc.client._http import RestAuth, base_url

        media = base_url(media_url, secure=True) if media_url else None
        if _check_transport(transport) == "rest":
            from chat_grpc.client._http import check_options

            check_options({"channel": channel, "ssl_credentials": ssl_credentials, "channel_options": channel_options})
            creds = google_credentials(credentials, scopes)
            rest = Connection(base_url(target, secure=True), None, transport="rest", credentials=creds, media_url=media)
            self._connect(rest, timeout=timeout, retry=retry, metadata=metadata)
            return
        if channel is not None:
            if credentials is not None or scopes is not None or ssl_credentials is not None or channel_options:
                raise ValueError(
                    "an injected channel carries its own credentials and options: pass channel= alone "
                    "(for a plaintext emulator with a token, use for_emulator())"
                )
            self._setup(channel, owns_channel=False, timeout=timeout, retry=retry, metadata=metadata)
            self._media_url = media
            return
        creds = google_credentials(credentials, scopes)
        tls = ssl_credentials or grpc.ssl_channel_credentials()
        connection = Connection(
            target,
            grpc.composite_channel_credentials(tls, call_credentials(creds)),
            tuple(channel_options),
            media_url=media or base_url(target, secure=True),
            media_auth=RestAuth(creds),
        )
        self._connect(connection, timeout=timeout, retry=retry, metadata=metadata)

    # ------------------------------------------------------------------------------------------ constructors

    @classmethod
    def from_service_account_file(
        cls, filename: str | os.PathLike[str], *, subject: str | None = None, scopes: Sequence[str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> Self:  # fmt: skip
        """A service-account key file: app authentication, or with ``subject`` (a user's email) domain-wide
        delegation, acting as that user. With a subject, pass the ``scopes`` your administrator granted."""
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            os.fspath(filename), scopes=scopes, default_scopes=service_scopes(), subject=subject
        )
        return cls(credentials, **options)

    @classmethod
    def from_service_account_info(
        cls, info: Mapping[str, Any], *, subject: str | None = None, scopes: Sequence[str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> Self:  # fmt: skip
        """Like :meth:`from_service_account_file`, from the parsed JSON key."""
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=scopes, default_scopes=service_scopes(), subject=subject
        )
        return cls(credentials, **options)

    @classmethod
    def from_authorized_user_file(
        cls, filename: str | os.PathLike[str], *, scopes: Sequence[str] | None = None, **options: Unpack[ClientOptions]
    ) -> Self:
        """User OAuth credentials saved by an OAuth flow (``authorized_user`` JSON with a refresh token)."""
        from google.oauth2 import credentials as oauth2

        credentials = oauth2.Credentials.from_authorized_user_file(os.fspath(filename), scopes=scopes)  # type: ignore[no-untyped-call]
        return cls(credentials, **options)

    @classmethod
    def for_emulator(
        cls,
        address: str,
        *,
        token: str | None = None,
        credentials: google.auth.credentials.Credentials | None = None,
        **options: Unpack[EmulatorOptions],
    ) -> Self:
        """A plaintext emulator at ``host:port`` (e.g. ``chat_grpc.server.ChatServer``), sending ``token`` (or
        the token of google-auth ``credentials``) as ``authorization: Bearer ...`` on every call. With
        ``transport="rest"``, ``address`` is the emulator's REST URL (``ChatServer.rest_url``,
        ``http://host:port``). ``media_url`` is the emulator's REST URL too, where a gRPC client sends attachment
        uploads and downloads (a REST client uses ``address``)."""
        connection = emulator_connection(
            address,
            token=token,
            credentials=credentials,
            channel_options=options.get("channel_options", ()),
            transport=options.get("transport", "grpc"),
            media_url=options.get("media_url"),
        )
        client = cls.__new__(cls)
        client._connect(
            connection,
            timeout=options.get("timeout", DEFAULT_TIMEOUT),
            retry=options.get("retry", DEFAULT_RETRY),
            metadata=options.get("metadata", ()),
        )
        return client

    @classmethod
    def from_environment(
        cls,
        *,
        token: str | None = None,
        credentials: google.auth.credentials.Credentials | None = None,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> Self:
        """The emulator named by ``CHAT_EMULATOR_HOST`` (``host:port``; a bare host takes ``CHAT_EMULATOR_PORT``)
        with ``token`` (default ``CHAT_EMULATOR_TOKEN``) or ``credentials``; Google Chat when it is unset.

        The environment is read here and only here: the other constructors never look at it."""
        env = os.environ if environ is None else environ
        address = emulator_address(env)
        if address is not None and options.get("transport") == "rest":
            address = emulator_rest_url(env, address)
        elif address is not None and not options.get("media_url"):
            with contextlib.suppress(ValueError):  # where a gRPC client's media requests go, if the environment says
                options["media_url"] = emulator_rest_url(env, address)
        if address is not None:
            emulator = cast(EmulatorOptions, {k: v for k, v in options.items() if k in EmulatorOptions.__annotations__})
            token = token or env.get(EMULATOR_TOKEN_ENV) or None
            return cls.for_emulator(address, token=token, credentials=credentials, **emulator)
        if token is not None:
            raise ValueError(f"token= is for the emulator ({EMULATOR_HOST_ENV} is not set); pass credentials=")
        return cls(credentials, **options)

    # ------------------------------------------------------------------------------------------ internals

    def _connect(
        self, connection: Connection, *, timeout: float | None, retry: RetryPolicy | None, metadata: Metadata
    ) -> None:
        self._connect_transport(connection, timeout=timeout, retry=retry, metadata=metadata)
        self._media_url = connection.media_url
        self._media_auth = connection.media_auth

    def _connect_transport(
        self, connection: Connection, *, timeout: float | None, retry: RetryPolicy | None, metadata: Metadata
    ) -> None:
        if connection.transport == "rest":
            rest = self._open_rest(connection)
            self._setup(
                None,  # type: ignore[arg-type]  # no gRPC channel: `channel` says so
                owns_channel=False,
                timeout=timeout,
                retry=retry,
                metadata=metadata,
                auth=connection.auth_metadata,
                transport="rest",
            )
            self._rest = rest
            return
        channel = self._open(connection)
        self._setup(
            channel, owns_channel=True, timeout=timeout, retry=retry, metadata=metadata, auth=connection.auth_metadata
        )

    def _setup(
        self,
        channel: ChannelT,
        *,
        owns_channel: bool,
        timeout: float | None,
        retry: RetryPolicy | None,
        metadata: Metadata,
        auth: AuthMetadata | None = None,
        transport: Transport = "grpc",
    ) -> None:
        self._channel = channel
        self._owns_channel = owns_channel
        self._options = CallOptions(
            timeout=timeout, retry=retry, metadata=(_api_client_header(transport), *metadata), auth_metadata=auth
        )
        self._callables: dict[str, Any] = {}

    @classmethod
    def _open(cls, connection: Connection) -> ChannelT:
        raise NotImplementedError

    @classmethod
    def _open_rest(cls, connection: Connection) -> Any:
        raise NotImplementedError

    def _plan(
        self,
        rpc: Rpc[Any, Any],
        request: Message | Mapping[str, Any] | None,
        fields: Mapping[str, object],
        *,
        timeout: float | Default | None,
        metadata: Metadata | None,
        retry: RetryPolicy | Default | None,
    ) -> CallPlan:
        """Build the request (from ``request`` or the keyword ``fields``) and plan the call."""
        built = build_request(rpc, request, fields)
        return self._options.plan(rpc, built, timeout=timeout, metadata=metadata, retry=retry)

    @property
    def channel(self) -> ChannelT:
        """The gRPC channel (for the generated stubs, health checks, ...). A REST client has none."""
        if self._rest is not None:
            raise AttributeError("a client with transport='rest' has no gRPC channel")
        return self._channel

    @property
    def transport(self) -> Transport:
        """``"grpc"`` or ``"rest"``."""
        return "rest" if self._rest is not None else "grpc"

    @property
    def timeout(self) -> float | None:
        """The default deadline of each call, in seconds."""
        return self._options.timeout

    @property
    def retry(self) -> RetryPolicy | None:
        """The default retry policy of idempotent calls."""
        return self._options.retry
