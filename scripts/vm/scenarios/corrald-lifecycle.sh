#!/bin/sh
# The supervisor's life cycle on a real kernel: a double-forking Type=forking daemon with a
# PIDFile is tracked and its stop leaves the cgroup empty and gone; a Type=notify service is
# activating until it sends READY=1; an exec failure gives a clear failed status;
# daemon-reload picks up an edited unit.
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-lifecycle
corral_unit daemon.service '[Service]
Type=forking
PIDFile=/run/daemon.pid
ExecStart=/bin/sh -c "(sleep 600 & echo $$! > /run/daemon.pid; sleep 600 &) ; exit 0"'
corral_unit ready.service '[Service]
Type=notify
ExecStart=/usr/local/bin/sdnotify ready 2'
corral_unit nope.service '[Service]
ExecStart=/usr/bin/nope'
corral_unit edit.service '[Unit]
Description=Before
[Service]
ExecStart=/bin/sleep 600'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start daemon.service
main=$(unit_main_pid daemon.service)
expect lifecycle-forking-main-pid "Main PID '$main', PID file '$(cat /run/daemon.pid)'" [ -n "$main" -a "$main" = "$(cat /run/daemon.pid)" ]
cg=$(unit_cgroup daemon.service)
expect lifecycle-forking-tracked "cgroup.procs holds $(wc -l < "$cg/cgroup.procs") processes, expected 2" [ "$(wc -l < "$cg/cgroup.procs")" -eq 2 ]
corralctl stop daemon.service
expect lifecycle-forking-stop-empties "after stop: $(ls -d "$cg" 2>/dev/null) $(cat "$cg/cgroup.procs" 2>/dev/null | tr '\n' ' ')" [ ! -d "$cg" ]
expect lifecycle-forking-processes-gone "daemon $main still exists" sh -c '! kill -0 "$1" 2>/dev/null' - "$main"

corralctl start ready.service &
client=$!
sleep 1
state=$(corralctl is-active ready.service)
expect lifecycle-notify-activating "one second in, before READY=1, the state is '$state'" [ "$state" = activating ]
wait $client
state=$(corralctl is-active ready.service)
expect lifecycle-notify-active "after READY=1 the state is '$state'" [ "$state" = active ]

corralctl start nope.service 2>/dev/null
status=$(corralctl status nope.service)
expect lifecycle-exec-failure-state "status says: $(echo "$status" | sed -n 's/^ *Active: //p')" \
    sh -c 'echo "$1" | grep -q "Active: failed (Result: exit-code)"' - "$status"
expect lifecycle-exec-failure-message "status lacks the exec failure: $(echo "$status" | tail -3 | tr '\n' '|')" \
    sh -c 'echo "$1" | grep -q "Failed at step EXEC spawning /usr/bin/nope: No such file or directory"' - "$status"

corralctl start edit.service
corral_unit edit.service '[Unit]
Description=After
[Service]
ExecStart=/bin/sleep 600'
corralctl daemon-reload
expect lifecycle-daemon-reload "status heading: $(corralctl status edit.service | head -1)" \
    sh -c 'corralctl status edit.service | head -1 | grep -q "edit.service - After"'

stop_corrald lifecycle-stopped-clean
