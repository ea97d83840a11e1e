#!/bin/bash
# Benchmarks of corrald on this host (tracking-only cgroup2 placement), printed as Markdown table rows:
# start latency to the service's first instruction, 100 services started and stopped, spawns per
# second, transient runs, RSS with 1000 units running, their re-adoption after kill -9 and
# daemon-reexec, each next to its floor (a bare fork+exec on the same machine) where there is one.
set -euo pipefail
bin=${1:?usage: bench-daemon.sh BUILD_DIR}
work=$(mktemp -d)
mount=/sys/fs/cgroup/unified
[ -w "$mount/cgroup.procs" ] || mount=/sys/fs/cgroup
root="$mount/corral-bench-$$"
cleanup() {
    [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    [ -d "$root" ] && { echo 1 > "$root/cgroup.kill" 2>/dev/null; sleep 0.2; find "$root" -depth -type d -exec rmdir {} + 2>/dev/null; } || true
    rm -rf "$work" "${tools:-}" /var/lib/corral-bench
}
trap cleanup EXIT
gcc -O2 -o "$work/stamp" "$(dirname "$0")/bench/stamp.c"
gcc -O2 -o "$work/floor" "$(dirname "$0")/bench/floor.c"
mkdir -p "$work/units" "$work/run"
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=%s %s/stamp.out hold\n' "$work/stamp" "$work" > "$work/units/latency.service"
# The same with the full hardening profile of issue 8; /tmp is its own, so its program and its
# stamp live under /var/lib.
tools=/var/lib/corral-bench-tools-$$
mkdir -p "$tools" && cp "$work/stamp" "$tools/stamp"
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=%s /var/lib/corral-bench/stamp.out hold\nStateDirectory=corral-bench\nSystemCallFilter=@system-service\nProtectSystem=strict\nPrivateTmp=yes\nPrivateDevices=yes\nCapabilityBoundingSet=\nRestrictAddressFamilies=AF_UNIX\n' "$tools/stamp" > "$work/units/hardened.service"
for i in $(seq 1 100); do printf '[Service]\nExecStart=/bin/sleep 1000\n' > "$work/units/many-$i.service"; done
for i in $(seq 1 200); do printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' > "$work/units/spawn-$i.service"; done
for i in $(seq 1 1000); do printf '[Unit]\nDescription=Idle %s\n[Service]\nExecStart=/bin/sleep 1000\nMemoryMax=64M\nCPUQuota=20%%\n' "$i" > "$work/units/idle-$i.service"; done

"$bin/corrald" --config /dev/null --unit-path "$work/units" --runtime-dir "$work/run" --cgroup-root "$root" 2> "$work/corrald.log" &
daemon=$!
while [ ! -S "$work/run/control" ]; do sleep 0.05; done
export CORRAL_RUNTIME_DIR="$work/run"
ctl="$bin/corralctl"
now() { date +%s%N; }

# 1. corralctl start → the service's first instruction, median of 100.
latencies=()
for _ in $(seq 1 100); do
    rm -f "$work/stamp.out"
    start=$(now)
    "$ctl" start latency.service
    while [ ! -s "$work/stamp.out" ]; do :; done
    latencies+=($(( ($(cat "$work/stamp.out") - start) / 1000 )))
    "$ctl" stop latency.service
done
median=$(printf '%s\n' "${latencies[@]}" | sort -n | sed -n 50p)
floor_latency=()
for _ in $(seq 1 100); do
    start=$(now); "$work/stamp" "$work/floor.out"; floor_latency+=($(( ($(cat "$work/floor.out") - start) / 1000 )))
done
floor_median=$(printf '%s\n' "${floor_latency[@]}" | sort -n | sed -n 50p)
echo "| corralctl start → first instruction of the service (median of 100) | ${median} µs | fork+exec from a shell: ${floor_median} µs |"

# 1b. The same for the hardened service (seccomp, mount namespace with private /tmp and /dev, no
# capabilities, sockets filtered): its cost over the plain spawn.
hardened=()
for _ in $(seq 1 100); do
    rm -f /var/lib/corral-bench/stamp.out
    start=$(now)
    "$ctl" start hardened.service
    while [ ! -s /var/lib/corral-bench/stamp.out ]; do :; done
    hardened+=($(( ($(cat /var/lib/corral-bench/stamp.out) - start) / 1000 )))
    "$ctl" stop hardened.service
done
hardened_median=$(printf '%s\n' "${hardened[@]}" | sort -n | sed -n 50p)
rm -rf /var/lib/corral-bench
echo "| the same with a full hardening profile (@system-service, ProtectSystem=strict, PrivateTmp=, PrivateDevices=, CapabilityBoundingSet=, RestrictAddressFamilies=) | ${hardened_median} µs | $(awk -v h="$hardened_median" -v p="$median" 'BEGIN { printf "%.2f", h / p }') × the plain start |"

# 2. 100 services in one start request, then one stop request.
names=$(for i in $(seq 1 100); do printf 'many-%s.service ' "$i"; done)
start=$(now); "$ctl" start $names; started=$(( ($(now) - start) / 1000000 ))
start=$(now); "$ctl" stop $names; stopped=$(( ($(now) - start) / 1000000 ))
echo "| start 100 services / stop them (one request each) | ${started} ms / ${stopped} ms | |"

# 3. Spawns per second: 200 oneshot /bin/true services in one request.
names=$(for i in $(seq 1 200); do printf 'spawn-%s.service ' "$i"; done)
start=$(now); "$ctl" start $names; elapsed=$(( $(now) - start ))
rate=$(( 200 * 1000000000 / elapsed ))
echo "| spawns per second (200 oneshot /bin/true units, each a cgroup) | ${rate}/s | bare fork+exec: $("$work/floor" 1000)/s |"

# 4. Transient runs: `run --wait /bin/true` latency (median of 50), and 100 runs one after another.
runs=()
for _ in $(seq 1 50); do
    start=$(now); "$ctl" run --wait -- /bin/true 2> /dev/null; runs+=($(( ($(now) - start) / 1000 )))
done
run_median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 25p)
start=$(now)
for _ in $(seq 1 100); do "$ctl" run --wait -- /bin/true 2> /dev/null; done
hundred=$(( ($(now) - start) / 1000000 ))
echo "| corralctl run --wait /bin/true (median of 50) / 100 such runs in a row | ${run_median} µs / ${hundred} ms | fork+exec from a shell: ${floor_median} µs |"

# 5. RSS with 1000 running units (each started, so loaded for good).
idle_batch() { for i in $(seq $(($1 * 100 + 1)) $(($1 * 100 + 100))); do printf 'idle-%s.service ' "$i"; done; }
rss_before=$(awk '/VmRSS/ { print $2 }' /proc/$daemon/status)
anon_before=$(awk '/RssAnon/ { print $2 }' /proc/$daemon/status)
for batch in $(seq 0 9); do "$ctl" start $(idle_batch $batch); done
rss_after=$(awk '/VmRSS/ { print $2 }' /proc/$daemon/status)
anon_after=$(awk '/RssAnon/ { print $2 }' /proc/$daemon/status)
echo "| corrald RSS (of it anonymous): idle / with 1000 more units running | ${rss_before} kB (${anon_before} kB) / ${rss_after} kB (${anon_after} kB) | |"

# 6. Re-adoption: kill -9 corrald with the 1000 units running, start it again, time until it answers
# (it resumes every unit from its record before serving clients); all 1000 must be active again.
active_idle() { for batch in $(seq 0 9); do "$ctl" is-active $(idle_batch $batch) || true; done | grep -cx active; }
kill -KILL "$daemon"
wait "$daemon" 2> /dev/null || true
start=$(now)
"$bin/corrald" --config /dev/null --unit-path "$work/units" --runtime-dir "$work/run" --cgroup-root "$root" 2>> "$work/corrald.log" &
daemon=$!
until "$ctl" list-jobs > /dev/null 2>&1; do sleep 0.01; done
adopted=$(( ($(now) - start) / 1000000 ))
echo "| re-adoption of 1000 running units after kill -9 (start → first answer) | ${adopted} ms, $(active_idle) of 1000 active | |"

# 7. daemon-reexec with the 1000 units: until the new corrald answers.
start=$(now)
"$ctl" daemon-reexec
reexec=$(( ($(now) - start) / 1000000 ))
echo "| daemon-reexec with 1000 running units (until the new corrald answers) | ${reexec} ms, $(active_idle) of 1000 active | |"
