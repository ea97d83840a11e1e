# corrald under systemd 252 (scripts/vm/systemd-run.sh): units/corrald.service as installed,
# delegated and Type=notify, its units in the scope corrald-units.scope that systemd delegates for
# them. A service corrald runs survives corrald's crash (SIGKILL of its main process): systemd
# restarts corrald.service, the new corrald re-adopts the service with the same main PID and its
# limits. Then daemon-reexec keeps both, and stopping corrald.service stops the service and ends
# the scope; a slow start-up gets more time from systemd. Last, a unit's SuccessAction=poweroff powers the machine off through systemd.
export CORRAL_UNIT_DIR=/etc/corral/system
corral_unit hold.service '[Service]
ExecStart=/bin/sleep 600
MemoryMax=100M'

systemctl start corrald.service
expect systemd-corrald-active "corrald.service is $(systemctl is-active corrald.service)" \
    sh -c '[ "$(systemctl is-active corrald.service)" = active ]'
CORRAL_ROOT=/sys/fs/cgroup/system.slice/corrald-units.scope
expect systemd-units-scope "corrald-units.scope is $(systemctl is-active corrald-units.scope)" \
    sh -c '[ "$(systemctl is-active corrald-units.scope)" = active ] && [ "$(systemctl show -p Delegate --value corrald-units.scope)" = yes ]'
info "corrald.service holds $(cat /sys/fs/cgroup/system.slice/corrald.service/cgroup.procs | wc -l) process(es)"

corralctl start hold.service
hold_cgroup=$(unit_cgroup hold.service)
hold_pid=$(unit_main_pid hold.service)
expect systemd-hold-limited "memory.max of $hold_cgroup is $(cat "$hold_cgroup/memory.max" 2>&1)" \
    sh -c '[ "$(cat "$1/memory.max")" = 104857600 ]' - "$hold_cgroup"

old_corrald=$(systemctl show -p MainPID --value corrald.service)
systemctl kill --signal=KILL --kill-who=main corrald.service
restarted() {
    local now
    now=$(systemctl show -p MainPID --value corrald.service)
    [ "$now" != 0 ] && [ "$now" != "$old_corrald" ] && [ "$(systemctl is-active corrald.service)" = active ]
}
if wait_for 60 restarted; then
    pass systemd-corrald-restarted-after-crash
else
    fail systemd-corrald-restarted-after-crash "corrald.service is $(systemctl is-active corrald.service): $(systemctl show -p Result,NRestarts,ExecMainStatus corrald.service | tr '\n' ' ')"
    journalctl -b -u corrald.service --no-pager | tail -n 20 | sed 's/^/INFO journal: /'
fi
expect systemd-hold-survived-crash "hold.service's main process $hold_pid is gone" kill -0 "$hold_pid"
state=$(corralctl is-active hold.service 2>&1)
main=$(unit_main_pid hold.service)
expect systemd-hold-readopted "hold.service is $state, Main PID $main" test "$state" = active -a "$main" = "$hold_pid"
expect systemd-hold-still-limited "memory.max of $hold_cgroup is $(cat "$hold_cgroup/memory.max" 2>&1)" \
    sh -c '[ "$(cat "$1/memory.max")" = 104857600 ]' - "$hold_cgroup"

before_reexec=$(systemctl show -p MainPID --value corrald.service)
corralctl daemon-reexec
expect systemd-reexec-same-process "corrald.service's main PID changed across daemon-reexec" \
    sh -c '[ "$(systemctl show -p MainPID --value corrald.service)" = "$1" ] && [ "$(systemctl is-active corrald.service)" = active ]' - "$before_reexec"
main=$(unit_main_pid hold.service)
expect systemd-hold-after-reexec "hold.service's Main PID is $main after daemon-reexec" [ "$main" = "$hold_pid" ]

systemctl stop corrald.service
expect systemd-stop-stops-units "hold.service's process $hold_pid outlived systemctl stop corrald.service" \
    sh -c '! kill -0 "$1" 2>/dev/null' - "$hold_pid"
expect systemd-stop-leaves-no-cgroup "$hold_cgroup is left behind" sh -c '[ ! -d "$1" ]' - "$hold_cgroup"
expect systemd-stop-ends-the-scope "corrald-units.scope is $(systemctl is-active corrald-units.scope)" \
    wait_for 10 sh -c '! systemctl is-active -q corrald-units.scope'

# A start-up that outlasts corrald.service's TimeoutStartSec= but whose unit is within its own
# timeout: corrald asks systemd for more time (EXTEND_TIMEOUT_USEC=) until the unit is done, then
# says READY=1; systemd does not kill it.
corral_unit slowstart.service '[Service]
Type=oneshot
ExecStart=/bin/sleep 12
TimeoutStartSec=40s'
printf '[Manager]\nStartUnits=slowstart.service\n' > /etc/corral/corrald.conf
mkdir -p /run/systemd/system/corrald.service.d
printf '[Service]\nTimeoutStartSec=4s\n' > /run/systemd/system/corrald.service.d/short-start.conf
systemctl daemon-reload
began=$(date +%s)
systemctl start corrald.service
expect systemd-slow-start-extended "after $(( $(date +%s) - began )) s corrald.service is $(systemctl is-active corrald.service) ($(systemctl show -p Result,NRestarts corrald.service | tr '\n' ' ')), slowstart.service $(corralctl is-active slowstart.service 2>&1)" \
    sh -c '[ "$(systemctl is-active corrald.service)" = active ] && [ "$(systemctl show -p NRestarts --value corrald.service)" = 0 ] && [ $(( $(date +%s) - $1 )) -ge 12 ]' - "$began"
systemctl stop corrald.service
rm -rf /etc/corral/corrald.conf /run/systemd/system/corrald.service.d
systemctl daemon-reload

# As installed by make install, default.target leads to multi-user.target: a unit enabled there
# starts whenever corrald does.
corral_unit atboot.service '[Service]
ExecStart=/bin/sleep 600
[Install]
WantedBy=multi-user.target'
corralctl enable atboot.service 2> /dev/null
systemctl start corrald.service
expect systemd-enabled-unit-starts "get-default: $(corralctl get-default 2>&1); atboot.service is $(corralctl is-active atboot.service)" \
    sh -c '[ "$(corralctl get-default)" = multi-user.target ] && [ "$(corralctl is-active atboot.service)" = active ]'
systemctl stop corrald.service

# Last, as it ends the boot: a unit's SuccessAction=poweroff makes corrald ask systemd to power
# the machine off (StartUnit poweroff.target, as `systemctl poweroff`), and the shutdown stops
# this scenario's own service, which then checks systemd's jobs.
corral_unit bye.service '[Unit]
SuccessAction=poweroff
[Service]
Type=oneshot
ExecStart=/bin/true'
powering_off() {
    expect systemd-success-action-poweroff "systemd's jobs: $(systemctl list-jobs --no-legend 2>&1 | tr '\n' '|')" \
        sh -c 'systemctl list-jobs --no-legend | grep -q " poweroff.target "'
    echo "VMTEST END"
    exit 0
}
trap powering_off TERM
systemctl start corrald.service
corralctl start bye.service
sleep 60 &
wait $!
trap - TERM
fail systemd-success-action-poweroff "no shutdown within 60 s of bye.service's success"
