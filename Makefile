# Two commands from a clean clone: `make run` and `make test`. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(notdir $(wildcard notebooks/[0-9][0-9]_*.ipynb)))
SANITIZE := $(CURDIR)/tests/nbval_sanitize.cfg
# Prints an executed notebook's papermill duration.
PRINT_DURATION := $(BIN)/python -c "import json,sys; m=json.load(open(sys.argv[1]))['metadata']['papermill']; print(f\"{sys.argv[1]}: {m['duration']:.1f} s\")"
# Papermill and nbval start kernels that must find the venv's python and packages.
export PATH := $(BIN):$(PATH)
# One thread everywhere: checked outputs are bit-identical only at a fixed thread count.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup run run-full practice ledger test test-unit test-notebooks lint format clean

setup: $(STAMP)

# Rebuilt only when the pins or the package metadata change (the stamp is newer otherwise).
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (adlib)" >/dev/null
	touch $@

# Execute every notebook in order, in place, from notebooks/ (figures land in figures/).
run: $(STAMP)
	cd notebooks && for nb in $(NOTEBOOKS); do \
		$(BIN)/papermill --kernel python3 --cwd . "$$nb" "$$nb" || exit 1; \
		$(PRINT_DURATION) "$$nb"; \
	done

# The larger GPU profile: writes executed copies into build/full/ (figures and results
# into build/full/figures/ and build/full/results/) and never touches the committed ones.
run-full: $(STAMP)
	mkdir -p build/full/figures build/full/results
	cd notebooks && for nb in $(NOTEBOOKS); do \
		ADLIB_FIGURES_DIR=$(CURDIR)/build/full/figures ADLIB_RESULTS_DIR=$(CURDIR)/build/full/results \
		$(BIN)/papermill --kernel python3 --cwd . \
			-p PROFILE full "$$nb" "../build/full/$$nb" || exit 1; \
		$(PRINT_DURATION) "../build/full/$$nb"; \
	done

# Practice copies for interview preparation: outputs removed, answers replaced by prompts.
practice: $(STAMP)
	$(BIN)/python -m adlib.practice --notebooks notebooks --out practice

# The claims ledger in README.md, rebuilt from the executed notebooks' claims tables.
ledger: $(STAMP)
	$(BIN)/python -m adlib.ledger --notebooks notebooks --readme README.md

test: test-unit test-notebooks

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests

# Re-executes every notebook and compares the cells marked NBVAL_CHECK_OUTPUT; the figures
# and results it writes go to build/ so that testing never rewrites the committed ones.
# The results start as a copy of results/, so notebook 14 can be checked on its own.
test-notebooks: $(STAMP)
	mkdir -p build/nbval-figures build/nbval-results
	cp results/*.json build/nbval-results/
	cd notebooks && ADLIB_FIGURES_DIR=$(CURDIR)/build/nbval-figures ADLIB_RESULTS_DIR=$(CURDIR)/build/nbval-results \
		$(BIN)/python -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env \
		--nbval-sanitize-with $(SANITIZE) $(NOTEBOOKS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis notebooks/.ipynb_checkpoints
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
