# chat-grpc developer commands. Every target sets up what it needs on a machine that has only
# Python 3.11, pip and make.

PYTHON ?= python3
VENV := .venv
ORACLE_VENV := .venv-oracle
COEXIST_VENV := .venv-coexist
PY := $(VENV)/bin/python
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: setup oracle coexist generate check-generated lint typecheck test fuzz run bench clean

# The project (editable) with its dev tools. Re-run when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Google's published client libraries, in their own venv: a test oracle only (see tests/oracle/).
$(ORACLE_VENV)/.installed: tests/oracle/requirements.txt
	test -x $(ORACLE_VENV)/bin/python || $(PYTHON) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/python -m pip install $(PIP_FLAGS) -r tests/oracle/requirements.txt
	touch $@

oracle: $(ORACLE_VENV)/.installed

# A user's venv: Google's google-apps-chat/-card (the oracle's pins) *and* chat-grpc (editable, from this checkout)
# with pytest, to test both in one process (tests/coexist/, docs/coexistence.md).
$(COEXIST_VENV)/.installed: tests/oracle/requirements.txt pyproject.toml
	test -x $(COEXIST_VENV)/bin/python || $(PYTHON) -m venv $(COEXIST_VENV)
	$(COEXIST_VENV)/bin/python -m pip install $(PIP_FLAGS) -r tests/oracle/requirements.txt -e . 'pytest>=8'
	touch $@

coexist: $(COEXIST_VENV)/.installed

generate: setup
	$(PY) buildscripts/generate.py
	$(PY) buildscripts/generate_client.py

check-generated: setup
	$(PY) buildscripts/generate.py --check
	$(PY) buildscripts/generate_client.py --check

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check src tests buildscripts bench

typecheck: setup
	$(PY) -m mypy

# pytest exits 5 when it collected no tests; that is not a failure of the suite.
test: setup oracle coexist check-generated lint typecheck
	$(PY) -m pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status

# The gRPC door's fuzz suite at full size (make test runs it small): typed and mutated requests over every RPC
# against an emulator process; no UNKNOWN/INTERNAL, no hang, RSS growth < 5 MiB, store invariants intact.
FUZZ_REQUESTS ?= 100000
fuzz: setup
	$(PY) -m tests.server.fuzz_driver --requests $(FUZZ_REQUESTS) --seed 1

# The emulator with a demo workspace, in the foreground (Ctrl-C stops it). PORT=0 picks a free port.
PORT ?= 8790
run: setup
	$(PY) -m chat_grpc.server --demo --host 127.0.0.1 --port $(PORT)

# Server-core benchmarks (see bench/README.md): ratios measured side by side in one run, a few minutes at most.
bench: setup
	$(PY) bench/bench_server.py
	$(PY) bench/bench_messages.py
	$(PY) bench/bench_events.py
	$(PY) bench/bench_client.py

clean:
	rm -rf $(VENV) $(ORACLE_VENV) $(COEXIST_VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
