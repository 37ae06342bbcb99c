/* The start-up presence probe: when the link comes up, ask every
 * registered user's server for their presence, a page at a time. */
#include "component/features/probe.h"

#include <stdlib.h>

/* The probe waits while more than this is queued for the server. */
#define PROBE_LOW_WATER (256u * 1024u)

/* Per instance: each asks every user's presence when its own link comes
 * up; the answers, handed to any instance, only refresh shared sessions. */
struct probe {
    int running;
    int64_t cursor; /* last user probed (store_user_next_page) */
};

void probe_send(struct service *svc, const char *jid)
{
    static const char *const types[] = {"probe", NULL};

    /* Our own availability too, so that clients show the service online. */
    for (size_t i = 0; i < 2; i++) {
        xmpp_stanza_t *p = xmpp_presence_new(service_ctx(svc));

        if (p && ((types[i] && xmpp_stanza_set_type(p, types[i])) ||
                  xmpp_stanza_set_from(p, service_config(svc)->domain) ||
                  xmpp_stanza_set_to(p, jid))) {
            xmpp_stanza_release(p);
            p = NULL;
        }
        service_emit(svc, p);
    }
}

static int probe_user(void *ud, const char *jid, const char *phone)
{
    (void)phone;
    probe_send(ud, jid);
    return 0;
}

extern const struct feature feature_probe;

static struct probe *probe_of(struct service *svc)
{
    return service_state(svc, &feature_probe);
}

/* True when a probe step would run now (work left, output drained). */
static int probe_ready(struct service *svc)
{
    return probe_of(svc)->running &&
           service_output_pending(svc) < PROBE_LOW_WATER;
}

/* A page at a time, and only while the output has drained: probing a
 * million users in one go would queue hundreds of megabytes for the server
 * and overflow the link's output cap, which drops the link, which probes
 * again, forever. */
static void probe_step(struct service *svc)
{
    struct probe *pr = probe_of(svc);
    int n;

    if (!probe_ready(svc))
        return;
    n = store_user_next_page(service_store(svc), &pr->cursor, probe_user, svc);
    if (n < 0)
        log_error(service_log(svc), "probing users: %s",
                  store_errmsg(service_store(svc)));
    if (n <= 0) {
        pr->running = 0;
        log_info(service_log(svc), "presence probe of registered users done");
    }
}

static void probe_start(struct service *svc)
{
    struct probe *pr = probe_of(svc);

    pr->running = 1;
    pr->cursor = 0;
    probe_step(svc);
}

static void probe_stop(struct service *svc)
{
    probe_of(svc)->running = 0;
}

static int probe_timeout(struct service *svc)
{
    return probe_ready(svc) ? 0 : -1;
}

static int probe_init(struct service *svc, void **state)
{
    (void)svc;
    *state = calloc(1, sizeof(struct probe));
    return *state ? 0 : CX_ENOMEM;
}

static void probe_free(struct service *svc, void *state)
{
    (void)svc;
    free(state);
}

const struct feature feature_probe = {
    .name = "start-up presence probe",
    .init = probe_init,
    .free = probe_free,
    .link_up = probe_start,
    .link_down = probe_stop,
    .timeout = probe_timeout,
    .tick = probe_step,
};
