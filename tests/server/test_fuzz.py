"""The gRPC door's fuzz suite at a small size (``make fuzz`` runs 100,000 requests): see fuzz_driver."""

from __future__ import annotations

import pytest

from tests.server import fuzz_driver


@pytest.mark.parametrize("seed", [7])
def test_fuzzed_requests_over_every_rpc(seed: int) -> None:
    result = fuzz_driver.run(2_000, seed, rss_bound_kib=20 * 1024, quiet=True)
    assert result["bad_count"] == 0 and result["alive"]
    assert sum(result["codes"].values()) == 2_000


def test_10000_bad_payloads_keep_memory_flat() -> None:
    """RSS of the emulator process (/proc) grows less than 5 MiB over 10,000 more fuzzed payloads."""
    result = fuzz_driver.run(12_000, 3, rss_bound_kib=5 * 1024, quiet=True)
    assert result["rss_growth_kib"] < 5 * 1024
