"""Print every fact where our protos and Google's published API (the oracle venv) differ — ``make oracle-diff``.

    .venv/bin/python tests/oracle/report.py [PROTO ...]

PROTO are paths relative to protos/ (default: all of them). The report groups what Google has and we lack (the
to-do list of the next spec change: RPCs, messages, fields, enums, enum values, OAuth scopes, resource
patterns) and the facts that disagree (numbers, types, labels, oneofs, HTTP rules, method signatures), then a
one-line summary. Exit status 1 when anything differs or is missing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from buildscripts.generate import compile_descriptor_set
from tests.oracle import descriptor_diff, oracle

KINDS = ("rpc", "message", "field", "enum value", "enum", "oauth scope", "resource")


def render(report: descriptor_diff.Report, missing: list[str]) -> list[str]:
    """The report's lines: what Google has and we lack, grouped by kind; the facts that differ; a summary."""
    out: list[str] = []
    for kind in KINDS:
        lines = [line.removeprefix(kind + " ") for line in missing if line.startswith(kind + " ")]
        if lines:
            out.append(f"Google has, our protos lack: {len(lines)} {kind}{'s' if len(lines) != 1 else ''}")
            out += [f"  + {line}" for line in lines]
            out.append("")
    if report.differences:
        out.append(f"Facts that differ: {len(report.differences)}")
        out += [f"  ! {line}" for line in report.differences]
        out.append("")
    if not missing and not report.differences:
        out += ["No differences: every fact of Google's API is in our protos, and they agree.", ""]
    out.append(report.summary())
    return out


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
    # A partial run lists what Google adds inside the given types, not every type it lacks.
    missing = [line for line in report.oracle_only if not files or line.startswith(("field ", "enum value "))]
    title = f"Google's API (oracle: {oracle.versions()}) against protos/{' ' + ' '.join(files) if files else ''}"
    print("\n".join([title, "", *render(report, missing)]))
    return 1 if report.differences or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
