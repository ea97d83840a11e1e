# Corral — build, test, run. Every target installs what it needs first.
SWIFT ?= swift
BUILD_FLAGS ?=
BIN = .build/debug

.PHONY: all deps build test run bench format clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build

bench: deps
	$(SWIFT) build -c release --static-swift-stdlib
	./scripts/bench-load.sh .build/release/corralctl
