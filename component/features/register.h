/* Phone registration, shared by its two front ends: XEP-0077 (register.c)
 * and the ad-hoc command (adhoc_commands.c). */
#ifndef CARDX_COMPONENT_FEATURES_REGISTER_H
#define CARDX_COMPONENT_FEATURES_REGISTER_H

#include "component/feature.h"

/* What a change of registration did: the answer (o), and phone, the
 * number registered or unregistered ("" when unknown). */
struct register_outcome {
    struct service_outcome o;
    char phone[32];
    int pending; /* a code went to phone: the number waits for it */
    int retry;   /* a wrong code: the same code may be tried again */
};

/* Called once with the outcome of register_request(); req and bare are
 * borrowed for the call (req may be a copy kept while a code went out). */
typedef void (*register_done_fn)(struct service *svc, xmpp_stanza_t *req,
                                 const char *bare,
                                 const struct register_outcome *out);

/* Adds the title, instructions, a hidden FORM_TYPE (unless form_type is
 * NULL) and the phone field (holding phone, which may be NULL) of the
 * registration form to the data form x. Returns 0 or -1. */
int register_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone,
                       const char *form_type);

/* Adds the second stage of the registration form to x: the number
 * waiting for its code (pending) and the required code field. */
int register_code_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                            const char *pending, const char *form_type);

/* Registers the typed number input (normalised to E.164) for bare, or
 * changes bare's number to it, as [verify] says: at once with method
 * none; else a submission without code sends one (out->pending) and one
 * with code proves the number. input may be NULL or empty with a code: the
 * number of bare's newest pending claim. done runs once, maybe later. */
void register_request(struct service *svc, xmpp_stanza_t *req, const char *bare,
                      const char *input, const char *code,
                      register_done_fn done);

/* Unregisters bare: its number, its card and the cards waiting for it. */
void register_drop(struct service *svc, const char *bare,
                   struct register_outcome *out);

/* After a successful change (registered 1) or drop (0) was answered: asks
 * for the user's presence, or cancels the subscription both ways. */
void register_announce(struct service *svc, const char *bare, int registered);

#endif
