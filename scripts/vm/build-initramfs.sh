#!/bin/sh
# Builds the VM's initramfs: static busybox, the guest /init, the kernel modules
# for the virtio disk, the C helpers, the given scenarios and binaries.
#
#   build-initramfs.sh OUTPUT [-s SCENARIO]... [BINARY]...
#
# Scenarios land in /scenarios, numbered in the order given; /init runs them in
# that order. Binaries land in /usr/local/bin (on PATH) with the shared libraries
# `ldd` lists, at the same absolute paths, so dynamically linked programs run.
# Needs scripts/vm/setup.sh to have run.
set -eu
vm_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$vm_dir/../.." && pwd)
cache="$repo/.build-vm"
kernel_root="$cache/kernel/root"
version=$(cat "$cache/kernel/version")

[ $# -ge 1 ] || { echo "usage: $0 OUTPUT [-s SCENARIO]... [BINARY]..." >&2; exit 2; }
output=$1; shift

staging="$output.d"
rm -rf "$staging"
mkdir -p "$staging"/bin "$staging"/sbin "$staging"/usr/bin "$staging"/usr/sbin "$staging"/usr/local/bin \
    "$staging"/etc "$staging"/root "$staging"/proc "$staging"/sys "$staging"/dev "$staging"/tmp "$staging"/run "$staging"/scenarios \
    "$staging"/lib/modules "$staging"/lib/vmtest

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$staging/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$staging/etc/group"
cp /bin/busybox "$staging/bin/busybox"
for applet in $(/bin/busybox --list-full); do
    [ -e "$staging/$applet" ] || ln -s /bin/busybox "$staging/$applet"
done

# Kernel modules the disk needs, dependencies first; /lib/modules/load-order lists them.
module_path() { find "$kernel_root/lib/modules/$version/kernel" -name "$1.ko" | head -n1; }
add_module() {
    local ko dep
    grep -qx "$1" "$staging/lib/modules/load-order" 2>/dev/null && return 0
    ko=$(module_path "$1")
    [ -n "$ko" ] || { echo "build-initramfs: module $1 not found" >&2; exit 1; }
    for dep in $(tr '\0' '\n' < "$ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_module "$dep"
    done
    cp "$ko" "$staging/lib/modules/$1.ko"
    echo "$1" >> "$staging/lib/modules/load-order"
}
: > "$staging/lib/modules/load-order"
for module in virtio_pci virtio_blk; do
    add_module "$module"
done

# The guest's helpers, static C (each rebuilt only when its source changes): memhog, sdnotify (both
# ends of sd_notify) and probe (one forbidden thing for the sandbox scenario).
mkdir -p "$cache/bin"
for helper in memhog sdnotify probe; do
    if [ ! -x "$cache/bin/$helper" ] || [ "$vm_dir/$helper.c" -nt "$cache/bin/$helper" ]; then
        gcc -static -O2 -Wall -Werror -o "$cache/bin/$helper" "$vm_dir/$helper.c"
    fi
    cp "$cache/bin/$helper" "$staging/usr/local/bin/$helper"
done

# The shared libraries (and loader) a binary or library links against, at their paths.
add_libraries() {
    for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
        mkdir -p "$staging$(dirname "$lib")"
        cp -L "$lib" "$staging$lib"
    done
}

# A binary and its libraries.
add_binary() {
    cp "$1" "$staging/usr/local/bin/"
    add_libraries "$1"
}

# libsystemd with its libraries: corrald and corralctl load it on first use, so ldd does not list it.
libsystemd=$(ldconfig -p | awk '/libsystemd\.so\.0 .*x86-64/ { print $NF; exit }')
mkdir -p "$staging$(dirname "$libsystemd")"
cp -L "$libsystemd" "$staging$libsystemd"
add_libraries "$libsystemd"

index=0
while [ $# -gt 0 ]; do
    case $1 in
    -s)
        [ $# -ge 2 ] || { echo "build-initramfs: -s needs a scenario" >&2; exit 2; }
        index=$((index + 1))
        cp "$2" "$staging/scenarios/$(printf %02d "$index")-$(basename "$2")"
        shift 2 ;;
    *)
        add_binary "$1"
        shift ;;
    esac
done

# The host's systemd-journald and journalctl (Debian's systemd), when installed, for the journal
# scenario; their libraries (libsystemd-shared) come along at the same paths.
for tool in /lib/systemd/systemd-journald /usr/bin/journalctl; do
    [ -x "$tool" ] && add_binary "$tool"
done

cp "$vm_dir/init" "$staging/init"
cp "$vm_dir/lib.sh" "$staging/lib/vmtest/lib.sh"
chmod +x "$staging/init" "$staging"/scenarios/* 2>/dev/null || true

(cd "$staging" && find . | cpio -o -H newc --quiet) | gzip -1 > "$output"
rm -rf "$staging"
