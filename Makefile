# Corral — build, test, run. Every target installs what it needs first.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: all deps build test unittest run bench bench-systemd fuzz format clean vm-deps vmtest vmtest-systemd install install-files

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# corrald in the foreground with the example units (and the standard targets and slices);
# corralctl finds it at /run/corral.
run: build
	.build/debug/corrald --config etc/corral/corrald.conf --unit-path units:units/standard \
		--start web.service --start cache.service

# Every test: the Swift suites on the host, then the VM suite on a real cgroup v2 kernel, then
# corrald under systemd 252 as PID 1.
test: unittest vmtest vmtest-systemd

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

# corrald as systemd's delegated service, systemd 252 as PID 1 in the same VM (a Debian root made
# with debootstrap, cached in .build-vm/systemd-root): its crash and upgrade stories.
vmtest-systemd: deps vm-deps
	@set -e; bins="$(VM_BINARIES)"; [ -n "$$bins" ] || bins=$$(./scripts/vm/build-binaries.sh); \
		for scenario in scripts/vm/systemd/*.sh; do VM_BINARIES="$$bins" ./scripts/vm/systemd-run.sh "$$scenario"; done

bench: deps
	$(SWIFT) build -c release --static-swift-stdlib
	./scripts/bench-load.sh .build/release/corralctl
	./scripts/bench-daemon.sh .build/release

# corrald beside systemd 252 (PID 1) in one boot of the test VM, every workload for both managers;
# writes the ratio table into docs/benchmarks.md (scripts/bench-systemd.sh). Not part of test.
bench-systemd: deps vm-deps
	./scripts/bench-systemd.sh

# libFuzzer targets (Fuzz/, docs/fuzzing.md): the unit-file parser, the unit builder, the control
# protocol decoder and the sd_notify parser, each for FUZZ_SECONDS; fails on a crash. Not part of test.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh $(FUZZ_TARGETS)

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# Installs under $(DESTDIR)$(PREFIX): the release binaries (static Swift runtime, stripped),
# corrald.service (in $(PREFIX)/lib/systemd/system, which systemd searches for /usr/local and
# /usr), the standard targets and slices with default.target -> multi-user.target (in
# $(PREFIX)/lib/corral/system, on corrald's default search path), shell completions, the man pages
# corralctl(1), corrald(8) and corrald.conf(5); etc/corral/corrald.conf into $(DESTDIR)/etc/corral
# unless one exists there. `install-files BIN_DIR=DIR` installs binaries already built in DIR.
PREFIX ?= /usr/local
DESTDIR ?=
RELEASE_FLAGS = -c release --static-swift-stdlib
VERSION = $(shell sed -n 's/.*corralVersion = "\(.*\)"/\1/p' Sources/ControlProtocol/Version.swift)

install: deps
	$(SWIFT) build $(RELEASE_FLAGS)
	$(MAKE) install-files BIN_DIR="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)"

install-files:
	@set -e; [ -n "$(BIN_DIR)" ] || { echo "install-files: BIN_DIR is not set" >&2; exit 2; }; \
	root="$(DESTDIR)$(PREFIX)"; \
	install -d "$$root/bin" "$$root/lib/systemd/system" "$$root/lib/corral/system" \
		"$$root/share/man/man1" "$$root/share/man/man5" "$$root/share/man/man8" \
		"$$root/share/bash-completion/completions" "$$root/share/zsh/site-functions" \
		"$$root/share/fish/vendor_completions.d" "$(DESTDIR)/etc/corral"; \
	install -s -m 755 "$(BIN_DIR)/corrald" "$(BIN_DIR)/corralctl" "$$root/bin/"; \
	sed 's|^ExecStart=/usr/local/bin/|ExecStart=$(PREFIX)/bin/|' units/corrald.service > "$$root/lib/systemd/system/corrald.service"; \
	chmod 644 "$$root/lib/systemd/system/corrald.service"; \
	cp -P units/standard/* "$$root/lib/corral/system/"; \
	[ -e "$(DESTDIR)/etc/corral/corrald.conf" ] || install -m 644 etc/corral/corrald.conf "$(DESTDIR)/etc/corral/"; \
	"$$root/bin/corralctl" --generate-completion-script bash > "$$root/share/bash-completion/completions/corralctl"; \
	"$$root/bin/corralctl" --generate-completion-script zsh > "$$root/share/zsh/site-functions/_corralctl"; \
	"$$root/bin/corralctl" --generate-completion-script fish > "$$root/share/fish/vendor_completions.d/corralctl.fish"; \
	for page in docs/man/*.[158]; do \
		sed 's/@VERSION@/$(VERSION)/' "$$page" > "$$root/share/man/man$${page##*.}/$${page##*/}"; \
	done

clean:
	rm -rf .build .build-vm
