"""Every benchmark script of ``make bench`` still imports, parses its command line and runs every row: a refactor
that breaks one shows here, not at the next ``make bench``. The rows run in smoke mode (``--smoke``, the shared
runner's: tiny sizes, one round of a few calls, server processes spawned for real), which tests the benchmark, not
the speed: a missed goal passes, an exception or a wrong answer (the scripts' own checks) fails. (What they
measure is for ``make bench``, never for timed tests.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"
SCRIPTS = sorted(p.name for p in BENCH.glob("bench_*.py"))
SMOKE_TIMEOUT = 240  # seconds per run; each takes a few seconds (bench/README.md, "Smoke mode")
HEADER = ("benchmark", "median", "IQR/2", "goal")  # the runner's table header (runner.format_table)
SMOKE_LINE = "Smoke run (--smoke)"  # the runner's note under every table in smoke mode

# The scripts' other modes (not the table), each run small in smoke mode too, with what its output must hold.
MODES = [
    ("bench_rpcs.py", ("--direct", "2"), SMOKE_LINE),
    ("bench_rpcs.py", ("--profile", "2", "--only", "GetSpace,CreateMessage"), "function calls"),
    ("bench_rpcs.py", ("--situ", "2"), "µs per call"),
    ("bench_rest.py", ("--profile", "3"), "function calls"),
    ("bench_concurrency.py", ("--profile", "0.5"), "function calls"),
]


def run(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "BENCH_SMOKE"}
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_starts(script: str) -> None:
    done = run(script, "--help")
    assert done.returncode == 0, done.stderr
    assert "--budget" in done.stdout and "--smoke" in done.stdout  # the shared runner's command line


def _failed(script: str, args: tuple[str, ...], done: subprocess.CompletedProcess[str]) -> str:
    """The end of what a failed run printed (its traceback is at the end of stderr)."""
    output = f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-8000:]}"
    return f"{script} {' '.join(args)} exited {done.returncode}\n{output}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_row_runs_in_smoke_mode(script: str) -> None:
    started = time.perf_counter()
    done = run(script, "--smoke", timeout=SMOKE_TIMEOUT)
    print(f"{script} --smoke: {time.perf_counter() - started:.1f} s")
    assert done.returncode == 0, _failed(script, ("--smoke",), done)
    lines = done.stdout.splitlines()
    assert any(line.split() == list(HEADER) for line in lines), done.stdout  # the table was printed
    assert SMOKE_LINE in done.stdout, done.stdout


@pytest.mark.parametrize(("script", "args", "expected"), MODES, ids=[f"{s} {' '.join(a)}" for s, a, _ in MODES])
def test_other_modes_run_in_smoke_mode(script: str, args: tuple[str, ...], expected: str) -> None:
    done = run(script, "--smoke", *args, timeout=SMOKE_TIMEOUT)
    assert done.returncode == 0, _failed(script, ("--smoke", *args), done)
    assert expected in done.stdout, done.stdout


def test_a_smoke_flag_the_runner_did_not_see_is_refused() -> None:
    """Smoke mode is decided when the runner is imported (the sizes are module constants): a ``--smoke`` handed to
    a parser later (``main(["--smoke"])``) stops with an error rather than running at full size."""
    code = "import runner; runner.arguments(None, 1.0).parse_args(['--smoke'])"
    done = run("-c", code)
    assert done.returncode == 2 and "--smoke must be on the command line" in done.stderr, done.stderr


def test_make_bench_runs_every_script() -> None:
    lines = MAKEFILE.read_text().splitlines()
    listed = {line.split("bench/", 1)[1].strip() for line in lines if "bench/bench_" in line}
    assert listed == set(SCRIPTS)
