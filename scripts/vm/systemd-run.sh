#!/bin/sh
# Boots systemd 252 as PID 1 in the test VM (qemu TCG, Debian's cloud kernel) with corrald
# installed as systemd's delegated Type=notify service, and runs one scenario there as a oneshot
# service; prints the serial console, then "N passed, M failed". Not part of `make test`: the
# Debian root is fetched with debootstrap (about 90 MB) and cached in .build-vm/systemd-root.
#
#   systemd-run.sh SCENARIO
#
# VM_BINARIES="corrald corralctl" (release builds, scripts/vm/build-binaries.sh) are installed with
# `make install-files` (PREFIX=/usr/local: corrald.service in /usr/local/lib/systemd/system, the
# standard targets in /usr/local/lib/corral/system), with their shared libraries. VM_FILES="..."
# are copied into /usr/local/lib/vmtest beside the scenario (the benchmark's tools).
set -eu
vm_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$vm_dir/../.." && pwd)
cache="$repo/.build-vm"
root="$cache/systemd-root"
"$vm_dir/setup.sh"
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 SCENARIO" >&2; exit 2; }
scenario=$1

if [ ! -x "$root/lib/systemd/systemd" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    rm -rf "$root.partial"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps \
        bookworm "$root.partial" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
        { echo "systemd-run.sh: debootstrap failed, see $cache/debootstrap.log" >&2; exit 1; }
    mv "$root.partial" "$root"
fi

work=$(mktemp -d "$cache/systemd-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
staging="$work/root"
# The cached root stays pristine; each boot gets a copy without documentation.
cp -a "$root" "$staging"
rm -rf "$staging"/usr/share/doc "$staging"/usr/share/man "$staging"/usr/share/locale "$staging"/var/cache/apt \
    "$staging"/var/lib/apt/lists
ln -sf /lib/systemd/systemd "$staging/init"
echo corral-vm > "$staging/etc/hostname"
: > "$staging/etc/machine-id"
echo 'root::0:0:root:/root:/bin/sh' > "$staging/etc/passwd.new"
grep -v '^root:' "$staging/etc/passwd" >> "$staging/etc/passwd.new"
mv "$staging/etc/passwd.new" "$staging/etc/passwd"

set -- ${VM_BINARIES:-}
make -s -C "$repo" install-files BIN_DIR="$(dirname "$1")" DESTDIR="$staging" PREFIX=/usr/local
for binary in "$@"; do
    for lib in $(ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' || true); do
        [ -e "$staging$lib" ] || { mkdir -p "$staging$(dirname "$lib")"; cp -L "$lib" "$staging$lib"; }
    done
done
mkdir -p "$staging/etc/corral/system" "$staging/usr/local/lib/vmtest"
cp "$vm_dir/lib.sh" "$staging/usr/local/lib/vmtest/lib.sh"
cp "$scenario" "$staging/usr/local/lib/vmtest/scenario.sh"
for file in ${VM_FILES:-}; do cp "$file" "$staging/usr/local/lib/vmtest/"; done

# The scenario runs once the system is up, prints to the console, and powers the VM off.
cat > "$staging/etc/systemd/system/vmtest.service" <<'EOF'
[Unit]
Description=Corral VM scenario under systemd
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c '. /usr/local/lib/vmtest/lib.sh; . /usr/local/lib/vmtest/scenario.sh; echo "VMTEST END"'
ExecStopPost=/bin/systemctl poweroff --force --force
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/vmtest.service "$staging/etc/systemd/system/multi-user.target.wants/vmtest.service"
# Nothing in the VM logs in or talks to a network.
for unit in getty.target systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
    systemd-networkd.service e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$staging/etc/systemd/system/$unit"
done

initramfs="$work/root.cpio.gz"
(cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) > "$initramfs"

. "$vm_dir/boot.sh"
VM_TIMEOUT=${VM_TIMEOUT:-600} boot_vm systemd-run.sh systemd-console.log "$initramfs" 2G \
    "systemd.unified_cgroup_hierarchy=1 systemd.show_status=0"
