#!/bin/sh
# The exec sandbox on the VM's kernel, with a real (tmpfs) root: for each setting, a transient
# service runs the probe (scripts/vm/probe.c), which tries the one thing the setting forbids, and
# the kernel's answer is compared with the one systemd 252 gives (asked in the systemd VM), beside
# the answer without the setting so that each check can fail.
. /lib/vmtest/lib.sh

start_corrald /run/units-sandbox || exit 0

# sandboxed PROPERTIES... -- COMMAND...: what the command printed in a transient service (each
# property one argument, blanks and all).
sandboxed() {
    local count=$# properties=1 argument
    for argument; do
        if [ $properties = 1 ] && [ "$argument" = -- ]; then
            properties=0
            set -- "$@" --
        elif [ $properties = 1 ]; then
            set -- "$@" -p "$argument"
        else
            set -- "$@" "$argument"
        fi
    done
    shift "$count"
    corralctl run --quiet --wait --pipe --collect "$@" 2>&1
}

# check NAME EXPECTED PROPERTIES... -- COMMAND...: the sandboxed command prints EXPECTED.
check() {
    local name=$1 expected=$2 output
    shift 2
    output=$(sandboxed "$@")
    expect "sandbox-$name" "printed '$(echo "$output" | tr '\n' '|')', expected '$expected'" [ "$output" = "$expected" ]
}

mkdir -p /var/lib/probe
check protect-system-off ok -- probe create /usr/probe-plain
check protect-system-strict "errno 30" ProtectSystem=strict -- probe create /usr/probe-strict
check protect-system-strict-etc "errno 30" ProtectSystem=strict -- probe create /etc/probe-strict
check read-write-paths ok ProtectSystem=strict ReadWritePaths=/var/lib/probe -- probe create /var/lib/probe/file
check protect-system-yes-etc ok ProtectSystem=yes -- probe create /etc/probe-yes
check read-only-paths "errno 30" ReadOnlyPaths=/var/lib/probe -- probe create /var/lib/probe/other
check inaccessible-paths "errno 13" User=nobody InaccessiblePaths=/etc -- probe read /etc/passwd
check inaccessible-paths-off ok User=nobody -- probe read /etc/passwd
check protect-home "errno 13" User=nobody ProtectHome=yes -- probe read /root
check protect-kernel-tunables "errno 30" ProtectKernelTunables=yes -- probe open-write /proc/sys/kernel/domainname
check protect-kernel-tunables-off ok -- probe open-write /proc/sys/kernel/domainname
check protect-control-groups "errno 30" ProtectControlGroups=yes -- probe open-write /sys/fs/cgroup/cgroup.subtree_control
check private-devices "errno 2" PrivateDevices=yes -- probe read /dev/vda
check private-devices-off ok -- probe read /dev/vda
check private-devices-null ok PrivateDevices=yes -- probe open-write /dev/null
check device-policy-closed "errno 1" DevicePolicy=closed -- probe read /dev/vda
check device-allow-read ok "DeviceAllow=/dev/vda r" -- probe read /dev/vda
check device-allow-no-write "errno 1" "DeviceAllow=/dev/vda r" -- probe open-write /dev/vda
check device-allow-driver ok DevicePolicy=strict DeviceAllow=block-virtblk -- probe read /dev/vda
# An inaccessible device is a node on a nodev mount: opening it is refused with EACCES.
check protect-kernel-logs "errno 13" ProtectKernelLogs=yes -- probe open-write /dev/kmsg
check protect-kernel-logs-off ok -- probe open-write /dev/kmsg
: > /tmp/host-file
check private-tmp "errno 2" PrivateTmp=yes -- probe read /tmp/host-file
check temporary-file-system "errno 2" TemporaryFileSystem=/var/lib -- probe read /var/lib/probe/file
check bind-read-only "errno 30" BindReadOnlyPaths=/var/lib/probe:/mnt -- probe create /mnt/new
cp /usr/local/bin/probe /var/lib/probe/probe
check no-exec-paths "errno 13" NoExecPaths=/var/lib/probe -- probe exec /var/lib/probe/probe

check address-families "errno 97" RestrictAddressFamilies=AF_UNIX -- probe socket inet
check address-families-unix ok RestrictAddressFamilies=AF_UNIX -- probe socket unix
check mount-errno "errno 1" SystemCallFilter=~@mount SystemCallErrorNumber=EPERM -- probe mount
output=$(corralctl run --wait --collect -p SystemCallFilter=~@mount -- probe mount 2>&1)
expect sandbox-mount-sigsys "run --wait printed '$(echo "$output" | tr '\n' '|')'" \
    sh -c 'echo "$1" | grep -q "signal=SYS"' - "$output"
check restrict-namespaces "errno 1" RestrictNamespaces=yes -- probe unshare user
check restrict-namespaces-off ok -- probe unshare user
# IPAddressDeny=/IPAddressAllow=: the egress program drops a datagram to a denied address (EPERM);
# an allowed address inside a denied range, or in a slice that denies it, passes.
ip link set lo up 2>/dev/null || ifconfig lo up
check ip-send-plain ok -- probe send 127.0.0.2
check ip-deny "errno 1" IPAddressDeny=127.0.0.0/8 -- probe send 127.0.0.2
check ip-deny-v6 "errno 1" IPAddressDeny=any -- probe send ::1
check ip-allow-inside-deny ok IPAddressDeny=any IPAddressAllow=127.0.0.2 -- probe send 127.0.0.2
corral_unit closed.slice '[Slice]
IPAddressDeny=any'
check ip-deny-from-slice "errno 1" Slice=closed.slice -- probe send 127.0.0.2
# SystemCallLog=: the kernel's audit logs the listed calls (uname(2) is 63 on x86_64) and lets
# them run; a deny list logs the others (the kernel prints only the first ten of a burst).
audited() { dmesg | grep -c "type=1326.* syscall=$1 "; }
all_audited() { dmesg | grep -c 'type=1326'; }
before=$(audited 63)
check system-call-log-runs Linux SystemCallLog=uname -- uname -s
expect sandbox-system-call-log "audit lines for uname(2): $before before, $(audited 63) after" [ "$(audited 63)" -gt "$before" ]
before=$(audited 63)
others=$(all_audited)
check system-call-log-unlisted-runs Linux SystemCallLog=~uname -- uname -s
expect sandbox-system-call-log-unlisted \
    "audit lines: uname(2) $before before, $(audited 63) after; all $others before, $(all_audited) after" \
    [ "$(audited 63)" = "$before" -a "$(all_audited)" -gt "$others" ]
# The README's hardened run: every filter loaded, the system call filter last.
check hardened-profile ok SystemCallFilter=@system-service ProtectSystem=strict PrivateTmp=yes PrivateDevices=yes \
    CapabilityBoundingSet= RestrictAddressFamilies=AF_UNIX -- probe socket unix
check bounding-set "CapBnd:	0000000000001000" CapabilityBoundingSet=CAP_NET_ADMIN -- grep ^CapBnd: /proc/self/status
# systemd 252 prints this set for the four protections together.
check implied-bounding-set "CapBnd:	000001f3f5fcffff" PrivateDevices=yes ProtectClock=yes ProtectKernelModules=yes \
    ProtectKernelLogs=yes -- grep ^CapBnd: /proc/self/status
check private-devices-list "char core fd full hugepages log mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" \
    PrivateDevices=yes -- /bin/sh -c 'echo $(ls /dev)'

for type in net ipc mnt uts user; do
    host=$(readlink /proc/1/ns/$type)
    case $type in
    net) setting=PrivateNetwork=yes ;;
    ipc) setting=PrivateIPC=yes ;;
    mnt) setting=PrivateMounts=yes ;;
    uts) setting=ProtectHostname=yes ;;
    user) setting=PrivateUsers=yes ;;
    esac
    own=$(sandboxed "$setting" -- readlink /proc/self/ns/$type)
    expect "sandbox-namespace-$type" "$setting: $own, PID 1: $host" [ -n "$own" -a "$own" != "$host" ]
done
check private-users-map "0 0 1|65534 65534 1" PrivateUsers=yes User=nobody -- \
    /bin/sh -c "tr -s \" \" < /proc/self/uid_map | sed \"s/^ //\" | tr \"\\n\" \"|\" | sed \"s/|\$//\""
check private-users-no-host-privilege "errno 1" PrivateUsers=yes -- probe mount
# DynamicUser=: a number from 61184-65519; the state directory is the only one in /var/lib/private.
dynamic=$(sandboxed DynamicUser=yes StateDirectory=dynamic-probe -- /bin/sh -c "id -u; ls /var/lib/private")
expect sandbox-dynamic-user "printed '$(echo "$dynamic" | tr '\n' '|')'" \
    sh -c '[ "$(echo "$1" | sed -n 2p)" = dynamic-probe ] && [ "$(echo "$1" | head -1)" -ge 61184 ] && [ "$(echo "$1" | head -1)" -le 65519 ]' - "$dynamic"
check private-network-interfaces "lo" PrivateNetwork=yes -- /bin/sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \""

stop_corrald sandbox-corrald-stopped
