"""Benchmarks of the fake Chat server core (``make bench``); see bench/README.md."""
