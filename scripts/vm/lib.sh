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

# Creates a fresh cgroup under the root and prints its path.
make_cgroup() {
    local path="$CGROUP_ROOT/$1"
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
