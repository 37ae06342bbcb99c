/* The business-card field model and vcard-temp (XEP-0054) stanzas. */
#ifndef CARDX_CARD_VCARD_H
#define CARDX_CARD_VCARD_H

#include <stddef.h>
#include <strophe.h>

#include "common/errors.h"

/* The fields cardx edits and shows. Every member is NULL or a non-empty
 * string owned by the struct (allocated with malloc). A zeroed struct is an
 * empty card.
 *
 * Values are clean text, whatever they were read from (vcard_fields_set,
 * vcard_parse, vCard text import) and whatever vcard_build, vcard_merge
 * and vcardtext_write are handed: valid UTF-8, trimmed, without control
 * characters (C0, DEL, C1) or U+FFFE/U+FFFF, which XML 1.0 forbids or a
 * .vcf cannot carry raw. TAB is kept in every field. Line breaks are kept,
 * as LF, only where a card legitimately has several lines, the address and
 * the note; in the other fields (name, given, family, phone, email, org,
 * title, url) a line break becomes a space, since vcard-temp readers and
 * vCard's single-line properties show them on one line. So a card that
 * goes in dirty comes out clean, never as XML a server's parser rejects. */
struct vcard_fields {
    char *name, *given, *family, *phone, *email, *org, *title, *address, *url,
        *note;
};

/* The project's codes (common/errors.h) under this module's names; each
 * function says which it returns. */
#define VCARD_ENOMEM CX_ENOMEM
#define VCARD_EINVAL CX_EINVAL

/* Frees every member and zeroes f. Accepts NULL. */
void vcard_fields_clear(struct vcard_fields *f);

/* Cleans every member of f in place as struct vcard_fields describes (a
 * member with nothing left becomes NULL). For structs filled by hand. */
void vcard_fields_clean(struct vcard_fields *f);

/* Sets the member named field ("name", "phone", ... see vcard_field_names)
 * to a cleaned copy of value (see struct vcard_fields); NULL, "" or a value
 * with nothing left once cleaned clears it. Returns 0, VCARD_EINVAL for an
 * unknown field name or VCARD_ENOMEM (f unchanged then). */
int vcard_fields_set(struct vcard_fields *f, const char *field,
                     const char *value);

/* The member named field (borrowed from f), or NULL when it is unset or the
 * field name is unknown. */
const char *vcard_fields_get(const struct vcard_fields *f, const char *field);

/* Replaces dst (zeroed or holding fields) with copies of src. Returns 0 or
 * VCARD_ENOMEM (dst cleared then). */
int vcard_fields_copy(struct vcard_fields *dst, const struct vcard_fields *src);

/* True when both hold the same values in every member. */
int vcard_fields_equal(const struct vcard_fields *a,
                       const struct vcard_fields *b);

/* The field names in display order, NULL-terminated (static, borrowed). */
const char *const *vcard_field_names(void);

/* True when stanza is a <vCard xmlns='vcard-temp'/> element. */
int vcard_is_vcard(xmpp_stanza_t *stanza);

/* Reads the fields out of a <vCard xmlns='vcard-temp'/> element into out,
 * which must be zeroed or hold fields (they are freed first). FN gives the
 * name (falling back to "GIVEN FAMILY"), the TEL with <CELL/> the phone (else
 * the first TEL), the EMAIL with <PREF/> and <INTERNET/> the email (else the
 * first), the first ORG/ORGNAME, TITLE, URL and DESC (note), the <WORK/> ADR
 * (else the first) as its non-empty parts joined with ", ". Values are
 * cleaned (see struct vcard_fields: a character reference such as &#x7F;
 * or &#13; does not get through); empty ones stay NULL. Returns 0, VCARD_EINVAL
 * when vcard is not a vcard-temp vCard, or VCARD_ENOMEM; out is left cleared on
 * error. */
int vcard_parse(xmpp_stanza_t *vcard, struct vcard_fields *out);

/* A new <vCard xmlns='vcard-temp'/> holding the set fields, cleaned (see
 * struct vcard_fields): FN, N (FAMILY,
 * GIVEN), TEL (CELL, VOICE, NUMBER), EMAIL (INTERNET, PREF, USERID),
 * ORG/ORGNAME, TITLE, ADR (WORK, the whole address in STREET), URL, DESC.
 * The caller releases it with xmpp_stanza_release(); NULL on allocation
 * failure. */
xmpp_stanza_t *vcard_build(xmpp_ctx_t *ctx, const struct vcard_fields *f);

/* A new copy of vcard in which the fields cardx knows are set to f, while
 * every other element, attribute and sub-element is kept (PHOTO, BDAY, X-*,
 * MIDDLE, ORGUNIT, TEL types, ...). f is the whole desired state: a NULL
 * member removes that field. Only fields whose value differs from what
 * vcard_parse reads are touched; a changed phone, email or address rewrites
 * the element vcard_parse picked and a cleared one removes just that
 * element, so other numbers or addresses of the card survive (and
 * vcard_parse may then show one of them). f is cleaned first, as for
 * vcard_build. A card without FN whose name is the "GIVEN FAMILY" fallback
 * gets no FN added for it, so merging a card with its own vcard_parse
 * changes nothing.
 * It returns a new stanza rather than editing vcard because libstrophe
 * cannot unlink a child. The caller releases the result with
 * xmpp_stanza_release(); NULL when vcard is not a vcard-temp vCard or on
 * allocation failure. */
xmpp_stanza_t *vcard_merge(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                           const struct vcard_fields *f);

/* Multi-line plain text for a chat window: "Business card: NAME" (or the
 * phone when there is no name) then "Phone:", "Email:", "Organisation:",
 * "Title:", "Address:", "Web:", "About:" (the card's note) lines for the set
 * fields, and "Note: NOTE" for the sender's note when it is neither NULL nor
 * empty. No trailing newline. The caller frees it with free(); NULL on
 * allocation failure. */
char *vcard_summary(const struct vcard_fields *f, const char *note);
/* vcard_summary() in another language: tr(data, msgid) gives each English
 * label ("Phone", "Business card: %s") as the reader reads it. */
char *vcard_summary_tr(const struct vcard_fields *f, const char *note,
                       const char *(*tr)(void *data, const char *msgid),
                       void *data);

/* 0 when vcard is a vcard-temp vCard whose serialised form is at most
 * max_bytes long and holds no control character but TAB and LF in any text
 * or attribute (a card a user uploads is refused rather than altered: it is
 * theirs, and a CR or C1 character could only come from a character
 * reference); otherwise VCARD_EINVAL (VCARD_ENOMEM when serialising ran out
 * of memory) and *why (may be NULL) points at a static reason. */
int vcard_check(xmpp_stanza_t *vcard, size_t max_bytes, const char **why);

/* The serialised XML of vcard. The caller frees it with free(); NULL on
 * allocation failure. */
char *vcard_to_text(xmpp_stanza_t *vcard);

/* Parses xml (an optional XML declaration, then one element) into a new
 * stanza the caller releases with xmpp_stanza_release(). Namespaces,
 * attributes, unknown children and text survive; namespace prefixes are
 * rewritten as xmlns attributes. NULL when xml is not well-formed or its root
 * is not a vcard-temp vCard. */
xmpp_stanza_t *vcard_from_text(xmpp_ctx_t *ctx, const char *xml);

#endif
