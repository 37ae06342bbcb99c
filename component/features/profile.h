/* Profiles: the named subsets of a user's card they send instead of the
 * whole of it (profile.c), shared by the send path and updates. */
#ifndef CARDX_COMPONENT_FEATURES_PROFILE_H
#define CARDX_COMPONENT_FEATURES_PROFILE_H

#include "component/feature.h"

/* The card vcard (serialised vcard-temp, borrowed) as the recipient of a
 * profile sees it: only the fields named in fields (space-separated names
 * of vcard_field_names()); with fields NULL the whole card, unchanged.
 * Returns a new string the caller frees, or NULL when memory ran out or
 * vcard is not a card. */
char *profile_apply(struct service *svc, const char *vcard, const char *fields);

/* The profile a send of bare's card uses: name when not NULL (which must
 * exist), else bare's default profile, else none (the whole card). Sets
 * *used and *fields (the caller's to free; both NULL for the whole card).
 * Returns 0, or -1 with out holding the error to answer. */
int profile_resolve(struct service *svc, const char *bare, const char *name,
                    char **used, char **fields, struct service_outcome *out);

/* The space-separated names of the fields that differ between the cards
 * old and new (serialised vcard-temp); "" when none do. The caller frees
 * it; NULL when memory ran out or a card did not parse. */
char *profile_changed(struct service *svc, const char *old, const char *new);

#endif
