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

. "$vm_dir/boot.sh"
boot_vm vmtest console.log "$initramfs" 512M "" -drive "file=$disk,if=virtio,format=raw"
