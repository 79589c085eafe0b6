"""docs/testing.md promises a test a user can copy into a fresh project and run: this copies that exact block out
of the guide into a new pytester project and runs pytest on it in a new process, as the user would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
BLOCK = re.compile(r"```python\n(# (test_\w+\.py)\n.*?)```", re.DOTALL)


def example() -> tuple[str, str]:
    """The guide's example: (file name from its first line, source)."""
    found = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(found) == 1, "docs/testing.md should hold one complete example starting with '# test_<name>.py'"
    source, name = found[0]
    return name, source


def test_the_guide_tells_to_run_the_example_it_shows() -> None:
    name, _ = example()
    assert f"Save this as `{name}` and run `pytest -q {name}`" in GUIDE.read_text(encoding="utf-8")


def test_the_guides_example_passes_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    name, source = example()
    (pytester.path / name).write_text(source, encoding="utf-8")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers", "-W", "error", name)
    result.assert_outcomes(passed=source.count("\ndef test_"))
    assert source.count("\ndef test_") >= 2
