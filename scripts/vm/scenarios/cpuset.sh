#!/bin/sh
# cpuset.cpus = 1: a process in the cgroup may run on CPU 1 only.
. /lib/vmtest/lib.sh

expect cpuset-two-cpus "guest has $(nproc) cpus, expected 2" [ "$(nproc)" -eq 2 ]
cg=$(make_cgroup vmtest-cpuset)
echo 1 > "$cg/cpuset.cpus"
expect cpuset-effective "cpuset.cpus.effective is '$(cat "$cg/cpuset.cpus.effective")'" \
    [ "$(cat "$cg/cpuset.cpus.effective")" = 1 ]
allowed=$(run_in "$cg" awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)
expect cpuset-cpus-allowed "Cpus_allowed_list is '$allowed', expected 1" [ "$allowed" = 1 ]
remove_cgroup "$cg"
