/* The service unit tests' fixture: a service, its store and what it sent. */
#include "tests/lib/svcfix.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/stanza_match.h"

static int svcfix_capture(void *ud, xmpp_stanza_t *stanza)
{
    struct svcfix *fx = ud;

    if (fx->link_down)
        return -1;
    ck_assert_int_lt(fx->nout, SVCFIX_OUT_MAX);
    fx->out[fx->nout++] = xmpp_stanza_copy(stanza);
    return 0;
}

/* Replaces a string setting of cfg; NULL (no memory) fails the test. */
static void svcfix_set(char **field, const char *value)
{
    free(*field);
    *field = strdup(value);
    ck_assert_ptr_nonnull(*field);
}

static size_t svcfix_pending(void *ud)
{
    struct svcfix *fx = ud;

    return fx->pending;
}

/* Sets up fx's service over the store at fx->path, as instance (NULL:
 * the default name). */
static void svcfix_start(struct svcfix *fx, const char *instance)
{
    struct service_io io = {svcfix_capture, fx, svcfix_pending, NULL};
    char *err = NULL;

    fx->ctx = xmpp_ctx_new(NULL, NULL);
    ck_assert_ptr_nonnull(fx->ctx);
    fx->cfg = config_new();
    ck_assert_ptr_nonnull(fx->cfg);
    svcfix_set(&fx->cfg->domain, SVCFIX_DOMAIN);
    svcfix_set(&fx->cfg->default_region, "CN");
    /* The catalogs this build made: requests in Chinese get Chinese. */
    svcfix_set(&fx->cfg->locale_dir, BUILDDIR "/po/locale");
    if (instance)
        svcfix_set(&fx->cfg->instance, instance);
    ck_assert_int_eq(store_open(fx->path, "normal", &fx->store, &err), 0);
    fx->svc = service_new(fx->ctx, fx->cfg, fx->store, &io, NULL);
    ck_assert_ptr_nonnull(fx->svc);
    fx->now = 1000;
}

void svcfix_init(struct svcfix *fx)
{
    int fd;

    memset(fx, 0, sizeof(*fx));
    snprintf(fx->path, sizeof(fx->path), "/tmp/cardx-svc-XXXXXX");
    fd = mkstemp(fx->path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    svcfix_start(fx, NULL);
}

void svcfix_init_beside(struct svcfix *fx, const struct svcfix *first,
                        const char *instance)
{
    memset(fx, 0, sizeof(*fx));
    snprintf(fx->path, sizeof(fx->path), "%s", first->path);
    fx->beside = 1;
    svcfix_start(fx, instance);
}

void svcfix_clear_out(struct svcfix *fx)
{
    for (int i = 0; i < fx->nout; i++)
        xmpp_stanza_release(fx->out[i]);
    fx->nout = 0;
}

void svcfix_free(struct svcfix *fx)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[80];

    svcfix_clear_out(fx);
    service_free(fx->svc);
    store_free(fx->store);
    config_free(fx->cfg);
    xmpp_ctx_free(fx->ctx);
    for (size_t i = 0;
         !fx->beside && i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", fx->path, suffixes[i]);
        unlink(path);
    }
}

void svcfix_feed(struct svcfix *fx, const char *xml)
{
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(fx->ctx, xml);

    ck_assert_msg(st != NULL, "bad test XML: %s", xml);
    service_handle(fx->svc, st, fx->now);
    xmpp_stanza_release(st);
}

xmpp_stanza_t *svcfix_expect_at(struct svcfix *fx, const char *file, int line,
                                int i, const char *fmt, ...)
{
    char why[STANZA_WHY_MAX];
    int k = i < 0 ? fx->nout + i : i;
    va_list ap;
    int rc;

    ck_assert_msg(k >= 0 && k < fx->nout, "no stanza %d: the service sent %d",
                  i, fx->nout);
    va_start(ap, fmt);
    rc = stanza_vmismatch(fx->out[k], why, sizeof(why), fmt, ap);
    va_end(ap);
    ck_assert_msg(rc == 0, "%s:%d: sent stanza %d of %d: %s", file, line, k,
                  fx->nout, why);
    return fx->out[k];
}
