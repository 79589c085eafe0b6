"""Every benchmark script of ``make bench`` still imports and parses its command line: a refactor that breaks one
shows here, not at the next ``make bench``. (What they measure is for ``make bench``, never for timed tests.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_the_script_starts(script: str) -> None:
    done = subprocess.run(
        [sys.executable, script, "--help"], cwd=BENCH, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--budget" in done.stdout  # the shared runner's command line


def test_make_bench_runs_every_script() -> None:
    lines = MAKEFILE.read_text().splitlines()
    listed = {line.split("bench/", 1)[1].strip() for line in lines if "bench/bench_" in line}
    assert listed == {p.name for p in BENCH.glob("bench_*.py")}
