#!/bin/sh
# corrald with the real systemd-journald (the host's, copied in by build-initramfs.sh): corrald's
# "Started" event and a service's output reach the journal under the unit's name (journalctl -u,
# CORRAL_UNIT=, corralctl logs), and corrald's manager hears READY=1 only once the start-up units are up.
. /lib/vmtest/lib.sh

if ! command -v systemd-journald > /dev/null || ! command -v journalctl > /dev/null; then
    info "no systemd-journald/journalctl in the guest (none on the host): journal checks skipped"
    pass corrald-journal-skipped
    exit 0
fi
# journald names its directory after the machine ID.
[ -s /etc/machine-id ] || echo 5a1e0c0ffee04bd0a0c0ffee5a1e0c0f > /etc/machine-id
mkdir -p /run/systemd/journal
systemd-journald > /dev/null 2>&1 &
JOURNALD_PID=$!
expect corrald-journal-journald-up "journald's socket did not appear" wait_for 10 test -S /run/systemd/journal/socket

CORRAL_UNIT_DIR=/run/units-journal
corral_unit hello.service '[Unit]
Description=Says hello
[Service]
ExecStart=/bin/sh -c "echo hello from hello.service; exec sleep 600"'
corral_unit slow.service '[Service]
Type=notify
ExecStart=/usr/local/bin/sdnotify ready 2'

sdnotify listen /run/notify 60 > /run/notify.log &
LISTENER_PID=$!
wait_for 5 test -S /run/notify
rm -rf "$CORRAL_RUNTIME_DIR"
: > "$CORRALD_LOG"
NOTIFY_SOCKET=/run/notify corrald --config /dev/null --unit-path "$CORRAL_UNIT_DIR" \
    --runtime-dir "$CORRAL_RUNTIME_DIR" --cgroup-root "$CORRAL_ROOT" --start slow.service >> "$CORRALD_LOG" 2>&1 &
CORRALD_PID=$!
expect corrald-journal-ready "no READY=1 within 30 s: $(cat /run/notify.log)" wait_for 30 grep -q ' READY=1$' /run/notify.log
state=$(corralctl is-active slow.service)
ready_ms=$(sed -n 's/ READY=1$//p' /run/notify.log)
expect corrald-journal-ready-after-startup "READY=1 after $ready_ms ms with slow.service $state" \
    [ "$state" = active -a "${ready_ms:-0}" -ge 2000 ]

corralctl start hello.service
expect corrald-journal-output "the service's line is not in journalctl -u hello.service: $(journalctl -q -u hello.service -o cat)" \
    wait_for 20 sh -c 'journalctl -q -u hello.service -o cat | grep -qx "hello from hello.service"'
started=$(journalctl -q CORRAL_UNIT=hello.service MESSAGE_ID=418b81d007cf4087a1e6fb8564d74d3b -o cat)
expect corrald-journal-started-event "CORRAL_UNIT= and MESSAGE_ID= found '$started'" [ "$started" = "Started Says hello." ]
expect corrald-journal-started-by-unit "journalctl -u hello.service lacks corrald's Started line" \
    sh -c 'journalctl -q -u hello.service -o cat | grep -qx "Started Says hello."'
info "journalctl -u hello.service: $(journalctl -q -u hello.service | tr '\n' '|')"
logs=$(corralctl logs hello.service -n 5)
expect corrald-journal-corralctl-logs "corralctl logs: $logs" \
    sh -c 'echo "$1" | grep -q " sh\[[0-9]*\]: hello from hello.service$" && echo "$1" | grep -q " corrald\[[0-9]*\]: Started Says hello.$"' - "$logs"
expect corrald-journal-stderr-quiet "corrald wrote to stderr with journald running: $(cat "$CORRALD_LOG")" [ ! -s "$CORRALD_LOG" ]

stop_corrald corrald-journal-stopped-clean
sleep 0.5
kill "$LISTENER_PID" "$JOURNALD_PID"; wait "$JOURNALD_PID" 2> /dev/null
heard=$(cut -d' ' -f2- /run/notify.log | tr '\n' '|')
info "notify socket heard: $heard"
# Before READY=1, corrald asks for time while slow.service starts (once every 5 s).
heard=$(echo "$heard" | sed -E 's/EXTEND_TIMEOUT_USEC=[0-9]+/EXTEND/g; s/(EXTEND\|)+/EXTEND|/')
expect corrald-journal-notify-sequence "heard $heard" \
    sh -c 'case "$1" in "bound|EXTEND|READY=1|STATUS=1 service active|STATUS=2 services active|STOPPING=1|"*"STATUS=0 services active|") ;; *) exit 1 ;; esac' - "$heard"
# Later scenarios run without journald, as before.
rm -rf /run/systemd/journal
