#!/bin/sh
# Installs the Debian packages Corral builds and tests with; quiet and quick when all are present.
set -eu
packages="libsystemd-dev libseccomp-dev pkg-config systemd python3 tmux"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# promtool (the metrics tests check corrald's exposition with it), taken from Debian's prometheus
# package without installing the package, which would start a Prometheus server.
tools=.build-tools
if [ ! -x "$tools/promtool" ]; then
    echo "extracting promtool from Debian's prometheus package into $tools"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    (cd "$scratch" && apt-get download -qq prometheus 2>/dev/null) || { $SUDO apt-get update -qq && (cd "$scratch" && apt-get download -qq prometheus); }
    mkdir -p "$tools"
    dpkg-deb --fsys-tarfile "$scratch"/prometheus_*.deb | tar -x -O ./usr/bin/promtool > "$tools/promtool.new"
    chmod 755 "$tools/promtool.new"
    mv "$tools/promtool.new" "$tools/promtool"
fi
