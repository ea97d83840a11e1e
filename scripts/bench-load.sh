#!/bin/bash
# Benchmark: time for `corralctl verify` to load 1000 generated units, each with two drop-ins,
# plus a type-wide drop-in; median of 5 runs. Prints one Markdown table row per measurement.
set -euo pipefail
corralctl=${1:?usage: bench-load.sh PATH/TO/corralctl}
count=${COUNT:-1000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/service.d"
printf '[Service]\nTasksAccounting=yes\n' > "$dir/service.d/00-all.conf"
names=()
for i in $(seq 1 "$count"); do
    name="bench-$i.service"
    names+=("$name")
    cat > "$dir/$name" <<UNIT
[Unit]
Description=Benchmark unit $i
After=network.target

[Service]
ExecStart=/bin/sh -c 'echo %n; sleep 1000'
Environment="A=1" "B=two words"
MemoryMax=$((i % 512 + 64))M
CPUQuota=$((i % 90 + 10))%
TasksMax=64
UNIT
    mkdir -p "$dir/$name.d"
    printf '[Service]\nMemoryHigh=50M\nIOWeight=200\n' > "$dir/$name.d/10-memory.conf"
    printf '[Unit]\nWants=other.service\n[Service]\nRestart=on-failure\n' > "$dir/$name.d/20-restart.conf"
done
times=()
for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$corralctl" verify --unit-path "$dir" "${names[@]}" > /dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "| load $count units with 3 drop-ins each (corralctl verify) | ${median} ms | runs: ${times[*]} ms |"
