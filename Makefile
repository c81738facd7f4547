# callqa — two commands do everything: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= callqa-data
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean browser services

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[model,dev,scale]'
	$(BIN)/callqa model install
	touch $(STAMP)

run: install
	$(BIN)/callqa ingest examples/calls --manifest examples/manifest.csv --workspace $(WORKSPACE) --format csv > /dev/null
	$(BIN)/callqa process --workspace $(WORKSPACE)
	$(BIN)/callqa calls --workspace $(WORKSPACE)
	$(BIN)/callqa serve --workspace $(WORKSPACE)

test: install browser services
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	CALLQA_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q

# Debian's Chromium (Playwright cannot download browsers here) and CJK fonts for the screenshots.
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

# Debian's PostgreSQL and Redis: the tests start throw-away servers from them (nothing runs before).
services:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v redis-server >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: install browser services
	$(BIN)/python bench/bench_asr.py
	$(BIN)/python bench/bench_rules.py
	$(BIN)/python bench/bench_search.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_recheck.py
	$(BIN)/python bench/bench_review_flow.py
	$(BIN)/python bench/bench_ptp.py
	$(BIN)/python bench/bench_workers.py
	$(BIN)/python bench/bench_speakers.py

clean:
	rm -rf $(VENV) $(WORKSPACE) .pytest_cache .ruff_cache
