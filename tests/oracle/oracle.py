"""Run Google's published client libraries as a test oracle, in their own virtualenv and process.

Google's ``google-apps-chat`` / ``google-apps-card`` register the same protobuf symbols as our stubs, so they
can never be imported next to ours: ``make oracle`` builds ``.venv-oracle`` for them, and everything that
asks them a question runs a script there in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def oracle_python() -> Path:
    configured = os.environ.get("CHAT_GRPC_ORACLE_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-oracle" / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"oracle interpreter {python} not found: run `make oracle` first")
    return python


def run(script: str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run tests/oracle/<script> with the oracle interpreter; return its stdout, fail loudly on error."""
    completed = subprocess.run(
        [str(oracle_python()), str(HERE / script), *args],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"oracle script {script} failed ({completed.returncode}):\n{completed.stderr.decode(errors='replace')}"
        )
    return completed.stdout


def versions() -> str:
    """The versions of Google's packages in the oracle venv, e.g. ``google-apps-chat 0.10.7, ...``."""
    code = (
        "from importlib.metadata import version; "
        "print(', '.join(f'{p} {version(p)}' for p in ('google-apps-chat', 'google-apps-card')))"
    )
    completed = subprocess.run([str(oracle_python()), "-c", code], capture_output=True, text=True, check=True)
    return completed.stdout.strip()


def dump(out_dir: Path) -> Path:
    """Write Google's descriptors (oracle.binpb) and RPC table (rpcs.json) into out_dir."""
    run("dump_oracle.py", str(out_dir))
    return out_dir


if __name__ == "__main__":
    print(dump(Path(sys.argv[1])))
