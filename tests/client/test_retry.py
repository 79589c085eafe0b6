"""Retries: backoff and jitter bounds, the deadline cut-off, RetryInfo, and both clients against a flaky server."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.chat.v1 import space_pb2
from google.rpc import code_pb2

from chat_grpc import AsyncChatClient, ChatClient, PermissionDenied, ResourceExhausted, RetryPolicy, Unavailable
from chat_grpc.client._core import CallPlan
from chat_grpc.client.retry import next_sleep
from tests.client.conftest import Script

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE

# ------------------------------------------------------------------------------------------------ the policy


def test_defaults_are_googles() -> None:
    policy = RetryPolicy()
    assert (policy.initial, policy.maximum, policy.multiplier, policy.max_attempts) == (1.0, 10.0, 1.3, 5)
    assert policy.jitter
    assert policy.retry_codes == {UNAVAILABLE}
    assert policy.retry_info_codes == {grpc.StatusCode.RESOURCE_EXHAUSTED}


def test_backoff_grows_by_the_multiplier_up_to_the_maximum() -> None:
    policy = RetryPolicy(initial=1.0, maximum=2.0, multiplier=1.3, jitter=False, max_attempts=6)
    assert [round(d, 4) for d in policy.backoff()] == [1.0, 1.3, 1.69, 2.0, 2.0]  # 5 sleeps for 6 attempts


def test_full_jitter_stays_within_zero_and_the_nominal_delay() -> None:
    policy = RetryPolicy(initial=0.5, maximum=4.0, multiplier=2.0, max_attempts=8)
    rng = random.Random(1234)
    for _ in range(200):
        for retry, delay in enumerate(policy.backoff(rng.random), start=1):
            assert 0.0 <= delay <= policy.nominal_delay(retry)
    assert list(policy.backoff(lambda: 0.0)) == [0.0] * 7
    assert list(policy.backoff(lambda: 1.0)) == [policy.nominal_delay(n) for n in range(1, 8)]


def test_one_attempt_means_no_retry() -> None:
    assert list(RetryPolicy(max_attempts=1).backoff()) == []


@pytest.mark.parametrize(
    "kwargs", [{"initial": -1}, {"maximum": -1}, {"multiplier": 0.5}, {"max_attempts": 0}]
)  # fmt: skip
def test_nonsense_policies_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def sleep_for(policy: RetryPolicy, backoff: Iterator[float], **kwargs: Any) -> float | None:
    return next_sleep(policy, backoff, **{"code": UNAVAILABLE, "retry_delay": None, "remaining": None, **kwargs})


def test_only_retryable_codes_are_retried() -> None:
    policy = RetryPolicy(jitter=False)
    assert sleep_for(policy, policy.backoff()) == 1.0
    for code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED, None):
        assert sleep_for(policy, policy.backoff(), code=code) is None


def test_resource_exhausted_is_retried_only_with_retry_info_and_waits_at_least_its_delay() -> None:
    policy = RetryPolicy(jitter=False)
    exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
    assert sleep_for(policy, policy.backoff(), code=exhausted) is None
    assert sleep_for(policy, policy.backoff(), code=exhausted, retry_delay=7.0) == 7.0
    assert sleep_for(policy, policy.backoff(), code=exhausted, retry_delay=0.25) == 1.0  # backoff is longer
    assert sleep_for(policy, policy.backoff(), code=UNAVAILABLE, retry_delay=3.0) == 3.0  # a floor for any code


def test_attempts_run_out() -> None:
    policy = RetryPolicy(jitter=False, max_attempts=3)
    backoff = policy.backoff()
    assert [sleep_for(policy, backoff) for _ in range(3)] == [1.0, 1.3, None]


def test_no_sleep_reaches_past_the_deadline() -> None:
    policy = RetryPolicy(jitter=False)
    assert sleep_for(policy, policy.backoff(), remaining=1.5) == 1.0
    assert sleep_for(policy, policy.backoff(), remaining=1.0) is None
    assert (
        sleep_for(policy, policy.backoff(), code=grpc.StatusCode.RESOURCE_EXHAUSTED, retry_delay=60, remaining=30)
        is None
    )


# ------------------------------------------------------------------------------------------------ call plans


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str = "", trailers: tuple[tuple[str, Any], ...] = ()) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, Any], ...]:
        return self._trailers


def plan(timeout: float | None, retry: RetryPolicy | None, clock: Callable[[], float]) -> CallPlan:
    return CallPlan(
        space_pb2.GetSpaceRequest(), metadata=(), auth_metadata=None, timeout=timeout, retry=retry, clock=clock,
        rand=lambda: 1.0,
    )  # fmt: skip


def test_a_plan_sleeps_then_raises_the_mapped_error_from_the_grpc_error() -> None:
    now = [0.0]
    call = plan(10.0, RetryPolicy(max_attempts=3), lambda: now[0])
    error = FakeRpcError(UNAVAILABLE, "try later")
    assert call.failed(error) == 1.0
    assert call.failed(error) == 1.3
    with pytest.raises(Unavailable, match="try later") as raised:
        call.failed(error)
    assert raised.value.__cause__ is error


def test_a_plan_stops_when_the_next_sleep_would_pass_the_deadline() -> None:
    now = [0.0]
    call = plan(2.0, RetryPolicy(), lambda: now[0])
    error = FakeRpcError(UNAVAILABLE)
    assert call.failed(error) == 1.0
    now[0] = 1.0  # slept
    with pytest.raises(Unavailable):
        call.failed(error)  # 1.3 s more would end after the 2 s deadline


def test_a_retry_is_not_sent_once_its_sleep_ended_past_the_deadline() -> None:
    now = [0.0]
    call = plan(2.0, RetryPolicy(), lambda: now[0])
    assert call.timeout() == 2.0
    error = FakeRpcError(UNAVAILABLE, "still down")
    assert call.failed(error) == 1.0  # 1 s of sleep fits in the 2 s left...
    now[0] = 2.01  # ... but the sleep ended late, past the deadline
    with pytest.raises(Unavailable, match="still down") as raised:
        call.timeout()
    assert raised.value.__cause__ is error and call.attempts == 2
    # A first attempt with no time left is sent (and fails with DEADLINE_EXCEEDED on the wire, as gRPC does).
    late = plan(0.5, RetryPolicy(), lambda: now[0])
    now[0] += 1.0
    assert late.timeout() == 0.0


def test_a_plan_without_policy_raises_at_once() -> None:
    call = plan(None, None, time.monotonic)
    with pytest.raises(Unavailable):
        call.failed(FakeRpcError(UNAVAILABLE))


# ------------------------------------------------------------------------------------------------ a flaky server


FAST = RetryPolicy(initial=0.01, maximum=0.05, multiplier=2.0)


def test_the_sync_client_retries_unavailable_then_succeeds(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(UNAVAILABLE, None), (UNAVAILABLE, None)]
    with ChatClient.for_emulator(address, token="t", retry=FAST) as client:
        assert client.get_space(name="spaces/A").name == "spaces/OK"
    assert len(script.seen) == 3
    assert all(meta["authorization"] == "Bearer t" for _, _, meta in script.seen)


def test_a_retried_create_keeps_its_request_id(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(UNAVAILABLE, None), (UNAVAILABLE, None)]
    with ChatClient.for_emulator(address, retry=FAST) as client:
        client.create_space(space={"display_name": "Team", "space_type": "SPACE"})
    ids = {request.request_id for _, request, _ in script.seen}
    assert len(script.seen) == 3 and len(ids) == 1 and "" not in ids


def test_non_idempotent_calls_are_not_retried(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(UNAVAILABLE, None)]
    with ChatClient.for_emulator(address, retry=FAST) as client, pytest.raises(Unavailable):
        client.create_membership(parent="spaces/A", membership={"member": {"name": "users/1"}})
    assert len(script.seen) == 1


def test_other_codes_and_disabled_retries_raise_at_once(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    with ChatClient.for_emulator(address, retry=FAST) as client:
        script.failures = [(grpc.StatusCode.PERMISSION_DENIED, None)]
        with pytest.raises(PermissionDenied):
            client.get_space(name="spaces/A")
        script.failures = [(UNAVAILABLE, None)]
        with pytest.raises(Unavailable):
            client.get_space(name="spaces/A", retry=None)
    assert len(script.seen) == 2
    with ChatClient.for_emulator(address, retry=None) as client:
        script.failures = [(UNAVAILABLE, None)]
        with pytest.raises(Unavailable):
            client.get_space(name="spaces/A")
        script.failures = [(UNAVAILABLE, None)]
        assert client.get_space(name="spaces/A", retry=FAST).name == "spaces/OK"  # per call, back on


def test_resource_exhausted_with_retry_info_waits_the_delay(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(grpc.StatusCode.RESOURCE_EXHAUSTED, 0.2)]
    with ChatClient.for_emulator(address, retry=FAST) as client:
        client.get_space(name="spaces/A")
        (first, *_), (second, *_) = script.seen
        assert second - first >= 0.2
        script.failures = [(grpc.StatusCode.RESOURCE_EXHAUSTED, None)]
        with pytest.raises(ResourceExhausted):
            client.get_space(name="spaces/A")


def test_retries_end_with_the_deadline(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(UNAVAILABLE, None)] * 100
    patient = RetryPolicy(initial=0.1, maximum=0.1, jitter=False, max_attempts=100)
    with ChatClient.for_emulator(address, retry=patient) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            client.get_space(name="spaces/A", timeout=0.55)
        elapsed = time.monotonic() - started
    assert elapsed < 0.55 + 0.25  # 100 attempts would take ~10 s; 0.25 s is scheduling slack on a busy machine
    assert 3 <= len(script.seen) <= 6


def test_the_async_client_retries_too(flaky: tuple[str, Script]) -> None:
    address, script = flaky
    script.failures = [(UNAVAILABLE, None), (grpc.StatusCode.RESOURCE_EXHAUSTED, 0.05)]

    async def main() -> str:
        async with AsyncChatClient.for_emulator(address, token="t", retry=FAST) as client:
            space = await client.get_space(name="spaces/A")
            return space.name

    assert asyncio.run(main()) == "spaces/OK"
    assert len(script.seen) == 3


def test_jitter_varies_between_calls() -> None:
    policy = RetryPolicy()
    firsts = {next(policy.backoff()) for _ in range(20)}
    assert len(firsts) > 1
    assert all(0 <= d <= 1.0 for d in firsts)
    assert list(itertools.islice(RetryPolicy(jitter=False).backoff(), 2)) == [1.0, 1.3]


def test_status_codes_come_from_the_rpc_status_numbering() -> None:
    assert UNAVAILABLE.value[0] == code_pb2.UNAVAILABLE
