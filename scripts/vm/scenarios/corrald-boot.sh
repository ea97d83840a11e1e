#!/bin/sh
# Boot-time enablement: two units enabled into multi-user.target (the second ordered after the
# first, a Type=notify service that takes a second to be ready) and set-default
# multi-user.target; corrald started with nothing named brings both up in that order, leaves a
# disabled unit alone, and sends READY=1 to its own notify socket only once the default target is up.
. /lib/vmtest/lib.sh

CORRAL_UNIT_DIR=/run/units-boot
corral_unit multi-user.target '[Unit]
Description=Multi-User System'
corral_unit first.service '[Service]
Type=notify
ExecStart=/usr/local/bin/sdnotify ready 1
[Install]
WantedBy=multi-user.target'
corral_unit second.service '[Unit]
After=first.service
[Service]
ExecStart=/bin/sleep 600
[Install]
WantedBy=multi-user.target'
corral_unit off.service '[Service]
ExecStart=/bin/sleep 600
[Install]
WantedBy=multi-user.target'
corralctl enable --unit-path "$CORRAL_UNIT_DIR" first.service second.service 2> /dev/null
corralctl set-default --unit-path "$CORRAL_UNIT_DIR" multi-user.target 2> /dev/null
expect boot-enabled "is-enabled says: $(corralctl is-enabled --unit-path "$CORRAL_UNIT_DIR" first.service second.service off.service | tr '\n' ' ')" \
    [ "$(corralctl is-enabled --unit-path "$CORRAL_UNIT_DIR" first.service second.service off.service | tr '\n' ' ')" = "enabled enabled disabled " ]

sdnotify listen /run/boot-notify 60 > /run/boot-notify.log &
LISTENER_PID=$!
wait_for 5 test -S /run/boot-notify
rm -rf "$CORRAL_RUNTIME_DIR"
: > "$CORRALD_LOG"
NOTIFY_SOCKET=/run/boot-notify corrald --config /dev/null --unit-path "$CORRAL_UNIT_DIR" \
    --runtime-dir "$CORRAL_RUNTIME_DIR" --cgroup-root "$CORRAL_ROOT" >> "$CORRALD_LOG" 2>&1 &
CORRALD_PID=$!
expect boot-ready "no READY=1 within 30 s: $(cat /run/boot-notify.log | tr '\n' '|')" wait_for 30 grep -q ' READY=1$' /run/boot-notify.log
states=$(for unit in multi-user.target first.service second.service off.service; do corralctl is-active $unit; done | tr '\n' ' ')
expect boot-states "after READY=1: $states" [ "$states" = "active active active inactive " ]
ready_ms=$(sed -n 's/ READY=1$//p' /run/boot-notify.log)
expect boot-ready-after-default-target "READY=1 came after $ready_ms ms, before first.service could be ready" [ "${ready_ms:-0}" -ge 1000 ]
order=$(sed -n 's/^corrald: \(first\|second\).service: Started .*/\1/p' "$CORRALD_LOG" | tr '\n' ' ')
expect boot-order "started in the order: $order" [ "$order" = "first second " ]

stop_corrald boot-stopped-clean
kill "$LISTENER_PID" 2> /dev/null
