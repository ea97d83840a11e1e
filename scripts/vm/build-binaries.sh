#!/bin/sh
# Builds corrald and corralctl for the VM guest (release, Swift runtime linked
# statically, in .build-vmbin so the host's debug build is untouched) and prints
# their two paths, one a line, for VM_BINARIES. Build output goes to stderr.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
flags="-c release --static-swift-stdlib --scratch-path .build-vmbin"
# shellcheck disable=SC2086 # the flags are words
swift build $flags >&2
# shellcheck disable=SC2086
bin=$(swift build $flags --show-bin-path)
echo "$bin/corrald"
echo "$bin/corralctl"
