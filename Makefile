# Corral — build, test, run. Every target installs what it needs first.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: all deps build test unittest run bench fuzz format clean vm-deps vmtest vmtest-systemd install

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# corrald in the foreground with the example units; corralctl finds it at /run/corral.
run: build
	.build/debug/corrald --config etc/corral/corrald.conf --unit-path units \
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

# libFuzzer targets (Fuzz/, docs/fuzzing.md): the unit-file parser, the unit builder, the control
# protocol decoder and the sd_notify parser, each for FUZZ_SECONDS; fails on a crash. Not part of test.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh $(FUZZ_TARGETS)

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# Installs under $(DESTDIR)$(PREFIX): release binaries (static Swift runtime), corrald.service (in
# $(PREFIX)/lib/systemd/system, which systemd searches for /usr/local and /usr), shell completions and
# corralctl's man page; etc/corral/corrald.conf into $(DESTDIR)/etc/corral unless one exists there.
PREFIX ?= /usr/local
DESTDIR ?=
RELEASE_FLAGS = -c release --static-swift-stdlib

# The man page comes from swift-argument-parser's generate-manual tool (what `swift package
# generate-manual` runs), built with the same flags so the release build is not redone.
install: deps
	$(SWIFT) build $(RELEASE_FLAGS)
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual
	@set -e; bin=$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path); root="$(DESTDIR)$(PREFIX)"; \
	install -d "$$root/bin" "$$root/lib/systemd/system" "$$root/share/man/man1" \
		"$$root/share/bash-completion/completions" "$$root/share/zsh/site-functions" \
		"$$root/share/fish/vendor_completions.d" "$(DESTDIR)/etc/corral"; \
	install -m 755 "$$bin/corrald" "$$bin/corralctl" "$$root/bin/"; \
	sed 's|^ExecStart=/usr/local/bin/|ExecStart=$(PREFIX)/bin/|' units/corrald.service > "$$root/lib/systemd/system/corrald.service"; \
	chmod 644 "$$root/lib/systemd/system/corrald.service"; \
	[ -e "$(DESTDIR)/etc/corral/corrald.conf" ] || install -m 644 etc/corral/corrald.conf "$(DESTDIR)/etc/corral/"; \
	"$$bin/corralctl" --generate-completion-script bash > "$$root/share/bash-completion/completions/corralctl"; \
	"$$bin/corralctl" --generate-completion-script zsh > "$$root/share/zsh/site-functions/_corralctl"; \
	"$$bin/corralctl" --generate-completion-script fish > "$$root/share/fish/vendor_completions.d/corralctl.fish"; \
	"$$bin/generate-manual" "$$bin/corralctl" --output-directory "$$root/share/man/man1"

clean:
	rm -rf .build .build-vm
