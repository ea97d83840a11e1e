#!/bin/sh
# memory.max: a process allocating 64 MiB in a 32 MiB cgroup is OOM-killed.
. /lib/vmtest/lib.sh

cg=$(make_cgroup vmtest-memory)
echo 32M > "$cg/memory.max"
expect memory-max-written "memory.max reads $(cat "$cg/memory.max")" [ "$(cat "$cg/memory.max")" = 33554432 ]

run_in "$cg" memhog 64 > /tmp/memhog.out 2>&1
status=$?
expect memory-oom-killed "memhog exited with status $status ($(cat /tmp/memhog.out)), expected SIGKILL (137)" [ $status -eq 137 ]
oom_kill=$(stat_value "$cg/memory.events" oom_kill)
expect memory-events-oom-kill "oom_kill is '$oom_kill', expected >= 1" [ "${oom_kill:-0}" -ge 1 ]
remove_cgroup "$cg"

# The same allocation fits in a 128 MiB cgroup.
cg=$(make_cgroup vmtest-memory-roomy)
echo 128M > "$cg/memory.max"
run_in "$cg" memhog 64 > /tmp/memhog.out 2>&1
status=$?
expect memory-within-limit-survives "memhog exited with status $status under 128M" [ $status -eq 0 ]
oom_kill=$(stat_value "$cg/memory.events" oom_kill)
expect memory-within-limit-no-oom "oom_kill is '$oom_kill', expected 0" [ "${oom_kill:-0}" -eq 0 ]
remove_cgroup "$cg"
