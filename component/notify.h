/* Tells the service manager (systemd's sd_notify) how cardxd is doing. */
#ifndef CARDX_COMPONENT_NOTIFY_H
#define CARDX_COMPONENT_NOTIFY_H

/* Each sends one state to the manager that started cardxd, if any: without
 * libsystemd at build time, or when cardxd was not started by a manager
 * that listens (no NOTIFY_SOCKET, as in the tests), they do nothing. A
 * failure to tell is not cardxd's failure: they return nothing. The
 * status lines are printf formats, cut at NOTIFY_STATUS_MAX bytes. */
#define NOTIFY_STATUS_MAX 256

/* The XEP-0114 link is up: the service works; with a status line. */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line for `systemctl status cardxd`. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cardxd is stopping cleanly. */
void notify_stopping(void);

#endif
