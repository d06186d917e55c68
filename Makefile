# Commerce extérieur des territoires — set-up, run, test.
# `make run` and `make test` are all a fresh clone needs (see README.md).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
PORT   ?= 8501
N      ?= 2

.PHONY: run test data lint format bench chromium pdf-printer venv e2e nginx load load-floor serve chaos

venv: $(STAMP)

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) introuvable : installez Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# Builds the synthetic demonstration dataset only when no dataset exists yet.
dataset: venv
	$(PY) -m lib.sources.demo --if-missing

data: venv
	$(PY) -m lib.sources.demo

run: dataset pdf-printer
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT)

# The fiche's PDF is printed by Chromium (lib/fiche/as_pdf.py), installed here when missing; if it
# cannot be, the app still runs, serves the fiche in HTML and says why the PDF is unavailable.
pdf-printer:
	@bash scripts/ensure_chromium.sh || echo "Chromium n'a pas pu être installé : la fiche PDF sera indisponible (la version HTML reste proposée)."

# ruff everywhere; mypy --strict on lib/ (configured in pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

chromium:
	@bash scripts/ensure_chromium.sh

nginx:
	@bash scripts/ensure_nginx.sh

test: venv chromium nginx lint
	$(PY) -m pytest

e2e: venv chromium
	$(PY) -m pytest -m e2e

bench: venv
	$(PY) -m bench.run

# Load test: protocol-level sessions against 1 app process, then 2 behind nginx (docs/RELIABILITY.md).
load: venv nginx
	$(PY) -m bench.load

# The same clients on the floor app (bench/floor/: Streamlit's own cost), results in load_floor.json.
load-floor: venv nginx
	$(PY) -m bench.load --floor

# N app processes on the ports after PORT, nginx on PORT with sticky sessions (docs/DEPLOY.md).
serve: dataset nginx
	$(PY) -m bench.cluster --backends $(N) --port $(PORT)

# Faults under load, one at a time (nginx + 2 processes): a process killed, an import and a
# rollback, a damaged file, a full disk, a failing remote store (docs/RELIABILITY.md). About
# 6 minutes; results in bench/results/chaos.json. `make chaos ARGS=--short`: about 2.5 minutes.
chaos: venv nginx
	$(PY) -m bench.chaos $(ARGS)
