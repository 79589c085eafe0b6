"""Regenerate (or check) the Python stubs in ``generated/`` from the ``.proto`` files in ``protos/``.

This is the only way ``generated/`` changes.  One canonical protoc command line (grpcio-tools' bundled
protoc, include paths taken from the installed grpcio-tools and googleapis-common-protos packages, files in
sorted order) produces:

* ``*_pb2.py`` / ``*_pb2.pyi`` / ``*_pb2_grpc.py`` for every file under ``protos/``, and a typed
  ``*_pb2_grpc.pyi`` (mypy-protobuf's ``protoc-gen-mypy_grpc``, pinned) for each file with a service;
* ``google/chat/v1/chat_descriptor_set.binpb``: one FileDescriptorSet with imports and source info, for
  server reflection and HTTP/JSON transcoding;
* an empty ``__init__.py`` and a ``py.typed`` marker in each leaf package (``google.chat.v1``,
  ``google.apps.card.v1``); the parents stay namespace packages so they merge with ``google.api``,
  ``google.protobuf`` and friends;
* ``google/chat/v1/_pool.py``: a verbatim copy of ``buildscripts/pool_runtime.py``, through which every
  ``*_pb2.py`` registers its file (one line of protoc's output rewritten, see :func:`route_registration`), so
  the stubs load beside Google's ``google-apps-chat`` in one process (docs/coexistence.md).

Usage::

    python buildscripts/generate.py           # rewrite generated/
    python buildscripts/generate.py --check   # exit 1 and list every stale file
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
GENERATED = ROOT / "generated"
DESCRIPTOR_SET = Path("google/chat/v1/chat_descriptor_set.binpb")
# protoc does not write __init__.py files; the leaf packages get one so they are regular, typed packages.
LEAF_PACKAGES = (Path("google/chat/v1"), Path("google/apps/card/v1"))
# The runtime helper the generated modules register their files through, and where it is shipped.
POOL_RUNTIME = Path(__file__).resolve().parent / "pool_runtime.py"
POOL_MODULE = Path("google/chat/v1/_pool.py")
# protoc's registering line in a *_pb2.py (one per file), and what it becomes.
_REGISTRATION = re.compile(r"^DESCRIPTOR = _descriptor_pool\.Default\(\)\.AddSerializedFile\((b'.*')\)$", re.MULTILINE)
_ROUTED = (
    "from google.chat.v1 import _pool as _chat_grpc_pool  # added by buildscripts/generate.py\n"
    "DESCRIPTOR = _chat_grpc_pool.add_serialized_file({})"
)


def proto_files() -> list[str]:
    """Every .proto under protos/, as protoc-relative paths, in a stable order."""
    return sorted(p.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.rglob("*.proto"))


def include_paths() -> list[str]:
    """protos/ first, then the well-known types of grpcio-tools and the google/api etc. of common-protos."""
    import google.api.annotations_pb2 as annotations  # googleapis-common-protos ships its .proto sources
    import grpc_tools

    common_protos = Path(annotations.__file__).resolve().parents[2]
    well_known = Path(grpc_tools.__file__).resolve().parent / "_proto"
    return [str(PROTO_ROOT), str(common_protos), str(well_known)]


def mypy_grpc_plugin() -> str:
    """The protoc-gen-mypy_grpc executable installed beside this interpreter (dev extra: mypy-protobuf)."""
    beside = Path(sys.executable).parent / "protoc-gen-mypy_grpc"
    found = str(beside) if beside.exists() else shutil.which("protoc-gen-mypy_grpc")
    if not found:
        raise SystemExit("protoc-gen-mypy_grpc not found: install the dev extra (mypy-protobuf)")
    return found


def run_protoc(args: list[str]) -> None:
    from grpc_tools import protoc

    argv = ["grpc_tools.protoc", *(f"-I{p}" for p in include_paths()), *args]
    # protoc resolves files relative to the include paths; run from protos/ so the paths are canonical.
    cwd = os.getcwd()
    os.chdir(PROTO_ROOT)
    try:
        code = protoc.main(argv)
    finally:
        os.chdir(cwd)
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")


def compile_descriptor_set(out: Path, files: list[str] | None = None) -> Path:
    """Compile the given protos (default: all) into one FileDescriptorSet with imports and source info."""
    run_protoc(
        [
            f"--descriptor_set_out={out}",
            "--include_imports",
            "--include_source_info",
            *(files if files is not None else proto_files()),
        ]
    )
    return out


def generate_into(out_dir: Path) -> None:
    """Write the complete generated tree into out_dir (which must be empty or absent)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = proto_files()
    if not files:
        raise SystemExit(f"no .proto files under {PROTO_ROOT}")
    run_protoc(
        [
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            f"--plugin=protoc-gen-mypy_grpc={mypy_grpc_plugin()}",
            f"--mypy_grpc_out=quiet:{out_dir}",
            *files,
        ]
    )
    descriptor_set = out_dir / DESCRIPTOR_SET
    descriptor_set.parent.mkdir(parents=True, exist_ok=True)
    compile_descriptor_set(descriptor_set, files)
    for leaf in LEAF_PACKAGES:
        package = out_dir / leaf
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text('"""Generated by buildscripts/generate.py; do not edit."""\n')
        (package / "py.typed").write_text("")
    for module in sorted(out_dir.rglob("*_pb2.py")):
        module.write_text(route_registration(module.read_text(encoding="utf-8"), module.name), encoding="utf-8")
    shutil.copyfile(POOL_RUNTIME, out_dir / POOL_MODULE)


def route_registration(source: str, name: str = "<pb2>") -> str:
    """Rewrite protoc's ``DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'...')`` into a call of
    ``google.chat.v1._pool.add_serialized_file(b'...')``: the same file, registered so that it can share the
    pool with Google's own Chat types. Anything but exactly one such line is an error (protoc changed)."""
    routed, count = _REGISTRATION.subn(lambda match: _ROUTED.format(match.group(1)), source)
    if count != 1:
        raise SystemExit(f"{name}: expected one AddSerializedFile line from protoc, found {count}")
    return routed


def tree(path: Path) -> set[str]:
    return {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def stale_files(expected: Path, actual: Path) -> list[str]:
    """Paths that differ between a fresh generation and the committed tree, each with a reason."""
    want, have = tree(expected), tree(actual)
    problems = [f"missing: {p}" for p in sorted(want - have)]
    problems += [f"not generated by protos/ (remove it): {p}" for p in sorted(have - want)]
    problems += [
        f"differs: {p}" for p in sorted(want & have) if not filecmp.cmp(expected / p, actual / p, shallow=False)
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale; change nothing")
    parser.add_argument("--out", type=Path, default=GENERATED, help="target folder (default: generated/)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="chat-grpc-gen-") as tmp:
        fresh = Path(tmp) / "generated"
        generate_into(fresh)
        if args.check:
            problems = stale_files(fresh, args.out)
            if problems:
                print(f"{args.out} is stale; run `make generate`:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
                return 1
            print(f"{args.out} is up to date ({len(tree(fresh))} files)")
            return 0
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(fresh, args.out)
        print(f"generated {len(tree(args.out))} files into {args.out}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
