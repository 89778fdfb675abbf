# Two entry points for a fresh machine:
#   make book   install what is needed, then build the HTML book into _build/html
#   make test   install what is needed, then run every test (unit tests, every notebook under
#               strict nbval, and the book build with warnings as errors)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: book test install export execute html clean chromium

install: $(STAMP)

$(STAMP): requirements.txt requirements-bench.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# MathJax is served from the book itself (no CDN), from the npm package. Without npm, a small
# loader that fetches MathJax from its CDN stands in, so the book still builds (online readers only).
MATHJAX := .mathjax/mathjax/tex-chtml.js
$(MATHJAX):
	rm -rf .mathjax && mkdir -p .mathjax/tmp
	if command -v npm >/dev/null 2>&1 && (cd .mathjax/tmp && npm pack --silent mathjax@3.2.2 >/dev/null); then \
		tar -xzf .mathjax/tmp/mathjax-3.2.2.tgz -C .mathjax/tmp && mv .mathjax/tmp/package/es5 .mathjax/mathjax; \
	else \
		echo "npm not found: the book will load MathJax from its CDN"; mkdir -p .mathjax/mathjax; \
		echo 'var s=document.createElement("script");s.src="https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml.js";document.head.appendChild(s);' > $@; \
	fi
	rm -rf .mathjax/tmp

# Build the book from the notebooks' stored outputs (execute_notebooks: off).
html: $(STAMP) $(MATHJAX)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

book: html
	@echo "The book is in _build/html/index.html"

# Regenerate vit_tutorial/ from the chapters (all of them: a module can take cells from several).
# Run this after editing an exported cell.
export: $(STAMP)
	$(PY) tools/export.py

# Re-run chapters in place so that their stored outputs are real: make execute NB="book/04_attention.ipynb"
# (Chapter 7 keeps its full training run's outputs: make execute NB=book/07_training.ipynb KEEP=--keep-ignored)
execute: $(STAMP)
	$(PY) tools/execute_notebook.py $(KEEP) $(NB)

# Debian's chromium, for the browser test of the built book (tests/test_browser.py).
chromium:
	command -v chromium >/dev/null 2>&1 || { apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }

# CI (and the training chapter's smoke mode): VIT_TUTORIAL_SMOKE=1 makes Chapter 7 train a tiny model.
test: $(STAMP) chromium
	$(PY) -m pip install --quiet -r requirements-bench.txt   # timm and vit-pytorch, for the benchmark's smoke test
	$(VENV)/bin/ruff check .            # lint: package sources (the notebooks), tests, tools
	$(VENV)/bin/ruff format --check .
	$(MAKE) html
	VIT_TUTORIAL_SMOKE=1 $(PY) -m pytest tests book --nbval --nbval-current-env \
		--nbval-sanitize-with .ci/nbval-sanitize.cfg --nbval-cell-timeout=600 -q

clean:
	rm -rf _build .mathjax
