# Set-up is automatic: every target below first makes sure the Debian packages and the
# virtual environment exist (idempotent, installs only what is missing).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := espeak-ng libespeak-ng1 mosquitto postgresql libportaudio2 alsa-utils sox chromium openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup apt demo test bench clean

setup: apt $(STAMP)

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/ambient demo

test: setup
	$(VENV)/bin/ruff check agent simulator skills devices tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy agent
	$(PY) -m pytest -q -n 2

bench: setup
	$(VENV)/bin/ambient bench
	$(VENV)/bin/ambient bench --audio
	$(VENV)/bin/ambient bench --learn
	$(VENV)/bin/ambient bench --context
	$(VENV)/bin/ambient bench --fleet
	$(VENV)/bin/ambient ab
	$(VENV)/bin/ambient isolate
	$(VENV)/bin/ambient retrain --out /tmp/ambient-bench-labels.json

clean:
	rm -rf $(VENV) .cache out ambient.db
