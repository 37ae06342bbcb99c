/* Private to card/vcardtext*.c: split content lines and field kinds. */
#ifndef CARDX_CARD_VCARDTEXT_INT_H
#define CARDX_CARD_VCARDTEXT_INT_H

#include <stddef.h>

#include "card/vcard.h"

/* The properties mapped onto fields, in the order vcardtext_write emits. */
enum vcardtext_kind {
    K_FN,
    K_N,
    K_TEL,
    K_EMAIL,
    K_ORG,
    K_TITLE,
    K_ADR,
    K_URL,
    K_NOTE,
    NKINDS
};

/* The property name of each kind, in upper case. */
extern const char *const vcardtext_kind_props[NKINDS];

/* One content line of a card, split in place: [group.]name[;params]:value.
 * The other members point into line, which the holder frees. */
struct vcardtext_prop {
    char *line;
    int lineno;
    const char *name;
    size_t name_len;
    const char *params; /* from the first ';' up to ':', or "" */
    size_t params_len;
    const char *value;
};

/* Splits p->line. Returns 0, or CX_EINVAL with *why a static reason. */
int vcardtext_prop_split(struct vcardtext_prop *p, const char **why);

/* True when p's name (any case) is name. */
int vcardtext_prop_is(const struct vcardtext_prop *p, const char *name);

/* The kind of p, or -1 when p maps onto no field. */
int vcardtext_kind_of(const struct vcardtext_prop *p);

/* Whether p is the preferred one among properties of its kind k. */
int vcardtext_preferred(const struct vcardtext_prop *p, enum vcardtext_kind k);

/* Start of component index of a ';'-structured value v (borrowed from v), or
 * NULL when v has fewer components. */
const char *vcardtext_component_at(const char *v, int index);

/* Sets the members of f that property p of kind k carries to malloc'd,
 * unescaped and cleaned (vcard_fields_clean) copies. Returns 0 or CX_ENOMEM. */
int vcardtext_prop_fields(const struct vcardtext_prop *p, enum vcardtext_kind k,
                          struct vcard_fields *f);

#endif
