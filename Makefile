# chat-grpc developer commands. Every target sets up what it needs on a machine that has only
# Python 3.11, pip and make.

PYTHON ?= python3
VENV := .venv
ORACLE_VENV := .venv-oracle
PY := $(VENV)/bin/python
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: setup oracle generate check-generated lint typecheck breaking baseline oracle-diff test run bench clean

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

# buf (npm @bufbuild/buf, the exact version in package.json / package-lock.json), for `make breaking`.
BUF := node_modules/.bin/buf
$(BUF): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Wire compatibility of protos/ with the last released contract (buildscripts/baseline.binpb), buf's WIRE_JSON rules.
breaking: setup $(BUF)
	$(PY) buildscripts/breaking.py

# After a release: the current protos become the baseline of `make breaking`.
baseline: setup $(BUF)
	$(PY) buildscripts/breaking.py --write-baseline

# Every fact where Google's published API (the oracle venv) and our protos differ: the next spec change's to-do list.
oracle-diff: setup oracle
	$(PY) tests/oracle/report.py

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
test: setup oracle check-generated lint typecheck breaking
	$(PY) -m pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status

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
	$(PY) bench/bench_search.py

clean:
	rm -rf $(VENV) $(ORACLE_VENV) node_modules build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
