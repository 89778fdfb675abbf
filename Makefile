# Two entry points for a fresh machine:
#   make book   install what is needed, then build the HTML book into _build/html
#   make test   install what is needed, then run every test (unit tests, every notebook under
#               strict nbval, and the book build with warnings as errors)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: book test install export html clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Build the book from the notebooks' stored outputs (execute_notebooks: off).
html: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

book: html
	@echo "The book is in _build/html/index.html"

# Regenerate vit_tutorial/ from the chapters. Run this after editing an exported cell.
export: $(STAMP)
	$(VENV)/bin/nbdev-export

test: $(STAMP)
	$(MAKE) html
	$(PY) -m pytest tests book --nbval --nbval-current-env \
		--nbval-sanitize-with .ci/nbval-sanitize.cfg --nbval-cell-timeout=600 -q

clean:
	rm -rf _build
