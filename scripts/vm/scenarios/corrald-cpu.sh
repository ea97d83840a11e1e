#!/bin/sh
# corrald + CPUQuota=20%: a busy service gets 20 % of one CPU; CPUWeight=100 vs 300 on
# one shared CPU splits it 1:3; AllowedCPUs=1 pins the main process; writes match the plan.
. /lib/vmtest/lib.sh

busy='/bin/sh -c "while :; do :; done"'
CORRAL_UNIT_DIR=/run/units-cpu
corral_unit quota.service "[Service]
ExecStart=$busy
CPUQuota=20%"
corral_unit light.service "[Service]
ExecStart=$busy
CPUWeight=100
AllowedCPUs=0"
corral_unit heavy.service "[Service]
ExecStart=$busy
CPUWeight=300
AllowedCPUs=0"
corral_unit pinned.service '[Service]
ExecStart=/bin/sleep 600
AllowedCPUs=1'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

# usage CGROUP...: usage_usec of each cgroup's cpu.stat, space-separated, read back to back.
usage() {
    local cg
    for cg in "$@"; do printf '%s ' "$(stat_value "$cg/cpu.stat" usage_usec)"; done
}

corralctl start quota.service
cg=$(unit_cgroup quota.service)
sleep 0.5
before=$(stat_value "$cg/cpu.stat" usage_usec)
start=$(uptime_seconds)
sleep 3
after=$(stat_value "$cg/cpu.stat" usage_usec)
end=$(uptime_seconds)
share=$(awk -v a="$before" -v b="$after" -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (b - a) / ((e - s) * 1000000) }')
info "quota.service: $((after - before)) us of CPU in $start..$end s = $share of one CPU"
expect corrald-cpu-quota "CPU share is $share, expected 0.15..0.25" within "$share" 0.15 0.25
check_plan quota.service
corralctl stop quota.service
expect corrald-cpu-quota-stopped "$cg still exists after stop" [ ! -d "$cg" ]

corralctl start light.service heavy.service
light=$(unit_cgroup light.service)
heavy=$(unit_cgroup heavy.service)
sleep 0.5
set -- $(usage "$light" "$heavy")
sleep 3
set -- "$@" $(usage "$light" "$heavy")
ratio=$(awk -v l="$(($3 - $1))" -v h="$(($4 - $2))" 'BEGIN { printf "%.2f", (l > 0 ? h / l : 0) }')
info "CPU on cpu 0 in 3 s: light.service $(($3 - $1)) us, heavy.service $(($4 - $2)) us, ratio $ratio"
expect corrald-cpu-weight-ratio "heavy/light is $ratio, expected 3 +-20% (2.4..3.6)" within "$ratio" 2.4 3.6
check_plan light.service
check_plan heavy.service
corralctl stop light.service heavy.service

corralctl start pinned.service
pid=$(unit_main_pid pinned.service)
allowed=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status")
expect corrald-cpu-allowed-cpus "main PID '$pid' has Cpus_allowed_list '$allowed', expected 1" [ "$allowed" = 1 ]
check_plan pinned.service

stop_corrald corrald-cpu-stopped-clean
