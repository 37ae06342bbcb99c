/* Private to card/vcard*.c: the field table and mapping rules they share. */
#ifndef CARDX_CARD_VCARD_INT_H
#define CARDX_CARD_VCARD_INT_H

#include <stddef.h>
#include <strophe.h>

#include "card/vcard.h"

/* The members of struct vcard_fields, in vcard_field_names order. */
enum vcard_field {
    F_NAME,
    F_GIVEN,
    F_FAMILY,
    F_PHONE,
    F_EMAIL,
    F_ORG,
    F_TITLE,
    F_ADDRESS,
    F_URL,
    F_NOTE,
    VCARD_NFIELDS
};

/* The member for field of f (borrowed from f). */
char **vcard_slot(struct vcard_fields *f, enum vcard_field field);

/* The member for field of f as read-only (borrowed from f). */
const char *vcard_value(const struct vcard_fields *f, enum vcard_field field);

/* True when a and b are both NULL or equal strings. */
int vcard_same_value(const char *a, const char *b);

/* Sets f->name to "GIVEN FAMILY" when it is unset and either part is set, so
 * a card without FN still has a name. Returns 0 or CX_ENOMEM. */
int vcard_name_fallback(struct vcard_fields *f);

/* Makes *value (malloc'd, may be NULL) clean as struct vcard_fields wants
 * it: bytes that are not UTF-8, control characters other than TAB and line
 * breaks, and U+FFFE/U+FFFF are removed; each line break (CRLF, CR, LF)
 * becomes LF when multiline, else a space; then the value is trimmed, and
 * freed and set to NULL when nothing is left. In place: never grows. */
void vcard_clean_value(char **value, int multiline);

/* Whether field may hold line breaks (address and note). */
int vcard_multiline(enum vcard_field field);

/* True for the whitespace XML and vCard text allow around values. */
int vcard_is_space(char c);

/* How one field lives in a vCard: element elem, its value in child sub (or
 * the element's own text), and type flags that make an element preferred,
 * strongest first. value reads it into a malloc'd string (NULL when blank)
 * and returns 0 or CX_ENOMEM. */
struct vcard_rule {
    enum vcard_field field;
    const char *elem;
    const char *sub;
    int (*value)(xmpp_stanza_t *e, const char *sub, char **out);
    const char *flags[3];
};

/* Every field but given/family, which share N; in vcard_build's order. */
#define VCARD_NRULES 8
extern const struct vcard_rule vcard_rules[VCARD_NRULES];

/* ADR parts in the order of a postal address (CTRY last), NULL-terminated. */
#define VCARD_NADR_PARTS 7
extern const char *const vcard_adr_parts[VCARD_NADR_PARTS + 1];

/* True when e is an element name in vcard-temp: libstrophe leaves ns NULL on
 * children built in code, while parsed ones carry the inherited xmlns. */
int vcard_is_elem(xmpp_stanza_t *e, const char *name);

/* parent's first vcard-temp child called name (borrowed), or NULL. */
xmpp_stanza_t *vcard_child(xmpp_stanza_t *parent, const char *name);

/* True when e has an element child. */
int vcard_has_tag_child(xmpp_stanza_t *e);

/* The element holding rule r's value (best flags, then first) and its
 * malloc'd, cleaned value (vcard_clean_value) into *best (borrowed from
 * vcard) / *value; both NULL when no element has one. Returns 0 or CX_ENOMEM.
 */
int vcard_pick(xmpp_stanza_t *vcard, const struct vcard_rule *r,
               xmpp_stanza_t **best, char **value);

/* A new element with e's name and attributes but no children (NULL on
 * allocation failure), for rebuilding a card libstrophe cannot unlink a
 * child from. The caller releases it. */
xmpp_stanza_t *vcard_shallow_copy(xmpp_ctx_t *ctx, xmpp_stanza_t *e);

#endif
