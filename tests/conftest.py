"""Shared fixtures: our compiled descriptors and Google's (from the oracle virtualenv)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

import chat_grpc
from tests import render_checks
from tests.oracle import descriptor_diff, oracle

ROOT = Path(__file__).resolve().parents[1]
# Conformance summaries (facts compared, differences) printed at the end of the run.
CONFORMANCE_SUMMARY = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def _render_caches_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every rendering served from the codec's caches is compared with a fresh one (tests/render_checks.py)."""
    mismatches = render_checks.install(monkeypatch)
    yield
    assert not mismatches, mismatches


@pytest.fixture(scope="session")
def our_descriptors() -> descriptor_pb2.FileDescriptorSet:
    """The FileDescriptorSet shipped beside the generated stubs (kept fresh by test_generated.py)."""
    return chat_grpc.descriptor_set()


@pytest.fixture(scope="session")
def oracle_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Google's descriptors and RPC table, dumped once per session by the oracle virtualenv."""
    return oracle.dump(tmp_path_factory.mktemp("oracle"))


@pytest.fixture(scope="session")
def oracle_descriptors(oracle_dump: Path) -> descriptor_pb2.FileDescriptorSet:
    return descriptor_diff.load_set(oracle_dump / "oracle.binpb")


@pytest.fixture(scope="session")
def oracle_surface(oracle_dump: Path) -> dict:
    return descriptor_diff.load_surface(oracle_dump / "surface.json")


@pytest.fixture(scope="session")
def oracle_rpcs(oracle_dump: Path) -> dict[str, dict]:
    return descriptor_diff.load_rpcs(oracle_dump / "rpcs.json")


def pytest_terminal_summary(terminalreporter, config) -> None:  # type: ignore[no-untyped-def]
    for line in config.stash.get(CONFORMANCE_SUMMARY, []):
        terminalreporter.write_line(f"conformance: {line}")
