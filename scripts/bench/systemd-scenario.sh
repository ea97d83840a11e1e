# The benchmark scenario of `make bench-systemd` (scripts/bench-systemd.sh), run by
# scripts/vm/systemd-run.sh with systemd 252 as PID 1 and corrald as its delegated Type=notify
# service. Each workload is measured for both managers in this one boot, A and B alternating
# (the order swapped every sample) so that both share the emulator's noise; the clock is read by
# `sample` (sample.c). Prints one line per workload and manager:
#   BENCH WORKLOAD MANAGER MEDIAN P25 P75 SAMPLES UNIT
# and the floors as manager "floor".
tools=/usr/local/lib/vmtest
results=/run/bench
light=${BENCH_SAMPLES:-20}
heavy=${BENCH_HEAVY_SAMPLES:-3}
mkdir -p "$results"

# Every unit goes to both managers' directories.
both_unit() {
    printf '%s\n' "$2" > "/etc/systemd/system/$1"
    printf '%s\n' "$2" > "/etc/corral/system/$1"
}
both_unit idle.service '[Service]
ExecStart=/bin/sleep infinity'
both_unit latency.service "[Unit]
StartLimitIntervalSec=0
[Service]
ExecStart=$tools/stamp $results/stamp hold"
both_unit hardened.service "[Unit]
StartLimitIntervalSec=0
[Service]
ExecStart=$tools/stamp /var/lib/bench-hardened/stamp hold
StateDirectory=bench-hardened
SystemCallFilter=@system-service
ProtectSystem=strict
PrivateTmp=yes
PrivateDevices=yes
CapabilityBoundingSet=
RestrictAddressFamilies=AF_UNIX"
# 1000 units that start without a process (a oneshot with only ExecStop=), each with resource
# settings and its own cgroup: loading and starting them is parsing, planning and the job engine.
bulk_wants=""
i=0
while [ $i -lt 1000 ]; do
    i=$((i + 1))
    both_unit "bulk-$i.service" "[Unit]
Description=Bulk unit $i
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStop=/bin/true
MemoryMax=64M
CPUWeight=50
TasksMax=32
Environment=INDEX=$i"
    bulk_wants="$bulk_wants bulk-$i.service"
done
both_unit bulk.target "[Unit]
Wants=$bulk_wants"
systemctl daemon-reload
systemctl start corrald.service
systemctl start idle.service
corralctl start idle.service

# One sample of a workload for a manager: `work_corral N` and `work_systemd N` print
# microseconds for sample N and are defined per workload below.
measure() {
    local workload=$1 samples=$2 n=0 manager
    : > "$results/$workload.corral"
    : > "$results/$workload.systemd"
    while [ $n -lt "$samples" ]; do
        n=$((n + 1))
        for manager in $( [ $((n % 2)) -eq 1 ] && echo corral systemd || echo systemd corral); do
            "work_$manager" "$n" >> "$results/$workload.$manager" ||
                echo "INFO $workload: sample $n of $manager failed"
        done
    done
    report "$workload" corral
    report "$workload" systemd
}

# report WORKLOAD MANAGER [UNIT]: the median and quartiles of the samples in the file.
report() {
    sort -n "$results/$1.$2" | awk -v workload="$1" -v manager="$2" -v unit="${3:-us}" '
        { value[NR] = $1 }
        END {
            if (NR == 0) { print "BENCH " workload " " manager " - - - 0 " unit; exit }
            median = NR % 2 ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2
            print "BENCH " workload " " manager " " median " " value[int((NR + 3) / 4)] " " value[int((3 * NR + 3) / 4)] " " NR " " unit
        }'
}

# The floors: fork+exec of /bin/true, fork → the first instruction of the stamp program, and a
# static Swift "hello" (stripped, as corralctl is installed).
: > "$results/fork-exec.floor"
: > "$results/first-instruction.floor"
: > "$results/swift-hello.floor"
n=0
while [ $n -lt "$light" ]; do
    n=$((n + 1))
    "$tools/sample" -- /bin/true >> "$results/fork-exec.floor"
    "$tools/sample" --stamp "$results/stamp" -- "$tools/stamp" "$results/stamp" >> "$results/first-instruction.floor"
    "$tools/sample" -- "$tools/swift-hello" >> "$results/swift-hello.floor"
done
report fork-exec floor
report first-instruction floor
report swift-hello floor

work_corral() { "$tools/sample" -- corralctl --version; }
work_systemd() { "$tools/sample" -- systemctl --version; }
measure client-start "$light"

work_corral() { "$tools/sample" -- corralctl is-active -q idle.service; }
work_systemd() { "$tools/sample" -- systemctl is-active -q idle.service; }
measure round-trip "$light"

work_corral() { "$tools/sample" -- corralctl run --wait -q /bin/true; }
work_systemd() { "$tools/sample" -- systemd-run --wait -q /bin/true; }
measure run-wait "$light"

work_corral() {
    "$tools/sample" --stamp "$results/stamp" -- corralctl start latency.service
    corralctl stop latency.service
}
work_systemd() {
    "$tools/sample" --stamp "$results/stamp" -- systemctl start latency.service
    systemctl stop latency.service
}
measure start-first-instruction "$light"

work_corral() {
    "$tools/sample" --stamp /var/lib/bench-hardened/stamp -- corralctl start hardened.service
    corralctl stop hardened.service
}
work_systemd() {
    "$tools/sample" --stamp /var/lib/bench-hardened/stamp -- systemctl start hardened.service
    systemctl stop hardened.service
}
measure hardened-start-first-instruction "$light"

# 100 transient services started one request each, then all stopped in one request.
transient_names() { seq 1 100 | sed "s/^/tr-$1-$2-/; s/\$/.service/"; }
transient_starts() {
    "$tools/sample" -- sh -c 'i=0; while [ $i -lt 100 ]; do i=$((i + 1)); $1 --unit="tr-$2-$3-$i" /bin/sleep 600 || exit 1; done' \
        - "$1" "$2" "$3"
}
work_corral() {
    transient_starts "corralctl run -q" corral "$1"
    "$tools/sample" -- corralctl stop $(transient_names corral "$1") >> "$results/stop-100.corral"
}
work_systemd() {
    transient_starts "systemd-run -q" systemd "$1"
    "$tools/sample" -- systemctl stop $(transient_names systemd "$1") >> "$results/stop-100.systemd"
}
: > "$results/stop-100.corral"
: > "$results/stop-100.systemd"
measure transient-100 "$heavy"
report stop-100 corral
report stop-100 systemd

# Resident memory before and after 1000 units are loaded and started, in KiB.
memory() {
    local pid
    for pid in 1 "$(systemctl show -p MainPID --value corrald.service)"; do
        awk '/^(VmRSS|RssAnon):/ { printf "%s ", $2 }' "/proc/$pid/status"
    done
}
set -- $(memory)
idle_systemd_rss=$1 idle_systemd_anon=$2 idle_corral_rss=$3 idle_corral_anon=$4

# The first sample loads the 1000 units; between samples they are stopped, and systemd unloads
# them (nothing references them any more).
work_corral() {
    "$tools/sample" -- corralctl start bulk.target
    [ "$1" -eq "$heavy" ] || corralctl stop bulk.target
}
work_systemd() {
    "$tools/sample" -- systemctl start bulk.target
    [ "$1" -eq "$heavy" ] || systemctl stop bulk.target
}
measure bulk-start-1000 "$heavy"
info "active bulk units: corrald $(corralctl list-units --no-legend --plain 'bulk-*' | grep -c ' active ') systemd $(systemctl list-units --no-legend --plain 'bulk-*' | grep -c ' active ')"
set -- $(memory)
printf '%s\n' "$idle_corral_rss" > "$results/rss-idle.corral"
printf '%s\n' "$idle_systemd_rss" > "$results/rss-idle.systemd"
printf '%s\n' "$idle_corral_anon" > "$results/anon-idle.corral"
printf '%s\n' "$idle_systemd_anon" > "$results/anon-idle.systemd"
printf '%s\n' "$3" > "$results/rss-1000.corral"
printf '%s\n' "$1" > "$results/rss-1000.systemd"
printf '%s\n' "$4" > "$results/anon-1000.corral"
printf '%s\n' "$2" > "$results/anon-1000.systemd"
for workload in rss-idle anon-idle rss-1000 anon-1000; do
    report "$workload" corral KiB
    report "$workload" systemd KiB
done

work_corral() { "$tools/sample" -- corralctl daemon-reload; }
work_systemd() { "$tools/sample" -- systemctl daemon-reload; }
measure reload-1000 "$heavy"
