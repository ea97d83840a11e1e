#!/bin/sh
# corrald + MemoryMax=32M: a service allocating 64 MiB is OOM-killed and fails with
# Result: oom-kill; with Restart=on-failure it comes back; the writes match the plan.
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-memory
corral_unit hog.service '[Service]
ExecStart=/usr/local/bin/memhog 64
MemoryMax=32M'
# The first run is OOM-killed; the restarted run finds the marker and stays up.
corral_unit comeback.service '[Service]
Slice=again.slice
ExecStart=/bin/sh -c "[ -e /run/comeback.ran ] && exec sleep 600; touch /run/comeback.ran; exec memhog 64"
MemoryMax=32M
Restart=on-failure
RestartSec=1s'
rm -f /run/comeback.ran
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start hog.service > /dev/null 2>&1
expect corrald-memory-is-failed "hog.service is $(corralctl is-active hog.service) after 20 s" \
    wait_for 20 sh -c 'corralctl is-failed hog.service > /dev/null'
status=$(corralctl status hog.service)
info "$(echo "$status" | sed -n 's/^ *Active: //p')"
expect corrald-memory-result-oom-kill "status shows: $(echo "$status" | grep 'Active:')" \
    sh -c 'echo "$1" | grep -q "Result: oom-kill"' - "$status"
# The unit's cgroup is removed once empty; memory.events is hierarchical (no
# memory_localevents mount option), so the slice above it keeps the count.
oom=$(stat_value "$(dirname "$(unit_cgroup hog.service)")/memory.events" oom_kill)
expect corrald-memory-events-oom-kill "system.slice memory.events oom_kill is '$oom', expected >= 1" \
    [ "${oom:-0}" -ge 1 ]

corralctl start comeback.service > /dev/null 2>&1
expect corrald-memory-restarted "comeback.service is $(corralctl is-active comeback.service) after 20 s; log: $(grep comeback "$CORRALD_LOG" | tr '\n' '|')" \
    wait_for 20 sh -c '[ -e /run/comeback.ran ] && corralctl is-active comeback.service > /dev/null && [ "$(corralctl status comeback.service | grep -c "Main PID: .*(sleep)")" = 1 ]'
cg=$(unit_cgroup comeback.service)
oom=$(stat_value "$(dirname "$cg")/memory.events" oom_kill)
expect corrald-memory-restart-after-oom "again.slice memory.events oom_kill is '$oom', expected >= 1" \
    [ "${oom:-0}" -ge 1 ]
expect corrald-memory-restart-logged "corrald log: $(grep comeback "$CORRALD_LOG" | tr '\n' '|')" \
    grep -q 'comeback.service: Scheduled restart job' "$CORRALD_LOG"
check_plan comeback.service

# The metrics and top read the same kernel counters, here with the memory controller on.
metrics=$(corralctl metrics)
metric() { echo "$metrics" | sed -n "s/^$1 //p"; }
memory=$(metric 'corral_unit_memory_bytes{unit="comeback.service"}')
expect corrald-metrics-memory "memory_bytes is '$memory'" [ "${memory:-0}" -gt 0 ]
expect corrald-metrics-oom-kills "again.slice's oom_kills_total is '$(metric 'corral_unit_oom_kills_total{unit="again.slice"}')'" \
    [ "$(metric 'corral_unit_oom_kills_total{unit="again.slice"}')" -ge 1 ]
expect corrald-metrics-restarts "restarts_total is '$(metric 'corral_unit_restarts_total{unit="comeback.service"}')'" \
    [ "$(metric 'corral_unit_restarts_total{unit="comeback.service"}')" = 1 ]
expect corrald-metrics-memory-max "memory_max_bytes is '$(metric 'corral_unit_memory_max_bytes{unit="comeback.service"}')'" \
    [ "$(metric 'corral_unit_memory_max_bytes{unit="comeback.service"}')" = 33554432 ]
row=$(corralctl top -b -d 0.2 | grep '^comeback.service ')
info "top: $row"
expect corrald-top-memory "top's row: $row" \
    sh -c 'set -- $1; [ "$2" = 1 ] && [ "$4" != - ] && [ "$5" = -/32.0M ] && [ "$6" != - ]' - "$row"

stop_corrald corrald-memory-stopped-clean
