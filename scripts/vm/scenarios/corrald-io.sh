#!/bin/sh
# corrald + IOWriteBandwidthMax=/dev/vda 2M: direct writes by the service run at
# 2 MB/s (base 1000) and io.max holds the limit; the writes match the plan.
. /lib/vmtest/lib.sh

device=$(cat /sys/block/vda/dev)
bytes=$((24 * 262144))
# The service times its own writes with the guest clock.
cat > /run/io-writer.sh <<'SCRIPT'
cut -d' ' -f1 /proc/uptime > /run/io.times
dd if=/dev/zero of=/dev/vda bs=256k count=24 oflag=direct 2> /dev/null
cut -d' ' -f1 /proc/uptime >> /run/io.times
SCRIPT
CORRAL_UNIT_DIR=/run/units-io
corral_unit writer.service '[Service]
Type=oneshot
ExecStart=/bin/sh /run/io-writer.sh
IOWriteBandwidthMax=/dev/vda 2M'
# The same limit on a service that stays up, to read io.max back while it runs.
corral_unit limited.service '[Service]
ExecStart=/bin/sleep 600
IOWriteBandwidthMax=/dev/vda 2M'
start_corrald "$CORRAL_UNIT_DIR" || exit 0

corralctl start limited.service
cg=$(unit_cgroup limited.service)
expect corrald-io-max "io.max reads '$(cat "$cg/io.max")', expected '$device rbps=max wbps=2000000 riops=max wiops=max'" \
    [ "$(cat "$cg/io.max")" = "$device rbps=max wbps=2000000 riops=max wiops=max" ]
check_plan limited.service
corralctl stop limited.service

# A oneshot's start returns when its command has finished.
corralctl start writer.service
status=$?
start=$(sed -n 1p /run/io.times)
end=$(sed -n 2p /run/io.times)
expect corrald-io-oneshot-succeeded "corralctl start writer.service exited $status" [ $status -eq 0 ]
rate=$(awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", b / (e - s) }')
info "writer.service: $bytes bytes in $start..$end s = $rate B/s"
expect corrald-io-rate "wrote $bytes bytes in $start..$end s = $rate B/s, expected 2000000 +-25%" \
    within "$rate" 1500000 2500000

stop_corrald corrald-io-stopped-clean
