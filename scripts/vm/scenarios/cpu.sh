#!/bin/sh
# cpu.max "20000 100000": a busy loop for 3 s gets about 20% of one CPU.
. /lib/vmtest/lib.sh

cg=$(make_cgroup vmtest-cpu)
echo "20000 100000" > "$cg/cpu.max"
expect cpu-max-written "cpu.max reads $(cat "$cg/cpu.max")" [ "$(cat "$cg/cpu.max")" = "20000 100000" ]

start=$(uptime_seconds)
(run_in "$cg" timeout -s KILL 3 sh -c 'while :; do :; done') 2>/dev/null
end=$(uptime_seconds)
usage=$(stat_value "$cg/cpu.stat" usage_usec)
throttled=$(stat_value "$cg/cpu.stat" nr_throttled)
share=$(awk -v u="$usage" -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", u / ((e - s) * 1000000) }')
info "cpu: usage_usec $usage in $(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }') s, share $share, nr_throttled $throttled"
expect cpu-max-share "usage_usec $usage over $start..$end s is a share of $share, expected 0.15..0.25" \
    within "$share" 0.15 0.25
expect cpu-max-throttled "nr_throttled is '$throttled', expected >= 1" [ "${throttled:-0}" -ge 1 ]
remove_cgroup "$cg"
