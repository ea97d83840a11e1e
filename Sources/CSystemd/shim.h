#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

/// Asks systemd, over its private socket (as systemctl does as root), for the transient scope
/// `name` in `slice` with Delegate=yes, made around process `pid`. Returns 0 once systemd has
/// queued the job, or a negative errno with the bus error's text in `error_text`. Inline C because
/// sd_bus_message_append is variadic, which Swift cannot call.
static inline int corral_start_delegated_scope(
    const char *name, const char *slice, const char *description, pid_t pid, char *error_text, size_t error_size) {
    sd_bus *bus = NULL;
    sd_bus_message *message = NULL, *reply = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
    if (r >= 0) r = sd_bus_start(bus);
    if (r >= 0)
        r = sd_bus_message_new_method_call(bus, &message, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
    if (r >= 0) r = sd_bus_message_append(message, "ss", name, "fail");
    if (r >= 0) r = sd_bus_message_open_container(message, 'a', "(sv)");
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Delegate", "b", 1);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Slice", "s", slice);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Description", "s", description);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
    if (r >= 0) r = sd_bus_message_close_container(message);
    if (r >= 0) r = sd_bus_message_append(message, "a(sa(sv))", 0);
    if (r >= 0) r = sd_bus_call(bus, message, 0, &error, &reply);
    if (r < 0)
        snprintf(error_text, error_size, "%s", error.message ? error.message : strerror(-r));
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_message_unref(message);
    sd_bus_flush_close_unref(bus);
    return r < 0 ? r : 0;
}
