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

# VM harness (scripts/vm, docs/vm.md): cgroup v2 enforcement on a real kernel in qemu.
.PHONY: vm-deps vmtest
vm-deps:
	@./scripts/vm/setup.sh

vmtest: vm-deps
	@./scripts/vm/run.sh $(SCENARIO)
