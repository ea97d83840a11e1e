# Corral — build, test, run. Every target installs what it needs first.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: all deps build test unittest run bench format clean vm-deps vmtest

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# corrald in the foreground with the example units; corralctl finds it at /run/corral.
run: build
	.build/debug/corrald --config etc/corral/corrald.conf --unit-path units \
		--start web.service --start cache.service

# Every test: the Swift suites on the host, then the VM suite on a real cgroup v2 kernel.
test: unittest vmtest

unittest: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# VM harness (scripts/vm, docs/vm.md): cgroup v2 enforcement on a real kernel in qemu,
# with corrald and corralctl (release, static Swift runtime, built in .build-vmbin) in the guest.
# SCENARIO=path/to/script.sh runs only that scenario; VM_BINARIES=... replaces the built pair.
vm-deps:
	@./scripts/vm/setup.sh

vmtest: deps vm-deps
	@set -e; bins="$(VM_BINARIES)"; [ -n "$$bins" ] || bins=$$(./scripts/vm/build-binaries.sh); \
		VM_BINARIES="$$bins" ./scripts/vm/run.sh $(SCENARIO)

bench: deps
	$(SWIFT) build -c release --static-swift-stdlib
	./scripts/bench-load.sh .build/release/corralctl
	./scripts/bench-daemon.sh .build/release

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .build-vm
