/* The card store's contacts: saved cards, their phone-number keys, edits
 * that keep vcard_xml in step, and merging a card into one. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_int.h"

/* Phone suffixes shorter than this are not indexed (see 001_init.sql). */
#define CS_MIN_SUFFIX 4
/* Longer "numbers" are indexed whole only, to bound phone_keys. */
#define CS_MAX_KEY_DIGITS 32

/* --- phone numbers --- */

/* The digits of phone into a new *out, NULL when it has none. */
static int cs_digits(struct cardstore *cs, const char *phone, char **out)
{
    size_t n = 0;
    const char *p;

    *out = NULL;
    if (!phone || !strpbrk(phone, "0123456789"))
        return 0;
    *out = malloc(strlen(phone) + 1);
    if (!*out)
        return cs_nomem(cs);
    for (p = phone; *p; p++)
        if (*p >= '0' && *p <= '9')
            (*out)[n++] = *p;
    (*out)[n] = '\0';
    return 0;
}

/* phone_keys for digits (see 001_init.sql) into a new *out; NULL for
 * NULL. */
static int cs_phone_keys(struct cardstore *cs, const char *digits, char **out)
{
    size_t len, size, i, n = 0;

    *out = NULL;
    if (!digits)
        return 0;
    len = strlen(digits);
    /* The whole number, then each shorter suffix and a space before it. */
    size = len + 1;
    if (len <= CS_MAX_KEY_DIGITS)
        for (i = 1; i + CS_MIN_SUFFIX <= len; i++)
            size += len - i + 1;
    *out = malloc(size);
    if (!*out)
        return cs_nomem(cs);
    memcpy(*out, digits, len);
    n = len;
    if (len <= CS_MAX_KEY_DIGITS)
        for (i = 1; i + CS_MIN_SUFFIX <= len; i++) {
            (*out)[n++] = ' ';
            memcpy(*out + n, digits + i, len - i);
            n += len - i;
        }
    (*out)[n] = '\0';
    assert(n + 1 == size);
    return 0;
}

/* The oldest contact whose number has the same digits as phone. */
int cs_find_phone(struct cardstore *cs, const char *phone, int64_t *id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_BY_DIGITS];
    char *digits;
    int ret = cs_digits(cs, phone, &digits);

    if (ret == 0 && !digits)
        return cs_fail(cs, CARDSTORE_ENOTFOUND, "the number has no digits");
    if (ret == 0)
        ret = cs_get_int(cs, s, cs_bind(cs, s, 1, "t", digits), id,
                         "no contact has this number");
    free(digits);
    return ret;
}

int cardstore_contact_by_phone(struct cardstore *cs, const char *e164,
                               int64_t *id)
{
    if (!e164)
        return cs_fail(cs, CARDSTORE_EINVAL, "no number given");
    return cs_find_phone(cs, e164, id);
}

/* --- contacts --- */

/* Binds cjk_name and cjk_other for f (parameters 17 and 18), made into
 * *name and *rest, which the caller frees after the statement ran. */
static int cs_bind_cjk(struct cardstore *cs, sqlite3_stmt *s,
                       const struct vcard_fields *f, char **name, char **rest)
{
    const char *other[] = {f->org, f->title, f->address, f->note};
    int ret = cs_cjk_chars(cs, (const char *const[]){f->name}, 1, name);

    if (ret == 0)
        ret = cs_cjk_chars(cs, other, sizeof other / sizeof other[0], rest);
    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 7, "tt", *name, *rest);
    return ret;
}

/* Binds what OP_CONTACT_INSERT and OP_CONTACT_UPDATE share: the fields,
 * the phone's derived columns, vcard_xml and extra (parameters 1..14). */
static int cs_bind_contact(struct cardstore *cs, sqlite3_stmt *s,
                           const struct vcard_fields *f, const char *xml,
                           const char *extra, char **digits, char **keys)
{
    int ret = cs_digits(cs, f->phone, digits);

    if (ret == 0)
        ret = cs_phone_keys(cs, *digits, keys);
    if (ret == 0)
        ret = cs_bind_fields(cs, s, f);
    if (ret == 0)
        ret =
            cs_bind(cs, s, CS_NFIELDS + 1, "tttt", *digits, *keys, xml, extra);
    return ret;
}

int cs_contact_insert(struct cardstore *cs, const struct vcard_fields *f,
                      const char *xml, const char *extra, int64_t created,
                      int64_t updated, int64_t *id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_INSERT];
    char *digits = NULL, *keys = NULL, *name = NULL, *rest = NULL;
    int ret = cs_bind_contact(cs, s, f, xml, extra, &digits, &keys);

    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 5, "ll", updated, created);
    if (ret == 0)
        ret = cs_bind_cjk(cs, s, f, &name, &rest);
    ret = cs_run(cs, s, ret);
    if (ret == 0 && id)
        *id = sqlite3_last_insert_rowid(cs->db);
    free(digits);
    free(keys);
    free(name);
    free(rest);
    return ret;
}

static int cs_contact_update(struct cardstore *cs, int64_t id,
                             const struct vcard_fields *f, const char *xml,
                             const char *extra)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_UPDATE];
    char *digits = NULL, *keys = NULL, *name = NULL, *rest = NULL;
    int ret = cs_bind_contact(cs, s, f, xml, extra, &digits, &keys);

    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 5, "ll", cs_now(), id);
    if (ret == 0)
        ret = cs_bind_cjk(cs, s, f, &name, &rest);
    ret = cs_write(cs, s, ret, "no such contact");
    free(digits);
    free(keys);
    free(name);
    free(rest);
    return ret;
}

/* vcard_xml for fields f: base (a vcard-temp card or NULL) with the fields
 * cardx knows set to f and everything else kept. A base that does not
 * parse is dropped (*out NULL): the fields are what the user sees. */
static int cs_regen_xml(struct cardstore *cs, const char *base,
                        const struct vcard_fields *f, char **out)
{
    xmpp_stanza_t *old, *merged;

    *out = NULL;
    if (!base)
        return 0;
    old = vcard_from_text(cs->ctx, base);
    if (!old)
        return 0;
    merged = vcard_merge(cs->ctx, old, f);
    xmpp_stanza_release(old);
    if (!merged)
        return cs_nomem(cs);
    *out = vcard_to_text(merged);
    xmpp_stanza_release(merged);
    return *out ? 0 : cs_nomem(cs);
}

int cardstore_contact_add(struct cardstore *cs, const struct cardstore_card *c,
                          int64_t *id)
{
    int64_t created = c->received > 0 ? c->received : cs_now();

    return cs_contact_insert(cs, &c->f, c->vcard_xml, c->extra, created,
                             c->updated > 0 ? c->updated : created, id);
}

int cardstore_contact_get(struct cardstore *cs, int64_t id,
                          struct cardstore_card **out)
{
    return cs_card_get(cs, OP_CONTACT_GET, id, out, "no such contact");
}

static int cs_field_known(const char *field)
{
    int i;

    for (i = 0; i < CS_NFIELDS; i++)
        if (strcmp(cs_fields[i], field) == 0)
            return 1;
    return 0;
}

/* Sets the field in c and regenerates its vcard_xml to match. */
static int cs_card_set_field(struct cardstore *cs, struct cardstore_card *c,
                             const char *field, const char *value)
{
    char *xml;
    int ret;

    if (vcard_fields_set(&c->f, field, value) != 0)
        return cs_nomem(cs);
    ret = cs_regen_xml(cs, c->vcard_xml, &c->f, &xml);
    if (ret == 0) {
        free(c->vcard_xml);
        c->vcard_xml = xml;
    }
    return ret;
}

int cardstore_contact_set(struct cardstore *cs, int64_t id, const char *field,
                          const char *value)
{
    struct cardstore_card *c = NULL;
    int own;
    int ret;

    if (!field || !cs_field_known(field))
        return cs_fail(cs, CARDSTORE_EINVAL, "unknown field");
    ret = cs_tx_begin(cs, &own);
    if (ret < 0)
        return ret;
    ret = cs_card_get(cs, OP_CONTACT_GET, id, &c, "no such contact");
    if (ret == 0)
        ret = cs_card_set_field(cs, c, field, value);
    if (ret == 0)
        ret = cs_contact_update(cs, id, &c->f, c->vcard_xml, c->extra);
    cardstore_card_free(c);
    return cs_tx_end(cs, own, ret);
}

int cardstore_contact_delete(struct cardstore *cs, int64_t id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_DELETE];

    return cs_write(cs, s, cs_bind(cs, s, 1, "l", id), "no such contact");
}

int cardstore_contact_list(struct cardstore *cs, cardstore_visit fn, void *ud)
{
    return cs_visit_query(cs, OP_CONTACT_IDS, 0, OP_CONTACT_GET, fn, ud);
}

/* Fills and overwrites contact id with card's set fields. The contact's
 * vcard_xml stays the base (the card's when it has none) so that neither
 * loses more than it must. */
int cs_merge_into(struct cardstore *cs, int64_t id,
                  const struct cardstore_card *card)
{
    struct cardstore_card *c = NULL;
    const char *value;
    char *xml = NULL;
    int ret = cs_card_get(cs, OP_CONTACT_GET, id, &c, "no such contact");
    int i;

    for (i = 0; i < CS_NFIELDS && ret == 0; i++) {
        value = vcard_fields_get(&card->f, cs_fields[i]);
        if (value && vcard_fields_set(&c->f, cs_fields[i], value) != 0)
            ret = cs_nomem(cs);
    }
    if (ret == 0)
        ret = cs_regen_xml(cs, c->vcard_xml ? c->vcard_xml : card->vcard_xml,
                           &c->f, &xml);
    if (ret == 0)
        ret = cs_contact_update(cs, id, &c->f, xml,
                                c->extra ? c->extra : card->extra);
    free(xml);
    cardstore_card_free(c);
    return ret;
}
