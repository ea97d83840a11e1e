#!/bin/sh
# Boots the test VM (qemu TCG, Debian cloud kernel, busybox initramfs) and runs
# scenarios in it; prints the guest's serial console, then "N passed, M failed".
#
#   run.sh [SCENARIO...]        default: every scripts/vm/scenarios/*.sh
#
# VM_BINARIES="path ..." adds programs (with their shared libraries) to the guest's
# /usr/local/bin. VM_TIMEOUT (seconds, default 300) bounds the whole run.
# Exits non-zero when any check fails or the guest never printed its end marker.
set -eu
vm_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$vm_dir/../.." && pwd)
cache="$repo/.build-vm"
"$vm_dir/setup.sh"

if [ $# -eq 0 ]; then
    set -- "$vm_dir"/scenarios/*.sh
fi
for scenario in "$@"; do
    [ -f "$scenario" ] || { echo "run.sh: no such scenario: $scenario" >&2; exit 2; }
done

# Each run works in its own directory, so runs can overlap; the last console log is kept.
work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
initramfs="$work/initramfs.cpio.gz"
build_args=""
for scenario in "$@"; do build_args="$build_args -s $scenario"; done
# shellcheck disable=SC2086 # word splitting of the argument lists is intended
"$vm_dir/build-initramfs.sh" "$initramfs" $build_args ${VM_BINARIES:-}

disk="$work/disk.img"
truncate -s 64M "$disk"

log="$work/console.log"
start=$(date +%s)
timeout -k 5 "${VM_TIMEOUT:-300}" qemu-system-x86_64 \
    -accel tcg -cpu max -smp 2 -m 512M \
    -kernel "$cache/kernel/vmlinuz" -initrd "$initramfs" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" \
    -drive "file=$disk,if=virtio,format=raw" \
    -display none -monitor none -serial stdio -no-reboot \
    < /dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" || true
elapsed=$(( $(date +%s) - start ))

passed=$(grep -c '^PASS ' "$log" || true)
failed=$(grep -c '^FAIL ' "$log" || true)
if ! grep -qx 'VMTEST END' "$log"; then
    echo "FAIL vm: no end marker (guest hung, crashed or timed out after ${VM_TIMEOUT:-300} s)"
    failed=$((failed + 1))
fi
cp "$log" "$cache/console.log"
echo "vmtest: VM ran for $elapsed s, console log in $cache/console.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
