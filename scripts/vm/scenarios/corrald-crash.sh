#!/bin/sh
# corrald is crash-only: 50 units of every kind (simple, exec, forking, notify, oneshot with
# RemainAfterExit=, transient services, scopes, in a slice) run; corrald is killed with SIGKILL
# and started again: every unit is active with the same MainPID and InvocationID, nothing was
# started twice, and stop of each empties its cgroup. The same across daemon-reexec, and with a
# stop job in flight (a service that ignores SIGTERM) when corrald is killed.
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-crash
services=""
for i in 1 2 3 4 5 6; do
    corral_unit simple$i.service "[Service]
Slice=crash.slice
ExecStart=/bin/sleep 600"
    corral_unit exec$i.service "[Service]
Type=exec
ExecStart=/bin/sleep 600"
    corral_unit forking$i.service "[Service]
Type=forking
PIDFile=/run/forking$i.pid
ExecStart=/bin/sh -c 'sleep 600 & echo \$\$! > /run/forking$i.pid'"
    corral_unit notify$i.service "[Service]
Type=notify
ExecStart=/usr/local/bin/sdnotify ready 0"
    corral_unit oneshot$i.service "[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true"
    services="$services simple$i.service exec$i.service forking$i.service notify$i.service oneshot$i.service"
done
corral_unit stubborn.service '[Service]
ExecStart=/bin/sh -c "trap \"\" TERM; while :; do sleep 1; done"
TimeoutStopSec=3s'
corral_unit crash.slice '[Slice]
MemoryMax=1G'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start $services
info "services started at $(uptime_seconds) s"
transients="" scopes=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    corralctl run --unit run$i -p MemoryMax=64M -- /bin/sleep 600 > /dev/null
    transients="$transients run$i.service"
done
for i in 1 2 3 4 5 6 7 8; do
    corralctl run --scope --unit scope$i -p TasksMax=20 -- /bin/sleep 600 > /run/scope$i.out 2>&1 &
    scopes="$scopes scope$i.scope"
    wait_for 10 sh -c '[ "$(corralctl is-active "$1")" = active ]' - scope$i.scope ||
        info "scope$i.scope is $(corralctl is-active scope$i.scope) after 10 s: $(cat /run/scope$i.out)"
done
info "transient services started at $(uptime_seconds) s"
all="$services $transients $scopes"
count=$(echo $all | wc -w)
# One line per unit: its state, main PID and invocation ID; one line with what its cgroup holds.
snapshot() {
    corralctl show $all -p Id,ActiveState,SubState,MainPID,InvocationID
    for unit in $all; do
        echo "$unit procs $(sort "$(unit_cgroup_of $unit)/cgroup.procs" 2>/dev/null | tr '\n' ' ')"
    done
}
unit_cgroup_of() {
    case $1 in
    simple*) echo "$CORRAL_ROOT/crash.slice/$1" ;;
    *) echo "$CORRAL_ROOT/system.slice/$1" ;;
    esac
}
info "$count units started at $(uptime_seconds) s"
snapshot > /run/crash.before
info "snapshot taken at $(uptime_seconds) s"
active=$(grep -c 'ActiveState=active' /run/crash.before)
if [ "$active" -eq "$count" ]; then
    pass corrald-crash-all-up
else
    # Only now, as asking each unit costs a corralctl call (a second or more under emulation).
    fail corrald-crash-all-up "$active of $count units active before the crash: $(for unit in $all; do [ "$(corralctl is-active $unit)" = active ] || echo "$unit: $(corralctl is-active $unit)"; done | tr '\n' ' '); log: $(tail -5 "$CORRALD_LOG" | tr '\n' ' ')"
fi

kill -KILL "$CORRALD_PID"
wait "$CORRALD_PID" 2> /dev/null
restart_corrald || exit 0
info "corrald answers again at $(uptime_seconds) s"
snapshot > /run/crash.after
expect corrald-crash-readopted "after kill -9 and a restart: $(diff /run/crash.before /run/crash.after | grep '^[<>]' | head -6)" \
    cmp -s /run/crash.before /run/crash.after

corralctl daemon-reexec
snapshot > /run/crash.reexec
expect corrald-crash-reexec "after daemon-reexec: $(diff /run/crash.before /run/crash.reexec | grep '^[<>]' | head -6)" \
    cmp -s /run/crash.before /run/crash.reexec

# A stop job in flight: stubborn ignores SIGTERM, so its stop waits for TimeoutStopSec=3s.
corralctl start stubborn.service
corralctl stop stubborn.service &
wait_for 10 sh -c '[ "$(corralctl is-active stubborn.service)" = deactivating ]'
kill -KILL "$CORRALD_PID"
wait "$CORRALD_PID" 2> /dev/null
restart_corrald || exit 0
expect corrald-crash-stop-in-flight "stubborn.service is $(corralctl is-active stubborn.service) 20 s after the restart" \
    wait_for 20 sh -c '[ "$(corralctl is-active stubborn.service)" = inactive ] || [ "$(corralctl is-active stubborn.service)" = failed ]'
expect corrald-crash-stop-in-flight-empty "stubborn.service cgroup still exists" [ ! -d "$(unit_cgroup stubborn.service)" ]

stopped=0 left=""
for unit in $all; do
    cg=$(unit_cgroup_of $unit)
    corralctl stop $unit
    if [ -d "$cg" ] && [ -s "$cg/cgroup.procs" ]; then left="$left $unit"; else stopped=$((stopped + 1)); fi
done
expect corrald-crash-stop-empties "$stopped of $count stopped with an empty cgroup; left:$left" [ "$stopped" -eq "$count" ]
stop_corrald corrald-crash-stopped-clean
