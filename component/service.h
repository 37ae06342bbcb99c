/* cardxd's stanza handlers: what the component answers and does. Transport
 * independent: stanzas come in through service_handle() and go out through
 * the send function the caller supplies. */
#ifndef CARDX_COMPONENT_SERVICE_H
#define CARDX_COMPONENT_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <strophe.h>

#include "component/config.h"
#include "component/stats.h"
#include "component/store.h"
#include "common/log.h"

struct service;

struct service_io {
    /* Sends a stanza (borrowed) to the server. Returns 0 or -1. */
    int (*send)(void *userdata, xmpp_stanza_t *stanza);
    void *userdata;
    /* Bytes sent but not yet written out, so that bulk work (the start-up
     * presence probe) goes at the pace the server reads. NULL: always 0. */
    size_t (*pending)(void *userdata);
    /* As send, with inner (serialised XML) as the stanza's last child.
     * NULL: the service parses inner and calls send. */
    int (*send_with)(void *userdata, xmpp_stanza_t *stanza, const char *inner);
};

/* Creates the service over an open store. cfg, st, io and lg are borrowed
 * and must outlive it. Returns NULL on allocation failure. */
struct service *service_new(xmpp_ctx_t *ctx, const struct cardxd_config *cfg,
                            struct store *st, const struct service_io *io,
                            const struct log *lg);

/* Frees the service. Accepts NULL. */
void service_free(struct service *svc);

/* A reloaded configuration: from now on the service reads cfg (borrowed,
 * as at service_new()). Its link and database keys must be those the
 * service was made with (config_keep_fixed()). */
void service_set_config(struct service *svc, const struct cardxd_config *cfg);
/* The service's counters (borrowed): what it did with cards, for the
 * admin commands and the metrics. */
struct stats *service_stats(const struct service *svc);

/* The link to the server is up: learn who is online. */
void service_link_up(struct service *svc, int64_t now_ms);

/* The link went down: every session is gone; pending requests fail, but
 * for retryable ones (service_request_retry()), sent again when the link
 * comes back up. */
void service_link_down(struct service *svc);

/* Handles one stanza from the server (borrowed). */
void service_handle(struct service *svc, xmpp_stanza_t *stanza, int64_t now_ms);

/* Milliseconds until service_tick() has work, or -1. */
int service_timeout(struct service *svc, int64_t now_ms);

/* Expires requests whose answer did not come in time. */
void service_tick(struct service *svc, int64_t now_ms);

/* A batch of work in one store transaction starts: remember the requests
 * outstanding now. */
void service_mark(struct service *svc);

/* The batch's transaction committed: forget the mark. */
void service_settle(struct service *svc);

/* The batch's transaction was rolled back, and the caller handles its
 * stanzas again: requests the batch made are forgotten (they will be made
 * again) and those it answered or expired are outstanding once more. */
void service_rewind(struct service *svc);

#endif
