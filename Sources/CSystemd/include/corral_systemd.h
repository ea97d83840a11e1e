#pragma once
// libsystemd's sd-daemon, sd-journal, sd-bus and sd-id128, loaded on first use: systemd.c defines
// the functions Corral calls, each finding libsystemd.so.0's own with dlopen/dlsym the first time
// it is called, so that neither binary pays for loading libsystemd and its seven libraries when
// it does not use them (corralctl mostly does not). Without the library each one fails as the
// library would without its service: -ENOSYS (NULL, nothing, for the unref and free functions).
// The plain sd_journal_send* functions, not the macros that add the C caller's file and line.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

/// Asks systemd (its private socket, as systemctl does as root) for the transient scope `name` in
/// `slice` with Delegate=yes, made around process `pid`. Returns once systemd has queued the job: 0,
/// or a negative errno with the bus error's text in `error_text`. In C because
/// sd_bus_message_append is variadic, which Swift cannot call.
int corral_start_delegated_scope(
    const char *name, const char *slice, const char *description, pid_t pid, char *error_text, size_t error_size);

/// Calls the manager's `method`: with a unit name and a job mode when `unit` is set (StartUnit),
/// with no arguments otherwise (Reboot, PowerOff). As corral_start_delegated_scope.
int corral_call_manager(const char *method, const char *unit, const char *mode, char *error_text, size_t error_size);
