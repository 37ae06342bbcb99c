/* libcardx's consent (xep/cardx.md, consent): who may send the user
 * cards, the contacts' numbers told to cardxd for that (and remembered
 * beside the store, to tell again when they change), and the cards that
 * wait for the user's consent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "lib/lib_client_int.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Beside the store: the numbers last told, one a line. It exists while
 * the mode is contacts or ask. */
#define CONSENT_TOLD_SUFFIX ".consent-numbers"

static const char *const mode_names[] = {"anyone", "contacts", "ask"};

struct cardx_request {
    char *id, *from, *name, *received, *note;
};

const char *cardx_request_id(const cardx_request *r)
{
    return r->id;
}

const char *cardx_request_from(const cardx_request *r)
{
    return r->from;
}

const char *cardx_request_name(const cardx_request *r)
{
    return r->name;
}

const char *cardx_request_received(const cardx_request *r)
{
    return r->received;
}

const char *cardx_request_note(const cardx_request *r)
{
    return r->note;
}

static void request_free(cardx_request *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->from);
    free(r->name);
    free(r->received);
    free(r->note);
    free(r);
}

void cardx_requests_free(cardx_request **list)
{
    for (size_t i = 0; list && list[i]; i++)
        request_free(list[i]);
    free(list);
}

/* --- the numbers told --- */

struct numbers {
    struct strv v;
    int failed;
};

static int collect_phone(void *ud, const struct cardstore_card *card)
{
    struct numbers *n = ud;

    if (card->f.phone && strv_push(&n->v, card->f.phone) != 0) {
        n->failed = 1;
        return 1;
    }
    return 0;
}

/* The numbers of the saved contacts, as the contacts hold them, into
 * *phones (NULL-terminated, the caller's: cardx_strv_free) and *text (one
 * a line, the caller's: free): what cardxd is told for consent. */
static int consent_numbers(struct cardx_store *st, char ***phones, char **text)
{
    struct numbers n = {0};
    size_t len = 0;
    FILE *mem;
    int rc = cardstore_contact_list(st->cs, collect_phone, &n);

    *phones = NULL;
    *text = NULL;
    if (rc < 0 || n.failed) {
        strv_clear(&n.v);
        return n.failed ? CARDX_E_NOMEM : lib_store_fail(st, rc);
    }
    mem = open_memstream(text, &len);
    for (size_t i = 0; mem && i < n.v.n; i++)
        fprintf(mem, "%s\n", n.v.v[i]);
    *phones = calloc(n.v.n + 1, sizeof(**phones));
    if (!mem || fclose(mem) != 0 || !*phones) {
        free(*text);
        free(*phones);
        *text = NULL;
        *phones = NULL;
        strv_clear(&n.v);
        return CARDX_E_NOMEM;
    }
    for (size_t i = 0; i < n.v.n; i++)
        (*phones)[i] = n.v.v[i]; /* moved */
    free(n.v.v);
    return CARDX_OK;
}

static char *told_path(const char *data_dir)
{
    return str_printf("%s/%s%s", data_dir, LIB_STORE_NAME, CONSENT_TOLD_SUFFIX);
}

/* The numbers last told to cardxd (the caller frees), NULL when none were
 * (the mode is anyone) or the file cannot be read. */
static char *consent_told(const char *data_dir)
{
    char *path = told_path(data_dir), *text = NULL;
    FILE *f = path ? fopen(path, "re") : NULL;
    size_t len = 0;
    FILE *mem;
    char buf[4096];
    size_t n;

    free(path);
    if (!f)
        return NULL;
    mem = open_memstream(&text, &len);
    while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    if (!mem || (fclose(mem) != 0) | ferror(f)) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

/* Remembers text as told (a new file renamed over the old); removes the
 * record with text NULL. -1 on failure. */
static int consent_remember(const char *data_dir, const char *text)
{
    char *path = told_path(data_dir);
    char *tmp = path ? str_printf("%s.new", path) : NULL;
    FILE *f = NULL;
    int rc = tmp ? 0 : -1;

    if (rc == 0 && !text) {
        if (unlink(path) != 0 && errno != ENOENT)
            rc = -1;
        goto out;
    }
    f = tmp ? fopen(tmp, "we") : NULL;
    rc = f ? 0 : -1;
    if (f && fputs(text, f) == EOF)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0 && tmp)
        unlink(tmp);
out:
    free(tmp);
    free(path);
    return rc;
}

/* --- requests to cardxd --- */

int lib_iq_blocking(struct cardx_client *c, xmpp_stanza_t *iq, const char *what,
                    xmpp_stanza_t **reply)
{
    uint32_t request = 0;
    int rc = lib_request_send(c, iq, REQ_IQ, what, &request);

    if (reply)
        *reply = NULL;
    if (rc == CARDX_OK)
        rc = cardx_client_wait(c, request);
    if (rc == CARDX_OK && reply) {
        *reply = c->wait.reply;
        c->wait.reply = NULL;
    }
    if (c->wait.reply)
        xmpp_stanza_release(c->wait.reply);
    c->wait.reply = NULL;
    return rc;
}

/* An iq set or get with one <name/> child, attr=value on it unless attr
 * is NULL; NULL when out of memory. */
static xmpp_stanza_t *consent_iq(struct cardx_client *c, const char *type,
                                 const char *name, const char *attr,
                                 const char *value, xmpp_stanza_t **el)
{
    xmpp_stanza_t *iq = lib_component_iq(c, type, name, NS_CARDX, el);

    if (iq && attr && xmpp_stanza_set_attribute(*el, attr, value)) {
        xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

/* Sends iq (released here) and waits. */
static int iq_do(struct cardx_client *c, xmpp_stanza_t *iq, const char *what,
                 xmpp_stanza_t **reply)
{
    int rc;

    if (!iq)
        return CARDX_E_NOMEM;
    rc = lib_iq_blocking(c, iq, what, reply);
    xmpp_stanza_release(iq);
    return rc;
}

/* Tells cardxd the contacts' numbers, replacing what it had, and
 * remembers them. */
static int tell_contacts(struct cardx_client *c, size_t *count)
{
    char **phones = NULL, *text = NULL;
    xmpp_stanza_t *list, *item;
    xmpp_stanza_t *iq = NULL;
    size_t n = 0;
    int rc = consent_numbers(&c->store, &phones, &text);

    if (rc == CARDX_OK)
        iq = consent_iq(c, "set", "contacts", NULL, NULL, &list);
    for (; iq && phones[n]; n++) {
        item = stanza_add_child(c->s->ctx, list, "item", NULL);
        if (!item || xmpp_stanza_set_attribute(item, "phone", phones[n])) {
            xmpp_stanza_release(iq);
            iq = NULL;
        }
    }
    if (rc == CARDX_OK)
        rc = iq_do(c, iq, "tell cardxd your contacts' numbers", NULL);
    if (rc == CARDX_OK && count)
        *count = n;
    /* Not remembered: the next refresh tells them again, no harm. */
    if (rc == CARDX_OK)
        consent_remember(c->settings->data_dir, text);
    cardx_strv_free(phones);
    free(text);
    return rc;
}

int cardx_client_consent_get_blocking(cardx_client *c, enum cardx_consent *mode)
{
    xmpp_stanza_t *el, *reply = NULL, *got;
    const char *name;
    int rc = lib_need_online(c);

    *mode = CARDX_CONSENT_ANYONE;
    if (rc != CARDX_OK)
        return rc;
    rc = iq_do(c, consent_iq(c, "get", "consent", NULL, NULL, &el),
               "ask who may send you cards", &reply);
    if (rc != CARDX_OK)
        return rc;
    got = xmpp_stanza_get_child_by_name_and_ns(reply, "consent", NS_CARDX);
    name = got ? xmpp_stanza_get_attribute(got, "mode") : NULL;
    for (int i = 0; name && i < 3; i++) {
        if (strcmp(name, mode_names[i]) == 0)
            *mode = (enum cardx_consent)i;
    }
    xmpp_stanza_release(reply);
    return CARDX_OK;
}

int cardx_client_consent_set_blocking(cardx_client *c, enum cardx_consent mode,
                                      size_t *count)
{
    xmpp_stanza_t *el;
    int rc = lib_need_online(c);

    if (count)
        *count = 0;
    if (rc == CARDX_OK &&
        (mode < CARDX_CONSENT_ANYONE || mode > CARDX_CONSENT_ASK)) {
        lib_set_err(c, "no such consent mode");
        rc = CARDX_E_INVAL;
    }
    /* The numbers go first, so that no known sender is refused between. */
    if (rc == CARDX_OK && mode != CARDX_CONSENT_ANYONE)
        rc = tell_contacts(c, count);
    if (rc == CARDX_OK)
        rc = iq_do(
            c, consent_iq(c, "set", "consent", "mode", mode_names[mode], &el),
            "set who may send you cards", NULL);
    /* Nothing to keep cardxd told of. */
    if (rc == CARDX_OK && mode == CARDX_CONSENT_ANYONE)
        consent_remember(c->settings->data_dir, NULL);
    return rc;
}

int cardx_client_consent_refresh_blocking(cardx_client *c, int *told,
                                          size_t *count)
{
    char *before = consent_told(c->settings->data_dir);
    char **phones = NULL, *now = NULL;
    int rc = CARDX_OK;

    if (told)
        *told = 0;
    if (count)
        *count = 0;
    if (!before)
        return CARDX_OK; /* anyone, or never told */
    rc = lib_need_online(c);
    if (rc == CARDX_OK)
        rc = consent_numbers(&c->store, &phones, &now);
    if (rc == CARDX_OK && strcmp(before, now) != 0) {
        rc = tell_contacts(c, count);
        if (rc == CARDX_OK && told)
            *told = 1;
    }
    cardx_strv_free(phones);
    free(now);
    free(before);
    return rc;
}

/* One <request/>; NULL when out of memory. */
static cardx_request *request_read(xmpp_stanza_t *el)
{
    static const char *const attrs[] = {"id", "from", "name", "received"};
    cardx_request *r = calloc(1, sizeof(*r));
    char **dst[4];
    xmpp_stanza_t *note = xmpp_stanza_get_child_by_name(el, "note");
    char *text = note ? xmpp_stanza_get_text(note) : NULL;
    int ok = r != NULL;

    if (r) {
        dst[0] = &r->id;
        dst[1] = &r->from;
        dst[2] = &r->name;
        dst[3] = &r->received;
    }
    for (size_t i = 0; ok && i < 4; i++) {
        const char *v = xmpp_stanza_get_attribute(el, attrs[i]);

        ok = !v || (*dst[i] = strdup(v)) != NULL;
    }
    if (ok && text)
        ok = (r->note = strdup(text)) != NULL;
    if (text)
        xmpp_free(xmpp_stanza_get_context(el), text);
    if (!ok) {
        request_free(r);
        return NULL;
    }
    return r;
}

int cardx_client_requests_blocking(cardx_client *c, cardx_request ***list,
                                   size_t *count)
{
    xmpp_stanza_t *el, *reply = NULL, *all;
    size_t n = 0;
    int rc = lib_need_online(c);

    *list = NULL;
    if (count)
        *count = 0;
    if (rc == CARDX_OK)
        rc = iq_do(c, consent_iq(c, "get", "requests", NULL, NULL, &el),
                   "list requests", &reply);
    if (rc != CARDX_OK)
        return rc;
    all = xmpp_stanza_get_child_by_name_and_ns(reply, "requests", NS_CARDX);
    for (xmpp_stanza_t *r = all ? xmpp_stanza_get_children(all) : NULL; r;
         r = xmpp_stanza_get_next(r))
        n++;
    *list = calloc(n + 1, sizeof(**list));
    n = 0;
    for (xmpp_stanza_t *r = all ? xmpp_stanza_get_children(all) : NULL;
         *list && r; r = xmpp_stanza_get_next(r)) {
        if (!xmpp_stanza_is_tag(r) ||
            strcmp(xmpp_stanza_get_name(r), "request") != 0)
            continue;
        (*list)[n] = request_read(r);
        if (!(*list)[n++]) {
            cardx_requests_free(*list);
            *list = NULL;
        }
    }
    xmpp_stanza_release(reply);
    if (!*list)
        return CARDX_E_NOMEM;
    if (count)
        *count = n;
    return CARDX_OK;
}

int cardx_client_request_answer(cardx_client *c, const char *id, int accept,
                                uint32_t *request)
{
    const char *verb = accept ? "accept" : "decline";
    xmpp_stanza_t *el, *iq;
    char what[160];
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!id || !id[0]) {
        lib_set_err(c, "no request id given");
        return CARDX_E_INVAL;
    }
    lib_format(what, sizeof(what), "%s %s", verb, id);
    iq = consent_iq(c, "set", verb, "id", id, &el);
    rc = iq ? lib_request_send(c, iq, REQ_IQ, what, request) : CARDX_E_NOMEM;
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}
