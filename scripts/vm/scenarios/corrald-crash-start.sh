#!/bin/sh
# A start job in flight when corrald is killed: slow.service is starting (a Type=notify service
# that says READY=1 after 5 s) and eager.service waits for it (After=). After the restart both end
# up active, each started once: the resumed unit hears READY=1 on the same notify socket, and the
# queued job runs then. (A start waiting for an ExecStartPre= instead would fail with result
# `resources`: once corrald is gone, the process's exit status goes to whoever reaps it.)
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-crash-start
corral_unit slow.service '[Service]
Type=notify
ExecStart=/usr/local/bin/sdnotify ready 5'
corral_unit eager.service '[Unit]
Wants=slow.service
After=slow.service
[Service]
ExecStart=/bin/sleep 600'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start --no-block eager.service
expect crash-start-activating "slow.service is $(corralctl is-active slow.service)" \
    wait_for 10 sh -c '[ "$(corralctl is-active slow.service)" = activating ]'
kill -KILL "$CORRALD_PID"
wait "$CORRALD_PID" 2> /dev/null
restart_corrald || exit 0
info "corrald answers again at $(uptime_seconds) s"
expect crash-start-finished "20 s after the restart slow.service is $(corralctl is-active slow.service), eager.service $(corralctl is-active eager.service)" \
    wait_for 20 sh -c '[ "$(corralctl is-active eager.service)" = active ] && [ "$(corralctl is-active slow.service)" = active ]'
for unit in slow.service eager.service; do
    procs=$(wc -l < "$(unit_cgroup $unit)/cgroup.procs")
    expect "crash-start-once-$unit" "$unit runs $procs processes" [ "$procs" -eq 1 ]
done
corralctl stop eager.service slow.service
stop_corrald crash-start-stopped-clean
