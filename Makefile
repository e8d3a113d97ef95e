# skiff: `make run` serves, `make test` proves it. Both set up everything they need first.
SHELL := /bin/bash
CONFIG ?= release
SWIFT ?= swift

.PHONY: all bootstrap build release run test test-swift lint format bench bench-boot clean

all: build

## Install Debian packages and the pinned Python peers (.venv) when missing; fast when present.
bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

## Start the server on the embedded defaults (port 5001; no AWS needed unless SSM_PARAMETER_PATH is set).
run: bootstrap
	$(SWIFT) build -c $(CONFIG) --product skiff
	exec .build/$(CONFIG)/skiff serve

## Build once, then run every test (Swift Testing runs them in parallel in one process).
test: bootstrap lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

lint:
	$(SWIFT) format lint --strict -r -p Sources Tests Package.swift

format:
	$(SWIFT) format -i -r -p Sources Tests Package.swift

## Benchmarks run skiff and its peer side by side and print ratios; see BENCHMARKS.md.
bench: bench-boot

bench-boot: bootstrap release
	.venv/bin/python Benchmarks/boot/run.py

clean:
	rm -rf .build
