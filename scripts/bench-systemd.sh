#!/bin/sh
# `make bench-systemd`: corrald beside systemd 252 in one boot of the test VM (systemd as PID 1,
# corrald as its delegated Type=notify service; scripts/vm/systemd-run.sh), every workload of
# scripts/bench/systemd-scenario.sh for both managers, and the ratio table written into
# docs/benchmarks.md. A benchmark, not a test: it fails only when the VM does not finish.
# BENCH_SAMPLES (default 20) and BENCH_HEAVY_SAMPLES (default 3) set the samples per workload.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bins=${VM_BINARIES:-$(./scripts/vm/build-binaries.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/sample" scripts/bench/sample.c
gcc -O2 -o "$work/stamp" scripts/bench/stamp.c
# The Swift floor: a static "hello", built as the binaries are.
echo 'print("hello")' > "$work/hello.swift"
swiftc -O -static-stdlib -o "$work/swift-hello" "$work/hello.swift"
strip "$work/swift-hello"
# The sample counts reach the guest as a prologue of the scenario.
{
    echo "BENCH_SAMPLES=${BENCH_SAMPLES:-20} BENCH_HEAVY_SAMPLES=${BENCH_HEAVY_SAMPLES:-3}"
    cat scripts/bench/systemd-scenario.sh
} > "$work/scenario.sh"
VM_FILES="$work/sample $work/stamp $work/swift-hello" VM_BINARIES="$bins" VM_TIMEOUT=${VM_TIMEOUT:-3600} \
    ./scripts/vm/systemd-run.sh "$work/scenario.sh"
python3 scripts/bench/systemd-table.py .build-vm/systemd-console.log docs/benchmarks.md
