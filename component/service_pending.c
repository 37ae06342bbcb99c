/* The iqs cardxd itself sends (a user's vCard, a resource's disco#info):
 * ids, deadlines, answers, link drops, and their rewind when a batch's
 * commit fails. Part of the service core. Per instance: an answer the
 * server hands to another instance is offered there to the features'
 * stray_answer hooks and kept in the store, where the asker picks it up. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/service_core.h"
#include "xep/stanza.h"

/* Room for an instance's name (at most 64 characters), '-' and a
 * number. */
#define PENDING_ID_MAX 96

static void pending_free(struct pending *p)
{
    if (p->data_free)
        p->data_free(p->data);
    if (p->iq)
        xmpp_stanza_release(p->iq);
    free(p->id);
    free(p->to);
    free(p);
}

static void pending_free_list(struct pending **list)
{
    while (*list) {
        struct pending *p = *list;

        *list = p->next;
        pending_free(p);
    }
}

/* Ends a request whose done ran: freed, or kept while a batch may still
 * be replayed. */
static void pending_retire(struct service *svc, struct pending *p)
{
    if (!svc->marking || p->seq > svc->mark) {
        pending_free(p);
        return;
    }
    p->next = svc->retired;
    svc->retired = p;
}

/* The link dropped, so no answer can come: a retryable request is parked
 * until the link is back, any other fails now. */
void pending_link_down(struct service *svc)
{
    struct pending **pp = &svc->pending;

    pending_free_list(&svc->retired);
    while (*pp) {
        struct pending *p = *pp;

        if (p->iq) {
            p->parked = 1;
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        service_lang_set(svc,
                         p->lang); /* the answer speaks the asker's language */
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}

/* The link is back: parked requests go again, each with a fresh deadline
 * (the wait starts when the question leaves). One that cannot be sent
 * fails. */
void pending_link_up(struct service *svc)
{
    struct pending **pp = &svc->pending;

    while (*pp) {
        struct pending *p = *pp;

        if (!p->parked) {
            pp = &p->next;
            continue;
        }
        if (service_send(svc, p->iq) == 0) {
            log_debug(svc->log, "request %s to %s sent again", p->id, p->to);
            p->parked = 0;
            p->deadline = svc->now_ms + svc->cfg->fetch_timeout_ms;
            pp = &p->next;
            continue;
        }
        log_warn(svc->log, "could not send request %s to %s again", p->id,
                 p->to);
        *pp = p->next;
        service_lang_set(svc,
                         p->lang); /* the answer speaks the asker's language */
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}

/* service_request() and service_request_retry(): with retry, a copy of
 * the iq is kept to send it again after a link drop. */
static int pending_start(struct service *svc, xmpp_stanza_t *iq, int retry,
                         pending_done done, void *data,
                         void (*data_free)(void *))
{
    struct pending *p = calloc(1, sizeof(*p)), **tail;
    char id[PENDING_ID_MAX];

    if (!p)
        goto fail;
    p->seq = ++svc->next_id;
    /* The instance's name makes it unique among instances: an answer kept
     * for another (pending_relay()) is found by id. */
    snprintf(id, sizeof(id), "%s-%" PRIu64, store_instance(svc->store), p->seq);
    p->id = strdup(id);
    p->to = xmpp_stanza_get_to(iq) ? strdup(xmpp_stanza_get_to(iq)) : NULL;
    if (!p->id || !p->to || xmpp_stanza_set_id(iq, id) != XMPP_EOK)
        goto fail;
    if (retry && !(p->iq = xmpp_stanza_copy(iq)))
        goto fail;
    p->deadline = svc->now_ms + svc->cfg->fetch_timeout_ms;
    p->done = done;
    p->lang = service_lang_now(svc);
    p->data = data;
    p->data_free = data_free;
    if (service_send(svc, iq) < 0) {
        p->data = NULL; /* the caller keeps data on failure */
        goto fail;
    }
    for (tail = &svc->pending; *tail; tail = &(*tail)->next)
        ;
    *tail = p;
    return 0;
fail:
    if (p) {
        p->data_free = NULL;
        pending_free(p);
    }
    return -1;
}

int service_request(struct service *svc, xmpp_stanza_t *iq, pending_done done,
                    void *data, void (*data_free)(void *))
{
    return pending_start(svc, iq, 0, done, data, data_free);
}

int service_request_retry(struct service *svc, xmpp_stanza_t *iq,
                          pending_done done, void *data,
                          void (*data_free)(void *))
{
    return pending_start(svc, iq, 1, done, data, data_free);
}

/* An answer to no request of ours may be another instance's: it is kept
 * in the store for that instance to pick up (service_requests_relayed()),
 * and forgotten after a while if nobody does. */
static void pending_relay(struct service *svc, xmpp_stanza_t *iq,
                          const char *id, const char *from)
{
    char *xml = NULL;
    size_t len = 0;

    if (xmpp_stanza_to_text(iq, &xml, &len) != XMPP_EOK) {
        log_error(svc->log, "cannot keep answer %s from %s", id, from);
        return;
    }
    if (store_answer_put(svc->store, id, from, xml, clock_wall_ms()) < 0)
        log_error(svc->log, "keeping answer %s from %s: %s", id, from,
                  store_errmsg(svc->store));
    xmpp_free(svc->ctx, xml);
}

/* Matches an iq result or error to the request it answers. */
void pending_answer(struct service *svc, xmpp_stanza_t *iq)
{
    const char *id = xmpp_stanza_get_id(iq);
    const char *from = xmpp_stanza_get_from(iq);

    if (!id || !from)
        return;
    for (struct pending **pp = &svc->pending; *pp; pp = &(*pp)->next) {
        struct pending *p = *pp;

        if (strcmp(p->id, id) == 0 && strcmp(p->to, from) == 0) {
            *pp = p->next;
            service_lang_set(
                svc, p->lang); /* the answer speaks the asker's language */
            p->done(svc, iq, p->data);
            pending_retire(svc, p);
            return;
        }
    }
    log_debug(svc->log, "unexpected iq answer id=%s from %s", id, from);
    for (const struct feature *const *f = service_features; *f; f++)
        if ((*f)->stray_answer)
            (*f)->stray_answer(svc, iq);
    pending_relay(svc, iq, id, from);
}

int service_requests_waiting(const struct service *svc)
{
    for (const struct pending *p = svc->pending; p; p = p->next)
        if (!p->parked)
            return 1;
    return 0;
}

/* Completes p with the answer xml another instance kept for it. */
static int pending_relayed(struct service *svc, struct pending **link,
                           const char *xml)
{
    struct pending *p = *link;
    xmpp_stanza_t *iq = xmpp_stanza_new_from_string(svc->ctx, xml);

    if (!iq)
        return CX_ENOMEM;
    log_debug(svc->log,
              "answer to request %s from %s came through another "
              "instance",
              p->id, p->to);
    *link = p->next;
    service_lang_set(svc, p->lang); /* the answer speaks the asker's language */
    p->done(svc, iq, p->data);
    pending_retire(svc, p);
    xmpp_stanza_release(iq);
    return 0;
}

int service_requests_relayed(struct service *svc)
{
    struct pending **pp = &svc->pending;
    int n = 0;

    while (*pp) {
        char *xml = NULL;
        int rc = (*pp)->parked ? 0
                               : store_answer_take(svc->store, (*pp)->id,
                                                   (*pp)->to, &xml);

        if (rc == 1)
            rc = pending_relayed(svc, pp, xml);
        else if (rc == 0)
            pp = &(*pp)->next;
        free(xml);
        if (rc < 0)
            return rc;
        n += rc == 0 && xml;
    }
    return n;
}

int64_t pending_first_deadline(const struct service *svc, int64_t first)
{
    for (struct pending *p = svc->pending; p; p = p->next) {
        if (!p->parked && (first < 0 || p->deadline < first))
            first = p->deadline;
    }
    return first;
}

void pending_expire(struct service *svc)
{
    struct pending **pp = &svc->pending;

    while (*pp) {
        struct pending *p = *pp;

        if (p->parked || p->deadline > svc->now_ms) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        log_debug(svc->log, "request %s to %s timed out", p->id, p->to);
        service_lang_set(svc,
                         p->lang); /* the answer speaks the asker's language */
        p->done(svc, NULL, p->data);
        pending_retire(svc, p);
    }
}

void pending_free_all(struct service *svc)
{
    pending_free_list(&svc->pending);
    pending_free_list(&svc->retired);
}

void service_mark(struct service *svc)
{
    pending_free_list(&svc->retired);
    svc->marking = 1;
    svc->mark = svc->next_id;
    stats_mark(svc->stats);
}

void service_settle(struct service *svc)
{
    pending_free_list(&svc->retired);
    svc->marking = 0;
    stats_settle(svc->stats);
}

/* Puts p back in the list, which stays ordered by seq (oldest first). */
static void pending_reinsert(struct service *svc, struct pending *p)
{
    struct pending **pp = &svc->pending;

    while (*pp && (*pp)->seq < p->seq)
        pp = &(*pp)->next;
    p->next = *pp;
    *pp = p;
}

void service_rewind(struct service *svc)
{
    struct pending **pp = &svc->pending;

    stats_rewind(svc->stats); /* the batch's counts come again with it */
    while (*pp) {
        struct pending *p = *pp;

        if (p->seq <= svc->mark) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        pending_free(p); /* asked in the batch: it will be asked again */
    }
    while (svc->retired) {
        struct pending *p = svc->retired;

        svc->retired = p->next;
        pending_reinsert(svc, p);
    }
    svc->marking = 0;
}
