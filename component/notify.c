/* Tells the service manager how cardxd is doing, through sd_notify when
 * cardxd was built with libsystemd (Type=notify in cardxd.service). */
#include "component/notify.h"

#include <stdarg.h>
#include <stdio.h>

#include "buildconf.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static void notify_send(const char *state, const char *fmt, va_list ap)
{
    char line[NOTIFY_STATUS_MAX];

    vsnprintf(line, sizeof(line), fmt, ap);
    sd_notifyf(0, "%sSTATUS=%s", state, line);
}

void notify_ready(const char *fmt, ...)
{
    va_list ap;

    /* Sent at every link up: systemd ignores a repeated READY=1, and the
     * status line follows the link. */
    va_start(ap, fmt);
    notify_send("READY=1\n", fmt, ap);
    va_end(ap);
}

void notify_status(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    notify_send("", fmt, ap);
    va_end(ap);
}

void notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

#else /* built without libsystemd: the unit says Type=exec */

void notify_ready(const char *fmt, ...)
{
    (void)fmt;
}

void notify_status(const char *fmt, ...)
{
    (void)fmt;
}

void notify_stopping(void)
{
}

#endif
