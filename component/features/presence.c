/* Who is online: users' presence, the resources (full JIDs) the store
 * keeps while they are online, what each client can do, and answers to
 * subscriptions and probes of the service. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/features/deliver.h"
#include "component/features/probe.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* How long after the store failed to record a presence the user is asked
 * for it again. */
#define PRESENCE_RETRY_MS 1000

/* The feature's state: users whose presence the store could not record
 * (another process held the database), to probe again. Who is online
 * lives in the shared database, so a presence it missed would otherwise
 * be lost until the user's next. */
struct presence {
    struct strv again;
    int64_t next; /* monotonic ms of the next probe, -1: none due */
};

extern const struct feature feature_presence;

static struct presence *presence_of(struct service *svc)
{
    return service_state(svc, &feature_presence);
}

static void presence_retry_later(struct service *svc, const char *bare)
{
    struct presence *pr = presence_of(svc);

    for (size_t i = 0; i < pr->again.n; i++)
        if (strcmp(pr->again.v[i], bare) == 0)
            return;
    if (strv_push(&pr->again, bare) < 0)
        return; /* out of memory: the user's next presence will do */
    if (pr->next < 0)
        pr->next = service_now_ms(svc) + PRESENCE_RETRY_MS;
}

static void presence_tick(struct service *svc)
{
    struct presence *pr = presence_of(svc);
    struct strv again = pr->again;

    if (pr->next < 0 || pr->next > service_now_ms(svc))
        return;
    pr->again = (struct strv){0};
    pr->next = -1;
    for (size_t i = 0; i < again.n; i++)
        probe_send(svc, again.v[i]);
    strv_clear(&again);
}

static int presence_timeout(struct service *svc)
{
    int64_t next = presence_of(svc)->next, left;

    if (next < 0)
        return -1;
    left = next - service_now_ms(svc);
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static int presence_init(struct service *svc, void **state)
{
    struct presence *pr = calloc(1, sizeof(*pr));

    (void)svc;
    if (!pr)
        return CX_ENOMEM;
    pr->next = -1;
    *state = pr;
    return 0;
}

static void presence_free(struct service *svc, void *state)
{
    struct presence *pr = state;

    (void)svc;
    if (pr)
        strv_clear(&pr->again);
    free(pr);
}

/* A resource's disco#info, asked by this instance; an answer the server
 * hands to another instance is recorded there (presence_stray). */
struct caps_job {
    char *full;
    char *bare;
};

static void caps_job_free(void *data)
{
    struct caps_job *job = data;

    if (!job)
        return;
    free(job->full);
    free(job->bare);
    free(job);
}

/* True when a disco#info result lists XEP-0184 receipts. */
static int caps_receipts(xmpp_stanza_t *reply)
{
    xmpp_stanza_t *q = xmpp_stanza_get_child_by_ns(reply, NS_DISCO_INFO);

    for (xmpp_stanza_t *f = q ? xmpp_stanza_get_children(q) : NULL; f;
         f = xmpp_stanza_get_next(f)) {
        const char *var = xmpp_stanza_get_attribute(f, "var");

        if (var && strcmp(var, NS_RECEIPTS) == 0)
            return 1;
    }
    return 0;
}

/* The new resource's disco#info tells whether its client acks cards; then
 * every waiting card goes out. */
static void resource_discovered(struct service *svc, xmpp_stanza_t *reply,
                                void *data)
{
    struct caps_job *job = data;
    struct store *st = service_store(svc);
    int known = 0, rc;

    /* Gone meanwhile (unavailable, or the link went down): nothing to do. */
    if (store_online_receipts(st, job->full, &known) < 0)
        return;
    if (reply && !stanza_is_error(reply)) {
        int receipts = caps_receipts(reply);

        log_debug(service_log(svc), "resource %s %s receipts", job->full,
                  receipts ? "advertises" : "does not advertise");
        rc = store_online_set_receipts(st, job->full, receipts);
        if (rc < 0)
            log_error(service_log(svc), "recording resource %s: %s", job->full,
                      store_errmsg(st));
    } else {
        /* No answer is no evidence: it may still acknowledge. */
        log_debug(service_log(svc), "resource %s did not say what it supports",
                  job->full);
    }
    deliver_flush(svc, job->bare);
}

/* Another instance asked this resource what it supports and the server
 * handed the answer here: what it says is recorded all the same, and the
 * inbox flushed, rather than waiting for the asker's fetch_timeout. */
static void presence_stray(struct service *svc, xmpp_stanza_t *iq)
{
    const char *full = xmpp_stanza_get_from(iq);
    struct store *st = service_store(svc);
    char *bare = NULL;
    int known;

    if (!full || stanza_is_error(iq) ||
        !xmpp_stanza_get_child_by_ns(iq, NS_DISCO_INFO) ||
        store_online_receipts(st, full, &known) < 0)
        return;
    if (store_online_set_receipts(st, full, caps_receipts(iq)) < 0)
        log_error(service_log(svc), "recording resource %s: %s", full,
                  store_errmsg(st));
    bare = stanza_bare_jid(full);
    if (bare)
        deliver_flush(svc, bare);
    free(bare);
}

/* A full JID of a registered user came online: learn what its client can
 * do, then flush. */
static void resource_online(struct service *svc, const char *full,
                            const char *bare)
{
    struct caps_job *job;
    xmpp_stanza_t *iq;
    int rc = store_online_add(service_store(svc), full, bare);

    if (rc < 0) {
        log_error(service_log(svc), "recording resource %s: %s", full,
                  store_errmsg(service_store(svc)));
        presence_retry_later(svc, bare);
        return;
    }
    if (rc == 0)
        return; /* a presence update of a known resource */
    log_debug(service_log(svc), "resource %s online", full);
    job = calloc(1, sizeof(*job));
    iq = xmpp_iq_new(service_ctx(svc), "get", "disco");
    if (!job || !iq || !(job->full = strdup(full)) ||
        !(job->bare = strdup(bare)) ||
        xmpp_stanza_set_from(iq, service_config(svc)->domain) ||
        xmpp_stanza_set_to(iq, full) ||
        !stanza_add_child(service_ctx(svc), iq, "query", NS_DISCO_INFO) ||
        service_request(svc, iq, resource_discovered, job, caps_job_free) < 0) {
        caps_job_free(job);
        deliver_flush(svc, bare); /* unknown support: deliver anyway */
    }
    if (iq)
        xmpp_stanza_release(iq);
}

/* Answers a presence with one of ours of the given type (NULL: available). */
static void presence_answer(struct service *svc, xmpp_stanza_t *pres,
                            const char *type)
{
    xmpp_stanza_t *p = stanza_reply(service_ctx(svc), pres, type);

    if (p)
        xmpp_stanza_del_attribute(p, "id");
    service_emit(svc, p);
}

static int presence_handle(struct service *svc, xmpp_stanza_t *pres)
{
    const char *type = xmpp_stanza_get_type(pres);
    const char *from = xmpp_stanza_get_from(pres);
    char *bare = stanza_bare_jid(from), *phone = NULL;

    if (!bare || !service_user_allowed(svc, bare))
        goto out;
    if (!type || strcmp(type, "available") == 0) {
        if (strchr(from, '/') &&
            store_user_phone(service_store(svc), bare, &phone) == 0)
            resource_online(svc, from, bare);
    } else if (strcmp(type, "unavailable") == 0) {
        if (store_online_remove(service_store(svc), from) < 0)
            log_error(service_log(svc), "forgetting resource %s: %s", from,
                      store_errmsg(service_store(svc)));
    } else if (strcmp(type, "subscribe") == 0) {
        presence_answer(svc, pres, "subscribed");
    } else if (strcmp(type, "unsubscribe") == 0) {
        presence_answer(svc, pres, "unsubscribed");
    } else if (strcmp(type, "probe") == 0) {
        presence_answer(svc, pres, NULL);
    }
out:
    free(phone);
    free(bare);
    return 1;
}

/* Resources are only known while the link is up: each (re)attachment
 * learns them again from presence. */
static void presence_forget_all(struct service *svc)
{
    if (store_online_clear(service_store(svc)) < 0)
        log_error(service_log(svc), "cannot reset online resources: %s",
                  store_errmsg(service_store(svc)));
}

const struct feature feature_presence = {
    .name = "presence",
    .presence = presence_handle,
    .stray_answer = presence_stray,
    .init = presence_init,
    .free = presence_free,
    .link_up = presence_forget_all,
    .link_down = presence_forget_all,
    .timeout = presence_timeout,
    .tick = presence_tick,
};
