#!/bin/sh
# io.max wbps=2 MB/s on the virtio disk: direct writes run at about 2 MB/s.
. /lib/vmtest/lib.sh

device=$(cat /sys/block/vda/dev)
cg=$(make_cgroup vmtest-io)
echo "$device wbps=2097152" > "$cg/io.max"
expect io-max-written "io.max reads '$(cat "$cg/io.max")'" grep -q "^$device rbps=max wbps=2097152 " "$cg/io.max"

bytes=$((12 * 1048576))
start=$(uptime_seconds)
run_in "$cg" dd if=/dev/zero of=/dev/vda bs=256K count=48 oflag=direct 2>/dev/null
status=$?
end=$(uptime_seconds)
expect io-dd-succeeded "dd exited with status $status" [ $status -eq 0 ]
rate=$(awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", b / (e - s) }')
info "io: $bytes bytes in $(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }') s = $rate B/s"
expect io-max-rate "wrote $bytes bytes in $start..$end s = $rate B/s, expected 2097152 +-25%" \
    within "$rate" 1572864 2621440
written=$(awk -v dev="$device" '$1 == dev { for (i = 2; i <= NF; i++) if ($i ~ /^wbytes=/) { sub("wbytes=", "", $i); print $i } }' "$cg/io.stat")
expect io-stat-wbytes "io.stat wbytes is '$written', expected $bytes" [ "${written:-0}" -eq $bytes ]
remove_cgroup "$cg"
