"""`make breaking`: buf's wire-compatibility check against the committed baseline really catches a break."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from buildscripts import breaking

SPACE = "google/chat/v1/space.proto"


@pytest.fixture
def protos(tmp_path: Path) -> Path:
    copy = tmp_path / "protos"
    shutil.copytree(breaking.PROTO_ROOT, copy)
    return copy


def edit(protos: Path, old: str, new: str) -> None:
    path = protos / SPACE
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_the_protos_are_compatible_with_the_baseline() -> None:
    compatible, report = breaking.check()
    assert compatible, report


def test_a_renumbered_field_is_a_break(protos: Path) -> None:
    edit(protos, "string display_name = 3 [", "string display_name = 99 [")
    compatible, report = breaking.check(protos)
    assert not compatible
    assert re.search(r'space\.proto:\d+:\d+:.*field "3" with name "display_name" on message "Space"', report), report


def test_a_changed_type_is_a_break(protos: Path) -> None:
    edit(protos, "string display_name = 3 [", "bytes display_name = 3 [")
    assert not breaking.check(protos)[0]


def test_an_added_field_is_not_a_break(protos: Path) -> None:
    edit(
        protos,
        "  string display_name = 3 [",
        "  // Optional. A field added in a later version.\n  string nickname = 999;\n\n  string display_name = 3 [",
    )
    compatible, report = breaking.check(protos)
    assert compatible, report
