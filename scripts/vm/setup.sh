#!/bin/sh
# Prepares the VM harness on Debian 12: installs qemu, busybox-static, cpio and gcc (static memhog)
# when missing, and fetches Debian's cloud kernel into .build-vm/kernel (no install on the host).
# Quick no-op when everything is already there.
set -eu
cd "$(dirname "$0")/../.."
cache=.build-vm/kernel

packages="qemu-system-x86 busybox-static cpio gcc libc6-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
updated=no
if [ -n "$missing" ]; then
    echo "vm setup: installing$missing"
    $SUDO apt-get update -qq
    updated=yes
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -f "$cache/vmlinuz" ] && [ -f "$cache/version" ] && exit 0

mkdir -p "$cache"
# The metapackage names the current versioned kernel package.
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
if [ -z "$kpkg" ] && [ "$updated" = no ]; then
    $SUDO apt-get update -qq
    kpkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
fi
[ -n "$kpkg" ] || { echo "vm setup: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
echo "vm setup: fetching $kpkg"
rm -rf "$cache/deb" "$cache/root"
mkdir -p "$cache/deb"
(cd "$cache/deb" && apt-get download -qq -o APT::Sandbox::User=root "$kpkg")
dpkg-deb -x "$cache"/deb/*.deb "$cache/root"
version=$(ls "$cache/root/lib/modules")
cp "$cache/root/boot/vmlinuz-$version" "$cache/vmlinuz"
echo "$version" > "$cache/version"
echo "vm setup: kernel $version ready in $cache"
