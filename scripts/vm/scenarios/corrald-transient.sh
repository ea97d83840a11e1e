#!/bin/sh
# corralctl run, run --scope and set-property where limits are enforced: a transient service
# over its MemoryMax= is OOM-killed and `run --wait` reports it; a command run with --scope is
# inside the scope's cgroup under its limit; set-property MemoryMax= changes memory.max of a
# running unit at once and the change survives daemon-reload and a restart of corrald.
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-transient
corral_unit steady.service '[Service]
ExecStart=/bin/sleep 600'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

report=$(corralctl run --unit hog --wait -p MemoryMax=32M -- /usr/local/bin/memhog 64 2>&1)
code=$?
info "run --wait exited $code: $(echo "$report" | tr '\n' '|')"
expect transient-run-wait-oom-result "run --wait printed: $(echo "$report" | tr '\n' '|')" \
    sh -c 'echo "$1" | grep -qx "Finished with result: oom-kill"' - "$report"
expect transient-run-wait-oom-count "no OOM kill counted in: $(echo "$report" | tr '\n' '|')" \
    sh -c 'echo "$1" | grep -Eqx "OOM kills: [1-9][0-9]*"' - "$report"
expect transient-run-wait-exit-code "run --wait exited $code for a failed run" [ "$code" -ne 0 ]

scope=$(corralctl run --scope --unit here -p MemoryMax=40M -- \
    /bin/sh -c 'cg=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "$cg $(cat /sys/fs/cgroup$cg/memory.max)"' 2>/dev/null)
expect transient-scope-placement "the scoped shell saw '$scope'" \
    [ "$scope" = "/corral.slice/system.slice/here.scope 41943040" ]

corralctl start steady.service
cg=$(unit_cgroup steady.service)
before=$(cat "$cg/memory.max")
corralctl set-property steady.service MemoryMax=20M
expect transient-set-property-live "memory.max went from $before to $(cat "$cg/memory.max"), expected 20971520" \
    [ "$(cat "$cg/memory.max")" = 20971520 ]
corralctl daemon-reload
expect transient-set-property-reload "after daemon-reload: $(corralctl show steady.service -p MemoryMax)" \
    [ "$(corralctl show steady.service -p MemoryMax)" = MemoryMax=20971520 ]
stop_corrald transient-stopped-clean

start_corrald "$CORRAL_UNIT_DIR" || exit 0
corralctl start steady.service
expect transient-set-property-restart "after a restart of corrald memory.max is $(cat "$cg/memory.max"), expected 20971520" \
    [ "$(cat "$cg/memory.max")" = 20971520 ]
corralctl revert steady.service
expect transient-revert "after revert memory.max is $(cat "$cg/memory.max"), expected max" [ "$(cat "$cg/memory.max")" = max ]
stop_corrald transient-restarted-stopped-clean
