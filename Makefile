# chat-grpc developer commands. Every target sets up what it needs on a machine that has only
# Python 3.11, pip and make.

PYTHON ?= python3
VENV := .venv
ORACLE_VENV := .venv-oracle
COEXIST_VENV := .venv-coexist
PY := $(VENV)/bin/python
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: setup oracle coexist browser generate check-generated lint typecheck breaking baseline oracle-diff test fuzz fuzz-rest \
	screenshots run bench clean

# The project (editable) with its dev tools. Re-run when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# The runtime dependencies only (no dev/test tools, no package build), for `make run` on a machine without
# .venv: pyproject.toml's [project] dependencies into .venv; `make run` then imports the package from the
# checkout (chat_grpc/, generated/). A later `make setup` installs the project with its dev tools into the same venv.
$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
		> $(VENV)/runtime-requirements.txt
	$(PY) -m pip install $(PIP_FLAGS) -r $(VENV)/runtime-requirements.txt
	touch $@

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

# A real browser for the web UI's tests (tests/ui/test_browser.py): Debian's chromium, driven by Playwright for
# Python with the system browser (no browser download), and an emoji font so that reactions render. Installed with
# apt-get (as root) when missing; where that cannot be done, say so loudly: the browser tests are then skipped.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@if [ -x $(CHROMIUM) ] && fc-list 2>/dev/null | grep -qi 'color emoji'; then exit 0; fi; \
	echo "installing Debian's chromium for the web UI's browser tests (apt-get)"; \
	if ! { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
		chromium fonts-noto-color-emoji fonts-dejavu-core; }; then \
		echo ""; \
		echo "************************************************************************************"; \
		echo "*** WARNING: could not install chromium: the web UI's BROWSER TESTS WILL BE SKIPPED ***"; \
		echo "************************************************************************************"; \
		echo ""; \
	fi
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
	$(PY) -m ruff format --check chat_grpc tests buildscripts bench

typecheck: setup
	$(PY) -m mypy

# pytest exits 5 when it collected no tests; that is not a failure of the suite.
test: setup oracle coexist browser check-generated lint typecheck breaking
	$(PY) -m pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status

# The gRPC door's fuzz suite at full size (make test runs it small): typed and mutated requests over every RPC
# against an emulator process; no UNKNOWN/INTERNAL, no hang, RSS growth < 5 MiB, store invariants intact.
FUZZ_REQUESTS ?= 100000
fuzz: setup
	$(PY) -m tests.server.fuzz_driver --requests $(FUZZ_REQUESTS) --seed 1


# The REST door's fuzz test at full size (make test runs it small): 20,000 random requests from 4 client threads
# against a real listener, with idle and slow connections open. FUZZ_SEED picks the sequence; the figures are printed.
FUZZ_REQUESTS ?= 20000
FUZZ_SEED ?= 11
fuzz-rest: setup
	CHAT_REST_FUZZ_REQUESTS=$(FUZZ_REQUESTS) CHAT_REST_FUZZ_SEED=$(FUZZ_SEED) CHAT_REST_FUZZ_THREADS=4 \
		$(PY) -m pytest tests/rest/test_rest_fuzz.py -q -s -p no:cacheprovider -W ignore

# Regenerate the web UI's screenshots (build/ui/*.png, for review) and the README's picture (docs/ui.png).
screenshots: setup browser
	$(PY) -m pytest -q tests/ui/test_browser.py
	cp build/ui/readme.png docs/ui.png

# The emulator with a demo workspace, in the foreground (Ctrl-C stops it). PORT=0 picks a free port. Its first line
# gives the gRPC address, the REST URL (port PORT+1) and the web UI's URL.
PORT ?= 8790
# With a full .venv (make setup), that one; otherwise only the runtime dependencies are installed.
RUN_DEPS := $(if $(wildcard $(VENV)/.installed),$(VENV)/.installed,$(VENV)/.runtime)
run: $(RUN_DEPS)
	PYTHONPATH=.:generated $(PY) -m chat_grpc.server --demo --host 127.0.0.1 --port $(PORT)

# Server-core benchmarks (see bench/README.md): ratios measured side by side in one run, a few minutes at most.
bench: setup
	$(PY) bench/bench_server.py
	$(PY) bench/bench_messages.py
	$(PY) bench/bench_events.py
	$(PY) bench/bench_client.py
	$(PY) bench/bench_rest.py
	$(PY) bench/bench_search.py
	$(PY) bench/bench_filters.py
	$(PY) bench/bench_rpcs.py
	$(PY) bench/bench_concurrency.py
	$(PY) bench/bench_workspace.py

clean:
	rm -rf $(VENV) $(ORACLE_VENV) $(COEXIST_VENV) node_modules build dist *.egg-info .pytest_cache \
		.mypy_cache .ruff_cache
