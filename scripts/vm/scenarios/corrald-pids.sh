#!/bin/sh
# corrald + TasksMax=16: a fork loop never has more than 16 tasks, pids.events counts
# the refused forks, stop leaves no process; the writes match the plan.
. /lib/vmtest/lib.sh

# The loop runs in a subshell: when busybox sh cannot fork it exits with "can't fork",
# and the main process then stays as `sleep 600`, so the unit keeps running at the limit.
CORRAL_UNIT_DIR=/run/units-pids
corral_unit bomb.service '[Service]
ExecStart=/bin/sh -c "(while :; do sleep 100 & done) 2>/dev/null; exec sleep 600"
TasksMax=16'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start bomb.service
cg=$(unit_cgroup bomb.service)
expect corrald-pids-refused "pids.events max stayed 0 for 20 s" \
    wait_for 20 sh -c '[ "$(awk "\$1 == \"max\" { print \$2 }" "$1/pids.events")" -ge 1 ]' - "$cg"
sleep 0.5
current=$(cat "$cg/pids.current")
procs=$(wc -l < "$cg/cgroup.procs")
info "bomb.service: pids.current $current, $procs processes, pids.events: $(cat "$cg/pids.events")"
expect corrald-pids-current "pids.current is $current, expected 1..16" within "$current" 1 16
expect corrald-pids-active "bomb.service is $(corralctl is-active bomb.service)" \
    sh -c 'corralctl is-active bomb.service > /dev/null'
check_plan bomb.service

members=$(cat "$cg/cgroup.procs")
corralctl stop bomb.service
alive=0
for pid in $members; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
expect corrald-pids-stop-leaves-nothing "$alive of the $(echo $members | wc -w) processes still alive after stop" \
    [ $alive -eq 0 ]
expect corrald-pids-stop-cgroup-removed "$cg still exists after stop (cgroup.procs: $(cat "$cg/cgroup.procs" 2>/dev/null | wc -l) lines)" \
    [ ! -d "$cg" ]

stop_corrald corrald-pids-stopped-clean
