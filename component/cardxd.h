/* The cardxd daemon: wires config, store, service and link into one loop. */
#ifndef CARDX_COMPONENT_CARDXD_H
#define CARDX_COMPONENT_CARDXD_H

#include "component/config.h"
#include "common/log.h"

struct cardxd;

/* Opens the store and prepares the link (not yet connected). cfg and lg are
 * borrowed and must outlive the daemon. Returns 0 with *out set, or -1 with
 * *err set to a one-line message the caller frees with free(). */
int cardxd_new(const struct cardxd_config *cfg, const struct log *lg,
               struct cardxd **out, char **err);

/* Checks the database of cfg for damage without changing it, as start-up
 * does before it opens it (a check cut short by [storage] check_timeout is
 * logged and passes). Returns 0, or -1 with *err set to a one-line message
 * naming the file, the caller's to free(). */
int cardxd_check(const struct cardxd_config *cfg, const struct log *lg,
                 char **err);

/* Runs until SIGINT or SIGTERM, reconnecting as needed. Returns 0 after a
 * clean stop, -1 on a fatal error (logged). */
int cardxd_run(struct cardxd *cd);

/* Closes everything. Accepts NULL. */
void cardxd_free(struct cardxd *cd);

#endif
