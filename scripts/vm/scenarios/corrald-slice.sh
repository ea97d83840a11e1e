#!/bin/sh
# corrald + a slice with MemoryMax=48M holding two services of 32 MiB each: the slice
# stays under 48M, the kernel OOM-kills one of them or both (Result: oom-kill), any other
# runs on; the writes of the slice and the services match the plan.
. /lib/vmtest/lib.sh

limit=$((48 * 1048576))
CORRAL_UNIT_DIR=/run/units-slice
corral_unit capped.slice '[Slice]
MemoryMax=48M'
for name in first second; do
    corral_unit $name.service '[Service]
Slice=capped.slice
ExecStart=/usr/local/bin/memhog 32 hold'
done
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start first.service
first=$(unit_cgroup first.service)
slice=$(dirname "$first")
expect corrald-slice-first-holds "first.service charged $(cat "$first/memory.current") bytes after 20 s" \
    wait_for 20 sh -c '[ "$(cat "$1/memory.current")" -ge 33554432 ]' - "$first"
check_plan capped.slice
check_plan first.service
corralctl start second.service
expect corrald-slice-one-failed "neither service failed after 20 s: first $(corralctl is-active first.service), second $(corralctl is-active second.service)" \
    wait_for 20 sh -c 'corralctl is-failed first.service > /dev/null || corralctl is-failed second.service > /dev/null'
settled() {
    for name in first second; do
        case $(corralctl is-active $name.service) in active | failed) ;; *) return 1 ;; esac
    done
}
expect corrald-slice-settled "a service still changing state after 20 s" wait_for 20 settled
current=$(cat "$slice/memory.current")
oom=$(stat_value "$slice/memory.events" oom_kill)
info "capped.slice: memory.current $current, memory.events: $(cat "$slice/memory.events" | tr '\n' ' ')"
for name in first second; do
    info "$name.service: $(corralctl status $name.service | sed -n 's/^ *Active: //p')"
done
expect corrald-slice-memory-current "capped.slice memory.current is $current, expected <= $limit" [ "$current" -le $limit ]
expect corrald-slice-oom-kill "capped.slice memory.events oom_kill is '$oom', expected >= 1" [ "${oom:-0}" -ge 1 ]
# The kernel picks its victims: one service, or both when it kills again before the first
# victim's memory is freed. What it guarantees: at least one is killed, every service that
# failed failed by the OOM killer, and every other still runs.
failed=0 oom_failed=0 running=0
for name in first second; do
    if corralctl is-failed $name.service > /dev/null; then
        failed=$((failed + 1))
        corralctl status $name.service | grep -q 'Result: oom-kill' && oom_failed=$((oom_failed + 1))
    elif corralctl is-active $name.service > /dev/null; then
        running=$((running + 1))
    fi
done
expect corrald-slice-result-oom-kill "$failed services failed, $oom_failed of them with Result: oom-kill" \
    [ "$failed" -ge 1 -a "$oom_failed" -eq "$failed" ]
expect corrald-slice-others-run "$running of $((2 - failed)) services that were not killed are active" \
    [ "$running" -eq $((2 - failed)) ]

stop_corrald corrald-slice-stopped-clean
