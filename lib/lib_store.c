/* libcardx's local store: the public calls over client/cardstore (inbox,
 * contacts, the own card) and vCard import and export. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card/vcard.h"
#include "card/vcardtext.h"
#include "common/util.h"
#include "client/cardstore_updates.h"
#include "lib/lib_int.h"

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir, char **err)
{
    char *copy = strdup(dir);
    int rc = CARDX_OK;

    if (!copy)
        return CARDX_E_NOMEM;
    for (char *p = copy + 1;; p++) {
        char save = *p;

        if (save != '/' && save != '\0')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            if (err)
                *err =
                    str_printf("cannot create %s: %s", copy, strerror(errno));
            rc = CARDX_E_IO;
            break;
        }
        *p = save;
        if (!save)
            break;
    }
    free(copy);
    return rc;
}

int lib_store_init(struct cardx_store *st, const char *data_dir, char **err)
{
    char *path, *why = NULL;
    int rc;

    if (!data_dir || !data_dir[0]) {
        if (err)
            *err = str_printf("no data_dir set for the store");
        return CARDX_E_INVAL;
    }
    rc = make_dirs(data_dir, err);
    if (rc != CARDX_OK)
        return rc;
    path = str_printf("%s/%s", data_dir, LIB_STORE_NAME);
    if (!path)
        return CARDX_E_NOMEM;
    rc = cardstore_open(path, &st->cs, &why);
    if (rc != CARDSTORE_OK) {
        st->cs = NULL;
        if (err)
            *err = str_printf("cannot open %s: %s", path,
                              why ? why : "out of memory");
    }
    free(why);
    free(path);
    return lib_error_from_cx(rc);
}

void lib_store_fini(struct cardx_store *st)
{
    cardstore_free(st->cs);
    st->cs = NULL;
}

int lib_store_fail(struct cardx_store *st, int rc)
{
    if (rc >= 0)
        return rc;
    if (rc == CARDSTORE_EDB)
        lib_format(st->errmsg, sizeof(st->errmsg), "%s",
                   cardstore_errmsg(st->cs));
    else
        lib_format(st->errmsg, sizeof(st->errmsg), "%s",
                   cardx_strerror(lib_error_from_cx(rc)));
    return lib_error_from_cx(rc);
}

int cardx_store_open(const char *data_dir, cardx_store **out, char **err)
{
    cardx_store *st = calloc(1, sizeof(*st));
    int rc;

    *out = NULL;
    if (err)
        *err = NULL;
    if (!st)
        return CARDX_E_NOMEM;
    rc = lib_store_init(st, data_dir, err);
    if (rc != CARDX_OK) {
        free(st);
        return rc;
    }
    *out = st;
    return CARDX_OK;
}

void cardx_store_free(cardx_store *st)
{
    if (!st)
        return;
    lib_store_fini(st);
    free(st);
}

const char *cardx_store_errmsg(const cardx_store *st)
{
    return st->errmsg;
}

/* --- the own card --- */

int cardx_store_self_get(cardx_store *st, cardx_card **out, int *uploaded)
{
    xmpp_ctx_t *ctx;
    xmpp_stanza_t *vcard = NULL;
    char *xml = NULL;
    int up = 0, rc;

    *out = NULL;
    rc = cardstore_self_get(st->cs, &xml, &up);
    if (rc != CARDSTORE_OK)
        return lib_store_fail(st, rc);
    if (uploaded)
        *uploaded = up;
    if (!xml)
        return CARDX_E_NOTFOUND;
    ctx = xmpp_ctx_new(NULL, NULL);
    vcard = ctx ? vcard_from_text(ctx, xml) : NULL;
    *out = cardx_card_new();
    rc = CARDX_E_NOMEM;
    if (vcard && *out && vcard_parse(vcard, &(*out)->c.f) == 0) {
        (*out)->c.vcard_xml = xml;
        xml = NULL;
        rc = CARDX_OK;
    } else if (ctx && *out && !vcard) {
        lib_format(st->errmsg, sizeof(st->errmsg),
                   "your stored card cannot be read back");
        rc = CARDX_E_INVAL;
    }
    if (rc != CARDX_OK) {
        cardx_card_free(*out);
        *out = NULL;
    }
    if (vcard)
        xmpp_stanza_release(vcard);
    if (ctx)
        xmpp_ctx_free(ctx);
    free(xml);
    return rc;
}

/* The vcard-temp text of f, kept in line with old_xml's other elements
 * when there is one; the caller frees it. NULL when out of memory. */
static char *card_xml(const struct vcard_fields *f, const char *old_xml)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *old = NULL, *vcard = NULL;
    char *text = NULL;

    if (!ctx)
        return NULL;
    old = old_xml ? vcard_from_text(ctx, old_xml) : NULL;
    vcard = old ? vcard_merge(ctx, old, f) : vcard_build(ctx, f);
    if (vcard)
        text = vcard_to_text(vcard);
    if (vcard)
        xmpp_stanza_release(vcard);
    if (old)
        xmpp_stanza_release(old);
    xmpp_ctx_free(ctx);
    return text;
}

int cardx_store_self_set(cardx_store *st, const cardx_card *card)
{
    char *old = NULL, *xml;
    int up, rc;

    if (!card)
        return lib_store_fail(st, cardstore_self_set(st->cs, NULL, 0));
    /* The card's own vcard-temp (its photo) when it has one, else the
     * stored card's other elements are kept. */
    rc = card->c.vcard_xml ? CARDSTORE_OK
                           : cardstore_self_get(st->cs, &old, &up);
    if (rc != CARDSTORE_OK)
        return lib_store_fail(st, rc);
    xml = card_xml(&card->c.f, old ? old : card->c.vcard_xml);
    free(old);
    if (!xml)
        return CARDX_E_NOMEM;
    rc = cardstore_self_set(st->cs, xml, 0);
    free(xml);
    return lib_store_fail(st, rc);
}

/* --- inbox and contacts --- */

struct visit {
    cardx_card_fn fn;
    void *ud;
    cardx_store *inbox; /* set for inbox cards: their update marks */
    int rc;             /* the store failed reading those */
};

int lib_card_update_info(struct cardx_store *st, struct cardx_card *card)
{
    int rc;

    free(card->updates);
    free(card->changed);
    card->updates = card->changed = NULL;
    rc = cardstore_update_get(st->cs, card->c.id, &card->updates,
                              &card->changed);
    return rc == CARDSTORE_ENOTFOUND ? CARDX_OK : lib_store_fail(st, rc);
}

/* Lends the store's card to the application's visitor. */
static int visit_one(void *ud, const struct cardstore_card *c)
{
    struct visit *v = ud;
    cardx_card view = {0};
    int rc;

    if (!v->fn)
        return 0;
    view.c = *c;
    if (v->inbox && (v->rc = lib_card_update_info(v->inbox, &view)) < 0)
        return 1;
    rc = v->fn(v->ud, &view);
    free(view.updates);
    free(view.changed);
    return rc;
}

/* A row read into a new public card. */
static int get_card(cardx_store *st, int rc, struct cardstore_card *c,
                    cardx_card **out)
{
    *out = NULL;
    if (rc != CARDSTORE_OK)
        return lib_store_fail(st, rc);
    *out = cardx_card_new();
    if (!*out) {
        cardstore_card_free(c);
        return CARDX_E_NOMEM;
    }
    (*out)->c = *c;
    free(c); /* the members now belong to *out */
    return CARDX_OK;
}

int cardx_store_inbox_list(cardx_store *st, cardx_card_fn fn, void *ud)
{
    struct visit v = {.fn = fn, .ud = ud, .inbox = st};
    int rc = cardstore_inbox_list(st->cs, visit_one, &v);

    return v.rc < 0 ? v.rc : lib_store_fail(st, rc);
}

int cardx_store_inbox_count(cardx_store *st, int64_t *count)
{
    return lib_store_fail(st, cardstore_inbox_count(st->cs, count));
}

int cardx_store_inbox_get(cardx_store *st, int64_t id, cardx_card **out)
{
    struct cardstore_card *c = NULL;
    int rc = cardstore_inbox_get(st->cs, id, &c);

    rc = get_card(st, rc, c, out);
    if (rc == CARDX_OK && (rc = lib_card_update_info(st, *out)) != CARDX_OK) {
        cardx_card_free(*out);
        *out = NULL;
    }
    return rc;
}

int cardx_store_inbox_delete(cardx_store *st, int64_t id)
{
    int rc = lib_card_dropped(st, id);

    if (rc != CARDX_OK)
        return rc;
    return lib_store_fail(st, cardstore_inbox_delete(st->cs, id));
}

int cardx_store_inbox_save(cardx_store *st, int64_t id, enum cardx_merge merge,
                           int64_t *contact_id)
{
    enum cardstore_merge m = merge == CARDX_MERGE_INTO  ? CARDSTORE_MERGE_INTO
                             : merge == CARDX_MERGE_NEW ? CARDSTORE_MERGE_NEW
                                                        : CARDSTORE_MERGE_ASK;
    struct cardstore_card *card = NULL;
    int64_t cid = 0;
    int rc = cardx_store_update_merge(st, id, CARDX_CONFLICT_FAIL, NULL, &cid);

    if (rc != CARDX_E_NOTFOUND) {
        if (contact_id)
            *contact_id = cid;
        return rc;
    }
    /* Kept for the base of its updates; a card that is not there is
     * reported by the save. */
    rc = cardstore_inbox_get(st->cs, id, &card);
    if (rc < 0 && rc != CARDSTORE_ENOTFOUND)
        return lib_store_fail(st, rc);
    rc = lib_store_fail(st, cardstore_inbox_save(st->cs, id, m, &cid));
    if (contact_id)
        *contact_id = cid;
    if (rc == CARDX_OK && card)
        rc = lib_saved_from(st, card, cid);
    cardstore_card_free(card);
    return rc;
}

int cardx_store_contact_list(cardx_store *st, cardx_card_fn fn, void *ud)
{
    struct visit v = {.fn = fn, .ud = ud};

    return lib_store_fail(st, cardstore_contact_list(st->cs, visit_one, &v));
}

int cardx_store_contact_get(cardx_store *st, int64_t id, cardx_card **out)
{
    struct cardstore_card *c = NULL;
    int rc = cardstore_contact_get(st->cs, id, &c);

    return get_card(st, rc, c, out);
}

int cardx_store_contact_add(cardx_store *st, const cardx_card *card,
                            int64_t *id)
{
    struct cardstore_card c = card->c;
    int rc;

    c.vcard_xml = card_xml(&card->c.f, card->c.vcard_xml);
    if (!c.vcard_xml)
        return CARDX_E_NOMEM;
    rc = cardstore_contact_add(st->cs, &c, id);
    free(c.vcard_xml);
    return lib_store_fail(st, rc);
}

int cardx_store_contact_set(cardx_store *st, int64_t id, const char *field,
                            const char *value)
{
    return lib_store_fail(st, cardstore_contact_set(st->cs, id, field, value));
}

int cardx_store_contact_delete(cardx_store *st, int64_t id)
{
    int rc = lib_contact_forget(st, id);

    if (rc != CARDX_OK)
        return rc;
    return lib_store_fail(st, cardstore_contact_delete(st->cs, id));
}

int cardx_store_contact_search(cardx_store *st, const char *text, size_t limit,
                               cardx_card_fn fn, void *ud, int64_t *total)
{
    struct visit v = {.fn = fn, .ud = ud};

    return lib_store_fail(st, cardstore_contact_search(st->cs, text, limit,
                                                       visit_one, &v, total));
}

int cardx_store_begin(cardx_store *st)
{
    return lib_store_fail(st, cardstore_begin(st->cs));
}

int cardx_store_commit(cardx_store *st)
{
    return lib_store_fail(st, cardstore_commit(st->cs));
}

int cardx_store_rollback(cardx_store *st)
{
    return lib_store_fail(st, cardstore_rollback(st->cs));
}

struct cardstore *lib_store_cardstore(cardx_store *st)
{
    return st->cs;
}

/* --- vCard text --- */

struct import_state {
    cardx_store *st;
    xmpp_ctx_t *ctx;
    int count;
    int rc; /* the store's failure, not the text's */
};

static int import_one(void *ud, const struct vcardtext_card *vc)
{
    struct import_state *is = ud;
    /* Kept as vcard-temp too, so that a PHOTO becomes the card's photo. */
    xmpp_stanza_t *vcard = vcardtext_to_vcard_temp(is->ctx, vc);
    cardx_card card = {0};
    int rc = CARDX_E_NOMEM;

    card.c.f = vc->f;
    card.c.extra = vc->extra;
    card.c.vcard_xml = vcard ? vcard_to_text(vcard) : NULL;
    if (vcard)
        xmpp_stanza_release(vcard);
    if (card.c.vcard_xml)
        rc = cardx_store_contact_add(is->st, &card, NULL);
    free(card.c.vcard_xml);
    if (rc == CARDX_E_NOMEM)
        lib_format(is->st->errmsg, sizeof(is->st->errmsg), "out of memory");
    if (rc != CARDX_OK) {
        is->rc = rc;
        return 1;
    }
    is->count++;
    return 0;
}

int cardx_store_import_vcard(cardx_store *st, const char *text, char **err)
{
    struct import_state is = {st, NULL, 0, CARDX_OK};
    char *why = NULL;
    int rc;

    if (err)
        *err = NULL;
    is.ctx = xmpp_ctx_new(NULL, NULL);
    if (!is.ctx)
        return CARDX_E_NOMEM;
    rc = cardstore_begin(st->cs);
    if (rc != CARDSTORE_OK) {
        xmpp_ctx_free(is.ctx);
        return lib_store_fail(st, rc);
    }
    rc = vcardtext_parse(text, import_one, &is, &why);
    xmpp_ctx_free(is.ctx);
    if (rc < 0 || is.rc != CARDX_OK ||
        (rc = cardstore_commit(st->cs)) != CARDSTORE_OK) {
        int code = is.rc != CARDX_OK ? is.rc : lib_store_fail(st, rc);

        if (err)
            *err = is.rc != CARDX_OK ? strdup(st->errmsg)
                                     : (why ? why : strdup(st->errmsg));
        if (!err || *err != why)
            free(why);
        cardstore_rollback(st->cs);
        return code;
    }
    return is.count;
}

struct export_state {
    FILE *mem;
    int count;
    int failed;
};

static int export_one(void *ud, const cardx_card *card)
{
    struct export_state *es = ud;
    char *text = cardx_card_to_vcard(card);

    if (!text || fputs(text, es->mem) == EOF) {
        free(text);
        es->failed = 1;
        return 1;
    }
    free(text);
    es->count++;
    return 0;
}

int cardx_store_export_vcard(cardx_store *st, char **out, int *count)
{
    struct export_state es = {0};
    size_t len = 0;
    int rc;

    *out = NULL;
    es.mem = open_memstream(out, &len);
    if (!es.mem)
        return CARDX_E_NOMEM;
    rc = cardx_store_contact_list(st, export_one, &es);
    if (fclose(es.mem) != 0 || es.failed || rc < 0) {
        free(*out);
        *out = NULL;
        return rc < 0 ? rc : CARDX_E_NOMEM;
    }
    if (count)
        *count = es.count;
    return CARDX_OK;
}
