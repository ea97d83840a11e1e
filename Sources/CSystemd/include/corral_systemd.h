#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

/// Opens systemd's private socket (as systemctl does as root) and starts a call of one of the
/// manager's methods in `message`. Returns a negative errno on failure.
static inline int corral_manager_call_begin(sd_bus **bus, sd_bus_message **message, const char *method) {
    int r = sd_bus_new(bus);
    if (r >= 0) r = sd_bus_set_address(*bus, "unix:path=/run/systemd/private");
    if (r >= 0) r = sd_bus_start(*bus);
    if (r >= 0)
        r = sd_bus_message_new_method_call(*bus, message, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", method);
    return r;
}

/// Sends the call begun by corral_manager_call_begin (unless `r` is already an error), waits for
/// the reply and frees everything. Returns 0, or a negative errno with the bus error's text in
/// `error_text`.
static inline int corral_manager_call_end(int r, sd_bus *bus, sd_bus_message *message, char *error_text,
                                          size_t error_size) {
    sd_bus_message *reply = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    if (r >= 0) r = sd_bus_call(bus, message, 0, &error, &reply);
    if (r < 0)
        snprintf(error_text, error_size, "%s", error.message ? error.message : strerror(-r));
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_message_unref(message);
    sd_bus_flush_close_unref(bus);
    return r < 0 ? r : 0;
}

/// Asks systemd for the transient scope `name` in `slice` with Delegate=yes, made around process
/// `pid`. Returns once systemd has queued the job (see corral_manager_call_end). Inline C because
/// sd_bus_message_append is variadic, which Swift cannot call.
static inline int corral_start_delegated_scope(
    const char *name, const char *slice, const char *description, pid_t pid, char *error_text, size_t error_size) {
    sd_bus *bus = NULL;
    sd_bus_message *message = NULL;
    int r = corral_manager_call_begin(&bus, &message, "StartTransientUnit");
    if (r >= 0) r = sd_bus_message_append(message, "ss", name, "fail");
    if (r >= 0) r = sd_bus_message_open_container(message, 'a', "(sv)");
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Delegate", "b", 1);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Slice", "s", slice);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Description", "s", description);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
    if (r >= 0) r = sd_bus_message_close_container(message);
    if (r >= 0) r = sd_bus_message_append(message, "a(sa(sv))", 0);
    return corral_manager_call_end(r, bus, message, error_text, error_size);
}

/// Calls the manager's `method`: with a unit name and a job mode when `unit` is set (StartUnit),
/// with no arguments otherwise (Reboot, PowerOff). See corral_manager_call_end.
static inline int corral_call_manager(const char *method, const char *unit, const char *mode, char *error_text,
                                      size_t error_size) {
    sd_bus *bus = NULL;
    sd_bus_message *message = NULL;
    int r = corral_manager_call_begin(&bus, &message, method);
    if (r >= 0 && unit) r = sd_bus_message_append(message, "ss", unit, mode);
    return corral_manager_call_end(r, bus, message, error_text, error_size);
}
