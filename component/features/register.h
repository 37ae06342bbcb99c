/* Phone registration, shared by its two front ends: XEP-0077 (register.c)
 * and the ad-hoc command (adhoc_commands.c). */
#ifndef CARDX_COMPONENT_FEATURES_REGISTER_H
#define CARDX_COMPONENT_FEATURES_REGISTER_H

#include "component/feature.h"

/* What a change of registration did, for each front end to answer its own
 * way: type is NULL on success and text says what was done; else type
 * (ERR_*), condition and text say why it failed. phone is the number
 * registered or unregistered ("" when unknown). */
struct register_outcome {
    const char *type;
    const char *condition;
    char text[256];
    char phone[32];
};

/* Adds the title, instructions, a hidden FORM_TYPE (unless form_type is
 * NULL) and the phone field (holding phone, which may be NULL) of the
 * registration form to the data form x. Returns 0 or -1. */
int register_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone,
                       const char *form_type);

/* Registers the typed number input (normalised to E.164) for bare, or
 * changes bare's number to it. */
void register_change(struct service *svc, const char *bare, const char *input,
                     struct register_outcome *out);

/* Unregisters bare: its number, its card and the cards waiting for it. */
void register_drop(struct service *svc, const char *bare,
                   struct register_outcome *out);

/* After a successful change (registered 1) or drop (0) was answered: asks
 * for the user's presence, or cancels the subscription both ways. */
void register_announce(struct service *svc, const char *bare, int registered);

#endif
