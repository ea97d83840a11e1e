#!/bin/sh
# pids.max: a fork loop in a cgroup limited to 16 tasks never exceeds 16.
. /lib/vmtest/lib.sh

cg=$(make_cgroup vmtest-pids)
echo 16 > "$cg/pids.max"
run_in "$cg" sh -c 'for i in $(seq 40); do sleep 60 & done 2>/dev/null; exit 0' > /dev/null 2>&1
current=$(cat "$cg/pids.current")
expect pids-current-capped "pids.current is $current, expected 1..16" within "$current" 1 16
max_events=$(stat_value "$cg/pids.events" max)
expect pids-events-max "pids.events max is '$max_events', expected >= 1" [ "${max_events:-0}" -ge 1 ]
remove_cgroup "$cg"
