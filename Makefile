# civtrain — `make run` starts the platform, `make test` runs lint and the tests.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint setup assets db bench clean

$(BIN)/civtrain: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

civtrain/web/static/vendor/.stamp: node_modules/.package-lock.json $(BIN)/civtrain
	$(BIN)/civtrain vendor_assets
	touch $@

setup: $(BIN)/civtrain civtrain/web/static/vendor/.stamp
	mkdir -p var/static

assets: setup
	$(BIN)/civtrain collectstatic --noinput --verbosity 0

db: setup
	mkdir -p var
	$(BIN)/civtrain migrate --noinput --verbosity 0
	$(BIN)/civtrain demo-data --if-empty

run: assets db media-tools
	$(BIN)/civtrain serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy civtrain config bench
	$(BIN)/lint-imports
	$(BIN)/civtrain makemigrations --check --dry-run --verbosity 0 --settings=config.settings.test

test: lint browser media-tools
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n 2 -p no:cacheprovider

# The page journeys (civtrain/web/tests/e2e/) drive Debian's Chromium through Playwright;
# Playwright's own browser download (`playwright install`) is never used. Installed once: the
# package lists are refreshed first, since a stale list can name a version the mirror dropped.
# A CJK font (Debian's fonts-noto-cjk) makes screenshots show characters, not boxes.
# poppler-utils' pdftoppm draws a document page to PNG in the documents tests (issue #15).
.PHONY: browser
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . && command -v pdftoppm >/dev/null || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk poppler-utils; }

# Video courseware (#12 item 2) is probed and its poster frame cut with Debian's ffmpeg
# (ffprobe, ffmpeg); installed once, like the browser.
.PHONY: media-tools
media-tools:
	@test -x /usr/bin/ffprobe -a -x /usr/bin/ffmpeg || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg; }

# Security checks (#17 item 6). bandit runs offline over the code (findings of medium
# severity and confidence and up; not the tests: asserts, fixed test passwords; every
# finding the code keeps is reviewed in place, `# nosec ID` beside ruff's `# noqa: S…` and its
# reason). pip-audit asks
# PyPI's JSON API for each locked package's advisories: it needs pypi.org (a mirror or proxy
# that serves only the simple index answers "not found" for every package), and --strict
# makes a package it cannot look up fail the run instead of passing silently.
.PHONY: security bandit pip-audit
security: bandit pip-audit
bandit: setup
	$(BIN)/bandit -q -r civtrain config -x '*/tests/*' --severity-level medium --confidence-level medium
pip-audit: setup
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

bench: assets
	$(BIN)/civtrain bench all

# ADL's LRS conformance suite (xAPI 1.0.3 and 2.0.0) against `civtrain serve` on the configured
# database (DATABASE_URL, else the SQLite file); SUITE is a checkout of it (DEVELOPERS.md).
.PHONY: xapi-conformance
xapi-conformance: assets db
	@test -n "$(SUITE)" || { echo "usage: make xapi-conformance SUITE=path (see DEVELOPERS.md)"; exit 2; }
	$(BIN)/civtrain xapi-conformance --suite $(SUITE)

clean:
	rm -rf $(VENV) node_modules var civtrain/web/static/vendor
