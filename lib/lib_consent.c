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

/* Sends iq (released here; NULL: out of memory) as a request of kind
 * about what, the step after prev (NULL: a new request); *r receives
 * it. */
static int consent_send(struct cardx_client *c, xmpp_stanza_t *iq,
                        enum lib_request_kind kind, const char *what,
                        const struct lib_request *prev, struct lib_request **r)
{
    int rc;

    if (!iq)
        return CARDX_E_NOMEM;
    rc = lib_request_send_step(c, iq, kind, what, prev, r);
    xmpp_stanza_release(iq);
    return rc;
}

/* The <contacts/> set telling phones; NULL when out of memory. */
static xmpp_stanza_t *contacts_iq(struct cardx_client *c, char **phones)
{
    xmpp_stanza_t *list, *item;
    xmpp_stanza_t *iq = consent_iq(c, "set", "contacts", NULL, NULL, &list);

    for (size_t n = 0; iq && phones[n]; n++) {
        item = stanza_add_child(c->s->ctx, list, "item", NULL);
        if (!item || xmpp_stanza_set_attribute(item, "phone", phones[n])) {
            xmpp_stanza_release(iq);
            iq = NULL;
        }
    }
    return iq;
}

/* Starts telling cardxd the contacts' numbers, replacing what it had:
 * a request that sets mode next (-1: none, a refresh). *count (may be
 * NULL) receives how many numbers, *request (may be NULL) its serial. */
static int tell_contacts(struct cardx_client *c, int mode, size_t *count,
                         uint32_t *request)
{
    char **phones = NULL, *text = NULL;
    struct lib_request *r = NULL;
    size_t n = 0;
    int rc = consent_numbers(&c->store, &phones, &text);

    if (rc == CARDX_OK)
        rc = consent_send(c, contacts_iq(c, phones), REQ_CONSENT_TELL,
                          "tell cardxd your contacts' numbers", NULL, &r);
    if (rc == CARDX_OK) {
        r->told = text; /* remembered once cardxd took them */
        text = NULL;
        r->mode = mode;
        while (phones[n])
            n++;
        if (count)
            *count = n;
        if (request)
            *request = r->serial;
    }
    cardx_strv_free(phones);
    free(text);
    return rc;
}

/* Sends the <consent mode=/> set, the step after prev (NULL: a new
 * request); *request (may be NULL) receives its serial. */
static int mode_send(struct cardx_client *c, enum cardx_consent mode,
                     const struct lib_request *prev, uint32_t *request)
{
    xmpp_stanza_t *el;
    struct lib_request *r = NULL;
    int rc = consent_send(
        c, consent_iq(c, "set", "consent", "mode", mode_names[mode], &el),
        REQ_CONSENT_SET, "set who may send you cards", prev, &r);

    if (rc == CARDX_OK) {
        r->mode = (int)mode;
        if (request)
            *request = r->serial;
    }
    return rc;
}

int cardx_client_consent_get(cardx_client *c, uint32_t *request)
{
    xmpp_stanza_t *el;
    struct lib_request *r = NULL;
    int rc = lib_need_online(c);

    if (rc == CARDX_OK)
        rc = consent_send(c, consent_iq(c, "get", "consent", NULL, NULL, &el),
                          REQ_CONSENT_GET, "ask who may send you cards", NULL,
                          &r);
    if (rc == CARDX_OK && request)
        *request = r->serial;
    return rc;
}

int cardx_client_consent_set(cardx_client *c, enum cardx_consent mode,
                             size_t *count, uint32_t *request)
{
    int rc = lib_need_online(c);

    if (count)
        *count = 0;
    if (rc != CARDX_OK)
        return rc;
    if (mode < CARDX_CONSENT_ANYONE || mode > CARDX_CONSENT_ASK) {
        lib_set_err(c, "no such consent mode");
        return CARDX_E_INVAL;
    }
    /* The numbers go first, so that no known sender is refused between;
     * the mode follows from their answer (lib_consent_reply). */
    if (mode != CARDX_CONSENT_ANYONE)
        return tell_contacts(c, (int)mode, count, request);
    return mode_send(c, mode, NULL, request);
}

int cardx_client_consent_refresh(cardx_client *c, size_t *count,
                                 uint32_t *request)
{
    char *before = consent_told(c->settings->data_dir);
    char **phones = NULL, *now = NULL;
    int rc;

    if (count)
        *count = 0;
    if (request)
        *request = 0;
    if (!before)
        return CARDX_OK; /* anyone, or never told */
    rc = lib_need_online(c);
    if (rc == CARDX_OK)
        rc = consent_numbers(&c->store, &phones, &now);
    if (rc == CARDX_OK && strcmp(before, now) != 0)
        rc = tell_contacts(c, -1, count, request);
    cardx_strv_free(phones);
    free(now);
    free(before);
    return rc;
}

int cardx_client_requests(cardx_client *c, uint32_t *request)
{
    xmpp_stanza_t *el;
    struct lib_request *r = NULL;
    int rc = lib_need_online(c);

    if (rc == CARDX_OK)
        rc = consent_send(c, consent_iq(c, "get", "requests", NULL, NULL, &el),
                          REQ_REQUESTS, "list requests", NULL, &r);
    if (rc == CARDX_OK && request)
        *request = r->serial;
    return rc;
}

/* --- their answers --- */

static void report_consent(struct cardx_client *c, struct lib_request *r,
                           int error, const char *reason,
                           enum cardx_consent mode)
{
    if (error != CARDX_OK)
        lib_set_err(c, "cannot %s: %s", r->number, reason);
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
        c->wait.consent = mode;
    }
    if (c->cb.consent)
        c->cb.consent(c->ud, r->serial, error, reason, mode);
}

/* The mode of a <consent/> answer; anyone when it names none known. */
static enum cardx_consent mode_read(xmpp_stanza_t *reply)
{
    xmpp_stanza_t *got =
        xmpp_stanza_get_child_by_name_and_ns(reply, "consent", NS_CARDX);
    const char *name = got ? xmpp_stanza_get_attribute(got, "mode") : NULL;

    for (int i = 0; name && i <= CARDX_CONSENT_ASK; i++) {
        if (strcmp(name, mode_names[i]) == 0)
            return (enum cardx_consent)i;
    }
    return CARDX_CONSENT_ANYONE;
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

/* The requests of a <requests/> answer, NULL-terminated in *out. */
static int requests_read(xmpp_stanza_t *reply, cardx_request ***out,
                         size_t *count)
{
    xmpp_stanza_t *all =
        xmpp_stanza_get_child_by_name_and_ns(reply, "requests", NS_CARDX);
    size_t n = 0;

    *count = 0;
    for (xmpp_stanza_t *r = all ? xmpp_stanza_get_children(all) : NULL; r;
         r = xmpp_stanza_get_next(r))
        n++;
    *out = calloc(n + 1, sizeof(**out));
    if (!*out)
        return CARDX_E_NOMEM;
    for (xmpp_stanza_t *r = all ? xmpp_stanza_get_children(all) : NULL; r;
         r = xmpp_stanza_get_next(r)) {
        if (!xmpp_stanza_is_tag(r) ||
            strcmp(xmpp_stanza_get_name(r), "request") != 0)
            continue;
        (*out)[*count] = request_read(r);
        if (!(*out)[(*count)++]) {
            cardx_requests_free(*out);
            *out = NULL;
            *count = 0;
            return CARDX_E_NOMEM;
        }
    }
    return CARDX_OK;
}

/* Calls back with list (borrowed), then keeps it for a blocking caller
 * waiting for r or frees it. */
static void report_requests(struct cardx_client *c, struct lib_request *r,
                            int error, const char *reason, cardx_request **list,
                            size_t count)
{
    if (error != CARDX_OK)
        lib_set_err(c, "cannot %s: %s", r->number, reason);
    if (c->cb.requests)
        c->cb.requests(c->ud, r->serial, error, reason,
                       (const cardx_request *const *)list, count);
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
        cardx_requests_free(c->wait.requests);
        c->wait.requests = list;
        list = NULL;
    }
    cardx_requests_free(list);
}

void lib_consent_reply(struct cardx_client *c, struct lib_request *r,
                       xmpp_stanza_t *reply, int error, const char *reason)
{
    char why[LIB_ERRMSG_SIZE];
    cardx_request **list = NULL;
    size_t count = 0;

    if (reply && stanza_is_error(reply)) {
        error = lib_refusal(reply, why, sizeof(why));
        reason = why;
    }
    if (r->kind == REQ_CONSENT_GET) {
        report_consent(c, r, error, reason,
                       reply && error == CARDX_OK ? mode_read(reply)
                                                  : CARDX_CONSENT_ANYONE);
        return;
    }
    if (r->kind == REQ_REQUESTS) {
        if (reply && error == CARDX_OK &&
            (error = requests_read(reply, &list, &count)) != CARDX_OK)
            reason = lib_tr(c, "out of memory");
        report_requests(c, r, error, reason, list, count);
        return;
    }
    if (error == CARDX_OK && r->kind == REQ_CONSENT_TELL) {
        /* Not remembered: the next refresh tells them again, no harm. */
        consent_remember(c->settings->data_dir, r->told);
        /* A consent set's mode is its next step, which reports for both. */
        if (r->mode >= 0) {
            error = mode_send(c, (enum cardx_consent)r->mode, r, NULL);
            if (error == CARDX_OK)
                return;
            reason = lib_tr(c, "out of memory");
        }
    }
    /* Nothing to keep cardxd told of. */
    if (error == CARDX_OK && r->kind == REQ_CONSENT_SET &&
        r->mode == CARDX_CONSENT_ANYONE)
        consent_remember(c->settings->data_dir, NULL);
    lib_report_answer(c, r, error, reason);
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
