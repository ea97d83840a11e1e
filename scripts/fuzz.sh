#!/usr/bin/env bash
# libFuzzer targets for the pure layers (docs/fuzzing.md).
#
#   scripts/fuzz.sh [TARGET...]        build, then fuzz each target for FUZZ_SECONDS (default 60)
#   scripts/fuzz.sh --build [TARGET...] build only
#
# Targets: unitfile unit protocol notify (default: all, one after the other). The module sources are
# compiled with swiftc directly (-sanitize=fuzzer,address), outside the package build, into
# FUZZ_BUILD (.build-fuzz); each Fuzz/TARGET/main.swift is linked against them. New corpus entries go
# to FUZZ_BUILD/corpus/TARGET (the checked-in seeds in Fuzz/corpus/TARGET are only read), crashes to
# FUZZ_BUILD/artifacts/. Exits 1 if any target crashed, timed out or could not be built.
#
# Environment: FUZZ_SECONDS, FUZZ_BUILD, FUZZ_FLAGS (extra libFuzzer flags, e.g. -seed=1), SWIFTC,
# FUZZ_LOCK (the build lock shared with the package builds, /tmp/corral-build.lock).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-.build-fuzz}
swiftc=${SWIFTC:-swiftc}
lock=${FUZZ_LOCK:-/tmp/corral-build.lock}
all_targets=(unitfile unit protocol notify)

build_only=0
if [ "${1:-}" = "--build" ]; then
    build_only=1
    shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# The library modules each target links, in dependency order.
modules_of() {
    case $1 in
    unitfile) echo UnitFile ;;
    unit) echo UnitFile UnitModel ;;
    protocol | notify) echo ControlProtocol ;;
    *) echo "unknown fuzz target '$1' (targets: ${all_targets[*]})" >&2; return 1 ;;
    esac
}

# Optimised (bounds and overflow checks stay), with coverage for libFuzzer and AddressSanitizer.
flags=(-O -g -swift-version 6 -parse-as-library -sanitize=fuzzer,address -I "$out/modules")

# Every compile takes the shared build lock and runs niced, like the package builds.
compile() {
    flock "$lock" nice -n 10 "$swiftc" "$@" 2> >(grep -v "Cannot export local symbol" >&2)
}

# A module is rebuilt when one of its sources, or a module it imports, is newer than its object.
build_module() {
    local module=$1 object="$out/obj/$1.o"
    shift
    local newer
    newer=$(find "Sources/$module" "$@" -newer "$object" -print -quit 2>/dev/null || echo missing)
    if [ -f "$object" ] && [ -z "$newer" ]; then return 0; fi
    echo "fuzz: compiling $module" >&2
    compile "${flags[@]}" -module-name "$module" -wmo -emit-module \
        -emit-module-path "$out/modules/$module.swiftmodule" -c Sources/"$module"/*.swift -o "$object"
}

build_target() {
    local target=$1 modules objects=() dependencies=()
    modules=$(modules_of "$target")
    for module in $modules; do
        build_module "$module" "${dependencies[@]}"
        dependencies+=("$out/obj/$module.o")
        objects+=("$out/obj/$module.o")
    done
    local binary="$out/bin/$target"
    if [ -f "$binary" ] && [ -z "$(find "Fuzz/$target" "${objects[@]}" -newer "$binary" -print -quit)" ]; then
        return 0
    fi
    echo "fuzz: linking $target" >&2
    compile "${flags[@]}" -module-name "fuzz_$target" "Fuzz/$target/main.swift" "${objects[@]}" -o "$binary"
}

# A libFuzzer dictionary: the target's checked-in one, and for `unit` every directive name.
dictionary() {
    local target=$1 dict="$out/dict/$1.dict"
    cat "Fuzz/dict/$target.dict" > "$dict"
    if [ "$target" = unit ]; then
        CORRAL_FUZZ_DICTIONARY="$dict.names" "$out/bin/unit" > /dev/null 2>&1
        cat "$dict.names" >> "$dict"
    fi
    echo "$dict"
}

mkdir -p "$out/obj" "$out/modules" "$out/bin" "$out/dict" "$out/artifacts"
for target in "${targets[@]}"; do
    modules_of "$target" > /dev/null
done
failed=()
for target in "${targets[@]}"; do
    if ! build_target "$target"; then
        failed+=("$target (build)")
    fi
done
if [ $build_only = 1 ] || [ ${#failed[@]} -gt 0 ]; then
    [ ${#failed[@]} -eq 0 ] || { echo "fuzz: FAILED: ${failed[*]}" >&2; exit 1; }
    exit 0
fi

# Swift's own crash backtracer would wait on the crashed process and hold libFuzzer's output open;
# libFuzzer and ASan report the crash themselves.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
for target in "${targets[@]}"; do
    corpus="$out/corpus/$target"
    mkdir -p "$corpus"
    dict=$(dictionary "$target")
    max_len=4096
    [ "$target" = notify ] && max_len=8192  # past NotifyMessage.maximumSize
    log="$out/$target.log"
    echo "fuzz: $target for ${seconds}s (log $log)" >&2
    status=0
    nice -n 10 "$out/bin/$target" "$corpus" "Fuzz/corpus/$target" -dict="$dict" -max_len=$max_len \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target-" ${FUZZ_FLAGS:-} > "$log" 2>&1 || status=$?
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)|^#[0-9]+ +DONE" "$log" |
        sed "s/^/  $target: /" >&2 || true
    if [ $status -ne 0 ]; then
        echo "fuzz: $target FAILED (exit $status); see $log:" >&2
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -n 20 >&2 || true
        failed+=("$target")
    fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: FAILED: ${failed[*]}" >&2; exit 1; }
echo "fuzz: all targets ran clean" >&2
