# Host-side helper for run.sh and systemd-run.sh: `. boot.sh`, then
#   boot_vm NAME LOG INITRAMFS MEMORY "KERNEL ARGS" [QEMU ARGS...]
# boots the VM (qemu TCG, Debian's cloud kernel, serial console on stdio) until it powers off or
# VM_TIMEOUT (default 300 s) passes, keeps the console log as .build-vm/LOG (console.log for
# run.sh, systemd-console.log for systemd-run.sh), prints
# "N passed, M failed" and returns non-zero when any check failed or the guest never printed
# its end marker.
boot_vm() {
    local name=$1 kept=$2 initramfs=$3 memory=$4 append=$5 log start elapsed passed failed
    shift 5
    log=$(dirname "$initramfs")/console.log
    start=$(date +%s)
    timeout -k 5 "${VM_TIMEOUT:-300}" qemu-system-x86_64 \
        -accel tcg -cpu max -smp 2 -m "$memory" \
        -kernel "$cache/kernel/vmlinuz" -initrd "$initramfs" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 $append" \
        -display none -monitor none -serial stdio -no-reboot "$@" \
        < /dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" || true
    elapsed=$(( $(date +%s) - start ))
    passed=$(grep -c '^PASS ' "$log" || true)
    failed=$(grep -c '^FAIL ' "$log" || true)
    if ! grep -qx 'VMTEST END' "$log"; then
        echo "FAIL vm: no end marker (guest hung, crashed or timed out after ${VM_TIMEOUT:-300} s)"
        failed=$((failed + 1))
    fi
    cp "$log" "$cache/$kept"
    echo "$name: VM ran for $elapsed s, console log in $cache/$kept"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
