#!/bin/sh
# A bare cgroup v2 host (the first scenario: nothing has enabled a controller in the root yet):
# the kernel offers every controller Corral writes, and corrald, as the top manager, enables them
# from the root down, so that a unit's limits are enforced rather than reported as not enforced.
# Also: corrald raises its own open-files limit, and its services keep the one it was started with.
. /lib/vmtest/lib.sh

for controller in cpuset cpu io memory pids; do
    expect "controller-available-$controller" "not in cgroup.controllers: $(cat $CGROUP_ROOT/cgroup.controllers)" \
        grep -qw "$controller" "$CGROUP_ROOT/cgroup.controllers"
done
expect bare-root-enables-nothing "root cgroup.subtree_control is '$(cat $CGROUP_ROOT/cgroup.subtree_control)'" \
    [ -z "$(cat $CGROUP_ROOT/cgroup.subtree_control)" ]

CORRAL_UNIT_DIR=/run/units-bare
corral_unit limited.service '[Service]
ExecStart=/bin/sleep 600
MemoryMax=64M
TasksMax=32
CPUQuota=50%'
start_corrald "$CORRAL_UNIT_DIR" || exit 0
corralctl start limited.service
cg=$(unit_cgroup limited.service)
for controller in cpuset cpu io memory pids; do
    expect "corrald-enabled-$controller" "root cgroup.subtree_control is '$(cat $CGROUP_ROOT/cgroup.subtree_control)'" \
        grep -qw "$controller" "$CGROUP_ROOT/cgroup.subtree_control"
done
expect bare-root-limits-written "memory.max $(cat "$cg/memory.max" 2>&1), pids.max $(cat "$cg/pids.max" 2>&1), cpu.max $(cat "$cg/cpu.max" 2>&1)" \
    [ "$(cat "$cg/memory.max").$(cat "$cg/pids.max").$(cat "$cg/cpu.max")" = "67108864.32.50000 100000" ]
expect bare-root-no-warning "corrald's log: $(grep -i 'not enforced\|cannot enable' "$CORRALD_LOG")" \
    sh -c "! grep -qi 'not enforced\|cannot enable' '$CORRALD_LOG'"
# corrald raises its own open-files limit to the hard one; services keep the one it was given.
limits() { awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$1/limits"; }
service_pid=$(unit_main_pid limited.service)
expect corrald-raises-its-file-limit "corrald's open files $(limits "$CORRALD_PID"), started with $(ulimit -Sn):$(ulimit -Hn)" \
    [ "$(limits "$CORRALD_PID")" = "$(ulimit -Hn):$(ulimit -Hn)" ]
expect service-keeps-the-file-limit "the service's open files $(limits "$service_pid"), corrald was started with $(ulimit -Sn):$(ulimit -Hn)" \
    [ "$(limits "$service_pid")" = "$(ulimit -Sn):$(ulimit -Hn)" ]
corralctl stop limited.service
stop_corrald bare-root-corrald-stopped
