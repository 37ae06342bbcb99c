/* Between the files of the service core (service.c, service_disco.c,
 * service_pending.c, service_fault.c): the service itself and what they
 * call of each other. Private to the core; features see feature.h. */
#ifndef CARDX_COMPONENT_SERVICE_CORE_H
#define CARDX_COMPONENT_SERVICE_CORE_H

#include <stdint.h>

#include "common/util.h"
#include "component/feature.h"

/* An iq we sent, waiting for its answer. */
struct pending {
    struct pending *next;
    uint64_t seq; /* the number in its id: the order they were made */
    char *id;
    char *to; /* whom we asked: only they may answer */
    /* A retryable request keeps its iq to send it again after a link drop;
     * NULL for the others, which a link drop fails. */
    xmpp_stanza_t *iq;
    int parked; /* the link dropped: waiting to be sent again */
    int64_t deadline;
    pending_done done;
    const char *lang; /* of the event that asked: its answer speaks it */
    void *data;
    void (*data_free)(void *);
};

struct service {
    xmpp_ctx_t *ctx;
    const struct cardxd_config *cfg;
    struct store *store;
    struct service_io io;
    const struct log *log;
    struct strv user_domains; /* who may use the service */
    struct pending *pending;  /* our iqs awaiting an answer, oldest first */
    uint64_t next_id;         /* for ids of our own iqs */
    /* Between service_mark() and service_settle() or service_rewind():
     * requests answered or expired meanwhile wait in retired, in case the
     * work they did is rolled back and their answers handled again. */
    int marking;
    uint64_t mark; /* next_id at the mark: later requests are the batch's */
    struct pending *retired;
    int damage_logged;   /* the damaged store was reported to the log */
    int64_t now_ms;      /* monotonic time of the event being handled */
    int64_t wall_offset; /* unix ms minus monotonic ms, at the start */
    struct i18n *i18n;   /* the catalogs; NULL: everything reads English */
    const char *lang;    /* of the event being handled (i18n_pick(), static) */
    /* The user whose stored language svc->lang is, read when first used:
     * most events (a send, an ack) answer nothing that needs it, and on
     * PostgreSQL each read is a round trip. NULL once read. */
    char *lang_of;
    size_t nfeatures;
    void **state; /* one slot per feature, in table order */
    /* Counters for the admin commands and the metrics. */
    struct stats *stats;
};

/* The core's handler for an iq get/set of this payload, or NULL
 * (service_disco.c). */
feature_iq_fn service_core_route(const char *type, const char *name,
                                 const char *ns);

/* --- service_lang.c --- */

/* Loads the catalogs of cfg->locale_dir (missing or broken ones are logged
 * and read English). Returns 0 or CX_ENOMEM. */
int service_lang_init(struct service *svc);
/* Sets the language of the event stanza, and records it as the one its
 * registered sender last used. */
void service_lang_event(struct service *svc, xmpp_stanza_t *stanza);
/* Sets the language of what is handled now (an answer to one of our
 * requests: the asker's; NULL: nobody asked), dropping a stored one not
 * read yet. */
void service_lang_set(struct service *svc, const char *lang);
/* svc->lang, the stored language read first if it was not yet. */
const char *service_lang_now(struct service *svc);

/* --- service_pending.c --- */

/* Matches an iq result or error to the request it answers. */
void pending_answer(struct service *svc, xmpp_stanza_t *iq);
/* The link dropped: retryable requests wait, the others fail. */
void pending_link_down(struct service *svc);
/* The link is back: waiting requests go again. */
void pending_link_up(struct service *svc);
/* The earlier of first (-1: none) and the next request deadline. */
int64_t pending_first_deadline(const struct service *svc, int64_t first);
/* Fails the requests whose deadline passed. */
void pending_expire(struct service *svc);
/* Frees every request without calling it (at service_free()). */
void pending_free_all(struct service *svc);

#endif
