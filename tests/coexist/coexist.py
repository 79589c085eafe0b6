"""Run Python in ``.venv-coexist``: Google's ``google-apps-chat`` / ``google-apps-card`` and chat-grpc (from this
checkout) installed together, as in a user's project (``make coexist``; docs/coexistence.md).

Like ``tests/oracle/oracle.py``, everything runs in a fresh subprocess: what is tested is what one process sees
when it imports both, in a given order.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def coexist_python() -> Path:
    configured = os.environ.get("CHAT_GRPC_COEXIST_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-coexist" / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"coexist interpreter {python} not found: run `make coexist` first")
    return python


def run(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python *args`` in the coexist venv; returns the completed process (the caller checks it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    return subprocess.run(
        [str(coexist_python()), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )


def script(name: str, *args: str) -> str:
    """Run tests/coexist/<name> in the coexist venv; its stdout, or fail loudly with its stderr."""
    completed = run(str(HERE / name), *args)
    if completed.returncode != 0:
        raise AssertionError(f"{name} {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr}")
    return completed.stdout
