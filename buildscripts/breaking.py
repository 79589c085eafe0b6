"""Wire compatibility of ``protos/`` with the last released contract: ``buf breaking`` against a baseline.

The baseline, ``buildscripts/baseline.binpb``, is a FileDescriptorSet (a Buf image) of the protos as last
released. The check compiles the current protos the way ``generate.py`` does (grpcio-tools' protoc, the same
include paths) into an image and runs ``buf breaking`` (npm ``@bufbuild/buf``, pinned in package.json,
installed into node_modules/ by ``make breaking``) with the ``WIRE_JSON`` rules: whatever would stop an old
client or server from exchanging binary protobuf or proto3 JSON with a new one fails — a renumbered or
retyped field, a removed field, enum value, message or RPC, a field moved into or out of a oneof, a changed
JSON name. Adding fields, messages, enum values and RPCs passes.

Usage::

    python buildscripts/breaking.py                   # check protos/ against the baseline (exit 1 on a break)
    python buildscripts/breaking.py --write-baseline  # after a release: the current protos become the baseline
    python buildscripts/breaking.py --protos DIR      # check another tree of protos (tests use this)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from buildscripts.generate import PROTO_ROOT, include_paths

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "buildscripts" / "baseline.binpb"
RULES = "WIRE_JSON"


def buf() -> str:
    """The pinned buf of node_modules/ (or $BUF)."""
    configured = os.environ.get("BUF")
    found = configured or str(ROOT / "node_modules" / ".bin" / "buf")
    if not Path(found).exists():
        raise SystemExit(f"buf not found at {found}: run `make breaking` (it installs @bufbuild/buf from npm)")
    return found


def image(proto_root: Path, out: Path) -> Path:
    """Compile every .proto under ``proto_root`` into a FileDescriptorSet with its imports (a Buf image)."""
    from grpc_tools import protoc

    files = sorted(p.relative_to(proto_root).as_posix() for p in proto_root.rglob("*.proto"))
    includes = [str(proto_root), *include_paths()[1:]]  # the same include paths as generate.py, another root
    argv = ["grpc_tools.protoc", *(f"-I{p}" for p in includes), f"--descriptor_set_out={out}", "--include_imports"]
    argv.append("--include_source_info")  # so that buf reports name the line of a break
    cwd = os.getcwd()
    os.chdir(proto_root)
    try:
        code = protoc.main([*argv, *files])
    finally:
        os.chdir(cwd)
    if code != 0:
        raise SystemExit(f"protoc failed on {proto_root} (exit code {code})")
    return out


def check(proto_root: Path = PROTO_ROOT, baseline: Path = BASELINE) -> tuple[bool, str]:
    """(compatible, buf's report) for the protos under ``proto_root`` against ``baseline``."""
    config = json.dumps({"version": "v2", "breaking": {"use": [RULES]}})
    with tempfile.TemporaryDirectory(prefix="chat-grpc-breaking-") as tmp:
        current = image(proto_root, Path(tmp) / "current.binpb")
        completed = subprocess.run(
            [buf(), "breaking", f"{current}#format=binpb", "--against", f"{baseline}#format=binpb",
             "--config", config, "--error-format", "text"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    report = (completed.stdout + completed.stderr).strip()
    if completed.returncode not in (0, 100):  # 100: breaking changes found; anything else: buf itself failed
        raise SystemExit(f"buf breaking failed to run (exit code {completed.returncode}):\n{report}")
    return completed.returncode == 0, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-baseline", action="store_true", help="make the current protos the baseline")
    parser.add_argument("--protos", type=Path, default=PROTO_ROOT, help="the protos to check (default: protos/)")
    args = parser.parse_args(argv)
    if args.write_baseline:
        with tempfile.TemporaryDirectory(prefix="chat-grpc-baseline-") as tmp:
            shutil.copyfile(image(args.protos, Path(tmp) / "baseline.binpb"), BASELINE)
        print(f"wrote {BASELINE.relative_to(ROOT)} from {args.protos}")
        return 0
    compatible, report = check(args.protos)
    if not compatible:
        print(f"protos are not wire-compatible with {BASELINE.relative_to(ROOT)} ({RULES}):", file=sys.stderr)
        print(report, file=sys.stderr)
        return 1
    print(f"protos are wire-compatible with {BASELINE.relative_to(ROOT)} ({RULES})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
