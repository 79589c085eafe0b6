"""In-situ counters for ``bench_rpcs.py --situ``: where the server process's CPU goes per call, ours vs the echo.

In the server process (``BENCH_SITU=1`` in its environment), ``install`` wraps ``ChatCore.serve`` (which
``serve_if_free``, the door's fast path, calls too) to add up the CPU time its thread spends in the core
(``time.thread_time``); ``snapshot`` reads that sum, the CPU time of each server's event-loop thread (ours:
``chat-grpc-aio``, the echo's: ``echo-aio``) and the process's. The client reads a snapshot before and after a run
of calls through the echo server's ``bench.Echo/Situ`` method, so the figures are per call and measured between
real calls, with the caches as gRPC leaves them (``--direct`` times the core in a tight loop instead)."""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from typing import Any

ENABLED = os.environ.get("BENCH_SITU") == "1"
LOOP_THREADS = {"ours": "chat-grpc-aio", "echo": "echo-aio"}
_core = [0.0, 0]  # CPU seconds in the core, calls


def install(core: Any) -> None:
    """Count the core's CPU time per call (only with BENCH_SITU=1: the wrapper costs a little itself)."""
    original = core.serve

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            _core[0] += time.thread_time() - started
            _core[1] += 1

    core.serve = counted


def _thread_cpu(name: str) -> float:
    for thread in threading.enumerate():
        if thread.name == name and thread.ident is not None:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return 0.0


def snapshot(_request: bytes = b"") -> bytes:
    """The counters now, as JSON (the echo's ``bench.Echo/Situ``)."""
    counters = {f"loop_{kind}": _thread_cpu(name) for kind, name in LOOP_THREADS.items()}
    counters.update(core=_core[0], core_calls=_core[1], process=time.process_time())
    return json.dumps(counters).encode()


def per_call(before: dict[str, float], after: dict[str, float], calls: int) -> dict[str, float]:
    """µs per call of each counter between two snapshots."""
    return {key: (after[key] - before[key]) / calls * 1e6 for key in before if key != "core_calls"}
