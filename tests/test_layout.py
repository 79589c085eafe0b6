"""The package's layout is the architecture of docs/architecture.md: folders that name the layers, import
contracts that keep them (import-linter: no cycles at any depth, each layer importing only those below it, no
gRPC or HTTP in the fake's core), and a pyproject that ships every folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chat_grpc"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over ``project``'s chat_grpc with ``project``'s pyproject contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "added_import", "broken"),
    [
        # A cycle between two books of the store (a TYPE_CHECKING import counts: it is a circle a reader follows).
        ("fake/store/model.py", "from chat_grpc.fake.store import store as _store", "No import cycles"),
        # The fake's core reaching up to the server that assembles it.
        ("fake/core.py", "import chat_grpc.server.server", "Layers"),
        # A transport inside the fake's core.
        ("fake/filters.py", "import grpc", "No transport in the core"),
    ],
)
def test_the_contracts_catch_a_break(tmp_path: Path, module: str, added_import: str, broken: str) -> None:
    """The same contracts over a copy of the package with one bad import added: import-linter reports it."""
    shutil.copytree(PACKAGE, tmp_path / "chat_grpc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "chat_grpc" / module
    target.write_text(target.read_text() + f"\n{added_import}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout, result.stdout


def test_pyproject_ships_every_package_folder() -> None:
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk == {name for name in declared if name.startswith("chat_grpc")}


# Hand-written modules a reader can hold: about 600 lines (issue 16), 650 at most. The exceptions are generated or one
# table each.
MAX_MODULE_LINES = 650
LONGER_BY_NATURE = {
    "chat_grpc/client/_methods.py": "generated from the RPC table (buildscripts/generate_client.py)",
}


def test_no_hand_written_module_is_longer_than_a_reader_can_hold() -> None:
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "bench").glob("*.py"), *(ROOT / "buildscripts").glob("*.py")]
    too_long = {
        str(path.relative_to(ROOT)): count
        for path in sources
        if "__pycache__" not in path.parts
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in LONGER_BY_NATURE
    }
    assert too_long == {}, f"split these (or name why they are one table): {too_long}"
    assert all((ROOT / name).exists() for name in LONGER_BY_NATURE)
