"""The control service: drive a running fake from outside its process (faults, journal, clock).

``chat_grpc.control.v1.Control`` is a gRPC service whose requests and responses are JSON objects (UTF-8
bytes, no ``.proto``): any gRPC client can call it, and ``ControlClient`` wraps it for Python. It is served
only when enabled (``ChatServer(control=True)``; the emulator enables it unless ``--no-control``) and is
**a test-only door**, never to be exposed beyond the machine: unauthenticated unless the server has a
``control_token`` (``--control-token``, required by the emulator when it binds a non-loopback host). The
methods and their JSON shapes are documented in docs/emulator.md.

Extension point: ``@control_method("Name")`` registers ``function(server, payload) -> dict`` as method
``Name`` of the service, for every server (looked up per call, so registering after start works too).
Raise ValueError (or ``ControlError`` with a status code) for a bad payload: it answers INVALID_ARGUMENT.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import grpc

from chat_grpc.fake import timestamps
from chat_grpc.fake.timestamps import TimestampError, format_rfc3339

if TYPE_CHECKING:
    from chat_grpc.doors.emulator import Emulator

SERVICE = "chat_grpc.control.v1.Control"
DEFAULT_CALLS_LIMIT = 100

JsonObject = dict[str, Any]
ControlMethod = Callable[["Emulator", JsonObject], JsonObject]

_log = logging.getLogger("chat_grpc.server")
_METHODS: dict[str, ControlMethod] = {}


class ControlError(Exception):
    """A control request that cannot be served, with the status code to answer."""

    def __init__(self, message: str, code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT) -> None:
        super().__init__(message)
        self.code = code


def control_method(name: str) -> Callable[[ControlMethod], ControlMethod]:
    """Register ``function(server, payload) -> response`` as the control method ``name``."""

    def register(function: ControlMethod) -> ControlMethod:
        if name in _METHODS:
            raise RuntimeError(f"two control methods named {name}")
        _METHODS[name] = function
        return function

    return register


def methods() -> list[str]:
    """The names of the registered control methods."""
    return sorted(_METHODS)


# ------------------------------------------------------------------ the server side


def _encode(response: JsonObject) -> bytes:
    return json.dumps(response, ensure_ascii=False).encode()


class ControlHandler(grpc.GenericRpcHandler):
    """Serves the registered control methods for one Emulator."""

    def __init__(self, server: Emulator) -> None:
        self._server = server

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[bytes, JsonObject] | None:
        service, _, name = str(handler_call_details.method).lstrip("/").partition("/")
        if service != SERVICE or name not in _METHODS:
            return None  # grpc answers UNIMPLEMENTED

        def invoke(request: bytes, context: grpc.ServicerContext) -> JsonObject:
            return self._invoke(name, request, context)

        return grpc.unary_unary_rpc_method_handler(invoke, response_serializer=_encode)

    def _invoke(self, name: str, request: bytes, context: grpc.ServicerContext) -> JsonObject:
        token = self._server.control_token
        if token is not None and not _token_matches(context.invocation_metadata() or (), token):
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                f"{name}: the control service wants 'authorization: Bearer <the --control-token>'",
            )
        try:
            payload = json.loads(request.decode() or "{}", parse_constant=_no_constant) if request else {}
            if not isinstance(payload, dict):
                raise ControlError("the request must be a JSON object")
            return _METHODS[name](self._server, payload)
        except ControlError as error:
            context.abort(error.code, f"{name}: {error}")
        except (ValueError, TypeError, KeyError, LookupError, RecursionError) as error:  # json errors: ValueErrors
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{name}: {str(error)[:500]}")
        except OverflowError as error:  # a time or duration beyond what datetime holds (year 9999)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{name}: out of range: {error}")
        except Exception:
            _log.exception("bug in the control service while serving %s", name)
            context.abort(grpc.StatusCode.INTERNAL, f"{name}: internal error in the control service")
        raise AssertionError("abort returned")  # pragma: no cover


def _token_matches(metadata: Any, token: str) -> bool:
    for key, value in metadata:
        if key.lower() == "authorization":
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            scheme, _, given = text.strip().partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return False


def _no_constant(name: str) -> Any:
    raise ControlError(f"{name} is not a number the control service takes (only finite numbers)")


def _field(payload: JsonObject, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = payload.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise ControlError(f"{name!r} has the wrong type: {value!r}")
    return value


def _unknown(payload: JsonObject, *known: str) -> None:
    extra = sorted(set(payload) - set(known))
    if extra:
        raise ControlError(f"unknown field(s) {extra}; expected some of {sorted(known)}")


def rfc3339(when: datetime) -> str:
    return format_rfc3339(when)


def parse_rfc3339(text: str) -> datetime:
    try:
        return timestamps.parse_rfc3339(text.strip(), space=True)
    except TimestampError as error:
        if error.kind == "zone":
            raise ControlError(f"the time needs a UTC offset or 'Z': {text!r}") from None
        raise ControlError(f"not an RFC-3339 time: {text!r}") from None


def _clock(server: Emulator, now: datetime | None = None) -> JsonObject:
    return {"now": rfc3339(now or server.clock.now()), "frozen": server.clock.frozen}


@control_method("AddFault")
def _add_fault(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload, "rpc", "code", "delay", "times", "message", "retry_delay")
    rpc = _field(payload, "rpc", str)
    if not rpc:
        raise ControlError("'rpc' is required: a ChatService method name, or '*' for every RPC")
    times = _field(payload, "times", int, 1)
    code, delay = _field(payload, "code", str), _field(payload, "delay", (int, float))
    if (code is None) == (delay is None):
        raise ControlError("give either 'code' (a failure) or 'delay' (seconds), not both nor neither")
    if delay is not None:
        if "message" in payload or "retry_delay" in payload:
            raise ControlError("'message' and 'retry_delay' go with 'code', not 'delay'")
        rule = server.faults.delay(rpc, delay, times=times)
    else:
        rule = server.faults.fail(
            rpc,
            code,
            times=times,
            message=_field(payload, "message", str),
            retry_delay=_field(payload, "retry_delay", (int, float)),
        )
    return {"fault": rule.to_json()}


@control_method("ClearFaults")
def _clear_faults(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload)
    return {"cleared": server.faults.clear()}


@control_method("FaultReport")
def _fault_report(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload)
    return server.faults.report_json()


@control_method("Calls")
def _calls(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload, "method", "limit")
    method = _field(payload, "method", str) or None
    limit = _field(payload, "limit", int, DEFAULT_CALLS_LIMIT)
    if limit is not None and limit < 0:
        raise ControlError("'limit' must be zero or more (null: every recorded call)")
    found = server.journal.calls(method)
    shown = found if limit is None else found[max(len(found) - limit, 0) :]
    return {"calls": [c.to_json() for c in shown], "total": len(found), "dropped": server.journal.dropped}


@control_method("ClearJournal")
def _clear_journal(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload)
    return {"cleared": server.journal.clear()}


@control_method("AdvanceClock")
def _advance_clock(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload, "seconds")
    seconds = _field(payload, "seconds", (int, float))
    if seconds is None or not 0 <= seconds < 1e11:  # NaN fails both; 1e11 s: past year 5000
        raise ControlError("'seconds' is required and must be zero or more (and less than 1e11)")
    return _clock(server, server.clock.advance(timedelta(seconds=seconds)))


@control_method("SetClock")
def _set_clock(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload, "time")
    text = _field(payload, "time", str)
    if not text:
        raise ControlError("'time' is required, e.g. '2026-01-05T09:00:00Z'")
    when = parse_rfc3339(text)
    server.clock.set(when)
    return _clock(server, when)


@control_method("GetClock")
def _get_clock(server: Emulator, payload: JsonObject) -> JsonObject:
    _unknown(payload)
    return _clock(server)


# ------------------------------------------------------------------ the client side


class ControlClient:
    """A Python client for the control service of a fake at ``address`` (``host:port``), or on a channel
    you own. Methods are the service's methods in snake case; failures raise ``grpc.RpcError``. ``token``:
    the server's ``--control-token``, sent as ``authorization: Bearer <token>``."""

    def __init__(self, target: str | grpc.Channel, *, timeout: float = 10.0, token: str | None = None) -> None:
        self._metadata = (("authorization", f"Bearer {token}"),) if token is not None else None
        if isinstance(target, str):
            self._channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", -1)])
            self._owned = True
        else:
            self._channel, self._owned = target, False
        self.timeout = timeout

    def call(self, method: str, payload: JsonObject | None = None) -> JsonObject:
        """Call any control method (also ones registered with ``@control_method``) with a JSON object."""
        stub: grpc.UnaryUnaryMultiCallable[JsonObject, JsonObject] = self._channel.unary_unary(
            f"/{SERVICE}/{method}",
            request_serializer=lambda body: json.dumps(body).encode(),
            response_deserializer=lambda data: json.loads(data.decode() or "{}"),
        )
        response: JsonObject = stub(payload or {}, timeout=self.timeout, metadata=self._metadata)
        return response

    def add_fault(
        self,
        rpc: str,
        *,
        code: grpc.StatusCode | str | None = None,
        delay: float | timedelta | None = None,
        times: int | None = 1,
        message: str | None = None,
        retry_delay: float | timedelta | None = None,
    ) -> JsonObject:
        """Arm a rule: ``code`` makes the next ``times`` calls of ``rpc`` fail, ``delay`` makes them wait."""
        payload: JsonObject = {"rpc": rpc, "times": times}
        if code is not None:
            payload["code"] = code.name if isinstance(code, grpc.StatusCode) else code
        if delay is not None:
            payload["delay"] = delay.total_seconds() if isinstance(delay, timedelta) else delay
        if message is not None:
            payload["message"] = message
        if retry_delay is not None:
            payload["retry_delay"] = retry_delay.total_seconds() if isinstance(retry_delay, timedelta) else retry_delay
        fault: JsonObject = self.call("AddFault", payload)["fault"]
        return fault

    def clear_faults(self) -> int:
        return int(self.call("ClearFaults")["cleared"])

    def fault_report(self) -> JsonObject:
        """``{"fired": {rpc: [firing, ...]}, "pending": [rule, ...]}``."""
        return self.call("FaultReport")

    def calls(self, method: str | None = None, *, limit: int | None = DEFAULT_CALLS_LIMIT) -> list[JsonObject]:
        """The journal's last ``limit`` calls (None: all it holds) of ``method`` (None: every method)."""
        found: list[JsonObject] = self.call("Calls", {"method": method, "limit": limit})["calls"]
        return found

    def clear_journal(self) -> int:
        return int(self.call("ClearJournal")["cleared"])

    def advance_clock(self, seconds: float | timedelta) -> datetime:
        """Move the fake's clock forward (freezing it first if it runs); returns the new time."""
        amount = seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
        return parse_rfc3339(self.call("AdvanceClock", {"seconds": amount})["now"])

    def set_clock(self, when: datetime | str) -> datetime:
        """Freeze the fake's clock at ``when`` (a timezone-aware datetime or an RFC-3339 string)."""
        if isinstance(when, datetime) and when.tzinfo is None:
            raise ValueError("set_clock needs a timezone-aware datetime")
        text = rfc3339(when) if isinstance(when, datetime) else when
        return parse_rfc3339(self.call("SetClock", {"time": text})["now"])

    def get_clock(self) -> datetime:
        return parse_rfc3339(self.call("GetClock")["now"])

    def close(self) -> None:
        if self._owned:
            self._channel.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
