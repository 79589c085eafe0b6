"""The one benchmark runner of the bench scripts: interleaved rounds, paired ratios, medians, and one table.

The machines these run on are noisy (2 shared cores), so two variants are never timed one after the other.
They run in short alternating slots (about ``SLOT`` seconds each, ABBA order: a b, b a, a b, ...), each round
gives a paired ratio a/b of two slots measured a fraction of a second apart, and the table reports the median
over the rounds, with half the interquartile range (relative to the median) as the noise indicator.

* :func:`alternate` runs two slot functions (each returns one measurement) for a time budget.
* :func:`compare` sizes the slots first: ``a(n)`` and ``b(n)`` run ``n`` calls and return calls/s (``rate``) or
  ms per call; it warms both up, picks ``n`` so that a slot lasts about ``SLOT`` s, then alternates.
* :class:`Table` collects rows (``value``, ``paired``, ``ratio``) and prints them with a goal column:
  ``>= 0.8  PASS`` or ``MISS``. A MISS does not fail the run; errors (wrong answers) are the scripts' to raise.
* :func:`arguments` is the common command line: ``--budget SECONDS`` (the measuring time per benchmark) and
  ``--smoke``.

Smoke mode (``--smoke``) runs every row of a script at tiny sizes, to test the benchmark itself, not to measure:
the sizes a script declares with :func:`sized` take their smoke values, the budget defaults to 0, :func:`compare`
makes a handful of calls per slot and :func:`alternate` one round, and the table says that its goals are not
judged. The wrong-answer checks of the scripts run as always, so a broken row still fails the run. The sizes are
module constants, read when a script is imported, in its spawned server processes too: so smoke mode is decided
here, once, when this module is imported (``--smoke`` on the command line, or ``BENCH_SMOKE=1`` in the
environment, which the runner then sets for every process the script starts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

SMOKE_ENV = "BENCH_SMOKE"
SMOKE = os.environ.get(SMOKE_ENV) == "1" or "--smoke" in sys.argv[1:]
if SMOKE:
    os.environ[SMOKE_ENV] = "1"  # the processes the script spawns (servers, clients) run at smoke sizes too
SMOKE_CALLS = 3  # calls per slot (and per probe) in smoke mode
SMOKE_NOTE = "Smoke run (--smoke): tiny sizes, one round, a few calls: not a measurement; goals are not judged."

SLOT = 0.002 if SMOKE else 0.1  # seconds per variant per round: short slots pair the variants closely in time

T = TypeVar("T")


def sized(full: T, smoke: T) -> T:
    """A size of a benchmark: ``full`` for a measurement, ``smoke`` in smoke mode (big enough for the script's
    checks, e.g. more than a page)."""
    return smoke if SMOKE else full


@dataclass
class Paired:
    """Per-round measurements of two variants: a and b are per-slot values, ratios are a/b within each round."""

    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    calls: int = 0  # calls per slot, when :func:`compare` sized the slots

    @property
    def rounds(self) -> int:
        return len(self.ratios)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def alternate(
    run_a: Callable[[], float],
    run_b: Callable[[], float],
    *,
    budget: float,
    min_rounds: int = 6,
    max_rounds: int = 2000,
) -> Paired:
    """Run the two variants in ABBA order until ``budget`` seconds have passed (at least ``min_rounds``); one
    round in smoke mode."""
    if SMOKE:
        min_rounds = max_rounds = 1
    result = Paired()
    deadline = time.perf_counter() + budget
    for round_no in range(max_rounds):
        if round_no >= min_rounds and time.perf_counter() >= deadline:
            break
        if round_no % 2 == 0:
            a, b = run_a(), run_b()
        else:
            b, a = run_b(), run_a()
        result.a.append(a)
        result.b.append(b)
        result.ratios.append(a / b)
    return result


def compare(
    a: Callable[[int], float],
    b: Callable[[int], float],
    *,
    budget: float,
    rate: bool = True,
    probe: int = 100,
    min_calls: int = 5,
    max_calls: int | None = None,
    min_rounds: int = 6,
    warmup: bool = True,
) -> Paired:
    """``a(n)``/``b(n)`` make ``n`` calls and return calls/s (``rate``) or ms per call. Warm both up, size a slot to
    about ``SLOT`` s of the slower one (from ``probe`` calls each), then alternate them for ``budget`` seconds.
    In smoke mode, probes and slots make ``SMOKE_CALLS`` calls."""
    if SMOKE:
        probe = min(probe, SMOKE_CALLS)
    if warmup:
        a(probe), b(probe)
    slower = min(a(probe), b(probe)) if rate else 1000 / max(a(probe), b(probe))  # calls/s
    calls = SMOKE_CALLS if SMOKE else max(min_calls, int(slower * SLOT))
    if max_calls is not None:
        calls = min(calls, max_calls)
    paired = alternate(lambda: a(calls), lambda: b(calls), budget=budget, min_rounds=min_rounds)
    paired.calls = calls
    return paired


def spread(values: Sequence[float]) -> str:
    """The interquartile range relative to the median, halved, as a noise indicator."""
    if len(values) < 4:
        return "n/a"
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"±{(q3 - q1) / 2 / statistics.median(values) * 100:.0f}%"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass(frozen=True)
class Goal:
    """``>= 0.8`` or ``<= 1.5``; ``info`` marks a goal that is reported but is not the script's to meet."""

    op: str
    bound: float
    info: bool = False

    def met(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound

    def text(self, value: float) -> str:
        return f"{self.op} {self.bound:g}  {verdict(self.met(value))}{' (info)' if self.info else ''}"


def at_least(bound: float, *, info: bool = False) -> Goal:
    return Goal(">=", bound, info)


def at_most(bound: float, *, info: bool = False) -> Goal:
    return Goal("<=", bound, info)


def format_table(rows: Sequence[tuple[str, str, str, str]]) -> list[str]:
    """Rows of (benchmark, median, IQR/2, goal) as an aligned table between rules."""
    header = ("benchmark", "median", "IQR/2", "goal")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths[:3])) + "  {}"
    return [fmt.format(*header), line, *(fmt.format(*r) for r in rows), line, *([SMOKE_NOTE] if SMOKE else [])]


def unit_text(value: float, unit: str) -> str:
    if unit == "calls/s":
        return f"{value:,.0f} calls/s"
    if unit == "ms":
        return f"{value:.3f} ms"
    return f"{value:.3f}{(' ' + unit) if unit else ''}"


@dataclass
class Table:
    """The rows of one script's table; ``goals`` counts the goal rows and ``misses`` those that missed."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    goals: int = 0
    misses: list[str] = field(default_factory=list)

    def value(self, label: str, text: str, noise: str = "", goal: str = "") -> None:
        """A row with a text of its own (a seeding time, a memory reading)."""
        self.rows.append((label, text, noise, goal))

    def checked(self, label: str, text: str, value: float, goal: Goal, unit: str = "") -> None:
        """A single reading (not a ratio) against a goal: ``<= 1,024 MiB  PASS``."""
        self.goals += 0 if goal.info else 1
        if not goal.info and not goal.met(value):
            self.misses.append(label.strip())
        bound = f"{goal.bound:,g}{(' ' + unit) if unit else ''}"
        self.value(label, text, "", f"{goal.op} {bound}  {verdict(goal.met(value))}{' (info)' if goal.info else ''}")

    def measured(self, label: str, values: Sequence[float], unit: str) -> None:
        """The median of per-slot values (calls/s or ms), with its noise."""
        self.value(label, unit_text(statistics.median(values), unit), spread(values))

    def ratio(self, label: str, paired: Paired, goal: Goal | None = None, digits: int = 3) -> float:
        """The median paired ratio, checked against ``goal`` when there is one."""
        ratio = paired.ratio
        goal_text = ""
        if goal is not None:
            goal_text = goal.text(ratio)
            if not goal.info:
                self.goals += 1
                if not goal.met(ratio):
                    self.misses.append(label.strip())
        self.value(label, f"{ratio:,.{digits}f}", spread(paired.ratios), goal_text)
        return ratio

    def paired(self, label: str, paired: Paired, names: tuple[str, str], unit: str, goal: Goal | None = None) -> float:
        """Three rows: variant a, variant b (medians of their slots), then the ratio a/b."""
        self.measured(f"{label}, {names[0]}", paired.a, unit)
        self.measured(f"{label}, {names[1]}", paired.b, unit)
        return self.ratio(f"  ratio {names[0]}/{names[1]}", paired, goal)

    def lines(self) -> list[str]:
        out = format_table(self.rows)
        if self.goals:
            met = f"{self.goals - len(self.misses)} of {self.goals} met"
            out.append(f"Goals: not judged ({met} at smoke sizes)." if SMOKE else f"Goals: {met}.")
        return [*out, *self.notes]

    def print(self) -> None:
        print()
        print("\n".join(self.lines()), flush=True)


class _Smoke(argparse.Action):
    """``--smoke``: smoke mode is decided when the runner is imported (the sizes are module constants), so a
    ``--smoke`` that reaches the parser some other way (``main(["--smoke"])``) is refused, not ignored."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: Any = None) -> None:
        if not SMOKE:
            parser.error(f"--smoke must be on the command line (or {SMOKE_ENV}=1 in the environment)")
        setattr(namespace, self.dest, True)


def arguments(doc: str | None, budget: float, what: str = "per benchmark") -> argparse.ArgumentParser:
    """The common command line: ``--budget SECONDS`` (0 by default in smoke mode) and ``--smoke``; scripts add
    their own options to it, with :func:`sized` defaults where they are sizes."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--budget",
        type=float,
        default=0.0 if SMOKE else budget,
        help=f"seconds of measurement {what} (default {budget:g})",
    )
    parser.add_argument(
        "--smoke",
        nargs=0,
        action=_Smoke,
        default=SMOKE,
        help="test the benchmark, not a measurement: every row at tiny sizes, one round of a few calls; exits "
        "non-zero on any error or wrong answer, never on a missed goal",
    )
    return parser


def banner(title: str) -> None:
    import grpc

    print(f"{title} (Python {sys.version.split()[0]}, grpcio {grpc.__version__})", flush=True)
