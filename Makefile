# The two set-up commands the README shows: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint translations messages system-packages clean

# Debian packages the tests need: Chromium for browser tests, a CJK font embedded in PDFs,
# pdftoppm and zbarimg to read printed QR codes back, OpenLDAP's slapd and ldap-utils for the
# single sign-on tests (each run starts its own slapd on a free port; the system's is not used).
# Installed only when missing, without questions (slapd's package asks some).
SYSTEM_PACKAGES := chromium fonts-wqy-microhei poppler-utils zbar-tools slapd ldap-utils

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 $$missing; \
	fi

translations: $(STAMP)
	$(BIN)/pybabel compile -d evalsite/translations -f --statistics

# Refresh the catalog after changing user-facing strings (msgids are the Chinese texts).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -o evalsite/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i evalsite/translations/messages.pot -d evalsite/translations -l en --no-fuzzy-matching

# Printed slips, posters and the terminal API point at this server unless told otherwise.
run: export EVALSITE_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
# The jobs worker (prints, exports, scoring runs) runs beside the web server on the SQLite
# queue and stops when `flask run` exits, however it exits.
run: $(STAMP) translations
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo --ballots 600 --history
	$(BIN)/flask jobs-worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# bandit: every finding is fixed or justified where it occurs (`# nosec BXXX` beside a reason).
BANDIT_PATHS := evalsite surveys config.py wsgi.py bench

test: $(STAMP) translations system-packages
	$(BIN)/ruff check .
	$(BIN)/bandit -c pyproject.toml -q -r $(BANDIT_PATHS)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -c pyproject.toml -q -r $(BANDIT_PATHS)

clean:
	rm -rf $(VENV) instance .pytest_cache
