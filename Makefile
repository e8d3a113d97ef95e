# skiff: `make run` serves, `make test` proves it. Both set up everything they need first.
SHELL := /bin/bash
CONFIG ?= release
SWIFT ?= swift
# ONNX Runtime from .deps/ when the distribution has no libonnxruntime-dev (see scripts/bootstrap); the rpath
# lets the binaries find it without LD_LIBRARY_PATH.
ORT_LIB := $(CURDIR)/.deps/onnxruntime/lib
export PKG_CONFIG_PATH := $(ORT_LIB)/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
export LD_LIBRARY_PATH := $(ORT_LIB)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
SWIFT_FLAGS := -Xlinker -rpath -Xlinker $(ORT_LIB)
HEAVY_TESTS := LoadTests|ContractTests

.PHONY: all bootstrap models test-models lint-deploy build release run test lint format bench bench-boot bench-embeddings bench-gateway clean

all: build

## Install Debian packages and the pinned Python peers (.venv) when missing; fast when present.
bootstrap:
	@scripts/bootstrap

## Build the default embedding model (all-MiniLM-L6-v2, fp32 + int8) into ./models; instant when present.
models: bootstrap
	.venv/bin/python scripts/build_default_model.py

## Tiny seeded classifier, NLI and cross-encoder models for the tests (./test-models; needs the default model's tokenizer).
test-models: models
	.venv/bin/python scripts/build_test_models.py

build: bootstrap
	$(SWIFT) build $(SWIFT_FLAGS)

release: bootstrap
	$(SWIFT) build -c release $(SWIFT_FLAGS)

## Start the server on the embedded defaults (port 5001; no AWS needed unless SSM_PARAMETER_PATH is set).
run: bootstrap models
	$(SWIFT) build -c $(CONFIG) --product skiff $(SWIFT_FLAGS)
	exec .build/$(CONFIG)/skiff serve

# Runs the built tests with the given filter; when one fails, its failure lines (✘) are printed again at the end,
# so the tail of a long CI log names what failed. At most 8 tests run at once: all 280 at once on 2 cores starved
# each other's servers past their timeouts (a run took 52-60 s and failed one time in three; with 8, 48 s and none
# in a row of runs). The setting is Swift Testing's own, still marked experimental; a toolchain without it runs
# every test at once, as before.
define swift-test
	set -o pipefail; SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=8 $(SWIFT) test --skip-build $(SWIFT_FLAGS) $(1) 2>&1 \
		| tee .build/test.log || { echo '--- failed:'; grep -a '✘' .build/test.log | tail -n 40; exit 1; }
endef

## Build once, then run every test (Swift Testing runs them in parallel in one process).
test: bootstrap models test-models lint
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(call swift-test,--skip '$(HEAVY_TESTS)')
	# The CPU-heavy suites (30 s of load, fuzzing every operation) run after, on their own, so they cannot
	# starve the others' servers on a 2-core machine.
	$(call swift-test,--filter '$(HEAVY_TESTS)')
	$(MAKE) lint-deploy

lint:
	$(SWIFT) format lint --strict -r -p Sources Tests Package.swift

## The shipping side: Dockerfile and image contents (hadolint, a static release build checked with ldd), workflows
## (zizmor, check-jsonschema), Terraform (checkov, python-hcl2, tests over the parsed module) and the Ansible
## rollout (syntax check, ansible-lint, the playbook against moto). Each script installs its own pinned tools.
lint-deploy: bootstrap
	shellcheck scripts/bootstrap scripts/bench-gateway .ci/run
	scripts/check-container
	scripts/check-terraform
	scripts/check-ansible

format:
	$(SWIFT) format -i -r -p Sources Tests Package.swift

## Benchmarks run skiff and its peer side by side and print ratios; see BENCHMARKS.md.
bench: bench-boot bench-embeddings bench-gateway

bench-boot: bootstrap release
	.venv/bin/python Benchmarks/boot/run.py

bench-embeddings: bootstrap models release
	.venv/bin/python Benchmarks/embeddings/run.py --skiff-bin .build/release/skiff

## LLM gateway: direct to a mock upstream, through skiff, through LiteLLM (own virtualenv .venv-bench).
bench-gateway: bootstrap release
	scripts/bench-gateway --skiff-bin .build/release/skiff

clean:
	rm -rf .build
