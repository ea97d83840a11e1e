# Helpers for guest scenarios: `. /lib/vmtest/lib.sh` at the top of a scenario.
# A scenario reports each check as a line "PASS name" or "FAIL name: reason" and
# exits 0; a non-zero exit is reported by /init as a failure of the scenario.

CGROUP_ROOT=/sys/fs/cgroup

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect NAME REASON COMMAND...: PASS when COMMAND succeeds, otherwise FAIL with REASON.
expect() {
    local name=$1 reason=$2
    shift 2
    if "$@"; then pass "$name"; else fail "$name" "$reason"; fi
}

# Creates a fresh cgroup under the root, with every controller the kernel has enabled for it, and
# prints its path (for the kernel-only scenarios, which run no corrald).
make_cgroup() {
    local path="$CGROUP_ROOT/$1" controller
    for controller in $(cat "$CGROUP_ROOT/cgroup.controllers"); do
        echo "+$controller" > "$CGROUP_ROOT/cgroup.subtree_control"
    done
    [ -d "$path" ] && remove_cgroup "$path"
    mkdir "$path" && echo "$path"
}

# Kills every process in a cgroup and removes it.
remove_cgroup() {
    echo 1 > "$1/cgroup.kill" 2>/dev/null
    local tries=0
    while ! rmdir "$1" 2>/dev/null && [ $tries -lt 50 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
}

# run_in CGROUP COMMAND...: runs COMMAND inside CGROUP (in the foreground).
run_in() {
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' run_in "$@"
}

# The value of KEY in a flat-keyed file such as memory.events or cpu.stat.
stat_value() {
    awk -v key="$2" '$1 == key { print $2 }' "$1"
}

# Seconds since boot, with centisecond resolution.
uptime_seconds() {
    cut -d' ' -f1 /proc/uptime
}

# within VALUE LOW HIGH: succeeds when LOW <= VALUE <= HIGH (decimals allowed).
within() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# Prints a measurement for the log; the runner ignores these lines.
info() { echo "INFO $*"; }

# --- corrald in the guest -------------------------------------------------------
# start_corrald UNITDIR: runs corrald in the background with its cgroup root at
# /sys/fs/cgroup/corral.slice, its sockets in /run/corral (exported as
# CORRAL_RUNTIME_DIR for corralctl) and its log in /run/corrald.log; returns once the
# control socket exists. stop_corrald ends it.
CORRAL_ROOT=$CGROUP_ROOT/corral.slice
CORRALD_LOG=/run/corrald.log
export CORRAL_RUNTIME_DIR=/run/corral

start_corrald() {
    CORRAL_UNIT_DIR=$1
    rm -rf "$CORRAL_RUNTIME_DIR"
    : > "$CORRALD_LOG"
    corrald --config /dev/null --unit-path "$CORRAL_UNIT_DIR" --runtime-dir "$CORRAL_RUNTIME_DIR" \
        --cgroup-root "$CORRAL_ROOT" >> "$CORRALD_LOG" 2>&1 &
    CORRALD_PID=$!
    local tries=0
    while [ ! -S "$CORRAL_RUNTIME_DIR/control" ]; do
        tries=$((tries + 1))
        if [ $tries -gt 300 ] || ! kill -0 "$CORRALD_PID" 2>/dev/null; then
            fail corrald-start "no control socket after $tries tries; log: $(cat "$CORRALD_LOG")"
            return 1
        fi
        sleep 0.1
    done
}

# restart_corrald: starts corrald again on the same runtime directory (its records and
# sockets stay), as after a crash; returns once it answers on its control socket.
restart_corrald() {
    corrald --config /dev/null --unit-path "$CORRAL_UNIT_DIR" --runtime-dir "$CORRAL_RUNTIME_DIR" \
        --cgroup-root "$CORRAL_ROOT" >> "$CORRALD_LOG" 2>&1 &
    CORRALD_PID=$!
    wait_for 30 sh -c 'corralctl list-jobs > /dev/null 2>&1' || {
        fail corrald-restart "corrald does not answer after a restart; log: $(tail -20 "$CORRALD_LOG")"
        return 1
    }
}

# stop_corrald NAME: SIGTERM, waits for corrald to exit, and checks (as check NAME)
# that it exited 0 and that no process and no unit or slice cgroup is left under its root.
# corrald's own leaf, corrald.scope, outlives it (corrald cannot remove the cgroup it is
# in); it must be empty, and is removed here so the next scenario starts clean.
stop_corrald() {
    kill -TERM "$CORRALD_PID"
    wait "$CORRALD_PID"
    local status=$? left children
    left=$(find "$CORRAL_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null | wc -l)
    children=$(find "$CORRAL_ROOT" -mindepth 1 -type d ! -path "$CORRAL_ROOT/corrald.scope" 2>/dev/null)
    expect "$1" "corrald exited $status, $left processes left, cgroups left: $(echo $children)" \
        [ "$status.$left.$children" = 0.0. ]
    rmdir "$CORRAL_ROOT/corrald.scope" 2>/dev/null && info "corrald left corral.slice/corrald.scope behind (empty; removed)"
}

# corral_unit NAME CONTENTS: writes a unit file into the unit directory given to start_corrald
# (or CORRAL_UNIT_DIR set before).
corral_unit() {
    mkdir -p "$CORRAL_UNIT_DIR"
    printf '%s\n' "$2" > "$CORRAL_UNIT_DIR/$1"
}

# unit_cgroup NAME: the absolute path of a unit's cgroup, from the CGroup: line of
# `corralctl plan` (so it holds whether the unit runs or not).
unit_cgroup() {
    echo "$CORRAL_ROOT$(corralctl plan --unit-path "$CORRAL_UNIT_DIR" "$1" | sed -n 's/^CGroup: //p')"
}

# unit_main_pid NAME: the Main PID that `corralctl status` shows (empty when none).
unit_main_pid() {
    corralctl status "$1" | sed -n 's/^ *Main PID: \([0-9][0-9]*\).*/\1/p'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; fails after SECONDS.
wait_for() {
    local limit=$(($1 * 10)) tries=0
    shift
    until "$@"; do
        tries=$((tries + 1))
        [ $tries -ge $limit ] && return 1
        sleep 0.1
    done
}

# plan_writes NAME: the planned writes of a unit, one "FILE<TAB>VALUE" a line, from the
# text output of `corralctl plan` (columns file, value, directive under "Writes:"; the
# value may hold spaces, "" stands for the empty value).
plan_writes() {
    corralctl plan --unit-path "$CORRAL_UNIT_DIR" "$1" | awk '
        /^Writes:/ { inside = 1; next }
        /^[^ ]/ { inside = 0 }
        inside && NF >= 3 {
            value = $2
            for (i = 3; i < NF; i++) value = value " " $i
            if (value == "\"\"") value = ""
            printf "%s\t%s\n", $1, value
        }'
}

# cpu_list LIST: a cpuset list ("0-2,5") expanded to one number a line.
cpu_list() {
    echo "$1" | tr ',' '\n' | awk -F- 'NF == 1 && $1 != "" { print $1 } NF == 2 { for (i = $1; i <= $2; i++) print i }'
}

# io_max_holds FILE "MAJ:MIN k=v ...": every k=v is on the device's line of FILE (io.max);
# a device without a line has every key at max.
io_max_holds() {
    local line pair
    line=$(grep "^${2%% *} " "$1")
    for pair in ${2#* }; do
        case " $line " in *" $pair "*) continue ;; esac
        [ -z "$line" ] && [ "${pair#*=}" = max ] && continue
        return 1
    done
}

# check_plan NAME: every write `corralctl plan NAME` promises is in the unit's cgroup, as the
# kernel prints it back: one check "plan-NAME" listing the files compared, or one FAIL per
# file that differs. Normalizations, per file:
#   io.max        "MAJ:MIN k=v ...": the kernel lists the device with all four keys; each
#                 written k=v must appear on its line (a device with every key at max
#                 has no line).
#   io.weight, io.bfq.weight
#                 "default N" and "MAJ:MIN N" read back as lines of the file.
#   cpuset.cpus, cpuset.mems
#                 compared as expanded lists ("0-1" = "0,1"); empty means inherit and
#                 reads back empty.
#   anything else (memory.*, cpu.max, cpu.weight, cpu.idle, pids.max, ...): read back
#                 exactly as written (the planner writes bytes and "max", as the kernel
#                 prints them; cpu.max "20000 100000" reads back as written).
# A file the kernel does not offer (io.bfq.weight without bfq) is skipped and named in the
# PASS line.
check_plan() {
    local unit=$1 cg file value actual same compared="" skipped="" bad=0
    cg=$(unit_cgroup "$unit")
    plan_writes "$unit" > /tmp/plan.writes
    [ -s /tmp/plan.writes ] || { fail "plan-$unit" "corralctl plan lists no writes"; return; }
    while IFS="$(printf '\t')" read -r file value; do
        if [ ! -e "$cg/$file" ]; then
            skipped="$skipped $file"
            continue
        fi
        actual=$(cat "$cg/$file")
        case $file in
        io.max) io_max_holds "$cg/$file" "$value" ;;
        io.weight | io.bfq.weight) grep -qxF "$value" "$cg/$file" ;;
        cpuset.cpus | cpuset.mems) [ "$(cpu_list "$value")" = "$(cpu_list "$actual")" ] ;;
        *) [ "$actual" = "$value" ] ;;
        esac
        same=$?
        if [ $same -eq 0 ]; then
            compared="$compared $file"
        else
            fail "plan-$unit" "corralctl plan promises $file '$value', $cg/$file holds '$actual'"
            bad=1
        fi
    done < /tmp/plan.writes
    [ $bad -eq 0 ] && pass "plan-$unit (as planned:$compared${skipped:+; not offered by the kernel:$skipped})"
}
