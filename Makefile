# gisync — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BOOT_PY := $(shell command -v python3.11 || command -v python3)
export PYTHONPATH := $(CURDIR)/include:$(CURDIR)/plugins:$(CURDIR)/dags
DEMO_RATE_LIMIT ?= 100

.PHONY: install demo test up lint format bench lock clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(BOOT_PY) -m venv $(VENV)
	@echo "installing pinned requirements into $(VENV) ..."
	@# --compile-bytecode: some machines set PYTHONDONTWRITEBYTECODE, and then every Airflow process
	@# (each task, each parse) would compile Airflow again: `import airflow` 7 s instead of 2.5 s.
	@( $(PY) -m pip install -q --disable-pip-version-check uv==0.13.9 && \
	   $(VENV)/bin/uv pip install -q --compile-bytecode -p $(PY) -r requirements.txt -r requirements-dev.txt ) || \
	 $(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	@# `python -m gisync ...` works in the venv without PYTHONPATH: include/ is on its path.
	@echo "$(CURDIR)/include" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/gisync.pth"
	@touch $@

install: $(VENV)/.installed

demo: install  ## the real sync of the demo dossier against the local simulators (RESET=1: start afresh)
	@$(PY) scripts/demo.py --rate-limit $(DEMO_RATE_LIMIT) $(if $(RESET),--reset,)

test: install  ## the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

up: install  ## Airflow (standalone) + simulators; UI at http://127.0.0.1:8080 (admin / admin)
	@$(PY) scripts/up.py --rate-limit $(DEMO_RATE_LIMIT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy include plugins dags

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install  ## benchmarks (print figures; not tests): pacing at MyUnisoft's real rate limit
	$(PY) bench/pacing.py
	$(PY) bench/transform.py
	$(PY) bench/parse.py

lock: install  ## recompile requirements.txt from requirements.in
	$(VENV)/bin/uv pip compile --python-version 3.11 requirements.in -o requirements.txt --custom-compile-command "make lock"

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
