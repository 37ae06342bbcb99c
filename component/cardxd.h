/* The cardxd daemon: wires config, store, service and link into one loop. */
#ifndef CARDX_COMPONENT_CARDXD_H
#define CARDX_COMPONENT_CARDXD_H

#include "component/config.h"
#include "common/log.h"

struct cardxd;

/* How cardxd was started, beyond its configuration: what a reload needs. */
struct cardxd_opts {
    const char *config_path; /* read again on SIGHUP */
    int debug;               /* -d: debug messages whatever [log] level says */
};

/* Sets lg up as cfg's [log] says (level, file), for a start. Returns 0, or
 * -1 with *err set as for cardxd_new(). */
int cardxd_log_setup(struct log *lg, const struct cardxd_config *cfg, int debug,
                     char **err);

/* Opens the store and prepares the link (not yet connected). Takes cfg in
 * every case: a reload replaces it. opts and lg are borrowed and must
 * outlive the daemon; a reload sets lg's level and reopens its file.
 * Returns 0 with *out set, or -1 with *err set to a one-line message the
 * caller frees with free(). */
int cardxd_new(struct cardxd_config *cfg, const struct cardxd_opts *opts,
               struct log *lg, struct cardxd **out, char **err);

/* What `cardxd -t` checks beyond loading the file at path, changing
 * nothing: all a start checks (a secret that is not a placeholder, the
 * database undamaged; a check cut short by [storage] check_timeout is
 * logged and passes), and that the database can be written, in a
 * transaction rolled back, and has a schema this release knows. A config
 * file others may read is a warning (logged). Returns 0, or -1 with *err
 * set to a one-line message, the caller's to free(). */
int cardxd_check(const struct cardxd_config *cfg, const char *path,
                 const struct log *lg, char **err);

/* Runs until SIGINT or SIGTERM, reconnecting as needed; SIGHUP reads the
 * configuration again and applies what can change without dropping the
 * link (a file that fails to load leaves the running one in place).
 * Returns 0 after a clean stop, -1 on a fatal error (logged). */
int cardxd_run(struct cardxd *cd);

/* Closes everything. Accepts NULL. */
void cardxd_free(struct cardxd *cd);

#endif
