/* cardxd's stanza handlers: dispatch, service discovery, ping, version, and
 * the bookkeeping of iqs cardxd itself sends. */
#include "component/service.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "component/service_int.h"
#include "xep/ns.h"
#include "xep/stanza.h"

struct pending {
    struct pending *next;
    char *id;
    char *to; /* whom we asked: only they may answer */
    int64_t deadline;
    pending_done done;
    void *data;
    void (*data_free)(void *);
};

/* Features advertised on the component JID, in disco#info order. */
static const char *const service_features[] = {
    NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING,    NS_VERSION,
    NS_REGISTER,   NS_COMMANDS,    NS_GATEWAY, NS_VCARD,
    NS_RECEIPTS,   NS_CARDX,       NULL};

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Splits the configured user domains; empty means the parent domain of the
 * component (cards.example.org serves example.org). */
static char **domains_parse(const struct cardxd_config *cfg)
{
    const char *list = cfg->user_domains ? cfg->user_domains : "";
    const char *dot = strchr(cfg->domain, '.');
    size_t n = 0, cap = 4;
    char **v = calloc(cap + 1, sizeof(*v));
    char *copy = strdup(*list ? list : (dot ? dot + 1 : cfg->domain));
    char *save = NULL;

    if (!v || !copy)
        goto fail;
    for (char *tok = strtok_r(copy, " ,\t", &save); tok;
         tok = strtok_r(NULL, " ,\t", &save)) {
        if (n == cap) {
            char **grown = realloc(v, (2 * cap + 1) * sizeof(*v));

            if (!grown)
                goto fail;
            v = grown;
            cap *= 2;
        }
        v[n] = strdup(tok);
        if (!v[n])
            goto fail;
        v[++n] = NULL;
    }
    free(copy);
    return v;
fail:
    free(copy);
    strv_free(v);
    return NULL;
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
    svc->user_domains = domains_parse(cfg);
    if (!svc->user_domains) {
        free(svc);
        return NULL;
    }
    return svc;
}

static void pending_free(struct pending *p)
{
    if (p->data_free)
        p->data_free(p->data);
    free(p->id);
    free(p->to);
    free(p);
}

/* Fails every outstanding request (their answers can no longer come). */
static void pending_fail_all(struct service *svc)
{
    while (svc->pending) {
        struct pending *p = svc->pending;

        svc->pending = p->next;
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}

void service_free(struct service *svc)
{
    if (!svc)
        return;
    while (svc->pending) {
        struct pending *p = svc->pending;

        svc->pending = p->next;
        pending_free(p);
    }
    adhoc_sessions_free(svc);
    strv_free(svc->user_domains);
    free(svc);
}

void service_emit(struct service *svc, xmpp_stanza_t *stanza)
{
    if (!stanza) {
        log_error(svc->log, "out of memory building a stanza");
        return;
    }
    if (svc->io.send(svc->io.userdata, stanza) < 0)
        log_warn(svc->log, "could not send a stanza: link not up");
    xmpp_stanza_release(stanza);
}

void service_error(struct service *svc, xmpp_stanza_t *req, const char *type,
                   const char *condition, const char *text)
{
    service_emit(svc, stanza_error_reply(svc->ctx, req, type, condition, text));
}

int service_request(struct service *svc, xmpp_stanza_t *iq, pending_done done,
                    void *data, void (*data_free)(void *))
{
    struct pending *p = calloc(1, sizeof(*p)), **tail;
    char id[32];

    if (!p)
        goto fail;
    snprintf(id, sizeof(id), "cardxd-%" PRIu64, ++svc->next_id);
    p->id = strdup(id);
    p->to = xmpp_stanza_get_to(iq) ? strdup(xmpp_stanza_get_to(iq)) : NULL;
    if (!p->id || !p->to || xmpp_stanza_set_id(iq, id) != XMPP_EOK)
        goto fail;
    p->deadline = svc->now_ms + svc->cfg->fetch_timeout_ms;
    p->done = done;
    p->data = data;
    p->data_free = data_free;
    if (svc->io.send(svc->io.userdata, iq) < 0) {
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
            pending_free(p);
            return;
        }
    }
    log_debug(svc->log, "unexpected iq answer id=%s from %s", id, from);
}

int service_user_allowed(const struct service *svc, const char *bare)
{
    const char *at = strchr(bare, '@');
    const char *domain = at ? at + 1 : NULL;

    if (!domain || !*domain || at == bare)
        return 0;
    for (size_t i = 0; svc->user_domains[i]; i++) {
        if (strcmp(svc->user_domains[i], domain) == 0)
            return 1;
    }
    return 0;
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
                 svc->user_domains[0] ? svc->user_domains[0] : "this server");
        service_error(svc, req, ERR_CANCEL, "not-allowed", text);
        free(bare);
        return NULL;
    }
    return bare;
}

int service_form_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                       const char *type, const char *label, const char *value,
                       int required)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, form, "field", NULL);

    if (!f || xmpp_stanza_set_attribute(f, "var", var) ||
        xmpp_stanza_set_attribute(f, "type", type))
        return -1;
    if (label && xmpp_stanza_set_attribute(f, "label", label))
        return -1;
    if (required && !stanza_add_child(ctx, f, "required", NULL))
        return -1;
    if (value && stanza_add_text_child(ctx, f, "value", value) < 0)
        return -1;
    return 0;
}

char *service_form_value(xmpp_stanza_t *form, const char *var)
{
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(form); f;
         f = xmpp_stanza_get_next(f)) {
        const char *name = xmpp_stanza_get_name(f);
        const char *v = xmpp_stanza_get_attribute(f, "var");
        xmpp_stanza_t *value;

        if (!name || strcmp(name, "field") != 0 || !v || strcmp(v, var) != 0)
            continue;
        value = xmpp_stanza_get_child_by_name(f, "value");
        return value ? xmpp_stanza_get_text(value) : NULL;
    }
    return NULL;
}

static void disco_info(struct service *svc, xmpp_stanza_t *iq,
                       xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply, *q, *id;
    const char *node = xmpp_stanza_get_attribute(query, "node");

    if (node) {
        adhoc_disco_info(svc, iq, node); /* the only nodes are commands */
        return;
    }
    reply = stanza_reply(svc->ctx, iq, "result");
    if (!reply ||
        !(q = stanza_add_child(svc->ctx, reply, "query", NS_DISCO_INFO)))
        goto oom;
    /* Addresses here are phone numbers, hence a PSTN gateway (XEP-0100). */
    id = stanza_add_child(svc->ctx, q, "identity", NULL);
    if (!id || xmpp_stanza_set_attribute(id, "category", "gateway") ||
        xmpp_stanza_set_attribute(id, "type", "pstn") ||
        xmpp_stanza_set_attribute(id, "name", "cardx business cards"))
        goto oom;
    for (const char *const *f = service_features; *f; f++) {
        xmpp_stanza_t *feat = stanza_add_child(svc->ctx, q, "feature", NULL);

        if (!feat || xmpp_stanza_set_attribute(feat, "var", *f))
            goto oom;
    }
    service_emit(svc, reply);
    return;
oom:
    xmpp_stanza_release(reply);
    service_emit(svc, NULL);
}

static void disco_items(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply;
    const char *node = xmpp_stanza_get_attribute(query, "node");

    if (node) {
        adhoc_disco_items(svc, iq, node);
        return;
    }
    reply = stanza_reply(svc->ctx, iq, "result");
    if (reply && !stanza_add_child(svc->ctx, reply, "query", NS_DISCO_ITEMS)) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

static void ping(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    (void)query;
    service_emit(svc, stanza_reply(svc->ctx, iq, "result"));
}

static void version(struct service *svc, xmpp_stanza_t *iq,
                    xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply = stanza_reply(svc->ctx, iq, "result");
    xmpp_stanza_t *q;

    (void)query;
    if (!reply ||
        !(q = stanza_add_child(svc->ctx, reply, "query", NS_VERSION)) ||
        stanza_add_text_child(svc->ctx, q, "name", "cardxd") < 0 ||
        stanza_add_text_child(svc->ctx, q, "version", PACKAGE_VERSION) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

typedef void (*iq_handler)(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *payload);

struct iq_route {
    const char *type; /* "get" or "set" */
    const char *name; /* payload element */
    const char *ns;   /* its namespace */
    iq_handler fn;
};

static const struct iq_route iq_routes[] = {
    {"get", "query", NS_DISCO_INFO, disco_info},
    {"get", "query", NS_DISCO_ITEMS, disco_items},
    {"get", "ping", NS_PING, ping},
    {"get", "query", NS_VERSION, version},
    {"get", "query", NS_REGISTER, register_get},
    {"set", "query", NS_REGISTER, register_set},
    {"get", "vCard", NS_VCARD, exchange_vcard_get},
    {"set", "vCard", NS_VCARD, exchange_vcard_set},
    {"set", "send", NS_CARDX, exchange_send_iq},
    {"set", "ack", NS_CARDX, exchange_ack_iq},
    {"set", "command", NS_COMMANDS, adhoc_execute},
    {"get", "query", NS_GATEWAY, gateway_get},
    {"set", "query", NS_GATEWAY, gateway_set},
};

static void service_iq(struct service *svc, xmpp_stanza_t *iq)
{
    const char *type = xmpp_stanza_get_type(iq);
    xmpp_stanza_t *payload = service_first_tag(iq);
    const char *ns = payload ? xmpp_stanza_get_ns(payload) : NULL;
    const char *name = payload ? xmpp_stanza_get_name(payload) : NULL;

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
    for (size_t i = 0; i < sizeof(iq_routes) / sizeof(iq_routes[0]); i++) {
        const struct iq_route *r = &iq_routes[i];

        if (strcmp(r->type, type) == 0 && strcmp(r->ns, ns) == 0 &&
            strcmp(r->name, name) == 0) {
            r->fn(svc, iq, payload);
            return;
        }
    }
    service_error(svc, iq, ERR_CANCEL, "service-unavailable",
                  "this service does not handle that request");
}

void service_handle(struct service *svc, xmpp_stanza_t *stanza, int64_t now_ms)
{
    const char *name = xmpp_stanza_get_name(stanza);

    svc->now_ms = now_ms;
    if (!name)
        return;
    if (strcmp(name, "iq") == 0)
        service_iq(svc, stanza); /* answers to our requests may be errors */
    else if (stanza_is_error(stanza))
        exchange_message(svc, stanza); /* bounces: logged, never answered */
    else if (strcmp(name, "message") == 0 && privilege_message(svc, stanza))
        return; /* the server's grant of privileges (XEP-0356) */
    else if (strcmp(name, "message") == 0)
        exchange_message(svc, stanza);
    else if (strcmp(name, "presence") == 0)
        exchange_presence(svc, stanza);
}

void service_link_up(struct service *svc, int64_t now_ms)
{
    svc->now_ms = now_ms;
    if (store_session_clear(svc->store) < 0)
        log_error(svc->log, "cannot reset sessions: %s",
                  store_errmsg(svc->store));
    exchange_probe_start(svc);
    exchange_probe_step(svc);
}

void service_link_down(struct service *svc)
{
    svc->probing = 0;
    pending_fail_all(svc);
    if (store_session_clear(svc->store) < 0)
        log_error(svc->log, "cannot reset sessions: %s",
                  store_errmsg(svc->store));
}

int service_timeout(struct service *svc, int64_t now_ms)
{
    int64_t first = -1;

    if (exchange_probe_ready(svc))
        return 0;

    for (struct pending *p = svc->pending; p; p = p->next) {
        if (first < 0 || p->deadline < first)
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
    exchange_probe_step(svc);
    while (*pp) {
        struct pending *p = *pp;

        if (p->deadline > now_ms) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        log_debug(svc->log, "request %s to %s timed out", p->id, p->to);
        p->done(svc, NULL, p->data);
        pending_free(p);
    }
}
