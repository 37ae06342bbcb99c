/* cardxd's service core: dispatch through the feature table, emitting,
 * errors, and the bookkeeping of iqs cardxd itself sends. */
#include "component/service.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/feature.h"
#include "component/service_core.h"
#include "xep/stanza.h"

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
    int damage_logged; /* the damaged store was reported to the log */
    int64_t now_ms;    /* monotonic time of the event being handled */
    size_t nfeatures;
    void **state; /* one slot per feature, in table order */
};

/* Splits the configured user domains; empty means the parent domain of the
 * component (cards.example.org serves example.org). */
static int domains_parse(struct service *svc)
{
    const struct cardxd_config *cfg = svc->cfg;
    const char *list = cfg->user_domains ? cfg->user_domains : "";
    const char *dot = strchr(cfg->domain, '.');

    if (!*list)
        list = dot ? dot + 1 : cfg->domain;
    return strv_split(&svc->user_domains, list, " ,\t");
}

static int features_init(struct service *svc)
{
    while (service_features[svc->nfeatures])
        svc->nfeatures++;
    svc->state = calloc(svc->nfeatures + 1, sizeof(*svc->state));
    if (!svc->state)
        return CX_ENOMEM;
    for (size_t i = 0; i < svc->nfeatures; i++) {
        const struct feature *f = service_features[i];
        int rc = f->init ? f->init(svc, &svc->state[i]) : 0;

        if (rc < 0) {
            log_error(svc->log, "cannot start the %s feature", f->name);
            return rc;
        }
    }
    return 0;
}

struct service *service_new(xmpp_ctx_t *ctx, const struct cardxd_config *cfg,
                            struct store *st, const struct service_io *io,
                            const struct log *lg)
{
    struct service *svc = calloc(1, sizeof(*svc));

    if (!svc)
        return NULL;
    svc->ctx = ctx;
    svc->cfg = cfg;
    svc->store = st;
    svc->io = *io;
    svc->log = lg;
    if (domains_parse(svc) < 0 || features_init(svc) < 0) {
        service_free(svc);
        return NULL;
    }
    return svc;
}

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
static void pending_link_down(struct service *svc)
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
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}

/* The link is back: parked requests go again, each with a fresh deadline
 * (the wait starts when the question leaves). One that cannot be sent
 * fails. */
static void pending_link_up(struct service *svc)
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
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}

void service_free(struct service *svc)
{
    if (!svc)
        return;
    pending_free_list(&svc->pending);
    pending_free_list(&svc->retired);
    for (size_t i = 0; svc->state && i < svc->nfeatures; i++) {
        if (service_features[i]->free)
            service_features[i]->free(svc, svc->state[i]);
    }
    free(svc->state);
    strv_clear(&svc->user_domains);
    free(svc);
}

xmpp_ctx_t *service_ctx(const struct service *svc)
{
    return svc->ctx;
}

const struct cardxd_config *service_config(const struct service *svc)
{
    return svc->cfg;
}

struct store *service_store(const struct service *svc)
{
    return svc->store;
}

const struct log *service_log(const struct service *svc)
{
    return svc->log;
}

int64_t service_now_ms(const struct service *svc)
{
    return svc->now_ms;
}

void *service_state(const struct service *svc, const struct feature *f)
{
    for (size_t i = 0; i < svc->nfeatures; i++) {
        if (service_features[i] == f)
            return svc->state[i];
    }
    return NULL;
}

size_t service_output_pending(const struct service *svc)
{
    return svc->io.pending ? svc->io.pending(svc->io.userdata) : 0;
}

int service_send(struct service *svc, xmpp_stanza_t *stanza)
{
    return svc->io.send(svc->io.userdata, stanza) < 0 ? -1 : 0;
}

void service_emit(struct service *svc, xmpp_stanza_t *stanza)
{
    if (!stanza) {
        log_error(svc->log, "out of memory building a stanza");
        return;
    }
    if (service_send(svc, stanza) < 0)
        log_warn(svc->log, "could not send a stanza: link not up");
    xmpp_stanza_release(stanza);
}

void service_error(struct service *svc, xmpp_stanza_t *req, const char *type,
                   const char *condition, const char *text)
{
    service_emit(svc, stanza_error_reply(svc->ctx, req, type, condition, text));
}

/* service_request() and service_request_retry(): with retry, a copy of
 * the iq is kept to send it again after a link drop. */
static int pending_start(struct service *svc, xmpp_stanza_t *iq, int retry,
                         pending_done done, void *data,
                         void (*data_free)(void *))
{
    struct pending *p = calloc(1, sizeof(*p)), **tail;
    char id[32];

    if (!p)
        goto fail;
    p->seq = ++svc->next_id;
    snprintf(id, sizeof(id), "cardxd-%" PRIu64, p->seq);
    p->id = strdup(id);
    p->to = xmpp_stanza_get_to(iq) ? strdup(xmpp_stanza_get_to(iq)) : NULL;
    if (!p->id || !p->to || xmpp_stanza_set_id(iq, id) != XMPP_EOK)
        goto fail;
    if (retry && !(p->iq = xmpp_stanza_copy(iq)))
        goto fail;
    p->deadline = svc->now_ms + svc->cfg->fetch_timeout_ms;
    p->done = done;
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

/* Matches an iq result or error to the request it answers. */
static void pending_answer(struct service *svc, xmpp_stanza_t *iq)
{
    const char *id = xmpp_stanza_get_id(iq);
    const char *from = xmpp_stanza_get_from(iq);

    if (!id || !from)
        return;
    for (struct pending **pp = &svc->pending; *pp; pp = &(*pp)->next) {
        struct pending *p = *pp;

        if (strcmp(p->id, id) == 0 && strcmp(p->to, from) == 0) {
            *pp = p->next;
            p->done(svc, iq, p->data);
            pending_retire(svc, p);
            return;
        }
    }
    log_debug(svc->log, "unexpected iq answer id=%s from %s", id, from);
}

int service_serves_domain(const struct service *svc, const char *domain)
{
    for (size_t i = 0; i < svc->user_domains.n; i++) {
        if (strcmp(svc->user_domains.v[i], domain) == 0)
            return 1;
    }
    return 0;
}

int service_user_allowed(const struct service *svc, const char *bare)
{
    const char *at = strchr(bare, '@');

    if (!at || at == bare || !at[1])
        return 0;
    return service_serves_domain(svc, at + 1);
}

const char *service_main_domain(const struct service *svc)
{
    return svc->user_domains.n ? svc->user_domains.v[0] : "this server";
}

xmpp_stanza_t *service_first_tag(xmpp_stanza_t *stanza)
{
    xmpp_stanza_t *c = xmpp_stanza_get_children(stanza);

    while (c && !xmpp_stanza_is_tag(c))
        c = xmpp_stanza_get_next(c);
    return c;
}

char *service_check_sender(struct service *svc, xmpp_stanza_t *req)
{
    char *bare = stanza_bare_jid(xmpp_stanza_get_from(req));
    char text[256];

    if (!bare) {
        service_error(svc, req, ERR_MODIFY, "bad-request",
                      "the stanza has no sender");
        return NULL;
    }
    if (!service_user_allowed(svc, bare)) {
        snprintf(text, sizeof(text), "only users of %s may use this service",
                 service_main_domain(svc));
        service_error(svc, req, ERR_CANCEL, "not-allowed", text);
        free(bare);
        return NULL;
    }
    return bare;
}

int service_to_component(const struct service *svc, xmpp_stanza_t *stanza)
{
    const char *to = xmpp_stanza_get_to(stanza);

    return to && strcmp(to, svc->cfg->domain) == 0;
}

char *service_proxy_jid(const struct service *svc, const char *phone)
{
    return str_printf("%s@%s", phone, svc->cfg->domain);
}

/* The first route of any feature for an iq of type with this payload. */
static feature_iq_fn route_find(const char *type, const char *name,
                                const char *ns)
{
    for (const struct feature *const *f = service_features; *f; f++) {
        for (const struct feature_iq *r = (*f)->iqs; r && r->type; r++) {
            if (strcmp(r->type, type) == 0 && strcmp(r->ns, ns) == 0 &&
                strcmp(r->name, name) == 0)
                return r->fn;
        }
    }
    return service_core_route(type, name, ns);
}

static void service_iq(struct service *svc, xmpp_stanza_t *iq)
{
    const char *type = xmpp_stanza_get_type(iq);
    xmpp_stanza_t *payload = service_first_tag(iq);
    const char *ns = payload ? xmpp_stanza_get_ns(payload) : NULL;
    const char *name = payload ? xmpp_stanza_get_name(payload) : NULL;
    feature_iq_fn fn;

    if (!type)
        return;
    if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
        pending_answer(svc, iq);
        return;
    }
    if (strcmp(type, "get") != 0 && strcmp(type, "set") != 0)
        return;
    if (!ns || !name) {
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "an iq get or set needs one namespaced child");
        return;
    }
    fn = route_find(type, name, ns);
    if (fn)
        fn(svc, iq, payload);
    else
        service_error(svc, iq, ERR_CANCEL, "service-unavailable",
                      "this service does not handle that request");
}

/* Offers a message or presence to each feature's hook until one takes it;
 * one of type error goes to every bounce hook. */
static void service_offer(struct service *svc, xmpp_stanza_t *stanza,
                          int message)
{
    int bounce = stanza_is_error(stanza);

    for (const struct feature *const *f = service_features; *f; f++) {
        int (*hook)(struct service *, xmpp_stanza_t *) =
            message ? (*f)->message : (*f)->presence;

        if (bounce && (*f)->bounce)
            (*f)->bounce(svc, stanza);
        else if (!bounce && hook && hook(svc, stanza))
            return;
    }
}

void service_handle(struct service *svc, xmpp_stanza_t *stanza, int64_t now_ms)
{
    const char *name = xmpp_stanza_get_name(stanza);

    svc->now_ms = now_ms;
    if (!name)
        return;
    if (strcmp(name, "iq") == 0)
        service_iq(svc, stanza); /* answers to our requests may be errors */
    else if (strcmp(name, "message") == 0)
        service_offer(svc, stanza, 1);
    else if (strcmp(name, "presence") == 0)
        service_offer(svc, stanza, 0);
}

void service_link_up(struct service *svc, int64_t now_ms)
{
    svc->now_ms = now_ms;
    pending_link_up(svc);
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->link_up)
            (*f)->link_up(svc);
    }
}

/* The features forget what the link told them (who is online) first, so
 * that the answers that can no longer come are not read as answers about
 * resources still there. */
void service_link_down(struct service *svc)
{
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->link_down)
            (*f)->link_down(svc);
    }
    pending_link_down(svc);
}

int service_timeout(struct service *svc, int64_t now_ms)
{
    int64_t first = -1;

    svc->now_ms = now_ms;
    for (const struct feature *const *f = service_features; *f; f++) {
        int ms = (*f)->timeout ? (*f)->timeout(svc) : -1;

        if (ms >= 0 && (first < 0 || now_ms + ms < first))
            first = now_ms + ms;
    }
    for (struct pending *p = svc->pending; p; p = p->next) {
        if (!p->parked && (first < 0 || p->deadline < first))
            first = p->deadline;
    }
    if (first < 0)
        return -1;
    return first <= now_ms ? 0 : (int)(first - now_ms);
}

void service_tick(struct service *svc, int64_t now_ms)
{
    struct pending **pp = &svc->pending;

    svc->now_ms = now_ms;
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->tick)
            (*f)->tick(svc);
    }
    while (*pp) {
        struct pending *p = *pp;

        if (p->parked || p->deadline > now_ms) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        log_debug(svc->log, "request %s to %s timed out", p->id, p->to);
        p->done(svc, NULL, p->data);
        pending_retire(svc, p);
    }
}

void service_mark(struct service *svc)
{
    pending_free_list(&svc->retired);
    svc->marking = 1;
    svc->mark = svc->next_id;
}

void service_settle(struct service *svc)
{
    pending_free_list(&svc->retired);
    svc->marking = 0;
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

void service_fault_answer(enum store_fault fault, struct service_fault *out)
{
    out->type = ERR_WAIT;
    out->condition = "internal-server-error";
    switch (fault) {
    case STORE_FAULT_FULL:
        out->condition = "resource-constraint";
        out->text = "the card store is full; try again later";
        break;
    case STORE_FAULT_BUSY:
        out->condition = "resource-constraint";
        out->text = "the card store is busy; try again in a moment";
        break;
    case STORE_FAULT_IO:
        out->text = "the card store cannot be read or written; try again "
                    "later";
        break;
    case STORE_FAULT_CORRUPT:
        out->text = SERVICE_DAMAGED_TEXT;
        break;
    default:
        out->text = "the card store failed; try again later";
        break;
    }
}

/* Reports the damaged store to the log, once: it needs a person. */
static void service_damage_log(struct service *svc)
{
    if (svc->damage_logged)
        return;
    svc->damage_logged = 1;
    log_error(svc->log,
              "the database %s is damaged (%s): cardxd accepts no more "
              "cards; stop it and recover the file (see ADMIN.md)",
              svc->cfg->database, store_errmsg(svc->store));
}

void service_store_failed(struct service *svc, const char *what,
                          struct service_fault *out)
{
    enum store_fault fault = store_fault(svc->store);

    if (fault == STORE_FAULT_CORRUPT)
        service_damage_log(svc);
    else
        log_error(svc->log, "%s: %s", what, store_errmsg(svc->store));
    service_fault_answer(fault, out);
}

void service_store_error(struct service *svc, xmpp_stanza_t *req,
                         const char *what)
{
    struct service_fault f;

    service_store_failed(svc, what, &f);
    service_error(svc, req, f.type, f.condition, f.text);
}

int service_store_refuses(struct service *svc, struct service_fault *out)
{
    if (!store_damaged(svc->store))
        return 0;
    service_damage_log(svc);
    service_fault_answer(STORE_FAULT_CORRUPT, out);
    return 1;
}
