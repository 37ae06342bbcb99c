/* libcardx's cards: the fields and metadata of one card, and its vCard
 * text. */
#include <stdlib.h>
#include <string.h>

#include "card/vcard.h"
#include "card/vcardtext.h"
#include "lib/lib_int.h"

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

char *cardx_card_to_vcard(const cardx_card *card)
{
    struct vcardtext_card vc = {0};

    vc.f = card->c.f;
    vc.extra = card->c.extra;
    return vcardtext_write(&vc);
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
