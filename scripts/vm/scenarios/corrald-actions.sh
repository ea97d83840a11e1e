#!/bin/sh
# SuccessAction=/FailureAction= that reboot or power off, on a machine without systemd: corrald
# stops its units (kills them, for -force) and calls reboot(2). Each case runs corrald as PID 1 of
# its own PID namespace, where reboot(2) ends the namespace instead of the VM: its init is killed,
# reported as SIGINT for a power-off and SIGHUP for a reboot (pid_namespaces(7)).
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-actions
corral_unit keeper.service '[Service]
ExecStart=/bin/sleep 600
ExecStop=/bin/sh -c "echo stopped > /tmp/keeper-stopped"'

# case NAME ACTION UNIT-SETTING EXPECTED-SIGNAL EXPECTED-MARKER: UNIT-SETTING (SuccessAction= or
# FailureAction=) of a oneshot that succeeds, or fails when the setting is a FailureAction=.
action_case() {
    local name=$1 setting=$2 signal=$3 marker=$4 command=/bin/true root status
    case $setting in FailureAction=*) command=/bin/false ;; esac
    corral_unit trigger.service "[Unit]
$setting
[Service]
Type=oneshot
ExecStart=$command"
    root=$CGROUP_ROOT/actions-$name.slice
    rm -rf /run/corral-actions /tmp/keeper-stopped
    unshare -p -f -m --mount-proc corrald --config /dev/null --unit-path "$CORRAL_UNIT_DIR" \
        --runtime-dir /run/corral-actions --cgroup-root "$root" --start keeper.service \
        > /run/corrald-actions.log 2>&1 &
    local namespace=$!
    if ! wait_for 30 sh -c 'CORRAL_RUNTIME_DIR=/run/corral-actions corralctl is-active -q keeper.service'; then
        fail "actions-$name" "keeper never became active; log: $(tail -5 /run/corrald-actions.log)"
        kill -KILL $namespace
        return
    fi
    CORRAL_RUNTIME_DIR=/run/corral-actions corralctl start trigger.service > /dev/null 2>&1
    wait $namespace
    status=$?
    local stopped=no
    [ -e /tmp/keeper-stopped ] && stopped=yes
    expect "actions-$name" \
        "exit status $status (expected $((128 + signal))), keeper's ExecStop ran: $stopped (expected $marker); log: $(tail -4 /run/corrald-actions.log | tr '\n' '|')" \
        [ "$status.$stopped" = "$((128 + signal)).$marker" ]
    find "$root" -depth -type d -exec rmdir {} + 2>/dev/null
}

action_case poweroff SuccessAction=poweroff 2 yes
action_case reboot FailureAction=reboot 1 yes
action_case reboot-force FailureAction=reboot-force 1 no
action_case poweroff-immediate SuccessAction=poweroff-immediate 2 no
