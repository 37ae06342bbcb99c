/* cardxd's service core: dispatch through the feature table, emitting and
 * errors. The iqs cardxd sends are in service_pending.c, what the store's
 * failures answer in service_fault.c. */
#include "component/service.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/util.h"
#include "component/feature.h"
#include "component/service_core.h"
#include "xep/stanza.h"

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
    svc->stats = stats_new(clock_now_ms());
    svc->wall_offset = clock_wall_ms() - clock_now_ms();
    if (!svc->stats || domains_parse(svc) < 0 || service_lang_init(svc) < 0 ||
        features_init(svc) < 0) {
        service_free(svc);
        return NULL;
    }
    return svc;
}

void service_free(struct service *svc)
{
    if (!svc)
        return;
    pending_free_all(svc);
    for (size_t i = 0; svc->state && i < svc->nfeatures; i++) {
        if (service_features[i]->free)
            service_features[i]->free(svc, svc->state[i]);
    }
    free(svc->state);
    strv_clear(&svc->user_domains);
    stats_free(svc->stats);
    i18n_free(svc->i18n);
    free(svc->lang_of);
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

void service_set_config(struct service *svc, const struct cardxd_config *cfg)
{
    /* Both were parsed or used at service_new(): they must not move. */
    assert(strcmp(cfg->domain, svc->cfg->domain) == 0);
    assert(strcmp(cfg->user_domains, svc->cfg->user_domains) == 0);
    svc->cfg = cfg;
}

struct store *service_store(const struct service *svc)
{
    return svc->store;
}

const struct log *service_log(const struct service *svc)
{
    return svc->log;
}

struct stats *service_stats(const struct service *svc)
{
    return svc->stats;
}

int64_t service_now_ms(const struct service *svc)
{
    return svc->now_ms;
}

int64_t service_wall_ms(const struct service *svc)
{
    return svc->now_ms + svc->wall_offset;
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

int service_send_with(struct service *svc, xmpp_stanza_t *stanza,
                      const char *inner)
{
    xmpp_stanza_t *copy, *child;
    int rc = -1;

    if (svc->io.send_with)
        return svc->io.send_with(svc->io.userdata, stanza, inner) < 0 ? -1 : 0;
    /* A caller without the text path (the tests' fixture) gets the tree. */
    copy = xmpp_stanza_copy(stanza);
    child = xmpp_stanza_new_from_string(svc->ctx, inner);
    if (copy && child && xmpp_stanza_add_child_ex(copy, child, 0) == XMPP_EOK) {
        child = NULL; /* now owned by copy */
        rc = service_send(svc, copy);
    }
    if (child)
        xmpp_stanza_release(child);
    if (copy)
        xmpp_stanza_release(copy);
    return rc;
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
    const char *lang = service_lang_of(svc, req);

    service_emit(svc, stanza_error_reply_lang(
                          svc->ctx, req, type, condition,
                          text ? service_tr_lang(svc, lang, text) : NULL,
                          i18n_tag(lang)));
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
        snprintf(text, sizeof(text),
                 service_tr(svc, "only users of %s may use this service"),
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
    service_lang_event(svc, stanza);
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
    service_lang_set(svc,
                     NULL); /* no one asked: features choose per recipient */
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
    first = pending_first_deadline(svc, first);
    if (first < 0)
        return -1;
    return first <= now_ms ? 0 : (int)(first - now_ms);
}

void service_tick(struct service *svc, int64_t now_ms)
{
    svc->now_ms = now_ms;
    service_lang_set(svc,
                     NULL); /* no one asked: features choose per recipient */
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->tick)
            (*f)->tick(svc);
    }
    pending_expire(svc);
}
