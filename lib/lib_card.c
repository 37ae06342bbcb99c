/* libcardx's cards: the fields and metadata of one card, and its vCard
 * text. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/vcard.h"
#include "card/vcard_photo.h"
#include "card/vcardtext.h"
#include "common/util.h"
#include "lib/lib_int.h"

_Static_assert(CARDX_PHOTO_MAX_BYTES == VCARD_PHOTO_MAX_BYTES,
               "the public photo limit is the card module's");

const char *const *cardx_field_names(void)
{
    return vcard_field_names();
}

cardx_card *cardx_card_new(void)
{
    return calloc(1, sizeof(cardx_card));
}

static int dup_or_null(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

cardx_card *cardx_card_copy(const cardx_card *card)
{
    const struct cardstore_card *s = &card->c;
    cardx_card *d = cardx_card_new();

    if (!d)
        return NULL;
    d->c.id = s->id;
    d->c.received = s->received;
    d->c.updated = s->updated;
    if (dup_or_null(&d->c.card_id, s->card_id) < 0 ||
        dup_or_null(&d->c.sender_phone, s->sender_phone) < 0 ||
        dup_or_null(&d->c.note, s->note) < 0 ||
        dup_or_null(&d->c.vcard_xml, s->vcard_xml) < 0 ||
        dup_or_null(&d->c.extra, s->extra) < 0 ||
        dup_or_null(&d->updates, card->updates) < 0 ||
        dup_or_null(&d->changed, card->changed) < 0 ||
        vcard_fields_copy(&d->c.f, &s->f) != 0) {
        cardx_card_free(d);
        return NULL;
    }
    return d;
}

void cardx_card_free(cardx_card *card)
{
    if (!card)
        return;
    free(card->c.card_id);
    free(card->c.sender_phone);
    free(card->c.note);
    free(card->c.vcard_xml);
    free(card->c.extra);
    free(card->updates);
    free(card->changed);
    vcard_fields_clear(&card->c.f);
    free(card);
}

const char *cardx_card_get(const cardx_card *card, const char *field)
{
    return card && field ? vcard_fields_get(&card->c.f, field) : NULL;
}

int cardx_card_set(cardx_card *card, const char *field, const char *value)
{
    int rc;

    if (!card || !field)
        return CARDX_E_INVAL;
    rc = vcard_fields_set(&card->c.f, field, value);
    return lib_error_from_cx(rc);
}

int64_t cardx_card_id(const cardx_card *card)
{
    return card->c.id;
}

const char *cardx_card_service_id(const cardx_card *card)
{
    return card->c.card_id;
}

const char *cardx_card_sender(const cardx_card *card)
{
    return card->c.sender_phone;
}

const char *cardx_card_note(const cardx_card *card)
{
    return card->c.note;
}

int64_t cardx_card_received(const cardx_card *card)
{
    return card->c.received;
}

int64_t cardx_card_updated(const cardx_card *card)
{
    return card->c.updated;
}

const char *cardx_card_updates(const cardx_card *card)
{
    return card->updates;
}

const char *cardx_card_changed(const cardx_card *card)
{
    return card->updates ? (card->changed ? card->changed : "") : NULL;
}

/* Whether the vCard text lines in extra already hold a PHOTO (the card
 * was imported from a .vcf that had one). */
static int extra_has_photo(const char *extra)
{
    for (const char *l = extra; l && *l; l = strchr(l, '\n')) {
        const char *dot;

        if (*l == '\n')
            l++;
        dot = strpbrk(l, ".:;\n");
        if (dot && *dot == '.') /* group prefix */
            l = dot + 1;
        if (strncasecmp(l, "PHOTO", 5) == 0 && (l[5] == ':' || l[5] == ';'))
            return 1;
        if (!strchr(l, '\n'))
            break;
    }
    return 0;
}

/* card's extra lines with a PHOTO line (vCard 4.0 data URI) from its
 * vcard_xml; NULL when there is nothing to add. The caller frees it. */
static char *photo_extra(const cardx_card *card)
{
    xmpp_ctx_t *ctx;
    xmpp_stanza_t *v;
    char *line = NULL, *extra = NULL;

    if (!card->c.vcard_xml || extra_has_photo(card->c.extra))
        return NULL;
    ctx = xmpp_ctx_new(NULL, NULL);
    v = ctx ? vcard_from_text(ctx, card->c.vcard_xml) : NULL;
    if (v && vcard_photo_vcf_line(v, 4, &line) == 0)
        extra = card->c.extra ? str_printf("%s\n%s", card->c.extra, line)
                              : strdup(line);
    free(line);
    if (v)
        xmpp_stanza_release(v);
    if (ctx)
        xmpp_ctx_free(ctx);
    return extra;
}

char *cardx_card_to_vcard(const cardx_card *card)
{
    struct vcardtext_card vc = {0};
    char *extra = photo_extra(card), *text;

    vc.f = card->c.f;
    vc.extra = extra ? extra : card->c.extra;
    text = vcardtext_write(&vc);
    free(extra);
    return text;
}

int cardx_card_photo_get(const cardx_card *card, unsigned char **data,
                         size_t *len, const char **type, unsigned *width,
                         unsigned *height, const char **why)
{
    struct vcard_photo_info info = {0};
    xmpp_ctx_t *ctx;
    xmpp_stanza_t *v = NULL;
    unsigned char *got = NULL;
    size_t n = 0;
    int rc = CX_ENOTFOUND;

    if (data)
        *data = NULL;
    if (why)
        *why = NULL;
    if (!card->c.vcard_xml)
        return CARDX_E_NOTFOUND;
    ctx = xmpp_ctx_new(NULL, NULL);
    if (!ctx)
        return CARDX_E_NOMEM;
    v = vcard_from_text(ctx, card->c.vcard_xml);
    if (v)
        rc = vcard_photo_get(v, &got, &n, &info, why);
    if (rc == 0) {
        if (len)
            *len = n;
        if (type)
            *type = info.label;
        if (width)
            *width = info.width;
        if (height)
            *height = info.height;
        if (data) {
            *data = got;
            got = NULL;
        }
    }
    free(got);
    if (v)
        xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
    return lib_error_from_cx(rc);
}

/* The photo (or none) applied to the card's vcard-temp, built from its
 * fields when it has none yet. */
static int photo_apply(cardx_card *card, const unsigned char *data, size_t len,
                       const struct vcard_photo_info *info)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *base = NULL, *out = NULL;
    char *xml = NULL;
    int rc = CARDX_E_NOMEM;

    if (!ctx)
        return rc;
    if (card->c.vcard_xml)
        base = vcard_from_text(ctx, card->c.vcard_xml);
    if (!base)
        base = vcard_build(ctx, &card->c.f);
    if (base)
        out = vcard_photo_set(ctx, base, data, len, info);
    if (out)
        xml = vcard_to_text(out);
    if (xml) {
        free(card->c.vcard_xml);
        card->c.vcard_xml = xml;
        rc = CARDX_OK;
    }
    if (out)
        xmpp_stanza_release(out);
    if (base)
        xmpp_stanza_release(base);
    xmpp_ctx_free(ctx);
    return rc;
}

int cardx_card_photo_set(cardx_card *card, const unsigned char *data,
                         size_t len, const char **why)
{
    struct vcard_photo_info info = {0};
    const char *reason = NULL;

    if (why)
        *why = NULL;
    if (data && len > VCARD_PHOTO_MAX_BYTES) {
        if (why)
            *why = "the photo is larger than CARDX_PHOTO_MAX_BYTES";
        return CARDX_E_INVAL;
    }
    if (data &&
        vcard_photo_check(data, len, VCARD_PHOTO_MAX_BYTES, &info, &reason)) {
        if (why)
            *why = reason;
        return CARDX_E_INVAL;
    }
    return photo_apply(card, data, len, &info);
}

struct first_card {
    cardx_card *card;
    int count;
    int nomem;
};

static int take_first(void *ud, const struct vcardtext_card *vc)
{
    struct first_card *fc = ud;

    if (fc->count++ > 0)
        return 0;
    fc->card = cardx_card_new();
    if (!fc->card || vcard_fields_copy(&fc->card->c.f, &vc->f) != 0 ||
        (vc->extra && !(fc->card->c.extra = strdup(vc->extra)))) {
        fc->nomem = 1;
        return 1;
    }
    return 0;
}

int cardx_card_from_vcard(const char *text, cardx_card **out, char **err)
{
    struct first_card fc = {0};
    int rc;

    *out = NULL;
    if (err)
        *err = NULL;
    rc = vcardtext_parse(text, take_first, &fc, err);
    if (rc < 0 || fc.nomem) {
        cardx_card_free(fc.card);
        return fc.nomem ? CARDX_E_NOMEM : lib_error_from_cx(rc);
    }
    if (fc.count == 0)
        return CARDX_E_NOTFOUND;
    *out = fc.card;
    return fc.count;
}

int cardx_card_same_fields(const cardx_card *a, const cardx_card *b)
{
    return vcard_fields_equal(&a->c.f, &b->c.f);
}
