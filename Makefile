# The two commands of the README: `make demo` and `make test`. Both create .venv when needed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)
STAMP := $(VENV)/.installed
export RAY_USAGE_STATS_ENABLED := 0
export PYTHONUNBUFFERED := 1
export NTLAB_HOME ?= $(CURDIR)/.ntlab

.PHONY: install demo test lab bench lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ntlab demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

NAUTILUS := benchmarks/.venv-nautilus
$(NAUTILUS)/.installed:  # NautilusTrader 1.221 wants pandas 2: its own environment
	@test -x $(NAUTILUS)/bin/python || $(PYTHON) -m venv $(NAUTILUS)
	$(NAUTILUS)/bin/python -m pip install -q nautilus_trader==1.221.0
	@touch $@

bench: $(STAMP) $(NAUTILUS)/.installed
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check ntlab tests benchmarks dashboards

clean:
	rm -rf $(VENV) .ntlab reports
