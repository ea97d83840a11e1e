#!/bin/sh
# The root cgroup offers, and delegates to its children, every controller Corral writes.
. /lib/vmtest/lib.sh

for controller in cpuset cpu io memory pids; do
    expect "controller-available-$controller" "not in cgroup.controllers: $(cat $CGROUP_ROOT/cgroup.controllers)" \
        grep -qw "$controller" "$CGROUP_ROOT/cgroup.controllers"
    expect "controller-enabled-$controller" "not in cgroup.subtree_control: $(cat $CGROUP_ROOT/cgroup.subtree_control)" \
        grep -qw "$controller" "$CGROUP_ROOT/cgroup.subtree_control"
done
