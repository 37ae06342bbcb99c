/* The three-way merge of an update into a saved contact: the sender's
 * card the contact was saved from (base), the contact as the user edited
 * it (mine), and the sender's new card (theirs). */
#ifndef CARDX_CLIENT_MERGE_H
#define CARDX_CLIENT_MERGE_H

#include "card/vcard.h"
#include "common/util.h"

/* What a field both sides changed, differently, becomes. */
enum merge_side {
    MERGE_ASK,    /* stays mine; the field is listed as a conflict */
    MERGE_THEIRS, /* the sender's new value */
    MERGE_MINE,   /* the user's own edit */
};

/* Merges field by field into out (zeroed or holding fields, replaced): a
 * field the sender did not change keeps mine, one the user did not
 * change takes theirs, and one both changed to different values is
 * resolved by side and its name appended to conflicts (which may be
 * NULL). Returns 0, or CX_ENOMEM with out cleared. */
int merge_fields(const struct vcard_fields *base,
                 const struct vcard_fields *mine,
                 const struct vcard_fields *theirs, enum merge_side side,
                 struct vcard_fields *out, struct strv *conflicts);

/* Appends to changed the names of the fields whose values differ between
 * a and b, in the card's order. Returns 0 or CX_ENOMEM. */
int merge_changed(const struct vcard_fields *a, const struct vcard_fields *b,
                  struct strv *changed);

#endif
