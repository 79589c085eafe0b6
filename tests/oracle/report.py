"""Print every wire difference between our protos and Google's published API.

    .venv/bin/python tests/oracle/report.py [PROTO ...]

PROTO are paths relative to protos/ (default: all of them).  Exit status 1 when there are differences.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from buildscripts.generate import compile_descriptor_set
from tests.oracle import descriptor_diff, oracle


def main(argv: list[str]) -> int:
    files = argv or None
    with tempfile.TemporaryDirectory() as tmp:
        ours = descriptor_diff.load_set(compile_descriptor_set(Path(tmp) / "ours.binpb", files))
        oracle.dump(Path(tmp))
        theirs = descriptor_diff.load_set(Path(tmp) / "oracle.binpb")
        rpcs = descriptor_diff.load_rpcs(Path(tmp) / "rpcs.json")
        surface = descriptor_diff.load_surface(Path(tmp) / "surface.json")
    report = descriptor_diff.compare(ours, theirs, rpcs, with_service=True, surface=None if files else surface)
    if files:  # a partial run: Cards v2 items absent from the given files are not differences
        partial = any(f.startswith("google/apps/card/") for f in files)
        if not partial:
            report.differences = [d for d in report.differences if descriptor_diff.CARD not in d]
    for line in report.oracle_only:
        # A partial run lists what Google adds inside the given types, not every type it lacks.
        if not files or line.startswith(("field ", "enum value ")):
            print(f"oracle-only: {line}")
    for line in report.differences:
        print(f"DIFF: {line}")
    print(report.summary())
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
