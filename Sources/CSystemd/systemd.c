#include "corral_systemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void *library;
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void open_library(void) { library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL); }

/// libsystemd's `name`, the library loaded the first time; NULL without it.
static void *systemd_symbol(const char *name) {
    pthread_once(&library_once, open_library);
    return library ? dlsym(library, name) : NULL;
}

// libsystemd's `name` (typed as the header declares ours), found once and kept.
#define SYSTEMD_FUNCTION(name)                                                                     \
    static __typeof__(&name) cached;                                                               \
    __typeof__(&name) function = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);                       \
    if (!function) {                                                                               \
        function = (__typeof__(&name))systemd_symbol(#name);                                       \
        __atomic_store_n(&cached, function, __ATOMIC_RELEASE);                                     \
    }

// Defines `name` to call libsystemd's, or to return `failure` without it.
#define FORWARD(result, failure, name, parameters, arguments)                                      \
    result name parameters {                                                                       \
        SYSTEMD_FUNCTION(name)                                                                     \
        return function ? function arguments : failure;                                            \
    }

// The same for a function that returns nothing.
#define FORWARD_VOID(name, parameters, arguments)                                                  \
    void name parameters {                                                                         \
        SYSTEMD_FUNCTION(name)                                                                     \
        if (function) function arguments;                                                          \
    }

FORWARD(int, -ENOSYS, sd_notify, (int unset_environment, const char *state), (unset_environment, state))
FORWARD(int, -ENOSYS, sd_watchdog_enabled, (int unset_environment, uint64_t *usec), (unset_environment, usec))
FORWARD(int, -ENOSYS, sd_id128_randomize, (sd_id128_t *ret), (ret))

FORWARD(int, -ENOSYS, sd_journal_sendv, (const struct iovec *iov, int n), (iov, n))
FORWARD(int, -ENOSYS, sd_journal_stream_fd, (const char *identifier, int priority, int level_prefix),
        (identifier, priority, level_prefix))
FORWARD(int, -ENOSYS, sd_journal_open, (sd_journal **ret, int flags), (ret, flags))
FORWARD(int, -ENOSYS, sd_journal_get_usage, (sd_journal *j, uint64_t *bytes), (j, bytes))
FORWARD(int, -ENOSYS, sd_journal_add_match, (sd_journal *j, const void *data, size_t size), (j, data, size))
FORWARD(int, -ENOSYS, sd_journal_add_disjunction, (sd_journal *j), (j))
FORWARD(int, -ENOSYS, sd_journal_seek_tail, (sd_journal *j), (j))
FORWARD(int, -ENOSYS, sd_journal_previous, (sd_journal *j), (j))
FORWARD(int, -ENOSYS, sd_journal_next, (sd_journal *j), (j))
FORWARD(int, -ENOSYS, sd_journal_wait, (sd_journal *j, uint64_t timeout_usec), (j, timeout_usec))
FORWARD(int, -ENOSYS, sd_journal_get_realtime_usec, (sd_journal *j, uint64_t *ret), (j, ret))
FORWARD(int, -ENOSYS, sd_journal_get_data, (sd_journal *j, const char *field, const void **data, size_t *length),
        (j, field, data, length))

FORWARD_VOID(sd_journal_close, (sd_journal *j), (j))

FORWARD(int, -ENOSYS, sd_bus_new, (sd_bus **ret), (ret))
FORWARD(int, -ENOSYS, sd_bus_set_address, (sd_bus *bus, const char *address), (bus, address))
FORWARD(int, -ENOSYS, sd_bus_start, (sd_bus *bus), (bus))
FORWARD(int, -ENOSYS, sd_bus_message_new_method_call,
        (sd_bus *bus, sd_bus_message **m, const char *destination, const char *path, const char *interface,
         const char *member),
        (bus, m, destination, path, interface, member))
FORWARD(int, -ENOSYS, sd_bus_message_appendv, (sd_bus_message *m, const char *types, va_list ap), (m, types, ap))
FORWARD(int, -ENOSYS, sd_bus_message_open_container, (sd_bus_message *m, char type, const char *contents),
        (m, type, contents))
FORWARD(int, -ENOSYS, sd_bus_message_close_container, (sd_bus_message *m), (m))
FORWARD(int, -ENOSYS, sd_bus_call,
        (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply),
        (bus, m, usec, ret_error, reply))
FORWARD(sd_bus_message *, NULL, sd_bus_message_unref, (sd_bus_message *m), (m))
FORWARD(sd_bus *, NULL, sd_bus_flush_close_unref, (sd_bus *bus), (bus))

FORWARD_VOID(sd_bus_error_free, (sd_bus_error *e), (e))

int sd_bus_message_append(sd_bus_message *m, const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    int r = sd_bus_message_appendv(m, types, ap);
    va_end(ap);
    return r;
}

/// Opens systemd's private socket (as systemctl does as root) and starts a call of one of the
/// manager's methods in `message`. Returns a negative errno on failure.
static int manager_call_begin(sd_bus **bus, sd_bus_message **message, const char *method) {
    int r = sd_bus_new(bus);
    if (r >= 0) r = sd_bus_set_address(*bus, "unix:path=/run/systemd/private");
    if (r >= 0) r = sd_bus_start(*bus);
    if (r >= 0)
        r = sd_bus_message_new_method_call(*bus, message, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", method);
    return r;
}

/// Sends the call begun by manager_call_begin (unless `r` is already an error), waits for
/// the reply and frees everything. Returns 0, or a negative errno with the bus error's text in
/// `error_text`.
static int manager_call_end(int r, sd_bus *bus, sd_bus_message *message, char *error_text,
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

int corral_start_delegated_scope(
    const char *name, const char *slice, const char *description, pid_t pid, char *error_text, size_t error_size) {
    sd_bus *bus = NULL;
    sd_bus_message *message = NULL;
    int r = manager_call_begin(&bus, &message, "StartTransientUnit");
    if (r >= 0) r = sd_bus_message_append(message, "ss", name, "fail");
    if (r >= 0) r = sd_bus_message_open_container(message, 'a', "(sv)");
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Delegate", "b", 1);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Slice", "s", slice);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "Description", "s", description);
    if (r >= 0) r = sd_bus_message_append(message, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
    if (r >= 0) r = sd_bus_message_close_container(message);
    if (r >= 0) r = sd_bus_message_append(message, "a(sa(sv))", 0);
    return manager_call_end(r, bus, message, error_text, error_size);
}

int corral_call_manager(const char *method, const char *unit, const char *mode, char *error_text,
                                      size_t error_size) {
    sd_bus *bus = NULL;
    sd_bus_message *message = NULL;
    int r = manager_call_begin(&bus, &message, method);
    if (r >= 0 && unit) r = sd_bus_message_append(message, "ss", unit, mode);
    return manager_call_end(r, bus, message, error_text, error_size);
}
