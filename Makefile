# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCENARIO ?= scenarios/default.yaml
# Optional: TODAY=real (the world follows the real date) and PROFILE=strict|production (docs/compatibility.md), e.g.
# `make run TODAY=real PROFILE=production` for a production consumer such as the data.altinn.no banking plugin.
TODAY    ?=
PROFILE  ?=

.PHONY: install run test test-fast browser postgres containers bench validate fixtures clean help

help:
	@echo "make run      install (first time) and serve $(SCENARIO) at http://$(HOST):$(PORT)"
	@echo "             (PORT=8001, TODAY=real, PROFILE=production: see README)"
	@echo "make test     install (first time) and run the whole test suite on every core (~4 min on 2 cores)"
	@echo "make test-fast the quick subset: no real servers, browsers or JVM (-m 'not slow', ~1.5 min on 2 cores)"
	@echo "make validate validate the default scenario and print its summary"
	@echo "make fixtures regenerate the golden corpus fixtures/default (dsop-sandbox export); review the diff"
	@echo "make bench    sandbox vs a bare-Flask ceiling under wrk (median of 3 alternations), a distinct-pages load,"
	@echo "             the first render of a 1000-item page, world build time/RSS (~15 min; tests/perf/bench.py)"
	@echo "make clean    remove the virtual environment and caches"

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools announces every editable install with an "Editable installation." notice (InformationOnly, not a
	@# problem: its own words); only that message is silenced, its real warnings and deprecations still show.
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: install
	$(BIN)/dsop-sandbox serve --scenario $(SCENARIO) --host $(HOST) --port $(PORT) \
	  $(if $(TODAY),--today $(TODAY)) $(if $(PROFILE),--profile $(PROFILE))

# ruff first (seconds): a lint finding fails the run before the suite starts ([tool.ruff] in pyproject.toml).
# pytest-xdist spreads the modules over the cores (--dist loadfile: a module's servers start once, in one worker);
# the progress is a count of tests done at the end of each line. PYTEST_ARGS passes more, e.g. PYTEST_ARGS=-x.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile -o console_output_style=count $(PYTEST_ARGS)

test: install browser postgres containers
	$(BIN)/ruff check sandbox tests
	$(PYTEST)

# The quick subset while editing: tests/conftest.py marks everything that starts gunicorn, Chromium, a JVM or pip
# `slow` (SLOW_PATHS), and `make test` runs those too.
test-fast: install
	$(BIN)/ruff check sandbox tests
	$(PYTEST) -m "not slow"

# Debian packages a group of tests needs, installed quietly (sudo unless root), or one line saying those tests will
# be skipped: $(call apt_install,PACKAGES,WHICH TESTS)
define apt_install
if command -v apt-get >/dev/null 2>&1; then \
  echo "installing $(1) (Debian packages) for $(2) ..."; \
  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
  $$SUDO apt-get install -y -qq $(1) >/dev/null 2>&1 || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(1); } \
    || echo "$(1) could not be installed: $(2) will be skipped"; \
else echo "no apt-get and no $(1): $(2) will be skipped"; fi
endef

# The workshop UI's browser tests (tests/ui/) drive Debian's chromium through Playwright (the `test` extra); they
# are skipped, with the reason, where no chromium can be installed. Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { $(call apt_install,chromium,the browser tests); }

# The PostgreSQL state store's tests (tests/state/) start a throwaway server from Debian's `postgresql` package
# (initdb, pg_ctl; they never use the cluster the package may set up); they are skipped, with the reason, where it cannot be installed.
postgres:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { $(call apt_install,postgresql,the PostgreSQL tests); }

# The container image tests (tests/deploy/) build the Containerfile with Debian's podman (runc: crun refuses the
# hybrid cgroups of machines like CI's) on a debootstrap base where no image registry is reachable; skipped, with
# the reason, where no engine can run a container.
containers:
	@command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 || \
	  { $(call apt_install,podman runc debootstrap,the container image tests); }

validate: install
	$(BIN)/dsop-sandbox validate $(SCENARIO)

# The committed corpus is the named personas' (--named): every party of the default scenario is ~180 MB.
fixtures: install
	$(BIN)/dsop-sandbox export --scenario default --out fixtures/default --named

# Benchmarks (not part of `make test`): wrk from Debian's packages, py-spy from the `perf` extra.
# Knobs: BENCH_SECONDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_REPEAT (3), BENCH_SIZES, BENCH_AUTH, BENCH_PROFILE=1,
# BENCH_DISTINCT=off, BENCH_DISTINCT_URLS, BENCH_DISTINCT_ACCOUNTS, BENCH_RENDER_N (see bench.py's docstring).
$(VENV)/.perf-installed: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,perf]'
	@touch $@

bench: install $(VENV)/.perf-installed
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing wrk (Debian package) ..."; \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get: install wrk yourself (e.g. brew install wrk)"; exit 2; fi; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }; }
	$(BIN)/python tests/perf/bench.py
	$(BIN)/python tests/perf/bench_grade.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
