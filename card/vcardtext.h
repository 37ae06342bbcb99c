/* vCard text (RFC 6350 4.0 and RFC 2426 3.0) import and export. */
#ifndef CARDX_CARD_VCARDTEXT_H
#define CARDX_CARD_VCARDTEXT_H

#include <strophe.h>

#include "card/vcard.h"

/* One card read from or written to text. f holds the fields cardx knows;
 * the other two members keep everything else so export after import loses
 * no property. Both hold content lines unfolded and still escaped, joined
 * by "\n", or NULL:
 * - extra: every property not mapped to f (PHOTO, BDAY, second TELs and
 *   EMAILs, X-*, ...) in input order; VERSION is dropped.
 * - src: the lines f was read from; vcardtext_write writes such a line back
 *   verbatim (group, parameters, unknown components) while its field still
 *   holds the value read from it, and a fresh line once the field changed.
 * A card built from scratch leaves both NULL. All members are malloc'd. */
struct vcardtext_card {
    struct vcard_fields f;
    char *extra;
    char *src;
};

/* Frees every member and zeroes c. Accepts NULL. */
void vcardtext_card_clear(struct vcardtext_card *c);

/* Replaces dst (zeroed or holding a card) with a copy of src. Returns 0 or
 * VCARD_ENOMEM (dst cleared then). */
int vcardtext_card_copy(struct vcardtext_card *dst,
                        const struct vcardtext_card *src);

/* Parses every BEGIN:VCARD..END:VCARD in text (vCard 3.0 or 4.0; CRLF or LF
 * line ends; folded lines; escapes \\ \; \, \n \N; quoted parameters; group
 * prefixes; property names in any case) and calls fn with each card, which
 * fn borrows for the call only; fn returns 0 to go on, anything else to
 * stop. Mapping: FN -> name (else "GIVEN FAMILY" from N); N -> family,
 * given; the TEL of type cell (else the first) -> phone, without a "tel:"
 * prefix; the preferred EMAIL (else the first) -> email; ORG's first
 * component -> org; TITLE; the ADR of type work (else the first) ->
 * address, its non-empty components joined with ", "; URL; NOTE -> note.
 * For each, a property with a value wins over an empty one. The text must
 * be UTF-8; CHARSET parameters are ignored. A content line holding a
 * control character other than TAB (a bare CR included) is refused, since
 * RFC 6350 allows none and other readers would split the card there; the
 * values are then cleaned as struct vcard_fields says (a \n escape in a
 * one-line field such as FN becomes a space, in NOTE and ADR a line break).
 * Returns the number of cards, or a negative code with *err (when err is not
 * NULL) set to a one-line message naming the line, which the caller frees
 * with free() (NULL when memory ran out for it too): VCARD_EINVAL when the
 * text is not valid vCard or fn stopped, e.g. "line 7: property without
 * ':'", "line 12: END:VCARD missing", "no BEGIN:VCARD found", "line 9: card
 * not accepted", "line 3: control character", "line 3: carriage return
 * without line feed"; VCARD_ENOMEM with "out of memory". Cards before the error
 * have been passed to fn already. */
int vcardtext_parse(const char *text,
                    int (*fn)(void *ud, const struct vcardtext_card *c),
                    void *ud, char **err);

/* c as one vCard 4.0: BEGIN, VERSION:4.0, FN (always; from GIVEN FAMILY
 * when the name is unset), N, TEL;TYPE=cell, EMAIL, ORG, TITLE,
 * ADR;TYPE=work (the address in the street component), URL, NOTE, the extra
 * lines, END; CRLF line ends, values escaped, lines folded at 75 octets
 * without splitting a UTF-8 sequence. The fields are cleaned (struct
 * vcard_fields) and control characters dropped from the extra and source
 * lines, so the text always imports again. The caller frees it with
 * free(); NULL on allocation failure. */
char *vcardtext_write(const struct vcardtext_card *c);

/* A new vcard-temp vCard with c's fields (vcard_build); the extra lines
 * are dropped, as vcard-temp has no place for most of them. The caller
 * releases it with xmpp_stanza_release(); NULL on allocation failure. */
xmpp_stanza_t *vcardtext_to_vcard_temp(xmpp_ctx_t *ctx,
                                       const struct vcardtext_card *c);

#endif
