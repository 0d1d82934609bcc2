# Two commands from a clean clone: `make run` and `make test`. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(notdir $(wildcard notebooks/[0-9][0-9]_*.ipynb)))
SANITIZE := $(CURDIR)/tests/nbval_sanitize.cfg
# One notebook (or test worker) per core; each is single-threaded, so outputs do not change.
JOBS ?= $(shell nproc)
# Papermill and nbval start kernels that must find the venv's python and packages.
export PATH := $(BIN):$(PATH)
# One thread everywhere: checked outputs are bit-identical only at a fixed thread count.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
# Figures display inline (matplotlib's default in a kernel); training prints one line per fit,
# not a widget bar whose stored state renders blank on the web.
export ADLIB_PROGRESS := summary
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: check-java setup run run-full practice ledger book test test-unit test-notebooks test-book lint format clean

setup: $(STAMP)

# Spark (notebook 14) runs on a Java 17+ runtime: JAVA_HOME's when set, else `java` on PATH.
# Checked first, so that a missing JDK stops setup with the fix instead of failing an hour later.
JAVA := $(if $(JAVA_HOME),$(JAVA_HOME)/bin/java,java)
check-java:
	@major=$$($(JAVA) -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1); \
	if [ -z "$$major" ] || [ "$$major" -lt 17 ]; then \
	  echo "make setup: Spark needs Java 17 or newer, found '$${major:-none}' ($(JAVA))." >&2; \
	  echo "  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless" >&2; \
	  echo "  macOS: brew install openjdk@17; conda: conda install -c conda-forge openjdk=17" >&2; \
	  echo "  or point JAVA_HOME at a JDK 17+ and rerun." >&2; \
	  exit 1; \
	fi

# Rebuilt only when the pins or the package metadata change (the stamp is newer otherwise).
$(STAMP): requirements.txt pyproject.toml | check-java
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (adlib)" >/dev/null
	touch $@

# Execute every notebook in place (figures land in figures/, numbers in results/): $(JOBS) at
# once, each after the notebooks whose results it reads; then strip papermill's timestamps.
# `make run NB="07 09"` runs only those (the others' committed results stand in).
NB ?=
run: $(STAMP)
	$(BIN)/python -m adlib.walk --notebooks notebooks --jobs $(JOBS) $(NB)

# The larger GPU profile: writes executed copies into build/full/ (figures and results
# into build/full/figures/ and build/full/results/) and never touches the committed ones.
run-full: $(STAMP)
	ADLIB_FIGURES_DIR=$(CURDIR)/build/full/figures ADLIB_RESULTS_DIR=$(CURDIR)/build/full/results \
		$(BIN)/python -m adlib.walk --notebooks notebooks --out build/full --jobs $(JOBS) \
		-p PROFILE full

# Practice copies for interview preparation: outputs removed, answers replaced by prompts.
practice: $(STAMP)
	$(BIN)/python -m adlib.practice --notebooks notebooks --out practice

# The claims ledger in README.md, rebuilt from the executed notebooks' claims tables.
ledger: $(STAMP)
	$(BIN)/python -m adlib.ledger --notebooks notebooks --readme README.md

# The rendered book: the executed notebooks as committed (no re-execution) and the README's
# learning path, as a static site in build/book/ (offline: MathJax is served from the site).
book: $(STAMP)
	rm -rf build/book-src build/book && mkdir -p build/book-src/notebooks build/book-src/_include
	cp book/conf.py book/index.md build/book-src/
	cp README.md build/book-src/_include/
	cp notebooks/[0-9][0-9]_*.ipynb build/book-src/notebooks/
	$(BIN)/python -m sphinx -W -n -q -b html build/book-src build/book

test: test-unit test-notebooks test-book

# Drives the built book in headless Chromium (skipped, saying how to install it, without one).
test-book: book
	ADLIB_BOOK_DIR=$(CURDIR)/build/book $(BIN)/python -m pytest -p no:cacheprovider -ra tests/test_book_site.py

# Spark's tests share one session per worker: --dist loadgroup keeps them on one worker (one
# JVM start instead of two); every other test is spread as usual.
test-unit: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) --dist loadgroup tests

# Re-executes every notebook ($(JOBS) workers, each notebook whole on one) and compares the
# cells marked NBVAL_CHECK_OUTPUT exactly: what is identical on every platform. Notebooks
# read the committed results/ and write fresh ones (and figures) under build/, so testing
# never rewrites committed files; the fresh numbers are then compared with the committed
# ones within the tolerances of tests/result_tolerances.toml. Both checks always run.
test-notebooks: $(STAMP)
	rm -rf build/nbval-results && mkdir -p build/nbval-figures build/nbval-results
	cd notebooks && ADLIB_FIGURES_DIR=$(CURDIR)/build/nbval-figures \
		ADLIB_RESULTS_DIR=$(CURDIR)/build/nbval-results ADLIB_RESULTS_READ_DIR=$(CURDIR)/results \
		$(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) --dist loadscope \
		--nbval-lax --nbval-current-env --nbval-sanitize-with $(SANITIZE) $(NOTEBOOKS); \
	nbval=$$?; cd $(CURDIR) && ADLIB_FRESH_RESULTS=$(CURDIR)/build/nbval-results \
		$(BIN)/python -m pytest -p no:cacheprovider -q tests/test_notebook_results.py \
		&& exit $$nbval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis notebooks/.ipynb_checkpoints
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
